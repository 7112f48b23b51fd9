"""Demo meetings: the four forums, the Direktør- og chefforum meeting of 29 August 2025 with
its programme and presenters (from the seed "Møde i Direktør- og chefforum d. 29. august
2025"), and the big joint meeting of 22 October 2025 for municipalities, region and
providers (named in the partnership's press release). Idempotent.

The seeds give neither times nor places; the times below are illustrative, and the place is
left to the secretariat. The two table discussions are 15 minutes each, as the programme
says."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from partnership.lazy import lazy_module
from partnership.models import Organisation, OrganisationKind, User

from . import services
from .models import (
    ActionFollowUp,
    ActionStatus,
    AgendaAttachment,
    AgendaItem,
    Answer,
    AttendeeKind,
    ExtraAttendee,
    Forum,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesAction,
    MinutesApproval,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
    Participation,
    entry_template,
)

pypdf = lazy_module("pypdf")  # when the demo makes its attachments (partnership/lazy.py)

CPH = ZoneInfo("Europe/Copenhagen")

FORUMS = [
    (
        "Fællesmøde",
        "Det store fællesmøde for kommunerne, Region Sjælland og de private og selvejende "
        "leverandører.",
    ),
    ("Direktør- og chefforum", "Direktører og chefer fra kommunerne og Region Sjælland."),
    ("Implementeringsgruppe", "Implementeringsgruppen under Rammeaftale Sjælland."),
    ("Styregruppe", "Styregruppen for partnerskabet."),
]

PLACE_TBA = "Oplyses af sekretariatet"

DIRECTORS_2025_08_29 = {
    "forum": "Direktør- og chefforum",
    "title": "Møde i Direktør- og chefforum",
    "description": (
        "Rammeaftale Sjælland 2025-2026. Sparring og feedback fra Direktør- og chefforum om "
        "initiativer under fokusområde 1: “De tre fælleskommunale principper”."
    ),
    "starts_at": datetime(2025, 8, 29, 9, 0, tzinfo=CPH),
    "ends_at": datetime(2025, 8, 29, 11, 0, tzinfo=CPH),
    "status": MeetingStatus.HELD,
    "invite_kinds": [OrganisationKind.MUNICIPALITY, OrganisationKind.REGION],
    "items": [
        (
            "1",
            "temadroeftelse",
            "Nyt diplommodul vedr. socialfaglige indkøb til myndighedsrådgivere",
            "Projekt Implementering af KL’s standardkontrakter af høj kvalitet. Intro v. Jan "
            "Christensen, Implementeringsgruppens kontaktperson for projektet. "
            "Kompetenceudvikling vedr. socialfaglige indkøb: KKR Region Sjælland og "
            "Professionshøjskolen Absalon.",
            "V./ Søren Christoffersen, Line Busch-Jensen og Henriette Engedal Holmskov (Absalon)",
            30,
        ),
        (
            "1.a",
            "plenumdroeftelse",
            "Feedback og input til diplommodul om socialfaglige indkøb",
            "",
            "",
            15,
        ),
        (
            "2",
            "orientering",
            "Orientering fra Ad hoc-gruppen vedr. Implementering af KL’s standardkontrakter af "
            "høj kvalitet",
            "",
            "V./ Lisbeth Broberg",
            15,
        ),
        (
            "3",
            "borddroeftelse",
            "Forslag til lokalpolitisk talepapir om de tre fælleskommunale principper til "
            "relevante politiske udvalg og Byråd",
            "Hvad synes I er særligt godt ved det lokalpolitiske talepapir og dets budskaber? "
            "Hvad kunne I godt tænke jer at ændre i det politiske talepapir og dets budskaber?",
            "V./ Morten Bøgelund Andersen",
            15,
        ),
        (
            "4",
            "borddroeftelse",
            "Samarbejde med de private brancheforeninger om kvalitet: Tre gode råd til "
            "Implementeringsgruppens videre samarbejde med de private brancheforeninger",
            "Kommunalt-regionalt perspektiv på kvalitet. Opsamling fra mødet med de private "
            "brancheforeninger d. 28. august 2025. Borddrøftelse: 3 gode råd til "
            "Implementeringsgruppen om den videre proces med udvikling af en OPS-vision om "
            "kvalitet.",
            "V./ Lone Berner Wolff og Christel Jørgensen",
            15,
        ),
        ("5", "praktisk", "Eventuelt og tak for i dag", "", "", 5),
    ],
}

JOINT_2025_10_22 = {
    "forum": "Fællesmøde",
    "title": "Fællesmøde for kommuner, region og leverandører",
    "description": (
        "Det store fællesmøde, hvor kommunerne, Region Sjælland og de private og selvejende "
        "leverandører mødes til en yderligere udfoldelse af det offentlig-private "
        "partnerskab om kvalitet, dialog og økonomisk ansvarlighed på socialområdet."
    ),
    "starts_at": datetime(2025, 10, 22, 13, 0, tzinfo=CPH),
    "ends_at": datetime(2025, 10, 22, 16, 0, tzinfo=CPH),
    "status": MeetingStatus.HELD,
    "invite_kinds": [
        OrganisationKind.MUNICIPALITY,
        OrganisationKind.REGION,
        OrganisationKind.BRANCH,
        OrganisationKind.PROVIDER,
    ],
    "items": [
        ("1", "praktisk", "Velkomst og partnerskabets formål", "", "", 15),
        (
            "2",
            "temadroeftelse",
            "Det offentlig-private partnerskab om kvalitet, dialog og økonomisk ansvarlighed",
            "Fælles proces for samskabelse, der skal sikre et ordentligt kvalitetsdrevet "
            "specialiseret socialområde.",
            "",
            60,
        ),
        ("3", "plenumdroeftelse", "Næste skridt i samarbejdet", "", "", 30),
        ("4", "praktisk", "Eventuelt", "", "", 10),
    ],
}


def seed(organisations: dict[str, Organisation] | None = None) -> None:
    with transaction.atomic():
        forums = {}
        for name, description in FORUMS:
            forums[name], _created = Forum.objects.get_or_create(
                name=name, defaults={"description": description}
            )
        for spec in (DIRECTORS_2025_08_29, JOINT_2025_10_22):  # standing members, once
            forum = forums[spec["forum"]]
            if not forum.members.exists():
                forum.members.set(Organisation.objects.filter(kind__in=spec["invite_kinds"]))
        secretariat = User.objects.filter(email="sekretariat@portal.example").first()
        if secretariat is None:
            return
        for spec in (DIRECTORS_2025_08_29, JOINT_2025_10_22):
            _meeting(spec, forums[spec["forum"]], secretariat)
        _minutes_round(forums[DIRECTORS_2025_08_29["forum"]], secretariat)


def _meeting(spec: dict, forum: Forum, by: User) -> Meeting:
    existing = Meeting.objects.filter(forum=forum, starts_at=spec["starts_at"]).first()
    if existing:
        return existing
    meeting = Meeting(
        forum=forum,
        title=spec["title"],
        description=spec["description"],
        starts_at=spec["starts_at"],
        ends_at=spec["ends_at"],
        place=PLACE_TBA,
        status=spec["status"],
        invitations_sent_at=spec["starts_at"],
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    for number, kind, title, description, presenters, minutes in spec["items"]:
        item = AgendaItem(
            meeting=meeting,
            number=number,
            kind=kind,
            title=title,
            description=description,
            presenters_text=presenters,
            duration_minutes=minutes,
        )
        item.full_clean()
        item.save()
    MeetingInvitation.objects.bulk_create(
        MeetingInvitation(meeting=meeting, organisation=org, invited_by=by)
        for org in Organisation.objects.filter(kind__in=spec["invite_kinds"])
    )
    return meeting


# --- Issue 15: a newcomer sees the meetings at work ----------------------------------------
# The older meeting (29 August 2025) gets approved minutes, with each participant's approval
# and two actions (one open, one done); a meeting two weeks ago has its attendance (with a
# substitute and a guest) and minutes out for comment with a deadline and a comment; and a
# meeting three weeks ahead, relative to today, has its invitations sent, some answers and a
# bilag. Made with the models (the services would mail every invitee); found again by
# title, so seeding twice changes nothing.

PAST_TITLE = "Opfølgning på fokusområde 1"
NEXT_TITLE = "Fælles tjekliste og nyt fra sekretariatet"
SUBSTITUTE = "Birgitte Holm"
GUEST = "Jens Kragh"

PAST_ITEMS = [
    ("1", "praktisk", "Velkomst", 5),
    ("2", "opfoelgning", "Opfølgning på handlinger fra tidligere møder", 15),
    ("3", "beslutning", "Fælles tjekliste for brug af standardkontrakterne", 30),
    ("4", "orientering", "Nyt fra Implementeringsgruppen", 20),
    ("5", "praktisk", "Eventuelt", 10),
]
NEXT_ITEMS = [
    ("1", "praktisk", "Velkomst", 5),
    ("2", "opfoelgning", "Opfølgning på handlinger fra tidligere møder", 15),
    ("3", "beslutning", "Godkendelse af den fælles tjekliste", 30),
    ("4", "orientering", "Nyt fra sekretariatet", 20),
    ("5", "praktisk", "Eventuelt", 10),
]


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=CPH)


def _weekday(day: date) -> date:
    """The day, or the Monday after it when it falls on a weekend: forums meet on workdays."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _relative_meeting(forum: Forum, title: str, day: date, items, status: str, by: User):
    existing = Meeting.objects.filter(forum=forum, title=title).first()
    if existing:
        return existing, False
    day = _weekday(day)
    meeting = Meeting(
        forum=forum,
        title=title,
        description="Rammeaftale Sjælland: opfølgning på fokusområde 1.",
        starts_at=_at(day, 9),
        ends_at=_at(day, 11),
        place="Sorø, Rådhuset, mødelokale 2",
        status=status,
        invitations_sent_at=timezone.now() - timedelta(days=1)
        if day > timezone.localdate()
        else _at(day - timedelta(days=21), 9),
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    for number, kind, item_title, minutes in items:
        item = AgendaItem(
            meeting=meeting, number=number, kind=kind, title=item_title, duration_minutes=minutes
        )
        item.full_clean()
        item.save()
    MeetingInvitation.objects.bulk_create(
        MeetingInvitation(meeting=meeting, organisation=org, invited_by=by)
        for org in Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        )
    )
    return meeting, True


