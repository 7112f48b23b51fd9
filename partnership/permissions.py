"""Who may see and do what. One function per question, one queryset scope per list.

Everything follows from a person's active memberships. Views call these; templates ask
them through the objects the views hand over. Deny by default."""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from .jobs import private_kinds
from .models import (
    MFA_REQUIRED_ROLES,
    ROLES_BY_KIND,
    Invitation,
    Job,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)

# Whoever asks: the signed-in person or the anonymous visitor (request.user).
AnyUser: TypeAlias = User | AnonymousUser

# The roles that administer an organisation: manage its members and give its roles.
ADMIN_ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    kind: (Role.ORG_ADMIN, Role.SECRETARIAT)
    if kind == OrganisationKind.SECRETARIAT
    else (Role.ORG_ADMIN,)
    for kind in OrganisationKind.values
}


def memberships_of(user: AnyUser) -> list[Membership]:
    """The person's active memberships, loaded once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[Membership] | None = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = list(Membership.objects.active().filter(user=user).select_related("organisation"))
        # A cache for the request, kept on the user object itself.
        user._portal_memberships = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: AnyUser) -> None:
    if hasattr(user, "_portal_memberships"):
        del user._portal_memberships


def roles_in(user: AnyUser, organisation: Organisation) -> set[str]:
    return {m.role for m in memberships_of(user) if m.organisation_id == organisation.pk}


def has_role(user: AnyUser, *roles: str) -> bool:
    return any(m.role in roles for m in memberships_of(user))


def organisations_where(user: AnyUser, *roles: str) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for m in memberships_of(user):
        if m.role in roles:
            seen.setdefault(m.organisation_id, m.organisation)
    return list(seen.values())


def is_secretariat(user: AnyUser) -> TypeGuard[User]:
    return has_role(user, Role.SECRETARIAT)


def is_member(user: AnyUser) -> TypeGuard[User]:
    """A person with at least one active membership: may use the portal at all."""
    return bool(memberships_of(user))


def can_buy(user: AnyUser) -> bool:
    """Works for a buying municipality or the region (may make contracts)."""
    return any(
        m.organisation.is_public_buyer
        and m.role in (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN)
        for m in memberships_of(user)
    )


def requires_mfa(user: AnyUser) -> bool:
    return has_role(user, *MFA_REQUIRED_ROLES)


# --- Organisations and members ---------------------------------------------------------


def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    """The directory: every member of the partnership sees every organisation."""
    if not is_member(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def can_create_organisation(user: AnyUser) -> bool:
    return is_secretariat(user)


def can_edit_organisation(user: AnyUser, organisation: Organisation) -> bool:
    return is_secretariat(user)


def can_view_members(user: AnyUser, organisation: Organisation) -> bool:
    return is_secretariat(user) or bool(roles_in(user, organisation))


def administers(user: AnyUser, organisation: Organisation) -> bool:
    """The organisation's own administrator: its Organisationsadministrator, and in the
    secretariat's own organisation the secretariat as well."""
    return bool(roles_in(user, organisation) & set(ADMIN_ROLES_BY_KIND[organisation.kind]))


def can_manage_members(user: AnyUser, organisation: Organisation) -> bool:
    """Invite, change roles, deactivate, cancel invitations: the organisation's own admin."""
    return administers(user, organisation)


def can_manage_api_tokens(user: AnyUser, organisation: Organisation) -> bool:
    """Create, see and revoke the organisation's API tokens: its own admin and the
    secretariat."""
    return is_secretariat(user) or administers(user, organisation)


def has_administrator(organisation: Organisation) -> bool:
    return bool(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=ADMIN_ROLES_BY_KIND[organisation.kind])
        .exists()
    )


def can_grant_role(
    user: AnyUser, organisation: Organisation, role: str, *, email: str | None = None
) -> bool:
    """THE rule for giving a role in an organisation, used by every path that does: an
    invitation (when it is sent, and again when it is accepted, for the person who sent
    it), a change of role, and the creation of an organisation with its first admin.

    - The organisation's own administrator (administers) may give any role that fits the
      kind of organisation, to anyone.
    - The secretariat may give exactly one thing in an organisation that has no
      administrator yet: the role of its first administrator. If the organisation already
      has people, the first administrator must be one of them (the organisation's own
      people are asked, nobody from outside is put in); nobody may appoint themselves.
    - Nobody else may give anything.

    `email` is the person who is to get the role; without it the question is whether the
    role may be offered at all (the choices of a form)."""
    if role not in ROLES_BY_KIND[organisation.kind]:
        return False
    if administers(user, organisation):
        return True
    if role != Role.ORG_ADMIN or not is_secretariat(user) or has_administrator(organisation):
        return False
    if email is None:
        return True
    email = email.strip().lower()
    if email == (user.email or "").lower():
        return False
    people = {
        e.lower()
        for e in Membership.objects.active()
        .filter(organisation=organisation)
        .values_list("user__email", flat=True)
    }
    return not people or email in people


def grantable_roles(user: AnyUser, organisation: Organisation) -> list[str]:
    """The roles the person may offer in the organisation (can_grant_role)."""
    return [r for r in ROLES_BY_KIND[organisation.kind] if can_grant_role(user, organisation, r)]


def can_invite(user: AnyUser, organisation: Organisation) -> bool:
    return bool(grantable_roles(user, organisation))


def can_cancel_invitation(user: AnyUser, invitation: Invitation) -> bool:
    """The organisation's admin, and whoever sent the invitation."""
    return can_manage_members(user, invitation.organisation) or (
        is_member(user) and invitation.invited_by_id == user.pk
    )


def managed_organisations(user: AnyUser) -> list[Organisation]:
    """Organisations whose members the person administers (for navigation)."""
    seen: dict[int, Organisation] = {}
    for m in memberships_of(user):
        if m.role in ADMIN_ROLES_BY_KIND[m.organisation.kind]:
            seen.setdefault(m.organisation_id, m.organisation)
    return list(seen.values())


# --- Background jobs ----------------------------------------------------------------------


def jobs_visible_to(user: AnyUser) -> QuerySet[Job]:
    if not is_member(user):
        return Job.objects.none()
    if is_secretariat(user):
        return Job.objects.filter(Q(ordered_by=user) | ~Q(kind__in=private_kinds()))
    return Job.objects.filter(ordered_by=user)


def can_view_job(user: AnyUser, job: Job) -> bool:
    if not is_member(user):
        return False
    if job.ordered_by_id == user.pk:
        return True
    return is_secretariat(user) and job.kind not in private_kinds()


def can_retry_job(user: AnyUser, job: Job) -> bool:
    return can_view_job(user, job)


def can_see_job_error_detail(user: AnyUser, job: Job) -> bool:
    """The technical cause of a failed job (exception and traceback) is for the
    secretariat and staff; the person who ordered it reads the Danish explanation."""
    return can_view_job(user, job) and (user.is_staff or is_secretariat(user))


def can_order_member_list(user: AnyUser) -> bool:
    return is_secretariat(user)
