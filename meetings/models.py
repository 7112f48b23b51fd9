"""Joint meetings of the partnership bodies: forums, meetings, agenda items with their bilag,
invitations, answers and attendance, minutes in published versions with comments, and
personal calendar feeds.

The tables keep the names they had when these models belonged to the partnership app
(partnership_*; the move was a state-only migration, meetings/0001). An agenda item may be
closed to named organisations: who may see what is decided in meetings.permissions, never
here.

Approved minutes never change: the model refuses it (save/delete below) and so does the
database (a trigger, partnership migration 0004). What they show of the meeting and its
items (titles, kinds, who each item was closed to, the attendance) is copied into the
version when it is approved (Minutes.shown_meeting, MinutesEntry.shown), so a later edit of
the meeting or an item does not rewrite them. A correction is a new version with a reason."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from partnership import fields as guarded
from partnership.dashboard import compiled_cursor
from partnership.links import url_with_id

__all__ = [
    "Forum",
    "MeetingStatus",
    "Meeting",
    "AgendaItemKind",
    "AgendaItem",
    "AgendaAttachment",
    "MeetingInvitation",
    "Answer",
    "Participation",
    "MinutesStatus",
    "Minutes",
    "MinutesEntry",
    "MinutesAction",
    "MinutesComment",
    "CalendarFeed",
    "AttendeeKind",
    "ExtraAttendee",
    "MinutesApproval",
    "ActionStatus",
    "ActionFollowUp",
]

MAX_AGENDA_ITEM_MINUTES = 600
NUMBER_PATTERN = r"^[1-9][0-9]?(\.[a-z])?$"


class Forum(models.Model):
    """A body of the partnership that meets: Fællesmøde, Direktør- og chefforum, ..."""

    name = guarded.CharField(_("navn"), max_length=150, unique=True)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    is_active = models.BooleanField(_("aktivt"), default=True)
    # The standing members: "Invitér forummet" invites them in one click.
    members = models.ManyToManyField(
        "partnership.Organisation",
        verbose_name=_("faste medlemsorganisationer"),
        blank=True,
        related_name="forums",
        help_text=_("Alle aktive medarbejdere i organisationerne inviteres til forummets møder."),
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("faste medlemmer (personer)"),
        blank=True,
        related_name="forums",
    )
    # The meeting whose agenda "Nyt møde i forummet" copies (Forum.template); none marked:
    # the forum's latest meeting.
    template_meeting = models.ForeignKey(
        "Meeting",
        verbose_name=_("skabelon til nye møder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "partnership_forum"  # the table it had in partnership
        verbose_name = _("forum")
        verbose_name_plural = _("fora")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def template(self) -> Meeting | None:
        """The meeting a new meeting of the forum copies: the one marked as the forum's
        template, else its latest meeting."""
        if self.template_meeting_id:
            return self.template_meeting
        return self.meetings.order_by("-starts_at", "-pk").first()


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    # Not "Invitationer sendt": whether each invitation went is in the mail log, and the
    # meeting page says it (selectors.meeting_mail_status).
    INVITED = "invited", _("Indkaldt")
    HELD = "held", _("Afholdt")
    MINUTES_FOR_COMMENT = "minutes_for_comment", _("Referat til kommentering")
    MINUTES_APPROVED = "minutes_approved", _("Referat godkendt")
    # Cancelled by the secretariat (services.cancel_meeting): invitees get a METHOD:CANCEL
    # calendar mail; it is not edited, answered or given minutes any more.
    CANCELLED = "cancelled", _("Aflyst")


class InviteeRow(NamedTuple):
    """A row of Meeting.invitee_rows(): a person invited, directly (organisation None) or
    as an active member of an invited organisation, with their Participation if any."""

    user_id: int
    name: str
    email: str
    organisation: str | None  # the invited organisation's name; None: invited directly
    participation_id: int | None
    answer: str | None
    substitute: str | None
    attended: bool | None


INVITEES_SQL = """
SELECT u.id, u.name, u.email, NULL, p.id, p.answer, p.substitute, p.attended
  FROM partnership_meetinginvitation i
  JOIN partnership_user u ON u.id = i.user_id
  LEFT JOIN partnership_participation p ON p.user_id = u.id AND p.meeting_id = i.meeting_id
 WHERE i.meeting_id = %(meeting)s AND u.is_active
