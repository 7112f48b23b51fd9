"""Secretariat staff and organisation administrators must set up two-factor
authentication before they reach anything but the setup pages."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    allowed_prefixes = ("/konto/2fa/", "/static/", "/tilgaengelighed/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._allowed(request.path)
            and permissions.requires_mfa(user)
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _(
                    "Din rolle kræver to-faktor-godkendelse. Opsæt en godkendelsesapp, "
                    "før du kan bruge portalen."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        if path == reverse("account_logout"):
            return True
        return path.startswith(self.allowed_prefixes)
