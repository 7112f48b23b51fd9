"""Demo offers: about 60 across the demo providers and municipalities, with three years of
tariffs (some above the PL rate, some corrected by a second version), declarations and
vacancy reports. Deterministic and idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from partnership import formats
from partnership.models import Organisation, OrganisationKind, User

from .models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    LegalParagraph,
    Offer,
    OfferStatus,
    PriceUnit,
    RegulationRate,
    TargetGroup,
    Tariff,
    TariffAddOn,
    TariffStatus,
    TariffUnit,
    VacancyReport,
)

# The PL rates of the three tariff years, oldest first. The years are the three latest,
# ending with this year, counted when the demo is seeded, so the demo stays current.
RATES = (Decimal("3.90"), Decimal("2.60"), Decimal("2.40"))


def pl_rates(this_year: int | None = None) -> dict[int, Decimal]:
    """The demo's PL rate for each of the three latest years, ending with `this_year`
    (today's year unless given)."""
    year = this_year or timezone.localdate().year
    return dict(zip(range(year - len(RATES) + 1, year + 1), RATES, strict=True))


KINDS = [
    # name stem, paragraphs, target groups, unit, base price, age range, places
    (
        "Botilbuddet",
        ["SEL § 108"],
        ["udviklingshaemning", "autisme"],
        TariffUnit.DAY,
        2650,
        (18, 99),
        12,
    ),
    (
        "Bostedet",
        ["SEL § 107"],
        ["sindslidelse", "dobbeltdiagnose"],
        TariffUnit.DAY,
        2450,
        (18, 65),
        10,
    ),
    ("Opholdsstedet", ["Barnets lov"], ["omsorgssvigt", "adhd"], TariffUnit.DAY, 3950, (12, 18), 8),
    (
        "Autismetilbuddet",
        ["SEL § 108", "SEL § 85"],
        ["autisme"],
        TariffUnit.DAY,
        3100,
        (18, 99),
        14,
    ),
    (
        "Hjerneskadecentret",
        ["SEL § 107"],
        ["erhvervet-hjerneskade", "fysisk-funktionsnedsaettelse"],
        TariffUnit.DAY,
        3300,
        (18, 80),
        16,
    ),
    (
        "Misbrugsbehandlingen",
        ["SEL § 101"],
        ["misbrug", "dobbeltdiagnose"],
        TariffUnit.MONTH,
        38500,
        (18, 70),
        20,
    ),
    ("Herberget", ["SEL § 110"], ["hjemloeshed", "misbrug"], TariffUnit.DAY, 1150, (18, 99), 30),
    (
        "Dagtilbuddet",
        ["SEL § 104"],
        ["udviklingshaemning", "multihandicap"],
        TariffUnit.MONTH,
        14200,
        (18, 99),
        25,
    ),
    (
        "Værkstedet",
        ["SEL § 103"],
        ["udviklingshaemning", "sindslidelse"],
        TariffUnit.MONTH,
        9800,
        (18, 67),
        30,
    ),
    (
        "Krisecentret",
        ["SEL § 109"],
        ["vold-i-naere-relationer"],
        TariffUnit.DAY,
        1650,
        (18, 99),
        12,
    ),
    (
        "Bofællesskabet",
        ["ABL § 105", "SEL § 85"],
        ["autisme", "adhd"],
        TariffUnit.MONTH,
        31500,
        (18, 35),
        9,
    ),
    (
        "Ungehuset",
        ["Barnets lov", "SEL § 107"],
        ["kriminalitetstruede-unge", "adhd"],
        TariffUnit.DAY,
        4200,
        (14, 23),
        6,
    ),
]

PLACES = [
    "Egelunden",
    "Solbakken",
    "Fjordglimt",
    "Kildegården",
    "Skovbrynet",
    "Havblik",
    "Lindely",
    "Bakkehuset",
    "Mosegården",
    "Engly",
    "Strandvejen",
    "Bøgely",
    "Lærkereden",
    "Åbrinken",
    "Toftegården",
]
METHODS = [
    "Low arousal og KRAP. Struktur og forudsigelighed i hverdagen, visuel understøttelse og individuelle planer.",
    "Recovery-orienteret og traumebevidst tilgang. Mentaliseringsbaseret pædagogik og netværksinddragelse.",
    "Miljøterapi og kognitiv adfærdsterapi. Tæt samarbejde med psykiatrien og jobcenteret.",
    "Neuropædagogik og ADL-træning. Fysioterapi og ergoterapi i hverdagen.",
    "Motiverende samtale (MI), skadesreduktion og dagbehandling med gruppeforløb.",
    "Housing First og bostøtte efter CTI-metoden. Akut overnatning og hjælp til egen bolig.",
]


def seed(organisations: dict[str, Organisation]) -> None:
    with transaction.atomic():
        for year, rate in pl_rates().items():
            RegulationRate.objects.update_or_create(
                year=year,
                defaults={
                    "rate": rate,
                    "note": "Demo: pris- og lønfremskrivning fra økonomiaftalen",
                },
            )
        if Offer.objects.exists():
            return  # offers are created once; re-running keeps what people have changed
        _seed_offers(organisations)


def _seed_offers(orgs: dict[str, Organisation]) -> None:
    rng = random.Random(2026)  # a seed, not a year: the same demo on every run
    rates = pl_rates()
    this_year = max(rates)
    providers = list(Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("name"))
    provider_a = orgs["bostedet-egelund"]
    provider_b = orgs["fonden-solsikken"]
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name")
    )
    paragraphs = {p.code: p for p in LegalParagraph.objects.all()}
    groups = {g.slug: g for g in TargetGroup.objects.all()}
    questions = list(DeclarationQuestion.objects.filter(is_active=True).prefetch_related("options"))
    editor_a = User.objects.get(email="leverandoer.a@portal.example")
    editor_b = User.objects.get(email="leverandoer.b@portal.example")

    for i in range(60):
        if i < 5:
            provider = provider_a
        elif i < 9:
            provider = provider_b
        else:
            provider = providers[i % len(providers)]
        kind = KINDS[i % len(KINDS)]
        if provider == provider_a and i < 3:
            kind = KINDS[[0, 3, 1][i]]  # provider A has § 108 autism offers for the journeys
        stem, paras, tgs, unit, base, (age_min, age_max), places = kind
        place = PLACES[i % len(PLACES)]
        municipality = municipalities[(i * 7) % len(municipalities)]
        name = f"{stem} {place}" if i < len(PLACES) * len(KINDS) else f"{stem} {i}"
        if Offer.objects.filter(provider=provider, name=name).exists():
            name = f"{name} {i}"
        town = municipality.name.replace(" Kommune", "")
        offer = Offer.objects.create(
            provider=provider,
            name=name,
            address=f"{place}vej {1 + i % 40}",
            postal_code=f"{4000 + (i * 37) % 900}",
            city=town,
            municipality=municipality,
            age_min=age_min,
            age_max=age_max,
            description=(
                f"{stem} {place} i {town} er et tilbud til borgere med "
                + " og ".join(groups[g].name.lower() for g in tgs)
                + ". Vi arbejder med borgerens egne mål i indsatsplanen og dokumenterer progression."
            ),
            methods=METHODS[i % len(METHODS)],
            places=places + (i % 3),
            staffing=f"{formats.plain(Decimal(8 + i % 7) / 10)} medarbejder pr. borger i dagtimer",
            educated_staff_percent=45 + (i * 13) % 50,
            tilsyn_date=date(this_year - 1, 1 + i % 12, 1 + i % 27),
            contact_name=f"Tilbudsleder {place}",
            contact_email=f"kontakt{i}@tilbud.example",
            contact_phone=f"5{i % 10}{(i * 7) % 100:02d}{(i * 13) % 100:02d}00",
            status=OfferStatus.PUBLISHED if i % 20 != 19 else OfferStatus.DRAFT,
        )
        offer.paragraphs.set([paragraphs[p] for p in paras])
        offer.target_groups.set([groups[g] for g in tgs])
        editor = (
            editor_a if provider == provider_a else editor_b if provider == provider_b else editor_a
        )
        # The declaration first: publishing a tariff keeps the answers in force with it.
        _seed_declaration(offer, questions, rng, i)
        _seed_tariffs(
            offer,
            unit,
            Decimal(base) * Decimal(1 + (i % 9) / 40),
            provider,
            editor,
            rng,
            i,
            rates,
        )
        _seed_vacancies(offer, rng, i)


