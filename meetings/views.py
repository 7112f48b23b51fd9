"""Pages for meetings. Thin: a form in, a service or selector, a page out. A meeting the
person may not see is a 404; an agenda item they may not see is a 404 too."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from partnership import jobs
from partnership.ahead import sent_ahead
from partnership.confirmation import ask_first
from partnership.forms import add_service_errors
from partnership.models import OrganisationKind
from partnership.pagination import PAGE_PARAM, paginate
from partnership.views import member_required, queue_down_message, tell_ordered

from . import actions, agenda, copying, ics, permissions, selectors, services
from .forms import (
    AbsenceForm,
    ActionStatusForm,
    AgendaItemForm,
    AnswerForm,
    AttachmentForm,
    AttendanceForm,
    CancelMeetingForm,
    CommentForm,
    CopyMeetingForm,
    CorrectionForm,
    DecisionSearchForm,
    ExtraAttendeeForm,
    ForumForm,
    InviteForm,
    MeetingForm,
    MinutesEntryForm,
    SendForCommentForm,
)
from .models import (
    AgendaAttachment,
    AgendaItem,
    AgendaItemKind,
    Answer,
    CalendarFeed,
    ExtraAttendee,
    Forum,
    Meeting,
    MeetingInvitation,
    Minutes,
    MinutesAction,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
)

FEED_SESSION_KEY = "meetings_new_calendar_url"


def _meeting(request, pk) -> Meeting:
    meeting = permissions.visible_meeting(request.user, pk)
    if meeting is None:
        raise Http404
    return meeting


def _manage(request, pk) -> Meeting:
    if not permissions.can_manage_meetings(request.user):
        raise PermissionDenied
    return _meeting(request, pk)


def _overrun_warning(request, meeting: Meeting) -> None:
    overrun = selectors.agenda_overrun(meeting)
    if overrun:
        messages.warning(
            request,
            _(
                "Dagsordenen varer %(over)s minutter længere end mødet. Forkort punkterne, "
                "eller ryk mødets sluttidspunkt."
            )
            % {"over": overrun},
        )


# --- Lists and forums --------------------------------------------------------------------


@member_required
def meeting_list(request):
    """The coming meetings and the latest past ones; older ones on meeting_archive."""
    now = timezone.now()
    recent = selectors.recent_meetings_list(request.user, now, selectors.RECENT_MEETINGS + 1)
    upcoming = selectors.upcoming_meetings_list(request.user, now)
    past = recent[: selectors.RECENT_MEETINGS]
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": upcoming,
            "upcoming_key": _meeting_table_key(upcoming),
            "past": past,
            "past_key": _meeting_table_key(past),
            "more_past": len(recent) > selectors.RECENT_MEETINGS,
            "can_manage": permissions.can_manage_meetings(request.user),
        },
    )


MEETING_TABLE = "meetings/_meeting_table.html"


def _meeting_table_key(meetings: list[Meeting]) -> str:
    """The cache key of a table of meetings (_list_key): every value a row shows."""
    return _list_key(
        MEETING_TABLE,
        (
            (m.pk, m.starts_at, m.ends_at, m.forum.name, m.title, m.place, m.status)
            for m in meetings
        ),
    )


ARCHIVE_PAGE_SIZE = 25


@member_required
def meeting_archive(request):
    """*Tidligere møder*: every past meeting the person may see, the latest first, paged."""
    page = paginate(
        selectors.past_meetings(request.user, timezone.now()),
        ARCHIVE_PAGE_SIZE,
        request.GET.get(PAGE_PARAM),
    )
    return render(request, "meetings/meeting_archive.html", {"page": page, "query": ""})


@member_required
def forum_list(request):
    if not permissions.can_manage_meetings(request.user):
        raise PermissionDenied
    forums = list(Forum.objects.select_related("template_meeting"))
    for forum in forums:
        forum.template_for_new = forum.template()
    return render(request, "meetings/forum_list.html", {"forums": forums})


@member_required
def forum_edit(request, pk=None):
    if not permissions.can_manage_meetings(request.user):
        raise PermissionDenied
    forum = get_object_or_404(Forum, pk=pk) if pk else None
    form = ForumForm(request.POST or None, instance=forum)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Forummet er gemt."))
        return redirect("meetings:forum_list")
    return render(request, "meetings/forum_form.html", {"form": form, "forum": forum})


# --- Meetings ----------------------------------------------------------------------------


@member_required
def meeting_create(request):
    if not permissions.can_manage_meetings(request.user):
        raise PermissionDenied
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(fields=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Mødet er oprettet. Sæt nu punkter på dagsordenen."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@member_required
def meeting_edit(request, pk):
    meeting = _manage(request, pk)
    if meeting.is_cancelled:
        messages.error(request, _("Mødet er aflyst og kan ikke ændres."))
        return redirect(meeting)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.update_meeting(
                meeting=meeting, fields=form.cleaned_data, by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Mødet er gemt."))
            _overrun_warning(request, meeting)
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


PARTICIPANT_TABLE = "meetings/_participant_table.html"
INVITATION_LIST = "meetings/_invitation_list.html"
OPEN_ACTIONS = "meetings/_open_actions.html"
AGENDA_TABLE = "meetings/_agenda_table.html"


def _list_key(template_name: str, rows: Iterable[Iterable[object]]) -> str:
    """The cache key of a long list on the meeting page (`{% cache %}` in the template): a
    digest of the language, the list's template and every value it shows, so any change (an
    answer, a name, an invitation, the template) gives a new key and a cached list is never
    out of date. A Fællesmøde's page lists every member of every invited provider (1,400
    people and more) and, for the secretariat, the 700 and more invitations: rendering them
    costs more than the rest of the page, and they change far less often than it is read."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(translation.get_language().encode())
    digest.update(loader.get_template(template_name).template.source.encode())
    digest.update("\x1e".join("\x1f".join(map(str, row)) for row in rows).encode())
    return digest.hexdigest()


