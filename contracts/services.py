"""Writes on contracts: creating from a template, clause changes as deviations, the
lifecycle, amendments. Every change is recorded as a ContractEvent with before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import TariffAddOn
from partnership.intents import AlreadyDone, create_once
from partnership.models import User

from . import dates, notifications, permissions, standard_texts
from .models import (
    NOTICE_STATES,
    OPEN_AMENDMENT_STATES,
    RUNNING_STATES,
    Contract,
    ContractClause,
    ContractEvent,
    ContractState,
    ContractTemplate,
    EventKind,
    IndividualPriceItem,
)
from .standards.selectors import published_version

TERM_FIELDS = [
    "case_reference",
    "start_date",
    "end_date",
    "tariff_id",
    "payment_timing",
    "payment_days",
    "notice_months",
    "automatic_pl",
    "followup_first",
    "followup_interval_months",
    "buyer_contact_id",
    "provider_contact_id",
]


def _snapshot(contract: Contract) -> dict[str, Any]:
    data = {f: getattr(contract, f) for f in TERM_FIELDS}
    data["addons"] = sorted(contract.addons.values_list("pk", flat=True)) if contract.pk else []
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def _event(
    contract: Contract,
    kind: str,
    by: User | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    clause_number: str = "",
) -> ContractEvent:
    event = ContractEvent.objects.create(
        contract=contract,
        kind=kind,
        by=by,
        before=before,
        after=after,
        message=message,
        clause_number=clause_number,
    )
    # The other side hears of what is news to it, once the change is committed.
    notifications.tell_other_side(event)
    return event


def _made_by_form(key: UUID, by: User) -> Contract | None:
    """The contract an earlier sending of the same "Opret kontrakt" form made, or None.
    Someone else's token is refused, without saying whose contract it made."""
    made = Contract.objects.filter(creation_key=key).first()
    if made is not None and made.created_by_id != by.pk:
        raise ValidationError(
            _("Formularen er allerede sendt. Hent siden igen, og udfyld den på ny.")
        )
    return made


def _open_amendment(contract: Contract | None) -> Contract | None:
    """The amendment being negotiated for the contract, if any."""
    if contract is None:
        return None
    return Contract.objects.filter(amendment_of=contract, state__in=OPEN_AMENDMENT_STATES).first()


# Lazy strings, translated when shown. partnership.intents annotates the message of
# AlreadyDone and create_once as str, though ValidationError takes a lazy string as well:
# hence the four `type: ignore[arg-type]` below.
FORM_SENT_TWICE = gettext_lazy(
    "Kontrakten var allerede oprettet: formularen blev sendt to gange. Her er kontrakten."
)
RENEGOTIATING_ALREADY = gettext_lazy("Kontrakten genforhandles allerede. Her er tillægget.")


@transaction.atomic
def create_contract(
    *,
    template: ContractTemplate,
    fields: dict[str, Any],
    addons: Iterable[TariffAddOn] | None,
    by: User,
    amendment_of: Contract | None = None,
    creation_key: UUID | None = None,
    reasons: dict[str, str] | None = None,
) -> Contract:
    """A draft contract from the template, its terms written into their clauses
    (contracts.standard_texts.TERMS). A term other than the standard makes its clause a
    deviation, whose reason is in reasons (by clause number). creation_key is the create
    form's one-time token: sent again (a double click, a reload, two requests at once) it
    makes no second contract but raises AlreadyDone with the first."""
    if not permissions.can_create_contract(by):
        raise PermissionDenied(_("Kun kommunens medarbejdere kan oprette kontrakter."))
    if creation_key is not None:
        made = _made_by_form(creation_key, by)
        if made is not None:
            raise AlreadyDone(FORM_SENT_TWICE, existing=made)  # type: ignore[arg-type]
    template = _template_version(template, amendment_of)
    contract = Contract(
        template=template,
        created_by=by,
        amendment_of=amendment_of,
        creation_key=creation_key,
        **fields,
    )
    if contract.buyer_id not in permissions.buyer_org_ids(by):
        raise PermissionDenied(_("Du kan kun oprette kontrakter for din egen kommune."))
    if contract.offer_id:
        contract.provider_id = contract.offer.provider_id
    # The token's and the open amendment's uniqueness are left to the database, which
    # settles two requests at the same moment too.
    contract.full_clean(exclude=["creation_key", "amendment_of"])
    clauses = clauses_from_template(contract, template, reasons or {})
    if creation_key is not None:
        create_once(
            contract.save,
            constraints=("contract_one_per_form",),
            existing=lambda: _made_by_form(creation_key, by),
            message=FORM_SENT_TWICE,  # type: ignore[arg-type]
        )
    else:
        create_once(
            contract.save,
            constraints=("contract_one_open_amendment",),
            existing=lambda: _open_amendment(amendment_of),
            message=RENEGOTIATING_ALREADY,  # type: ignore[arg-type]
        )
    contract.addons.set(_valid_addons(contract, addons))
    for clause in clauses:
        clause.contract = contract
    ContractClause.objects.bulk_create(clauses)
    _event(contract, EventKind.CREATED, by, after=_snapshot(contract))
    return contract


