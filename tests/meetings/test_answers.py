"""Invitees answer attend or afbud (with a substitute); someone not invited is refused with a
clear Danish message; the participant list shows the answers; attendance is recorded."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import services
from meetings.models import Participation


def test_invitee_sends_afbud_with_a_substitute(client, setup):
    client.force_login(setup.provider)
    response = client.post(
        reverse("meetings:answer", args=[setup.meeting.pk]),
        {"answer": "decline", "substitute": "Bo Leverandør, Bostedet Egelund"},
        follow=True,
    )
    assert "Dit afbud er registreret." in response.content.decode()
    p = Participation.objects.get(meeting=setup.meeting, user=setup.provider)
    assert (p.answer, p.substitute) == ("decline", "Bo Leverandør, Bostedet Egelund")
    client.force_login(setup.secretariat)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    assert "Afbud" in page and "Bo Leverandør, Bostedet Egelund" in page


def test_rsvp_by_someone_not_invited_is_refused(client, setup):
    with pytest.raises(ValidationError) as exc:
        services.answer(meeting=setup.meeting, user=setup.outsider, answer="attend")
    assert "ikke inviteret" in exc.value.messages[0]
    client.force_login(setup.outsider)
    response = client.post(
        reverse("meetings:answer", args=[setup.meeting.pk]), {"answer": "attend"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Du er ikke inviteret til mødet og kan derfor ikke melde til eller fra." in page
    assert setup.meeting.title not in page
    assert not Participation.objects.filter(user=setup.outsider).exists()


def test_substitute_only_with_afbud(setup):
    with pytest.raises(ValidationError):
        services.answer(
            meeting=setup.meeting, user=setup.caseworker, answer="attend", substitute="Anden"
        )
    assert not Participation.objects.filter(user=setup.caseworker).exists()


def test_member_of_an_invited_organisation_may_answer(setup):
    p = services.answer(meeting=setup.meeting, user=setup.caseworker, answer="attend")
    assert p.answer == "attend"


def test_person_invited_directly_may_answer(setup):
    services.invite(
        meeting=setup.meeting, organisations=[], people=[setup.outsider], by=setup.secretariat
    )
    assert services.answer(meeting=setup.meeting, user=setup.outsider, answer="attend")


def test_attendance_is_recorded_and_closes_answers(client, setup):
    client.force_login(setup.secretariat)
    response = client.post(
        reverse("meetings:attendance", args=[setup.meeting.pk]),
        {"present": [str(setup.caseworker.pk)]},
    )
    assert response.status_code == 302
    assert Participation.objects.get(user=setup.caseworker, meeting=setup.meeting).attended
    assert Participation.objects.get(user=setup.provider, meeting=setup.meeting).attended is False
    setup.meeting.refresh_from_db()
    assert setup.meeting.status == "held"
    with pytest.raises(ValidationError) as exc:
        services.answer(meeting=setup.meeting, user=setup.provider, answer="attend")
    assert "afholdt" in exc.value.messages[0]


def test_only_the_secretariat_manages_meetings(client, setup):
    client.force_login(setup.caseworker)
    for name in ("meeting_edit", "invite", "attendance", "item_create", "minutes_edit"):
        assert client.get(reverse(f"meetings:{name}", args=[setup.meeting.pk])).status_code == 403
    assert client.get(reverse("meetings:meeting_create")).status_code == 403
