"""The contract list's page, count and providers' digest in one prepared statement
(contracts.selectors.ListPage, issue 17): the rows and the count are the ORM's for every
demo person, filter and page, and a change shows on the next read."""

from __future__ import annotations

import pytest

from contracts import selectors
from contracts.models import ContractState
from contracts.permissions import can_use_contracts
from partnership.demo import DEMO_USERS
from partnership.pagination import paginate
from tests.factories import CASEWORKER, demo_user, make_contract, make_offer

FILTERS = [
    selectors.ContractFilter(),
    selectors.ContractFilter(state=selectors.RUNNING),
    selectors.ContractFilter(state=ContractState.DRAFT),
    selectors.ContractFilter(deviations="with"),
    selectors.ContractFilter(deviations="without", offer_q="listehus"),
]


@pytest.fixture
def contracts(demo):
    offers = [make_offer(name=f"Listehuset {n}") for n in range(3)]
    for n in range(7):
        make_contract(offer=offers[n % 3], buyer_slug="slagelse", email=CASEWORKER)
    make_contract(offer=offers[0])


@pytest.mark.parametrize("f", FILTERS, ids=repr)
def test_the_prepared_page_is_the_orms(contracts, f):
    for email, *_ in DEMO_USERS:
        user = demo_user(email)
        if not can_use_contracts(user):
            continue
        expected = list(selectors.contract_list_rows(user, f))
        for number in (1, 2, 3, 99):
            for _round in range(2):  # compiled, then from the memo
                listed = selectors.ListPage(user, f, offset=(number - 1) * 3, size=3)
                page = paginate(listed, 3, number)
                assert page.paginator.count == len(expected), email
                start = (page.number - 1) * 3
                assert [tuple(r) for r in page.object_list] == [
                    tuple(r) for r in expected[start : start + 3]
                ], (email, number)
                assert page.number == min(number, max(1, -(-len(expected) // 3)))


def test_the_providers_digest_follows_the_providers(contracts):
    user = demo_user(CASEWORKER)

    def digest() -> str:
        return selectors.ListPage(
            user, selectors.ContractFilter(), offset=0, size=25
        ).providers_digest

    first = digest()
    assert first and digest() == first
    provider = selectors.list_providers(user).first()
    provider.name = "Omdøbt Leverandør"
    provider.save()
    renamed = digest()
    assert renamed != first
    other = make_offer(name="Solsikkehuset", provider_slug="fonden-solsikken")
    make_contract(offer=other, buyer_slug="slagelse", email=CASEWORKER)
    assert digest() != renamed
