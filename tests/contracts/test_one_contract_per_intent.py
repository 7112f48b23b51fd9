"""One contract per intent: the "Opret kontrakt" form sent twice makes one contract, and two
"Genforhandl" at the same moment make one amendment. Each person lands on the object that
was made, with a Danish message, and nobody sees a server error."""

from __future__ import annotations

import threading
import uuid
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractState, ContractTemplate
from partnership.models import Organisation, Role
from tests.factories import (
    MembershipFactory,
    UserFactory,
    demo_user,
    logged_in,
    make_contract,
    make_offer,
    pl_rates,
    publish,
)
from tests.races import TIMEOUT, run_together, slowed

CASEWORKER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"


@pytest.fixture
def offer(demo):
    pl_rates()
    o = make_offer(name="Autismebo Syd")
    publish(o, timezone.localdate().year, "2500", addons=[("Ekstra støtte 1:1", 465, "hour")])
    return o


def create_form(offer, token) -> dict:
    today = timezone.localdate()
    tariff = offer.tariffs.get()
    return {
        "tilbud": offer.pk,
        "form_token": str(token),
        "template": ContractTemplate.objects.get(kind="adults_outside").pk,
        "buyer": Organisation.objects.get(slug="naestved").pk,
        "case_reference": "NAE-0042",
        "start_date": today.isoformat(),
        "end_date": "",
        "tariff": tariff.pk,
        "addons": [tariff.addons.get().pk],
        "payment_timing": "advance",
        "payment_days": "30",
        "notice_months": "3",
        "automatic_pl": "on",
        "followup_first": "",
        "followup_interval_months": "",
        "buyer_contact": demo_user(CASEWORKER).pk,
        "provider_contact": demo_user(PROVIDER).pk,
    }


def active_contract(offer) -> Contract:
    contract = make_contract(offer=offer, start_date=timezone.localdate())
    now = timezone.now()
    Contract.objects.filter(pk=contract.pk).update(
        state=ContractState.ACTIVE, buyer_signed_at=now, provider_signed_at=now
    )
    return contract


def page_text(client: Client, url: str) -> str:
    return client.get(url).content.decode()


def test_the_create_form_carries_a_new_token_each_time_it_is_drawn(client, offer):
    client.force_login(demo_user(CASEWORKER))
    url = reverse("contracts:contract_create") + f"?tilbud={offer.pk}"
    first, second = (client.get(url).context["form"]["form_token"].value() for _ in range(2))
    assert first and second and first != second


def test_the_create_form_sent_twice_makes_one_contract_and_shows_it(client, offer):
    client.force_login(demo_user(CASEWORKER))
    data = create_form(offer, uuid.uuid4())
    first = client.post(reverse("contracts:contract_create"), data)
    second = client.post(reverse("contracts:contract_create"), data)
    contract = Contract.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == contract.get_absolute_url()
    assert "Kontrakten var allerede oprettet" in page_text(client, second.url)
    # A new form (a new token) is a new contract.
    client.post(reverse("contracts:contract_create"), create_form(offer, uuid.uuid4()))
    assert Contract.objects.count() == 2


def test_another_persons_token_does_not_lead_to_their_contract(client, offer):
    token = uuid.uuid4()
    logged_in(CASEWORKER).post(reverse("contracts:contract_create"), create_form(offer, token))
    mine = Contract.objects.get()
    # A colleague sending the same token (copied, guessed) is told to start over, and
    # neither makes a contract nor sees the first one.
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=mine.buyer, role=Role.CASEWORKER)
    client.force_login(colleague)
    response = client.post(reverse("contracts:contract_create"), create_form(offer, token))
    assert Contract.objects.get() == mine
    assert response.status_code == 200
    assert "Formularen er allerede sendt" in response.content.decode()
    assert mine.get_absolute_url() not in response.content.decode()


@pytest.mark.postgres
def test_the_create_form_sent_twice_at_the_same_moment_makes_one_contract(transactional_db, offer):
    data = create_form(offer, uuid.uuid4())
    clients = [logged_in(CASEWORKER), logged_in(CASEWORKER)]
    # Both requests get past the check for an earlier contract before either saves its own:
    # the database's unique token decides.
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    full_clean = Contract.full_clean

    def meet_then_clean(self, *args, **kwargs):
        barrier.wait()
        return full_clean(self, *args, **kwargs)

    with mock.patch.object(Contract, "full_clean", meet_then_clean):
        outcomes = run_together(
            *(lambda c=c: c.post(reverse("contracts:contract_create"), data) for c in clients)
        )
    assert [o.error for o in outcomes] == [None, None]
    contract = Contract.objects.get()
    assert [o.result.status_code for o in outcomes] == [302, 302]
    assert {o.result.url for o in outcomes} == {contract.get_absolute_url()}
    texts = [page_text(c, contract.get_absolute_url()) for c in clients]
    assert sum("Kontrakten var allerede oprettet" in t for t in texts) == 1


def test_renegotiating_twice_makes_one_amendment_and_shows_it(client, offer):
    contract = active_contract(offer)
    client.force_login(demo_user(CASEWORKER))
    url = reverse("contracts:contract_renegotiate", args=[contract.pk])
    data = {"effective_date": timezone.localdate().isoformat()}
    first, second = client.post(url, data), client.post(url, data)
    amendment = Contract.objects.get(amendment_of=contract)
    assert first.url == second.url == amendment.get_absolute_url()
    assert "genforhandles allerede" in page_text(client, second.url)


@pytest.mark.postgres
def test_two_renegotiations_at_the_same_moment_make_one_amendment(transactional_db, offer):
    contract = active_contract(offer)
    clients = [logged_in(CASEWORKER), logged_in(CASEWORKER)]
    url = reverse("contracts:contract_renegotiate", args=[contract.pk])
    # The first one in holds on while it makes the amendment, so the other arrives meanwhile.
    with mock.patch.object(services, "create_contract", slowed(services.create_contract)):
        data = {"effective_date": timezone.localdate().isoformat()}
        outcomes = run_together(*(lambda c=c: c.post(url, data) for c in clients))
    assert [o.error for o in outcomes] == [None, None]
    amendment = Contract.objects.get(amendment_of=contract)
    assert {o.result.url for o in outcomes} == {amendment.get_absolute_url()}
    contract.refresh_from_db()
    assert contract.state == ContractState.RENEGOTIATION
    assert contract.events.filter(after__state=ContractState.RENEGOTIATION).count() == 1


@pytest.mark.postgres
def test_the_database_allows_one_open_amendment_per_contract(offer):
    contract = active_contract(offer)
    amendment = services.start_renegotiation(
        contract=contract, by=demo_user(CASEWORKER), effective_date=timezone.localdate()
    )
    second = Contract.objects.get(pk=amendment.pk)
    second.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.bulk_create([second])
    # Once the amendment is in force, the contract may be renegotiated again.
    now = timezone.now()
    Contract.objects.filter(pk=amendment.pk).update(
        state=ContractState.ACTIVE, buyer_signed_at=now, provider_signed_at=now
    )
    Contract.objects.bulk_create([second])
