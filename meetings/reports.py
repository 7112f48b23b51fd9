"""The agenda (dagsorden) and the minutes (referat) as HTML for the shared PDF/UA function,
always for one reader: items closed to organisations the reader is not in are left out."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.models import Job, User
from partnership.pdf import render_pdf

from . import permissions, selectors
from .models import Meeting, Minutes

AGENDA_TEMPLATE = "meetings/pdf/agenda.html"
MINUTES_TEMPLATE = "meetings/pdf/minutes.html"


def _local_date(starts_at) -> str:
    return f"{timezone.localtime(starts_at):%Y-%m-%d}"


def agenda_context(user: User, meeting: Meeting) -> dict:
    return {
        "meeting": meeting,
        "title": _("Dagsorden: %(forum)s, %(title)s")
        % {"forum": meeting.forum, "title": meeting.title},
        "rows": selectors.agenda(user, meeting),
        "organisations": selectors.invited_organisation_names(meeting),
        "generated_at": timezone.localtime(),
    }


def render_agenda_html(user: User, meeting: Meeting) -> str:
    if not permissions.can_view_meeting(user, meeting):
        raise PermissionDenied(_("Du er ikke inviteret til mødet."))
    return render_to_string(AGENDA_TEMPLATE, agenda_context(user, meeting))


def minutes_context(user: User, minutes: Minutes) -> dict:
    """What the minutes PDF shows: the meeting, the attendance and the entries as the
    version has them (approved minutes: as they were when approved)."""
    shown = minutes.shown_meeting
    participants = selectors.minutes_participants(minutes)
    return {
        "meeting": shown,
        "minutes": minutes,
        "title": _("Referat: %(forum)s, %(title)s") % {"forum": shown.forum, "title": shown.title},
        "entries": selectors.minutes_entries(user, minutes),
        "present": participants["present"],
        "declined": participants["declined"],
        "approvals": selectors.minutes_approvals(minutes),
        "versions": [v for v in selectors.minutes_versions(minutes.meeting) if v.is_approved],
        "generated_at": timezone.localtime(),
    }


def render_minutes_html(user: User, minutes: Minutes) -> str:
    if not permissions.can_view_minutes(user, minutes):
        raise PermissionDenied(_("Du kan ikke se referatet."))
    return render_to_string(MINUTES_TEMPLATE, minutes_context(user, minutes))


def agenda_filename(meeting: Meeting) -> str:
    return f"dagsorden-{_local_date(meeting.starts_at)}-{meeting.pk}.pdf"


def minutes_filename(minutes: Minutes) -> str:
    starts_at = minutes.shown_meeting.starts_at
    return f"referat-{_local_date(starts_at)}-{minutes.meeting_id}-v{minutes.version}.pdf"


def render_agenda(job: Job, progress) -> tuple[str, bytes]:
    """Job renderer for kind "meeting_agenda": params {"meeting_id": <id>}, for the person
    who ordered it."""
    progress(0, 2)
    meeting = Meeting.objects.select_related("forum").get(pk=int(job.params["meeting_id"]))
    html = render_agenda_html(job.ordered_by, meeting)
    progress(1, 2)
    pdf = render_pdf(html)
    progress(2, 2)
    return agenda_filename(meeting), pdf


def render_minutes(job: Job, progress) -> tuple[str, bytes]:
    """Job renderer for kind "meeting_minutes": params {"minutes_id": <id>}."""
    progress(0, 2)
    minutes = Minutes.objects.select_related("meeting__forum", "approved_by").get(
        pk=int(job.params["minutes_id"])
    )
    html = render_minutes_html(job.ordered_by, minutes)
    progress(1, 2)
    pdf = render_pdf(html)
    progress(2, 2)
    return minutes_filename(minutes), pdf
