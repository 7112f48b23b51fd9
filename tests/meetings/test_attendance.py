"""Attendance beyond the portal's users (issue 15, finding 4): a substitute for an invitee,
a guest and an external presenter are marked present; absence per item; the minutes (page,
PDF and the approved snapshot) list them under "Til stede" ("NN (stedfortræder for MM)"),
not under Afbud. An invitee who sent afbud reads and comments on minutes out for comment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import reports, services
from meetings.models import ExtraAttendee, Minutes
from meetings.selectors import minutes_participants
from partnership.models import Job
from tests.pdfs import pdf_text

SUBSTITUTE = "Karen Kofoed"
GUEST = "Gitte Gæst"
PRESENTER = "Peter Professor"


@pytest.fixture
def held(setup, client, today, django_capture_on_commit_callbacks):
    """The provider sent afbud with a substitute; the caseworker came but left before item
    4; a guest and an external presenter came too. Minutes out for comment."""
    services.answer(
        meeting=setup.meeting, user=setup.provider, answer="decline", substitute=SUBSTITUTE
    )
    client.force_login(setup.secretariat)
    attendance = reverse("meetings:attendance", args=[setup.meeting.pk])
    page = client.get(attendance).content.decode()
    assert f"{SUBSTITUTE} (stedfortræder for {setup.provider.get_full_name()})" in page
    client.post(
        attendance, {"present": [str(setup.caseworker.pk)], "substitutes": [str(setup.provider.pk)]}
    )
    add = reverse("meetings:attendee_add", args=[setup.meeting.pk])
    client.post(add, {"kind": "guest", "name": GUEST, "organisation": "KL"})
    client.post(add, {"kind": "presenter", "name": PRESENTER, "organisation": "Absalon"})
    client.post(
        reverse("meetings:absence", args=[setup.meeting.pk]),
        {"person": f"u{setup.caseworker.pk}", "items": [str(setup.items[3].pk)]},
    )
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(
            minutes=minutes, deadline=today + dt.timedelta(days=7), by=setup.secretariat
        )
    minutes.refresh_from_db()
    return minutes


def _present_line(html: str) -> str:
    start = html.index("Til stede")
    return html[start : html.index("</p>", start)]


def test_substitute_guest_and_presenter_are_present_in_the_minutes(client, setup, held):
    assert ExtraAttendee.objects.filter(meeting=setup.meeting).count() == 3
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    present = _present_line(page.decode())
    provider = setup.provider.get_full_name()
    assert f"{SUBSTITUTE} (Bostedet Egelund ApS, stedfortræder for {provider})" in present
    assert f"{GUEST} (KL, gæst)" in present
    assert f"{PRESENTER} (Absalon, ekstern oplægsholder)" in present
    assert "ikke til stede under punkt 4" in present
    afbud = page.decode().split("Afbud")[1].split("</p>")[0]
    assert provider in afbud and SUBSTITUTE not in afbud


def test_the_minutes_pdf_lists_the_substitute_under_til_stede_not_afbud(setup, held):
    job = Job(
        kind="meeting_minutes",
        title="Referat",
        params={"minutes_id": held.pk},
        ordered_by=setup.secretariat,
    )
    _name, pdf = reports.render_minutes(job, lambda *_: None)
    text = pdf_text(pdf, flat=True)
    til_stede, afbud = text.split("Til stede", 1)[1].split("Afbud", 1)
    assert SUBSTITUTE in til_stede and GUEST in til_stede
    assert setup.provider.get_full_name() in afbud and SUBSTITUTE not in afbud


def test_the_approved_snapshot_keeps_the_attendance(setup, held):
    services.approve_minutes(minutes=held, by=setup.secretariat)
    kept = Minutes.objects.get(pk=held.pk).participants
    names = {p["name"]: p for p in kept["present"]}
    assert names[SUBSTITUTE]["note"] == f"stedfortræder for {setup.provider.get_full_name()}"
    assert names[setup.caseworker.get_full_name()]["absent"] == ["4"]
    ExtraAttendee.objects.filter(meeting=setup.meeting).delete()
    assert Minutes.objects.get(pk=held.pk).participants == kept


def test_before_attendance_is_marked_an_announced_substitute_is_present(setup, today):
    services.answer(
        meeting=setup.meeting, user=setup.provider, answer="decline", substitute=SUBSTITUTE
    )
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    shown = minutes_participants(minutes)
    assert SUBSTITUTE in [p["name"] for p in shown["present"]]
    assert all("substitute" not in p for p in shown["declined"])


def test_a_substitute_must_be_for_an_invitee(client, setup):
    client.force_login(setup.secretariat)
    response = client.post(
        reverse("meetings:attendee_add", args=[setup.meeting.pk]),
        {"kind": "substitute", "name": SUBSTITUTE, "organisation": "Slagelse"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vælg, hvem stedfortræderen kommer i stedet for." in page
    assert SUBSTITUTE in page  # what was typed is kept
    with pytest.raises(ValidationError):
        services.add_extra_attendee(
            meeting=setup.meeting,
            kind="substitute",
            name=SUBSTITUTE,
            substitute_for=setup.outsider,
            by=setup.secretariat,
        )


def test_an_invitee_who_sent_afbud_reads_and_comments_on_minutes_for_comment(
    client, setup, held, mailoutbox
):
    client.force_login(setup.provider)
    response = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk]))
    assert response.status_code == 200
    entry = held.entries.get(agenda_item__number="2")
    response = client.post(
        reverse("meetings:minutes_comment", args=[setup.meeting.pk, held.pk, entry.pk]),
        {f"c{entry.pk}-text": "Vi sendte afbud, men har en bemærkning."},
    )
    assert response.status_code == 302
    assert any(setup.provider.email in m.to and "kommentering" in m.subject for m in mailoutbox)


def test_removing_an_extra_attendee(client, setup, held):
    guest = ExtraAttendee.objects.get(name=GUEST)
    client.force_login(setup.secretariat)
    client.post(reverse("meetings:attendee_remove", args=[setup.meeting.pk, guest.pk]))
    assert not ExtraAttendee.objects.filter(pk=guest.pk).exists()
