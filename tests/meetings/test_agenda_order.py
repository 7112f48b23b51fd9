"""Building an agenda (issue 15): items move up and down and are renumbered 1, 2, 3 with
their sub-items (1.a, 1.b) kept under them; attachments are added with the item; once the
invitations are sent the agenda is locked, a late item goes on the tillægsdagsorden after
the others, and the invitees are told of it and of a bilag added after the invitation."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from meetings import ics, reports, selectors, services
from meetings.models import AgendaItem, Meeting
from partnership.models import MailKind, OutgoingMail, User
from tests.factories import make_meeting

PDF = b"%PDF-1.7\n% Program\n%%EOF\n"


def _numbers(meeting: Meeting) -> list[tuple[str, str]]:
    return list(meeting.items.order_by("position").values_list("number", "title"))


@pytest.fixture
def draft(demo) -> Meeting:
    secretariat = User.objects.get(email="sekretariat@portal.example")
    meeting = make_meeting(secretariat)
    for number, title in [
        ("1", "Velkomst"),
        ("2", "Diplommodul"),
        ("2.a", "Feedback på diplommodul"),
        ("2.b", "Næste skridt"),
        ("3", "Standardkontrakter"),
        ("4", "Eventuelt"),
    ]:
        services.save_agenda_item(
            meeting=meeting,
            fields={
                "number": number,
                "kind": "orientering",
                "title": title,
                "duration_minutes": 10,
            },
            by=secretariat,
        )
    return meeting


def _row(meeting: Meeting, item: AgendaItem, person: User):
    return next(r for r in selectors.agenda(person, meeting) if r.item.pk == item.pk)


def _move(client, meeting, title, direction):
    item = meeting.items.get(title=title)
    return client.post(
        reverse("meetings:item_move", args=[meeting.pk, item.pk]), {"direction": direction}
    )


def test_a_main_item_moves_with_its_sub_items_and_all_are_renumbered(as_secretariat, draft):
    response = _move(as_secretariat, draft, "Diplommodul", "down")
    assert response.status_code == 302
    assert _numbers(draft) == [
        ("1", "Velkomst"),
        ("2", "Standardkontrakter"),
        ("3", "Diplommodul"),
        ("3.a", "Feedback på diplommodul"),
        ("3.b", "Næste skridt"),
        ("4", "Eventuelt"),
    ]
    _move(as_secretariat, draft, "Velkomst", "up")  # already first: unchanged
    _move(as_secretariat, draft, "Eventuelt", "down")  # already last: unchanged
    assert _numbers(draft)[0] == ("1", "Velkomst") and _numbers(draft)[-1] == ("4", "Eventuelt")


def test_a_sub_item_moves_among_its_siblings_only(as_secretariat, draft):
    _move(as_secretariat, draft, "Næste skridt", "up")
    assert _numbers(draft)[1:4] == [
        ("2", "Diplommodul"),
        ("2.a", "Næste skridt"),
        ("2.b", "Feedback på diplommodul"),
    ]
    _move(as_secretariat, draft, "Næste skridt", "up")  # first sub-item: stays under 2
    assert _numbers(draft)[2] == ("2.a", "Næste skridt")


def test_removing_an_item_renumbers_the_rest(as_secretariat, draft):
    item = draft.items.get(title="Velkomst")
    as_secretariat.post(reverse("meetings:item_delete", args=[draft.pk, item.pk]))
    assert [n for n, _t in _numbers(draft)] == ["1", "1.a", "1.b", "2", "3"]


def test_the_page_offers_moving_each_item(as_secretariat, draft):
    page = as_secretariat.get(draft.get_absolute_url()).content.decode()
    item = draft.items.get(title="Diplommodul")
    assert reverse("meetings:item_move", args=[draft.pk, item.pk]) in page
    assert "Flyt op" in page and "Flyt ned" in page


def test_attachments_are_added_while_the_item_is_created(as_secretariat, draft):
    response = as_secretariat.post(
        reverse("meetings:item_create", args=[draft.pk]),
        {
            "number": "5",
            "kind": "orientering",
            "title": "Program for efteråret",
            "duration_minutes": "10",
            "new_attachments": [
                SimpleUploadedFile("program.pdf", PDF),
                SimpleUploadedFile("bilag.pdf", PDF),
            ],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = draft.items.get(number="5")
    assert sorted(item.attachments.values_list("title", flat=True)) == ["bilag", "program"]


def test_a_wrong_file_with_a_new_item_is_refused_and_nothing_is_saved(as_secretariat, draft):
    response = as_secretariat.post(
        reverse("meetings:item_create", args=[draft.pk]),
        {
            "number": "5",
            "kind": "orientering",
            "title": "Program for efteråret",
            "duration_minutes": "10",
            "new_attachments": [SimpleUploadedFile("program.docx", PDF)],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "indholdet er ikke en Word (DOCX)-fil" in page
    assert "Program for efteråret" in page  # what was typed is kept
    assert not draft.items.filter(number="5").exists()


# --- The lock --------------------------------------------------------------------------


def test_once_sent_items_cannot_be_moved_or_removed(setup, client):
    client.force_login(setup.secretariat)
    meeting = setup.meeting
    before = _numbers(meeting)
    response = client.post(
        reverse("meetings:item_move", args=[meeting.pk, setup.items[1].pk]),
        {"direction": "up"},
        follow=True,
    )
    assert "Dagsordenen er sendt ud, så punkterne kan ikke flyttes." in response.content.decode()
    response = client.post(
        reverse("meetings:item_delete", args=[meeting.pk, setup.items[1].pk]), follow=True
    )
    assert "Dagsordenen er sendt ud, så punktet kan ikke fjernes." in response.content.decode()
    assert _numbers(meeting) == before


def test_a_late_item_goes_on_the_supplementary_agenda_and_invitees_are_told(
    setup, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(setup.secretariat)
    meeting = setup.meeting
    fields = {"kind": "orientering", "title": "Nyt om takstaftalen", "duration_minutes": "5"}
    # Among the items sent: refused in Danish, with the number it should have.
    response = client.post(
        reverse("meetings:item_create", args=[meeting.pk]), {**fields, "number": "2.a"}
    )
    page = response.content.decode()
    assert "Et nyt punkt kommer på tillægsdagsordenen" in page and "fx 5" in page
    assert not meeting.items.filter(title="Nyt om takstaftalen").exists()

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:item_create", args=[meeting.pk]), {**fields, "number": "5"}
        )
    assert response.status_code == 302
    late = meeting.items.get(title="Nyt om takstaftalen")
    assert late.supplementary and late.number == "5"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Tillægsdagsorden" in page
    pdf_html = reports.render_agenda_html(setup.caseworker, meeting)
    assert re.search(r"Nyt om takstaftalen\s*<span[^>]*>\(tillægsdagsorden\)", pdf_html)
    told = {m.to[0] for m in mailoutbox}
    assert setup.caseworker.email in told and setup.provider.email in told
    mail = next(m for m in mailoutbox if m.to[0] == setup.caseworker.email)
    assert mail.subject.startswith("Tillægsdagsorden:") and "Nyt om takstaftalen" in mail.body
    # The invitation of a new invitee marks it too.
    body = render_to_string(
        "meetings/email/invitation.txt",
        {
            "person": setup.caseworker,
            "meeting": meeting,
            "rows": [_row(meeting, late, setup.caseworker)],
        },
    )
    assert "Nyt om takstaftalen – tillægsdagsorden" in body
    # And the calendar file's agenda.
    assert "Nyt om takstaftalen – tillægsdagsorden" in ics.describe(setup.caseworker, meeting)
    # Late items may be moved among themselves; the first stays after the sent agenda.
    services.save_agenda_item(
        meeting=meeting,
        fields={**fields, "number": "6", "title": "Endnu et punkt"},
        by=setup.secretariat,
    )
    client.post(reverse("meetings:item_move", args=[meeting.pk, late.pk]), {"direction": "down"})
    assert _numbers(meeting)[-2:] == [("5", "Endnu et punkt"), ("6", "Nyt om takstaftalen")]
    client.post(reverse("meetings:item_move", args=[meeting.pk, late.pk]), {"direction": "up"})
    client.post(reverse("meetings:item_move", args=[meeting.pk, late.pk]), {"direction": "up"})
    assert _numbers(meeting)[-2:] == [("5", "Nyt om takstaftalen"), ("6", "Endnu et punkt")]
    assert [n for n, _t in _numbers(meeting)[:4]] == ["1", "2", "3", "4"]


def test_the_number_of_a_sent_item_cannot_change(setup):
    item = setup.items[0]
    with pytest.raises(Exception, match="nummer kan ikke ændres"):
        services.save_agenda_item(
            meeting=setup.meeting,
            item=item,
            fields={"number": "7", "title": item.title},
            by=setup.secretariat,
        )
    # Its text may still be corrected.
    services.save_agenda_item(
        meeting=setup.meeting,
        item=item,
        fields={"number": "1", "title": "Velkomst og program"},
        by=setup.secretariat,
    )
    assert AgendaItem.objects.get(pk=item.pk).title == "Velkomst og program"


def test_a_bilag_added_after_the_invitation_is_mailed_to_those_who_may_see_it(
    setup, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(setup.secretariat)
    meeting = setup.meeting
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("meetings:attachment_add", args=[meeting.pk, setup.closed.pk]),
            {"title": "Notat om takstniveauet", "file": SimpleUploadedFile("notat.pdf", PDF)},
        )
    told = {m.to[0] for m in mailoutbox}
    assert setup.caseworker.email in told  # Slagelse: the item is closed to the municipalities
    assert setup.provider.email not in told
    mail = next(m for m in mailoutbox if m.to[0] == setup.caseworker.email)
    assert mail.subject.startswith("Nyt bilag til") and "Notat om takstniveauet" in mail.body
    assert (
        OutgoingMail.objects.filter(
            kind=MailKind.MEETING_INVITATION, recipient=setup.caseworker.email
        )
        .exclude(reference=meeting.invitation_reference)
        .exists()
    )

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("meetings:attachment_add", args=[meeting.pk, setup.items[0].pk]),
            {"title": "Program", "file": SimpleUploadedFile("program.pdf", PDF)},
        )
    assert setup.provider.email in {m.to[0] for m in mailoutbox}


def test_no_mail_for_a_bilag_on_a_draft(
    as_secretariat, draft, mailoutbox, django_capture_on_commit_callbacks
):
    item = draft.items.get(number="1")
    with django_capture_on_commit_callbacks(execute=True):
        as_secretariat.post(
            reverse("meetings:attachment_add", args=[draft.pk, item.pk]),
            {"title": "Program", "file": SimpleUploadedFile("program.pdf", PDF)},
        )
    assert mailoutbox == []
