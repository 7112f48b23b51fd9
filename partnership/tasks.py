"""Celery tasks. They take ids, load, render, save, and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import jobs
from .models import Job, JobStatus

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return  # gone, or already finished by an earlier delivery: nothing twice
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.progress_done = 0
        job.save(update_fields=["status", "started_at", "attempts", "progress_done"])

    last = {"done": -1}

    def progress(done: int, total: int) -> None:
        # At most about a hundred writes per job: one UPDATE per row cost 4 s on a
        # 1,000-offer report (bench/RESULTS.md).
        step = max(1, total // 100)
        if done < total and last["done"] >= 0 and done - last["done"] < step:
            return
        last["done"] = done
        Job.objects.filter(pk=job_id).update(progress_done=min(done, total), progress_total=total)

    try:
        with override("da"):
            filename, content = jobs.get_kind(job.kind).render(job, progress)
    except Exception as exc:
        log.exception("Job %s (%s) failed", job_id, job.kind)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            error=_("Dokumentet kunne ikke dannes: %(reason)s")
            % {"reason": exc or type(exc).__name__},
            finished_at=timezone.now(),
        )
        return

    job.refresh_from_db()
    if job.result_file:
        # A second run overwrites its own result instead of leaving a second file.
        job.result_file.delete(save=False)
    job.result_file.save(filename, ContentFile(content), save=False)
    job.result_name = filename
    job.status = JobStatus.DONE
    job.progress_done = job.progress_total = max(job.progress_total, 1)
    job.finished_at = timezone.now()
    job.error = ""
    job.save()