def _removable(meeting: Meeting, invitations: list[selectors.Invitation]) -> list:
    """The invitations (in the order they were made), each with the URL that removes it.
    The URL is reversed once, and each invitation's pk put in place of the placeholder 0
    (the URLs differ only in it): a Fællesmøde has an invitation per provider, 700 and
    more, and reverse() costs ~20 µs a call."""
    before, after = reverse("meetings:invitation_remove", args=[meeting.pk, 0]).rsplit("/0/", 1)
    for invitation in invitations:
        invitation.remove_url = f"{before}/{invitation.pk}/{after}"
    return invitations


@member_required
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    user = request.user
    can_manage = permissions.can_manage_meetings(user)
    # The agenda's and the invitees' reads sent together (partnership.ahead.sent_ahead).
    with sent_ahead(*selectors.meeting_page_reads(meeting)):
        rows = selectors.agenda(user, meeting)
        people = selectors.invitees(meeting)
        # The open actions an "Opfølgning" item shows: their digest is read with the facts,
        # the rows themselves only when the list cached under it is missing (see the
        # template). The facts are sent now and read where the page first shows one (the
        # invited organisations), while the rest of the page is made and drawn up to there.
        follow_up = _has_follow_up(rows)
        selectors.meeting_facts_read(meeting, user, open_actions=follow_up).send()
        facts = SimpleLazyObject(
            lambda: selectors.meeting_facts(meeting, user, open_actions=follow_up)
        )
        return _meeting_page(request, meeting, rows, people, facts, can_manage, follow_up)


def _meeting_page(request, meeting, rows, people, facts, can_manage, follow_up):
    """The meeting page, with what it shows of the facts (`facts`, read at its first use)."""
    user = request.user
    mine = next((row for row in people if row.user_id == user.pk), None)
    answer_form = None
    if permissions.can_answer(user, meeting):
        initial = {}
        if mine and mine.answered:
            initial = {"answer": mine.answer, "substitute": mine.substitute}
        answer_form = AnswerForm(initial=initial)
    mail_status = selectors.meeting_mail_status(meeting, people) if can_manage else []
    invitations = _removable(meeting, selectors.invitations(meeting)) if can_manage else []

    def open_actions_key() -> str:
        if not follow_up:
            return ""
        return _list_key(
            OPEN_ACTIONS,
            [
                (facts.open_actions_digest, permissions.is_secretariat(user)),
                sorted(permissions.organisation_ids(user)),
            ],
        )

    follow_up_key = SimpleLazyObject(open_actions_key)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "rows": rows,
            "people": people,
            "mine": mine,
            "answer_form": answer_form,
            "can_manage": can_manage,
            "overrun": selectors.agenda_overrun(meeting) if can_manage else 0,
            "agenda_end": rows[-1].ends_at if rows else None,
            # Read, joined and escaped once for each digest of them (the cache): 700 and more.
            "organisation_names": partial(_organisation_names, meeting),
            "organisations_key": SimpleLazyObject(
                lambda: _list_key("meetings/meeting_detail.html", [(facts.organisations_digest,)])
            ),
            "invited_people": SimpleLazyObject(lambda: ", ".join(facts.people_names)),
            "invitations": invitations,
            "invitations_key": _list_key(
                INVITATION_LIST, ((i.name, i.email, i.remove_url) for i in invitations)
            )
            if can_manage
            else "",
            "people_key": _list_key(
                PARTICIPANT_TABLE,
                (
                    (p.name, p.organisations_label, p.answer_label, p.substitute, p.attended_label)
                    for p in people
                ),
            ),
            "mail_status": mail_status,
            "mail_resend": _resendable(mail_status),
            "answer_counts": selectors.answers_by_organisation(people) if can_manage else [],
            "move_buttons": [("up", _("Flyt op")), ("down", _("Flyt ned"))],
            "minutes": SimpleLazyObject(
                lambda: selectors.has_minutes(user, meeting, facts.minutes_statuses)
            ),
            "can_start_minutes": permissions.can_start_minutes(user, meeting, timezone.now()),
            "follow_up": partial(actions.open_actions_before, user, meeting),
            "follow_up_key": follow_up_key,
            "agenda_key": SimpleLazyObject(
                lambda: "" if can_manage else _agenda_key(meeting, rows, str(follow_up_key))
            ),
            "counts": {
                "attend": sum(1 for p in people if p.answer == Answer.ATTEND),
                "decline": sum(1 for p in people if p.answer == Answer.DECLINE),
                "none": sum(1 for p in people if not p.answer),
            },
        },
    )


