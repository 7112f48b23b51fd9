"""The member part of the API: an organisation's token (`Authorization: Bearer <token>`),
looked up by its SHA-256 hash among the tokens not revoked, on every request (a revoked
token is refused at the very next request), and the rate limits of a token's requests: per
token and, as for anyone, per IP address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle

from partnership.models import ApiToken

# last_used_at is written at most this often for one token (one UPDATE a minute, not one a
# request).
LAST_USED_EVERY = timedelta(minutes=1)


class OrganisationToken(HttpBearer):
    """An active token of an organisation; request.auth is the ApiToken."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found: ApiToken | None = (
            ApiToken.objects.active().by_token(token).select_related("organisation").first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        return found


class PerIPThrottle(AnonRateThrottle):
    """The public API's limit per IP address, counted for token requests as well (ninja's
    AnonRateThrottle leaves out requests with auth): one counter per address."""

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth: Any = getattr(request, "auth", None)
        if not isinstance(auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": auth.pk}


TOKEN = OrganisationToken()
TOKEN_THROTTLES = [
    PerIPThrottle(settings.API_RATE_PER_IP),
    PerTokenThrottle(settings.API_RATE_PER_TOKEN),
]
