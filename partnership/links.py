"""The portal's own address, for the links that leave it (e-mails sent by workers, calendar
files): one setting, SITE_URL. A request's own address is not used there, because a worker
has no request. `manage.py check --deploy` warns when SITE_URL is not an https address of
the portal (partnership.checks)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """The portal's path as a link that works from outside the portal: SITE_URL + path."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The portal's host name (for identifiers such as a calendar event's UID)."""
    return urlsplit(settings.SITE_URL).hostname or "partnerskabsportalen"
