"""Cancelling a meeting (status Aflyst, a METHOD:CANCEL calendar mail to everyone invited,
nothing more to edit, answer or write minutes for), and the meeting pack (mødemappe): the
agenda and the person's PDF bilag in one PDF with bookmarks, the other bilag listed as
"hent i portalen", a closed bilag left out for those who may not see it."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader, PdfWriter

from meetings import pack, services
from meetings.models import Answer, MeetingStatus
from partnership import jobs
from partnership.models import Job, JobStatus, Organisation
from partnership.pdf import render_pdf
from tests.pdfs import pdf_text

from .conftest import CLOSED_TITLE, MUNICIPALITIES, OPEN_TITLES

REASON = "Forpersonen er forhindret, og mødet flyttes til januar."


def _calendar(mail) -> Calendar:
    (_name, content, _mimetype) = mail.attachments[0]
    return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def _mails(mailoutbox, subject_start):
    return [m for m in mailoutbox if m.subject.startswith(subject_start)]


@pytest.fixture
def cancelled(setup, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting=setup.meeting, by=setup.secretariat, reason=REASON)
    setup.meeting.refresh_from_db()
    return setup


# --- Cancelling ----------------------------------------------------------------------------


def test_cancel_sends_every_invitee_a_cancel_with_the_same_uid_and_a_higher_sequence(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    invitations = {m.to[0]: _calendar(m) for m in _mails(mailoutbox, "Mødeindkaldelse")}
    assert len(invitations) > 2
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting=setup.meeting, by=setup.secretariat, reason=REASON)
    cancellations = _mails(mailoutbox, "Aflyst:")
    assert {m.to[0] for m in cancellations} == set(invitations)
    for mail in cancellations:
        assert REASON in mail.body
        (_name, _content, mimetype) = mail.attachments[0]
        assert "method=CANCEL" in mimetype
        cal = _calendar(mail)
        assert cal["METHOD"] == "CANCEL"
        (event,) = cal.walk("VEVENT")
        (before,) = invitations[mail.to[0]].walk("VEVENT")
        assert event["UID"] == before["UID"]
        assert int(event["SEQUENCE"]) > int(before["SEQUENCE"])
        assert event["STATUS"] == "CANCELLED"
        assert "ORGANIZER" in event
        assert event.get("ATTENDEE")


def test_the_cancellation_shows_the_closed_item_only_to_whom_it_is_for(cancelled, mailoutbox):
    """tasks.send_cancellation: its calendar part describes the person's agenda."""

    def seen(person) -> str:
        (mail,) = [m for m in _mails(mailoutbox, "Aflyst:") if m.to == [person.email]]
        (event,) = _calendar(mail).walk("VEVENT")
        return mail.body + str(event["DESCRIPTION"])

    assert CLOSED_TITLE in seen(cancelled.caseworker)
    assert CLOSED_TITLE not in seen(cancelled.provider)
    assert OPEN_TITLES[1] in seen(cancelled.provider)


def test_cancelling_again_sends_nothing_twice(
    cancelled, mailoutbox, django_capture_on_commit_callbacks
):
    sent = len(_mails(mailoutbox, "Aflyst:"))
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_mails(meeting=cancelled.meeting, by=cancelled.secretariat)
    assert len(_mails(mailoutbox, "Aflyst:")) == sent
    with pytest.raises(ValidationError):
        services.cancel_meeting(meeting=cancelled.meeting, by=cancelled.secretariat, reason=REASON)


def test_a_cancelled_meeting_is_not_edited_answered_or_given_minutes(cancelled):
    meeting, secretariat = cancelled.meeting, cancelled.secretariat
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.get_status_display() == "Aflyst"
    refused = {
        "edit": lambda: services.update_meeting(
            meeting=meeting, fields={"place": "Et andet sted"}, by=secretariat
        ),
        "item": lambda: services.save_agenda_item(
            meeting=meeting,
            fields={"number": "9", "kind": "orientering", "title": "Nyt", "duration_minutes": 5},
            by=secretariat,
        ),
        "invite": lambda: services.invite(
            meeting=meeting, organisations=[], people=[cancelled.outsider], by=secretariat
        ),
        "answer": lambda: services.answer(
            meeting=meeting, user=cancelled.caseworker, answer=Answer.ATTEND
        ),
        "attendance": lambda: services.record_attendance(
            meeting=meeting, present=[cancelled.caseworker], by=secretariat
        ),
        "minutes": lambda: services.start_minutes(meeting=meeting, by=secretariat),
    }
    for name, attempt in refused.items():
        with pytest.raises(ValidationError):
            attempt()
            pytest.fail(f"{name} was allowed on a cancelled meeting")


