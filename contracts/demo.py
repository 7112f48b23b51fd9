"""About 25 demo contracts across Slagelse, Næstved and Holbæk and the demo providers, in
various states, some with deviations. Deterministic; created once."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from offers.models import Offer, Tariff
from partnership.models import Organisation, User

from .models import (
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
    ContractState.TERMINATED,
    ContractState.ACTIVE,
]
BUYERS = [
    ("slagelse", "sagsbehandler.slagelse@portal.example", "SLA"),
    ("naestved", "sagsbehandler.naestved@portal.example", "NAE"),
    ("holbaek", "admin.holbaek@portal.example", "HOL"),
]
NOTICE_TEXT = (
    "Kontrakten kan opsiges af begge parter med seks måneders varsel til udgangen af en måned."
)
PAYMENT_TEXT = "Køber betaler månedsvis bagud efter faktura. Betalingsfristen er 30 dage efter modtagelse af korrekt faktura."


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
        state = STATES[i % len(STATES)]
        buyer_user = User.objects.get(email=email)
        provider_user = editors.get(offer.provider.slug)
        start = today - timedelta(days=300 - i * 17)
        signed = state in (ContractState.SIGNED, ContractState.ACTIVE, ContractState.TERMINATED)
        if state == ContractState.SIGNED:
            start = today + timedelta(days=20 + i)
        now = timezone.now()
        contract = Contract.objects.create(
            buyer=orgs[slug],
            provider=offer.provider,
            offer=offer,
            template=template,
            case_reference=f"{prefix}-{today.year}-{1000 + i * 37}",
            start_date=start,
            end_date=start + timedelta(days=365 * (1 + i % 2)) if i % 4 else None,
            tariff=tariff,
            payment_timing="advance" if i % 2 else "arrears",
            payment_days=30 if i % 3 else 20,
            notice_months=3,
            automatic_pl=bool(i % 5),
            followup_first=start + timedelta(days=90),
            followup_interval_months=6,
            buyer_contact=buyer_user,
            provider_contact=provider_user,
            state=state,
            buyer_signed_by=buyer_user if signed else None,
            buyer_signed_at=now if signed else None,
            provider_signed_by=(provider_user or buyer_user) if signed else None,
            provider_signed_at=now if signed else None,
            created_by=buyer_user,
            terminated_on=today + timedelta(days=60) if state == ContractState.TERMINATED else None,
            notice_given_on=today - timedelta(days=30)
            if state == ContractState.TERMINATED
            else None,
            termination_reason="Borgeren flytter til et andet tilbud."
            if state == ContractState.TERMINATED
            else "",
        )
        contract.addons.set(list(tariff.addons.all()[:1]))
        clauses = []
        for c in template.clauses.all():
            text, reason = c.text, ""
            if c.number == "8" and i % 4 == 1:
                text, reason = (
                    NOTICE_TEXT,
                    "Længere varsel aftalt på grund af tilbuddets særlige målgruppe.",
                )
            if c.number == "5" and i % 5 == 0:
                text, reason = PAYMENT_TEXT, "Kommunens økonomisystem betaler bagud."
            clauses.append(
                ContractClause(
                    contract=contract,
                    number=c.number,
                    order=c.order,
                    title=c.title,
                    standard_text=c.text,
                    text=text,
                    changeable=c.changeable,
                    deviation_reason=reason,
                )
            )
        ContractClause.objects.bulk_create(clauses)
        ContractEvent.objects.create(contract=contract, kind=EventKind.CREATED, by=buyer_user)
