"""Failing parts: a worker killed in the middle of a render, a broker that cannot be
reached; and every PDF the portal makes is PDF/UA."""

import io
import os
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from offers.selectors import current_year
from partnership import jobs
from partnership.models import Job, JobStatus
from tests.conftest import start_worker, stop_worker, wait_for_job
from tests.factories import demo_user, make_offer, pl_rates, publish


def _many_offers(n: int) -> None:
    pl_rates(**{f"y{current_year() - 1}": "2.6", f"y{current_year()}": "2.4"})
    for i in range(n):
        offer = make_offer(name=f"Botilbud {i:03d}")
        publish(offer, current_year() - 1, 2000 + i)
        publish(offer, current_year(), 2050 + i, addons=[("Ekstra støtte", 465, "hour")])


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_job_survives_a_killed_worker_and_completes_once(demo, settings, worker_queue):
    """The worker is killed (SIGKILL) while it renders. The task was not acknowledged, so the
    broker hands it to the next worker, which finishes it; one job, one result file."""
    _many_offers(120)
    log = os.path.join(os.path.dirname(str(settings.MEDIA_ROOT)), "worker.log")
    first = start_worker(settings, worker_queue, log, CELERY_VISIBILITY_TIMEOUT=3)
    try:
        job = jobs.order_job(
            kind="takstoversigt",
            title="Takstoversigt",
            by=demo_user("sekretariat@portal.example"),
            params={
                "year": current_year(),
                "paragraphs": [],
                "target_groups": [],
                "municipality": "",
                "ownership": "",
                "provider": "",
                "branch": "",
                "format": "pdf",
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status == JobStatus.RUNNING and job.progress_done > 0:
                break
            time.sleep(0.05)
        assert job.status == JobStatus.RUNNING, f"never saw the render running: {job.status}"
    finally:
        stop_worker(first, kill=True)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.result_file  # died mid-render

    second = start_worker(settings, worker_queue, log, CELERY_VISIBILITY_TIMEOUT=3)
    try:
        wait_for_job(job, timeout=120)
    finally:
        stop_worker(second)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    assert Job.objects.count() == 1
    files = os.listdir(os.path.join(str(settings.MEDIA_ROOT), "jobs", str(job.pk)))
    assert files == [os.path.basename(job.result_file.name)]
    text = "\n".join(p.extract_text() for p in PdfReader(job.result_file.path).pages)
    assert "Botilbud 000" in text and "Botilbud 119" in text


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Every send goes over a real connection to a broker address where nothing listens:
    it fails as it does when Redis is down."""
    from config.celery import app
    from partnership.tasks import run_job

    original = run_job.apply_async

    def send_to_dead_broker(*args, **kwargs):
        with app.connection_for_write("redis://127.0.0.1:9/0", connect_timeout=1) as conn:
            return original(*args, connection=conn, **kwargs)

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(run_job, "apply_async", send_to_dead_broker)
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def test_with_the_broker_down_ordering_says_so_creates_nothing_and_pages_work(
    client, demo, unreachable_broker
):
    _many_offers(2)
    from offers.models import Offer

    client.force_login(demo_user("sekretariat@portal.example"))
    response = client.post(reverse("partnership:member_list_order"), follow=True)
    assert "Baggrundskøen kan ikke nås" in response.content.decode()
    assert not Job.objects.exists()
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("offers:search")).status_code == 200
    assert client.get(Offer.objects.first().get_absolute_url()).status_code == 200
    assert client.get(reverse("partnership:dashboard")).status_code == 200


def _assert_pdf_ua(data: bytes, what: str) -> None:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == "da", what
    assert "/StructTreeRoot" in root, what
    assert root["/MarkInfo"]["/Marked"], what
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data(), what
    assert reader.metadata.title, what


def test_every_pdf_the_portal_makes_is_pdf_ua_in_danish(demo):
    """Renders one document of every registered job kind and checks each."""
    from contracts.models import Contract
    from partnership.meetings import services as meeting_services
    from partnership.meetings.models import Meeting
    from tests.factories import make_contract

    _many_offers(3)
    secretariat = demo_user("sekretariat@portal.example")
    contract = make_contract()
    from partnership.meetings import demo as meetings_demo
    from partnership.models import Organisation

    meetings_demo.seed({o.slug: o for o in Organisation.objects.all()})
    meeting = Meeting.objects.order_by("starts_at").first()
    minutes = meeting_services.start_minutes(meeting=meeting, by=secretariat)
    year = current_year()
    params = {
        "member_list": ({}, secretariat),
        "contract_pdf": (
            {"contract_id": Contract.objects.get(pk=contract.pk).pk},
            demo_user("sagsbehandler.naestved@portal.example"),
        ),
        "takstoversigt": (
            {
                "year": year,
                "paragraphs": [],
                "target_groups": [],
                "municipality": "",
                "ownership": "",
                "provider": "",
                "branch": "",
                "format": "pdf",
            },
            secretariat,
        ),
        "takstudvikling": (
            {"from_year": year - 1, "to_year": year, "paragraphs": [], "format": "pdf"},
            secretariat,
        ),
        "meeting_agenda": ({"meeting_id": meeting.pk}, secretariat),
        "meeting_minutes": ({"minutes_id": minutes.pk}, secretariat),
    }
    assert set(params) == set(jobs._kinds), "a new job kind needs a line here"
    for kind, (p, by) in params.items():
        job = jobs.order_job(kind=kind, title=kind, params=p, by=by)
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, (kind, job.error)
        with job.result_file.open("rb") as f:
            _assert_pdf_ua(f.read(), kind)
