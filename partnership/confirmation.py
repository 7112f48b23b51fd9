"""Asking before an irreversible action (issue 15): approving and publishing minutes,
sending invitations, publishing a tariff or a standard contract, removing an agenda item.

One mechanism for every such button. Its form carries ``data-confirm`` with the question and
a hidden ``ask_first=1``; static/portal/portal.js asks the question in the browser and sends
``confirmed=1`` with the form (no: nothing is sent). Without JavaScript the view, after its
permission checks, calls ``ask_first``, which answers with a page that asks the question and
posts the same fields again with ``confirmed=1`` (templates/partnership/confirm.html).
A POST without ``ask_first`` (not from the portal's page: a script, a test) is not asked.
tests/partnership/test_confirmation.py enumerates the buttons and their views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ASK = "ask_first"
CONFIRMED = "confirmed"
_NOT_CARRIED = {"csrfmiddlewaretoken", ASK, CONFIRMED}


def ask_first(
    request: HttpRequest, *, question: str, button: str, back_url: str, consequence: str = ""
) -> HttpResponse | None:
    """None when the person has confirmed the action (or the form does not ask); otherwise
    the page that asks."""
    if request.POST.get(ASK) != "1" or request.POST.get(CONFIRMED) == "1":
        return None
    fields = [
        (name, value)
        for name in request.POST
        if name not in _NOT_CARRIED
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "partnership/confirm.html",
        {
            "question": question,
            "consequence": consequence,
            "button": button,
            "back_url": back_url,
            "action": request.get_full_path(),
            "fields": fields,
            "confirmed_name": CONFIRMED,
        },
    )
