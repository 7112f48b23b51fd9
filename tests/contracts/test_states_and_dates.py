"""Issue 14, finding 1: notice makes a contract "Opsagt" with the day it ends, counted as
clause 8 says ("tre måneders varsel til udgangen af en måned"), until the daily task makes
it "Ophørt" after that day; an opsagt contract is running for the list, the status filter
and the reminders. The contract page shows the next dates. The clock is moved forward
with time-machine; every date is relative to the test day, except the calendar facts of
the notice rule."""

from __future__ import annotations

import datetime as dt
from calendar import isleap
from datetime import date, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from contracts import dates, services
from contracts.models import Contract, ContractState, Reminder, ReminderKind
from contracts.tasks import end_contracts, send_reminders
from tests.conftest import COPENHAGEN, danish_date
from tests.contracts.test_reminders import BUYER_CONTACT, due_for, make_contract
from tests.factories import demo_user, make_offer, pl_rates, publish

FOLLOWUP, NOTICE, ENDING = ReminderKind.FOLLOWUP, ReminderKind.NOTICE, ReminderKind.ENDING


def days(n: int) -> timedelta:
    return timedelta(days=n)


def last_of_month(day: date) -> date:
    """Written out here, not taken from the code under test."""
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - days(1)


def at(day: date, hour: int = 10):
    """The clock at the hour of the day in Copenhagen, standing still."""
    return time_machine.travel(
        dt.datetime.combine(day, dt.time(hour), tzinfo=COPENHAGEN), tick=False
    )


def next_leap_year(after: int) -> int:
    year = after + 1
    while not isleap(year):
        year += 1
    return year


@pytest.fixture
def offer(demo, today):
    pl_rates()
    offer = make_offer(provider_slug="bostedet-egelund", name="Bostedet Egelund, Havehuset")
    publish(offer, today.year, "2345.50")
    return offer


def give_notice(contract: Contract, on: date) -> Contract:
    return services.terminate(
        contract=contract,
        notice_given_on=on,
        reason="Borgeren flytter.",
        by=demo_user(BUYER_CONTACT),
    )


# --- The rule: N months' notice to the end of a month ------------------------------------------


@pytest.mark.parametrize(
    "given,months,ends",
    [
        # The finding: given 6 March with three months ended "6 June"; it ends 30 June.
        ("2027-03-06", 3, "2027-06-30"),  # ok-fixed-date
        ("2027-03-01", 3, "2027-06-30"),  # ok-fixed-date
        ("2027-03-31", 3, "2027-06-30"),  # ok-fixed-date
        ("2027-01-31", 1, "2027-02-28"),  # ok-fixed-date
        ("2028-01-31", 1, "2028-02-29"),  # ok-fixed-date (leap year)
        ("2027-11-30", 3, "2028-02-29"),  # ok-fixed-date (leap year)
        ("2028-02-29", 12, "2029-02-28"),  # ok-fixed-date
        ("2028-02-29", 1, "2028-03-31"),  # ok-fixed-date
        ("2027-12-15", 1, "2028-01-31"),  # ok-fixed-date (across the year)
        ("2027-08-31", 6, "2028-02-29"),  # ok-fixed-date
        ("2027-05-10", 0, "2027-05-31"),  # ok-fixed-date (løbende måned)
    ],
)
def test_notice_runs_to_the_end_of_the_month_in_which_the_period_ends(given, months, ends):
    assert dates.notice_end(date.fromisoformat(given), months) == date.fromisoformat(ends)


@pytest.mark.parametrize("months", [1, 3, 6, 12])
def test_the_last_day_to_give_notice_is_the_last_day_that_still_ends_by_the_end_date(months):
    """Every end date over two years with a leap day (a calendar fact, not the test day):
    notice given on the last day to give it ends the contract by its end date, and notice
    given the day after does not."""
    first = date(2027, 1, 1)  # ok-fixed-date
    for n in range(2 * 366):
        end = first + days(n)
        last = dates.last_notice_day(end, months)
        assert dates.notice_end(last, months) <= end, (end, last)
        assert dates.notice_end(last + days(1), months) > end, (end, last)
        assert last == last_of_month(last)


# --- Transitions --------------------------------------------------------------------------------


