"""System checks of the portal's own settings, registered in PartnershipConfig.ready()."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

LOCAL_HOSTS = {"127.0.0.1", "localhost", "0.0.0.0", "::1"}


@register(Tags.security, deploy=True)
def site_url_is_the_portals_address(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every e-mail links to SITE_URL (partnership.links): in production it must be the
    portal's public https address, not the development default."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" and parts.hostname and parts.hostname not in LOCAL_HOSTS:
        return []
    return [
        CheckWarning(
            f"SITE_URL er {settings.SITE_URL!r}: e-mails og kalenderfiler linker dertil.",
            hint="Sæt SITE_URL til portalens offentlige https-adresse, "
            "fx https://partnerskab.example.dk.",
            id="partnership.W001",
        )
    ]