def _published_at(year: int, version: int):
    return timezone.make_aware(datetime(year - 1, 11, 15 + version, 10, 0))


def _seed_tariffs(offer, unit, base: Decimal, provider, editor, rng, i, rates) -> None:
    price = base.quantize(Decimal("0.01"))
    vat = provider.ownership_form == "privat"
    years = sorted(rates)
    for year in years:
        if year == years[-1] and i % 4 == 1:
            _change_declaration_this_year(offer)
        if year > years[0]:
            # Most rise with the PL rate or a little less; every fifth rises well above it.
            rate = rates[year] / 100
            factor = (
                1 + rate + (Decimal("0.045") if i % 5 == 0 else Decimal(rng.randint(-15, 0)) / 1000)
            )
            price = (price * factor).quantize(Decimal("0.01"))
        overhead = (price * Decimal("0.07")).quantize(Decimal("0.01")) if i % 2 == 0 else None
        tariff = Tariff.objects.create(
            offer=offer,
            year=year,
            version=1,
            status=TariffStatus.DRAFT,
            price=price,
            unit=unit,
            occupancy_percent=Decimal(95 + i % 5),
            vat_included=vat,
            overhead_amount=overhead,
            cost_note="Gennemsnitstakst beregnet på budgetteret belægning." if overhead else "",
            created_by=editor,
        )
        _seed_addons(tariff, i)
        Tariff.objects.filter(pk=tariff.pk).update(
            status=TariffStatus.PUBLISHED, published_at=_published_at(year, 1), published_by=editor
        )
        if i % 7 == 3 and year == years[-1]:
            corrected = (price * Decimal("0.985")).quantize(Decimal("0.01"))
            v2 = Tariff.objects.create(
                offer=offer,
                year=year,
                version=2,
                status=TariffStatus.DRAFT,
                price=corrected,
                unit=unit,
                occupancy_percent=Decimal(95 + i % 5),
                vat_included=vat,
                overhead_amount=overhead,
                correction_reason="Rettet: ejendomsskat var medregnet to gange i budgettet.",
                created_by=editor,
            )
            _seed_addons(v2, i)
            Tariff.objects.filter(pk=v2.pk).update(
                status=TariffStatus.PUBLISHED,
                published_at=_published_at(year, 2),
                published_by=editor,
            )


