"""Demo quality data: Socialtilsynet's assessment of every demo offer (entered by the
secretariat, in the edition of the model in force on the report's date), the provider's
own scores for one of Bostedet Egelund's offers, and quality dialogues between Slagelse /
Næstved and two providers, with actions (some overdue and one carried over).
Deterministic, and created once: running it again changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from offers.models import Offer
from partnership.models import Organisation, Role, User

from .models import (
    Action,
    ActionStatus,
    Assessment,
    AssessmentScore,
    Dialogue,
    Framework,
    Origin,
    Side,
    ThemeNote,
)
from .selectors import edition_in_force

SOURCES = [
    "Tilsynsrapport fra Socialtilsyn Øst",
    "Socialtilsynets årlige tilsyn (Tilbudsportalen)",
    "Tilsynsrapport, anmeldt tilsyn",
]

NOTES = {
    Side.MUNICIPALITY: [
        "Borgerne oplever en stabil hverdag; handleplanens mål følges op hvert kvartal.",
        "Dokumentationen af progression er god, men kunne kobles tættere til målene.",
        "Vi savner mere systematisk opfølgning på trivselsmålinger.",
    ],
    Side.PROVIDER: [
        "Vi har indført faste statusmøder og deler trivselsdata med kommunen.",
        "Personalet har gennemført kursus i low arousal; flere skal på efteråret.",
        "Vi arbejder på en fælles skabelon for statusrapporter.",
    ],
}


def _scores(assessment: Assessment, rnd: random.Random) -> None:
    AssessmentScore.objects.bulk_create(
        AssessmentScore(
            assessment=assessment, theme=t, score=min(5, max(2, round(rnd.gauss(3.8, 0.8))))
        )
        for t in assessment.framework.themes.filter(is_active=True)
    )


def _assess_offers(family: str) -> None:
    """Socialtilsynet's scores, entered by the demo secretariat."""
    secretariat = User.objects.filter(email="sekretariat@portal.example").first()
    membership = (
        secretariat.memberships.filter(role=Role.SECRETARIAT).select_related("organisation").first()
        if secretariat
        else None
    )
    if membership is None:
        return
    today = timezone.localdate()
    done = set(
        Assessment.objects.filter(
            framework__family=family, origin=Origin.SOCIALTILSYNET
        ).values_list("offer_id", flat=True)
    )
    for offer in Offer.objects.exclude(pk__in=done).order_by("pk"):
        rnd = random.Random(offer.name)
        assessed_on = today - timedelta(days=rnd.randint(30, 400))
        edition = edition_in_force(family, assessed_on)
        if edition is None:
            continue
        assessment = Assessment.objects.create(
            offer=offer,
            framework=edition,
            origin=Origin.SOCIALTILSYNET,
            assessed_on=assessed_on,
            source=rnd.choice(SOURCES),
            entered_by_organisation=membership.organisation,
            created_by=secretariat,
        )
        _scores(assessment, rnd)


def _provider_scores(family: str) -> None:
    """The provider's own scores for Bostedet Egelund's first offer, by its editor."""
    editor = User.objects.filter(email="leverandoer.a@portal.example").first()
    offer = Offer.objects.filter(provider__slug="bostedet-egelund").order_by("pk").first()
    if editor is None or offer is None:
        return
    if Assessment.objects.filter(offer=offer, origin=Origin.PROVIDER).exists():
        return
    assessed_on = timezone.localdate() - timedelta(days=10)
    edition = edition_in_force(family, assessed_on)
    if edition is None:
        return
    assessment = Assessment.objects.create(
        offer=offer,
        framework=edition,
        origin=Origin.PROVIDER,
        assessed_on=assessed_on,
        source="Egen trivselsmåling og selvevaluering",
        entered_by_organisation=offer.provider,
        created_by=editor,
    )
    _scores(assessment, random.Random(f"egen-{offer.name}"))


