"""Private until sent (issue 14, finding 5): a municipality's draft is its own. The provider
does not find it in its list, gets a 404 on every contract URL, cannot comment or get the
PDF; from the moment the municipality sends it, the provider sees it and takes part.

The rule lives in contracts.permissions in the two forms the code needs (side_of for one
contract, contracts_visible_to for a queryset); a test holds them equal for every state and
every demo person, and another every URL of a contract against the provider of a draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, reverse
from django.utils import timezone

from contracts import permissions, services
from contracts.models import Contract, ContractEvent, ContractState
from contracts.urls import urlpatterns
from partnership import jobs
from partnership.demo import DEMO_USERS
from partnership.models import Job
from tests.factories import demo_user, make_contract, make_offer, pl_rates

BUYER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"
CASE = "NAE-KLADDE-4711"


@pytest.fixture
def draft(demo):
    pl_rates()
    return make_contract(offer=make_offer(name="Kladdehuset"), case_reference=CASE)


def contract_urls(contract: Contract) -> list[str]:
    """Every URL of one contract, read from contracts/urls.py (a new one is in at once)."""
    clause = contract.clauses.filter(changeable=True).order_by("pk").first()
    urls = []
    for pattern in urlpatterns:
        if not isinstance(pattern, URLPattern):
            continue
        names = set(pattern.pattern.converters)
        if "pk" not in names or not str(pattern.pattern).startswith("kontrakter/<int:pk>/"):
            continue
        kwargs = {"pk": contract.pk}
        if "clause_pk" in names:
            kwargs["clause_pk"] = clause.pk
        assert names <= set(kwargs), f"{pattern.name}: give the test a value for {names}"
        urls.append(reverse(f"contracts:{pattern.name}", kwargs=kwargs))
    return urls


def test_the_contract_urls_are_found():
    found = {p.name for p in urlpatterns if isinstance(p, URLPattern) and "pk" in str(p.pattern)}
    assert {"contract_detail", "contract_comment", "contract_pdf", "clause_edit"} <= found


def test_the_provider_gets_404_on_every_url_of_an_unsent_draft(client, draft, today):
    """Finding 5: the provider saw the draft, with its case reference, and could comment."""
    client.force_login(demo_user(PROVIDER))
    events = ContractEvent.objects.filter(contract=draft).count()
    urls = contract_urls(draft)
    assert len(urls) >= 9
    data = {"text": "Vi har en kommentar.", "reason": "x", "notice_given_on": today.isoformat()}
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, data)
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert CASE not in response.content.decode()
    assert ContractEvent.objects.filter(contract=draft).count() == events
    assert Job.objects.filter(kind="contract_pdf").count() == 0
    listing = client.get(reverse("contracts:contract_list")).content.decode()
    assert CASE not in listing and "Kladdehuset" not in listing
    draft.refresh_from_db()
    assert draft.state == ContractState.DRAFT


def test_the_services_and_the_pdf_job_refuse_the_provider_of_a_draft(draft):
    provider = demo_user(PROVIDER)
    assert permissions.side_of(provider, draft) is None
    with pytest.raises(PermissionDenied):
        services.comment(contract=draft, text="Hej", by=provider)
    with pytest.raises(PermissionDenied):
        services.accept(contract=draft, by=provider)
    job = jobs.order_job(
        kind="contract_pdf", title="Kontrakt", params={"contract_id": draft.pk}, by=provider
    )
    job = Job.objects.get(pk=job.pk)
    assert job.status != "done" and not job.result_file


def test_sending_opens_it_to_the_provider(client, draft):
    services.send_to_provider(contract=draft, by=demo_user(BUYER))
    client.force_login(demo_user(PROVIDER))
    assert CASE in client.get(reverse("contracts:contract_list")).content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.post(reverse("contracts:contract_comment", args=[draft.pk]), {"text": "Fint."})
    assert ContractEvent.objects.filter(contract=draft, kind="comment").count() == 1


def test_an_amendment_not_yet_sent_is_hidden_from_the_provider_of_the_original(client, draft):
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)
    services.send_to_provider(contract=draft, by=buyer)
    services.accept(contract=draft, by=buyer)
    services.accept(contract=draft, by=provider)
    Contract.objects.filter(pk=draft.pk).update(state=ContractState.ACTIVE)
    draft.refresh_from_db()
    amendment = services.start_renegotiation(
        contract=draft, by=buyer, effective_date=draft.start_date + timedelta(days=62)
    )
    client.force_login(provider)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert amendment.get_absolute_url() not in page
    assert client.get(amendment.get_absolute_url()).status_code == 404
    client.force_login(buyer)
    assert amendment.get_absolute_url() in client.get(draft.get_absolute_url()).content.decode()


def _put_in(contract: Contract, state: str) -> Contract:
    """The contract in the state, with what the database asks of it there."""
    now = timezone.now()
    Contract.objects.filter(pk=contract.pk).update(
        state=state,
        buyer_signed_at=now,
        provider_signed_at=now,
        notice_given_on=timezone.localdate(),
        terminated_on=timezone.localdate(),
    )
    return Contract.objects.get(pk=contract.pk)


@pytest.mark.parametrize("state", ContractState.values)
def test_the_one_rule_in_its_two_forms_agrees_for_every_state_and_person(draft, state):
    contract = _put_in(draft, state)
    for email, *_rest in DEMO_USERS:
        user = demo_user(email)
        in_list = permissions.contracts_visible_to(user).filter(pk=contract.pk).exists()
        assert in_list == (permissions.side_of(user, contract) is not None), (email, state)
    provider_sees = permissions.side_of(demo_user(PROVIDER), contract) == "provider"
    assert provider_sees == (state != ContractState.DRAFT)
    assert permissions.side_of(demo_user(BUYER), contract) == "buyer"


@pytest.mark.parametrize("provider_contact", [PROVIDER, None])
@pytest.mark.parametrize("state", [ContractState.DRAFT, ContractState.SENT])
def test_the_people_on_a_contract_agree_with_the_contracts_on_their_desk(
    demo, state, provider_contact
):
    pl_rates()
    contract = make_contract(
        offer=make_offer(name="Skrivebordet"),
        provider_contact=demo_user(provider_contact) if provider_contact else None,
    )
    contract = _put_in(contract, state)
    people = {
        side: {p.pk for p in permissions.people_on(contract, side)} for side in permissions.SIDES
    }
    for email, *_rest in DEMO_USERS:
        user = demo_user(email)
        on_desk = permissions.contracts_on_desk_of(user).filter(pk=contract.pk).exists()
        side = permissions.side_of(user, contract)
        assert on_desk == (side is not None and user.pk in people[side]), (email, state)
    assert (demo_user(PROVIDER).pk in people["provider"]) == (state == ContractState.SENT)
    assert people["buyer"] == {demo_user(BUYER).pk}


def test_a_note_written_on_the_draft_stays_the_municipalitys(client, draft):
    from contracts.reports import render_contract_html

    buyer = demo_user(BUYER)
    services.comment(contract=draft, text="Intern note: max 2.600 kr.", by=buyer)
    services.send_to_provider(contract=draft, by=buyer)
    services.comment(contract=draft, text="Velkommen til forhandlingen.", by=buyer)
    client.force_login(demo_user(PROVIDER))
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Velkommen til forhandlingen." in page and "Intern note" not in page
    assert "Intern note" not in render_contract_html(draft, "provider")
    client.force_login(buyer)
    assert "Intern note" in client.get(draft.get_absolute_url()).content.decode()
    assert "Intern note" in render_contract_html(draft, "buyer")
