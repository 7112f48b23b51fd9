from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractClause, ContractState
from tests.factories import (
    TariffFactory,
    demo_user,
    make_contract,
    make_offer,
    next_month_start,
    pl_rates,
    publish,
)

CASEWORKER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"
START = next_month_start()  # on the test clock, when the tests are collected


@pytest.fixture
def offer(demo, today):
    pl_rates()
    o = make_offer(name="Autismebo Syd")
    publish(o, today.year, "2500", addons=[("Ekstra støtte 1:1", 465, "hour")])
    return o


def form_data(offer, **overrides):
    today = timezone.localdate()
    tariff = offer.tariffs.get(year=today.year)
    from contracts.models import ContractTemplate
    from partnership.models import Organisation

    data = {
        "tilbud": offer.pk,
        "template": ContractTemplate.objects.get(kind="adults_outside").pk,
        "buyer": Organisation.objects.get(slug="naestved").pk,
        "case_reference": f"NAE-{today.year}-0042",
        "start_date": START.isoformat(),
        "end_date": "",
        "tariff": tariff.pk,
        "addons": [tariff.addons.first().pk],
        "payment_timing": "advance",
        "payment_days": "30",
        "notice_months": "3",
        "automatic_pl": "on",
        "followup_first": (START + relativedelta(months=3)).isoformat(),
        "followup_interval_months": "6",
        "buyer_contact": demo_user(CASEWORKER).pk,
        "provider_contact": demo_user(PROVIDER).pk,
    }
    data.update(overrides)
    return data


def test_caseworker_creates_a_contract_with_the_standard_clauses(client, offer):
    client.force_login(demo_user(CASEWORKER))
    response = client.post(reverse("contracts:contract_create"), form_data(offer))
    assert response.status_code == 302, response.content.decode()[:3000]
    contract = Contract.objects.get()
    assert contract.provider == offer.provider and contract.state == ContractState.DRAFT
    assert contract.clauses.count() == 11
    assert all(not c.is_deviation for c in contract.clauses.all())
    assert [a.name for a in contract.addons.all()] == ["Ekstra støtte 1:1"]


@pytest.mark.parametrize("ref", ["010203-1234", "0102031234", "Borger 311299-4321, Slagelse"])
def test_cpr_like_case_reference_is_refused_and_nothing_saved(client, offer, ref):
    client.force_login(demo_user(CASEWORKER))
    response = client.post(
        reverse("contracts:contract_create"), form_data(offer, case_reference=ref)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ligner et CPR-nummer" in body or "CPR-nummer" in body
    assert f'value="{ref}"' in body
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        (
            {"end_date": (START - timedelta(days=30)).isoformat()},
            "Slutdatoen skal ligge efter startdatoen",
        ),
        ({"payment_days": "31"}, "højst 30 dage"),
    ],
)
def test_bad_terms_are_refused(client, offer, overrides, message):
    client.force_login(demo_user(CASEWORKER))
    response = client.post(reverse("contracts:contract_create"), form_data(offer, **overrides))
    assert message in response.content.decode()
    assert not Contract.objects.exists()


def test_tariff_must_be_published_and_belong_to_the_offer(client, offer, today):
    other = make_offer(name="Andet tilbud")
    other_tariff = publish(other, today.year, "1000")
    draft = TariffFactory(
        offer=offer, year=today.year - 1, price=1, occupancy_percent=90, published=False
    )
    client.force_login(demo_user(CASEWORKER))
    for tariff in (other_tariff, draft):
        response = client.post(
            reverse("contracts:contract_create"), form_data(offer, tariff=tariff.pk, addons=[])
        )
        assert response.status_code == 200
    assert not Contract.objects.exists()
    with pytest.raises(ValidationError):
        make_contract(offer=offer, tariff=other_tariff)


def test_clause_change_is_a_deviation_with_reason_and_unchangeable_clauses_stay(client, offer):
    contract = make_contract(offer=offer)
    client.force_login(demo_user(CASEWORKER))
    # Clause 9 holds no term (the notice in clause 8 is changed under the terms).
    notice = contract.clauses.get(number="9")
    url = reverse("contracts:clause_edit", args=[contract.pk, notice.pk])
    new = notice.standard_text.replace("faktiske", "aftalte")
    response = client.post(url, {"text": new, "reason": ""})
    assert "Skriv, hvorfor punktet afviger" in response.content.decode()
    notice.refresh_from_db()
    assert not notice.is_deviation
    client.post(url, {"text": new, "reason": "Særlig målgruppe"})
    notice.refresh_from_db()
    assert notice.is_deviation and notice.deviation_reason == "Særlig målgruppe"
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "1 afvigelse fra standardkontrakten" in page
    assert '<del class="diff-del">faktiske</del><ins class="diff-ins">aftalte</ins>' in page

    parties = contract.clauses.get(number="1")
    with pytest.raises(ValidationError):
        services.change_clause(
            clause=parties, text="Noget andet", reason="x", by=demo_user(CASEWORKER)
        )
    client.post(
        reverse("contracts:clause_edit", args=[contract.pk, parties.pk]),
        {"text": "x", "reason": "y"},
    )
    parties.refresh_from_db()
    assert not parties.is_deviation


