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
    # The setup pages, allauth's password confirmation before a change to MFA, logout,
    # static files and the accessibility statement.
    allowed_prefixes = ("/konto/2fa/", "/konto/reauthenticate/", "/static/", "/tilgaengelighed/")

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


class DanishFirstLocaleMiddleware:
    """Danish unless the person has chosen another language (the language cookie).
    The browser's Accept-Language is not followed: the portal's users are Danish
    public and private staff, and mixed-language pages help nobody."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
