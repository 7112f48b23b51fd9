"""The whole background path with real parts: Redis, a Celery worker process, PostgreSQL,
WeasyPrint, and the PDF read back."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from partnership import jobs
from partnership.demo import MUNICIPALITIES
from partnership.models import JobStatus
from tests.conftest import wait_for_job
from tests.factories import demo_user
from tests.pdfs import pdf_text

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_member_list_pdf_is_written_by_a_worker_process(demo, celery_worker_process, today):
    job = jobs.order_job(
        kind="member_list",
        title="Medlemsliste",
        params={},
        by=demo_user("sekretariat@portal.example"),
    )
    assert job.status == JobStatus.QUEUED  # handed to Redis, not run here
    wait_for_job(job)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 1 and job.started_at and job.finished_at
    # The worker runs on the suite's clock (PORTAL_FAKE_NOW), whatever PORTAL_TEST_TODAY says:
    # the same time as this process, give or take the milliseconds it took the worker to
    # start its clock (a job picked up at once may start "before" it was created, by 5 ms).
    # Off the suite's clock the two would be years or hours apart.
    skew = timedelta(seconds=1)
    assert job.started_at <= job.finished_at
    assert job.created_at - skew <= job.started_at and job.finished_at <= timezone.now() + skew
    assert timezone.localtime(job.finished_at).date() == today
    assert os.getpid() != celery_worker_process.pid
    text = pdf_text(job.result_file.path)
    for name, _code in MUNICIPALITIES:
        assert f"{name} Kommune" in text
