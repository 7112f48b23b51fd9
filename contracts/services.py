"""Writes on contracts: creating from a template, clause changes as deviations, the
lifecycle, amendments. Every change is recorded as a ContractEvent with before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import TariffAddOn
from partnership.intents import AlreadyDone, create_once
from partnership.models import User

from . import permissions
from .models import (
    OPEN_AMENDMENT_STATES,
    Contract,
    ContractClause,
    ContractEvent,
    ContractState,
    ContractTemplate,
    EventKind,
    IndividualPriceItem,
    TemplateStatus,
)

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
    return ContractEvent.objects.create(
        contract=contract,
        kind=kind,
        by=by,
        before=before,
        after=after,
        message=message,
        clause_number=clause_number,
    )


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
) -> Contract:
    """A draft contract from the template. creation_key is the create form's one-time
    token: sent again (a double click, a reload, two requests at once) it makes no second
    contract but raises AlreadyDone with the first."""
    if not permissions.can_create_contract(by):
        raise PermissionDenied(_("Kun kommunens medarbejdere kan oprette kontrakter."))
    if creation_key is not None:
        made = _made_by_form(creation_key, by)
        if made is not None:
            raise AlreadyDone(FORM_SENT_TWICE, existing=made)  # type: ignore[arg-type]
    if template.status != TemplateStatus.PUBLISHED:
        raise ValidationError({"template": _("Vælg en offentliggjort skabelon.")})
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
    ContractClause.objects.bulk_create(
        ContractClause(
            contract=contract,
            number=c.number,
            order=c.order,
            title=c.title,
            standard_text=c.text,
            text=c.text,
            changeable=c.changeable,
        )
        for c in template.clauses.all()
    )
    _event(contract, EventKind.CREATED, by, after=_snapshot(contract))
    return contract


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
) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not permissions.can_edit_terms(by, contract):
        raise PermissionDenied(
            _("Vilkårene kan kun ændres af køberen, mens kontrakten forhandles.")
        )
    before = _snapshot(contract)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save()
    contract.addons.set(_valid_addons(contract, addons))
    after = _snapshot(contract)
    if after != before:
        _reset_acceptance(contract)
        _event(contract, EventKind.FIELDS, by, before=before, after=after)
    return contract


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
    before = {"text": clause.text, "reason": clause.deviation_reason}
    clause.text = text
    clause.deviation_reason = reason if text != clause.standard_text else ""
    clause.full_clean()
    clause.save()
    if before != {"text": clause.text, "reason": clause.deviation_reason}:
        _reset_acceptance(contract)
        if contract.state == ContractState.SENT:
            _set_state(contract, ContractState.NEGOTIATION, by)
        _event(
            contract,
            EventKind.CLAUSE,
            by,
            clause_number=clause.number,
            before=before,
            after={"text": clause.text, "reason": clause.deviation_reason},
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
    _set_state(contract, ContractState.ACTIVE, None, message=_("Aktiveret på startdatoen."))
    if contract.amendment_of_id:
        # Set with amendment_of_id (a foreign key): never None here.
        original = cast(Contract, contract.amendment_of)
        if original.state == ContractState.RENEGOTIATION:
            _set_state(
                original, ContractState.ACTIVE, None, message=_("Tillægget er trådt i kraft.")
            )
    return contract


def notice_deadline(contract: Contract, given_on: date | None = None) -> date:
    """The earliest end if notice is given on the date: notice period from that date."""
    return (given_on or timezone.localdate()) + relativedelta(months=contract.notice_months)


@transaction.atomic
def terminate(*, contract: Contract, notice_given_on: date, reason: str, by: User) -> Contract:
    if permissions.side_of(by, contract) is None or contract.state not in (
        ContractState.ACTIVE,
        ContractState.RENEGOTIATION,
        ContractState.SIGNED,
    ):
        raise PermissionDenied(_("Kontrakten kan ikke opsiges nu."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv begrundelsen for ophøret.")})
    contract.notice_given_on = notice_given_on
    try:
        contract.terminated_on = notice_deadline(contract, notice_given_on)
    except (ValueError, OverflowError) as exc:  # the notice period ends after year 9999
        raise ValidationError(
            {"notice_given_on": _("Opsigelsesdatoen ligger for langt ude i fremtiden.")}
        ) from exc
    contract.termination_reason = reason
    contract.save(
        update_fields=["notice_given_on", "terminated_on", "termination_reason", "updated_at"]
    )
    _set_state(contract, ContractState.TERMINATED, by, message=reason)
    return contract


@transaction.atomic
def start_renegotiation(*, contract: Contract, by: User) -> Contract:
    """An amendment linked to the contract, starting from its current clauses. One at a
    time: the contract's row is locked, so a second request (a double click, a colleague)
    waits, then finds the amendment the first made and gets AlreadyDone with it."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if permissions.side_of(by, contract) != "buyer":
        raise PermissionDenied(_("Kun køberen kan genforhandle en aktiv kontrakt."))
    open_amendment = _open_amendment(contract)
    if open_amendment is not None:
        raise AlreadyDone(RENEGOTIATING_ALREADY, existing=open_amendment)  # type: ignore[arg-type]
    if contract.state != ContractState.ACTIVE:
        raise PermissionDenied(_("Kun køberen kan genforhandle en aktiv kontrakt."))
    fields = {f: getattr(contract, f) for f in TERM_FIELDS}
    fields.update(
        buyer_id=contract.buyer_id, offer_id=contract.offer_id, provider_id=contract.provider_id
    )
    amendment = create_contract(
        template=contract.template,
        fields=fields,
        addons=contract.addons.all(),
        by=by,
        amendment_of=contract,
    )
    for clause in contract.clauses.all():
        ContractClause.objects.filter(contract=amendment, number=clause.number).update(
            text=clause.text, deviation_reason=clause.deviation_reason
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
