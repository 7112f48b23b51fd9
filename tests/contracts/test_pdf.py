"""The contract as a PDF: parties, terms and clauses, deviations marked in the text and
their reasons in the annex; tagged PDF/UA in Danish; rendered by a real worker too."""

import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from pypdf import PdfReader

from contracts.models import (
    Contract,
    ContractClause,
    ContractState,
    ContractTemplate,
    IndividualPriceItem,
)
from contracts.reports import render_contract_html, render_contract_pdf
from offers.models import Tariff, TariffAddOn
from partnership import jobs
from partnership.models import JobStatus, Organisation
from tests.conftest import wait_for_job
from tests.factories import demo_user, make_offer, pl_rates
from tests.pdfs import pdf_text

OFFER_NAME = "Bostedet Egelund, Havehuset"
CASE_REFERENCE = "NAE-0042"
REASON = "Borgeren har brug for opfølgning hver tredje måned i det første år."
CHANGED_TEXT = (
    "Parterne følger op på indsatsen og borgerens indsatsplan mindst hver tredje måned "
    "og holder statusmøde efter behov."
)


@pytest.fixture
def contract_pdf_kind(monkeypatch):
    """The job kind as contracts/apps.py registers it; put in place if it is not (yet)."""
    if "contract_pdf" not in jobs._kinds:
        monkeypatch.setitem(
            jobs._kinds, "contract_pdf", jobs.JobKind("contract_pdf", render_contract_pdf)
        )


@pytest.fixture
def contract(demo, today) -> Contract:
    """A year's contract that started on the first of the month ten months ago."""
    pl_rates()
    start = today + relativedelta(months=-10, day=1)
    offer = make_offer(provider_slug="bostedet-egelund", name=OFFER_NAME)
    tariff = Tariff.objects.create(  # a draft first: add-ons cannot join a published tariff
        offer=offer,
        year=today.year,
        price=Decimal("2345.50"),
        unit="day",
        occupancy_percent=Decimal("95"),
        created_by=demo_user("leverandoer.a@portal.example"),
    )
    addons = [
        TariffAddOn.objects.create(
            tariff=tariff,
            name="Ledsagelse til fritidsaktiviteter",
            price=Decimal("412.00"),
            unit="hour",
        ),
        TariffAddOn.objects.create(
            tariff=tariff, name="Særlig behandlingsindsats", price=None, unit="individual"
        ),
    ]
    Tariff.objects.filter(pk=tariff.pk).update(status="published", published_at=timezone.now())
    tariff.refresh_from_db()
    buyer_contact = demo_user("sagsbehandler.naestved@portal.example")
    provider_contact = demo_user("leverandoer.a@portal.example")
    template = ContractTemplate.objects.get(kind="adults_outside", version="2.0")
    contract = Contract.objects.create(
        buyer=Organisation.objects.get(slug="naestved"),
        provider=offer.provider,
        offer=offer,
        template=template,
        case_reference=CASE_REFERENCE,
        start_date=start,
        end_date=start + relativedelta(years=1) - timedelta(days=1),
        tariff=tariff,
        payment_timing="arrears",
        payment_days=30,
        notice_months=3,
        followup_first=start + relativedelta(months=3),
        followup_interval_months=3,
        buyer_contact=buyer_contact,
        provider_contact=provider_contact,
        created_by=buyer_contact,
        state=ContractState.ACTIVE,
        buyer_signed_by=buyer_contact,
        buyer_signed_at=timezone.now(),
        provider_signed_by=provider_contact,
        provider_signed_at=timezone.now(),
    )
    contract.addons.set(addons)
    IndividualPriceItem.objects.create(
        contract=contract,
        description="Ekstra nattevagt i indkøringsperioden",
        amount=Decimal("1250.75"),
        unit="pr. nat",
        reason="Aftalt for de første fire uger.",
    )
    ContractClause.objects.bulk_create(
        ContractClause(
            contract=contract,
            number=c.number,
            order=c.order,
            title=c.title,
            standard_text=c.text,
            text=CHANGED_TEXT if c.number == "6" else c.text,
            deviation_reason=REASON if c.number == "6" else "",
            changeable=c.changeable,
        )
        for c in template.clauses.all()
    )
    return contract


