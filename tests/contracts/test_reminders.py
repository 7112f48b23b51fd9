"""Reminders for running contracts: the next follow-up, the last day to give notice and the
end date; each sent once by e-mail and as a notice to both contact people. And signed
contracts becoming active on their start date."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from contracts.models import (
    Contract,
    ContractState,
    ContractTemplate,
    Reminder,
    ReminderKind,
)
from contracts.reminders import due_reminders
from contracts.tasks import activate_contracts, send_reminders
from partnership.models import Notice, Organisation
from tests.conftest import danish_date
from tests.factories import demo_user, make_offer, pl_rates, publish

BUYER_CONTACT = "sagsbehandler.naestved@portal.example"
PROVIDER_CONTACT = "leverandoer.a@portal.example"
FOLLOWUP, NOTICE, ENDING = ReminderKind.FOLLOWUP, ReminderKind.NOTICE, ReminderKind.ENDING


def days(n: int) -> timedelta:
    return timedelta(days=n)


def months(n: int, **kwargs) -> relativedelta:
    return relativedelta(months=n, **kwargs)


@pytest.fixture
def offer(demo, today):
    pl_rates()
    offer = make_offer(provider_slug="bostedet-egelund", name="Bostedet Egelund, Havehuset")
    publish(offer, today.year, "2345.50")
    return offer


def make_contract(offer, *, state=ContractState.ACTIVE, **fields) -> Contract:
    """A contract written straight to the database, signed by both sides, running for a year."""
    buyer_contact = demo_user(BUYER_CONTACT)
    provider_contact = demo_user(PROVIDER_CONTACT)
    today = timezone.localdate()
    values = {
        "buyer": Organisation.objects.get(slug="naestved"),
        "provider": offer.provider,
        "offer": offer,
        "template": ContractTemplate.objects.get(kind="adults_outside", version="2.0"),
        "case_reference": f"NAE-{today.year}-0042",
        "start_date": today - relativedelta(years=1),
        "tariff": offer.tariffs.get(),
        "buyer_contact": buyer_contact,
        "provider_contact": provider_contact,
        "created_by": buyer_contact,
        "state": state,
        "buyer_signed_by": buyer_contact,
        "buyer_signed_at": timezone.now(),
        "provider_signed_by": provider_contact,
        "provider_signed_at": timezone.now(),
    }
    values.update(fields)
    return Contract.objects.create(**values)


def due_for(contract, today) -> set[tuple[str, date]]:
    return {(kind, due) for c, kind, due in due_reminders(today) if c.pk == contract.pk}


def kinds_due(contract, today, kind) -> list[date]:
    return [due for k, due in due_for(contract, today) if k == kind]


# --- Follow-up ------------------------------------------------------------------------------


def test_followup_is_due_within_14_days_of_each_planned_date(offer, today):
    first = today + days(9)
    contract = make_contract(offer, followup_first=first, followup_interval_months=3)
    second, third, in_three_years = (first + months(n) for n in (3, 6, 36))
    assert kinds_due(contract, today, FOLLOWUP) == [first]
    assert kinds_due(contract, second - days(15), FOLLOWUP) == []
    assert kinds_due(contract, second - days(14), FOLLOWUP) == [second]
    assert kinds_due(contract, second, FOLLOWUP) == [second]
    assert kinds_due(contract, second + days(1), FOLLOWUP) == []  # the next is the third
    assert kinds_due(contract, third - days(14), FOLLOWUP) == [third]
    assert kinds_due(contract, in_three_years - days(14), FOLLOWUP) == [in_three_years]


def test_followup_dates_are_counted_from_the_first_one(offer):
    """Monthly from 31 January: 28 February, then 31 March (not 28 March). A calendar fact
    of a year without 29 February; the day the suite runs does not matter."""
    contract = make_contract(
        offer,
        followup_first=date(2026, 1, 31),  # ok-fixed-date
        followup_interval_months=1,
    )
    assert kinds_due(contract, date(2026, 2, 20), FOLLOWUP) == [date(2026, 2, 28)]  # ok-fixed-date
    assert kinds_due(contract, date(2026, 3, 20), FOLLOWUP) == [date(2026, 3, 31)]  # ok-fixed-date


def test_without_an_interval_only_the_first_followup_is_reminded(offer, today):
    first = today + days(14)
    contract = make_contract(offer, followup_first=first)
    assert kinds_due(contract, today, FOLLOWUP) == [first]
    assert kinds_due(contract, first + days(1), FOLLOWUP) == []
    assert kinds_due(contract, first + months(3) - days(10), FOLLOWUP) == []


def test_no_followup_plan_gives_no_followup_reminder(offer, today):
    contract = make_contract(offer)
    assert due_for(contract, today) == set()


def test_no_followup_reminder_after_the_contract_has_ended(offer, today):
    first = today + days(9)
    second, third = first + months(6), first + months(12)
    end = third - days(10)
    contract = make_contract(offer, followup_first=first, followup_interval_months=6, end_date=end)
    assert kinds_due(contract, second - days(10), FOLLOWUP) == [second]
    assert kinds_due(contract, end, FOLLOWUP) == []  # the third comes after the end


# --- Notice deadline and end date -----------------------------------------------------------


def test_notice_deadline_is_warned_30_days_ahead_and_not_after_it_passed(offer, today):
    end = (today + months(6)).replace(day=1)
    contract = make_contract(offer, end_date=end, notice_months=3)
    # Three months' notice runs to the end of a month: given by the last day of the month
    # four months before the end, the contract has ended by then.
    deadline = end - months(3) - days(1)
    assert kinds_due(contract, deadline - days(31), NOTICE) == []
    assert kinds_due(contract, deadline - days(30), NOTICE) == [deadline]
    assert kinds_due(contract, deadline, NOTICE) == [deadline]
    assert kinds_due(contract, deadline + days(1), NOTICE) == []


def test_ending_is_warned_60_days_ahead_until_the_end_date(offer, today):
    end = today + months(4)
    contract = make_contract(offer, end_date=end, notice_months=3)
    assert kinds_due(contract, end - days(61), ENDING) == []
    assert kinds_due(contract, end - days(60), ENDING) == [end]
    assert kinds_due(contract, end, ENDING) == [end]
    assert kinds_due(contract, end + days(1), ENDING) == []


def test_open_ended_contract_has_no_notice_or_ending_reminder(offer, today):
    contract = make_contract(offer, end_date=None, notice_months=3)
    for day in (today, today + months(3), today + months(12)):
        assert due_for(contract, day) == set()


@pytest.mark.parametrize(
    "state,expected",
    [
        (ContractState.SIGNED, True),
        (ContractState.ACTIVE, True),
        (ContractState.RENEGOTIATION, True),
        (ContractState.NOTICE_GIVEN, True),
        (ContractState.DRAFT, False),
        (ContractState.SENT, False),
        (ContractState.NEGOTIATION, False),
        (ContractState.TERMINATED, False),
    ],
)
def test_only_running_contracts_get_reminders(offer, today, state, expected):
    unsigned = {} if expected else {"buyer_signed_at": None, "provider_signed_at": None}
    # A month's notice to the end of a month: given by the last day of next month, the
    # contract ends on the last day of the month after. Looked at five days before that.
    deadline = today + months(1, day=31)
    end = deadline + months(1, day=31)
    day = deadline - days(5)
    notice = {}
    if state == ContractState.NOTICE_GIVEN:  # notice given: it ends on its end date
        notice = {"notice_given_on": day - days(1), "terminated_on": end}
    contract = make_contract(
        offer,
        state=state,
        followup_first=day + days(5),
        end_date=end,
        notice_months=1,
        **unsigned,
        **notice,
    )
    due = due_for(contract, day)
    if state == ContractState.NOTICE_GIVEN:  # runs until its end, no notice to give
        assert due == {(FOLLOWUP, day + days(5)), (ENDING, end)}
    elif expected:
        assert due == {(FOLLOWUP, day + days(5)), (NOTICE, deadline), (ENDING, end)}
    else:
        assert due == set()


# --- Sending --------------------------------------------------------------------------------


def test_each_reminder_is_sent_once_to_each_contact_person(offer, today, mailoutbox):
    followup, end = today + days(5), today + days(46)
    contract = make_contract(
        offer,
        followup_first=followup,
        followup_interval_months=6,
        end_date=end,
        notice_months=3,  # the last day to give notice has passed
    )
    # The follow-up and the end are due.
    assert send_reminders(today.isoformat()) == 2
    assert send_reminders(today.isoformat()) == 0
    assert send_reminders((today + days(1)).isoformat()) == 0  # the same reminders, a day later

    assert Reminder.objects.filter(contract=contract).count() == 2
    assert len(mailoutbox) == 4
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([BUYER_CONTACT, PROVIDER_CONTACT] * 2)
    for email in (BUYER_CONTACT, PROVIDER_CONTACT):
        notices = Notice.objects.filter(user__email=email)
        assert notices.count() == 2
        assert {n.url for n in notices} == {contract.get_absolute_url()}

    mail = next(m for m in mailoutbox if "Opfølgning på kontrakten" in m.body)
    assert "Bostedet Egelund, Havehuset" in mail.body
    assert "Næstved Kommune" in mail.body
    assert danish_date(followup) in mail.body
    assert contract.get_absolute_url() in mail.body
    ending = Notice.objects.filter(user__email=BUYER_CONTACT, message__contains="udløber").get()
    assert "Bostedet Egelund, Havehuset" in ending.message
    assert "Næstved Kommune" in ending.message
    assert danish_date(end) in ending.message


def test_the_next_followup_is_a_new_reminder(offer, today, mailoutbox):
    first = today + days(5)
    second = first + months(3)
    make_contract(offer, followup_first=first, followup_interval_months=3)
    send_reminders(today.isoformat())
    send_reminders((second - days(9)).isoformat())
    send_reminders((second - days(8)).isoformat())
    assert sorted(Reminder.objects.values_list("due_date", flat=True)) == [first, second]
    assert len(mailoutbox) == 4


def test_without_a_provider_contact_only_the_buyer_is_told(offer, today, mailoutbox):
    deadline = today + months(1, day=31)  # a month's notice to the end of a month
    end = deadline + months(1, day=31)
    make_contract(offer, end_date=end, notice_months=1, provider_contact=None)
    # Five days before the last day to give notice, both it and the end are due.
    send_reminders((deadline - days(5)).isoformat())
    assert [m.to for m in mailoutbox] == [[BUYER_CONTACT], [BUYER_CONTACT]]
    assert not Notice.objects.filter(user__email=PROVIDER_CONTACT).exists()


def test_terminated_and_draft_contracts_get_no_reminders(offer, today, mailoutbox):
    for state in (ContractState.TERMINATED, ContractState.DRAFT):
        make_contract(
            offer,
            state=state,
            followup_first=today + days(5),
            end_date=today + days(46),
            buyer_signed_at=None,
            provider_signed_at=None,
        )
    assert send_reminders(today.isoformat()) == 0
    assert mailoutbox == []
    assert not Reminder.objects.exists()
    assert not Notice.objects.exists()


def test_a_failed_mail_is_not_recorded_and_goes_out_next_time(offer, today, mailoutbox, settings):
    make_contract(offer, end_date=today + days(30), notice_months=3)

    settings.EMAIL_BACKEND = "tests.mail_backends.UnreachableBackend"  # SMTP is down
    assert send_reminders(today.isoformat()) == 0
    assert not Reminder.objects.exists() and not Notice.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_reminders(today.isoformat()) == 1
    assert len(mailoutbox) == 2


def test_the_contract_page_says_which_reminder_mails_were_not_sent(
    client, offer, today, mailoutbox, settings
):
    contract = make_contract(offer, end_date=today + days(30), notice_months=3)
    settings.EMAIL_BACKEND = "tests.mail_backends.UnreachableBackend"
    send_reminders(today.isoformat())
    client.force_login(demo_user(BUYER_CONTACT))
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Påmindelser på e-mail" in page
    assert page.count("<strong>Ikke sendt</strong>: Mailserveren kunne ikke nås.") == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_reminders(today.isoformat())
    page = client.get(contract.get_absolute_url()).content.decode()
    assert page.count("<td>Sendt</td>") == 2  # the new attempts; the failed ones stay listed
    assert page.count("<strong>Ikke sendt</strong>") == 2


# --- Activation -----------------------------------------------------------------------------


def test_signed_contracts_become_active_on_their_start_date(offer):
    today = timezone.localdate()
    started = make_contract(offer, state=ContractState.SIGNED, start_date=today)
    earlier = make_contract(
        offer, state=ContractState.SIGNED, start_date=today - timedelta(days=10)
    )
    future = make_contract(offer, state=ContractState.SIGNED, start_date=today + timedelta(days=1))

    assert activate_contracts() == 2
    assert activate_contracts() == 0
    for contract, state in [
        (started, ContractState.ACTIVE),
        (earlier, ContractState.ACTIVE),
        (future, ContractState.SIGNED),
    ]:
        contract.refresh_from_db()
        assert contract.state == state
    assert started.events.filter(kind="state").count() == 1


def test_a_future_today_does_not_activate_a_contract_early(offer):
    tomorrow = timezone.localdate() + timedelta(days=1)
    contract = make_contract(offer, state=ContractState.SIGNED, start_date=tomorrow)
    activate_contracts(tomorrow.isoformat())
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED
