"""What a running contract needs reminding of on a given day: the next follow-up, the last
day to give notice before the end date, and the day the contract ends. The dates come from
contracts.dates; sending (once per reminder) is contracts.tasks.send_reminders."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from .dates import ends_on, next_followup, notice_deadline
from .models import RUNNING_STATES, Contract, ReminderKind

# How far ahead each reminder is given.
FOLLOWUP_DAYS = 14
NOTICE_DAYS = 30
ENDING_DAYS = 60


def reminders_for(contract: Contract, today: date) -> list[tuple[str, date]]:
    """(kind, due date) of each reminder due for the contract on the day, whatever its state.
    An opsagt contract runs until it ends: follow-ups until then and its end, no notice."""
    due = []
    followup = next_followup(contract, today)
    if followup is not None and followup <= today + timedelta(days=FOLLOWUP_DAYS):
        due.append((ReminderKind.FOLLOWUP, followup))
    deadline = notice_deadline(contract)
    if deadline is not None and today <= deadline <= today + timedelta(days=NOTICE_DAYS):
        due.append((ReminderKind.NOTICE, deadline))
    end = ends_on(contract)
    if end is not None and today <= end <= today + timedelta(days=ENDING_DAYS):
        due.append((ReminderKind.ENDING, end))
    return due


def due_reminders(today: date) -> list[tuple[Contract, str, date]]:
    """Every reminder due on the day for running contracts (signed, active, being
    renegotiated or opsagt: RUNNING_STATES), as (contract, kind, due date). Contracts come
    with their offer, parties and contact people loaded."""
    contracts = (
        Contract.objects.filter(state__in=RUNNING_STATES)
        .filter(
            Q(followup_first__isnull=False) | Q(end_date__gte=today) | Q(terminated_on__gte=today)
        )
        .select_related("offer", "buyer", "provider", "buyer_contact", "provider_contact")
        .order_by("pk")
    )
    return [
        (contract, kind, due_date)
        for contract in contracts
        for kind, due_date in reminders_for(contract, today)
    ]
