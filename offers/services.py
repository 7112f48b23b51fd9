"""Writes on offers, declarations, vacancies and tariffs."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.intents import AlreadyDone, create_once
from partnership.models import User

from . import permissions, tasks
from .models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    LegalParagraph,
    Offer,
    OfferFollow,
    OfferStatus,
    RegulationRate,
    TargetGroup,
    Tariff,
    TariffAddOn,
    TariffStatus,
    VacancyReport,
)

log = logging.getLogger(__name__)


def _require_editor(user: User, offer: Offer) -> None:
    if not permissions.can_edit_offer(user, offer):
        raise PermissionDenied(_("Kun leverandørens egne redaktører kan ændre tilbuddet."))


@transaction.atomic
def save_offer(
    *,
    offer: Offer,
    paragraphs: Iterable[LegalParagraph],
    target_groups: Iterable[TargetGroup],
    by: User,
) -> Offer:
    if not permissions.can_create_offer_for(by, offer.provider):
        raise PermissionDenied(_("Kun leverandørens egne redaktører kan ændre tilbuddet."))
    offer.full_clean()
    offer.save()
    offer.paragraphs.set(paragraphs)
    offer.target_groups.set(target_groups)
    return offer


@transaction.atomic
def set_offer_status(*, offer: Offer, status: str, by: User) -> Offer:
    _require_editor(by, offer)
    if status not in OfferStatus.values:
        raise ValidationError(_("Ukendt status."))
    was = Offer.objects.filter(pk=offer.pk).values_list("status", flat=True).first()
    offer.status = status
    offer.save(update_fields=["status", "updated_at"])
    if status == OfferStatus.PUBLISHED and was != OfferStatus.PUBLISHED:
        offer_id = offer.pk
        transaction.on_commit(lambda: _notify_saved_searches(offer_id))
    return offer


@transaction.atomic
def save_declaration(
    *, offer: Offer, answers: dict[int, dict[str, Any]], by: User
) -> list[DeclarationAnswer]:
    """answers: question id → {answer, price, unit, note}. All or nothing."""
    _require_editor(by, offer)
    questions = {
        q.pk: q
        for q in DeclarationQuestion.objects.filter(is_active=True).prefetch_related("options")
    }
    existing = {a.question_id: a for a in offer.declaration_answers.all()}
    saved: list[DeclarationAnswer] = []
    errors: dict[int, ValidationError] = {}
    for qid, data in answers.items():
        question = questions.get(qid)
        if question is None:
            continue
        row = existing.get(qid) or DeclarationAnswer(offer=offer, question=question)
        row.answer = data["answer"]
        row.option = data.get("option")
        row.price = data.get("price") if data["answer"] == AnswerKind.EXTRA else None
        row.unit = data.get("unit") or "" if data["answer"] == AnswerKind.EXTRA else ""
        row.note = data.get("note") or ""
        try:
            row.full_clean(exclude=["offer", "question"])
        except ValidationError as exc:
            errors[qid] = exc
            continue
        saved.append(row)
    if errors:
        # Keyed by question id, not by field name; the page shows the messages.
        raise ValidationError(errors)  # type: ignore[arg-type]
    for row in saved:
        row.save()
    return saved


@transaction.atomic
def report_vacancy(*, offer: Offer, vacant: int, reported_on: date, by: User) -> VacancyReport:
    _require_editor(by, offer)
    if vacant > offer.places:
        raise ValidationError(
            {
                "vacant": _(
                    "Der kan ikke være flere ledige pladser (%(v)s) end pladser i alt (%(p)s)."
                )
                % {"v": vacant, "p": offer.places}
            }
        )
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("Datoen kan ikke ligge i fremtiden.")})
    report = VacancyReport(offer=offer, vacant=vacant, reported_on=reported_on, reported_by=by)
    report.full_clean()
    report.save()
    return report


def missing_regulation_rate_message(year: int) -> str:
    """A tariff needs a PL rate for its year: what to tell the person who has none. The
    tariff form and the import say it too (the import looks all its years up at once)."""
    return _(
        "Der er ingen PL-sats for %(year)s endnu. Sekretariatet fastsætter den, "
        "før der kan laves takster for året."
    ) % {"year": year}


def regulation_rate_for(year: int) -> RegulationRate:
    rate = RegulationRate.objects.filter(year=year).first()
    if rate is None:
        raise ValidationError({"year": missing_regulation_rate_message(year)})
    return rate


def _next_version(offer: Offer, year: int) -> int:
    last = (
        Tariff.objects.filter(offer=offer, year=year)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (last or 0) + 1


@transaction.atomic
def save_tariff_draft(
    *,
    offer: Offer,
    year: int,
    fields: dict[str, Any],
    addons: list[dict[str, Any]],
    by: User,
    draft: Tariff | None = None,
) -> Tariff:
    """Create or update the year's draft tariff with its add-ons."""
    _require_editor(by, offer)
    regulation_rate_for(year)
    Offer.objects.select_for_update().filter(pk=offer.pk).first()  # serialise per offer
    if draft is None:
        draft = Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.DRAFT).first()
    if draft is not None and draft.is_published:
        raise ValidationError(
            _("En offentliggjort takst kan ikke ændres. Opret en rettelse i stedet.")
        )
    if draft is None:
        draft = Tariff(offer=offer, year=year, version=_next_version(offer, year), created_by=by)
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.year = year
    draft.full_clean(validate_constraints=False)
    draft.save()
    draft.addons.all().delete()
    for data in addons:
        addon = TariffAddOn(tariff=draft, **data)
        addon.full_clean(exclude=["tariff"])
        addon.save()
    return draft