def _organisation_names(meeting: Meeting) -> str:
    """The invited organisations' names as the page lists them (in the cache, see above)."""
    return ", ".join(selectors.invited_organisation_names(meeting))


def _agenda_key(meeting: Meeting, rows: list[selectors.AgendaRow], follow_up_key: str) -> str:
    """The cache key of the agenda as a person who is not the secretariat sees it (_list_key
    of meetings/_agenda_table.html): every value its rows show, and the key of the open
    actions an "Opfølgning" item shows inside it. Drawing the rows cost 1.3 ms of the bench
    Fællesmøde's page. The secretariat's rows hold forms (a CSRF token): drawn each time."""
    return _list_key(
        AGENDA_TABLE,
        [
            (meeting.pk, follow_up_key),
            *(
                (
                    row.item.pk,
                    row.item.number,
                    row.starts_at,
                    row.ends_at,
                    row.item.kind,
                    row.item.title,
                    row.item.supplementary,
                    row.presenter_line,
                    row.item.description,
                    row.item.duration_minutes,
                    row.closed_to_names,
                    [
                        (a["pk"], a["title"], a["file_type"], a["size"], a["closed_to_names"])
                        for a in row.attachments
                    ],
                )
                for row in rows
            ),
        ],
    )


def _has_follow_up(rows: list[selectors.AgendaRow]) -> bool:
    """Whether the agenda (as the person sees it) has an "Opfølgning" item, which shows the
    open actions of the forum's earlier meetings (actions.open_actions_before)."""
    return any(row.item.kind == AgendaItemKind.FOLLOW_UP for row in rows)


# --- Agenda ------------------------------------------------------------------------------


def _next_number(meeting: Meeting) -> str:
    return agenda.next_number(list(meeting.items.all()))


