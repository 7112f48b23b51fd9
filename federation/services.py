"""The rules of a federated login, in one place: which organisation a login is for, whether
it is strong enough, who the person is in the portal, and which roles they get. The adapter
(federation/adapter.py) calls `admit` for every SAML and OIDC login; the approval page
calls `approve` and `refuse`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership import permissions
from partnership.models import (
    ROLES_BY_KIND,
    Membership,
    Notice,
    Organisation,
    User,
)
from partnership.permissions import ADMIN_ROLES_BY_KIND

from .claims import Identity, identity_of
from .models import LOA_RANK, IdentityProvider, Loa, PendingLogin, PendingStatus

log = logging.getLogger("federation")


class Refused(Exception):
    """A login the portal does not accept: `message` is for the person (Danish), `reason`
    for the log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


def counts_as_mfa(loa: str | None) -> bool:
    """An NSIS level of Substantial (betydelig) or High counts as the second factor."""
    return LOA_RANK.get(loa or "", 0) >= LOA_RANK[Loa.SUBSTANTIAL]  # type: ignore[call-overload]


def organisation_for(*, idp: IdentityProvider, identity: Identity) -> Organisation:
    """The CVR number decides the organisation; the login is refused when there is none,
    when no organisation has it, or when the identity provider is not one of the
    organisation's; and when the NSIS level is below what the provider must deliver."""
    if not identity.cvr:
        raise Refused(
            _(
                "Dit login indeholdt intet CVR-nummer, så portalen kan ikke se, hvilken organisation du kommer fra."
            ),
            f"no CVR (idp={idp.slug} uid={identity.uid})",
        )
    organisation = Organisation.objects.filter(cvr=identity.cvr).first()
    if organisation is None:
        raise Refused(
            _(
                "CVR-nummer %(cvr)s hører ikke til en organisation i Partnerskabsportalen. Kontakt KKR-sekretariatet, hvis din organisation skal have adgang."
            )
            % {"cvr": identity.cvr},
            f"unknown CVR {identity.cvr} (idp={idp.slug} uid={identity.uid})",
        )
    allowed = list(idp.organisations.all())
    if allowed and organisation not in allowed:
        raise Refused(
            _("%(org)s logger ikke ind gennem %(idp)s.")
            % {"org": organisation.name, "idp": idp.name},
            f"CVR {identity.cvr} not allowed through idp={idp.slug}",
        )
    if LOA_RANK.get(identity.loa or "", 0) < LOA_RANK[idp.minimum_loa]:  # type: ignore[call-overload]
        raise Refused(
            _(
                "Dit login var på sikringsniveau %(loa)s. %(idp)s skal levere mindst %(min)s. Log ind med MitID på et højere niveau."
            )
            % {
                "loa": Loa(identity.loa).label if identity.loa in Loa.values else _("ukendt"),
                "idp": idp.name,
                "min": Loa(idp.minimum_loa).label,
            },
            f"LoA {identity.loa!r} below {idp.minimum_loa} (idp={idp.slug} uid={identity.uid})",
        )
    if not identity.email:
        raise Refused(
            _(
                "Dit login indeholdt ingen e-mailadresse. Bed din organisations administrator om at give din MitID Erhverv-identitet en e-mailadresse."
            ),
            f"no e-mail (idp={idp.slug} uid={identity.uid})",
        )
    return organisation


def _granted_roles(organisation: Organisation, identity: Identity) -> list[str] | None:
    if identity.roles is None:
        return None
    fitting = [r for r in identity.roles if r in ROLES_BY_KIND[organisation.kind]]
    if fitting != identity.roles:
        log.info(
            "roles %s do not fit a %s organisation; kept %s",
            identity.roles,
            organisation.kind,
            fitting,
        )
    return fitting


def relink(*, idp: IdentityProvider, identity: Identity) -> SocialAccount | None:
    """NemLog-in: a person's persistent id can change (a new MitID Erhverv identity in the
    same organisation). An account of the same identity provider for the same e-mail and
    CVR is moved to the new id, so the person keeps their login and history."""
    for account in SocialAccount.objects.filter(
        provider=idp.provider_id, user__email__iexact=identity.email
    ).exclude(uid=identity.uid):
        previous = identity_from_account(account)
        if previous.cvr == identity.cvr:
            log.warning(
                "persistent id changed for %s at CVR %s: %s -> %s (idp=%s); re-linked",
                identity.email,
                identity.cvr,
                account.uid,
                identity.uid,
                idp.slug,
            )
            account.uid = identity.uid
            account.save(update_fields=["uid"])
            return account
    return None


def identity_from_account(account: SocialAccount) -> Identity:
    return identity_of(account.uid, account.extra_data or {})


def _set_roles(user: User, organisation: Organisation, roles: list[str]) -> None:
    """The person's roles in the organisation become exactly `roles` (the identity provider
    decides them at every login)."""
    for membership in Membership.objects.filter(user=user, organisation=organisation):
        wanted = membership.role in roles
        if membership.is_active != wanted:
            membership.is_active = wanted
            membership.deactivated_at = None if wanted else timezone.now()
            membership.save(update_fields=["is_active", "deactivated_at"])
    have = set(
        Membership.objects.filter(user=user, organisation=organisation).values_list(
            "role", flat=True
        )
    )
    for role in roles:
        if role not in have:
            Membership.objects.create(user=user, organisation=organisation, role=role)
    permissions.forget_memberships(user)


