"""About 25 demo contracts across Slagelse, Næstved and Holbæk and the demo providers, in
various states, some with deviations. Deterministic; created once."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from offers.models import Offer, Tariff
from partnership.models import Organisation, User

from . import dates, services
from .models import (
    AGREED_STATES,
    Contract,
    ContractClause,
    ContractEvent,
    ContractState,
    ContractTemplate,
    EventKind,
)

STATES = [
    ContractState.ACTIVE,
    ContractState.ACTIVE,
    ContractState.DRAFT,
    ContractState.SENT,
    ContractState.NEGOTIATION,
    ContractState.SIGNED,
    ContractState.ACTIVE,
    ContractState.NOTICE_GIVEN,
    ContractState.ACTIVE,
]
# Dated relative to the day of seeding: the first contract's next follow-up falls within
# 14 days (its reminder is made by the daily tasks, which `make run` runs), the 8th ended
# after notice (Ophørt) and the 17th is under notice (Opsagt, ending at the end of a month
# as clause 8 says).
FOLLOWUP_SOON = 0
ENDED = 7
NOTICE_AGO_DAYS = {ENDED: 150, 16: 10}
NOTICE_MONTHS = 3
BUYERS = [
    ("slagelse", "sagsbehandler.slagelse@portal.example", "SLA"),
    ("naestved", "sagsbehandler.naestved@portal.example", "NAE"),
    ("holbaek", "admin.holbaek@portal.example", "HOL"),
]
# Terms other than the standard, written into their clauses (contracts.standard_texts), with
# the reason of each clause that deviates by them.
LONG_NOTICE_MONTHS = 6
TERM_REASONS = {
    "4": "Taksten er fast i hele kontraktens løbetid.",
    "5": "Kommunens økonomisystem betaler bagud.",
    "6": "Tættere opfølgning aftalt ved genforhandlingen.",
    "8": "Længere varsel aftalt på grund af tilbuddets særlige målgruppe.",
}
# The 2nd contract is being renegotiated: its amendment, signed by both, comes into force
# 45 days after seeding (contracts.services.activate), with follow-up every third month.
AMENDED = 1
AMENDMENT_IN_DAYS = 45
# The 10th was renegotiated earlier: its amendment has governed since 60 days after the
# contract's start, and the original shows "Erstattet af tillæg af <dato>".
AMENDED_IN_FORCE = 9
AMENDED_AFTER_DAYS = 60


def seed(organisations: dict[str, Organisation]) -> None:
    with transaction.atomic():
        if Contract.objects.exists():
            return
        _seed(organisations)


def _seed(orgs) -> None:
    today = timezone.localdate()
    editors = {
        "bostedet-egelund": User.objects.get(email="leverandoer.a@portal.example"),
        "fonden-solsikken": User.objects.get(email="leverandoer.b@portal.example"),
    }
    offers = list(
        Offer.objects.filter(status="published", provider__slug__in=list(editors))
        .select_related("provider")
        .order_by("pk")
    ) + list(
        Offer.objects.filter(status="published")
        .exclude(provider__slug__in=list(editors))
        .order_by("pk")[:6]
    )
    templates = {
        t.kind: t
        for t in ContractTemplate.objects.filter(version="2.0").prefetch_related("clauses")
    }
    for i in range(25):
        slug, email, prefix = BUYERS[i % 3]
        offer = offers[i % len(offers)]
        tariff = (
            Tariff.objects.filter(offer=offer, status="published")
            .order_by("-year", "-version")
            .first()
        )
        if tariff is None:
            continue
        kind = (
            "children"
            if offer.age_min < 18
            else (
                "adults_outside"
                if offer.provider.ownership_form
                in ("privat", "selvejende", "socialoekonomisk", "fond")
                else "adults_inside"
            )
        )
        template = templates[kind]
        state = STATES[i % len(STATES)] if i != ENDED else ContractState.TERMINATED
        buyer_user = User.objects.get(email=email)
        provider_user = editors.get(offer.provider.slug)
        start = today - timedelta(days=300 - i * 17)
        signed = state in AGREED_STATES
        if state == ContractState.SIGNED:
            start = today + timedelta(days=20 + i)
        now = timezone.now()
        followup_first = start + timedelta(days=90)
        if i == FOLLOWUP_SOON:
            followup_first = today + timedelta(days=10) - relativedelta(months=6)
        notice_months = LONG_NOTICE_MONTHS if i % 4 == 1 else NOTICE_MONTHS
        notice_given_on = terminated_on = None
        if state in (ContractState.NOTICE_GIVEN, ContractState.TERMINATED):
            notice_given_on = today - timedelta(days=NOTICE_AGO_DAYS.get(i, 10))
            terminated_on = dates.notice_end(notice_given_on, notice_months)
        contract = Contract.objects.create(
            buyer=orgs[slug],
            provider=offer.provider,
            offer=offer,
            template=template,
            case_reference=f"{prefix}-{today.year}-{1000 + i * 37}",
            start_date=start,
            end_date=start + timedelta(days=365 * (1 + i % 2)) if i % 4 else None,
            tariff=tariff,
            payment_timing="arrears" if i % 5 == 0 else "advance",
            payment_days=30,
            notice_months=notice_months,
            automatic_pl=bool(i % 5),
            followup_first=followup_first,
            followup_interval_months=6,
            buyer_contact=buyer_user,
            provider_contact=provider_user,
            state=state,
            buyer_signed_by=buyer_user if signed else None,
            buyer_signed_at=now if signed else None,
            provider_signed_by=(provider_user or buyer_user) if signed else None,
            provider_signed_at=now if signed else None,
            created_by=buyer_user,
            terminated_on=terminated_on,
            notice_given_on=notice_given_on,
            termination_reason="Borgeren flytter til et andet tilbud." if notice_given_on else "",
        )
        contract.addons.set(list(tariff.addons.all()[:1]))
        _write_clauses(contract, template)
        ContractEvent.objects.create(contract=contract, kind=EventKind.CREATED, by=buyer_user)
        if i == AMENDED and state == ContractState.ACTIVE:
            _amend(contract, today + timedelta(days=AMENDMENT_IN_DAYS))
        if i == AMENDED_IN_FORCE and state == ContractState.ACTIVE:
            _amend(contract, start + timedelta(days=AMENDED_AFTER_DAYS), in_force=True)


def _write_clauses(contract: Contract, template: ContractTemplate) -> None:
    """The template's clauses with the contract's terms written in, by the service's rule
    (a term that deviates gets its demo reason)."""
    clauses = services.clauses_from_template(contract, template, TERM_REASONS)
    for clause in clauses:
        clause.contract = contract
    ContractClause.objects.bulk_create(clauses)


def _amend(original: Contract, effective: date, *, in_force: bool = False) -> None:
    """A signed amendment to the contract, in force from the effective date: the contract is
    under renegotiation until then (or, `in_force`, replaced by it since)."""
    amendment = Contract.objects.get(pk=original.pk)
    amendment.pk = None
    amendment.amendment_of = original
    amendment.start_date = effective
    amendment.followup_interval_months = 3
    amendment.state = ContractState.ACTIVE if in_force else ContractState.SIGNED
    amendment.save()
    amendment.addons.set(original.addons.all())
    _write_clauses(amendment, original.template)
    ContractEvent.objects.create(contract=amendment, kind=EventKind.CREATED, by=original.created_by)
    Contract.objects.filter(pk=original.pk).update(
        state=ContractState.SUPERSEDED if in_force else ContractState.RENEGOTIATION
    )
