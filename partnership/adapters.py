from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.models import EmailAddress
from allauth.account.signals import email_added
from allauth.core import context as allauth_context
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import mail
from .models import MailKind, User

# How a person may confirm it is them before a change to the account (allauth's
# reauthentication), in the portal's Danish.
REAUTHENTICATION_DESCRIPTIONS = {
    "reauthenticate": _("Bekræft med din adgangskode"),
    "reauthenticate_by_code": _("Få en engangskode på e-mail"),
    "mfa_reauthenticate": _("Bekræft med en kode fra din godkendelsesapp"),
}


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join the portal by invitation only."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails (confirmation, password reset, codes, notices) go through the
        portal's one way of sending e-mail (partnership.mail), which cleans, sends and
        records them. The same context as allauth's own send_mail. One that cannot be sent
        is said so on the next page (allauth's own message then says it was sent)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        user = ctx.get("user")
        record = mail.send_message(
            self.render_mail(template_prefix, email, ctx),
            kind=MailKind.ACCOUNT,
            user=user if isinstance(user, User) else None,
        )
        if record is not None and not record.sent and request is not None:
            messages.error(
                request,
                gettext("E-mailen til %(email)s kunne ikke sendes: %(reason)s Prøv igen senere.")
                % {"email": email, "reason": record.get_reason_display()},
            )

    def get_reauthentication_methods(self, user) -> list[dict[str, Any]]:
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            if method["id"] in REAUTHENTICATION_DESCRIPTIONS:
                method["description"] = REAUTHENTICATION_DESCRIPTIONS[method["id"]]
        return methods


def tell_the_current_address(sender, request, user, email_address, **kwargs) -> None:
    """A new address was asked for (ACCOUNT_CHANGE_EMAIL: it replaces the current one once
    it is confirmed): the current address hears of it at once, not only after the change
    (allauth's email_changed notification)."""
    current = EmailAddress.objects.get_primary_email(user)
    if not current or current.lower() == email_address.email.lower():
        return
    get_adapter(request).send_notification_mail(
        "account/email/email_change_requested",
        user,
        {"to_email": email_address.email},
        email=current,
    )


def connect_signals() -> None:
    email_added.connect(tell_the_current_address, dispatch_uid="partnership-email-change-asked")
