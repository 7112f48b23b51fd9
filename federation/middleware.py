"""The Content-Security-Policy's form-action on the pages that start a federated login.
The button there POSTs to the portal, which answers with a redirect to the identity
provider, and browsers check that redirect against form-action ('self' elsewhere)."""

from __future__ import annotations

from allauth.socialaccount.providers.saml.utils import fetch_metadata_url_config

from .models import IdentityProvider, ProviderKind
from .providers import origin, saml_idp_settings

LOGIN_PREFIXES = ("/konto/saml/", "/konto/oidc/")


def _sso_origin(idp: IdentityProvider) -> str | None:
    if idp.kind == ProviderKind.OIDC:
        return origin(idp.server_url) if idp.server_url else None
    if idp.metadata_xml:
        return origin(saml_idp_settings(idp)["sso_url"])
    if idp.metadata_url:
        # The SSO address may be on another host than the metadata: read it from the
        # metadata (allauth caches it).
        try:
            parsed = fetch_metadata_url_config(
                {"metadata_url": idp.metadata_url, "entity_id": idp.entity_id}
            )
        except Exception:  # an IdP that cannot be reached: the login fails on its own
            return None
        return origin(parsed["idp"]["singleSignOnService"]["url"])
    return None


class FederatedFormActionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(LOGIN_PREFIXES) and request.path.endswith("/login/"):
            slug = request.path.rstrip("/").split("/")[-2]
            kind, _sep, oidc_slug = slug.partition("-")
            idp = IdentityProvider.objects.filter(
                slug=oidc_slug if request.path.startswith("/konto/oidc/") else slug,
                is_active=True,
            ).first()
            extra = _sso_origin(idp) if idp is not None else None
            if extra:
                response._csp_update = {"form-action": [extra]}
        return response
