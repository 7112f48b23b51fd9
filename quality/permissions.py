"""Who may see and change quality assessments and dialogues. Deny by default.

A dialogue is seen by the members of its municipality and its provider and by the
secretariat; only the two parties change it, and each side writes only its own notes and
scores. Assessments are entered by the secretariat (Socialtilsynet's scores, from the
tilsyn's report) or by the provider's editors (for its own offers; shown as "oplyst af
leverandøren"); no other role may label scores as Socialtilsynet's. Everyone who may see
the offer sees them, with who entered them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from offers.models import Offer
from partnership.models import Organisation, OrganisationKind, Role
from partnership.permissions import AnyUser, is_secretariat, memberships_of, organisations_where

from .models import Dialogue, Origin, Side

__all__ = ["is_secretariat"]

MUNICIPALITY_ROLES = (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN)
PROVIDER_ROLES = (Role.PROVIDER_EDITOR,)


def municipality_ids(user: AnyUser) -> set[int]:
    """Municipalities (and the region) the person works for: may take part in dialogues."""
    return {o.pk for o in organisations_where(user, *MUNICIPALITY_ROLES) if o.is_public_buyer}


def provider_ids(user: AnyUser) -> set[int]:
    """Providers the person edits for: may take part in their dialogues."""
    return {o.pk for o in organisations_where(user, *PROVIDER_ROLES) if o.kind == "provider"}


def member_org_ids(user: AnyUser) -> set[int]:
    return {m.organisation_id for m in memberships_of(user)}


def can_use_quality(user: AnyUser) -> bool:
    """The "Kvalitet" section: municipalities and the region, provider editors, the
    secretariat."""
    return bool(is_secretariat(user) or municipality_ids(user) or provider_ids(user))


def can_create_dialogue(user: AnyUser) -> bool:
    return bool(municipality_ids(user) or provider_ids(user))


def dialogues_visible_to(user: AnyUser) -> QuerySet[Dialogue]:
    if is_secretariat(user):
        return Dialogue.objects.all()
    orgs = member_org_ids(user)
    if not orgs:
        return Dialogue.objects.none()
    return Dialogue.objects.filter(Q(municipality_id__in=orgs) | Q(provider_id__in=orgs))


def side_of(user: AnyUser, dialogue: Dialogue) -> str | None:
    """The side the person speaks for in the dialogue, or None (may not change it)."""
    if dialogue.municipality_id in municipality_ids(user):
        return Side.MUNICIPALITY
    if dialogue.provider_id in provider_ids(user):
        return Side.PROVIDER
    return None


def can_edit_dialogue(user: AnyUser, dialogue: Dialogue) -> bool:
    return side_of(user, dialogue) is not None


def can_edit_side(user: AnyUser, dialogue: Dialogue, side: str) -> bool:
    return side_of(user, dialogue) == side


def can_manage_frameworks(user: AnyUser) -> bool:
    return is_secretariat(user)


def assessment_origins(user: AnyUser, offer: Offer) -> list[str]:
    """Whose scores the person may enter for the offer: the secretariat Socialtilsynet's,
    the offer's provider's editors the provider's own."""
    origins: list[str] = []
    if is_secretariat(user):
        origins.append(Origin.SOCIALTILSYNET)
    if offer.provider_id in provider_ids(user):
        origins.append(Origin.PROVIDER)
    return origins


def entering_organisation(user: AnyUser, offer: Offer, origin: str) -> Organisation | None:
    """The organisation the person enters scores of this origin for, or None (may not)."""
    if origin not in assessment_origins(user, offer):
        return None
    if origin == Origin.PROVIDER:
        return offer.provider
    return next(
        (
            o
            for o in organisations_where(user, Role.SECRETARIAT)
            if o.kind == OrganisationKind.SECRETARIAT
        ),
        None,
    )


def can_assess_offer(user: AnyUser, offer: Offer) -> bool:
    return bool(assessment_origins(user, offer))
