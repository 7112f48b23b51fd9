"""A question before every irreversible action (issue 15, finding 7: "no confirmation before
Godkend og offentliggør"). One mechanism, partnership/confirmation.py: the button's form
carries data-confirm (asked by static/portal/portal.js) and ask_first=1, and the view asks on
a page of its own when the browser did not.

IRREVERSIBLE lists the actions; the tests find every form in the templates that posts to one
of them, or whose button says an irreversible word, so a new such button without the
question fails here."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

from meetings import services as meeting_services
from meetings.models import Minutes
from partnership.confirmation import ASK, CONFIRMED
from tests.factories import SECRETARIAT, demo_user, make_meeting

ROOT = Path(settings.BASE_DIR)

# The URL names of the irreversible actions: what they do that cannot be undone.
IRREVERSIBLE = {
    "meetings:minutes_approve": "the minutes are published and mailed, then locked",
    "meetings:minutes_sign": "a participant's approval is recorded with its time",
    "meetings:minutes_send": "mails to every participant",
    "meetings:send_invitations": "mails to every invitee",
    "meetings:item_delete": "the item and its attachments are deleted",
    "meetings:attachment_delete": "the file is deleted",
    "contracts:contract_accept": "a signature (the buyer's or the provider's)",
    "offers:tariff_publish": "a published tariff never changes",
    "contracts:template_publish": "a published standard contract never changes",
    "contracts:contract_send": "the provider is told and sees the contract",
    "contracts:contract_terminate": "the notice is given",
    "partnership:cpr_redact": "the text is changed for good",
    "partnership:api_token_revoke": "a revoked API token is refused for good",
}
# Buttons whose words sound irreversible but whose action is not (or asks on its own page).
NOT_IRREVERSIBLE = {
    "meetings:send_reminders": "a reminder to those who have not answered; sending it again is harmless",
    "meetings:mail_resend": "sends only what did not go",
    "meetings:answer": "an answer can be changed",
    "meetings:minutes_comment": "a comment on a draft",
    "meetings:comment_handled": "a mark the secretariat sets",
    "contracts:contract_comment": "a comment",
    "offers:saved_search_delete": "the person's own saved search",
    "offers:library_unpublish": "published again with one click",
    "offers:library_publish": "unpublished again with one click",
    "partnership:invitation_cancel": "a new invitation can be sent",
    "meetings:attendee_remove": "the person can be added again",
    "offers:compare_remove": "the person's own comparison",
    "offers:offer_status": "published and withdrawn again with one click",
    "federation:approve": "the roles can be changed and the membership ended on the members page",
}
# Forms that post to their own page, by template: the page is the question (a form of its
# own), or the action is not irreversible.
OWN_PAGE = {
    "templates/account/confirm_reauthentication_code.html": "sends a code, nothing else",
    "templates/account/request_reauthentication_code.html": "sends a code, nothing else",
    "templates/meetings/cancel_form.html": "the cancel page is the question",
    "templates/meetings/calendar.html": "a new calendar address can be made at once",
    "templates/partnership/confirm.html": "the question itself",
    "templates/partnership/members.html": "an invitation to a person: it can be cancelled",
    "templates/partnership/api_tokens.html": "a new API token: it can be revoked",
}
WORDS = re.compile(
    r"Godkend|Offentliggør|Send|Slet|Fjern|Opsig|Underskriv|Tilbagekald|Accepter|Aflys",
    re.IGNORECASE,
)
FORM = re.compile(r"(<form\b[^>]*>)(.*?)</form>", re.DOTALL)
ACTION = re.compile(r"""action="\{% url '([\w:]+)'""")


def _forms():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for match in FORM.finditer(path.read_text(encoding="utf-8")):
            tag, body = match.groups()
            if 'method="post"' not in tag:
                continue
            action = ACTION.search(tag)
            yield path.relative_to(ROOT), tag, body, action.group(1) if action else ""


def test_every_irreversible_button_asks_first():
    found, unlisted = set(), []
    for path, tag, body, name in _forms():
        buttons = " ".join(re.findall(r"<button[^>]*>(.*?)</button>", body, re.DOTALL))
        if name in IRREVERSIBLE:
            found.add(name)
            assert "data-confirm=" in tag, (path, name)
            assert f'name="{ASK}" value="1"' in body, (path, name)
        elif WORDS.search(buttons) and name not in NOT_IRREVERSIBLE and str(path) not in OWN_PAGE:
            unlisted.append((str(path), name))
    # A button that sounds irreversible: add it to IRREVERSIBLE (and ask first), or to
    # NOT_IRREVERSIBLE or OWN_PAGE with the reason it need not ask.
    assert not unlisted
    assert found == set(IRREVERSIBLE)


def _views(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _views(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern.callback


def test_every_irreversible_view_asks_on_a_page_without_javascript():
    views = dict(_views(get_resolver().url_patterns))
    for name in IRREVERSIBLE:
        assert "ask_first(" in inspect.getsource(inspect.unwrap(views[name])), name


def _minutes_for_comment(capture):
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat)
    meeting_services.save_agenda_item(
        meeting=meeting,
        fields={
            "number": "1",
            "kind": "orientering",
            "title": "Nyt fra KL",
            "duration_minutes": 10,
        },
        by=secretariat,
    )
    meeting_services.invite(meeting=meeting, organisations=[], people=[secretariat], by=secretariat)
    with capture(execute=True):
        meeting_services.send_invitations(meeting=meeting, by=secretariat)
    meeting.refresh_from_db()
    with capture(execute=True):
        minutes = meeting_services.start_minutes(meeting=meeting, by=secretariat)
        meeting_services.send_minutes_for_comment(minutes=minutes, by=secretariat)
    minutes.refresh_from_db()
    return meeting, minutes, secretariat


def test_godkend_og_offentliggoer_asks_and_no_leaves_the_minutes_as_they_were(
    client, demo, django_capture_on_commit_callbacks
):
    meeting, minutes, secretariat = _minutes_for_comment(django_capture_on_commit_callbacks)
    client.force_login(secretariat)
    page = client.get(reverse("meetings:minutes_detail", args=[meeting.pk])).content.decode()
    form = next(tag + body for tag, body in FORM.findall(page) if "Godkend og offentliggør" in body)
    assert 'data-confirm="Godkend og offentliggør referatet?' in form
    url = reverse("meetings:minutes_approve", args=[meeting.pk, minutes.pk])

    asked = client.post(url, {ASK: "1"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "<h1>Godkend og offentliggør referatet?</h1>" in html
    assert f'name="{CONFIRMED}" value="1"' in html
    assert "Nej, gå tilbage" in html
    assert Minutes.objects.get(pk=minutes.pk).status != "approved"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {ASK: "1", CONFIRMED: "1"})
    assert done.status_code == 302
    assert Minutes.objects.get(pk=minutes.pk).status == "approved"


def test_the_question_page_sends_the_fields_of_the_form_again(as_secretariat, demo):
    meeting = make_meeting(demo_user(SECRETARIAT))
    item = meeting_services.save_agenda_item(
        meeting=meeting,
        fields={"number": "1", "kind": "praktisk", "title": "Pause", "duration_minutes": 10},
        by=demo_user(SECRETARIAT),
    )
    url = reverse("meetings:item_delete", args=[meeting.pk, item.pk])
    html = as_secretariat.post(url, {ASK: "1", "note": "æ & <b>"}).content.decode()
    assert '<input type="hidden" name="note" value="æ &amp; &lt;b&gt;">' in html
    assert f'name="{ASK}"' not in html.split("<main", 1)[-1].split("</main>")[0]
    assert meeting.items.filter(pk=item.pk).exists()
