"""Links: an object's page by its id (url_with_id(), what the models' get_absolute_url()
give), and the portal's own address for the links that leave it (e-mails sent by workers,
calendar files): one setting, SITE_URL. A request's own address is not used there, because
a worker has no request. `manage.py check --deploy` warns when SITE_URL is not an https
address of the portal (partnership.checks)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has: a URL name is reversed once with it per process, URLconf and script
# prefix, and an object's URL is that one with its id in its place.
_ID_SENTINEL = 987654321987654321
_ID_SENTINEL_TEXT = str(_ID_SENTINEL)


@functools.cache
def _around_id(name: str, urlconf: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_ID_SENTINEL], urlconf=urlconf)
    head, sentinel, tail = url.partition(_ID_SENTINEL_TEXT)
    if not sentinel or _ID_SENTINEL_TEXT in tail:
        raise ValueError(f"{name!r} does not put its one id in its path as it is: {url}")
    return head, tail


def url_with_id(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for the request's URLconf and script prefix, the URL name
    reversed once (reverse() for each row was a tenth of a list's Python: the search's cards,
    the panels of "Mit overblik"). For URL names whose one argument is an id (an int)."""
    if type(pk) is not int:
        return reverse(name, args=[pk])
    head, tail = _around_id(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{head}{pk}{tail}"


def absolute_url(path: str) -> str:
    """The portal's path as a link that works from outside the portal: SITE_URL + path."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The portal's host name (for identifiers such as a calendar event's UID)."""
    return urlsplit(settings.SITE_URL).hostname or "partnerskabsportalen"