def _template_version(
    template: ContractTemplate, amendment_of: Contract | None
) -> ContractTemplate:
    """The template version a contract is made from: an amendment keeps its agreement's
    version; a new contract gets the published version of the chosen kind (also when the
    form was drawn before a newer version was published)."""
    if amendment_of is not None:
        return amendment_of.template
    published = published_version(template.kind)
    if published is None:
        raise ValidationError({"template": _("Vælg en offentliggjort skabelon.")})
    return published


def _term_reason_error(
    clause: ContractClause, terms: standard_texts.Values
) -> tuple[str, str] | None:
    """A clause that deviates (by a term) without a reason, or an unchangeable clause a
    term would change: (form field, message), else None. The error goes to the clause's
    reason field on the terms form, or to the term's field."""
    if not clause.is_deviation or (clause.changeable and clause.deviation_reason):
        return None
    changed = [
        t
        for t in standard_texts.terms_of(clause.number)
        if t.has_standard and terms[t.key] != t.standard
    ]
    if not clause.changeable:
        return (
            changed[0].field if changed else "__all__",
            _("Punkt %(n)s må ikke ændres i standardkontrakten, så %(term)s skal følge standarden.")
            % {"n": clause.number, "term": changed[0].label if changed else _("punktet")},
        )
    return (
        reason_field(clause.number),
        _("Skriv, hvorfor %(term)s afviger fra standardkontrakten (punkt %(n)s).")
        % {"term": changed[0].label if changed else _("punktet"), "n": clause.number},
    )


def _raise_errors(errors: list[tuple[str, str]]) -> None:
    if errors:
        merged: dict[str, list[str]] = {}
        for field, message in errors:
            merged.setdefault(field, []).append(message)
        raise ValidationError(merged)


def reason_field(number: str) -> str:
    """The terms form's field for the reason of a clause that deviates by a term."""
    return f"reason_{number}"


def clauses_from_template(
    contract: Contract, template: ContractTemplate, reasons: dict[str, str]
) -> list[ContractClause]:
    """The contract's clauses, unsaved: the template's texts with the terms written in."""
    terms = standard_texts.values(contract)
    clauses: list[ContractClause] = []
    errors: list[tuple[str, str]] = []
    for c in template.clauses.all():
        standard, text = standard_texts.clause_texts(c.text, c.number, contract)
        clause = ContractClause(
            number=c.number,
            order=c.order,
            title=c.title,
            standard_text=standard,
            text=text,
            changeable=c.changeable,
            deviation_reason=(reasons.get(c.number) or "").strip() if text != standard else "",
        )
        if error := _term_reason_error(clause, terms):
            errors.append(error)
        clauses.append(clause)
    _raise_errors(errors)
    return clauses


def _valid_addons(contract: Contract, addons: Iterable[TariffAddOn] | None) -> list[TariffAddOn]:
    addons = list(addons or [])
    wrong = [a for a in addons if a.tariff_id != contract.tariff_id]
    if wrong:
        raise ValidationError({"addons": _("Tillægsydelserne skal høre til den valgte takst.")})
    return addons


