"""The finding of issue 13: under gunicorn with the production settings, the confirmation of
a 2,000-row tariff file ran in the web request, hit the 30 s worker timeout and answered
500 with nothing imported. Now the portal is served as in production (gunicorn, DEBUG off,
jobs sent to the broker) with a real Celery worker, and every request of the import must
answer within gunicorn's default timeout of 30 s (the one docker-compose.yml runs with)."""

from __future__ import annotations

import os
import re
import time
import urllib.request
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from offers.imports import jobs as import_jobs
from offers.models import Tariff, TariffAddOn, TariffStatus
from partnership.models import Job, JobStatus
from tests.conftest import wait_for_job
from tests.factories import demo_user, pl_rates
from tests.offers.import_files import many_offers, tariff_file
from tests.offers.test_import import EDITOR_A, YEAR
from tests.partnership.test_faults import Browser, start_web, stop_web

TIMEOUT = 30  # gunicorn's default worker timeout, as production runs it
ROWS = 2000


def _multipart(browser: Browser, path: str, name: str, data: bytes) -> tuple[int, str, float]:
    """POST a file as a browser's form does; (status, page, seconds)."""
    boundary = uuid.uuid4().hex
    token = browser.cookie("csrftoken")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        browser.base + path,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    start = time.monotonic()
    status, page = browser._open(request)
    return status, page, time.monotonic() - start


def _timed(call, *args) -> tuple[int, str, float]:
    start = time.monotonic()
    status, page = call(*args)
    return status, page, time.monotonic() - start


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_2000_row_file_imports_under_gunicorn_in_production_settings(
    demo, settings, celery_worker_process, worker_queue
):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    offers = many_offers(ROWS)
    data = tariff_file(offers, YEAR)
    assert data.count(b"\r\n") == ROWS + 1
    # Logged in by a session this process makes (the web process shares the key).
    client = Client()
    client.force_login(demo_user(EDITOR_A))
    log_path = os.path.join(os.path.dirname(str(settings.MEDIA_ROOT)), "web.log")
    proc, base = start_web(settings, log_path, CELERY_QUEUE=worker_queue)
    try:
        browser = Browser(base, timeout=TIMEOUT)
        browser.set_cookie(settings.SESSION_COOKIE_NAME, client.cookies["sessionid"].value)
        status, page, _seconds = _timed(browser.get, reverse("offers:tariff_import"))
        assert status == 200, page[:2000]

        status, page, upload = _multipart(
            browser, reverse("offers:tariff_import"), "takster.csv", data
        )
        assert status == 200, page[:3000]
        assert re.search(r"Gem alle 2\.?000 takster", page), page[:3000]
        assert upload < TIMEOUT
        key = re.search(r'action="/takster/import/([^/"]+)/gem/"', page).group(1)

        status, page, confirm = _timed(
            browser.post, reverse("offers:tariff_import_confirm", args=[key]), {}
        )
        assert status == 200, page[:3000]
        assert confirm < TIMEOUT
        assert "Taksterne gemmes nu." in page
        job = Job.objects.get(kind=import_jobs.KIND)
        wait_for_job(job, timeout=120)
        assert job.status == JobStatus.DONE, job.error
        assert (job.progress_done, job.progress_total) == (ROWS, ROWS)

        status, page, _seconds = _timed(browser.get, job.get_absolute_url())
        assert status == 200 and "Færdig" in page
    finally:
        stop_web(proc)
    assert Tariff.objects.filter(status=TariffStatus.PUBLISHED, year=YEAR).count() == ROWS
    assert TariffAddOn.objects.filter(tariff__year=YEAR).count() == ROWS
    log = open(log_path).read()
    assert "WORKER TIMEOUT" not in log and "Internal Server Error" not in log, log[-3000:]
    print(f"\nupload {upload:.1f} s, confirm {confirm:.1f} s ({ROWS} rows)")