def _person(identity: Identity) -> User:
    user = User.objects.filter(email__iexact=identity.email).first()
    if user is None:
        user = User(email=identity.email, name=identity.name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"email": user.email, "verified": True, "primary": True},
    )
    return user


@dataclass
class Admitted:
    user: User
    organisation: Organisation
    created: bool


@transaction.atomic
def admit(
    *, idp: IdentityProvider, identity: Identity, user: User | None, extra_data: dict | None = None
) -> Admitted | PendingLogin:
    """The person a federated login is for, or the first login waiting for approval.
    `user` is the person already linked to this login (their SocialAccount), if any.
    Raises Refused."""
    organisation = organisation_for(idp=idp, identity=identity)
    roles = _granted_roles(organisation, identity)
    if user is None:
        user = User.objects.filter(email__iexact=identity.email).first()
    member = user is not None and (
        Membership.objects.active().filter(user=user, organisation=organisation).exists()
    )
    if member:
        assert user is not None
        if not user.is_active:
            raise Refused(
                _("Din adgang til portalen er lukket. Kontakt din organisations administrator."),
                f"inactive user {user.pk} (idp={idp.slug})",
            )
        if roles is not None:
            if not roles:
                raise Refused(
                    _(
                        "Din identitetsudbyder giver dig ingen rolle i Partnerskabsportalen for %(org)s. Bed din organisations administrator om en rolle."
                    )
                    % {"org": organisation.name},
                    f"no portal role for member {user.pk} at {organisation.slug} (idp={idp.slug})",
                )
            _set_roles(user, organisation, roles)
        return Admitted(user=user, organisation=organisation, created=False)
    if organisation.federated_provisioning and roles:
        person = _person(identity)
        _set_roles(person, organisation, roles)
        log.info(
            "provisioned %s in %s with %s (idp=%s)",
            person.email,
            organisation.slug,
            roles,
            idp.slug,
        )
        return Admitted(user=person, organisation=organisation, created=user is None)
    return _wait_for_approval(
        idp=idp,
        identity=identity,
        organisation=organisation,
        roles=roles,
        extra_data=extra_data or {},
    )


def _wait_for_approval(
    *,
    idp: IdentityProvider,
    identity: Identity,
    organisation: Organisation,
    roles: list[str] | None,
    extra_data: dict,
) -> PendingLogin:
    pending, created = PendingLogin.objects.update_or_create(
        identity_provider=idp,
        uid=identity.uid,
        status=PendingStatus.WAITING,
        defaults={
            "organisation": organisation,
            "email": identity.email,
            "name": identity.name,
            "roles": roles or [],
            "extra_data": extra_data,
        },
    )
    if created:
        url = reverse("federation:pending", args=[organisation.slug])
        admins = User.objects.filter(
            memberships__organisation=organisation,
            memberships__role__in=ADMIN_ROLES_BY_KIND[organisation.kind],
            memberships__is_active=True,
            is_active=True,
        ).distinct()
        for admin in admins:
            Notice.objects.create(
                user=admin,
                message=_("%(who)s har logget ind gennem %(idp)s og venter på din godkendelse.")
                % {"who": identity.name or identity.email, "idp": idp.name},
                url=url,
            )
        log.info("first login of %s at %s waits for approval", identity.email, organisation.slug)
    return pending


def pending_for(organisation: Organisation) -> list[PendingLogin]:
    return list(
        PendingLogin.objects.filter(organisation=organisation, status=PendingStatus.WAITING)
        .select_related("identity_provider")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def approve(*, pending: PendingLogin, roles: list[str], by: User) -> User:
    """The administrator lets the person in with `roles` (chosen among the organisation's):
    the person (or their existing account) gets the memberships and the login is linked,
    so their next login through the identity provider goes straight in."""
    organisation = pending.organisation
    if not permissions.can_manage_members(by, organisation):
        raise PermissionDenied
    pending = PendingLogin.objects.select_for_update().get(pk=pending.pk)
    if pending.status != PendingStatus.WAITING:
        raise PermissionDenied
    roles = [r for r in roles if r in ROLES_BY_KIND[organisation.kind]]
    if not roles:
        raise PermissionDenied
    identity = Identity(uid=pending.uid, cvr=organisation.cvr, email=pending.email)
    first, _sep, last = pending.name.partition(" ")
    identity.first_name, identity.last_name = first, last
    person = _person(identity)
    _set_roles(person, organisation, roles)
    SocialAccount.objects.update_or_create(
        provider=pending.identity_provider.provider_id,
        uid=pending.uid,
        defaults={"user": person, "extra_data": pending.extra_data},
    )
    pending.status = PendingStatus.APPROVED
    pending.decided_at = timezone.now()
    pending.decided_by = by
    pending.save(update_fields=["status", "decided_at", "decided_by"])
    log.info("pending login %s approved by %s with %s", pending.pk, by.pk, roles)
    return person


@transaction.atomic
def refuse(*, pending: PendingLogin, by: User) -> None:
    if not permissions.can_manage_members(by, pending.organisation):
        raise PermissionDenied
    pending.status = PendingStatus.REFUSED
    pending.decided_at = timezone.now()
    pending.decided_by = by
    pending.save(update_fields=["status", "decided_at", "decided_by"])
    log.info("pending login %s refused by %s", pending.pk, by.pk)