def _year_draft(offer: Offer, year: int) -> Tariff | None:
    return Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.DRAFT).first()


def _correcting_already() -> str:
    return _("Der er allerede en rettelse af taksten i gang. Her er den.")


@transaction.atomic
def start_correction(*, tariff: Tariff, by: User) -> Tariff:
    """A new draft version of a published tariff, with its figures copied. One at a time:
    the offer's row is locked (as save_tariff_draft does), so a second request waits, then
    finds the draft the first made and gets AlreadyDone with it; the constraints on one
    draft per year and unique versions are the last word."""
    _require_editor(by, tariff.offer)
    if not tariff.is_published:
        raise ValidationError(
            _("Kun en offentliggjort takst kan rettes. Redigér kladden i stedet.")
        )
    Offer.objects.select_for_update().filter(pk=tariff.offer_id).first()
    existing = _year_draft(tariff.offer, tariff.year)
    if existing:
        raise AlreadyDone(_correcting_already(), existing=existing)
    copy = Tariff(
        offer=tariff.offer,
        year=tariff.year,
        version=_next_version(tariff.offer, tariff.year),
        price=tariff.price,
        unit=tariff.unit,
        occupancy_percent=tariff.occupancy_percent,
        vat_included=tariff.vat_included,
        overhead_amount=tariff.overhead_amount,
        cost_note=tariff.cost_note,
        correction_reason="",
        created_by=by,
    )
    create_once(  # the reason is asked for when the correction is published
        copy.save,
        constraints=("tariff_unique_version", "tariff_one_draft_per_year"),
        existing=lambda: _year_draft(tariff.offer, tariff.year),
        message=_correcting_already(),
    )
    for addon in tariff.addons.all():
        TariffAddOn.objects.create(
            tariff=copy, name=addon.name, price=addon.price, unit=addon.unit, note=addon.note
        )
    return copy


# What "Ny takst" takes from the form for a year that already has a version: the figures a
# person types for it. The rest (VAT, overhead, cost note, add-ons) starts from that version.
TYPED_FIGURES = ("price", "unit", "occupancy_percent")