def _attendance(meeting: Meeting, present: list[User], declined: dict[User, str]) -> None:
    now = timezone.now()
    for user in present:
        Participation.objects.update_or_create(
            meeting=meeting,
            user=user,
            defaults={
                "answer": Answer.ATTEND,
                "answered_at": now,
                "attended": True,
                "attendance_marked_at": now,
            },
        )
    for user, substitute in declined.items():
        Participation.objects.update_or_create(
            meeting=meeting,
            user=user,
            defaults={
                "answer": Answer.DECLINE,
                "substitute": substitute,
                "answered_at": now,
                "attended": False,
                "attendance_marked_at": now,
            },
        )


def _draft(meeting: Meeting, by: User, texts: dict[str, tuple[str, str]]) -> Minutes:
    minutes = Minutes.objects.create(meeting=meeting, version=1, created_by=by)
    for item in meeting.items.all():
        discussion, decisions = texts.get(item.number, ("", entry_template(item.kind)))
        MinutesEntry.objects.create(
            minutes=minutes, agenda_item=item, discussion=discussion, decisions=decisions
        )
    return minutes


def _minutes_round(forum: Forum, by: User) -> None:
    niels = _person("sagsbehandler.naestved@portal.example")
    ivan = _person("indkoeb.slagelse@portal.example")
    signe = _person("sagsbehandler.slagelse@portal.example")
    if not (niels and ivan and signe):
        return
    today = timezone.localdate()
    _approved_minutes(forum, by, niels, ivan, signe, today)
    _minutes_for_comment(forum, by, niels, ivan, signe, today)
    _upcoming(forum, by, niels, ivan, today)


