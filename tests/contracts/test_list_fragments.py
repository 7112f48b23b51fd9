"""The contract list caches its filter and its rows under a digest of what they draw
(issue 17): a renamed provider, a new contract or a changed case reference shows at once."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import CASEWORKER, make_contract, make_offer


def _page(client, url, params=None) -> str:
    body = client.get(url, params or {}).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_the_contract_list_follows_the_data(as_caseworker):
    offer = make_offer(name="Kontrakthuset")
    contract = make_contract(offer, buyer_slug="slagelse", email=CASEWORKER)
    url = reverse("contracts:contract_list")
    first = _page(as_caseworker, url)
    assert _page(as_caseworker, url) == first  # the second from the cache
    assert contract.case_reference in first
    contract.case_reference = "SAG-FRAGMENT-1"
    contract.save(update_fields=["case_reference"])
    provider = offer.provider
    provider.name = "Omdøbt Egelund"
    provider.save()
    page = _page(as_caseworker, url)
    assert "SAG-FRAGMENT-1" in page
    assert page.count("Omdøbt Egelund") >= 2  # the filter's option and the row
    refused = as_caseworker.get(url, {"provider": "abc"}).content.decode()
    assert "error-summary" in refused or "Vælg" in refused


def test_the_contract_list_follows_deviations_and_notice(as_caseworker, today):
    from datetime import timedelta

    from contracts.models import Contract, ContractClause, ContractState

    offer = make_offer(name="Afvigelseshuset")
    contract = make_contract(offer, buyer_slug="slagelse", email=CASEWORKER)
    url = reverse("contracts:contract_list")
    params = {"offer_q": "Afvigelseshuset"}

    def row() -> str:
        page = _page(as_caseworker, url, params)
        return page[page.index("Afvigelseshuset</a>") :].split("</tr>")[0]

    assert row().endswith('<td class="num">0</td>')
    assert row() == row()  # the second from the cache
    clause = ContractClause.objects.filter(contract=contract, changeable=True).first()
    ContractClause.objects.filter(pk=clause.pk).update(
        text=clause.standard_text + " Ændret.", deviation_reason="Aftalt"
    )
    assert row().endswith('<td class="num">1</td>')
    ends = today + timedelta(days=90)
    Contract.objects.filter(pk=contract.pk).update(
        state=ContractState.NOTICE_GIVEN, notice_given_on=today, terminated_on=ends
    )
    assert "Opsagt – ophører" in row()
