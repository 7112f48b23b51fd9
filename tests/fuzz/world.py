"""The objects forms are posted against, made on first use within a test's transaction."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings

# Small enough that the whole fuzz suite runs in a few minutes on PostgreSQL. A developer's
# run tries new inputs every time; CI (.ci/run sets FUZZ_DERANDOMIZE=1) tries the same
# pseudo-random inputs every time, so a red build can be reproduced. No example database
# (nothing is written). FUZZ_EXAMPLES=200 for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")),
    derandomize=os.environ.get("FUZZ_DERANDOMIZE") == "1",
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


class _Rollback(Exception):
    pass


def isolated(fn):
    """Run fn in a savepoint that is always rolled back, so every example starts from the
    same database; returns what fn returned."""
    from django.db import transaction

    result = None
    try:
        with transaction.atomic():
            result = fn()
            raise _Rollback
    except _Rollback:
        pass
    return result


CPH = ZoneInfo("Europe/Copenhagen")
# This year on the test clock (tests/conftest.py starts it before this module is imported):
# the offer has tariffs for last year and this year; next year has a PL rate but no tariff.
YEAR = date.today().year
SECRETARIAT = "sekretariat@portal.example"
ADMIN_HOLBAEK = "admin.holbaek@portal.example"
CASEWORKER = "sagsbehandler.slagelse@portal.example"
CASEWORKER_NAESTVED = "sagsbehandler.naestved@portal.example"
EDITOR_A = "leverandoer.a@portal.example"


def user(email: str):
    from partnership.models import User

    return User.objects.get(email=email)


def org(slug: str):
    from partnership.models import Organisation

    return Organisation.objects.get(slug=slug)


class World:
    """Objects made on first use, within the test's transaction."""

    # --- Offers ---------------------------------------------------------------------------

    @cached_property
    def rates(self):
        from tests.factories import pl_rates

        pl_rates()
        pl_rates(**{f"y{YEAR + 1}": "2.5"})

    @cached_property
    def offer(self):
        from tests.factories import make_offer, publish

        self.rates  # noqa: B018 - made for its side effect
        offer = make_offer(name="Fuzz Bosted")
        publish(offer, YEAR - 1, "2400")
        publish(offer, YEAR, "2500", addons=[("Ledsagelse", "350", "hour")])
        return offer

    @cached_property
    def correction_draft(self):
        """Version 2 of the offer's tariff for this year: a draft that needs a reason."""
        from offers import services

        published = self.offer.tariffs.get(year=YEAR, version=1)
        return services.start_correction(tariff=published, by=user(EDITOR_A))

    @cached_property
    def report_job(self):
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from partnership.models import Job, JobStatus

        job = Job(
            kind="takstoversigt",
            title=f"Takstoversigt {YEAR} (PDF)",
            params={"year": YEAR, "format": "pdf"},
            ordered_by=user(SECRETARIAT),
            status=JobStatus.DONE,
            finished_at=timezone.now(),
        )
        job.result_file.save("takstoversigt.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        job.save()
        return job

    # --- Members --------------------------------------------------------------------------

    @cached_property
    def holbaek_membership(self):
        from partnership.models import Membership
        from tests.factories import UserFactory

        person = UserFactory(email="medarbejder.holbaek@fuzz.example", name="Mia Holm")
        return Membership.objects.create(
            user=person, organisation=org("holbaek"), role="caseworker"
        )

    @cached_property
    def invitation_token(self):
        from partnership import services

        _invitation, token = services.invite_member(
            organisation=org("holbaek"),
            email="ny.kollega@fuzz.example",
            name="Ny Kollega",
            role="caseworker",
            by=user(ADMIN_HOLBAEK),
        )
        return token

    # --- Contracts ------------------------------------------------------------------------

    @cached_property
    def contract(self):
        from tests.factories import make_contract

        return make_contract(offer=self.offer)

    @cached_property
    def signed_contract(self):
        """Sent and accepted by both sides: it can be terminated."""
        from contracts import services
        from tests.factories import make_contract

        contract = make_contract(offer=self.offer, case_reference=f"NAE-{YEAR}-0043")
        buyer = user(CASEWORKER_NAESTVED)
        services.send_to_provider(contract=contract, by=buyer)
        services.accept(contract=contract, by=buyer)
        return services.accept(contract=contract, by=user(EDITOR_A))

    @cached_property
    def clause(self):
        return self.contract.clauses.filter(changeable=True).order_by("pk").first()

    # --- Meetings -------------------------------------------------------------------------

    def _meeting(self, title: str, *, days: int):
        from meetings import services
        from meetings.models import Forum

        secretariat = user(SECRETARIAT)
        forum, _ = Forum.objects.get_or_create(name="Fællesmøde")
        start = datetime.combine(date.today() + timedelta(days=days), datetime.min.time())
        start = start.replace(hour=9, tzinfo=CPH)
        meeting = services.create_meeting(
            fields={
                "forum": forum,
                "title": title,
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "place": "Sorø, mødelokale 1",
            },
            by=secretariat,
        )
        for number, minutes in (("1", 20), ("2", 30)):
            services.save_agenda_item(
                meeting=meeting,
                fields={
                    "number": number,
                    "kind": "orientering",
                    "title": f"Punkt {number}",
                    "description": "",
                    "presenters_text": "",
                    "duration_minutes": minutes,
                },
                by=secretariat,
            )
        services.invite(
            meeting=meeting,
            organisations=[org("slagelse"), org("bostedet-egelund")],
            people=[],
            by=secretariat,
        )
        services.send_invitations(meeting=meeting, by=secretariat)
        meeting.refresh_from_db()
        return meeting

    @cached_property
    def meeting(self):
        """Invited, not yet held."""
        return self._meeting("Fællesmøde om kvalitet", days=10)

    @cached_property
    def item(self):
        return self.meeting.items.order_by("position", "pk").first()

    @cached_property
    def minutes_for_comment(self):
        from meetings import services

        secretariat = user(SECRETARIAT)
        meeting = self._meeting("Møde med referat til kommentering", days=-3)
        services.record_attendance(meeting=meeting, present=[user(CASEWORKER)], by=secretariat)
        minutes = services.start_minutes(meeting=meeting, by=secretariat)
        return services.send_minutes_for_comment(minutes=minutes, by=secretariat)

    @cached_property
    def approved_minutes(self):
        from meetings import services

        minutes = self.minutes_for_comment
        return services.approve_minutes(minutes=minutes, by=user(SECRETARIAT))

    @cached_property
    def open_minutes(self):
        """Minutes still being written (version 1, draft), for the minutes form."""
        from meetings import services

        secretariat = user(SECRETARIAT)
        meeting = self._meeting("Møde med referat under skrivning", days=-2)
        services.record_attendance(meeting=meeting, present=[user(CASEWORKER)], by=secretariat)
        return services.start_minutes(meeting=meeting, by=secretariat)

    # --- Quality --------------------------------------------------------------------------

    @cached_property
    def frameworks(self):
        from importlib import import_module

        from django.apps import apps

        from quality.models import Framework

        import_module("quality.migrations.0002_frameworks").forward(apps, None)
        return {f.key: f for f in Framework.objects.all()}

    @cached_property
    def framework(self):
        return self.frameworks["kvalitetsmodel"]

    @cached_property
    def dialogue(self):
        from quality import services

        provider = self.offer.provider
        return services.create_dialogue(
            municipality=org("slagelse"),
            provider=provider,
            framework=self.framework,
            fields={"held_on": date.today() - timedelta(days=30)},
            offers=[self.offer],
            municipality_participants=[user(CASEWORKER)],
            provider_participants=[user(EDITOR_A)],
            by=user(CASEWORKER),
        )
