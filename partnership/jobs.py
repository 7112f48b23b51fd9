"""The shared background-job pipeline: a registry of job kinds, ordering, retrying, and the
Celery task that runs a job (it takes the job's id, loads, renders, saves, and is safe to
run twice).

A kind is a renderer: given the job and a progress callback it returns the file name and
the file's bytes. Apps register their own kinds."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Job, JobStatus
from .reports import render_member_list
from .validators import redact_cpr_text

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Renderer = Callable[[Job, Progress], tuple[str, bytes]]


@dataclass(frozen=True)
class JobKind:
    key: str
    render: Renderer
    # The secretariat sees every job unless its result is private to the orderer (a
    # contract PDF holds a municipality's case reference, which the secretariat never sees).
    secretariat_may_see: bool = True
    # What the person reads when the object the job is about is gone (deleted after the
    # order), in Danish: "Mødet findes ikke længere, så dokumentet kunne ikke dannes."
    missing: str = ""


_kinds: dict[str, JobKind] = {}


def register(
    key: str, render: Renderer, *, secretariat_may_see: bool = True, missing: str = ""
) -> None:
    _kinds[key] = JobKind(
        key=key, render=render, secretariat_may_see=secretariat_may_see, missing=missing
    )


def private_kinds() -> list[str]:
    return [k for k, kind in _kinds.items() if not kind.secretariat_may_see]


def get_kind(key: str) -> JobKind:
    return _kinds[key]


class QueueUnavailable(Exception):
    """The broker could not take the job."""


class JobFailed(Exception):
    """A renderer's own reason for failing, in Danish, shown on the job page as it is (an
    import refused for a row's error, say), instead of "Dokumentet kunne ikke dannes"."""


# Without a broker outside the tests (`make run`), a job runs in a thread of the web
# process once the order is committed, so the request answers at once and the job page
# follows the job (settings.JOBS_IN_THREAD). Two at a time; the process waits for them
# before it exits.
_pool: list[ThreadPoolExecutor] = []


def _run_in_thread(job_id: int) -> None:
    try:
        run_job(job_id)
    except Exception:  # run_job keeps its own failures; this is the thread's last guard
        log.exception("Job %s could not be run in a thread", job_id)
    finally:
        connections.close_all()  # this thread's connections, not the request's


def _submit_to_thread(job_id: int) -> None:
    if not _pool:
        _pool.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="job"))
    _pool[0].submit(_run_in_thread, job_id)


def _enqueue(job: Job) -> None:
    if settings.JOBS_IN_THREAD:
        job_id = job.pk
        transaction.on_commit(lambda: _submit_to_thread(job_id))
        return
    try:
        run_job.apply_async(args=[job.pk], retry=False)
    except Exception as exc:  # broker down, DNS, refused connection ...
        log.warning("Could not queue job %s: %s", job.pk, exc)
        raise QueueUnavailable(str(exc)) from exc


def order_job(*, kind: str, title: str, params: dict, by) -> Job:
    """Create a job and hand it to the queue. If the queue cannot take it, nothing is
    left behind and QueueUnavailable is raised."""
    if kind not in _kinds:
        raise ValueError(f"Unknown job kind {kind!r}")
    with transaction.atomic():
        job = Job(kind=kind, title=title, params=params, ordered_by=by)
        job.full_clean()
        job.save()
    try:
        _enqueue(job)
    except QueueUnavailable:
        job.delete()
        raise
    job.refresh_from_db()
    return job


def retry_job(*, job: Job, by) -> Job:
    """Put a failed job back in the queue with its error cleared."""
    if job.status != JobStatus.FAILED:
        raise ValueError(_("Kun et fejlet job kan prøves igen."))
    previous_error = job.error
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED, error="", error_detail="", progress_done=0, finished_at=None
    )
    try:
        _enqueue(job)
    except QueueUnavailable:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=previous_error)
        raise
    job.refresh_from_db()
    return job


def register_builtin() -> None:
    register("member_list", render_member_list)


@shared_task(
    name="partnership.tasks.run_job",  # the name it had in partnership/tasks.py
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
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
    side: list = []  # a connection of its own, opened when the renderer holds a transaction
    depth = len(transaction.get_connection().atomic_blocks)  # the caller's, if any

    def progress(done: int, total: int) -> None:
        # At most about a hundred writes per job: one UPDATE per row cost 4 s on a
        # 1,000-offer report (bench/RESULTS.md).
        step = max(1, total // 100)
        if done < total and last["done"] >= 0 and done - last["done"] < step:
            return
        last["done"] = done
        if len(transaction.get_connection().atomic_blocks) <= depth:
            Job.objects.filter(pk=job_id).update(
                progress_done=min(done, total), progress_total=total
            )
            return
        # A renderer that writes all or nothing (the tariff import) works in one
        # transaction: its progress goes over a second connection, so the job page sees it.
        if not side:
            side.append(connections.create_connection(DEFAULT_DB_ALIAS))
        with side[0].cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET progress_done = %s, progress_total = %s "
                "WHERE id = %s",
                [min(done, total), total, job_id],
            )

    try:
        with override("da"):
            filename, content = get_kind(job.kind).render(job, progress)
    except Exception as exc:
        kind = _kinds.get(job.kind)
        with override("da"):
            error, detail = _explain(job.kind, exc, missing=kind.missing if kind else "")
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            error=error,
            error_detail=detail,
            finished_at=timezone.now(),
        )
        return
    finally:
        for connection in side:
            connection.close()

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


def _explain(key: str, exc: Exception, *, missing: str = "") -> tuple[str, str]:
    """Why a job failed: in Danish for the person who ordered it, and the technical cause
    for the secretariat and staff (job.error_detail). The one place a job fails."""
    if isinstance(exc, JobFailed):
        log.info("Job kind %s failed: %s", key, exc)
        return str(exc), ""
    # A traceback may quote what a person typed: no CPR number is kept in it.
    detail = redact_cpr_text("".join(traceback.format_exception(exc)))
    if isinstance(exc, ObjectDoesNotExist):
        log.info("Job kind %s: %s", key, exc)
        return str(missing) or _(
            "Det, som dokumentet skulle dannes ud fra, findes ikke længere, så dokumentet "
            "kunne ikke dannes."
        ), detail
    if isinstance(exc, PermissionDenied):
        # Our own refusals carry a Danish reason ("Du kan ikke se referatet.").
        log.info("Job kind %s refused: %s", key, exc)
        if str(exc):
            return _("Dokumentet kunne ikke dannes: %(reason)s") % {"reason": exc}, detail
        return _("Du har ikke adgang til det, dokumentet skulle dannes ud fra."), detail
    log.error("Job kind %s failed", key, exc_info=exc)
    return _(
        "Dokumentet kunne ikke dannes på grund af en fejl hos os. Fejlen er gemt til "
        "sekretariatet; bestil dokumentet igen senere, eller kontakt sekretariatet, hvis "
        "det varer ved."
    ), detail
