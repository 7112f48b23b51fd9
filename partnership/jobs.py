"""The shared background-job pipeline: a registry of job kinds, ordering and retrying.

A kind is a renderer: given the job and a progress callback it returns the file name and
the file's bytes. The Celery task in tasks.py runs it. Apps register their own kinds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Job, JobStatus

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


_kinds: dict[str, JobKind] = {}


def register(key: str, render: Renderer, *, secretariat_may_see: bool = True) -> None:
    _kinds[key] = JobKind(key=key, render=render, secretariat_may_see=secretariat_may_see)


def private_kinds() -> list[str]:
    return [k for k, kind in _kinds.items() if not kind.secretariat_may_see]


def get_kind(key: str) -> JobKind:
    return _kinds[key]


class QueueUnavailable(Exception):
    """The broker could not take the job."""


def _enqueue(job: Job) -> None:
    from .tasks import run_job

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
        status=JobStatus.QUEUED, error="", progress_done=0, finished_at=None
    )
    try:
        _enqueue(job)
    except QueueUnavailable:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=previous_error)
        raise
    job.refresh_from_db()
    return job


def register_builtin() -> None:
    from .reports import render_member_list

    register("member_list", render_member_list)
