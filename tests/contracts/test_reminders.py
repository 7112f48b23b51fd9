"""Reminders for running contracts: the next follow-up, the last day to give notice and the
end date; each sent once by e-mail and as a notice to both contact people. And signed
contracts becoming active on their start date."""

from datetime import date, timedelta

import pytest
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
from tests.factories import demo_user, make_offer, pl_rates, publish

BUYER_CONTACT = "sagsbehandler.naestved@portal.example"
PROVIDER_CONTACT = "leverandoer.a@portal.example"


@pytest.fixture
def offer(demo):
    pl_rates()
    offer = make_offer(provider_slug="bostedet-egelund", name="Bostedet Egelund, Havehuset")
    publish(offer, 2026, "2345.50")
    return offer


def make_contract(offer, *, state=ContractState.ACTIVE, **fields) -> Contract:
    """A contract written straight to the database, signed by both sides."""
    buyer_contact = demo_user(BUYER_CONTACT)
    provider_contact = demo_user(PROVIDER_CONTACT)
    values = {
        "buyer": Organisation.objects.get(slug="naestved"),
        "provider": offer.provider,
        "offer": offer,
        "template": ContractTemplate.objects.get(kind="adults_outside", version="2.0"),
        "case_reference": "NAE-2026-0042",
        "start_date": date(2026, 1, 1),
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


def test_followup_is_due_within_14_days_of_each_planned_date(offer):
    contract = make_contract(
        offer, followup_first=date(2026, 1, 10), followup_interval_months=3
    )  # 10 January, 10 April, 10 July, ...
    assert kinds_due(contract, date(2026, 1, 1), ReminderKind.FOLLOWUP) == [date(2026, 1, 10)]
    assert kinds_due(contract, date(2026, 3, 26), ReminderKind.FOLLOWUP) == []  # 15 days
    assert kinds_due(contract, date(2026, 3, 27), ReminderKind.FOLLOWUP) == [date(2026, 4, 10)]
    assert kinds_due(contract, date(2026, 4, 10), ReminderKind.FOLLOWUP) == [date(2026, 4, 10)]
    assert kinds_due(contract, date(2026, 4, 11), ReminderKind.FOLLOWUP) == []  # next: 10 July
    assert kinds_due(contract, date(2026, 6, 26), ReminderKind.FOLLOWUP) == [date(2026, 7, 10)]
    assert kinds_due(contract, date(2028, 12, 27), ReminderKind.FOLLOWUP) == [date(2029, 1, 10)]


def test_followup_dates_are_counted_from_the_first_one(offer):
    """Monthly from 31 January: 28 February, then 31 March (not 28 March)."""
    contract = make_contract(offer, followup_first=date(2026, 1, 31), followup_interval_months=1)
    assert kinds_due(contract, date(2026, 2, 20), ReminderKind.FOLLOWUP) == [date(2026, 2, 28)]
    assert kinds_due(contract, date(2026, 3, 20), ReminderKind.FOLLOWUP) == [date(2026, 3, 31)]


def test_without_an_interval_only_the_first_followup_is_reminded(offer):
    contract = make_contract(offer, followup_first=date(2026, 4, 10))
    assert kinds_due(contract, date(2026, 3, 27), ReminderKind.FOLLOWUP) == [date(2026, 4, 10)]
    assert kinds_due(contract, date(2026, 4, 11), ReminderKind.FOLLOWUP) == []
    assert kinds_due(contract, date(2026, 7, 1), ReminderKind.FOLLOWUP) == []


def test_no_followup_plan_gives_no_followup_reminder(offer):
    contract = make_contract(offer)
    assert due_for(contract, date(2026, 4, 1)) == set()


def test_no_followup_reminder_after_the_contract_has_ended(offer):
    contract = make_contract(
        offer,
        followup_first=date(2026, 1, 10),
        followup_interval_months=6,
        end_date=date(2026, 12, 31),
    )
    assert kinds_due(contract, date(2026, 6, 30), ReminderKind.FOLLOWUP) == [date(2026, 7, 10)]
    assert kinds_due(contract, date(2026, 12, 31), ReminderKind.FOLLOWUP) == []  # 10 Jan 2027


# --- Notice deadline and end date -----------------------------------------------------------


def test_notice_deadline_is_warned_30_days_ahead_and_not_after_it_passed(offer):
    contract = make_contract(offer, end_date=date(2026, 12, 31), notice_months=3)
    deadline = date(2026, 9, 30)  # last day to give three months' notice
    assert kinds_due(contract, date(2026, 8, 30), ReminderKind.NOTICE) == []
    assert kinds_due(contract, date(2026, 8, 31), ReminderKind.NOTICE) == [deadline]
    assert kinds_due(contract, date(2026, 9, 30), ReminderKind.NOTICE) == [deadline]
    assert kinds_due(contract, date(2026, 10, 1), ReminderKind.NOTICE) == []


def test_ending_is_warned_60_days_ahead_until_the_end_date(offer):
    contract = make_contract(offer, end_date=date(2026, 12, 31), notice_months=3)
    assert kinds_due(contract, date(2026, 10, 31), ReminderKind.ENDING) == []  # 61 days
    assert kinds_due(contract, date(2026, 11, 1), ReminderKind.ENDING) == [date(2026, 12, 31)]
    assert kinds_due(contract, date(2026, 12, 31), ReminderKind.ENDING) == [date(2026, 12, 31)]
    assert kinds_due(contract, date(2027, 1, 1), ReminderKind.ENDING) == []


def test_open_ended_contract_has_no_notice_or_ending_reminder(offer):
    contract = make_contract(offer, end_date=None, notice_months=3)
    for day in (date(2026, 6, 1), date(2026, 9, 30), date(2026, 12, 31)):
        assert due_for(contract, day) == set()


@pytest.mark.parametrize(
    "state,expected",
    [
        (ContractState.SIGNED, True),
        (ContractState.ACTIVE, True),
        (ContractState.RENEGOTIATION, True),
        (ContractState.DRAFT, False),
        (ContractState.SENT, False),
        (ContractState.NEGOTIATION, False),
        (ContractState.TERMINATED, False),
    ],
)
def test_only_running_contracts_get_reminders(offer, state, expected):
    unsigned = {} if expected else {"buyer_signed_at": None, "provider_signed_at": None}
    contract = make_contract(
        offer,
        state=state,
        followup_first=date(2026, 11, 20),
        end_date=date(2026, 12, 31),
        notice_months=1,
        **unsigned,
    )
    due = due_for(contract, date(2026, 11, 15))
    if expected:
        assert due == {
            (ReminderKind.FOLLOWUP, date(2026, 11, 20)),
            (ReminderKind.NOTICE, date(2026, 11, 30)),
            (ReminderKind.ENDING, date(2026, 12, 31)),
        }
    else:
        assert due == set()


# --- Sending --------------------------------------------------------------------------------


def test_each_reminder_is_sent_once_to_each_contact_person(offer, mailoutbox):
    contract = make_contract(
        offer,
        followup_first=date(2026, 11, 20),
        followup_interval_months=6,
        end_date=date(2026, 12, 31),
        notice_months=3,
    )
    today = "2026-11-15"  # follow-up 20 November and the end 31 December are due

    assert send_reminders(today) == 2
    assert send_reminders(today) == 0
    assert send_reminders("2026-11-16") == 0  # the same reminders, a day later

    assert Reminder.objects.filter(contract=contract).count() == 2
    assert len(mailoutbox) == 4
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([BUYER_CONTACT, PROVIDER_CONTACT] * 2)
    for email in (BUYER_CONTACT, PROVIDER_CONTACT):
        notices = Notice.objects.filter(user__email=email)
        assert notices.count() == 2
        assert {n.url for n in notices} == {contract.get_absolute_url()}

    followup = next(m for m in mailoutbox if "Opfølgning på kontrakten" in m.body)
    assert "Bostedet Egelund, Havehuset" in followup.body
    assert "Næstved Kommune" in followup.body
    assert "20. november 2026" in followup.body
    assert contract.get_absolute_url() in followup.body
    ending = Notice.objects.filter(user__email=BUYER_CONTACT, message__contains="udløber").get()
    assert "Bostedet Egelund, Havehuset" in ending.message
    assert "Næstved Kommune" in ending.message
    assert "31. december 2026" in ending.message


def test_the_next_followup_is_a_new_reminder(offer, mailoutbox):
    make_contract(offer, followup_first=date(2026, 1, 10), followup_interval_months=3)
    send_reminders("2026-01-05")
    send_reminders("2026-04-01")
    send_reminders("2026-04-02")
    assert sorted(Reminder.objects.values_list("due_date", flat=True)) == [
        date(2026, 1, 10),
        date(2026, 4, 10),
    ]
    assert len(mailoutbox) == 4


def test_without_a_provider_contact_only_the_buyer_is_told(offer, mailoutbox):
    make_contract(offer, end_date=date(2026, 12, 31), notice_months=1, provider_contact=None)
    send_reminders("2026-11-15")  # notice deadline 30 November and the end are due
    assert [m.to for m in mailoutbox] == [[BUYER_CONTACT], [BUYER_CONTACT]]
    assert not Notice.objects.filter(user__email=PROVIDER_CONTACT).exists()


def test_terminated_and_draft_contracts_get_no_reminders(offer, mailoutbox):
    for state in (ContractState.TERMINATED, ContractState.DRAFT):
        make_contract(
            offer,
            state=state,
            followup_first=date(2026, 11, 20),
            end_date=date(2026, 12, 31),
            buyer_signed_at=None,
            provider_signed_at=None,
        )
    assert send_reminders("2026-11-15") == 0
    assert mailoutbox == []
    assert not Reminder.objects.exists()
    assert not Notice.objects.exists()


def test_a_failed_mail_is_not_recorded_and_goes_out_next_time(offer, mailoutbox, monkeypatch):
    from contracts import tasks

    make_contract(offer, end_date=date(2026, 12, 31))

    def refuse(**kwargs):
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(tasks, "send_mail", refuse)
    assert send_reminders("2026-12-01") == 0
    assert not Reminder.objects.exists() and not Notice.objects.exists()

    monkeypatch.undo()
    assert send_reminders("2026-12-01") == 1
    assert len(mailoutbox) == 2


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