UNION ALL
SELECT u.id, u.name, u.email, o.name, p.id, p.answer, p.substitute, p.attended
  FROM partnership_meetinginvitation i
  JOIN partnership_organisation o ON o.id = i.organisation_id
  JOIN partnership_membership m ON m.organisation_id = o.id
  JOIN partnership_user u ON u.id = m.user_id
  LEFT JOIN partnership_participation p ON p.user_id = u.id AND p.meeting_id = i.meeting_id
 WHERE i.meeting_id = %(meeting)s AND m.is_active AND u.is_active
 ORDER BY 4 NULLS FIRST, 2, 1
"""
"""Who is invited to a meeting (%(meeting)s): the active people invited directly, and the
active members (Membership.objects.active()) of the invited organisations, each with their
Participation in the meeting if they have one.

Plain SQL, kept because it is measurably faster, and the only copy of the rule: one query
instead of the ORM's three (or its UNION of two querysets with FilteredRelation), on the
bench's Fællesmøde 2.4 ms against 6.1 ms at the median (300 alternating calls each)."""


def time_errors(starts_at: datetime | None, ends_at: datetime | None) -> dict[str, str]:
    """The rule for a meeting's time, by field: it ends after it begins (Meeting.clean, and
    the copy form, which sets the time of a meeting not yet made)."""
    if starts_at and ends_at and ends_at <= starts_at:
        return {
            "ends_at": _(
                "Mødet slutter, før det begynder. Sluttidspunktet skal ligge efter "
                "starttidspunktet."
            )
        }
    return {}


