"""bench/run's URLconf: the two floors behind login, then everything config.urls serves.
Selected only by bench/gunicorn_settings.py; never part of the portal's URLs.

- The floor (`/__bench__/side/`): an empty page. Login, session, memberships, navigation and
  the portal's layout (base.html) with an empty main area: what every page of the portal costs
  before its own content. The pages' "× floor" is measured against this.
- The bare response (`/__bench__/tom/`): the middleware chain and login, and 3 bytes of text,
  no template. Shown for reference ("× bare").
- The bare response without login (`/__bench__/anonym/`): the middleware chain for someone
  without a session, 6 bytes of text. The floor of the public API's rows ("× anonymous"),
  which are requested without a session too.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

FLOOR_PATH = "/__bench__/side/"
FLOOR_MARKER = "Tom side til måling"
BARE_PATH = "/__bench__/tom/"
BARE_BODY = "tom"
ANON_PATH = "/__bench__/anonym/"
ANON_BODY = "anonym"

_EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}' + FLOOR_MARKER + "{% endblock %}"
    "{% block content %}<h1>" + FLOOR_MARKER + "</h1>{% endblock %}"
)


@login_required
def empty_page(request):
    return HttpResponse(_EMPTY_PAGE.render({}, request))


@login_required
def bare(request):
    return HttpResponse(BARE_BODY, content_type="text/plain")


def anonymous(request):
    return HttpResponse(ANON_BODY, content_type="text/plain")


urlpatterns = [
    path(FLOOR_PATH.strip("/") + "/", empty_page),
    path(BARE_PATH.strip("/") + "/", bare),
    path(ANON_PATH.strip("/") + "/", anonymous),
    path("", include("config.urls")),
]
