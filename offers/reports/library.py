"""The report library (finished reports the secretariat publishes to every member) and the
scheduled takstoversigter."""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offers.models import PublishedReport, ScheduledReport
from partnership import jobs
from partnership.models import Job, JobStatus
from partnership.permissions import is_secretariat

from .filters import OverviewFilters

log = logging.getLogger(__name__)


REPORT_KINDS = ("takstoversigt", "takstudvikling")


def publishable_jobs():
    """Finished tariff report jobs not yet in the library."""
    return (
        Job.objects.filter(
            status=JobStatus.DONE, kind__in=REPORT_KINDS, published_report__isnull=True
        )
        .exclude(result_file="")
        .order_by("-finished_at", "-pk")
    )


def _report_year(job) -> int:
    params = job.params or {}
    year = params.get("year") or params.get("to_year")
    return int(year) if year else timezone.localdate().year


@transaction.atomic
def publish_report(*, job, title: str = "", year: int | None = None, by) -> PublishedReport:
    """Put a finished report job in the library for every member."""
    if not is_secretariat(by):
        raise PermissionDenied
    if job.status != JobStatus.DONE or not job.result_file or job.kind not in REPORT_KINDS:
        raise ValidationError(_("Kun en færdig takstrapport kan lægges i biblioteket."))
    report = PublishedReport(
        job=job,
        title=(title or "").strip() or job.title,
        year=year or _report_year(job),
        published_by=by,
    )
    report.full_clean()
    report.save()
    return report


def order_due_scheduled_reports(*, today: date | None = None) -> list:
    """Order each scheduled takstoversigt whose day has come, once. A row is claimed (done_at
    set) before the job is queued, so two runs at once cannot both order it; if the queue is
    down the claim is released and the next run tries again."""
    today = today or timezone.localdate()
    ordered = []
    due = ScheduledReport.objects.filter(done_at__isnull=True, run_on__lte=today).select_related(
        "ordered_by"
    )
    for planned in due:
        claimed = ScheduledReport.objects.filter(pk=planned.pk, done_at__isnull=True).update(
            done_at=timezone.now()
        )
        if not claimed:
            continue
        params = {"year": planned.year, **OverviewFilters().as_params(), "format": planned.format}
        try:
            job = jobs.order_job(
                kind="takstoversigt",
                title=_("Takstoversigt %(year)s (%(fmt)s, planlagt)")
                % {"year": planned.year, "fmt": planned.format.upper()},
                params=params,
                by=planned.ordered_by,
            )
        except jobs.QueueUnavailable:
            ScheduledReport.objects.filter(pk=planned.pk).update(done_at=None)
            log.warning("Queue down: scheduled report %s left for the next run", planned.pk)
            break
        ScheduledReport.objects.filter(pk=planned.pk).update(job=job)
        ordered.append(job)
    return ordered