@transaction.atomic
def save_new_tariff(
    *,
    offer: Offer,
    year: int,
    fields: dict[str, Any],
    addons: list[dict[str, Any]],
    by: User,
) -> tuple[Tariff, Tariff | None]:
    """ "Ny takst" for a year. A year without a version gets a draft of what was typed. A year
    with a published version gets a correction of it (start_correction: add-ons, VAT,
    overhead and cost note carried), and a year with a draft keeps that draft; either way
    only the typed figures (TYPED_FIGURES) are put in, so nothing the form did not show is
    lost by omission. Returns the draft and the version it started from (None for a new
    year)."""
    _require_editor(by, offer)
    Offer.objects.select_for_update().filter(pk=offer.pk).first()  # serialise per offer
    base = _year_draft(offer, year)
    started_from = base
    if base is None:
        published = (
            Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if published is None:
            draft = save_tariff_draft(offer=offer, year=year, fields=fields, addons=addons, by=by)
            return draft, None
        base = start_correction(tariff=published, by=by)
        started_from = published
    kept = {
        name: getattr(base, name)
        for name in ("price", "unit", "occupancy_percent", "vat_included", "overhead_amount")
    }
    kept["cost_note"] = base.cost_note
    kept.update({name: fields[name] for name in TYPED_FIGURES if name in fields})
    kept_addons = [
        {"name": a.name, "price": a.price, "unit": a.unit, "note": a.note}
        for a in base.addons.all()
    ]
    draft = save_tariff_draft(
        offer=offer, year=year, fields=kept, addons=kept_addons, by=by, draft=base
    )
    return draft, started_from


@transaction.atomic
def publish_tariff(*, tariff: Tariff, by: User, reason: str = "") -> Tariff:
    """Publish a draft. Two editors publishing at once: the row lock lets one through and
    the other is told the tariff is already published."""
    _require_editor(by, tariff.offer)
    locked = Tariff.objects.select_for_update().get(pk=tariff.pk)
    if locked.is_published:
        raise ValidationError(_("Taksten er allerede offentliggjort."))
    regulation_rate_for(locked.year)
    if reason:
        locked.correction_reason = reason.strip()
    locked.status = TariffStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = by
    # The model's rules for a published tariff (a correction needs a reason, ...).
    locked.full_clean(validate_constraints=False)
    locked.save()
    tell_about_published([locked])
    return locked


def tell_about_published(tariffs: list[Tariff]) -> None:
    """Once the transaction that published these tariffs commits: a notice to each follower
    of their offers, and to the owners of saved searches a published offer now matches
    because it got its first published tariff (a search by price finds it only now). Every
    way of publishing calls this (publish_tariff, the import's batches). Two queries."""
    ids = [t.pk for t in tariffs]
    offer_ids = {t.offer_id for t in tariffs}
    followed = set(
        OfferFollow.objects.filter(offer_id__in=offer_ids).values_list("offer_id", flat=True)
    )
    notify = [t.pk for t in tariffs if t.offer_id in followed]
    earlier = Tariff.objects.filter(status=TariffStatus.PUBLISHED).exclude(pk__in=ids)
    first_priced = list(
        Offer.objects.filter(pk__in=offer_ids, status=OfferStatus.PUBLISHED)
        .exclude(tariffs__in=earlier)
        .values_list("pk", flat=True)
    )
    if notify or first_priced:
        transaction.on_commit(lambda: _queue_notices(notify, first_priced))


def _queue_notices(tariff_ids: list[int], offer_ids: list[int]) -> None:
    try:
        for tariff_id in tariff_ids:
            tasks.notify_tariff_published.delay(tariff_id)
        if offer_ids:
            tasks.notify_saved_searches_for.delay(offer_ids)
    except Exception:  # the broker is down: the tariffs stand; notices can be sent later
        log.warning("Could not queue notices for %s tariffs", len(tariff_ids))


def _notify_saved_searches(offer_id: int) -> None:
    try:
        tasks.notify_saved_searches.delay(offer_id)
    except Exception:  # the broker is down: the offer stands; notices can be sent later
        log.warning("Could not queue saved-search notices for offer %s", offer_id)


@transaction.atomic
def follow(*, offer: Offer, by: User) -> None:
    OfferFollow.objects.get_or_create(user=by, offer=offer)


@transaction.atomic
def unfollow(*, offer: Offer, by: User) -> None:
    OfferFollow.objects.filter(user=by, offer=offer).delete()


@transaction.atomic
def set_follow_email(*, offer: Offer, by: User, notify_by_email: bool) -> bool:
    """Whether the follower gets an e-mail (besides the notice) when the offer gets a new
    tariff. False when the person does not follow the offer."""
    return bool(
        OfferFollow.objects.filter(user=by, offer=offer).update(notify_by_email=notify_by_email)
    )


@transaction.atomic
def set_regulation_rate(*, year: int, rate: Decimal, note: str, by: User) -> RegulationRate:
    if not permissions.can_manage_reference_data(by):
        raise PermissionDenied
    obj, _created = RegulationRate.objects.update_or_create(
        year=year, defaults={"rate": rate, "note": note}
    )
    return obj
