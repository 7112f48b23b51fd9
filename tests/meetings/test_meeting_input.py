"""Bad input gets a clear Danish message and nothing typed is lost: a meeting that ends
before it starts, an agenda longer than the meeting (a warning only), an attachment whose
content is not its claimed type or is too large."""

import io
import zipfile
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import AgendaAttachment, AgendaItem, Forum, Meeting

DAY = (date.today() + timedelta(days=14)).isoformat()  # on the test clock


def _docx_bytes(main_part="word/document.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(main_part, "<document/>")
    return out.getvalue()


def test_meeting_that_ends_before_it_starts_is_refused_and_kept(client, setup):
    forum = Forum.objects.get(name="Fællesmøde")
    client.force_login(setup.secretariat)
    before = Meeting.objects.count()
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "forum": forum.pk,
            "title": "Styregruppemøde om takster",
            "starts_at": f"{DAY}T14:00",
            "ends_at": f"{DAY}T13:00",
            "place": "Sorø",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mødet slutter, før det begynder." in page
    assert 'value="Styregruppemøde om takster"' in page
    assert f'value="{DAY}T13:00"' in page
    assert Meeting.objects.count() == before


def test_meeting_needs_a_place_or_a_link(client, setup):
    client.force_login(setup.secretariat)
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "forum": Forum.objects.get(name="Fællesmøde").pk,
            "title": "Uden sted",
            "starts_at": f"{DAY}T09:00",
            "ends_at": f"{DAY}T10:00",
        },
    )
    assert "Angiv et sted, et link til onlinemødet eller begge." in response.content.decode()


def test_agenda_longer_than_the_meeting_is_a_warning_not_a_block(client, setup):
    client.force_login(setup.secretariat)
    response = client.post(
        reverse("meetings:item_create", args=[setup.meeting.pk]),
        {"number": "5", "kind": "beslutning", "title": "Langt punkt", "duration_minutes": 60},
        follow=True,
    )
    page = response.content.decode()
    assert AgendaItem.objects.filter(meeting=setup.meeting, number="5").exists()
    assert "Dagsordenen varer 30 minutter længere end mødet." in page


def test_item_number_must_be_free_and_well_formed(client, setup):
    # On a draft agenda (once sent, a late item comes after the others: test_agenda_order).
    Meeting.objects.filter(pk=setup.meeting.pk).update(invitations_sent_at=None, status="draft")
    client.force_login(setup.secretariat)
    url = reverse("meetings:item_create", args=[setup.meeting.pk])
    page = client.post(
        url, {"number": "2", "kind": "orientering", "title": "Dobbelt", "duration_minutes": 5}
    ).content.decode()
    assert "Mødet har allerede et punkt 2." in page
    page = client.post(
        url, {"number": "2a", "kind": "orientering", "title": "Forkert", "duration_minutes": 5}
    ).content.decode()
    assert "Skriv et punktnummer som 1, 2 eller 2.a" in page
    client.post(
        url, {"number": "2.a", "kind": "orientering", "title": "Underpunkt", "duration_minutes": 5}
    )
    numbers = list(
        AgendaItem.objects.filter(meeting=setup.meeting).values_list("number", flat=True)
    )
    assert numbers == ["1", "2", "2.a", "3", "4"]


def _upload(client, setup, name, content, title="Bilag"):
    item = setup.items[1]
    return client.post(
        reverse("meetings:attachment_add", args=[setup.meeting.pk, item.pk]),
        {"title": title, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_attachments_are_checked_by_content(client, setup):
    client.force_login(setup.secretariat)
    response = _upload(client, setup, "referat.docx", b"%PDF-1.7 not a docx", "Forkert bilag")
    page = response.content.decode()
    assert "Filen hedder .docx, men indholdet er ikke en Word (DOCX)-fil." in page
    assert 'value="Forkert bilag"' in page
    response = _upload(client, setup, "tal.xlsx", _docx_bytes(), "Word kaldt Excel")
    assert "indholdet er ikke en Excel (XLSX)-fil" in response.content.decode()
    response = _upload(client, setup, "program.exe", b"MZ...")
    assert "Bilag skal være PDF, Word (DOCX), Excel (XLSX) eller PowerPoint (PPTX)." in (
        response.content.decode()
    )
    assert not AgendaAttachment.objects.exists()

    _upload(client, setup, "notat.docx", _docx_bytes(), "Notat")
    _upload(client, setup, "oplaeg.pptx", _docx_bytes("ppt/presentation.xml"), "Oplæg")
    _upload(client, setup, "tal.xlsx", _docx_bytes("xl/workbook.xml"), "Tal")
    _upload(client, setup, "program.pdf", b"%PDF-1.7\n%%EOF\n", "Program")
    assert sorted(AgendaAttachment.objects.values_list("file_type", flat=True)) == [
        "docx",
        "pdf",
        "pptx",
        "xlsx",
    ]


def test_attachment_over_25_mb_is_refused(client, setup):
    client.force_login(setup.secretariat)
    big = b"%PDF-1.7\n" + b"0" * (25 * 1024 * 1024)
    response = _upload(client, setup, "stor.pdf", big, "Stor fil")
    assert "Den må højst fylde 25 MB." in response.content.decode()
    assert not AgendaAttachment.objects.exists()


def test_invitee_downloads_an_open_attachment_with_its_type(client, setup):
    client.force_login(setup.secretariat)
    _upload(client, setup, "notat.docx", _docx_bytes(), "Notat")
    attachment = AgendaAttachment.objects.get()
    client.force_login(setup.provider)
    response = client.get(
        reverse("meetings:attachment_download", args=[setup.meeting.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert b"".join(response.streaming_content).startswith(b"PK")