def render(contract) -> tuple[str, bytes]:
    """The renderer called as the worker would, for the buyer's contact person."""
    job = SimpleNamespace(params={"contract_id": contract.pk}, ordered_by=contract.buyer_contact)
    return render_contract_pdf(job, lambda done, total: None)


def test_contract_html_marks_the_deviation_in_the_text(contract):
    html = render_contract_html(contract)
    assert "Afvigelser fra standardkontrakten: 1" in html
    assert "<del" in html and "sjette" in html  # the standard word, struck through
    assert "<ins" in html and "tredje" in html  # the agreed word, underlined
    assert "Afvigelse – se bilag, punkt 6" in html
    assert "Bilag: Begrundelser for afvigelser" in html


def test_contract_pdf_shows_parties_terms_and_the_deviation_with_its_reason(contract):
    filename, data = render(contract)
    assert filename == f"kontrakt-naestved-{contract.pk}.pdf"
    text = pdf_text(data)
    for expected in [
        OFFER_NAME,
        "Næstved Kommune",
        "Bostedet Egelund ApS",
        "CVR-nr. 12354495",
        CASE_REFERENCE,
        "2.345,50 kr. pr. døgn",
        "Ledsagelse til fritidsaktiviteter",
        "412,00 kr.",
        "Individuel pris",
        "1.250,75 kr.",
        "Bagud, senest 30 dage",
        "3 måneder",
        "derefter hver 3. måned",
        "Afvigelser fra standardkontrakten: 1",
        "Afvigelse",
        "Opfølgning og statusmøder",
        "mindst hver sjette tredje måned",  # struck-out standard word, then the agreed one
        "Bilag: Begrundelser for afvigelser",
        REASON,
        "Niels Sagsbehandler",
        "Anna Leverandør",
    ]:
        assert expected in " ".join(text.split()), expected


def test_contract_pdf_is_tagged_danish_pdf_ua(contract):
    _filename, data = render(contract)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title == f"Kontrakt: {OFFER_NAME} – Næstved Kommune"


def test_unsigned_contract_says_so(contract):
    Contract.objects.filter(pk=contract.pk).update(
        state=ContractState.NEGOTIATION, buyer_signed_at=None, provider_signed_at=None
    )
    contract.refresh_from_db()
    text = pdf_text(render(contract)[1])
    assert text.count("Ikke underskrevet") == 2


def test_contract_without_deviations_has_no_annex(contract):
    clause = contract.clauses.get(number="6")
    clause.text, clause.deviation_reason = clause.standard_text, ""
    clause.save()
    text = pdf_text(render(contract)[1])
    assert "Afvigelser fra standardkontrakten: 0" in text
    assert "Bilag" not in text


def test_ordered_as_a_job_the_pdf_is_ready_for_the_orderer(contract, contract_pdf_kind):
    job = jobs.order_job(
        kind="contract_pdf",
        title="Kontrakt",
        params={"contract_id": contract.pk},
        by=contract.buyer_contact,
    )
    assert job.status == JobStatus.DONE, job.error  # tasks run in-process under pytest
    assert job.result_name == f"kontrakt-naestved-{contract.pk}.pdf"
    text = pdf_text(job.result_file.path)
    assert REASON in " ".join(text.split())


def test_someone_not_party_to_the_contract_gets_no_pdf(contract, contract_pdf_kind):
    job = jobs.order_job(
        kind="contract_pdf",
        title="Kontrakt",
        params={"contract_id": contract.pk},
        by=demo_user("sagsbehandler.slagelse@portal.example"),
    )
    assert job.status == JobStatus.FAILED
    assert "parter" in job.error
    assert not job.result_file


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_contract_pdf_is_written_by_a_worker_process(
    contract, contract_pdf_kind, celery_worker_process
):
    job = jobs.order_job(
        kind="contract_pdf",
        title="Kontrakt",
        params={"contract_id": contract.pk},
        by=contract.buyer_contact,
    )
    assert job.status == JobStatus.QUEUED  # handed to Redis, not run here
    wait_for_job(job)
    assert job.status == JobStatus.DONE, job.error
    text = pdf_text(job.result_file.path)
    assert REASON in " ".join(text.split())
    assert OFFER_NAME in text