def test_a_held_meeting_cannot_be_cancelled(setup):
    services.record_attendance(
        meeting=setup.meeting, present=[setup.caseworker], by=setup.secretariat
    )
    with pytest.raises(ValidationError):
        services.cancel_meeting(meeting=setup.meeting, by=setup.secretariat, reason=REASON)


def test_the_secretariat_confirms_with_a_reason_on_the_page(
    setup, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(setup.secretariat)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    url = reverse("meetings:meeting_cancel", args=[setup.meeting.pk])
    assert url in page
    confirm = client.get(url)
    assert "Aflys mødet?" in confirm.content.decode()
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Skriv, hvorfor mødet aflyses" in refused.content.decode()
    setup.meeting.refresh_from_db()
    assert setup.meeting.status == MeetingStatus.INVITED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    setup.meeting.refresh_from_db()
    assert setup.meeting.status == MeetingStatus.CANCELLED
    assert setup.meeting.cancel_reason == REASON
    assert _mails(mailoutbox, "Aflyst:")


def test_pages_lists_and_the_feed_say_aflyst(cancelled, client):
    client.force_login(cancelled.caseworker)
    page = client.get(cancelled.meeting.get_absolute_url()).content.decode()
    assert "Aflyst" in page and REASON in page
    assert "Send svar" not in page
    listing = client.get(reverse("meetings:meeting_list")).content.decode()
    assert "Aflyst" in listing
    client.force_login(cancelled.secretariat)
    page = client.get(cancelled.meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:meeting_edit", args=[cancelled.meeting.pk]) not in page
    assert reverse("meetings:meeting_cancel", args=[cancelled.meeting.pk]) not in page
    edit = client.get(reverse("meetings:meeting_edit", args=[cancelled.meeting.pk]))
    assert edit.status_code == 302
    _feed, token = services.new_calendar_feed(user=cancelled.caseworker)
    client.logout()
    cal = Calendar.from_ical(client.get(reverse("meetings:calendar_feed", args=[token])).content)
    assert cal["METHOD"] == "PUBLISH"
    (event,) = [
        e
        for e in cal.walk("VEVENT")
        if str(e["UID"]).startswith(f"meeting-{cancelled.meeting.pk}@")
    ]
    assert event["STATUS"] == "CANCELLED"


# --- The meeting pack ------------------------------------------------------------------------


def _pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


CLOSED_BILAG = "Kommunernes notat om udgiftsniveauet"


@pytest.fixture
def pack_world(setup):
    """On the open item 2: a PDF bilag of 2 pages, a Word bilag, and a PDF bilag of 3 pages
    closed to the municipalities; on the open item 4 a PDF bilag of 1 page."""
    open_item, last_item = setup.items[1], setup.items[3]
    municipalities = list(Organisation.objects.filter(slug__in=MUNICIPALITIES))

    def add(item, name, content, title, closed_to=()):
        return services.add_attachment(
            item=item,
            uploaded=SimpleUploadedFile(name, content),
            title=title,
            by=setup.secretariat,
            restricted_to=closed_to,
        )

    add(open_item, "status.pdf", _pdf(2), "Statusnotat")
    add(open_item, "skema.docx", _docx(), "Skema til udfyldning")
    setup.closed_bilag = add(
        open_item, "notat.pdf", _pdf(3), CLOSED_BILAG, closed_to=municipalities
    )
    add(last_item, "eventuelt.pdf", _pdf(1), "Bilag til eventuelt")
    return setup


def _pack(person, meeting) -> PdfReader:
    job = Job(
        kind="meeting_pack", title="pack", params={"meeting_id": meeting.pk}, ordered_by=person
    )
    name, pdf = jobs.get_kind("meeting_pack").render(job, lambda *_: None)
    assert name.endswith(".pdf")
    return PdfReader(io.BytesIO(pdf))


def _outline(reader: PdfReader) -> list:
    """[(title, page number, [children ...])] of the bookmarks."""

    def walk(entries):
        result, last = [], None
        for entry in entries:
            if isinstance(entry, list):
                last[2].extend(walk(entry))
            else:
                last = (entry.title, reader.get_destination_page_number(entry), [])
                result.append(last)
        return result

    return walk(reader.outline)


def test_the_pack_has_the_agenda_and_the_visible_pdf_bilag_with_bookmarks(pack_world):
    meeting = pack_world.meeting
    for person, closed_seen in [(pack_world.caseworker, True), (pack_world.provider, False)]:
        reader = _pack(person, meeting)
        outline = _outline(reader)
        titles = [title for title, _page, _children in outline]
        assert titles[0] == "Dagsorden"
        assert any(OPEN_TITLES[1] in t for t in titles)
        children = {c[0]: c[1] for _t, _p, kids in outline for c in kids}
        expected_pdf_pages = 2 + 1 + (3 if closed_seen else 0)
        agenda_pages = len(reader.pages) - expected_pdf_pages
        assert agenda_pages >= 1
        assert children["Statusnotat"] == agenda_pages
        assert "Skema til udfyldning" not in children  # not a PDF: listed, not appended
        if closed_seen:
            assert children[CLOSED_BILAG] == agenda_pages + 2
            assert children["Bilag til eventuelt"] == agenda_pages + 5
        else:
            assert CLOSED_BILAG not in children
            assert children["Bilag til eventuelt"] == agenda_pages + 2
        text = " ".join(
            " ".join((p.extract_text() or "").split()) for p in reader.pages[:agenda_pages]
        )
        assert "Skema til udfyldning" in text and "hent i portalen" in text
        assert (CLOSED_BILAG in text) is closed_seen
        assert reader.trailer["/Root"]["/Lang"] == "da"
        assert reader.metadata.title


def test_the_pack_is_ordered_as_a_job_by_an_invitee(pack_world, client):
    client.force_login(pack_world.provider)
    response = client.post(reverse("meetings:meeting_pack", args=[pack_world.meeting.pk]))
    assert response.status_code == 302
    job = Job.objects.get(kind="meeting_pack", ordered_by=pack_world.provider)
    assert job.status == JobStatus.DONE  # tasks run in-process in tests
    with job.result_file.open("rb") as f:
        text = pdf_text(f.read(), flat=True)
    assert OPEN_TITLES[1] in text
    assert CLOSED_BILAG not in text


def test_an_outsider_cannot_have_the_pack(pack_world):
    with pytest.raises(PermissionDenied):
        _pack(pack_world.outsider, pack_world.meeting)


# --- A closed bilag on an open item ----------------------------------------------------------


def test_a_closed_bilag_on_an_open_item_is_seen_only_by_whom_it_is_for(pack_world, client):
    url = reverse(
        "meetings:attachment_download", args=[pack_world.meeting.pk, pack_world.closed_bilag.pk]
    )
    for person, seen in [
        (pack_world.caseworker, True),
        (pack_world.provider, False),
        (pack_world.secretariat, True),
    ]:
        client.force_login(person)
        page = client.get(pack_world.meeting.get_absolute_url()).content.decode()
        assert OPEN_TITLES[1] in page
        assert "Statusnotat" in page
        assert (CLOSED_BILAG in page) is seen, person
        assert client.get(url).status_code == (200 if seen else 404), person


def test_the_packs_agenda_part_is_pdf_ua_like_the_agenda(pack_world):
    """What can be PDF/UA is: the agenda part, rendered by partnership.pdf.render_pdf."""
    meeting = pack_world.meeting
    person = pack_world.caseworker
    first = PdfReader(
        io.BytesIO(
            render_pdf(pack.render_pack_html(person, meeting, pack.pack_items(person, meeting)))
        )
    )
    root = first.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert first.metadata.title.startswith("Mødemappe")


def test_the_secretariat_closes_a_bilag_when_adding_it(setup, client):
    item = setup.items[1]  # open
    slagelse = Organisation.objects.get(slug="slagelse")
    client.force_login(setup.secretariat)
    url = reverse("meetings:attachment_add", args=[setup.meeting.pk, item.pk])
    form = client.get(url).content.decode()
    assert "Lukket bilag: kun for disse organisationer" in form
    response = client.post(
        url,
        {
            "title": "Slagelses eget notat",
            "file": SimpleUploadedFile("notat.pdf", _pdf(1)),
            "restricted_to": [slagelse.pk],
        },
    )
    assert response.status_code == 302
    attachment = item.attachments.get(title="Slagelses eget notat")
    assert list(attachment.restricted_to.all()) == [slagelse]
    client.force_login(setup.provider)
    assert (
        "Slagelses eget notat" not in client.get(setup.meeting.get_absolute_url()).content.decode()
    )
    client.force_login(setup.caseworker)
    assert "Slagelses eget notat" in client.get(setup.meeting.get_absolute_url()).content.decode()
