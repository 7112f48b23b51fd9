"""Inputs the fuzz tests (tests/fuzz/) found to break the contract forms, kept as plain
tests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import ContractState
from tests.factories import demo_user, make_contract, make_offer, pl_rates

BUYER = "sagsbehandler.naestved@portal.example"


@pytest.fixture
def signed(demo):
    pl_rates()
    contract = make_contract(offer=make_offer())
    services.send_to_provider(contract=contract, by=demo_user(BUYER))
    services.accept(contract=contract, by=demo_user(BUYER))
    return services.accept(contract=contract, by=demo_user("leverandoer.a@portal.example"))


def test_notice_whose_period_ends_after_year_9999_is_refused_with_a_message(client, signed):
    # 31 December 9999 plus three months' notice is past the last date there is.
    client.force_login(demo_user(BUYER))
    response = client.post(
        reverse("contracts:contract_terminate", args=[signed.pk]),
        {"notice_given_on": "9999-12-31", "reason": "Borgeren flytter."},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "Datoen skal ligge mellem 1. januar 2000 og 31. december 2100." in response.content.decode()
    )
    signed.refresh_from_db()
    assert signed.state == ContractState.SIGNED
    assert signed.terminated_on is None


def test_terminate_service_refuses_a_notice_period_past_the_last_date(signed):
    # The form stops such dates first; the service keeps its own guard.
    from datetime import date

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="for langt ude i fremtiden"):
        services.terminate(
            contract=signed,
            by=demo_user(BUYER),
            notice_given_on=date(9999, 12, 31),
            reason="Borgeren flytter.",
        )


def test_contract_dates_outside_2000_to_2100_are_refused(demo):
    from contracts.forms import ContractForm

    pl_rates()
    offer = make_offer()
    form = ContractForm(
        data={"start_date": "0001-01-01", "end_date": "9999-12-31", "followup_first": "1900-01-01"},
        offer=offer,
        buyers=[demo_user(BUYER).memberships.first().organisation],
    )
    assert not form.is_valid()
    for name in ("start_date", "end_date", "followup_first"):
        assert "Datoen skal ligge mellem 1. januar 2000 og 31. december 2100." in form.errors[name]
