"""Errors as RFC 9457 problem details (`application/problem+json`), in Danish: one home for
the API's error bodies, used by the exception handlers of api/v1.py."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    request: HttpRequest, status: int, title: str, detail: str, **extra: Any
) -> HttpResponse:
    """A problem details response: `type` about:blank (the status says what kind), the
    request's path as `instance`, and any `extra` members (e.g. `errors`)."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def bad_request(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    """400: parameters that cannot be read, each named with its Danish message."""
    detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
    return problem(
        request,
        400,
        _("Ugyldige parametre"),
        detail or _("Forespørgslen kunne ikke læses."),
        errors=errors,
    )


def not_found(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        404,
        _("Ikke fundet"),
        _("Der findes ikke noget offentliggjort med den adresse."),
    )


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    response = problem(
        request,
        429,
        _("For mange forespørgsler"),
        _("Vent %(seconds)s sekunder, og prøv igen.") % {"seconds": wait},
    )
    response["Retry-After"] = str(wait)
    return response
