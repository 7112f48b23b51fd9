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
    assert "Opsigelsesdatoen ligger for langt ude i fremtiden." in response.content.decode()
    signed.refresh_from_db()
    assert signed.state == ContractState.SIGNED
    assert signed.terminated_on is None