class Meeting(models.Model):
    forum = models.ForeignKey(
        Forum, verbose_name=_("forum"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = guarded.CharField(_("titel"), max_length=250)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    starts_at = models.DateTimeField(_("starter"))
    ends_at = models.DateTimeField(_("slutter"))
    place = guarded.CharField(_("sted"), max_length=250, blank=True)
    online_url = guarded.URLField(_("link til onlinemøde"), blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    # Raised when the time or place changes after the invitations went out, so calendars
    # that already hold the meeting take the new version (ICS SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    invitations_sent_at = models.DateTimeField(_("invitationer sendt"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("aflyst"), null=True, blank=True, editable=False)
    cancel_reason = guarded.TextField(_("begrundelse for aflysningen"), blank=True, editable=False)
    rsvp_deadline = models.DateTimeField(
        _("svarfrist"),
        null=True,
        blank=True,
        help_text=_("Valgfri. De inviterede bedes svare senest dette tidspunkt."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "partnership_meeting"  # the table it had in partnership
        verbose_name = _("møde")
        verbose_name_plural = _("møder")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                name="meeting_ends_after_start",
                condition=Q(ends_at__gt=F("starts_at")),
                violation_error_message=_("Mødet skal slutte, efter det er begyndt."),
            ),
            models.CheckConstraint(
                name="meeting_has_place_or_link",
                condition=~Q(place="") | ~Q(online_url=""),
                violation_error_message=_("Angiv et sted, et link til onlinemødet eller begge."),
            ),
            models.CheckConstraint(
                name="meeting_status_valid", condition=Q(status__in=MeetingStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forum}: {self.title}"

    def get_absolute_url(self) -> str:
        return url_with_id("meetings:meeting_detail", self.pk)

    # Who is invited: the active people invited directly, and the active members of the
    # invited organisations. Written once, here (INVITEES_SQL): selectors.invitees lists them
    # with their answers, invitee_ids() gives their ids.

    def invitee_rows(self) -> list[InviteeRow]:
        """Everyone invited, with their answer: a row per direct invitation and per active
        membership in an invited organisation (a person may have several), those invited
        directly first, then by organisation and name. One query, prepared (its text is the
        same for every meeting: planning it took 0.8 ms of its 1.5 on the bench's Fællesmøde,
        running it 0.2)."""
        with compiled_cursor() as cursor:
            cursor.execute(INVITEES_SQL, {"meeting": self.pk})
            return [InviteeRow(*row) for row in cursor.fetchall()]

    def invitee_ids(self) -> set[int]:
        return {row.user_id for row in self.invitee_rows()}

    def clean(self) -> None:
        errors = time_errors(self.starts_at, self.ends_at)
        if not self.place and not self.online_url:
            errors["place"] = _("Angiv et sted, et link til onlinemødet eller begge.")
        if self.rsvp_deadline and self.starts_at and self.rsvp_deadline > self.starts_at:
            errors["rsvp_deadline"] = _("Svarfristen skal ligge før mødet begynder.")
        if errors:
            raise ValidationError(errors)

    @property
    def agenda_locked(self) -> bool:
        """The agenda is locked once the invitations are sent (meetings.agenda has the rule
        of what may still change)."""
        return self.invitations_sent_at is not None

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_draft(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def invitation_reference(self) -> str:
        """Tells the mailed invitation apart from the updates after a change of time or
        place (the reference of their OutgoingMail)."""
        return f"seq{self.sequence}"


class AgendaItemKind(models.TextChoices):
    THEME = "temadroeftelse", _("Temadrøftelse")
    BRIEFING = "orientering", _("Orientering")
    TABLE = "borddroeftelse", _("Borddrøftelse")
    PLENARY = "plenumdroeftelse", _("Plenumdrøftelse")
    DECISION = "beslutning", _("Beslutning")
    FOLLOW_UP = "opfoelgning", _("Opfølgning")
    # Velkomst, pause, eventuelt: the title says it all, so no kind is shown before it.
    PRACTICAL = "praktisk", _("Praktisk (velkomst, pause, eventuelt)")


def shown_kind(kind: str, title: str) -> str:
    """The kind shown before an item's title ("Orientering: Nyt fra KL"), or "" where it
    would only repeat what the title says: a practical item (velkomst, pause) or a title
    that begins with the kind's word ("Orientering fra KL", not "Orientering: Orientering
    fra KL"). The one rule for the page, the e-mail, the PDFs and the calendar."""
    if kind not in AgendaItemKind.values or kind == AgendaItemKind.PRACTICAL:
        return ""
    label = str(AgendaItemKind(kind).label)
    first_word = re.split(r"[\s:,.–-]+", (title or "").strip(), maxsplit=1)[0]
    return "" if first_word.casefold() == label.casefold() else label


def agenda_heading(kind: str, title: str) -> str:
    """ "Orientering: Nyt fra KL", or the title alone (see shown_kind)."""
    label = shown_kind(kind, title)
    return f"{label}: {title}" if label else title


def number_position(number: str) -> int:
    """Sort key of an item number: "2" → 200, "2.a" → 201, "10.c" → 1003."""
    match = re.fullmatch(NUMBER_PATTERN, number or "")
    if not match:
        return 0
    main, _dot, letter = number.partition(".")
    return int(main) * 100 + (ord(letter) - ord("a") + 1 if letter else 0)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="items"
    )
    number = guarded.CharField(
        _("punktnummer"),
        max_length=5,
        validators=[
            RegexValidator(
                NUMBER_PATTERN,
                _("Skriv et punktnummer som 1, 2 eller 2.a (et tal, evt. punktum og et bogstav)."),
            )
        ],
        help_text=_("Fx 1, 2 eller 2.a for et underpunkt."),
    )
    position = models.PositiveIntegerField(editable=False, default=0)
    # Added after the invitations were sent: on the tillægsdagsorden (meetings.agenda).
    supplementary = models.BooleanField(_("tillægsdagsorden"), default=False, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=AgendaItemKind.choices)
    title = guarded.CharField(_("overskrift"), max_length=300)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oplægsholdere i portalen"),
        blank=True,
        related_name="presented_agenda_items",
    )
    presenters_text = guarded.CharField(
        _("oplægsholdere (fritekst)"),
        max_length=300,
        blank=True,
        help_text=_("Fx “V./ Lone Berner Wolff” for oplægsholdere uden for portalen."),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("varighed i minutter"), validators=[MaxValueValidator(MAX_AGENDA_ITEM_MINUTES)]
    )
    restricted_to = models.ManyToManyField(
        "partnership.Organisation",
        verbose_name=_("lukket punkt: kun for disse organisationer"),
        blank=True,
        related_name="restricted_agenda_items",
        help_text=_(
            "Vælg ingen for et åbent punkt. Vælger du organisationer, ser kun deres "
            "medarbejdere og sekretariatet punktet: på siden, i PDF, e-mail og kalender."
        ),
    )

    class Meta:
        db_table = "partnership_agendaitem"  # the table it had in partnership
        verbose_name = _("dagsordenspunkt")
        verbose_name_plural = _("dagsordenspunkter")
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="agendaitem_number_unique_in_meeting",
                violation_error_message=_("Mødet har allerede et punkt med det nummer."),
            ),
            models.CheckConstraint(
                name="agendaitem_kind_valid", condition=Q(kind__in=AgendaItemKind.values)
            ),
            models.CheckConstraint(
                name="agendaitem_duration_max",
                condition=Q(duration_minutes__lte=MAX_AGENDA_ITEM_MINUTES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        self.position = number_position(self.number)
        super().save(*args, **kwargs)

    @property
    def shown_kind(self) -> str:
        return shown_kind(self.kind, self.title)

    @property
    def heading(self) -> str:
        return agenda_heading(self.kind, self.title)

    def presenter_line(self) -> str:
        """ "V./ Anna Andersen og Lone Berner Wolff" from the people and the free text."""
        names = [p.get_full_name() for p in self.presenters.all()]
        return presenter_line(names, self.presenters_text)


def presenter_line(names: list[str], presenters_text: str) -> str:
    """AgendaItem.presenter_line from the presenters' full names, for a caller that loaded
    the names only (the meeting page)."""
    names = list(names)
    text = re.sub(r"^\s*v\./?\s*", "", presenters_text or "", flags=re.IGNORECASE)
    if text:
        names.append(text.strip())
    if not names:
        return ""
    if len(names) == 1:
        joined = names[0]
    else:
        joined = ", ".join(names[:-1]) + " " + str(_("og")) + " " + names[-1]
    return "V./ " + joined


def attachment_path(attachment: AgendaAttachment, filename: str) -> str:
    return f"meetings/{attachment.item.meeting_id}/bilag/{uuid.uuid4().hex}.{attachment.file_type}"


class AgendaAttachment(models.Model):
    """A bilag to an agenda item. Served only through the portal, to those who may see the
    item; the type was checked by content on upload (meetings.uploads)."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("punkt"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = guarded.CharField(_("titel"), max_length=200)
    file = models.FileField(_("fil"), upload_to=attachment_path)
    file_type = guarded.CharField(_("filtype"), max_length=10)
    original_name = guarded.CharField(_("oprindeligt filnavn"), max_length=250)
    size = models.PositiveIntegerField(_("størrelse i bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Closed even when its item is open: seen only by these organisations' members and the
    # secretariat (permissions.may_see_attachment).
    restricted_to = models.ManyToManyField(
        "partnership.Organisation",
        verbose_name=_("lukket bilag: kun for disse organisationer"),
        blank=True,
        related_name="restricted_agenda_attachments",
        help_text=_(
            "Vælg ingen for et åbent bilag. Vælger du organisationer, ser kun deres "
            "medarbejdere og sekretariatet bilaget, også når punktet er åbent."
        ),
    )

    class Meta:
        db_table = "partnership_agendaattachment"  # the table it had in partnership
        verbose_name = _("bilag")
        verbose_name_plural = _("bilag")
        ordering = ["item", "pk"]
        constraints = [
            models.CheckConstraint(
                name="attachment_type_valid",
                condition=Q(file_type__in=["pdf", "docx", "xlsx", "pptx"]),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        return f"{self.original_name.rsplit('.', 1)[0]}.{self.file_type}"


class MeetingInvitation(models.Model):
    """An invited organisation (all its active members are invited) or person."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        "partnership.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "partnership_meetinginvitation"  # the table it had in partnership
        verbose_name = _("mødeinvitation")
        verbose_name_plural = _("mødeinvitationer")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                name="meetinginvitation_org_or_person",
                condition=Q(organisation__isnull=True, user__isnull=False)
                | Q(organisation__isnull=False, user__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                condition=Q(organisation__isnull=False),
                name="meetinginvitation_org_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="meetinginvitation_person_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} → {self.organisation or self.user}"


class Answer(models.TextChoices):
    NONE = "", _("Har ikke svaret")
    ATTEND = "attend", _("Deltager")
    DECLINE = "decline", _("Afbud")


class Participation(models.Model):
    """One invitee's answer and, on the day, whether they were there."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_participations"
    )
    answer = models.CharField(_("svar"), max_length=10, choices=Answer.choices, blank=True)
    substitute = guarded.CharField(
        _("stedfortræder"),
        max_length=200,
        blank=True,
        help_text=_("Navn og organisation på den, der kommer i stedet (valgfrit)."),
    )
    answered_at = models.DateTimeField(_("svaret"), null=True, blank=True)
    attended = models.BooleanField(_("mødt"), null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    # Present, but not for these items (left before them, or came after): the minutes say so.
    absent_items = models.ManyToManyField(
        AgendaItem, verbose_name=_("ikke til stede under"), blank=True, related_name="+"
    )

    class Meta:
        db_table = "partnership_participation"  # the table it had in partnership
        verbose_name = _("deltagelse")
        verbose_name_plural = _("deltagelser")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="participation_once"),
            models.CheckConstraint(
                name="participation_answer_valid", condition=Q(answer__in=Answer.values)
            ),
            models.CheckConstraint(
                name="participation_substitute_only_with_decline",
                condition=Q(substitute="") | Q(answer=Answer.DECLINE),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}: {self.get_answer_display()}"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    FOR_COMMENT = "for_comment", _("Sendt til kommentering")
    APPROVED = "approved", _("Godkendt og offentliggjort")


MINUTES_LOCKED_MESSAGE = _(
    "Referatet er godkendt og kan ikke ændres. En rettelse offentliggøres som en ny version "
    "med en begrundelse."
)


@dataclass(frozen=True)
class MeetingAsShown:
    """What minutes show of their meeting (Minutes.shown_meeting)."""

    forum: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingAsShown:
        return cls(
            forum=meeting.forum.name,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            place=meeting.place,
            online_url=meeting.online_url,
        )

    def __str__(self) -> str:  # as Meeting's
        return f"{self.forum}: {self.title}"


@dataclass(frozen=True)
class ItemAsShown:
    """What a minutes entry shows of its agenda item (MinutesEntry.shown)."""

    number: str
    title: str
    kind: str
    presenter_line: str
    closed_to: tuple[str, ...]  # the names of the organisations; () for an open item

    @property
    def kind_label(self) -> str:
        """The kind above the entry's title; none for a practical item."""
        if self.kind not in AgendaItemKind.values or self.kind == AgendaItemKind.PRACTICAL:
            return ""
        return AgendaItemKind(self.kind).label

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_to)


class MinutesLocked(ValidationError):
    def __init__(self):
        super().__init__(MINUTES_LOCKED_MESSAGE, code="minutes_locked")


class Minutes(models.Model):
    """One version of a meeting's minutes (referat). Version 1 is drafted, sent for comment
    and approved; a correction is a later version with a reason, published directly."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes_versions")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    correction_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = guarded.TextField(_("begrundelse for rettelsen"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_for_comment_at = models.DateTimeField(null=True, blank=True)
    # The last day of the review round (set when the draft is sent for comment).
    comment_deadline = models.DateField(_("frist for kommentarer"), null=True, blank=True)
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What an approved version shows of the meeting, as it was when the version was approved
    # (services.approve_minutes takes it, with each entry's item): a later change of the
    # meeting, its agenda or its attendance does not change approved minutes, and the
    # triggers of migration 0004 refuse any change of an approved row, these columns too.
    # Empty until the version is approved; until then the minutes show the meeting as it is.
    meeting_title = guarded.CharField(_("mødets titel"), max_length=250, blank=True, editable=False)
    forum_name = guarded.CharField(_("forum"), max_length=150, blank=True, editable=False)
    meeting_starts_at = models.DateTimeField(_("mødet startede"), null=True, editable=False)
    meeting_ends_at = models.DateTimeField(_("mødet sluttede"), null=True, editable=False)
    meeting_place = guarded.CharField(_("sted"), max_length=250, blank=True, editable=False)
    meeting_online_url = guarded.URLField(_("link til onlinemøde"), blank=True, editable=False)
    # {"present": [{"name", "organisation"}], "declined": [{"name", "organisation",
    # "substitute"}]}: the lists are shown whole and never queried, so one JSON value.
    participants = models.JSONField(_("deltagere"), null=True, editable=False)

    class Meta:
        db_table = "partnership_minutes"  # the table it had in partnership
        verbose_name = _("referat")
        verbose_name_plural = _("referater")
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="minutes_version_once"),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=~Q(status="approved"),
                name="minutes_one_open_version",
                violation_error_message=_("Mødet har allerede et referat under arbejde."),
            ),
            models.CheckConstraint(
                name="minutes_status_valid", condition=Q(status__in=MinutesStatus.values)
            ),
            models.CheckConstraint(
                name="minutes_correction_has_reason",
                condition=Q(version=1) | (~Q(reason="") & Q(correction_of__isnull=False)),
                violation_error_message=_("En rettelse skal have en begrundelse."),
            ),
            models.CheckConstraint(
                name="minutes_approved_has_time",
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="minutes_approved_has_snapshot",
                condition=~Q(status="approved")
                | Q(meeting_starts_at__isnull=False, participants__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: referat v{self.version}"

    def save(self, *args, **kwargs):
        if self._stored_as_approved():
            raise MinutesLocked()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_as_approved():
            raise MinutesLocked()
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self) -> bool:
        return self.status == MinutesStatus.APPROVED

    @property
    def has_snapshot(self) -> bool:
        return self.meeting_starts_at is not None

    @cached_property
    def shown_meeting(self) -> MeetingAsShown:
        """The meeting as these minutes show it: as it was at approval, or as it is."""
        if self.has_snapshot:
            return MeetingAsShown(
                forum=self.forum_name,
                title=self.meeting_title,
                starts_at=self.meeting_starts_at,
                ends_at=self.meeting_ends_at,
                place=self.meeting_place,
                online_url=self.meeting_online_url,
            )
        return MeetingAsShown.of(self.meeting)

    def _stored_as_approved(self) -> bool:
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=MinutesStatus.APPROVED).exists()
        )


def _refuse_if_locked(minutes_id: int | None) -> None:
    if minutes_id and Minutes.objects.filter(pk=minutes_id, status=MinutesStatus.APPROVED).exists():
        raise MinutesLocked()


class LockedWithItsMinutes:
    """A part of minutes (an entry, an action, an approval): refuses save() and delete()
    once its minutes are approved, as the triggers below do."""

    def locking_minutes_id(self) -> int | None:
        return self.minutes_id  # type: ignore[attr-defined]

    def save(self, *args, **kwargs):
        _refuse_if_locked(self.locking_minutes_id())
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args, **kwargs):
        _refuse_if_locked(self.locking_minutes_id())
        return super().delete(*args, **kwargs)  # type: ignore[misc]


class MinutesEntry(LockedWithItsMinutes, models.Model):
    """What the minutes say about one agenda item."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="entries")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="minutes_entries"
    )
    discussion = guarded.TextField(_("drøftelse"), blank=True)
    decisions = guarded.TextField(_("beslutninger"), blank=True)
    # The item as it was when the minutes were approved (see Minutes): its number, place in
    # the order, kind, title, presenters, and the organisations it was closed to, which
    # decide who may read the entry of approved minutes (permissions.visible_entries).
    # Empty (closed_to_ids NULL) until the minutes are approved.
    item_number = guarded.CharField(_("punktnummer"), max_length=5, blank=True, editable=False)
    item_position = models.PositiveIntegerField(null=True, editable=False)
    item_kind = models.CharField(
        _("type"), max_length=20, choices=AgendaItemKind.choices, blank=True, editable=False
    )
    item_title = guarded.CharField(_("overskrift"), max_length=300, blank=True, editable=False)
    item_presenters = guarded.TextField(_("oplægsholdere"), blank=True, editable=False)
    # Lists, read whole.
    closed_to_ids = models.JSONField(null=True, blank=True, editable=False)
    closed_to_names = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "partnership_minutesentry"  # the table it had in partnership
        verbose_name = _("referatpunkt")
        verbose_name_plural = _("referatpunkter")
        ordering = ["minutes", "item_position", "agenda_item__position", "pk"]
        indexes = [
            # The entries without a snapshot, by their minutes: what the open actions' digest
            # (meetings.actions.OPEN_ACTIONS_DIGEST, read with every meeting page that has an
            # "Opfølgning" item) looks up among the earlier minutes, instead of reading every
            # entry and every agenda item (1.8 of the page's 4.3 ms facts query on the bench's
            # Fællesmøde).
            models.Index(
                fields=["minutes"],
                condition=Q(closed_to_ids__isnull=True),
                name="minutesentry_unsnapped",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "agenda_item"], name="minutesentry_item_once"
            ),
            models.CheckConstraint(
                name="minutesentry_snapshot_whole",
                condition=Q(closed_to_ids__isnull=True)
                | Q(
                    item_position__isnull=False,
                    closed_to_names__isnull=False,
                    item_number__gt="",
                    item_title__gt="",
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} · {self.agenda_item}"

    @property
    def has_snapshot(self) -> bool:
        return self.closed_to_ids is not None

    @cached_property
    def shown(self) -> ItemAsShown:
        """The item as the entry shows it: as it was at approval, or as it is."""
        if self.has_snapshot:
            return ItemAsShown(
                number=self.item_number,
                title=self.item_title,
                kind=self.item_kind,
                presenter_line=self.item_presenters,
                closed_to=tuple(self.closed_to_names),
            )
        item = self.agenda_item
        return ItemAsShown(
            number=item.number,
            title=item.title,
            kind=item.kind,
            presenter_line=item.presenter_line(),
            closed_to=tuple(o.name for o in item.restricted_to.all()),
        )

    def take_snapshot(self) -> None:
        """Copy what the entry shows of its item (prefetch the item's presenters and
        restricted_to) into the entry's own columns."""
        item = self.agenda_item
        closed = sorted(item.restricted_to.all(), key=lambda o: (o.name, o.pk))
        self.item_number = item.number
        self.item_position = item.position
        self.item_kind = item.kind
        self.item_title = item.title
        self.item_presenters = item.presenter_line()
        self.closed_to_ids = [o.pk for o in closed]
        self.closed_to_names = [o.name for o in closed]
        self.__dict__.pop("shown", None)


class MinutesAction(LockedWithItsMinutes, models.Model):
    """An action agreed under an item: what, who owns it, by when."""

    entry = models.ForeignKey(MinutesEntry, on_delete=models.CASCADE, related_name="actions")
    description = guarded.CharField(_("handling"), max_length=500)
    owner = guarded.CharField(_("ansvarlig"), max_length=200)
    # The owner as a person in the portal, when they are one (the overview shows them
    # their actions); `owner` is the name the minutes print.
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvarlig person i portalen"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="minutes_actions",
    )
    deadline = models.DateField(_("frist"), null=True, blank=True)

    class Meta:
        db_table = "partnership_minutesaction"  # the table it had in partnership
        verbose_name = _("handling")
        verbose_name_plural = _("handlinger")
        ordering = ["entry", "deadline", "pk"]

    def __str__(self) -> str:
        return self.description

    def locking_minutes_id(self) -> int | None:
        return self.entry.minutes_id if self.entry_id else None


COMMENT_AFTER_APPROVAL_MESSAGE = _(
    "Referatet er godkendt, så der kan ikke længere kommenteres. Din kommentar er ikke gemt, "
    "men står stadig i feltet. Skriv til sekretariatet, hvis der er en fejl: en rettelse "
    "kommer som en ny version af referatet."
)


class MinutesComment(models.Model):
    """An attendee's comment on one item of minutes sent for comment."""

    entry = models.ForeignKey(MinutesEntry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = guarded.TextField(_("kommentar"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Marked handled by the secretariat during the review round.
    handled_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "partnership_minutescomment"  # the table it had in partnership
        verbose_name = _("kommentar til referat")
        verbose_name_plural = _("kommentarer til referat")
        ordering = ["entry", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs):
        if Minutes.objects.filter(entries=self.entry_id, status=MinutesStatus.APPROVED).exists():
            raise ValidationError(COMMENT_AFTER_APPROVAL_MESSAGE, code="minutes_locked")
        super().save(*args, **kwargs)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class CalendarFeed(models.Model):
    """A personal calendar address. Only a hash of the token is stored; the address is
    shown once, and revoking it stops every calendar that uses it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("sidst hentet"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        db_table = "partnership_calendarfeed"  # the table it had in partnership
        verbose_name = _("kalenderadresse")
        verbose_name_plural = _("kalenderadresser")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)


# --- Minutes round, attendance beyond the invitees, the action log (issue 15) -------------

ENTRY_TEMPLATES: dict[str, str] = {
    AgendaItemKind.DECISION: "Indstilling: …\nBeslutning: …",
    AgendaItemKind.BRIEFING: "Taget til efterretning.",
}
"""What a new minutes entry's decisions start with, by the kind of its item: the one
mapping (services.start_minutes writes it; an entry still saying only this has no content
of its own, so its item may be deleted)."""


def entry_template(kind: str) -> str:
    return ENTRY_TEMPLATES.get(kind, "")


class AttendeeKind(models.TextChoices):
    SUBSTITUTE = "substitute", _("Stedfortræder")
    GUEST = "guest", _("Gæst")
    PRESENTER = "presenter", _("Ekstern oplægsholder")


class ExtraAttendee(models.Model):
    """Someone present who is not an invitee in the portal: a substitute for an invitee, a
    guest or an external presenter (name and organisation as text). Present by being here."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="extra_attendees")
    kind = models.CharField(_("rolle"), max_length=20, choices=AttendeeKind.choices)
    name = guarded.CharField(_("navn"), max_length=200)
    organisation = guarded.CharField(_("organisation"), max_length=200, blank=True)
    substitute_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stedfortræder for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    absent_items = models.ManyToManyField(
        AgendaItem, verbose_name=_("ikke til stede under"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("anden deltager")
        verbose_name_plural = _("andre deltagere")
        ordering = ["meeting", "kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                name="extraattendee_kind_valid", condition=Q(kind__in=AttendeeKind.values)
            ),
            models.CheckConstraint(
                name="extraattendee_substitute_for_someone",
                condition=~Q(kind="substitute") | Q(substitute_for__isnull=False),
                violation_error_message=_("Vælg, hvem stedfortræderen kommer i stedet for."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MinutesApproval(LockedWithItsMinutes, models.Model):
    """A participant's approval of minutes out for comment, or the secretariat's approval
    on the forum's behalf (recorded as such). Immutable once the minutes are approved
    (trigger, migration 0005)."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("godkendt"))
    on_behalf_of_forum = models.BooleanField(_("på forummets vegne"), default=False)

    class Meta:
        verbose_name = _("godkendelse af referat")
        verbose_name_plural = _("godkendelser af referat")
        ordering = ["minutes", "approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "user"], name="minutesapproval_once")
        ]

    def __str__(self) -> str:
        return f"{self.minutes} · {self.user}"


class ActionStatus(models.TextChoices):
    """As quality.ActionStatus (the same values and labels; meetings may not import
    quality)."""

    OPEN = "open", _("Åben")
    IN_PROGRESS = "in_progress", _("I gang")
    DONE = "done", _("Færdig")


UNFINISHED_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionFollowUp(models.Model):
    """How an action of the minutes stands now. Kept beside the action, not in it: what the
    approved minutes say never changes, the follow-up does. No row: open."""

    action = models.OneToOneField(MinutesAction, on_delete=models.CASCADE, related_name="follow_up")
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    changed_at = models.DateTimeField(_("ændret"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("opfølgning på handling")
        verbose_name_plural = _("opfølgning på handlinger")
        constraints = [
            models.CheckConstraint(
                name="actionfollowup_status_valid", condition=Q(status__in=ActionStatus.values)
            )
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"