def _approved_minutes(forum, by, niels, ivan, signe, today) -> None:
    """The 29 August 2025 meeting: approved minutes, approved by each participant."""
    meeting = Meeting.objects.filter(
        forum=forum, starts_at=DIRECTORS_2025_08_29["starts_at"]
    ).first()
    if meeting is None or Minutes.objects.filter(meeting=meeting).exists():
        return
    _attendance(meeting, [niels, ivan], {signe: ""})
    minutes = _draft(
        meeting,
        by,
        {
            "1": (
                "Oplægsholderne præsenterede diplommodulet om socialfaglige indkøb.",
                "Forummet bakker op om diplommodulet.",
            ),
            "3": (
                "Talepapiret blev drøftet ved bordene.",
                "Sekretariatet samler forummets input til talepapiret.",
            ),
            "4": (
                "Tre gode råd blev samlet op fra bordene.",
                "De tre gode råd sendes til Implementeringsgruppen.",
            ),
        },
    )
    entries = {e.agenda_item.number: e for e in minutes.entries.select_related("agenda_item")}
    talepapir = MinutesAction.objects.create(
        entry=entries["3"],
        description="Samle input til det lokalpolitiske talepapir og sende det til kommunerne",
        owner="Sekretariatet",
        owner_user=by,
        deadline=today + timedelta(days=30),
    )
    raad = MinutesAction.objects.create(
        entry=entries["4"],
        description="Sende de tre gode råd til Implementeringsgruppen",
        owner=niels.get_full_name(),
        owner_user=niels,
        deadline=date(2025, 9, 15),
    )
    minutes.status = MinutesStatus.FOR_COMMENT
    minutes.sent_for_comment_at = datetime(2025, 9, 1, 10, 0, tzinfo=CPH)
    minutes.comment_deadline = date(2025, 9, 8)
    minutes.save()
    for user, day in ((niels, 2), (ivan, 4)):
        MinutesApproval.objects.create(
            minutes=minutes, user=user, approved_at=datetime(2025, 9, day, 14, 0, tzinfo=CPH)
        )
    services.take_snapshot(minutes=minutes)
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at = datetime(2025, 9, 9, 9, 0, tzinfo=CPH)
    minutes.approved_by = by
    minutes.save()
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.MINUTES_APPROVED)
    now = timezone.now()
    ActionFollowUp.objects.create(
        action=raad, status=ActionStatus.DONE, changed_at=now, changed_by=niels
    )
    ActionFollowUp.objects.create(
        action=talepapir, status=ActionStatus.IN_PROGRESS, changed_at=now, changed_by=by
    )


