"""Demo meetings: the four forums, the Direktør- og chefforum meeting of 29 August 2025 with
its programme and presenters (from the seed "Møde i Direktør- og chefforum d. 29. august
2025"), and the big joint meeting of 22 October 2025 for municipalities, region and
providers (named in the partnership's press release). Idempotent.

The seeds give neither times nor places; the times below are illustrative, and the place is
left to the secretariat. The two table discussions are 15 minutes each, as the programme
says."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from partnership.models import Organisation, OrganisationKind, User

from .models import AgendaItem, Forum, Meeting, MeetingInvitation, MeetingStatus

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
        ("5", "orientering", "Eventuelt og tak for i dag", "", "", 5),
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
        ("1", "orientering", "Velkomst og partnerskabets formål", "", "", 15),
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
        ("4", "orientering", "Eventuelt", "", "", 10),
    ],
}


def seed(organisations: dict[str, Organisation] | None = None) -> None:
    with transaction.atomic():
        forums = {}
        for name, description in FORUMS:
            forums[name], _created = Forum.objects.get_or_create(
                name=name, defaults={"description": description}
            )
        secretariat = User.objects.filter(email="sekretariat@portal.example").first()
        if secretariat is None:
            return
        for spec in (DIRECTORS_2025_08_29, JOINT_2025_10_22):
            _meeting(spec, forums[spec["forum"]], secretariat)


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