@member_required
def item_edit(request, pk, item_pk=None):
    meeting = _manage(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting) if item_pk else None
    form = AgendaItemForm(
        request.POST or None,
        request.FILES or None,
        instance=item,
        meeting=meeting,
        initial=None if item else {"number": _next_number(meeting), "duration_minutes": 15},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            k: data[k]
            for k in (
                "number",
                "kind",
                "title",
                "description",
                "presenters_text",
                "duration_minutes",
            )
        }
        try:
            item = services.save_agenda_item(
                meeting=meeting,
                item=item,
                fields=fields,
                presenters=data["presenters"],
                restricted_to=data["restricted_to"],
                attachments=data.get("new_attachments") or [],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Punkt %(n)s er gemt på dagsordenen.") % {"n": item.number})
            _overrun_warning(request, meeting)
            if "add_another" in request.POST:
                return redirect("meetings:item_create", pk=meeting.pk)
            return redirect(meeting)
    attachments = list(item.attachments.all()) if item else []
    return render(
        request,
        "meetings/item_form.html",
        {
            "form": form,
            "meeting": meeting,
            "item": item,
            "attachments": attachments,
            "attachment_form": AttachmentForm() if item else None,
        },
    )


@member_required
@require_POST
def item_move(request, pk, item_pk):
    """Move an item one place up or down on the agenda (renumbered)."""
    meeting = _manage(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    try:
        item = services.move_item(
            item=item, direction=request.POST.get("direction", ""), by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Punktet er flyttet. Det har nu nummer %(n)s.") % {"n": item.number}
        )
    return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#dagsorden")


@member_required
def meeting_copy(request, pk):
    """The page "Kopiér mødet": a draft copy of the meeting (meetings.copying) with a new title and
    time, by default the same weekday one month later."""
    source = _manage(request, pk)
    starts, ends = copying.suggested_times(source)
    form = CopyMeetingForm(
        request.POST or None,
        initial={"title": source.title, "starts_at": starts, "ends_at": ends},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = copying.copy_meeting(source=source, fields=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Mødet er kopieret med dagsorden og invitationer. Ret det, der er anderledes, "
                    "og send invitationerne."
                ),
            )
            return redirect(meeting)
    return render(request, "meetings/meeting_copy.html", {"form": form, "meeting": source})


@member_required
@require_POST
def forum_template(request, pk):
    """The button "Gem som skabelon for forummet": new meetings of the forum copy this one."""
    meeting = _manage(request, pk)
    services.set_forum_template(meeting=meeting, by=request.user)
    messages.success(
        request,
        _("Mødet er nu skabelon for %(forum)s. Nye møder i forummet kopierer dets dagsorden.")
        % {"forum": meeting.forum},
    )
    return redirect(meeting)


@member_required
@require_POST
def item_delete(request, pk, item_pk):
    meeting = _manage(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    if asked := ask_first(
        request,
        question=_("Fjern punktet fra dagsordenen?"),
        consequence=_("Punktet og dets bilag slettes. Det kan ikke fortrydes."),
        button=_("Fjern punktet fra dagsordenen"),
        back_url=reverse("meetings:item_edit", args=[meeting.pk, item.pk]),
    ):
        return asked
    try:
        services.delete_agenda_item(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:item_edit", pk=meeting.pk, item_pk=item.pk)
    messages.success(request, _("Punktet er fjernet fra dagsordenen."))
    return redirect(meeting)


@member_required
def attachment_add(request, pk, item_pk):
    meeting = _manage(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_attachment(
                item=item,
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                restricted_to=form.cleaned_data["restricted_to"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Bilaget er tilføjet."))
            return redirect("meetings:item_edit", pk=meeting.pk, item_pk=item.pk)
    # The item form is kept as it is stored; the attachment form shows what went wrong.
    return render(
        request,
        "meetings/item_form.html",
        {
            "form": AgendaItemForm(instance=item, meeting=meeting),
            "meeting": meeting,
            "item": item,
            "attachments": list(item.attachments.all()),
            "attachment_form": form,
        },
        status=200 if request.method == "GET" else 400,
    )


@member_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    meeting = _manage(request, pk)
    attachment = get_object_or_404(AgendaAttachment, pk=attachment_pk, item__meeting=meeting)
    item_pk = attachment.item_id
    if asked := ask_first(
        request,
        question=_("Slet bilaget?"),
        consequence=_("Bilaget slettes fra punktet. Det kan ikke fortrydes."),
        button=_("Slet"),
        back_url=reverse("meetings:item_edit", args=[meeting.pk, item_pk]),
    ):
        return asked
    services.delete_attachment(attachment=attachment, by=request.user)
    messages.success(request, _("Bilaget er slettet."))
    return redirect("meetings:item_edit", pk=meeting.pk, item_pk=item_pk)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@member_required
def attachment_download(request, pk, attachment_pk):
    meeting = _meeting(request, pk)
    attachment = get_object_or_404(
        permissions.visible_attachments(request.user, meeting), pk=attachment_pk
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.download_name,
        content_type=CONTENT_TYPES[attachment.file_type],
    )


# --- Invitations, answers, attendance ----------------------------------------------------


@member_required
def invite(request, pk):
    meeting = _manage(request, pk)
    preset = request.POST.get("preset")
    if request.method == "POST" and preset in INVITE_PRESETS:
        added = INVITE_PRESETS[preset](meeting=meeting, by=request.user)
        _tell_invitations_added(request, added)
        return redirect(meeting)
    form = InviteForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        added = services.invite(
            meeting=meeting,
            organisations=form.cleaned_data["organisations"],
            people=form.cleaned_data["people"],
            by=request.user,
        )
        _tell_invitations_added(request, added)
        return redirect(meeting)
    return render(
        request,
        "meetings/invite_form.html",
        {
            "form": form,
            "meeting": meeting,
            "forum_members": meeting.forum.members.count() + meeting.forum.people.count(),
            "municipalities": sum(
                o.kind == OrganisationKind.MUNICIPALITY
                for o in services.municipalities_and_region()
            ),
        },
    )


def _tell_invitations_added(request, added: int) -> None:
    if added:
        text = ngettext(
            "%(n)s invitation er tilføjet.", "%(n)s invitationer er tilføjet.", added
        ) % {"n": added}
        messages.success(request, text)
    else:
        messages.info(request, _("Alle er allerede inviteret. Ingen invitationer er tilføjet."))


# The one-click invitations of the invite page ("preset" of its buttons).
INVITE_PRESETS = {
    "forum": services.invite_forum,
    "municipalities": services.invite_municipalities_and_region,
}


@member_required
@require_POST
def send_reminders(request, pk):
    """The button "Send påmindelse til dem, der ikke har svaret"."""
    meeting = _manage(request, pk)
    try:
        n = services.send_reminders(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Påmindelsen sendes nu til %(n)s, der ikke har svaret.") % {"n": n},
        )
    return redirect(meeting)


@member_required
@require_POST
def invitation_remove(request, pk, invitation_pk):
    meeting = _manage(request, pk)
    invitation = get_object_or_404(MeetingInvitation, pk=invitation_pk, meeting=meeting)
    services.remove_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitationen er fjernet."))
    return redirect(meeting)


# Said when mails are handed to the background worker: not yet "sent". The page's list of
# sent e-mails (from the mail log) says what went and what did not.
SENDING_MESSAGE = gettext_lazy(
    "E-mailene sendes nu. Under “Udsendte e-mails” kan du se, hvem der har fået dem, og "
    "hvem de ikke kunne sendes til."
)


@member_required
@require_POST
def send_invitations(request, pk):
    meeting = _manage(request, pk)
    if asked := ask_first(
        request,
        question=_("Send invitationerne?"),
        consequence=_(
            "Alle inviterede får en e-mail med dagsordenen og en kalenderinvitation. "
            "En sendt e-mail kan ikke kaldes tilbage."
        ),
        button=_("Send invitationer"),
        back_url=meeting.get_absolute_url(),
    ):
        return asked
    try:
        services.send_invitations(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, SENDING_MESSAGE)
    return redirect(meeting)


def _resendable(mail_status: list[selectors.MailStatusRow]) -> bool:
    return any(row.summary.failed or row.summary.waiting for row in mail_status)


@member_required
@require_POST
def mail_resend(request, pk):
    """Send again the meeting's mails that did not go (invitation, request for comments,
    approved minutes): to those who do not have them yet."""
    meeting = _manage(request, pk)
    try:
        services.resend_mails(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, SENDING_MESSAGE)
    if request.POST.get("back") == "minutes":
        return redirect("meetings:minutes_detail", pk=meeting.pk)
    return redirect(meeting)


@member_required
@require_POST
def answer(request, pk):
    meeting = permissions.meetings_visible_to(request.user).filter(pk=pk).first()
    if meeting is None or not permissions.is_invitee(request.user, meeting):
        # Someone not invited: a clear answer, and nothing about the meeting.
        return render(
            request,
            "meetings/not_invited.html",
            {"message": services.NOT_INVITED_MESSAGE},
            status=403,
        )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer(
                meeting=meeting,
                user=request.user,
                answer=form.cleaned_data["answer"],
                substitute=form.cleaned_data["substitute"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if form.cleaned_data["answer"] == "decline":
                messages.success(request, _("Dit afbud er registreret."))
            else:
                messages.success(request, _("Du er tilmeldt mødet."))
            return redirect(meeting)
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect(meeting)


@member_required
def attendance(request, pk):
    meeting = _manage(request, pk)
    people = selectors.invitees(meeting)
    form = AttendanceForm(
        request.POST or None,
        invitees=people,
        initial={"present": [str(p.user_id) for p in people if p.attended]},
    )
    if request.method == "POST" and form.is_valid():
        substituted = form.substituted_invitees()
        try:
            n = services.record_attendance(
                meeting=meeting,
                present=selectors.users_of(form.present_invitees()),
                substitutes_for=None if substituted is None else selectors.users_of(substituted),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Fremmødet er registreret: %(n)s mødt.") % {"n": n})
            return redirect(meeting)
    return _attendance_page(request, meeting, people, form=form)


def _attendance_page(request, meeting, people, *, form=None, extra_form=None, absence_form=None):
    """The attendance page: who of those invited came, the others present (substitutes,
    guests, external presenters), and absence per item."""
    refused = any(
        f is not None and f.is_bound and f.errors for f in (form, extra_form, absence_form)
    )
    extras = list(
        ExtraAttendee.objects.filter(meeting=meeting)
        .select_related("substitute_for")
        .prefetch_related("absent_items")
    )
    if form is None:
        form = AttendanceForm(
            invitees=people,
            initial={
                "present": [str(p.user_id) for p in people if p.attended],
                "substitutes": [
                    str(e.substitute_for_id) for e in extras if e.substitute_for_id is not None
                ],
            },
        )
    present = [p for p in people if p.attended]
    choices = [(f"u{p.user_id}", p.name) for p in present] + [(f"x{e.pk}", e.name) for e in extras]
    items = list(meeting.items.order_by("position", "pk"))
    return render(
        request,
        "meetings/attendance_form.html",
        {
            "form": form,
            "meeting": meeting,
            "extras": extras,
            "extra_form": extra_form or ExtraAttendeeForm(invitees=people),
            "absence_form": absence_form or AbsenceForm(people=choices, items=items),
            "absences": selectors.absences(meeting),
        },
        status=400 if refused else 200,
    )


@member_required
@require_POST
def attendee_add(request, pk):
    meeting = _manage(request, pk)
    people = selectors.invitees(meeting)
    form = ExtraAttendeeForm(request.POST, invitees=people)
    if form.is_valid():
        d = form.cleaned_data
        substitute_for = (
            selectors.users_of(p for p in people if p.user_id == d["substitute_for"])[:1] or [None]
        )[0]
        try:
            attendee = services.add_extra_attendee(
                meeting=meeting,
                kind=d["kind"],
                name=d["name"],
                organisation=d["organisation"],
                substitute_for=substitute_for,
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s er registreret som mødt.") % {"name": attendee})
            return redirect("meetings:attendance", pk=meeting.pk)
    return _attendance_page(request, meeting, people, extra_form=form)


@member_required
@require_POST
def attendee_remove(request, pk, attendee_pk):
    meeting = _manage(request, pk)
    attendee = get_object_or_404(ExtraAttendee, pk=attendee_pk, meeting=meeting)
    services.remove_extra_attendee(attendee=attendee, by=request.user)
    messages.success(request, _("%(name)s er fjernet fra fremmødet.") % {"name": attendee})
    return redirect("meetings:attendance", pk=meeting.pk)


@member_required
@require_POST
def absence(request, pk):
    meeting = _manage(request, pk)
    people = selectors.invitees(meeting)
    extras = {f"x{e.pk}": e for e in ExtraAttendee.objects.filter(meeting=meeting)}
    present = {f"u{p.user_id}": p for p in people if p.attended}
    choices = [(key, p.name) for key, p in present.items()] + [
        (key, e.name) for key, e in extras.items()
    ]
    items = list(meeting.items.order_by("position", "pk"))
    form = AbsenceForm(request.POST, people=choices, items=items)
    if form.is_valid():
        key = form.cleaned_data["person"]
        chosen = [i for i in items if str(i.pk) in form.cleaned_data["items"]]
        try:
            services.set_absence(
                meeting=meeting,
                items=chosen,
                user=selectors.users_of([present[key]])[0] if key in present else None,
                attendee=extras.get(key),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Fraværet under punkterne er registreret."))
            return redirect("meetings:attendance", pk=meeting.pk)
    return _attendance_page(request, meeting, people, absence_form=form)


# --- Calendar ----------------------------------------------------------------------------


@member_required
def meeting_ics(request, pk):
    meeting = _meeting(request, pk)
    response = HttpResponse(
        ics.meeting_ics(request.user, meeting), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{ics.filename(meeting)}"'
    return response


@member_required
def calendar_settings(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_feeds(user=request.user)
            messages.success(
                request, _("Kalenderadressen er tilbagekaldt. Den virker ikke længere.")
            )
        else:
            _feed, token = services.new_calendar_feed(user=request.user)
            request.session[FEED_SESSION_KEY] = request.build_absolute_uri(
                reverse("meetings:calendar_feed", args=[token])
            )
        return redirect("meetings:calendar_settings")
    return render(
        request,
        "meetings/calendar.html",
        {
            "new_url": request.session.pop(FEED_SESSION_KEY, None),
            "active": CalendarFeed.objects.filter(user=request.user).active().first(),
        },
    )


def calendar_feed(request, token):
    """The personal feed. No login: calendar programs cannot log in, so the address is the
    key. A revoked or unknown address is a 404."""
    feed = CalendarFeed.objects.active().by_token(token).select_related("user").first()
    if feed is None or not permissions.can_use_meetings(feed.user):
        raise Http404
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    response = HttpResponse(ics.feed_ics(feed.user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- PDFs --------------------------------------------------------------------------------


def _order(request, *, kind: str, title: str, params: dict, back):
    try:
        job = jobs.order_job(kind=kind, title=title, params=params, by=request.user)
    except jobs.QueueUnavailable:
        messages.error(request, queue_down_message())
        return redirect(back)
    tell_ordered(request, job)
    return redirect(job)


@member_required
@require_POST
def agenda_pdf(request, pk):
    meeting = _meeting(request, pk)
    return _order(
        request,
        kind="meeting_agenda",
        title=_("Dagsorden: %(meeting)s") % {"meeting": meeting},
        params={"meeting_id": meeting.pk},
        back=meeting,
    )


@member_required
@require_POST
def meeting_pack(request, pk):
    """Order the person's meeting pack: the agenda with the bilag they may see, one PDF."""
    meeting = _meeting(request, pk)
    return _order(
        request,
        kind="meeting_pack",
        title=_("Mødemappe: %(meeting)s") % {"meeting": meeting},
        params={"meeting_id": meeting.pk},
        back=meeting,
    )


@member_required
def meeting_cancel(request, pk):
    """Aflys mødet? A page that says what cancelling does, with the reason; POST cancels."""
    meeting = _manage(request, pk)
    form = CancelMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_meeting(
                meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Mødet er aflyst. De inviterede får besked på e-mail med en aflysning til "
                    "deres kalender."
                )
                if meeting.invitations_sent_at
                else _("Mødet er aflyst."),
            )
            return redirect(meeting)
    return render(
        request,
        "meetings/cancel_form.html",
        {"form": form, "meeting": meeting},
        status=400 if request.method == "POST" else 200,
    )


# --- Minutes -----------------------------------------------------------------------------


def _minutes(request, meeting: Meeting, minutes_pk: int) -> Minutes:
    minutes = get_object_or_404(Minutes, pk=minutes_pk, meeting=meeting)
    minutes.meeting = meeting
    if not permissions.can_view_minutes(request.user, minutes):
        raise Http404
    return minutes


def _comment_form(entry: MinutesEntry, data=None) -> CommentForm:
    form = CommentForm(data, prefix=f"c{entry.pk}")
    form.fields["text"].label = _("Kommentar til punkt %(n)s") % {"n": entry.shown.number}
    return form


@member_required
def minutes_detail(request, pk, minutes_pk=None):
    meeting = _meeting(request, pk)
    if minutes_pk:
        minutes = _minutes(request, meeting, minutes_pk)
    else:
        minutes = selectors.current_minutes(request.user, meeting)
    if minutes is None:
        if permissions.can_manage_meetings(request.user):
            return redirect("meetings:minutes_edit", pk=meeting.pk)
        raise Http404
    return _minutes_page(request, meeting, minutes)


def _minutes_page(request, meeting, minutes, *, send_form=None, status=200):
    entries = selectors.minutes_entries(request.user, minutes)
    can_comment = permissions.can_comment_minutes(request.user, minutes)
    for entry in entries:
        entry.comment_form = _comment_form(entry) if can_comment else None
    versions = [
        v
        for v in selectors.minutes_versions(meeting)
        if v.is_approved or permissions.can_manage_meetings(request.user)
    ]
    can_manage = permissions.can_manage_meetings(request.user)
    mail_status = selectors.minutes_mail_status(minutes) if can_manage else []
    return render(
        request,
        "meetings/minutes_detail.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "shown": minutes.shown_meeting,
            "participants": selectors.minutes_participants(minutes),
            "mail_status": mail_status,
            "mail_resend": _resendable(mail_status),
            "entries": entries,
            "can_comment": can_comment,
            "can_manage": can_manage,
            "versions": versions,
            "is_latest": versions and versions[0].pk == minutes.pk,
            "approvals": selectors.minutes_approvals(minutes),
            "can_approve": permissions.can_approve_minutes(request.user, minutes),
            "send_form": send_form
            or SendForCommentForm(
                initial={"deadline": timezone.localdate() + timedelta(days=SEND_DEADLINE_DAYS)}
            ),
            "today": timezone.localdate(),
        },
        status=status,
    )


SEND_DEADLINE_DAYS = 7  # the comment deadline offered: a week


@member_required
@require_POST
def minutes_start(request, pk):
    """Start the minutes (an explicit POST: opening "Skriv referat" writes nothing), once
    the meeting has begun."""
    meeting = _manage(request, pk)
    if not permissions.can_start_minutes(request.user, meeting, timezone.now()):
        messages.error(
            request, _("Mødet er ikke begyndt endnu. Referatet skrives, når mødet er i gang.")
        )
        return redirect(meeting)
    try:
        services.start_minutes(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(meeting)
    return redirect("meetings:minutes_edit", pk=meeting.pk)


@member_required
def minutes_edit(request, pk):
    meeting = _manage(request, pk)
    minutes = selectors.open_minutes(meeting)
    if minutes is None:
        # Nothing is written on GET: the page offers "Start referat" (a POST).
        return render(
            request,
            "meetings/minutes_start.html",
            {
                "meeting": meeting,
                "may_start": permissions.can_start_minutes(request.user, meeting, timezone.now()),
                "approved": selectors.latest_approved(meeting),
            },
        )
    if request.method == "POST" and minutes.status == MinutesStatus.DRAFT:
        # Items added since the draft was started get their entries (with the template).
        services.start_minutes(meeting=meeting, by=request.user)
    if minutes.status == MinutesStatus.FOR_COMMENT:
        messages.info(
            request,
            _("Referatet er sendt til kommentering. Du kan stadig rette det, før du godkender."),
        )
    entries = list(
        MinutesEntry.objects.filter(minutes=minutes)
        .select_related("agenda_item")
        .prefetch_related("actions", "agenda_item__restricted_to")
        .order_by("agenda_item__position", "pk")
    )
    owners = selectors.possible_action_owners(meeting)
    forms = [
        MinutesEntryForm(
            request.POST or None,
            entry=e,
            people=owners,
            prefix=f"e{e.pk}",
            initial={"discussion": e.discussion, "decisions": e.decisions},
        )
        for e in entries
    ]
    if request.method == "POST":
        if all(f.is_valid() for f in forms):
            try:
                for f in forms:
                    d = f.cleaned_data
                    services.save_minutes_entry(
                        entry=f.entry,
                        discussion=d["discussion"],
                        decisions=d["decisions"],
                        new_action={
                            "description": d["action_description"],
                            "owner": d["action_owner"],
                            "owner_user": d["action_owner_user"],
                            "deadline": d["action_deadline"],
                        },
                        remove_actions=[
                            a
                            for a in f.entry.actions.all()
                            if str(a.pk) in d.get("remove_actions", [])
                        ],
                        by=request.user,
                    )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Referatet er gemt."))
                return redirect("meetings:minutes_detail", pk=meeting.pk)
        else:
            messages.error(request, _("Der er fejl i referatet. Se felterne nedenfor."))
    covered = {e.agenda_item_id for e in entries}
    return render(
        request,
        "meetings/minutes_form.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "forms": forms,
            "missing": [i for i in meeting.items.all() if i.pk not in covered],
            "follow_up": actions.open_actions_before(request.user, meeting)
            if any(e.agenda_item.kind == AgendaItemKind.FOLLOW_UP for e in entries)
            else [],
        },
    )


@member_required
@require_POST
def minutes_send(request, pk, minutes_pk):
    meeting = _manage(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    form = SendForCommentForm(request.POST)
    if not form.is_valid():
        return _minutes_page(request, meeting, minutes, send_form=form, status=400)
    if asked := ask_first(
        request,
        question=_("Send referatet til kommentering?"),
        consequence=_("Deltagerne får en e-mail. En sendt e-mail kan ikke kaldes tilbage."),
        button=_("Send til kommentering"),
        back_url=reverse("meetings:minutes_detail", args=[meeting.pk]),
    ):
        return asked
    try:
        services.send_minutes_for_comment(
            minutes=minutes, deadline=form.cleaned_data["deadline"], by=request.user
        )
    except ValidationError as exc:
        if getattr(exc, "error_dict", None):  # about the deadline: the form says it
            add_service_errors(form, exc)
            return _minutes_page(request, meeting, minutes, send_form=form, status=400)
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Referatet er sendt til kommentering. Under “Udsendte e-mails” kan du se, hvem "
                "der har fået besked på e-mail."
            ),
        )
    return redirect("meetings:minutes_detail", pk=meeting.pk)


@member_required
@require_POST
def minutes_approve(request, pk, minutes_pk):
    meeting = _manage(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    if asked := ask_first(
        request,
        question=_("Godkend og offentliggør referatet?"),
        consequence=_(
            "Deltagerne får referatet som PDF på e-mail, og det kan derefter ikke ændres. "
            "En rettelse bliver en ny version."
        ),
        button=_("Godkend og offentliggør"),
        back_url=reverse("meetings:minutes_detail", args=[meeting.pk]),
    ):
        return asked
    try:
        minutes = services.approve_minutes(minutes=minutes, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:minutes_detail", pk=meeting.pk)
    messages.success(
        request,
        _("Referatet er godkendt og offentliggjort. Deltagerne får det som PDF på e-mail."),
    )
    return _order_minutes_pdf(request, meeting, minutes)


def _order_minutes_pdf(request, meeting: Meeting, minutes) -> HttpResponse:
    """The minutes' PDF as a job (when they are approved, and on request)."""
    return _order(
        request,
        kind="meeting_minutes",
        title=_("Referat: %(meeting)s, version %(v)s")
        % {"meeting": minutes.shown_meeting, "v": minutes.version},
        params={"minutes_id": minutes.pk},
        back=reverse("meetings:minutes_detail", args=[meeting.pk]),
    )


@member_required
@require_POST
def minutes_pdf(request, pk, minutes_pk):
    meeting = _meeting(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    return _order_minutes_pdf(request, meeting, minutes)


@member_required
@require_POST
def minutes_comment(request, pk, minutes_pk, entry_pk):
    meeting = _meeting(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    entry = get_object_or_404(
        permissions.visible_entries(request.user, minutes).select_related("agenda_item"),
        pk=entry_pk,
    )
    form = _comment_form(entry, request.POST)
    if form.is_valid():
        try:
            services.add_comment(entry=entry, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("Du kan ikke kommentere referatet."))
        else:
            messages.success(request, _("Din kommentar er gemt."))
            return redirect(
                reverse("meetings:minutes_detail", args=[meeting.pk]) + f"#punkt-{entry.pk}"
            )
    # Refused: show the comment again with the reason, so nothing typed is lost.
    return render(
        request,
        "meetings/comment_refused.html",
        {"meeting": meeting, "minutes": minutes, "entry": entry, "form": form},
        status=400,
    )


@member_required
def minutes_correct(request, pk, minutes_pk):
    meeting = _manage(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_correction(
                minutes=minutes, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("En ny version af referatet er oprettet. Ret den, og offentliggør rettelsen."),
            )
            return redirect("meetings:minutes_edit", pk=meeting.pk)
    return render(
        request,
        "meetings/correction_form.html",
        {"form": form, "meeting": meeting, "minutes": minutes},
    )


# --- The review round --------------------------------------------------------------------


@member_required
@require_POST
def minutes_sign(request, pk, minutes_pk):
    """A participant approves the minutes out for comment."""
    meeting = _meeting(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    if asked := ask_first(
        request,
        question=_("Godkend referatet?"),
        consequence=_("Din godkendelse gemmes med tidspunktet og kan ikke trækkes tilbage."),
        button=_("Godkend referatet"),
        back_url=reverse("meetings:minutes_detail", args=[meeting.pk]),
    ):
        return asked
    try:
        services.approve_as_participant(minutes=minutes, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Du har godkendt referatet."))
    return redirect("meetings:minutes_detail", pk=meeting.pk)


@member_required
@require_POST
def comment_handled(request, pk, minutes_pk, comment_pk):
    meeting = _manage(request, pk)
    minutes = _minutes(request, meeting, minutes_pk)
    comment = get_object_or_404(MinutesComment, pk=comment_pk, entry__minutes=minutes)
    try:
        services.mark_comment_handled(comment=comment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Kommentaren er markeret som behandlet."))
    return redirect(
        reverse("meetings:minutes_detail", args=[meeting.pk]) + f"#punkt-{comment.entry_id}"
    )


# --- The decision and action log ---------------------------------------------------------


@member_required
def decision_log(request, pk):
    """A forum's decisions and actions over time, as the person may read them."""
    forum = get_object_or_404(Forum, pk=pk)
    form = DecisionSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    rows = actions.decision_log(request.user, forum, q)
    return render(
        request,
        "meetings/decision_log.html",
        {
            "forum": forum,
            "form": form,
            "q": q,
            "rows": rows,
            "today": timezone.localdate(),
            "can_manage": permissions.can_manage_meetings(request.user),
            "status_form": ActionStatusForm(),
            "user_id": request.user.pk,
        },
    )


@member_required
@require_POST
def action_status(request, action_pk):
    action = get_object_or_404(
        MinutesAction.objects.select_related("entry__minutes__meeting__forum"), pk=action_pk
    )
    meeting = permissions.visible_meeting(request.user, action.entry.minutes.meeting_id)
    if meeting is None:
        raise Http404
    if not actions.can_update_action(request.user, action):
        raise PermissionDenied
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        try:
            actions.set_action_status(
                action=action, status=form.cleaned_data["status"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Handlingens status er gemt."))
    else:
        messages.error(request, _("Vælg en status."))
    return redirect("meetings:decision_log", pk=meeting.forum_id)
