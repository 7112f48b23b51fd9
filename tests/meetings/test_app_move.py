"""Meetings became an app of their own (meetings, migration 0001; partnership 0008). A
database made with the old layout, meetings and all, migrates to the new one without moving
a row, and the portal serves the same meeting from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingInvitation
from partnership.db_roles import as_owner
from partnership.models import Membership, OutgoingMail, Role, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OLD_LAYOUT = [("partnership", "0007_minutes_redaction"), ("meetings", None)]


def _migrate(targets):
    # As `migrate` does: the owner changes the schema (a no-op with one role).
    with as_owner():
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state([t for t in targets if t[1]]).apps


def test_a_database_with_meetings_in_the_old_layout_migrates_and_serves_them(today):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(OLD_LAYOUT)

    # The old layout: the meeting models belong to partnership.
    Organisation = old.get_model("partnership", "Organisation")
    OldUser = old.get_model("partnership", "User")
    municipality = Organisation.objects.create(
        kind="municipality", name="Flytkommune", slug="flytkommune", code="999"
    )
    person = OldUser.objects.create(email="sagsbehandler@flyt.example", name="Sagsbehandler")
    old.get_model("partnership", "Membership").objects.create(
        user=person, organisation=municipality, role="caseworker"
    )
    forum = old.get_model("partnership", "Forum").objects.create(name="Styregruppen")
    starts = timezone.now().replace(microsecond=0) + timedelta(days=14)
    meeting = old.get_model("partnership", "Meeting").objects.create(
        forum=forum,
        title="Styregruppemøde før flytningen",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Sorø",
        status="invited",
        created_by=person,
    )
    old.get_model("partnership", "AgendaItem").objects.create(
        meeting=meeting,
        number="1",
        position=1,
        kind="orientering",
        title="Velkomst",
        duration_minutes=10,
    )
    old.get_model("partnership", "MeetingInvitation").objects.create(
        meeting=meeting, organisation=municipality, invited_by=person
    )
    OldMail = old.get_model("partnership", "OutgoingMail")
    OldMail.objects.create(
        kind="meeting_invitation",
        recipient=person.email,
        subject="Invitation",
        related_type="partnership.meeting",
        related_id=meeting.pk,
        status="sent",
    )

    _migrate(latest)

    moved = Meeting.objects.get(pk=meeting.pk)
    assert moved.title == "Styregruppemøde før flytningen"
    assert moved.forum.name == "Styregruppen"
    assert list(AgendaItem.objects.filter(meeting=moved).values_list("title", flat=True)) == [
        "Velkomst"
    ]
    assert MeetingInvitation.objects.filter(meeting=moved).count() == 1
    assert OutgoingMail.objects.get(related_id=meeting.pk).related_type == "meetings.meeting"
    assert Meeting._meta.db_table == "partnership_meeting"

    user = User.objects.get(pk=person.pk)
    assert Membership.objects.get(user=user).role == Role.CASEWORKER
    client = Client()
    client.force_login(user)
    page = client.get(moved.get_absolute_url())
    assert page.status_code == 200
    assert "Styregruppemøde før flytningen" in page.content.decode()
    assert "Velkomst" in page.content.decode()
