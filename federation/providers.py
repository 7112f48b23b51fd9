"""allauth's apps, one per active IdentityProvider row: SAML apps under
/konto/saml/<slug>/…, OpenID Connect apps under /konto/oidc/oidc-<slug>/…, and the
portal's SAML signing and encryption key pair."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from partnership.links import absolute_url

from .claims import SAML_ATTRIBUTE_MAPPING
from .models import IdentityProvider, ProviderKind

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def _generate_key_pair(folder: Path) -> None:
    """A self-signed key pair for development and tests (never in production: there the
    files come from SAML_SP_KEY_FILE and SAML_SP_CERT_FILE)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Partnerskabsportalen (udvikling)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    for filename, data in (
        (
            "sp.key",
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        ),
        ("sp.crt", cert.public_bytes(serialization.Encoding.PEM)),
    ):
        # Written beside and renamed: parallel test processes never read half a file.
        tmp = folder / f"{filename}.{os.getpid()}"
        tmp.write_bytes(data)
        tmp.replace(folder / filename)


@lru_cache(maxsize=1)
def sp_key_pair() -> tuple[str, str]:
    """The portal's SAML certificate and private key (PEM)."""
    key_file, cert_file = settings.SAML_SP_KEY_FILE, settings.SAML_SP_CERT_FILE
    if not (key_file and cert_file):
        if not (settings.DEBUG or settings.TESTING):
            raise ImproperlyConfigured(
                "SAML-login kræver SAML_SP_KEY_FILE og SAML_SP_CERT_FILE (portalens nøglepar)."
            )
        folder = Path(settings.BASE_DIR) / ".devdb" / "saml-sp"
        if not (folder / "sp.key").exists() or not (folder / "sp.crt").exists():
            _generate_key_pair(folder)
        key_file, cert_file = str(folder / "sp.key"), str(folder / "sp.crt")
    return Path(cert_file).read_text(), Path(key_file).read_text()


def saml_idp_settings(idp: IdentityProvider) -> dict:
    if idp.metadata_xml:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            idp.metadata_xml, entity_id=idp.entity_id or None
        )["idp"]
        return {
            "entity_id": parsed["entityId"],
            "x509cert": parsed.get("x509cert")
            or (parsed.get("x509certMulti", {}).get("signing") or [""])[0],
            "sso_url": parsed["singleSignOnService"]["url"],
            **(
                {"slo_url": parsed["singleLogoutService"]["url"]}
                if parsed.get("singleLogoutService")
                else {}
            ),
        }
    return {"entity_id": idp.entity_id, "metadata_url": idp.metadata_url}


def sp_entity_id(idp: IdentityProvider) -> str:
    """The portal's entity id towards `idp`: its metadata address (stable, from SITE_URL)."""
    return absolute_url(reverse("saml_metadata", args=[idp.slug]))


def social_app(idp: IdentityProvider) -> SocialApp:
    if idp.kind == ProviderKind.SAML:
        cert, key = sp_key_pair()
        return SocialApp(
            provider="saml",
            provider_id=idp.provider_id,
            name=idp.name,
            client_id=idp.slug,
            settings={
                "attribute_mapping": SAML_ATTRIBUTE_MAPPING,
                "idp": saml_idp_settings(idp),
                "sp": {"entity_id": sp_entity_id(idp)},
                "advanced": {
                    "strict": True,
                    "authn_request_signed": True,
                    "want_assertion_signed": True,
                    "want_message_signed": False,
                    "want_assertion_encrypted": idp.want_encrypted,
                    "logout_request_signed": True,
                    "logout_response_signed": True,
                    "want_name_id": True,
                    "name_id_format": PERSISTENT,
                    "x509cert": cert,
                    "private_key": key,
                    "reject_idp_initiated_sso": True,
                },
            },
        )
    return SocialApp(
        provider="openid_connect",
        provider_id=idp.provider_id,
        name=idp.name,
        client_id=idp.client_id,
        secret=idp.client_secret,
        settings={
            "server_url": idp.server_url,
            "token_auth_method": "client_secret_basic",
            "scope": ["openid", "email", "profile", "nemlogin"],
        },
    )


def social_apps(*, provider: str | None = None, client_id: str | None = None) -> list[SocialApp]:
    apps = [social_app(idp) for idp in IdentityProvider.objects.filter(is_active=True)]
    return [
        app
        for app in apps
        if (provider is None or provider in (app.provider, app.provider_id))
        and (client_id is None or app.client_id == client_id)
    ]


def identity_provider(provider_id: str) -> IdentityProvider | None:
    kind, _sep, slug = provider_id.partition("-")
    return IdentityProvider.objects.filter(kind=kind, slug=slug).first()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