def _dialogue(municipality, provider, framework, held_on, people, actions, *, next_on):
    buyer, supplier = people
    dialogue = Dialogue.objects.create(
        municipality=municipality,
        provider=provider,
        framework=framework,
        held_on=held_on,
        next_dialogue_on=next_on,
        other_participants="Tilbudsleder og pædagogisk koordinator fra tilbuddet",
        summary="Gennemgang af temaerne med fokus på dokumentation af progression.",
        created_by=buyer,
    )
    dialogue.offers.set(Offer.objects.filter(provider=provider).order_by("pk")[:2])
    dialogue.municipality_participants.set([buyer])
    dialogue.provider_participants.set([supplier])
    rnd = random.Random(f"{municipality.slug}-{provider.slug}-{held_on}")
    for i, theme in enumerate(framework.themes.filter(is_active=True)):
        for side in (Side.MUNICIPALITY, Side.PROVIDER):
            ThemeNote.objects.create(
                dialogue=dialogue,
                theme=theme,
                side=side,
                note=NOTES[side][i % len(NOTES[side])],
                score=rnd.randint(3, 5),
                updated_by=buyer if side == Side.MUNICIPALITY else supplier,
            )
    for text, owner_org, owner, deadline, status in actions:
        Action.objects.create(
            dialogue=dialogue,
            origin_dialogue=dialogue,
            text=text,
            owner_organisation=owner_org,
            owner=owner,
            deadline=deadline,
            status=status,
        )
    return dialogue


def _dialogues(organisations, framework: Framework) -> None:
    today = timezone.localdate()
    pairs = [
        ("slagelse", "bostedet-egelund", "sagsbehandler.slagelse", "leverandoer.a"),
        ("naestved", "fonden-solsikken", "sagsbehandler.naestved", "leverandoer.b"),
    ]
    for m_slug, p_slug, buyer_email, supplier_email in pairs:
        municipality = organisations.get(m_slug) or Organisation.objects.get(slug=m_slug)
        provider = organisations.get(p_slug) or Organisation.objects.get(slug=p_slug)
        if Dialogue.objects.filter(municipality=municipality, provider=provider).exists():
            continue  # created once
        if not Offer.objects.filter(provider=provider).exists():
            continue
        buyer = User.objects.get(email=f"{buyer_email}@portal.example")
        supplier = User.objects.get(email=f"{supplier_email}@portal.example")
        first = _dialogue(
            municipality,
            provider,
            framework,
            today - timedelta(days=300),
            (buyer, supplier),
            [
                (
                    "Fælles skabelon for statusrapporter til handleplanen",
                    provider,
                    supplier,
                    today - timedelta(days=200),
                    ActionStatus.DONE,
                ),
                (
                    "Kommunen sender opdaterede handleplaner før næste dialog",
                    municipality,
                    buyer,
                    today - timedelta(days=150),
                    ActionStatus.IN_PROGRESS,
                ),
            ],
            next_on=today - timedelta(days=120),
        )
        second = _dialogue(
            municipality,
            provider,
            framework,
            today - timedelta(days=120),
            (buyer, supplier),
            [
                (
                    "Trivselsmåling for alle borgere, resultater deles med kommunen",
                    provider,
                    supplier,
                    today - timedelta(days=14),
                    ActionStatus.OPEN,
                ),
                (
                    "Plan for efteruddannelse i low arousal for nyt personale",
                    provider,
                    supplier,
                    today + timedelta(days=45),
                    ActionStatus.OPEN,
                ),
            ],
            next_on=today + timedelta(days=60),
        )
        # The unfinished action from the first dialogue was carried over to the second.
        Action.objects.filter(dialogue=first, status__in=["open", "in_progress"]).update(
            dialogue=second, carried_from=first
        )


@transaction.atomic
def seed(organisations: dict[str, Organisation] | None = None) -> None:
    organisations = organisations or {}
    _assess_offers("kvalitetsmodel")
    _provider_scores("kvalitetsmodel")
    model = edition_in_force("kvalitetsmodel", timezone.localdate())
    if model is None:
        return
    _dialogues(organisations, model)
