"""Issue 14, findings 2 and 4: a contract's terms are its clauses' text (one source,
contracts.standard_texts), a term other than the standard is a deviation with a reason
counted in the measure, and an amendment governs from its effective date, when the version
it amends is replaced, so the list and the measure count the agreement once."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services, standard_texts, tasks
from contracts.models import Contract, ContractState, ContractTemplate, TemplateStatus
from contracts.selectors import current_versions, deviation_measure
from tests.conftest import COPENHAGEN
from tests.factories import demo_user, make_contract, make_offer, pl_rates, publish

CASEWORKER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"
NAESTVED = "Næstved Kommune"


@pytest.fixture
def offer(demo, today):
    pl_rates()
    o = make_offer(name="Autismebo Syd")
    publish(o, today.year, "2500", addons=[("Ekstra støtte 1:1", 465, "hour")])
    return o


def edit_data(contract, **overrides):
    data = {
        "case_reference": contract.case_reference,
        "start_date": contract.start_date.isoformat(),
        "end_date": "",
        "tariff": contract.tariff_id,
        "payment_timing": contract.payment_timing,
        "payment_days": str(contract.payment_days),
        "notice_months": str(contract.notice_months),
        "automatic_pl": "on",
        "followup_first": "",
        "followup_interval_months": "",
        "buyer_contact": contract.buyer_contact_id,
        "provider_contact": contract.provider_contact_id,
    }
    data.update(overrides)
    return data


def text_of(contract, number):
    return contract.clauses.get(number=number)


def agree(contract):
    """Sent, accepted by both: signed (active if it has started)."""
    services.send_to_provider(contract=contract, by=demo_user(CASEWORKER))
    services.accept(contract=contract, by=demo_user(PROVIDER))
    services.accept(contract=contract, by=demo_user(CASEWORKER))
    contract.refresh_from_db()
    return contract


def measure_for(buyer_name):
    per_buyer, _clauses = deviation_measure()
    return next(((m.total, m.without) for m in per_buyer if m.buyer == buyer_name), (0, 0))


# --- Finding 2: terms and clause texts disagree ----------------------------------------------


def test_changing_the_notice_to_six_months_rewrites_clause_8_as_a_deviation(client, offer):
    contract = make_contract(offer=offer)
    assert "med tre måneders varsel" in text_of(contract, "8").text
    client.force_login(demo_user(CASEWORKER))
    url = reverse("contracts:contract_edit", args=[contract.pk])

    response = client.post(url, edit_data(contract, notice_months="6"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Skriv, hvorfor opsigelsesvarslet afviger fra standardkontrakten (punkt 8)." in page
    assert 'name="notice_months" value="6"' in page  # what was typed is kept
    contract.refresh_from_db()
    assert contract.notice_months == 3  # nothing saved
    assert not text_of(contract, "8").is_deviation

    reason = "Borgeren har brug for længere tid til at finde et nyt tilbud."
    response = client.post(url, edit_data(contract, notice_months="6", reason_8=reason))
    assert response.status_code == 302
    clause = text_of(contract, "8")
    assert "med seks måneders varsel til udgangen af en måned" in clause.text
    assert "tre måneders" not in clause.text
    assert clause.is_deviation and clause.deviation_reason == reason
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "1 afvigelse fra standardkontrakten" in page
    assert '<del class="diff-del">tre</del><ins class="diff-ins">seks</ins>' in page
    assert contract.events.filter(kind="clause", clause_number="8").exists()

    # Back to the standard: the clause is the standard text again, without a reason.
    client.post(url, edit_data(contract, notice_months="3", reason_8=reason))
    clause = text_of(contract, "8")
    assert not clause.is_deviation and clause.deviation_reason == ""


@pytest.mark.parametrize(
    ("fields", "number", "phrase"),
    [
        ({"payment_timing": "arrears"}, "5", "månedsvis bagud efter faktura"),
        ({"payment_days": 14}, "5", "Betalingsfristen er højst 14 dage"),
        ({"automatic_pl": False}, "4", "Taksten reguleres ikke automatisk hvert år"),
        ({"followup_interval_months": 3}, "6", "mindst hver tredje måned"),
        ({"notice_months": 1}, "8", "med en måneds varsel"),
    ],
)
def test_each_term_other_than_the_standard_is_written_into_its_clause(
    offer, fields, number, phrase
):
    contract = make_contract(offer=offer)
    with pytest.raises(ValidationError) as refused:
        services.update_terms(contract=contract, fields=fields, addons=[], by=demo_user(CASEWORKER))
    assert f"reason_{number}" in refused.value.message_dict
    services.update_terms(
        contract=contract,
        fields=fields,
        addons=[],
        by=demo_user(CASEWORKER),
        reasons={number: "Aftalt med leverandøren."},
    )
    clause = text_of(contract, number)
    assert phrase in clause.text and clause.is_deviation
    assert contract.deviation_count == 1


def test_a_new_contract_with_a_longer_notice_needs_a_reason(client, offer, today):
    from tests.contracts.test_contracts import form_data

    client.force_login(demo_user(CASEWORKER))
    url = reverse("contracts:contract_create") + f"?tilbud={offer.pk}"
    response = client.post(url, form_data(offer, notice_months="6"))
    assert response.status_code == 200
    assert "Skriv, hvorfor opsigelsesvarslet afviger" in response.content.decode()
    assert not Contract.objects.filter(offer=offer).exists()
    client.post(url, form_data(offer, notice_months="6", reason_8="Særlig målgruppe."))
    clause = Contract.objects.get(offer=offer).clauses.get(number="8")
    assert "seks måneders varsel" in clause.text and clause.deviation_reason == "Særlig målgruppe."


def test_a_clause_edited_by_hand_cannot_contradict_the_terms(client, offer):
    contract = make_contract(offer=offer)
    notice = text_of(contract, "8")
    with pytest.raises(ValidationError) as refused:
        services.change_clause(
            clause=notice,
            text=notice.text.replace("tre", "seks"),
            reason="Aftalt",
            by=demo_user(CASEWORKER),
        )
    assert "opsigelsesvarslet" in refused.value.messages[0]
    assert "Redigér vilkår" in refused.value.messages[0]
    # The terms' words kept, anything else may be added, as a deviation with a reason.
    longer = notice.text + " Opsigelse sker skriftligt."
    services.change_clause(clause=notice, text=longer, reason="Aftalt", by=demo_user(CASEWORKER))
    assert text_of(contract, "8").text == longer
    # A later change of the term rewrites the clause and keeps the words added.
    services.update_terms(
        contract=contract,
        fields={"notice_months": 4},
        addons=[],
        by=demo_user(CASEWORKER),
    )
    assert text_of(contract, "8").text == longer.replace("tre", "fire")


def test_the_tariff_is_written_into_clause_3_and_follows_a_new_tariff(offer, today):
    contract = make_contract(offer=offer)
    clause = text_of(contract, "3")
    assert "2.500,00 kr." in clause.text and not clause.is_deviation
    newer = publish(offer, today.year, "2700", version=2, reason="Rettet beregning")
    services.update_terms(
        contract=contract, fields={"tariff": newer}, addons=[], by=demo_user(CASEWORKER)
    )
    clause = text_of(contract, "3")
    assert "2.700,00 kr." in clause.text and "2.500,00" not in clause.text
    assert not clause.is_deviation  # a tariff has no standard value


def test_a_term_deviation_counts_in_the_measure_like_a_changed_clause(offer):
    before = measure_for(NAESTVED)
    agree(make_contract(offer=offer))
    longer = make_contract(offer=offer)
    services.update_terms(
        contract=longer,
        fields={"notice_months": 6},
        addons=[],
        by=demo_user(CASEWORKER),
        reasons={"8": "Særlig målgruppe."},
    )
    assert agree(longer).state == ContractState.SIGNED
    total, without = measure_for(NAESTVED)
    assert (total - before[0], without - before[1]) == (2, 1)


def test_every_published_template_holds_the_standard_words_of_its_terms(demo):
    """Each term must find its words in its clause (a new template version must keep them)."""
    for template in ContractTemplate.objects.filter(status=TemplateStatus.PUBLISHED):
        for clause in template.clauses.all():
            assert standard_texts.template_lacks(clause.number, clause.text) == [], (
                template,
                clause.number,
            )


def test_the_phrases_read_as_danish():
    assert standard_texts.notice_phrase(6) == "med seks måneders varsel"
    assert standard_texts.notice_phrase(1) == "med en måneds varsel"
    assert standard_texts.notice_phrase(18) == "med 18 måneders varsel"
    assert standard_texts.followup_phrase(1) == "mindst hver måned"
    assert standard_texts.followup_phrase(2) == "mindst hver anden måned"
    assert standard_texts.followup_phrase(18) == "mindst hver 18. måned"
    assert standard_texts.payment_phrase(("arrears", 1)).endswith("højst 1 dag")


# --- Finding 4: amendment and original are both "Aktiv" --------------------------------------


def active(offer, today):
    contract = agree(make_contract(offer=offer, start_date=today - timedelta(days=60)))
    assert contract.state == ContractState.ACTIVE
    return contract


def test_an_amendment_needs_an_effective_date_not_before_the_original_start(client, offer, today):
    contract = active(offer, today)
    buyer = demo_user(CASEWORKER)
    with pytest.raises(ValidationError) as refused:
        services.start_renegotiation(contract=contract, by=buyer)
    assert refused.value.message_dict["effective_date"] == [
        "Skriv, hvornår tillægget skal gælde fra."
    ]
    with pytest.raises(ValidationError) as refused:
        services.start_renegotiation(
            contract=contract, by=buyer, effective_date=contract.start_date - timedelta(days=1)
        )
    assert "tidligst gælde fra kontraktens startdato" in refused.value.messages[0]

    client.force_login(buyer)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert 'name="effective_date"' in page and "Tillægget gælder fra" in page
    url = reverse("contracts:contract_renegotiate", args=[contract.pk])
    response = client.post(url, {"effective_date": ""}, follow=True)
    assert "Skriv, hvornår tillægget skal gælde fra." in response.content.decode()
    assert not Contract.objects.filter(amendment_of=contract).exists()
    effective = today + timedelta(days=30)
    response = client.post(url, {"effective_date": effective.isoformat()})
    amendment = Contract.objects.get(amendment_of=contract)
    assert response.url == amendment.get_absolute_url()
    assert amendment.start_date == effective
    # The amendment's start (its effective date) cannot be moved before the original's.
    with pytest.raises(ValidationError):
        services.update_terms(
            contract=amendment,
            fields={"start_date": contract.start_date - timedelta(days=1)},
            addons=[],
            by=buyer,
        )


def test_an_amendment_governs_from_its_effective_date_and_the_agreement_counts_once(
    client, offer, today
):
    before = measure_for(NAESTVED)
    contract = active(offer, today)
    assert measure_for(NAESTVED) == (before[0] + 1, before[1] + 1)
    buyer = demo_user(CASEWORKER)
    effective = today + timedelta(days=20)
    amendment = services.start_renegotiation(contract=contract, by=buyer, effective_date=effective)
    services.update_terms(
        contract=amendment,
        fields={"notice_months": 6},
        addons=[],
        by=buyer,
        reasons={"8": "Længere varsel aftalt ved genforhandlingen."},
    )
    # The page of the amendment shows what it changes in the original.
    client.force_login(buyer)
    page = client.get(amendment.get_absolute_url()).content.decode()
    assert "Ændringer i forhold til den oprindelige kontrakt" in page
    assert "Opsigelsesvarsel" in page and "6 mdr." in page
    assert '<del class="diff-del">tre</del><ins class="diff-ins">seks</ins>' in page

    agree(amendment)
    contract.refresh_from_db()
    assert amendment.state == ContractState.SIGNED  # waits for its effective date
    assert contract.state == ContractState.RENEGOTIATION
    # Until then the original governs, and the agreement counts once, without deviation.
    assert measure_for(NAESTVED) == (before[0] + 1, before[1] + 1)
    assert set(current_versions().filter(offer=offer)) == {contract}

    moment = dt.datetime.combine(effective, dt.time(6, 0), tzinfo=COPENHAGEN)
    with time_machine.travel(moment, tick=False):
        assert tasks.activate_contracts() == 1
        assert tasks.activate_contracts() == 0  # safe to run twice
    amendment.refresh_from_db()
    contract.refresh_from_db()
    assert amendment.state == ContractState.ACTIVE
    assert contract.state == ContractState.SUPERSEDED
    when = f"{effective.day}. "
    assert contract.state_label.startswith("Erstattet af tillæg af " + when)
    assert set(current_versions().filter(offer=offer)) == {amendment}
    assert Contract.objects.filter(offer=offer, state=ContractState.ACTIVE).count() == 1
    # The agreement still counts once, now with the amendment's longer notice: a deviation.
    assert measure_for(NAESTVED) == (before[0] + 1, before[1])

    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Erstattet af tillæg af " + when in page
    listing = client.get(reverse("contracts:contract_list"), {"state": "active"})
    rows = listing.content.decode()
    assert rows.count(amendment.get_absolute_url()) == 1
    assert contract.get_absolute_url() not in rows


def test_an_amendment_signed_after_its_effective_date_governs_at_once(offer, today):
    contract = active(offer, today)
    amendment = services.start_renegotiation(
        contract=contract, by=demo_user(CASEWORKER), effective_date=today
    )
    agree(amendment)
    contract.refresh_from_db()
    assert amendment.state == ContractState.ACTIVE
    assert contract.state == ContractState.SUPERSEDED


def test_the_demo_counts_each_agreement_once_and_its_changed_terms(demo, today):
    from partnership.models import Organisation
    from partnership.signals import demo_seeded

    demo_seeded.send(sender=None, organisations={o.slug: o for o in Organisation.objects.all()})
    amendment = Contract.objects.get(amendment_of__isnull=False, state=ContractState.SIGNED)
    assert amendment.start_date > today
    assert amendment.amendment_of.state == ContractState.RENEGOTIATION
    in_force = Contract.objects.get(amendment_of__isnull=False, state=ContractState.ACTIVE)
    assert in_force.amendment_of.state == ContractState.SUPERSEDED
    counted = list(current_versions())
    assert amendment not in counted and amendment.amendment_of in counted
    assert in_force in counted and in_force.amendment_of not in counted
    per_buyer, clauses = deviation_measure()
    assert sum(m.total for m in per_buyer) == len(counted)
    # Changed terms count: every deviating clause of a counted contract is a deviation.
    deviating = [c for c in counted if c.deviation_count]
    assert sum(m.total - m.without for m in per_buyer) == len(deviating)
    assert {"8", "5", "4"} <= {c["number"] for c in clauses}
    # Terms and clauses agree in every demo contract.
    for contract in Contract.objects.prefetch_related("clauses"):
        for clause in contract.clauses.all():
            assert standard_texts.missing_terms(clause.text, clause.number, contract) == []
    assert timezone.localdate() == today


def test_the_migration_writes_the_terms_into_clauses_made_before(offer, today):
    """Contracts made before terms were clause text: clause 3 gets its tariff, clause 8 its
    notice (a deviation, with a reason saying where it came from), and an original still
    active beside its active amendment is replaced."""
    from importlib import import_module

    from django.apps import apps

    from contracts.models import ContractClause

    migration = import_module("contracts.migrations.0008_terms_and_amendments")
    contract = make_contract(offer=offer)
    Contract.objects.filter(pk=contract.pk).update(notice_months=6)
    template = {c.number: c.text for c in contract.template.clauses.all()}
    for number in ("3", "8"):  # as the old service wrote them
        ContractClause.objects.filter(contract=contract, number=number).update(
            text=template[number], standard_text=template[number], deviation_reason=""
        )
    migration.write_terms_into_clauses(apps, None)
    assert "2.500,00 kr." in text_of(contract, "3").standard_text
    notice = text_of(contract, "8")
    assert "med seks måneders varsel" in notice.text
    assert "med tre måneders varsel" in notice.standard_text
    assert notice.deviation_reason == migration.CARRIED_REASON

    original = active(offer, today)
    amendment = services.start_renegotiation(
        contract=original, by=demo_user(CASEWORKER), effective_date=today
    )
    now = timezone.now()
    Contract.objects.filter(pk__in=[original.pk, amendment.pk]).update(
        state=ContractState.ACTIVE, buyer_signed_at=now, provider_signed_at=now
    )
    migration.supersede_originals(apps, None)
    original.refresh_from_db()
    assert original.state == ContractState.SUPERSEDED
    assert original.events.filter(after__state="superseded").exists()