@transaction.atomic
def update_terms(
    *,
    contract: Contract,
    fields: dict[str, Any],
    addons: Iterable[TariffAddOn] | None,
    by: User,
    reasons: dict[str, str] | None = None,
) -> Contract:
    """The terms changed, and their clauses written again from them
    (contracts.standard_texts): a term other than the standard makes its clause a
    deviation, whose reason is in reasons (by clause number; a reason left out keeps the
    clause's own)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not permissions.can_edit_terms(by, contract):
        raise PermissionDenied(
            _("Vilkårene kan kun ændres af køberen, mens kontrakten forhandles.")
        )
    before = _snapshot(contract)
    old_terms = standard_texts.values(contract)
    old_standard = standard_texts.standard_values(contract)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save()
    contract.addons.set(_valid_addons(contract, addons))
    after = _snapshot(contract)
    clauses_changed = _rewrite_term_clauses(contract, old_terms, old_standard, reasons or {}, by)
    if after != before or clauses_changed:
        _reset_acceptance(contract)
    if after != before:
        _event(contract, EventKind.FIELDS, by, before=before, after=after)
    return contract


def _clause_record(clause: ContractClause) -> dict[str, str]:
    """What a clause event records of a clause, before and after."""
    return {"text": clause.text, "reason": clause.deviation_reason}


def _rewrite_term_clauses(
    contract: Contract,
    old_terms: standard_texts.Values,
    old_standard: standard_texts.Values,
    reasons: dict[str, str],
    by: User,
) -> bool:
    """Each clause that holds a term written from the terms as they now stand, with its
    reason; every changed clause recorded as a clause event. Whether any changed."""
    new_terms = standard_texts.values(contract)
    new_standard = standard_texts.standard_values(contract)
    errors: list[tuple[str, str]] = []
    changed: list[tuple[ContractClause, dict[str, str]]] = []
    for clause in contract.clauses.filter(number__in=standard_texts.TERM_CLAUSES):
        before = _clause_record(clause)
        standard_before = clause.standard_text
        clause.text = standard_texts.rewrite(clause.text, clause.number, old_terms, new_terms)
        clause.standard_text = standard_texts.rewrite(
            clause.standard_text, clause.number, old_standard, new_standard
        )
        reason = reasons.get(clause.number, clause.deviation_reason)
        clause.deviation_reason = (reason or "").strip() if clause.is_deviation else ""
        if error := _term_reason_error(clause, new_terms):
            errors.append(error)
        elif before != _clause_record(clause) or (clause.standard_text != standard_before):
            changed.append((clause, before))
    _raise_errors(errors)
    for clause, before in changed:
        clause.full_clean()
        clause.save(update_fields=["text", "standard_text", "deviation_reason"])
        after = _clause_record(clause)
        if after != before:
            _event(
                contract,
                EventKind.CLAUSE,
                by,
                clause_number=clause.number,
                before=before,
                after=after,
                message=_("Skrevet ud fra vilkårene."),
            )
    return any(_clause_record(c) != before for c, before in changed)


@transaction.atomic
def change_clause(*, clause: ContractClause, text: str, reason: str, by: User) -> ContractClause:
    contract = Contract.objects.select_for_update().get(pk=clause.contract_id)
    if not permissions.can_change_clauses(by, contract):
        raise PermissionDenied(_("Du kan ikke ændre punkter i kontrakten nu."))
    text = (text or "").strip()
    reason = (reason or "").strip()
    if not clause.changeable and text != clause.standard_text:
        raise ValidationError(
            {"text": _("Punkt %(n)s må ikke ændres i standardkontrakten.") % {"n": clause.number}}
        )
    if text != clause.standard_text and not reason:
        raise ValidationError(
            {"reason": _("Skriv, hvorfor punktet afviger fra standardkontrakten.")}
        )
    # The clause's terms are written from the contract's terms, never typed here: a text
    # without them would disagree with the terms (contracts.standard_texts).
    missing = standard_texts.missing_terms(text, clause.number, contract, clause.standard_text)
    if missing:
        term, phrase = missing[0]
        raise ValidationError(
            {
                "text": _(
                    "Punkt %(n)s skal nævne %(term)s, som vilkårene siger: »%(phrase)s«. "
                    "Ændr %(term)s under »Redigér vilkår«, så skrives punktet om."
                )
                % {"n": clause.number, "term": term.label, "phrase": phrase}
            }
        )
    before = _clause_record(clause)
    clause.text = text
    clause.deviation_reason = reason if text != clause.standard_text else ""
    clause.full_clean()
    clause.save()
    if before != _clause_record(clause):
        _reset_acceptance(contract)
        if contract.state == ContractState.SENT:
            _set_state(contract, ContractState.NEGOTIATION, by)
        _event(
            contract,
            EventKind.CLAUSE,
            by,
            clause_number=clause.number,
            before=before,
            after=_clause_record(clause),
        )
    return clause


def _reset_acceptance(contract: Contract) -> None:
    """A change after one side accepted needs both to accept again. Reads the database, not
    the (possibly stale) instance."""
    Contract.objects.filter(pk=contract.pk).filter(
        Q(buyer_signed_at__isnull=False) | Q(provider_signed_at__isnull=False)
    ).update(
        buyer_signed_at=None, buyer_signed_by=None, provider_signed_at=None, provider_signed_by=None
    )
    contract.buyer_signed_at = contract.provider_signed_at = None
    contract.buyer_signed_by = contract.provider_signed_by = None


def _set_state(contract: Contract, state: str, by: User | None, message: str = "") -> None:
    before = contract.state
    contract.state = state
    contract.save(update_fields=["state", "updated_at"])
    _event(
        contract,
        EventKind.STATE,
        by,
        before={"state": before},
        after={"state": state},
        message=message,
    )


@transaction.atomic
def send_to_provider(*, contract: Contract, by: User) -> Contract:
    if permissions.side_of(by, contract) != "buyer" or contract.state != ContractState.DRAFT:
        raise PermissionDenied(_("Kun køberen kan sende en kladde til leverandøren."))
    _set_state(contract, ContractState.SENT, by)
    return contract


@transaction.atomic
def comment(*, contract: Contract, text: str, by: User) -> ContractEvent:
    if permissions.side_of(by, contract) is None:
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Skriv en kommentar.")})
    if contract.state == ContractState.SENT:
        _set_state(contract, ContractState.NEGOTIATION, by)
    return _event(contract, EventKind.COMMENT, by, message=text)


@transaction.atomic
def accept(*, contract: Contract, by: User) -> Contract:
    """One side accepts the contract as it stands; when both have, it is signed."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    side = permissions.side_of(by, contract)
    if side is None or contract.state not in (ContractState.SENT, ContractState.NEGOTIATION):
        raise PermissionDenied(_("Kontrakten kan ikke accepteres nu."))
    now = timezone.now()
    if side == "buyer":
        contract.buyer_signed_by, contract.buyer_signed_at = by, now
    else:
        contract.provider_signed_by, contract.provider_signed_at = by, now
    contract.save(update_fields=[f"{side}_signed_by", f"{side}_signed_at", "updated_at"])
    _event(contract, EventKind.SIGNED, by, after={"side": side})
    if contract.buyer_signed_at and contract.provider_signed_at:
        _set_state(contract, ContractState.SIGNED, by)
        if contract.start_date <= timezone.localdate():
            activate(contract=contract)
    return contract