def _seed_addons(tariff, i) -> None:
    TariffAddOn.objects.create(
        tariff=tariff, name="Ekstra støtte 1:1", price=Decimal("465.00"), unit=PriceUnit.HOUR
    )
    if i % 2:
        TariffAddOn.objects.create(
            tariff=tariff, name="Kørsel", price=Decimal("3.79"), unit=PriceUnit.KM
        )
    if i % 3 == 0:
        TariffAddOn.objects.create(
            tariff=tariff,
            name="Særlig behandlingsindsats",
            price=None,
            unit=PriceUnit.INDIVIDUAL,
            note="Aftales i den enkelte sag",
        )


def _seed_declaration(offer, questions, rng, i) -> None:
    rows = []
    for j, q in enumerate(questions):
        pick = (i + j * 3) % 5
        options = list(q.options.all())
        # A question with exclusive options (nattevagt, kontakt): one of them, in turn.
        option = options[(i + j) % len(options)] if options else None
        if pick <= 2:
            rows.append(
                DeclarationAnswer(
                    offer=offer, question=q, answer=AnswerKind.INCLUDED, option=option
                )
            )
        elif pick == 3:
            rows.append(
                DeclarationAnswer(
                    offer=offer,
                    question=q,
                    answer=AnswerKind.EXTRA,
                    option=option,
                    price=Decimal(200 + (i * j) % 400),
                    unit=PriceUnit.HOUR,
                )
            )
        else:
            rows.append(DeclarationAnswer(offer=offer, question=q, answer=AnswerKind.NOT_OFFERED))
    DeclarationAnswer.objects.bulk_create(rows)


def _change_declaration_this_year(offer) -> None:
    """Some offers stopped including transport in this year's price: the offer page marks
    the change against last year's declaration."""
    DeclarationAnswer.objects.filter(offer=offer, question__key="transport").update(
        answer=AnswerKind.EXTRA, option=None, price=Decimal("4.10"), unit=PriceUnit.KM, note=""
    )


def _seed_vacancies(offer, rng, i) -> None:
    today = timezone.localdate()
    for months_ago in (12, 9, 6, 3, 0):
        vacant = max(0, min(offer.places, rng.randint(-2, 3) + (1 if i % 4 == 0 else 0)))
        VacancyReport.objects.create(
            offer=offer, vacant=vacant, reported_on=today - timedelta(days=30 * months_ago + i % 5)
        )
