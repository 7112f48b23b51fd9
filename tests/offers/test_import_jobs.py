"""Confirming a tariff import queues a background job (issue 13, finding 6): the job page of
the reports with progress "N af M" and a Danish failure reason, all rows or none, and a
fixed number of queries per batch of tariffs whatever the number of rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers.imports import importer
from offers.imports import jobs as import_jobs
from offers.models import Tariff, TariffAddOn, TariffStatus
from partnership import jobs
from partnership.models import Job, JobStatus
from tests.conftest import wait_for_job
from tests.factories import demo_user, pl_rates, publish
from tests.offers.import_files import many_offers, tariff_file
from tests.offers.test_import import EDITOR_A, YEAR, preview_key, upload


@pytest.fixture
def rates(demo):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})


def parse(data: bytes) -> importer.ImportResult:
    result = importer.parse_import(data=data, filename="takster.csv", user=demo_user(EDITOR_A))
    assert result.is_valid, [str(e) for e in result.errors][:5]
    return result


# --- The job --------------------------------------------------------------------------------


def test_confirming_queues_a_job_on_the_job_page_with_a_receipt(rates, as_provider):
    offers = many_offers(3)
    response = upload(as_provider, tariff_file(offers, YEAR, addons_per_offer=2))
    assert "Gem alle 3 takster" in response.content.decode()
    assert Tariff.objects.count() == 0
    page = as_provider.post(
        reverse("offers:tariff_import_confirm", args=[preview_key(response)]), follow=True
    )
    job = Job.objects.get(kind=import_jobs.KIND)
    assert page.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.ordered_by == demo_user(EDITOR_A)
    assert job.title == "Indlæsning af 3 takster fra takster.csv"
    assert job.status == JobStatus.DONE, job.error
    assert (job.progress_done, job.progress_total) == (3, 3)
    body = page.content.decode()
    assert "3 takster er gemt og offentliggjort." in body
    assert "Hent kvittering-takster.csv" in body
    # Listed under "Mine jobs", as a report is.
    assert job.title in as_provider.get(reverse("partnership:job_list")).content.decode()
    receipt = b"".join(
        as_provider.get(reverse("partnership:job_download", args=[job.pk])).streaming_content
    ).decode("utf-8-sig")
    assert receipt.splitlines()[0] == (
        "tilbud_id;tilbud;takstår;version;takst;enhed;moms_inkluderet;overhead;tillægsydelser"
    )
    assert (
        f"{offers[0].pk};Botilbud 00000;{YEAR};1;2000,50;pr. døgn;ja;150,00;Tillæg 1, Tillæg 2"
        in (receipt)
    )
    assert Tariff.objects.filter(status=TariffStatus.PUBLISHED).count() == 3
    assert TariffAddOn.objects.count() == 6
    # The preview cannot be confirmed again.
    again = as_provider.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    assert again.status_code == 302 and Job.objects.count() == 1


def test_a_failed_import_job_says_why_in_danish_and_saves_nothing(rates, as_provider):
    offers = many_offers(3)
    response = upload(as_provider, tariff_file(offers, YEAR))
    publish(offers[2], YEAR, "2600.00")  # a colleague publishes meanwhile: row 4 is a correction
    page = as_provider.post(
        reverse("offers:tariff_import_confirm", args=[preview_key(response)]), follow=True
    )
    job = Job.objects.get(kind=import_jobs.KIND)
    assert job.status == JobStatus.FAILED
    assert job.error == (
        f"Intet er gemt. Række 4, kolonne «takstår»: Taksten for {YEAR} er ændret, siden filen "
        "blev indlæst (rækken ville nu blive version 2). Upload filen igen. Ret filen, og "
        "upload den igen."
    ) or job.error.startswith("Intet er gemt. Række 4, kolonne «begrundelse»:"), job.error
    assert "Jobbet fejlede" in page.content.decode()
    assert job.error in page.content.decode()
    assert Tariff.objects.count() == 1  # only the colleague's
    # The rows stay stored, so "Prøv igen" can run it again (and fails the same way).
    assert import_jobs.load_result(job.params["stored"]) is not None


def test_a_second_delivery_of_a_finished_import_saves_nothing_twice(rates, as_provider):
    offers = many_offers(2)
    response = upload(as_provider, tariff_file(offers, YEAR))
    as_provider.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    job = Job.objects.get(kind=import_jobs.KIND)
    assert job.status == JobStatus.DONE
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # as if never acknowledged
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Tariff.objects.count() == 2


def test_a_10000_row_file_is_accepted(rates):
    """Read and checked as the upload does (the saving is measured in bench/run_import)."""
    offers = many_offers(10_000)
    result = parse(tariff_file(offers, YEAR))
    assert len(result.rows_to_save) == 10_000
    too_many = tariff_file(offers[:1], YEAR, addons_per_offer=importer.MAX_ROWS + 1)
    refused = importer.parse_import(data=too_many, filename="takster.csv", user=demo_user(EDITOR_A))
    assert [str(e) for e in refused.file_errors] == [
        "Filen har mere end 20.000 rækker. Del den op i flere filer."
    ]


# --- Queries per batch ------------------------------------------------------------------------


def _mixed(offers, year):
    """Some offers with a published tariff for the year (the row is a correction) and some
    with a draft (the row fills it in), so every kind of write is in every batch."""
    for i, offer in enumerate(offers):
        if i % 5 == 0:
            publish(offer, year, "1900.00", addons=[("Kørsel", Decimal("3.70"), "km")])
        elif i % 7 == 0:
            Tariff.objects.create(
                offer=offer,
                year=year,
                price=Decimal("1.00"),
                unit="day",
                occupancy_percent=Decimal("90"),
                created_by=demo_user(EDITOR_A),
            )
    return tariff_file(offers, year, addons_per_offer=2, begrundelse="Ny beregning")


def test_queries_per_batch_do_not_grow_with_the_rows(rates, monkeypatch):
    offers = many_offers(60)
    small = parse(_mixed(offers[:10], YEAR))
    large = parse(_mixed(offers[10:], YEAR))
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as ten:
        importer.apply_import(rows=small.rows, by=demo_user(EDITOR_A))
    per_batch = len(ten.captured_queries)
    assert per_batch < 30, "\n".join(q["sql"][:150] for q in ten.captured_queries)
    # Fifty tariffs (a hundred add-ons) in one batch: the same number of queries as ten.
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as fifty:
        importer.apply_import(rows=large.rows, by=demo_user(EDITOR_A))
    assert len(fifty.captured_queries) == per_batch, "\n".join(
        q["sql"][:100] for q in ten.captured_queries + fifty.captured_queries
    )
    assert Tariff.objects.filter(status=TariffStatus.PUBLISHED, year=YEAR).count() == 60 + 12


def test_queries_grow_with_the_batches_only(rates, monkeypatch, django_assert_max_num_queries):
    offers = many_offers(50)
    first = parse(_mixed(offers[:10], YEAR))
    rest = parse(_mixed(offers[10:], YEAR))
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as one:
        importer.apply_import(rows=first.rows, by=demo_user(EDITOR_A))
    # Four batches of ten: four times one batch's queries (the transaction's own two aside).
    with django_assert_max_num_queries(4 * len(one.captured_queries)):
        saved = importer.apply_import(rows=rest.rows, by=demo_user(EDITOR_A))
    assert len(saved) == 40
    corrected = Tariff.objects.get(offer=offers[10], year=YEAR, version=2)
    assert corrected.status == TariffStatus.PUBLISHED
    assert sorted(a.name for a in corrected.addons.all()) == ["Kørsel", "Tillæg 1", "Tillæg 2"]


# --- Progress while the job holds its transaction ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_import_holds_its_transaction(demo):
    """The import saves in one transaction; its progress goes over a connection of its own,
    so the job page sees "N af M" before the transaction ends."""
    seen = {}

    def render(job, progress):
        with transaction.atomic():
            progress(5, 10)
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT progress_done, progress_total FROM partnership_job WHERE id = %s",
                        [job.pk],
                    )
                    seen["progress"] = cursor.fetchone()
            finally:
                other.close()
        return "x.txt", b"x"

    jobs.register("test_progress_in_a_transaction", render)
    try:
        job = jobs.order_job(
            kind="test_progress_in_a_transaction",
            title="Test",
            params={},
            by=demo_user(EDITOR_A),
        )
    finally:
        jobs._kinds.pop("test_progress_in_a_transaction")
    assert seen["progress"] == (5, 10)
    assert job.status == JobStatus.DONE


# --- A real worker ---------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_saves_the_import_and_reports_progress(demo, celery_worker_process):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    offers = many_offers(1200)
    client = Client()
    client.force_login(demo_user(EDITOR_A))
    response = upload(client, tariff_file(offers, YEAR, addons_per_offer=2))
    client.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    job = Job.objects.get(kind=import_jobs.KIND)
    wait_for_job(job, timeout=120)
    assert job.status == JobStatus.DONE, job.error
    assert (job.progress_done, job.progress_total) == (1200, 1200)
    assert Tariff.objects.filter(status=TariffStatus.PUBLISHED).count() == 1200
    assert TariffAddOn.objects.count() == 2400
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Færdig" in page and "Hent kvittering-takster.csv" in page


def test_followers_are_told_of_each_imported_tariff(
    rates, as_provider, django_capture_on_commit_callbacks
):
    from offers.models import OfferFollow
    from partnership.models import Notice

    offers = many_offers(2)
    follower = demo_user("sagsbehandler.slagelse@portal.example")
    OfferFollow.objects.create(user=follower, offer=offers[1])
    response = upload(as_provider, tariff_file(offers, YEAR))
    with django_capture_on_commit_callbacks(execute=True):
        as_provider.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    assert [n.message for n in Notice.objects.filter(user=follower)] == [
        f"Botilbud 00001 har offentliggjort takst for {YEAR} (version 1)."
    ]
