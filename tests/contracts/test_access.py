"""A municipality sees only its own contracts, a provider only those it is party to, and the
secretariat only aggregates without case references. Tried on every contract URL."""

import pytest
from django.urls import reverse

from contracts.models import Contract, ContractState
from contracts.selectors import AGREED_STATES, deviation_measure
from tests.factories import demo_user, make_contract, make_offer, pl_rates


@pytest.fixture
def contract(demo):
    pl_rates()
    return make_contract(offer=make_offer(name="Autismebo Syd"), case_reference="NAE-SYD-7777")


def contract_urls(c):
    clause = c.clauses.get(number="8")
    return [
        ("get", reverse("contracts:contract_detail", args=[c.pk])),
        ("get", reverse("contracts:contract_edit", args=[c.pk])),
        ("post", reverse("contracts:contract_edit", args=[c.pk])),
        ("get", reverse("contracts:clause_edit", args=[c.pk, clause.pk])),
        ("post", reverse("contracts:clause_edit", args=[c.pk, clause.pk])),
        ("get", reverse("contracts:contract_price_item", args=[c.pk])),
        ("post", reverse("contracts:contract_price_item", args=[c.pk])),
        ("post", reverse("contracts:contract_send", args=[c.pk])),
        ("post", reverse("contracts:contract_accept", args=[c.pk])),
        ("post", reverse("contracts:contract_comment", args=[c.pk])),
        ("post", reverse("contracts:contract_terminate", args=[c.pk])),
        ("post", reverse("contracts:contract_renegotiate", args=[c.pk])),
        ("post", reverse("contracts:contract_pdf", args=[c.pk])),
    ]


@pytest.mark.parametrize(
    "email",
    [
        "sagsbehandler.slagelse@portal.example",  # another municipality
        "indkoeb.slagelse@portal.example",
        "leverandoer.b@portal.example",  # another provider
        "branche.los@portal.example",
        "sekretariat@portal.example",  # aggregates only
    ],
)
def test_outsiders_get_404_on_every_contract_url(client, contract, email, today):
    client.force_login(demo_user(email))
    before = list(Contract.objects.values_list("state", "updated_at"))
    for method, url in contract_urls(contract):
        response = getattr(client, method)(
            url, {"text": "x", "reason": "y", "notice_given_on": today.isoformat()}
        )
        assert response.status_code == 404, (email, url, response.status_code)
    assert list(Contract.objects.values_list("state", "updated_at")) == before
    listing = client.get(reverse("contracts:contract_list"), follow=True).content.decode()
    assert "NAE-SYD-7777" not in listing


def test_the_parties_see_it(client, contract):
    from contracts import services

    # Sent: a draft is the municipality's alone (tests/contracts/test_private_until_sent.py).
    services.send_to_provider(
        contract=contract, by=demo_user("sagsbehandler.naestved@portal.example")
    )
    for email in ("sagsbehandler.naestved@portal.example", "leverandoer.a@portal.example"):
        client.force_login(demo_user(email))
        assert "NAE-SYD-7777" in client.get(reverse("contracts:contract_list")).content.decode()
        assert client.get(contract.get_absolute_url()).status_code == 200


def test_provider_cannot_edit_terms_or_send(client, contract):
    client.force_login(demo_user("leverandoer.a@portal.example"))
    # A draft is not the provider's to see at all (404); sent, its terms are the buyer's (403).
    assert client.get(reverse("contracts:contract_edit", args=[contract.pk])).status_code == 404
    client.post(reverse("contracts:contract_send", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.state == "draft"


def test_secretariat_sees_measures_without_case_references(client, contract):
    client.force_login(demo_user("sekretariat@portal.example"))
    page = client.get(reverse("contracts:measures")).content.decode()
    assert "Kontrakter uden afvigelser" in page and "NAE-SYD-7777" not in page
    client.force_login(demo_user("sagsbehandler.naestved@portal.example"))
    assert client.get(reverse("contracts:measures")).status_code == 403


def test_measure_for_the_seeded_contracts_matches_a_hand_count(demo):
    from contracts import demo as contracts_demo
    from offers import demo as offers_demo
    from partnership.models import Organisation

    orgs = {o.slug: o for o in Organisation.objects.all()}
    offers_demo.seed(orgs)
    contracts_demo.seed(orgs)
    per_buyer, clauses = deviation_measure()
    # By hand: walk every agreed contract's clauses in Python.
    expected = {}
    for c in (
        Contract.objects.filter(state__in=AGREED_STATES)
        .prefetch_related("clauses")
        .select_related("buyer")
    ):
        if c.amendment_of_id and c.state == ContractState.SIGNED:
            continue  # an amendment not yet in force: the agreement counts as its original
        total, without = expected.get(c.buyer.name, (0, 0))
        has_dev = any(cl.text != cl.standard_text for cl in c.clauses.all())
        expected[c.buyer.name] = (total + 1, without + (0 if has_dev else 1))
    assert {m.buyer: (m.total, m.without) for m in per_buyer} == expected
    assert sum(t for t, _w in expected.values()) >= 15
    assert 0 < sum(w for _t, w in expected.values()) < sum(t for t, _w in expected.values())
    changed = {}
    for c in Contract.objects.filter(state__in=AGREED_STATES).prefetch_related("clauses"):
        if c.amendment_of_id and c.state == ContractState.SIGNED:
            continue
        for cl in c.clauses.all():
            if cl.text != cl.standard_text:
                changed[cl.number] = changed.get(cl.number, 0) + 1
    assert {r["number"]: r["n"] for r in clauses} == changed


def test_secretariat_cannot_fetch_a_contract_pdf_ordered_by_a_party(client, contract):
    from partnership import jobs
    from partnership.models import Job

    job = jobs.order_job(
        kind="contract_pdf",
        title="Kontrakt",
        params={"contract_id": contract.pk},
        by=demo_user("sagsbehandler.naestved@portal.example"),
    )
    assert Job.objects.get(pk=job.pk).status == "done"
    client.force_login(demo_user("sekretariat@portal.example"))
    assert client.get(reverse("partnership:job_download", args=[job.pk])).status_code == 404
    assert (
        "Kontrakt"
        not in client.get(reverse("partnership:job_list") + "?alle=1")
        .content.decode()
        .split("<main")[1]
    )
