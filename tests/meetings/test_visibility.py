"""An item closed to the municipalities is seen by them and the secretariat, and by no one
else: not on the page, in the agenda PDF, the invitation e-mail or the calendar file."""

from django.urls import reverse

from meetings import ics, permissions
from meetings.reports import render_agenda_html
from partnership.pdf import render_pdf
from tests.pdfs import pdf_text

from .conftest import CLOSED_TITLE, OPEN_TITLES


def test_provider_does_not_see_the_closed_item_on_the_page(client, setup):
    client.force_login(setup.provider)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    assert all(title in page for title in OPEN_TITLES)
    assert CLOSED_TITLE not in page
    assert "Beskrivelse af kommunernes" not in page


def test_municipality_and_secretariat_see_the_closed_item(client, setup):
    for person in (setup.caseworker, setup.secretariat):
        client.force_login(person)
        page = client.get(setup.meeting.get_absolute_url()).content.decode()
        assert CLOSED_TITLE in page


def test_times_stay_the_same_for_everyone(client, setup):
    client.force_login(setup.provider)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    # Item 4 starts at 10.20 for the provider too: the closed item still takes its time.
    assert "10.20–10.30" in page


def test_someone_not_invited_does_not_see_the_meeting(client, setup):
    client.force_login(setup.outsider)
    assert client.get(setup.meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:meeting_ics", args=[setup.meeting.pk])).status_code == 404
    listing = client.get(reverse("meetings:meeting_list")).content.decode()
    assert setup.meeting.title not in listing


def test_agenda_pdf_leaves_the_closed_item_out_for_the_provider(setup):
    provider_text = pdf_text(
        render_pdf(render_agenda_html(setup.provider, setup.meeting)), flat=True
    )
    municipal_text = pdf_text(
        render_pdf(render_agenda_html(setup.caseworker, setup.meeting)), flat=True
    )
    assert OPEN_TITLES[1] in provider_text
    assert CLOSED_TITLE not in provider_text
    assert CLOSED_TITLE in municipal_text
    assert "V./ Lone Berner Wolff" in provider_text


def test_ics_leaves_the_closed_item_out_for_the_provider(client, setup):
    client.force_login(setup.provider)
    response = client.get(reverse("meetings:meeting_ics", args=[setup.meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    unfolded = body.replace("\r\n ", "")
    assert OPEN_TITLES[0] in unfolded
    assert CLOSED_TITLE not in unfolded
    assert CLOSED_TITLE in ics.meeting_ics(setup.caseworker, setup.meeting).decode().replace(
        "\r\n ", ""
    )


def test_invitation_mail_carries_an_ics_without_the_closed_item_for_the_provider(setup, mailoutbox):
    to_provider = [m for m in mailoutbox if setup.provider.email in m.to]
    to_caseworker = [m for m in mailoutbox if setup.caseworker.email in m.to]
    assert len(to_provider) == 1 and len(to_caseworker) == 1
    mail = to_provider[0]
    assert CLOSED_TITLE not in mail.body
    (name, content, mimetype) = mail.attachments[0]
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    text = content if isinstance(content, str) else content.decode()
    assert CLOSED_TITLE not in text.replace("\r\n ", "")
    from icalendar import Calendar

    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert OPEN_TITLES[0] in str(event["DESCRIPTION"])
    assert CLOSED_TITLE in to_caseworker[0].body
    # Each person gets their own mail: nobody sees the others' addresses.
    assert all(len(m.to) == 1 for m in mailoutbox)


def test_closed_item_attachment_is_not_served_to_the_provider(client, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings import services

    attachment = services.add_attachment(
        item=setup.closed,
        uploaded=SimpleUploadedFile("notat.pdf", b"%PDF-1.7\n%%EOF\n"),
        title="Notat om takster",
        by=setup.secretariat,
    )
    url = reverse("meetings:attachment_download", args=[setup.meeting.pk, attachment.pk])
    client.force_login(setup.provider)
    assert client.get(url).status_code == 404
    client.force_login(setup.caseworker)
    assert client.get(url).status_code == 200


def test_visible_items_scope(setup):
    assert permissions.visible_items(setup.provider, setup.meeting).count() == 3
    assert permissions.visible_items(setup.caseworker, setup.meeting).count() == 4
    assert permissions.visible_items(setup.outsider, setup.meeting).count() == 0


def test_draft_meeting_is_seen_by_the_secretariat_only(client, setup):
    from tests.factories import make_meeting

    draft = make_meeting(setup.secretariat, title="Kladde")
    client.force_login(setup.caseworker)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(setup.secretariat)
    assert client.get(draft.get_absolute_url()).status_code == 200
