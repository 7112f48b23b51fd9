"""Writes that touch more than one row or send something: invitations, memberships."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import mail, permissions
from .links import absolute_url
from .models import ApiScope, ApiToken, Invitation, MailKind, Membership, Organisation, Role, User


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def invite_member(
    *, organisation: Organisation, email: str, role: str, name: str = "", by: User
) -> tuple[Invitation, str]:
    """Invite a person by e-mail to a role. Returns the invitation and the one-time token
    (which is only ever in the e-mail link)."""
    email = _normalise_email(email)
    if not permissions.can_grant_role(by, organisation, role, email=email):
        raise PermissionDenied(_refusal(by, organisation))
    first_admin = not permissions.administers(by, organisation)
    if first_admin and (
        Invitation.objects.pending()
        .filter(organisation=organisation, role=Role.ORG_ADMIN, expires_at__gt=timezone.now())
        .exists()
    ):
        raise ValidationError(
            {
                "email": _(
                    "Der er allerede en åben invitation til %(org)s' første administrator. "
                    "Annullér den, før du sender en ny."
                )
                % {"org": organisation}
            }
        )
    if Membership.objects.filter(
        user__email__iexact=email, organisation=organisation, role=role, is_active=True
    ).exists():
        raise ValidationError(
            {
                "email": _("%(email)s har allerede denne rolle i %(org)s.")
                % {"email": email, "org": organisation}
            }
        )
    pending = Invitation.objects.pending().filter(email__iexact=email, organisation=organisation)
    for old in pending:
        if old.is_expired:
            old.cancelled_at = timezone.now()
            old.save(update_fields=["cancelled_at"])
        else:
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s har allerede en åben invitation til %(org)s. "
                        "Annullér den, før du sender en ny."
                    )
                    % {"email": email, "org": organisation}
                }
            )
    token, token_hash = Invitation.new_token()
    now = timezone.now()
    invitation = Invitation(
        email=email,
        name=name.strip(),
        organisation=organisation,
        role=role,
        token_hash=token_hash,
        invited_by=by,
        created_at=now,
        expires_at=Invitation.default_expiry(now),
    )
    invitation.full_clean()
    invitation.save()
    link = absolute_url(reverse("partnership:invitation_accept", args=[token]))
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_VALID_DAYS}
    # Sent inside the transaction: if the mail cannot be sent, no invitation is left, and
    # the person inviting is told why on the form (the attempt's record goes with it).
    record = mail.send(
        kind=MailKind.MEMBER_INVITATION,
        to=email,
        subject=_("Invitation til Partnerskabsportalen"),
        body=render_to_string("partnership/email/invitation.txt", context),
        related=invitation,
    )
    if record is not None and not record.sent:
        raise ValidationError(
            {
                "email": _("Invitationen kunne ikke sendes: %(reason)s Prøv igen senere.")
                % {"reason": record.get_reason_display()}
            }
        )
    if first_admin:
        _tell_organisation_of_first_admin(invitation)
    return invitation, token


def _refusal(by: User, organisation: Organisation) -> str:
    if permissions.is_secretariat(by) and not permissions.administers(by, organisation):
        return _(
            "Kun %(org)s' egen administrator kan give roller i organisationen. Sekretariatet "
            "kan kun invitere organisationens første administrator, når den ikke har en, og "
            "har organisationen allerede brugere, skal det være en af dem."
        ) % {"org": organisation}
    return _("Du må ikke give rollen i denne organisation.")


def _tell_organisation_of_first_admin(invitation: Invitation) -> None:
    """An administrator appointed from outside the organisation (the secretariat's
    first-admin invitation): the organisation's contact address and its people are told."""
    organisation = invitation.organisation
    recipients = {
        e.lower()
        for e in Membership.objects.active()
        .filter(organisation=organisation)
        .values_list("user__email", flat=True)
    }
    if organisation.email:
        recipients.add(organisation.email.lower())
    recipients.discard(invitation.email)
    subject = _("Ny administrator for %(org)s i Partnerskabsportalen") % {"org": organisation}
    message = render_to_string(
        "partnership/email/first_admin_invited.txt", {"invitation": invitation}
    )
    for recipient in sorted(recipients):  # one each: nobody sees the others' addresses
        mail.send(
            kind=MailKind.ORGANISATION_NOTICE,
            to=recipient,
            subject=subject,
            body=message,
            related=invitation,
        )


class InvitationInvalid(Exception):
    """The link is unknown, used, cancelled or expired; the message says which."""


