"""CSP form-action for federated login: the confirmation form on /accounts/<provider>/login/
is POSTed to the portal, which answers with a redirect to the IdP; Chromium checks that
redirect against the page's form-action. So the pages that start a federated login allow
the configured IdPs' origins (SP_CSP_DYNAMIC=1), instead of a static list in settings."""
from urllib.parse import urlsplit

from allauth.socialaccount.adapter import get_adapter


def _origin(url):
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def idp_origins(request):
    origins = set()
    for app in get_adapter().list_apps(request):
        s = app.settings or {}
        if app.provider == "saml":
            idp = s.get("idp", {})
            url = idp.get("sso_url") or idp.get("metadata_url")  # SSO origin (metadata: same host here)
        else:
            url = s.get("server_url")
        if url:
            origins.add(_origin(url))
    return sorted(origins)


class FederatedFormActionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/accounts/") and request.path.endswith("/login/"):
            response._csp_update = {"form-action": idp_origins(request)}
        return response