def test_cpr_in_a_clause_or_comment_is_refused(client, offer):
    contract = make_contract(offer=offer)
    clause = contract.clauses.get(number="2")
    with pytest.raises(ValidationError):
        services.change_clause(
            clause=clause,
            text=clause.text + " Borger 010203-1234.",
            reason="x",
            by=demo_user(CASEWORKER),
        )
    with pytest.raises(ValidationError):
        services.comment(contract=contract, text="Gælder 0102031234", by=demo_user(CASEWORKER))


def test_lifecycle_send_negotiate_accept_sign_activate(offer, today):
    buyer, provider = demo_user(CASEWORKER), demo_user(PROVIDER)
    contract = make_contract(offer=offer, start_date=today - timedelta(days=30))
    with pytest.raises(PermissionDenied):
        services.send_to_provider(contract=contract, by=provider)
    services.send_to_provider(contract=contract, by=buyer)
    services.comment(contract=contract, text="Vi ønsker seks måneders varsel.", by=provider)
    contract.refresh_from_db()
    assert contract.state == ContractState.NEGOTIATION
    services.accept(contract=contract, by=provider)
    notice = contract.clauses.get(number="8")
    # The notice period itself is a term (contracts.standard_texts); words may be added.
    services.change_clause(
        clause=notice, text=notice.text + " Opsigelse sker skriftligt.", reason="Aftalt", by=buyer
    )
    contract.refresh_from_db()
    assert contract.provider_signed_at is None  # a change after acceptance needs a new one
    services.accept(contract=contract, by=provider)
    services.accept(contract=contract, by=buyer)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE  # start date has passed: active at once
    assert contract.buyer_signed_by == buyer and contract.provider_signed_by == provider
    kinds = list(contract.events.values_list("kind", flat=True))
    assert kinds.count("signed") == 3 and "clause" in kinds and "comment" in kinds

    with pytest.raises(PermissionDenied):
        services.start_renegotiation(contract=contract, by=provider)
    amendment = services.start_renegotiation(contract=contract, by=buyer, effective_date=today)
    contract.refresh_from_db()
    assert contract.state == ContractState.RENEGOTIATION and amendment.amendment_of == contract
    assert amendment.clauses.get(number="8").is_deviation  # starts from the current clauses

    ended = services.terminate(
        contract=contract, notice_given_on=today, reason="Flytning", by=buyer
    )
    assert ended.state == ContractState.NOTICE_GIVEN  # "Opsagt" until it ends
    # Three months' notice to the end of a month (clause 8).
    assert ended.terminated_on == today + relativedelta(months=3, day=31)


def test_signed_contract_with_future_start_is_activated_by_the_task(offer, today):
    from contracts.services import activate

    contract = make_contract(offer=offer, start_date=today + timedelta(days=1))
    services.send_to_provider(contract=contract, by=demo_user(CASEWORKER))
    services.accept(contract=contract, by=demo_user(PROVIDER))
    services.accept(contract=contract, by=demo_user(CASEWORKER))
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED
    Contract.objects.filter(pk=contract.pk).update(start_date=today)
    activate(contract=contract)
    activate(contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.events.filter(kind="state", after__state="active").count() == 1


def test_database_requires_a_reason_for_a_deviation(offer):
    from django.db import IntegrityError, transaction

    contract = make_contract(offer=offer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractClause.objects.filter(contract=contract, number="8").update(text="Noget andet")


def test_individual_price_item_with_reason_and_provider_filter(client, offer):
    contract = make_contract(offer=offer)
    client.force_login(demo_user(CASEWORKER))
    url = reverse("contracts:contract_price_item", args=[contract.pk])
    response = client.post(
        url,
        {
            "description": "Ekstra nattevagt",
            "amount": "1200",
            "unit": "pr. nat",
            "reason": "Borger 010203-1234 har brug for det",
        },
    )
    assert "CPR-nummer" in response.content.decode()
    assert not contract.price_items.exists()
    client.post(
        url,
        {
            "description": "Ekstra nattevagt",
            "amount": "1200",
            "unit": "pr. nat",
            "reason": "Særlige behov om natten",
        },
    )
    assert contract.price_items.get().amount == 1200
    listing = client.get(reverse("contracts:contract_list"), {"provider": offer.provider.pk})
    assert [c.pk for c in listing.context["page"]] == [contract.pk]
