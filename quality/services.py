"""Writes on quality: assessments of offers, quality dialogues with each side's notes and
documentation, and the agreed actions (carried over to the next dialogue until done)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from offers.models import Offer
from partnership.models import Membership, Organisation, User
from partnership.uploads import check_pdf

from . import permissions
from .models import (
    Action,
    ActionStatus,
    Assessment,
    AssessmentScore,
    Dialogue,
    DialogueDocument,
    Framework,
    Origin,
    Side,
    ThemeNote,
)

DIALOGUE_FIELDS = ["held_on", "next_dialogue_on", "other_participants", "summary"]


# --- Assessments ---------------------------------------------------------------------------


@transaction.atomic
def create_assessment(
    *,
    offer: Offer,
    framework: Framework,
    origin: str,
    assessed_on: date,
    source: str = "",
    scores: dict[int, int],
    by: User,
) -> Assessment:
    """An assessment of the offer with a score 1-5 for each theme given (theme id → score),
    in the framework edition in force on `assessed_on` (Assessment.clean). `origin` says
    whose scores they are: Socialtilsynet's only from the secretariat, the provider's own
    only from its editors (permissions.assessment_origins; the trigger of migration 0004
    holds it again)."""
    allowed = permissions.assessment_origins(by, offer)
    if not allowed:
        raise PermissionDenied(
            _("Kun leverandørens redaktører og sekretariatet kan registrere vurderinger.")
        )
    organisation = permissions.entering_organisation(by, offer, origin)
    if organisation is None:
        raise PermissionDenied(
            _("Kun sekretariatet kan registrere Socialtilsynets scorer.")
            if origin == Origin.SOCIALTILSYNET
            else _("Leverandørens egne scorer registreres af leverandørens redaktører.")
        )
    themes = {t.pk: t for t in framework.themes.all()}
    if not scores:
        raise ValidationError(_("Giv mindst ét tema en score fra 1 til 5."))
    unknown = set(scores) - set(themes)
    if unknown:
        raise ValidationError(_("Et af temaerne hører ikke til den valgte ramme."))
    assessment = Assessment(
        offer=offer,
        framework=framework,
        origin=origin,
        assessed_on=assessed_on,
        source=source,
        entered_by_organisation=organisation,
        created_by=by,
    )
    assessment.full_clean()
    assessment.save()
    for theme_id, value in scores.items():
        score = AssessmentScore(assessment=assessment, theme=themes[theme_id], score=value)
        score.full_clean()
        score.save()
    return assessment


# --- Framework editions (the secretariat's reference data) ---------------------------------


@transaction.atomic
def activate_framework(*, framework: Framework, valid_from: date, by: User) -> Framework:
    """Put an edition of a quality model in force from `valid_from` (e.g. the model after
    L 200 on the date the secretariat sets). The edition before it stays in force until
    the day before; assessments keep the edition they were made with."""
    if not permissions.can_manage_frameworks(by):
        raise PermissionDenied(_("Kun sekretariatet kan sætte en udgave af modellen i kraft."))
    family = list(
        Framework.objects.select_for_update().filter(family=framework.family).order_by("pk")
    )
    framework = next(f for f in family if f.pk == framework.pk)
    # The editions follow each other in the order they were made (the family's pks).
    for other in family:
        if other.pk == framework.pk or not other.is_active or other.valid_from is None:
            continue
        facts = {"date": date_format(other.valid_from, "j. F Y"), "edition": other.name}
        if other.pk < framework.pk and other.valid_from >= valid_from:
            raise ValidationError(
                {
                    "valid_from": _(
                        "Datoen skal ligge efter %(date)s, hvor %(edition)s gælder fra."
                    )
                    % facts
                }
            )
        if other.pk > framework.pk and other.valid_from <= valid_from:
            raise ValidationError(
                {
                    "valid_from": _("Datoen skal ligge før %(date)s, hvor %(edition)s gælder fra.")
                    % facts
                }
            )
    earlier = (
        Assessment.objects.filter(framework=framework, assessed_on__lt=valid_from)
        .order_by("assessed_on")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            {
                "valid_from": _(
                    "Der er vurderinger efter denne udgave fra %(date)s; datoen kan ikke "
                    "ligge senere."
                )
                % {"date": date_format(earlier.assessed_on, "j. F Y")}
            }
        )
    framework.valid_from = valid_from
    framework.is_active = True
    framework.full_clean()
    framework.save(update_fields=["valid_from", "is_active"])
    return framework


# --- Dialogues -----------------------------------------------------------------------------


def _members(users: Iterable[User] | None, organisation: Organisation, label: str) -> list[User]:
    users = list(users or [])
    ids = set(
        Membership.objects.active()
        .filter(organisation=organisation, user__in=users)
        .values_list("user_id", flat=True)
    )
    outsiders = [u for u in users if u.pk not in ids]
    if outsiders:
        raise ValidationError(
            {
                label: _("%(names)s er ikke medlem af %(org)s.")
                % {"names": ", ".join(str(u) for u in outsiders), "org": organisation.name}
            }
        )
    return users


def _check_offers(dialogue: Dialogue, offers: Iterable[Offer] | None) -> list[Offer]:
    offers = list(offers or [])
    if not offers:
        raise ValidationError({"offers": _("Vælg mindst ét af leverandørens tilbud.")})
    if any(o.provider_id != dialogue.provider_id for o in offers):
        raise ValidationError({"offers": _("Vælg kun tilbud fra den valgte leverandør.")})
    return offers


@transaction.atomic
def create_dialogue(
    *,
    municipality: Organisation,
    provider: Organisation,
    framework: Framework,
    fields: dict[str, Any],
    offers: Iterable[Offer] | None,
    municipality_participants: Iterable[User] | None = (),
    provider_participants: Iterable[User] | None = (),
    by: User,
) -> Dialogue:
    """A new dialogue between the parties. Unfinished actions from their earlier dialogues
    move to it (see carry_over_actions)."""
    if not (
        municipality.pk in permissions.municipality_ids(by)
        or provider.pk in permissions.provider_ids(by)
    ):
        raise PermissionDenied(
            _("Du kan kun oprette kvalitetsdialoger, som din egen organisation er part i.")
        )
    dialogue = Dialogue(
        municipality=municipality,
        provider=provider,
        framework=framework,
        created_by=by,
        **{k: v for k, v in fields.items() if k in DIALOGUE_FIELDS},
    )
    dialogue.full_clean()
    offers = _check_offers(dialogue, offers)
    m_people = _members(municipality_participants, municipality, "municipality_participants")
    p_people = _members(provider_participants, provider, "provider_participants")
    dialogue.save()
    dialogue.offers.set(offers)
    dialogue.municipality_participants.set(m_people)
    dialogue.provider_participants.set(p_people)
    carry_over_actions(dialogue=dialogue)
    return dialogue


@transaction.atomic
def update_dialogue(
    *,
    dialogue: Dialogue,
    fields: dict[str, Any],
    offers: Iterable[Offer] | None,
    municipality_participants: Iterable[User] | None = (),
    provider_participants: Iterable[User] | None = (),
    by: User,
) -> Dialogue:
    dialogue = Dialogue.objects.select_for_update().get(pk=dialogue.pk)
    if not permissions.can_edit_dialogue(by, dialogue):
        raise PermissionDenied(_("Kun dialogens parter kan ændre den."))
    for name, value in fields.items():
        if name in DIALOGUE_FIELDS:
            setattr(dialogue, name, value)
    dialogue.full_clean()
    offers = _check_offers(dialogue, offers)
    m_people = _members(
        municipality_participants, dialogue.municipality, "municipality_participants"
    )
    p_people = _members(provider_participants, dialogue.provider, "provider_participants")
    dialogue.save()
    dialogue.offers.set(offers)
    dialogue.municipality_participants.set(m_people)
    dialogue.provider_participants.set(p_people)
    return dialogue


@transaction.atomic
def carry_over_actions(*, dialogue: Dialogue) -> list[Action]:
    """Move the unfinished actions of the parties' earlier dialogues (held on or before this
    one) to this dialogue, recording the dialogue each came from. Safe to run twice."""
    actions = list(
        Action.objects.select_for_update()
        .unfinished()
        .filter(
            dialogue__municipality_id=dialogue.municipality_id,
            dialogue__provider_id=dialogue.provider_id,
            dialogue__held_on__lte=dialogue.held_on,
        )
        .exclude(dialogue=dialogue)
        .order_by("deadline", "pk")
    )
    for action in actions:
        action.carried_from_id = action.dialogue_id
        action.dialogue = dialogue
        action.save(update_fields=["carried_from", "dialogue", "updated_at"])
    return actions


@transaction.atomic
def save_theme_notes(
    *, dialogue: Dialogue, side: str, entries: dict[int, tuple[str, int | None]], by: User
) -> list[ThemeNote]:
    """One side's note and score (1-5 or none) per theme (theme id → (note, score))."""
    if side not in Side.values or not permissions.can_edit_side(by, dialogue, side):
        raise PermissionDenied(_("Du kan kun skrive din egen organisations notater."))
    themes = {t.pk: t for t in dialogue.framework.themes.all()}
    if set(entries) - set(themes):
        raise ValidationError(_("Et af temaerne hører ikke til dialogens kvalitetsramme."))
    saved = []
    for theme_id, (text, score) in entries.items():
        text = (text or "").strip()
        note = ThemeNote.objects.filter(dialogue=dialogue, theme_id=theme_id, side=side).first()
        if note is None:
            if not text and score is None:
                continue
            note = ThemeNote(dialogue=dialogue, theme=themes[theme_id], side=side)
        note.note, note.score, note.updated_by = text, score, by
        note.full_clean()
        note.save()
        saved.append(note)
    return saved


