"""Daily background work on contracts: signed contracts becoming active on their start
date, running contracts ending after their last day (an opsagt contract "Ophørt"), and
reminders to the contact people. All are safe to run twice. They are in the beat schedule
(CELERY_BEAT_SCHEDULE in config/settings.py); `make run` runs that schedule with the
management command run_daily."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind, Notice

from . import services
from .models import RUNNING_STATES, Contract, ContractState, Reminder, ReminderKind
from .reminders import due_reminders

log = logging.getLogger(__name__)

NOTICE_MAX_LENGTH = Notice._meta.get_field("message").max_length


def _day(today: str | None) -> date:
    return date.fromisoformat(today) if today else timezone.localdate()


def reminder_message(contract: Contract, kind: str, due_date: date) -> str:
    """One sentence in Danish naming the contract (offer, buyer, case) and the date."""
    values = {
        "offer": contract.offer.name,
        "buyer": contract.buyer.name,
        "case": contract.case_reference,
        "date": formats.date_format(due_date, "j. F Y"),
    }
    if kind == ReminderKind.FOLLOWUP:
        text = _(
            "Opfølgning på kontrakten om %(offer)s med %(buyer)s (sag %(case)s) "
            "skal holdes senest %(date)s."
        )
    elif kind == ReminderKind.NOTICE:
        text = _(
            "Sidste frist for at opsige kontrakten om %(offer)s med %(buyer)s (sag %(case)s) "
            "er %(date)s."
        )
    else:
        text = _("Kontrakten om %(offer)s med %(buyer)s (sag %(case)s) udløber %(date)s.")
    return text % values


def reminder_subject(contract: Contract, kind: str) -> str:
    return _("Påmindelse: %(kind)s – %(offer)s") % {
        "kind": ReminderKind(kind).label.lower(),
        "offer": contract.offer.name,
    }


def _recipients(contract: Contract) -> list:
    people = []
    for person in (contract.buyer_contact, contract.provider_contact):
        if person is not None and person.is_active and person not in people:
            people.append(person)
    return people


def mail_reference(kind: str, due_date: date) -> str:
    """Tells a contract's reminder mails apart: one per kind and due date."""
    return f"{kind}:{due_date.isoformat()}"


def _send(contract: Contract, kind: str, due_date: date) -> bool:
    """If the reminder is not recorded yet: e-mail each contact person (each once: the mail
    log knows who has it), and when everyone has it, record the reminder with a notice on
    "Mit overblik" for each. A mail that cannot be sent is recorded as not sent, with the
    reason, on the contract's page; the reminder is then not recorded, so the next run
    tries again (only those who do not have it)."""
    if Reminder.objects.filter(contract=contract, kind=kind, due_date=due_date).exists():
        return False
    message = reminder_message(contract, kind, due_date)
    url = contract.get_absolute_url()
    body = message + "\n\n" + _("Se kontrakten her:") + f"\n{absolute_url(url)}\n"
    people = _recipients(contract)
    attempts = [
        mail.send(
            kind=MailKind.CONTRACT_REMINDER,
            to=person,
            subject=reminder_subject(contract, kind),
            body=body,
            related=contract,
            reference=mail_reference(kind, due_date),
        )
        for person in people
    ]
    if any(record is not None and not record.sent for record in attempts):
        return False
    with transaction.atomic():
        _reminder, created = Reminder.objects.get_or_create(
            contract=contract, kind=kind, due_date=due_date
        )
        if created:
            for person in people:
                Notice.objects.create(
                    user=person, message=Truncator(message).chars(NOTICE_MAX_LENGTH), url=url
                )
    return created


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_reminders(today: str | None = None) -> int:
    """Send each reminder due on the day (default: today; an ISO date for tests) once.
    Returns how many reminders were sent now."""
    day = _day(today)
    sent = 0
    with override("da"):
        for contract, kind, due_date in due_reminders(day):
            try:
                sent += _send(contract, kind, due_date)
            except Exception:
                # Not recorded, so the next run tries again; the others still go out.
                log.exception("Reminder %s %s for contract %s failed", kind, due_date, contract.pk)
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def activate_contracts(today: str | None = None) -> int:
    """Signed contracts whose start date has come become active. Returns how many did.

    services.activate checks the start date against the real date again, so a `today`
    in the future does not activate a contract early."""
    day = _day(today)
    activated = 0
    due = Contract.objects.filter(state=ContractState.SIGNED, start_date__lte=day).order_by("pk")
    with override("da"):
        for contract in list(due):
            try:
                result = services.activate(contract=contract)
            except Exception:
                log.exception("Activating contract %s failed", contract.pk)
                continue
            activated += result.state == ContractState.ACTIVE
    return activated


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def end_contracts(today: str | None = None) -> int:
    """Running contracts whose last day has passed (the end of the notice for an opsagt
    contract, else the end date) become "Ophørt". Returns how many did.

    services.end checks the date against the real date again, so a `today` in the future
    does not end a contract early."""
    day = _day(today)
    due = (
        Contract.objects.filter(state__in=RUNNING_STATES)
        .filter(Q(state=ContractState.NOTICE_GIVEN, terminated_on__lt=day) | Q(end_date__lt=day))
        .order_by("pk")
    )
    ended = 0
    with override("da"):
        for contract in list(due):
            try:
                result = services.end(contract=contract)
            except Exception:
                log.exception("Ending contract %s failed", contract.pk)
                continue
            ended += result.state == ContractState.TERMINATED
    return ended
