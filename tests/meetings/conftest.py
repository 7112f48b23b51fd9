"""A meeting of the kind the secretariat prepares: four items, one closed to the invited
municipalities, three municipalities and two providers invited, invitations sent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from meetings import services
from meetings.models import Meeting
from partnership.models import Organisation, User
from tests.factories import make_meeting

CLOSED_TITLE = "Kommunernes egen drøftelse af takstniveauet"
OPEN_TITLES = [
    "Velkomst og dagens program",
    "Status på implementering af standardkontrakterne",
    "Eventuelt",
]
MUNICIPALITIES = ["slagelse", "naestved", "holbaek"]
PROVIDERS = ["bostedet-egelund", "fonden-solsikken"]


@dataclass
class Setup:
    meeting: Meeting
    secretariat: User
    caseworker: User  # Slagelse, a municipality invited
    provider: User  # Bostedet Egelund, a provider invited
    outsider: User  # LOS, a branch organisation not invited
    items: list
    closed: object


@pytest.fixture
def setup(demo, django_capture_on_commit_callbacks) -> Setup:
    secretariat = User.objects.get(email="sekretariat@portal.example")
    meeting = make_meeting(secretariat)
    municipalities = list(Organisation.objects.filter(slug__in=MUNICIPALITIES))
    providers = list(Organisation.objects.filter(slug__in=PROVIDERS))
    specs = [
        ("1", "orientering", OPEN_TITLES[0], [], 10),
        ("2", "temadroeftelse", OPEN_TITLES[1], [], 40),
        ("3", "borddroeftelse", CLOSED_TITLE, municipalities, 30),
        ("4", "orientering", OPEN_TITLES[2], [], 10),
    ]
    items = [
        services.save_agenda_item(
            meeting=meeting,
            fields={
                "number": number,
                "kind": kind,
                "title": title,
                "description": f"Beskrivelse af {title.lower()}",
                "presenters_text": "V./ Lone Berner Wolff" if number == "2" else "",
                "duration_minutes": minutes,
            },
            restricted_to=closed_to,
            by=secretariat,
        )
        for number, kind, title, closed_to, minutes in specs
    ]
    services.invite(
        meeting=meeting, organisations=municipalities + providers, people=[], by=secretariat
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting=meeting, by=secretariat)
    meeting.refresh_from_db()
    return Setup(
        meeting=meeting,
        secretariat=secretariat,
        caseworker=User.objects.get(email="sagsbehandler.slagelse@portal.example"),
        provider=User.objects.get(email="leverandoer.a@portal.example"),
        outsider=User.objects.get(email="branche.los@portal.example"),
        items=items,
        closed=items[2],
    )