def test_notice_makes_the_contract_opsagt_until_its_end_then_ophoert(offer, today, client):
    contract = make_contract(offer, notice_months=3, followup_first=today + days(20))
    ends = last_of_month(today + relativedelta(months=3))

    contract = give_notice(contract, today)
    assert contract.state == ContractState.NOTICE_GIVEN
    assert contract.terminated_on == ends and contract.notice_given_on == today

    client.force_login(demo_user(BUYER_CONTACT))
    page = client.get(contract.get_absolute_url()).content.decode()
    assert f"Opsagt – ophører {danish_date(ends)}" in page

    # Running until the end: the task leaves it, on the last day too.
    for day in (today + days(1), ends):
        with at(day, hour=23):
            assert end_contracts() == 0
    contract.refresh_from_db()
    assert contract.state == ContractState.NOTICE_GIVEN

    with at(ends + days(1), hour=5):
        assert end_contracts() == 1
        assert end_contracts() == 0  # safe to run twice
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    states = list(contract.events.filter(kind="state").values_list("after__state", "message"))
    assert states[-2:] == [
        ("notice_given", "Borgeren flytter."),
        ("terminated", f"Ophørt efter opsigelse den {danish_date(ends)}."),
    ]
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "<strong>Ophørt</strong>" in page


def test_the_contracts_own_end_date_comes_first_when_it_is_earlier(offer, today):
    end = today + days(20)
    contract = give_notice(make_contract(offer, end_date=end, notice_months=3), today)
    assert contract.state == ContractState.NOTICE_GIVEN
    assert contract.terminated_on == end


def test_notice_whose_period_has_already_run_out_ends_the_contract_at_once(offer, today):
    given = today - relativedelta(months=5)
    contract = give_notice(make_contract(offer, notice_months=3), given)
    assert contract.state == ContractState.TERMINATED
    assert contract.terminated_on == last_of_month(given + relativedelta(months=3))
    assert [s for (s,) in contract.events.values_list("after__state")][-2:] == [
        "notice_given",
        "terminated",
    ]


def test_an_opsagt_contract_cannot_be_given_notice_again(offer, today):
    contract = give_notice(make_contract(offer), today)
    with pytest.raises(PermissionDenied):
        give_notice(contract, today)


def test_a_running_contract_ends_the_day_after_its_end_date(offer, today):
    end = today + days(3)
    contract = make_contract(offer, end_date=end)
    with at(end):
        assert end_contracts() == 0
    with at(end + days(1), hour=5):
        assert end_contracts() == 1
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    assert contract.events.get(after__state="terminated").message == (
        f"Ophørt på slutdatoen den {danish_date(end)}."
    )


@pytest.mark.parametrize("month,day,months", [(11, 30, 3), (1, 31, 1)])
def test_across_a_leap_day(offer, today, month, day, months):
    """Notice given on 30 November with three months, or 31 January with one, in the next
    leap year: it ends on 29 February, is opsagt that day and ophørt on 1 March."""
    leap = next_leap_year(today.year)
    given = date(leap - 1 if month > 2 else leap, month, day)
    leap_day = date(leap, 2, 29)
    contract = make_contract(offer, notice_months=months)
    with at(given):
        contract = give_notice(contract, given)
    assert contract.terminated_on == leap_day
    with at(leap_day, hour=23):
        assert end_contracts() == 0
        assert due_for(contract, leap_day) == {(ENDING, leap_day)}
    with at(leap_day + days(1), hour=5):
        assert end_contracts() == 1
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_follow_the_contract_through_notice_and_end(offer, today, mailoutbox):
    """Before notice: the last day to give notice before the end date is reminded. After
    notice: no notice reminder, follow-ups until the contract ends and its new end; after
    the end: nothing."""
    end_date = last_of_month(today + relativedelta(months=8))
    deadline = last_of_month(today + relativedelta(months=5))  # three months before the end
    contract = make_contract(
        offer,
        end_date=end_date,
        notice_months=3,
        followup_first=today + days(10),
        followup_interval_months=1,
    )
    assert dates.notice_deadline(contract) == deadline
    assert (NOTICE, deadline) in due_for(contract, deadline - days(30))

    contract = give_notice(contract, today)
    ends = last_of_month(today + relativedelta(months=3))
    assert ends < end_date
    assert due_for(contract, deadline - days(30)) == {
        (FOLLOWUP, f) for f in [dates.next_followup(contract, deadline - days(30))] if f
    }
    assert (ENDING, ends) in due_for(contract, ends - days(60))

    with at(ends - days(5)):
        assert send_reminders() >= 1
    assert Reminder.objects.filter(contract=contract, kind=ENDING, due_date=ends).exists()
    assert not Reminder.objects.filter(contract=contract, kind=NOTICE).exists()
    ending = [m for m in mailoutbox if "udløber" in m.body]
    assert ending and danish_date(ends) in ending[0].body

    # A follow-up planned after the end is not reminded.
    assert all(due <= ends for kind, due in due_for(contract, ends - days(3)) if kind == FOLLOWUP)
    with at(ends + days(1), hour=5):
        end_contracts()
        assert due_for(contract, ends + days(1)) == set()


# --- The list and the status filter ---------------------------------------------------------


