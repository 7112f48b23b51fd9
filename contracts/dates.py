"""A contract's dates from its terms, as clause 8 of KL's standard contract words them:
"tre måneders varsel til udgangen af en måned" – notice runs from the day it is given for
the agreed number of months, and the contract ends on the last day of the month in which
that period ends ("løbende måned + N måneder": notice given 6 March with three months
ends the contract on 30 June). Pure date arithmetic, used by the service that gives
notice, the contract page ("Næste datoer"), the reminders and the demo.

The contract is read through the attributes named below only, so this module imports no
models (contracts.models may use it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from dateutil.relativedelta import relativedelta


class _Dated(Protocol):
    start_date: date
    end_date: date | None
    notice_months: int
    notice_given_on: date | None
    terminated_on: date | None
    followup_first: date | None
    followup_interval_months: int | None


def month_end(day: date) -> date:
    """The last day of the day's month."""
    return day + relativedelta(day=31)


def notice_end(given_on: date, notice_months: int) -> date:
    """The day a contract ends when notice is given on `given_on`: the notice period
    (`notice_months` months from that day) runs to the end of the month in which it ends.

    31 January + 1 month ends 28 (29) February; 6 March + 3 months ends 30 June.
    Raises ValueError/OverflowError past year 9999."""
    return month_end(given_on + relativedelta(months=notice_months))


def last_notice_day(end_date: date, notice_months: int) -> date:
    """The last day notice can be given for the contract to end by `end_date` at the latest:
    the last day of a month (notice given in a month runs to the same end)."""
    day = month_end(end_date - relativedelta(months=notice_months))
    if notice_end(day, notice_months) > end_date:
        day = month_end(day.replace(day=1) - timedelta(days=1))
    return day


def ends_on(contract: _Dated) -> date | None:
    """The day the contract ends: the end of its notice if notice was given, else its end
    date; None for a contract without an end."""
    return contract.terminated_on or contract.end_date


def end_after_notice(contract: _Dated, given_on: date) -> date:
    """The day the contract ends if notice is given on `given_on`: the notice period's end,
    or the contract's own end date if that comes first."""
    end = notice_end(given_on, contract.notice_months)
    if contract.end_date is not None and contract.end_date < end:
        return contract.end_date
    return end


def next_followup(contract: _Dated, today: date) -> date | None:
    """The first planned follow-up on or after today, or None if there is none left.

    Follow-ups fall on followup_first + k × followup_interval_months months, each counted
    from followup_first (so 31 January monthly gives 28 February, then 31 March). Without
    an interval only followup_first counts. None after the day the contract ends."""
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
    end = ends_on(contract)
    if end is not None and candidate > end:
        return None
    return candidate


def notice_deadline(contract: _Dated) -> date | None:
    """The last day to give notice for the contract to end by its end date; None when it
    has no end date or notice was given."""
    if contract.end_date is None or contract.notice_given_on is not None:
        return None
    return last_notice_day(contract.end_date, contract.notice_months)


@dataclass(frozen=True)
class NextDates:
    """What the contract page shows under "Næste datoer"."""

    followup: date | None
    # The last day to give notice for a contract with an end date (None once it passed).
    notice_deadline: date | None
    # The day the contract ends if notice is given today (None once notice is given).
    end_if_notice_today: date | None
    ends_on: date | None


def next_dates(contract: _Dated, today: date) -> NextDates:
    deadline = notice_deadline(contract)
    if deadline is not None and deadline < today:
        deadline = None
    end = ends_on(contract)
    if_today = None
    if contract.notice_given_on is None and (end is None or end >= today):
        if_today = end_after_notice(contract, today)
        if if_today == end:  # the contract ends on its end date anyway
            if_today = None
    return NextDates(
        followup=next_followup(contract, today),
        notice_deadline=deadline,
        end_if_notice_today=if_today,
        ends_on=end,
    )
