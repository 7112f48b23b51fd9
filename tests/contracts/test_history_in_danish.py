"""A readable history in Danish (issue 14, finding 3): the history said "Status ændret: sent
/ signed / active" and "Vilkår ændret" / "Punkt ændret" without what changed, though before
and after are stored. Now contracts.history.describe says every event in a Danish sentence
with before → after: states by their Danish labels (from ContractState, so a new state
follows), terms by their Danish names with Danish dates and numbers, a clause's text as a
word diff. The page and the PDF use it.

The enumerations below take EventKind, ContractState and services.TERM_FIELDS from the code:
a new kind, state or term that would be shown raw or in English fails here."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format

from contracts import history, services, standard_texts
from contracts.models import Contract, ContractEvent, ContractState, EventKind, TemplateKind
from contracts.reports import render_contract_html
from offers.models import Tariff
from partnership import formats
from partnership.models import User
from tests.factories import demo_user, make_contract, make_offer, pl_rates, publish

BUYER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"

# What must never be shown: the stored values and names, in English or as code.
RAW_WORDS = {
    *ContractState.values,
    *EventKind.values,
    *services.TERM_FIELDS,
    "True",
    "False",
    "None",
    "buyer",
    "provider",
    "addons",
    "price_item",
    "null",
}
RAW = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(RAW_WORDS))) + r")(?![\w-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# 1234.50 (Danish: 1.234,50); not a time of day ("kl. 10.00").
DOT_DECIMAL = re.compile(r"(?<!kl\. )\b\d+\.\d{1,2}(?!\d)")


def raw_in(text: str) -> list[str]:
    # A standard contract's version number ("Voksne uden for rammeaftalen 2.0") is a name.
    for kind in TemplateKind.labels:
        text = re.sub(re.escape(str(kind)) + r" [\d.]+\d", "", text)
    return RAW.findall(text) + ISO_DATE.findall(text) + DOT_DECIMAL.findall(text)


@pytest.fixture
def contract(demo):
    pl_rates()
    return make_contract(offer=make_offer(name="Historiehuset"), case_reference="NAE-HIST-1")


def _event(contract, kind, **data) -> ContractEvent:
    # Events are append-only; a new one is an INSERT, as the services make them.
    return ContractEvent.objects.create(contract=contract, kind=kind, by=demo_user(BUYER), **data)


def _sample(contract: Contract, kind: str) -> ContractEvent:
    """An event of the kind as the services store it (a kind added later: with a state and
    every term changed, which the generic sentence must say in Danish)."""
    snapshot = services._snapshot(contract)
    changed = {**snapshot, "notice_months": 6, "end_date": "2031-06-30", "automatic_pl": False}
    samples = {
        EventKind.CREATED: {"after": snapshot},
        EventKind.STATE: {"before": {"state": "draft"}, "after": {"state": "sent"}},
        EventKind.CLAUSE: {
            "clause_number": "8",
            "before": {"text": "med tre måneders varsel", "reason": ""},
            "after": {"text": "med seks måneders varsel", "reason": "Lang indkøring"},
        },
        EventKind.FIELDS: {"before": snapshot, "after": changed},
        EventKind.COMMENT: {"message": "Vi ønsker seks måneders varsel."},
        EventKind.SIGNED: {"after": {"side": "provider"}},
    }
    data = samples.get(
        kind,
        {"before": {**snapshot, "state": "active"}, "after": {**changed, "state": "terminated"}},
    )
    return _event(contract, kind, **data)


@pytest.mark.parametrize("kind", EventKind.values)
def test_every_event_kind_is_a_danish_sentence_without_raw_values(contract, kind):
    told = history.describe(_sample(contract, kind))
    assert told.sentence and told.sentence[0].isupper(), told.sentence
    assert raw_in(told.text) == [], told.text


def test_each_kind_says_what_changed(contract):
    told = {k: history.describe(_sample(contract, k)) for k in EventKind.values}
    assert told["state"].changes == [history.Change("Status", "Kladde", "Sendt til leverandøren")]
    clause = told["clause"]
    assert ("del", "tre") in clause.diff and ("ins", "seks") in clause.diff
    assert history.Change("Begrundelse", "–", "Lang indkøring") in clause.changes
    fields = {c.label: (c.before, c.after) for c in told["fields"].changes}
    assert fields["Opsigelsesvarsel (måneder)"] == ("3", "6")
    assert fields["Automatisk PL-regulering"] == ("Ja", "Nej")
    assert fields["Slutdato"] == ("–", "30. juni 2031")
    assert "Vi ønsker seks måneders varsel." in told["comment"].text
    assert told["signed"].sentence == "Leverandøren har accepteret kontrakten."


@pytest.mark.parametrize("state", ContractState.values)
def test_every_state_is_shown_by_its_danish_label(contract, state):
    label = str(ContractState(state).label)
    for before, after in ((ContractState.DRAFT, state), (state, ContractState.TERMINATED)):
        told = history.describe(
            _event(contract, EventKind.STATE, before={"state": before}, after={"state": after})
        )
        assert told.changes == [
            history.Change(
                "Status", str(ContractState(before).label), str(ContractState(after).label)
            )
        ]
        assert label in told.text and raw_in(told.text) == [], told.text


def _two_values(contract: Contract, name: str) -> tuple[object, object, str]:
    """Two stored values of a term and how the second is written in Danish."""
    field = {f.attname: f for f in Contract._meta.concrete_fields}[name]
    if field.is_relation and field.related_model is Tariff:
        other = publish(contract.offer, contract.tariff.year + 1, "2612.5")
        return contract.tariff_id, other.pk, formats.kr(Decimal("2612.5"))
    if field.is_relation and field.related_model is User:
        other = demo_user("indkoeb.slagelse@portal.example")
        return demo_user(BUYER).pk, other.pk, str(other)
    if field.is_relation:
        pytest.fail(f"{name}: teach the test a second {field.related_model.__name__}")
    if field.choices:
        (a, _la), (b, label_b) = list(field.choices)[:2]
        return a, b, str(label_b)
    if isinstance(field, models.BooleanField):
        return True, False, "Nej"
    if isinstance(field, models.DateField):
        day = contract.start_date + timedelta(days=400)
        return contract.start_date.isoformat(), day.isoformat(), date_format(day, "j. F Y")
    if isinstance(field, models.DecimalField):
        return "12.5", "1234.5", formats.number(Decimal("1234.5"), field.decimal_places)
    if isinstance(field, models.IntegerField):
        return 3, 1234, "1.234"
    return "SAG-1", "SAG-2", "SAG-2"


@pytest.mark.parametrize("name", services.TERM_FIELDS)
def test_every_term_change_reads_danish_with_before_and_after(contract, name):
    before_value, after_value, written = _two_values(contract, name)
    snapshot = services._snapshot(contract)
    told = history.describe(
        _event(
            contract,
            EventKind.FIELDS,
            before={**snapshot, name: before_value},
            after={**snapshot, name: after_value},
        )
    )
    field = {f.attname: f for f in Contract._meta.concrete_fields}[name]
    label = str(field.verbose_name)
    assert len(told.changes) == 1, told.changes
    change = told.changes[0]
    assert change.label == label[:1].upper() + label[1:]
    assert written in change.after, (name, change)
    assert change.before not in ("", "–") and raw_in(told.text) == [], told.text


def _history_text(page: str) -> str:
    """The history as a screen reader reads it (what is aria-hidden left out)."""
    section = page.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    section = re.sub(r'<span aria-hidden="true">[^<]*</span>', "", section)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def test_finding_3_the_page_and_the_pdf_show_the_history_in_danish(client, contract):
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)
    services.send_to_provider(contract=contract, by=buyer)
    services.comment(contract=contract, text="Kan varslet blive længere?", by=provider)
    clause = next(
        c
        for c in contract.clauses.filter(changeable=True).order_by("order")
        if not standard_texts.terms_of(c.number)
    )
    services.change_clause(
        clause=clause, text=clause.text + " Ny sætning.", reason="Aftalt i forhandlingen", by=buyer
    )
    services.update_terms(
        contract=Contract.objects.get(pk=contract.pk),
        fields={"payment_days": 20},
        addons=[],
        by=buyer,
        reasons={c.number: "Kortere frist aftalt" for c in contract.clauses.all()},
    )
    services.accept(contract=contract, by=provider)

    client.force_login(buyer)
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    text = _history_text(page)
    assert raw_in(text) == [], text
    assert "Kontrakten er sendt til leverandøren." in text
    assert "Status: Kladde ændret til Sendt til leverandøren" in text
    assert "Under forhandling" in text
    assert "Skrev en kommentar." in text  # its text is under Kommentarer, and in the PDF
    assert f"Punkt {clause.number} ({clause.title}) er ændret." in text
    assert "Ny sætning." in text and "Begrundelse: – ændret til Aftalt i forhandlingen" in text
    assert "Betalingsfrist (dage efter faktura): 30 ændret til 20" in text
    assert "Leverandøren har accepteret kontrakten." in text
    assert '<ins class="diff-ins">' in page.split('<ol class="history">', 1)[1]

    pdf_html = render_contract_html(contract)
    assert "Bilag: Historik" in pdf_html
    pdf_text = _history_text(pdf_html)
    assert raw_in(pdf_text) == [], pdf_text
    assert "Betalingsfrist (dage efter faktura): 30 → 20" in pdf_text
    assert "Kontrakten er sendt til leverandøren." in pdf_text
    assert "Kan varslet blive længere?" in pdf_text
