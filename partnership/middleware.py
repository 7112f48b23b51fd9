"""Secretariat staff and organisation administrators must set up two-factor
authentication before they reach anything but the setup pages."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from . import permissions
from .fields import CprRefused
from .validators import CPR_MESSAGE

# Set at login when the login itself was two-factor: a federated login at NSIS Substantial
# or High (federation/signals.py). Such a session needs no authenticator app of the portal.
SECOND_FACTOR_BY_LOGIN = "second_factor_by_login"


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def has_second_factor(request) -> bool:
    return bool(request.session.get(SECOND_FACTOR_BY_LOGIN)) or has_totp(request.user)


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
            and not has_second_factor(request)
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


class DanishMiddleware:
    """Every page in Danish (settings.LANGUAGES): neither a cookie nor the browser's
    Accept-Language changes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response


class CprRefusedMiddleware:
    """A write that reached the database layer with a CPR number in it (partnership.fields)
    gets a Danish page that says why, status 400, instead of a server error. The forms
    refuse CPR numbers next to the field first; this answers the paths without a form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, CprRefused):
            return render(request, "cpr_refused.html", {"message": CPR_MESSAGE}, status=400)
        return None


# Browser features the portal never uses, switched off for its pages and for anything they
# might embed; each one Chromium recognises (an unknown name is an error in its console).
# A feature the portal starts to use (WebAuthn for MFA: the publickey-credentials ones) must
# be taken out of this list.
DISABLED_BROWSER_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "clipboard-read",
    "clipboard-write",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "identity-credentials-get",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "otp-credentials",
    "payment",
    "picture-in-picture",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "storage-access",
    "sync-xhr",
    "usb",
    "window-management",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DISABLED_BROWSER_FEATURES)


class SecurityHeadersMiddleware:
    """On every response, static files included (it sits above WhiteNoise):
    Permissions-Policy with the features above off, and Cross-Origin-Resource-Policy:
    same-origin, so other sites cannot load the portal's files, images or PDFs into their
    pages. Cross-Origin-Opener-Policy: same-origin comes from Django's SecurityMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class PrivateNoStoreMiddleware:
    """Nothing a logged-in person is shown or downloads (pages, job and contract PDFs, offer
    documents, meeting attachments) is kept by the browser's cache or a proxy:
    Cache-Control: no-store on every response to a request that carries the session cookie
    or sets it (logging in and out). It sits below WhiteNoise, so static files keep being
    cached. Checking the cookie, not request.user, costs no database query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        name = settings.SESSION_COOKIE_NAME
        if name in request.COOKIES or name in response.cookies:
            add_never_cache_headers(response)
        return response
