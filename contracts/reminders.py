"""What a running contract needs reminding of on a given day: the next follow-up, the last
day to give notice before the end date, and the end date itself. Pure date arithmetic on
the contract's fields; sending (once per reminder) is contracts.tasks.send_reminders."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from .models import Contract, ContractState, ReminderKind

# How far ahead each reminder is given.
FOLLOWUP_DAYS = 14
NOTICE_DAYS = 30
ENDING_DAYS = 60

# Contracts that run (or are about to): reminders are about them only.
RUNNING_STATES = (ContractState.SIGNED, ContractState.ACTIVE, ContractState.RENEGOTIATION)


def next_followup(contract: Contract, today: date) -> date | None:
    """The first planned follow-up on or after today, or None if there is none left.

    Follow-ups fall on followup_first + k × followup_interval_months months, each counted
    from followup_first (so 31 January monthly gives 28 February, then 31 March). Without
    an interval only followup_first counts. None after the contract's end date."""
    first = contract.followup_first
    if first is None:
        return None
    interval = contract.followup_interval_months
    if first >= today:
        candidate = first
    elif not interval:
        return None
    else:
        months = (today.year - first.year) * 12 + (today.month - first.month)
        k = max(months // interval - 1, 0)
        candidate = first + relativedelta(months=k * interval)
        while candidate < today:
            k += 1
            candidate = first + relativedelta(months=k * interval)
    if contract.end_date and candidate > contract.end_date:
        return None
    return candidate


def last_notice_day(contract: Contract) -> date | None:
    """The last day notice can be given for the contract to end on its end date."""
    if contract.end_date is None:
        return None
    return contract.end_date - relativedelta(months=contract.notice_months)


def reminders_for(contract: Contract, today: date) -> list[tuple[str, date]]:
    """(kind, due date) of each reminder due for the contract on the day, whatever its state."""
    due = []
    followup = next_followup(contract, today)
    if followup is not None and followup <= today + timedelta(days=FOLLOWUP_DAYS):
        due.append((ReminderKind.FOLLOWUP, followup))
    deadline = last_notice_day(contract)
    if deadline is not None and today <= deadline <= today + timedelta(days=NOTICE_DAYS):
        due.append((ReminderKind.NOTICE, deadline))
    end = contract.end_date
    if end is not None and today <= end <= today + timedelta(days=ENDING_DAYS):
        due.append((ReminderKind.ENDING, end))
    return due


def due_reminders(today: date) -> list[tuple[Contract, str, date]]:
    """Every reminder due on the day for contracts that are signed, active or being
    renegotiated, as (contract, kind, due date). Contracts come with their offer, parties
    and contact people loaded."""
    contracts = (
        Contract.objects.filter(state__in=RUNNING_STATES)
        .filter(Q(followup_first__isnull=False) | Q(end_date__gte=today))
        .select_related("offer", "buyer", "provider", "buyer_contact", "provider_contact")
        .order_by("pk")
    )
    return [
        (contract, kind, due_date)
        for contract in contracts
        for kind, due_date in reminders_for(contract, today)
    ]
