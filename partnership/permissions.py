"""Who may see and do what. One function per question, one queryset scope per list.

Everything follows from a person's active memberships. Views call these; templates ask
them through the objects the views hand over. Deny by default."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import (
    MFA_REQUIRED_ROLES,
    ROLES_BY_KIND,
    Job,
    Membership,
    Organisation,
    Role,
)


def memberships_of(user) -> list[Membership]:
    """The person's active memberships, loaded once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = list(Membership.objects.active().filter(user=user).select_related("organisation"))
        user._portal_memberships = cached
    return cached


def forget_memberships(user) -> None:
    if hasattr(user, "_portal_memberships"):
        del user._portal_memberships


def roles_in(user, organisation: Organisation) -> set[str]:
    return {m.role for m in memberships_of(user) if m.organisation_id == organisation.pk}


def has_role(user, *roles: str) -> bool:
    return any(m.role in roles for m in memberships_of(user))


def organisations_where(user, *roles: str) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for m in memberships_of(user):
        if m.role in roles:
            seen.setdefault(m.organisation_id, m.organisation)
    return list(seen.values())


def is_secretariat(user) -> bool:
    return has_role(user, Role.SECRETARIAT)


def is_member(user) -> bool:
    """A person with at least one active membership: may use the portal at all."""
    return bool(memberships_of(user))


def can_buy(user) -> bool:
    """Works for a buying municipality or the region (may make contracts)."""
    return any(
        m.organisation.is_public_buyer
        and m.role in (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN)
        for m in memberships_of(user)
    )


def requires_mfa(user) -> bool:
    return has_role(user, *MFA_REQUIRED_ROLES)


# --- Organisations and members ---------------------------------------------------------


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The directory: every member of the partnership sees every organisation."""
    if not is_member(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def can_view_members(user, organisation: Organisation) -> bool:
    return is_secretariat(user) or bool(roles_in(user, organisation))


def can_manage_members(user, organisation: Organisation) -> bool:
    return is_secretariat(user) or Role.ORG_ADMIN in roles_in(user, organisation)


def grantable_roles(user, organisation: Organisation) -> list[str]:
    """Roles the person may give in the organisation: the secretariat any role that fits
    the organisation, an org admin the roles of its own organisation."""
    if not can_manage_members(user, organisation):
        return []
    return list(ROLES_BY_KIND[organisation.kind])


def can_grant_role(user, organisation: Organisation, role: str) -> bool:
    return role in grantable_roles(user, organisation)


def managed_organisations(user) -> list[Organisation]:
    """Organisations whose members the person administers (for navigation)."""
    return organisations_where(user, Role.ORG_ADMIN)


# --- Background jobs ----------------------------------------------------------------------


def jobs_visible_to(user) -> QuerySet[Job]:
    from django.db.models import Q

    from .jobs import private_kinds

    if not is_member(user):
        return Job.objects.none()
    if is_secretariat(user):
        return Job.objects.filter(Q(ordered_by=user) | ~Q(kind__in=private_kinds()))
    return Job.objects.filter(ordered_by=user)


def can_view_job(user, job: Job) -> bool:
    from .jobs import private_kinds

    if not is_member(user):
        return False
    if job.ordered_by_id == user.pk:
        return True
    return is_secretariat(user) and job.kind not in private_kinds()


def can_retry_job(user, job: Job) -> bool:
    return can_view_job(user, job)


def can_order_member_list(user) -> bool:
    return is_secretariat(user)
