"""Ordering tariff reports, the live takstudvikling page, the capacity overview, the report
library and scheduled takstoversigter (issue 6). The content is built in overview.py,
development.py and capacity.py; the files are rendered by the shared job pipeline
(partnership.jobs)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import selectors
from offers.models import PublishedReport, ReportFormat, ScheduledReport
from partnership import jobs
from partnership.models import Job, JobStatus
from partnership.permissions import is_secretariat
from partnership.views import member_required, queue_down_message, tell_ordered

from . import development
from .capacity import can_view_capacity, capacity_overview
from .filters import years_with_tariffs
from .forms import DevelopmentForm, PublishForm, ScheduledReportForm, TariffOverviewForm
from .library import REPORT_KINDS, publish_report


@member_required
def report_index(request):
    my_jobs = Job.objects.filter(ordered_by=request.user, kind__in=REPORT_KINDS)[:10]
    return render(
        request,
        "offers/reports/index.html",
        {
            "my_jobs": my_jobs,
            "can_capacity": can_view_capacity(request.user),
            "is_secretariat": is_secretariat(request.user),
            "published_count": PublishedReport.objects.count(),
        },
    )


def _order(request, form, kind: str):
    """Queue the job, or put the queue-down message on the form and leave nothing."""
    try:
        job = jobs.order_job(kind=kind, title=form.title(), params=form.params(), by=request.user)
    except jobs.QueueUnavailable:
        form.add_error(None, queue_down_message())
        return None
    tell_ordered(request, job)
    return redirect(job)


@member_required
def tariff_overview_order(request):
    if request.method == "POST":
        form = TariffOverviewForm(request.POST)
        if form.is_valid():
            response = _order(request, form, "takstoversigt")
            if response:
                return response
    else:
        form = TariffOverviewForm(initial={"aar": selectors.current_year(), "format": "pdf"})
    return render(
        request,
        "offers/reports/tariff_overview_form.html",
        {"form": form, "years": sorted(years_with_tariffs())},
    )


@member_required
def tariff_development(request):
    years = years_with_tariffs()
    if request.method == "POST":
        form = DevelopmentForm(request.POST)
        if form.is_valid():
            response = _order(request, form, "takstudvikling")
            if response:
                return response
    elif "fra" in request.GET:
        form = DevelopmentForm(request.GET)
    elif years:
        first, last = development.default_period(years) or (None, None)
        form = DevelopmentForm({"fra": first, "til": last})
    else:
        form = DevelopmentForm()
    report = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        report = development.tariff_development(
            d["fra"], d["til"], [p.code for p in d["paragraf"]] or None
        )
    return render(
        request,
        "offers/reports/development.html",
        {"form": form, "report": report, "years": years},
    )


@member_required
def capacity(request):
    if not can_view_capacity(request.user):
        raise PermissionDenied(_("Kapacitetsoverblikket er for sekretariatet og kommunerne."))
    return render(request, "offers/reports/capacity.html", {"report": capacity_overview()})


@member_required
def library(request):
    secretariat = is_secretariat(request.user)
    return render(
        request,
        "offers/reports/library.html",
        {
            "published": PublishedReport.objects.select_related("job", "published_by"),
            "publish_form": PublishForm() if secretariat else None,
            "is_secretariat": secretariat,
        },
    )


@member_required
@require_POST
def library_publish(request):
    if not is_secretariat(request.user):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        report = publish_report(job=d["job"], title=d["title"], year=d["year"], by=request.user)
        messages.success(
            request, _("%(title)s er lagt i rapportbiblioteket.") % {"title": report.title}
        )
        return redirect("offers:library")
    return render(
        request,
        "offers/reports/library.html",
        {
            "published": PublishedReport.objects.select_related("job", "published_by"),
            "publish_form": form,
            "is_secretariat": True,
        },
    )


@member_required
@require_POST
def library_unpublish(request, pk):
    if not is_secretariat(request.user):
        raise PermissionDenied
    report = get_object_or_404(PublishedReport, pk=pk)
    report.delete()
    messages.success(
        request, _("%(title)s er fjernet fra rapportbiblioteket.") % {"title": report.title}
    )
    return redirect("offers:library")


@member_required
def library_download(request, pk):
    """Any member may download a published report (the job's own download is only for the
    person who ordered it and the secretariat)."""
    report = get_object_or_404(PublishedReport.objects.select_related("job"), pk=pk)
    job = report.job
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name)


@member_required
def scheduled(request):
    if not is_secretariat(request.user):
        raise PermissionDenied
    form = ScheduledReportForm(
        request.POST or None,
        instance=ScheduledReport(ordered_by=request.user),
        initial={"year": selectors.current_year() + 1, "format": ReportFormat.PDF},
    )
    if request.method == "POST" and form.is_valid():
        planned = form.save()
        messages.success(
            request,
            _("Takstoversigten for %(year)s bestilles %(date)s.")
            % {"year": planned.year, "date": date_format(planned.run_on, "j. F Y")},
        )
        return redirect("offers:scheduled_reports")
    return render(
        request,
        "offers/reports/scheduled.html",
        {"form": form, "planned": ScheduledReport.objects.select_related("ordered_by", "job")},
    )