@transaction.atomic
def add_document(
    *, dialogue: Dialogue, title: str, upload: UploadedFile, by: User
) -> DialogueDocument:
    """Documentation from the person's side: a PDF, checked by its content and size."""
    side = permissions.side_of(by, dialogue)
    if side is None:
        raise PermissionDenied(_("Kun dialogens parter kan tilføje dokumentation."))
    title = (title or "").strip()
    try:
        check_pdf(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    # An upload always has a size (check_pdf has checked it); django-stubs allows None.
    doc = DialogueDocument(
        dialogue=dialogue,
        side=side,
        title=title,
        size=upload.size,  # type: ignore[misc]
        uploaded_by=by,
    )
    doc.full_clean(exclude=["file"])
    doc.file.save("dokumentation.pdf", upload, save=True)
    return doc


# --- Actions -------------------------------------------------------------------------------


@transaction.atomic
def add_action(
    *,
    dialogue: Dialogue,
    text: str,
    owner_organisation: Organisation,
    owner: User,
    deadline: date,
    status: str = ActionStatus.OPEN,
    by: User,
) -> Action:
    if not permissions.can_edit_dialogue(by, dialogue):
        raise PermissionDenied(_("Kun dialogens parter kan aftale handlinger."))
    action = Action(
        dialogue=dialogue,
        origin_dialogue=dialogue,
        text=(text or "").strip(),
        owner_organisation=owner_organisation,
        owner=owner,
        deadline=deadline,
        status=status,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def update_action(*, action: Action, fields: dict[str, Any], by: User) -> Action:
    action = Action.objects.select_for_update().select_related("dialogue").get(pk=action.pk)
    if not permissions.can_edit_dialogue(by, action.dialogue):
        raise PermissionDenied(_("Kun dialogens parter kan ændre handlinger."))
    for name in ("text", "owner_organisation", "owner", "deadline", "status"):
        if name in fields:
            setattr(action, name, fields[name])
    action.text = (action.text or "").strip()
    action.full_clean()
    action.save()
    return action