def check_invitation(token: str) -> Invitation:
    invitation: Invitation | None = (
        Invitation.objects.by_token(token).select_related("organisation", "invited_by").first()
    )
    if invitation is None:
        raise InvitationInvalid(
            _("Linket er ikke gyldigt. Kontrollér, at du har kopieret hele linket fra e-mailen.")
        )
    if invitation.accepted_at:
        raise InvitationInvalid(
            _("Invitationen er allerede brugt. Log ind med din e-mail og adgangskode.")
        )
    if invitation.cancelled_at:
        raise InvitationInvalid(_("Invitationen er annulleret. Bed din organisation om en ny."))
    if invitation.is_expired:
        raise InvitationInvalid(
            _(
                "Invitationen er udløbet (den gælder i %(days)s dage). Bed din organisation om en ny."
            )
            % {"days": settings.INVITATION_VALID_DAYS}
        )
    # The invitation gives only what the person who sent it may give now: a role from
    # someone who has since lost the right, or sent under rules that no longer hold (the
    # organisation has got its administrator meanwhile), is not given.
    if not permissions.can_grant_role(
        invitation.invited_by, invitation.organisation, invitation.role, email=invitation.email
    ):
        raise InvitationInvalid(
            _(
                "Invitationen kan ikke længere bruges, fordi den, der sendte den, ikke må give "
                "rollen i %(org)s. Bed organisationens administrator om en ny invitation."
            )
            % {"org": invitation.organisation}
        )
    return invitation


@transaction.atomic
def accept_invitation(
    *, token: str, password: str | None, name: str = "", user: User | None = None
) -> User:
    """Take an invitation: create the person (with the chosen password) or, for someone who
    already has a login, add the membership to their account."""
    invitation = check_invitation(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationInvalid(_("Invitationen er allerede brugt."))
    existing: User | None = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise InvitationInvalid(
                _(
                    "Der findes allerede en bruger med denne e-mail. Log ind først, og åbn linket igen."
                )
            )
        person = existing
        if not person.is_active:
            person.is_active = True
            person.save(update_fields=["is_active"])
    else:
        person = User(email=invitation.email, name=(name or invitation.name).strip())
        person.set_password(password)
        person.full_clean()
        person.save()
    membership, _created = Membership.objects.get_or_create(
        user=person, organisation=invitation.organisation, role=invitation.role
    )
    if not membership.is_active:
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at"])
    _mark_email_verified(person)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    permissions.forget_memberships(person)
    return person


def _mark_email_verified(user: User) -> None:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@transaction.atomic
def cancel_invitation(*, invitation: Invitation, by: User) -> None:
    if not permissions.can_cancel_invitation(by, invitation):
        raise PermissionDenied
    if invitation.is_pending:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])


@transaction.atomic
def change_role(*, membership: Membership, role: str, by: User) -> Membership:
    organisation = membership.organisation
    email = membership.user.email
    # Taking the old role away is giving too: both must be the person's to give.
    if not (
        permissions.can_grant_role(by, organisation, role, email=email)
        and permissions.can_grant_role(by, organisation, membership.role, email=email)
    ):
        raise PermissionDenied(_refusal(by, organisation))
    if role == membership.role:
        return membership
    if (
        Membership.objects.filter(user=membership.user, organisation=organisation, role=role)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError({"role": _("Personen har allerede den rolle i organisationen.")})
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def deactivate_membership(*, membership: Membership, by: User) -> None:
    """End a person's role in an organisation. Someone with no active role left can no
    longer log in."""
    if not permissions.can_manage_members(by, membership.organisation):
        raise PermissionDenied
    if membership.user_id == by.pk and membership.role == Role.ORG_ADMIN:
        raise ValidationError(_("Du kan ikke fjerne din egen administratorrolle."))
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    person = membership.user
    if not person.is_superuser and not person.memberships.filter(is_active=True).exists():
        person.is_active = False
        person.save(update_fields=["is_active"])


@transaction.atomic
def create_organisation(
    *, organisation: Organisation, admin_email: str, admin_name: str = "", by: User
) -> tuple[Organisation, Invitation]:
    """The secretariat adds an organisation to the partnership together with the invitation
    of its first administrator (permissions.can_grant_role); all or nothing."""
    if not permissions.can_create_organisation(by):
        raise PermissionDenied
    organisation.full_clean()
    organisation.save()
    try:
        invitation, _token = invite_member(
            organisation=organisation,
            email=admin_email,
            name=admin_name,
            role=Role.ORG_ADMIN,
            by=by,
        )
    except ValidationError as exc:
        raise ValidationError({"admin_email": exc.messages}) from exc
    except PermissionDenied as exc:
        raise ValidationError(
            {"admin_email": _("Du kan ikke selv være organisationens første administrator.")}
        ) from exc
    return organisation, invitation


# --- API tokens (issue 16) ------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, organisation: Organisation, name: str, scopes: list[str], by: User
) -> tuple[ApiToken, str]:
    """A new token for the organisation: (the row, the token). Only its hash is kept; the
    token itself is shown once, by the caller."""
    if not permissions.can_manage_api_tokens(by, organisation):
        raise PermissionDenied
    chosen = set(scopes)
    if ApiScope.CASE_REFERENCES in chosen:  # case references are of contracts
        chosen.add(ApiScope.CONTRACTS)
    token, token_hash = ApiToken.new_token()
    api_token = ApiToken(
        organisation=organisation,
        name=name,
        scopes=sorted(chosen),
        created_by=by,
        token_hash=token_hash,
    )
    api_token.full_clean()
    api_token.save()
    return api_token, token


@transaction.atomic
def revoke_api_token(*, api_token: ApiToken, by: User) -> None:
    """From now on the token is refused (the API looks it up on every request)."""
    if not permissions.can_manage_api_tokens(by, api_token.organisation):
        raise PermissionDenied
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