def _minutes_for_comment(forum, by, niels, ivan, signe, today) -> None:
    """A meeting two weeks ago: attendance with a substitute and a guest, minutes out for
    comment with a deadline and a comment."""
    meeting, created = _relative_meeting(
        forum, PAST_TITLE, today - timedelta(days=14), PAST_ITEMS, MeetingStatus.HELD, by
    )
    if not created:
        return
    _attendance(meeting, [niels, ivan], {signe: SUBSTITUTE})
    ExtraAttendee.objects.create(
        meeting=meeting,
        kind=AttendeeKind.SUBSTITUTE,
        name=SUBSTITUTE,
        organisation="Slagelse Kommune",
        substitute_for=signe,
    )
    guest = ExtraAttendee.objects.create(
        meeting=meeting, kind=AttendeeKind.GUEST, name=GUEST, organisation="KL"
    )
    items = {i.number: i for i in meeting.items.all()}
    guest.absent_items.set([items["4"], items["5"]])  # left after item 3
    minutes = _draft(
        meeting,
        by,
        {
            "3": (
                "Udkastet til tjeklisten blev gennemgået punkt for punkt.",
                "Indstilling: Forummet godkender tjeklisten.\n"
                "Beslutning: Godkendt med de rettelser, der kom på mødet.",
            ),
        },
    )
    minutes.status = MinutesStatus.FOR_COMMENT
    minutes.sent_for_comment_at = timezone.now() - timedelta(days=2)
    minutes.comment_deadline = today + timedelta(days=5)
    minutes.save()
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.MINUTES_FOR_COMMENT)
    MinutesComment.objects.create(
        entry=minutes.entries.get(agenda_item=items["3"]),
        author=niels,
        text="Tjeklisten bør også nævne kørsel til og fra tilbuddet.",
    )
    MinutesApproval.objects.create(minutes=minutes, user=ivan, approved_at=timezone.now())


def _upcoming(forum, by, niels, ivan, today) -> None:
    """A meeting three weeks ahead: invitations sent, some answers, a bilag."""
    meeting, created = _relative_meeting(
        forum, NEXT_TITLE, today + timedelta(days=21), NEXT_ITEMS, MeetingStatus.INVITED, by
    )
    if not created:
        return
    now = timezone.now()
    Participation.objects.create(meeting=meeting, user=niels, answer=Answer.ATTEND, answered_at=now)
    Participation.objects.create(
        meeting=meeting,
        user=ivan,
        answer=Answer.DECLINE,
        substitute="Birgitte Holm, Slagelse Kommune",
        answered_at=now,
    )
    item = meeting.items.get(number="3")
    attachment = AgendaAttachment(
        item=item,
        title="Udkast til fælles tjekliste",
        file_type="pdf",
        original_name="tjekliste.pdf",
        size=0,
        uploaded_by=by,
    )
    content = _blank_pdf()
    attachment.size = len(content)
    attachment.file.save("tjekliste.pdf", ContentFile(content), save=False)
    attachment.full_clean()
    attachment.save()


def _blank_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