@transaction.atomic
def activate(*, contract: Contract) -> Contract:
    """Signed → active on the start date (run by the daily task). Safe to run twice."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.state != ContractState.SIGNED or contract.start_date > timezone.localdate():
        return contract
    if not contract.amendment_of_id:
        _set_state(contract, ContractState.ACTIVE, None, message=_("Aktiveret på startdatoen."))
        return contract
    # An amendment comes into force on its start date (the effective date) and governs from
    # then: the version it amends is replaced, so one version of the agreement is active.
    since = date_format(contract.start_date, "j. F Y")
    _set_state(
        contract,
        ContractState.ACTIVE,
        None,
        message=_("Tillægget er trådt i kraft den %(date)s.") % {"date": since},
    )
    original = Contract.objects.select_for_update().get(pk=contract.amendment_of_id)
    if original.state in (ContractState.RENEGOTIATION, ContractState.ACTIVE):
        _set_state(
            original,
            ContractState.SUPERSEDED,
            None,
            message=_("Erstattet af tillæg af %(date)s.") % {"date": since},
        )
    return contract


@transaction.atomic
def terminate(*, contract: Contract, notice_given_on: date, reason: str, by: User) -> Contract:
    """Notice given: the contract is "Opsagt" and ends at the end of the month in which the
    notice period ends (contracts.dates, clause 8), or on its own end date if that comes
    first; the daily task (end_contracts) makes it "Ophørt" after that day."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if permissions.side_of(by, contract) is None or contract.state not in NOTICE_STATES:
        raise PermissionDenied(_("Kontrakten kan ikke opsiges nu."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv begrundelsen for ophøret.")})
    contract.notice_given_on = notice_given_on
    try:
        contract.terminated_on = dates.end_after_notice(contract, notice_given_on)
    except (ValueError, OverflowError) as exc:  # the notice period ends after year 9999
        raise ValidationError(
            {"notice_given_on": _("Opsigelsesdatoen ligger for langt ude i fremtiden.")}
        ) from exc
    contract.termination_reason = reason
    contract.save(
        update_fields=["notice_given_on", "terminated_on", "termination_reason", "updated_at"]
    )
    _set_state(contract, ContractState.NOTICE_GIVEN, by, message=reason)
    return end(contract=contract)  # at once if the notice has already run out


@transaction.atomic
def end(*, contract: Contract) -> Contract:
    """A running contract whose last day has passed is "Ophørt" (run by the daily task):
    an opsagt contract after the end of its notice, any other after its end date. Safe to
    run twice."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    last_day = contract.ends_on
    if contract.state not in RUNNING_STATES or last_day is None or last_day >= timezone.localdate():
        return contract
    if contract.state == ContractState.NOTICE_GIVEN:
        message = _("Ophørt efter opsigelse den %(date)s.")
    else:
        message = _("Ophørt på slutdatoen den %(date)s.")
    _set_state(
        contract,
        ContractState.TERMINATED,
        None,
        message=message % {"date": date_format(last_day, "j. F Y")},
    )
    return contract


@transaction.atomic
def start_renegotiation(
    *, contract: Contract, by: User, effective_date: date | None = None
) -> Contract:
    """An amendment linked to the contract, starting from its current terms and clauses,
    that governs from its effective date (its start date; contracts.services.activate).
    One at a time: the contract's row is locked, so a second request (a double click, a
    colleague) waits, then finds the amendment the first made and gets AlreadyDone with
    it."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if permissions.side_of(by, contract) != "buyer":
        raise PermissionDenied(_("Kun køberen kan genforhandle en aktiv kontrakt."))
    open_amendment = _open_amendment(contract)
    if open_amendment is not None:
        raise AlreadyDone(RENEGOTIATING_ALREADY, existing=open_amendment)  # type: ignore[arg-type]
    if contract.state != ContractState.ACTIVE:
        raise PermissionDenied(_("Kun køberen kan genforhandle en aktiv kontrakt."))
    if effective_date is None:
        raise ValidationError({"effective_date": _("Skriv, hvornår tillægget skal gælde fra.")})
    if effective_date < contract.start_date:
        raise ValidationError(
            {
                "effective_date": _(
                    "Tillægget kan tidligst gælde fra kontraktens startdato (%(date)s)."
                )
                % {"date": date_format(contract.start_date, "j. F Y")}
            }
        )
    if contract.end_date and effective_date > contract.end_date:
        raise ValidationError(
            {
                "effective_date": _(
                    "Tillægget kan senest gælde fra kontraktens slutdato (%(date)s)."
                )
                % {"date": date_format(contract.end_date, "j. F Y")}
            }
        )
    fields = {f: getattr(contract, f) for f in TERM_FIELDS}
    fields.update(
        buyer_id=contract.buyer_id,
        offer_id=contract.offer_id,
        provider_id=contract.provider_id,
        start_date=effective_date,
    )
    clauses = list(contract.clauses.all())
    amendment = create_contract(
        template=contract.template,
        fields=fields,
        addons=contract.addons.all(),
        by=by,
        amendment_of=contract,
        reasons={c.number: c.deviation_reason for c in clauses},
    )
    for clause in clauses:
        ContractClause.objects.filter(contract=amendment, number=clause.number).update(
            standard_text=clause.standard_text,
            text=clause.text,
            deviation_reason=clause.deviation_reason,
        )
    _set_state(contract, ContractState.RENEGOTIATION, by)
    return amendment


@transaction.atomic
def add_price_item(
    *, contract: Contract, description: str, amount: Decimal, unit: str, reason: str, by: User
) -> IndividualPriceItem:
    if not permissions.can_edit_terms(by, contract):
        raise PermissionDenied
    item = IndividualPriceItem(
        contract=contract, description=description, amount=amount, unit=unit, reason=reason
    )
    item.full_clean()
    item.save()
    _reset_acceptance(contract)
    _event(contract, EventKind.FIELDS, by, after={"price_item": description, "amount": str(amount)})
    return item