def test_the_list_shows_an_opsagt_contract_as_running_until_it_ends(offer, today, client):
    running = make_contract(offer, case_reference=f"NAE-{today.year}-0001")
    opsagt = give_notice(make_contract(offer, case_reference=f"NAE-{today.year}-0002"), today)
    ended = make_contract(
        offer,
        case_reference=f"NAE-{today.year}-0003",
        state=ContractState.TERMINATED,
        notice_given_on=today - relativedelta(months=6),
        terminated_on=today - relativedelta(months=2),
    )
    client.force_login(demo_user(BUYER_CONTACT))
    url = reverse("contracts:contract_list")

    def listed(**query) -> set[int]:
        return {c.pk for c in client.get(url, query).context["page"]}

    mine = {running.pk, opsagt.pk, ended.pk}
    assert listed(state="running") & mine == {running.pk, opsagt.pk}
    assert listed(state="notice_given") & mine == {opsagt.pk}
    assert listed(state="terminated") & mine == {ended.pk}
    page = client.get(url, {"state": "running"}).content.decode()
    assert "Løbende (også opsagte)" in page
    assert f"Opsagt – ophører {danish_date(opsagt.terminated_on)}" in page


# --- The contract page: Næste datoer ---------------------------------------------------------


def dates_section(page: str) -> str:
    start = page.index('id="dates-heading"')
    return page[start : page.index("</section>", start)]


def test_the_page_shows_the_next_follow_up_and_the_end_if_notice_is_given_today(
    offer, today, client
):
    contract = make_contract(
        offer, notice_months=3, followup_first=today + days(12), followup_interval_months=6
    )
    client.force_login(demo_user(BUYER_CONTACT))
    section = dates_section(client.get(contract.get_absolute_url()).content.decode())
    assert "Næste opfølgning" in section and danish_date(today + days(12)) in section
    assert "Ophører, hvis der opsiges i dag" in section
    assert danish_date(last_of_month(today + relativedelta(months=3))) in section
    assert "Uden slutdato" in section


def test_the_page_shows_the_last_day_to_give_notice_before_a_fixed_end(offer, today, client):
    end = last_of_month(today + relativedelta(months=10))
    contract = make_contract(offer, notice_months=3, end_date=end)
    client.force_login(demo_user(BUYER_CONTACT))
    section = dates_section(client.get(contract.get_absolute_url()).content.decode())
    assert "Sidste dag for opsigelse" in section
    assert danish_date(last_of_month(today + relativedelta(months=7))) in section
    assert "Slutdato" in section and danish_date(end) in section
    assert "Ingen planlagt" in section  # no follow-up plan


def test_the_page_of_an_opsagt_contract_shows_when_it_ends(offer, today, client):
    contract = give_notice(make_contract(offer, notice_months=1), today)
    client.force_login(demo_user(BUYER_CONTACT))
    section = dates_section(client.get(contract.get_absolute_url()).content.decode())
    assert "Ophører" in section
    assert danish_date(last_of_month(today + relativedelta(months=1))) in section
    assert "Sidste dag for opsigelse" not in section
    assert "hvis der opsiges i dag" not in section


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_holds_an_opsagt_an_ended_and_a_soon_followed_up_contract(demo, today):
    from partnership.models import Organisation
    from partnership.signals import demo_seeded

    demo_seeded.send(sender=None, organisations={o.slug: o for o in Organisation.objects.all()})
    opsagt = Contract.objects.get(state=ContractState.NOTICE_GIVEN)
    assert opsagt.terminated_on >= today
    assert opsagt.terminated_on == dates.notice_end(opsagt.notice_given_on, opsagt.notice_months)
    assert opsagt.terminated_on == last_of_month(opsagt.terminated_on)
    ended = Contract.objects.get(state=ContractState.TERMINATED)
    assert ended.terminated_on < today
    soon = [
        c
        for c in Contract.objects.filter(state__in=[ContractState.ACTIVE])
        if (f := dates.next_followup(c, today)) is not None and f <= today + days(14)
    ]
    assert soon
    send_reminders()
    assert Reminder.objects.filter(contract__in=soon, kind=FOLLOWUP).exists()
    assert timezone.localdate() == today


def test_the_demo_holds_a_contract_in_every_state(demo):
    """Issue 14: the demo data has a contract in every state, so each page, list filter and
    label can be seen on it."""
    from partnership.models import Organisation
    from partnership.signals import demo_seeded

    demo_seeded.send(sender=None, organisations={o.slug: o for o in Organisation.objects.all()})
    held = set(Contract.objects.values_list("state", flat=True))
    assert held == set(ContractState.values), set(ContractState.values) - held
    replaced = Contract.objects.get(state=ContractState.SUPERSEDED)
    assert replaced.superseded_by.state == ContractState.ACTIVE
    assert replaced.state_label.startswith("Erstattet af tillæg af ")
