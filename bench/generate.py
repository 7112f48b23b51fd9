"""Fill a PostgreSQL database with benchmark data for the offer search.

10,000 offers (by default) across ~700 fictional providers in the 17 municipalities, each
with legal paragraphs and target groups, five published tariff years (2022-2026) with one
or two add-ons, a full service declaration and a year of vacancy reports. The text is
Danish and varied, so the full-text search has real work to do.

Run it on an empty, migrated database (the one in DATABASE_URL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partnerskab_bench \\
        .venv/bin/python bench/generate.py --offers 10000 --providers 700

bench/run_search.py does this for you on a fresh database. Deterministic for a given seed.

Published tariffs are protected by a trigger (offers migration 0002): no UPDATE or DELETE
of a published tariff and no INSERT of add-ons onto one. So tariffs are inserted as drafts,
their add-ons inserted, and then the drafts are published with one UPDATE per year
(draft -> published is allowed), the same order the portal itself follows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEARS = (2022, 2023, 2024, 2025, 2026)
# Fictional PL rates for the benchmark years (only created where the year has none).
PL_RATES = {
    2022: Decimal("1.90"),
    2023: Decimal("5.20"),
    2024: Decimal("3.90"),
    2025: Decimal("2.60"),
    2026: Decimal("2.40"),
}
# Published, draft, withdrawn offers (relative weights).
STATUS_WEIGHTS = (94, 4, 2)
BATCH = 2000
CHUNK = 1000  # offers handled per round, so memory stays flat

# name stem, paragraph codes, target group slugs (first always, the others sometimes),
# tariff unit, base price in 2022, age range, places
KINDS = [
    (
        "Botilbuddet",
        ["SEL § 108"],
        ["udviklingshaemning", "autisme", "multihandicap"],
        "day",
        2650,
        (18, 99),
        12,
    ),
    (
        "Bostedet",
        ["SEL § 107"],
        ["sindslidelse", "dobbeltdiagnose", "personlighedsforstyrrelse"],
        "day",
        2450,
        (18, 65),
        10,
    ),
    (
        "Opholdsstedet",
        ["Barnets lov"],
        ["omsorgssvigt", "adhd", "autisme"],
        "day",
        3950,
        (12, 18),
        8,
    ),
    (
        "Autismetilbuddet",
        ["SEL § 108", "SEL § 85"],
        ["autisme", "adhd", "udviklingshaemning"],
        "day",
        3100,
        (18, 99),
        14,
    ),
    (
        "Hjerneskadecentret",
        ["SEL § 107", "SEL § 108"],
        ["erhvervet-hjerneskade", "fysisk-funktionsnedsaettelse"],
        "day",
        3300,
        (18, 80),
        16,
    ),
    (
        "Misbrugsbehandlingen",
        ["SEL § 101"],
        ["misbrug", "dobbeltdiagnose"],
        "month",
        38500,
        (18, 70),
        20,
    ),
    (
        "Herberget",
        ["SEL § 110"],
        ["hjemloeshed", "misbrug", "sindslidelse"],
        "day",
        1150,
        (18, 99),
        30,
    ),
    (
        "Dagtilbuddet",
        ["SEL § 104"],
        ["udviklingshaemning", "multihandicap", "autisme"],
        "month",
        14200,
        (18, 99),
        25,
    ),
    (
        "Værkstedet",
        ["SEL § 103"],
        ["udviklingshaemning", "sindslidelse"],
        "month",
        9800,
        (18, 67),
        30,
    ),
    ("Krisecentret", ["SEL § 109"], ["vold-i-naere-relationer"], "day", 1650, (18, 99), 12),
    (
        "Bofællesskabet",
        ["ABL § 105", "SEL § 85"],
        ["autisme", "adhd", "udviklingshaemning"],
        "month",
        31500,
        (18, 35),
        9,
    ),
    (
        "Ungehuset",
        ["Barnets lov", "SEL § 107"],
        ["kriminalitetstruede-unge", "adhd"],
        "day",
        4200,
        (14, 23),
        6,
    ),
    (
        "Spiseforstyrrelsestilbuddet",
        ["SEL § 107", "SEL § 85"],
        ["spiseforstyrrelse", "sindslidelse"],
        "day",
        3800,
        (15, 30),
        8,
    ),
    ("Bostøtten", ["SEL § 85"], ["sindslidelse", "autisme", "adhd"], "month", 12500, (18, 99), 40),
    (
        "Psykiatribostedet",
        ["SEL § 108"],
        ["sindslidelse", "dobbeltdiagnose", "personlighedsforstyrrelse"],
        "day",
        2900,
        (18, 99),
        18,
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
    "Strandhuset",
    "Bøgely",
    "Lærkereden",
    "Åbrinken",
    "Toftegården",
    "Granly",
    "Birkely",
    "Hyldebo",
    "Kastanjehuset",
    "Møllegården",
    "Rosenly",
    "Søbredden",
    "Lyngbo",
    "Elmehøj",
    "Skovsbo",
    "Vesterled",
    "Østerbo",
    "Nordlys",
    "Sydkysten",
    "Enghaven",
    "Tjørnely",
    "Ahornhuset",
    "Pilegården",
    "Spurvehøj",
    "Fyrrebakken",
    "Kløvermarken",
    "Sandbjerg",
    "Stenhøj",
    "Valmuehuset",
    "Åkanden",
    "Havneholmen",
    "Kirkebakken",
    "Bavnehøj",
]

# Provider name patterns by ownership form.
PROVIDER_NAMES = {
    "privat": [
        "{stem} {place} ApS",
        "{place} Omsorg A/S",
        "Socialtilbuddet {place} ApS",
        "{place} Bo & Udvikling ApS",
    ],
    "selvejende_driftsoverenskomst": ["Den Selvejende Institution {place}", "Selvejende {place}"],
    "selvejende": ["Foreningen {place}", "Den Selvejende Institution {place} Bo"],
    "fond": ["Fonden {place}", "Den Erhvervsdrivende Fond {place}"],
    "socialoekonomisk": ["{place} Socialøkonomisk Virksomhed", "Værestedet {place} S.m.b.a."],
    "kommunal": ["{town} Kommunes {stem} {place}"],
    "regional": ["Region Sjællands {stem} {place}"],
}
OWNERSHIP_WEIGHTS = [
    ("privat", 45),
    ("selvejende_driftsoverenskomst", 20),
    ("selvejende", 10),
    ("fond", 10),
    ("socialoekonomisk", 10),
    ("kommunal", 4),
    ("regional", 1),
]

DESCRIPTION_SENTENCES = [
    "Vi arbejder med borgerens egne mål i indsatsplanen og dokumenterer progression.",
    "Hverdagen er struktureret med faste rutiner, og vi lægger vægt på forudsigelighed og ro.",
    "Borgerne bor i egne lejligheder med fælles køkken og opholdsstue.",
    "Vi samarbejder tæt med pårørende, værger og den visiterende kommune.",
    "Der er vågen nattevagt alle ugens dage.",
    "Tilbuddet ligger naturskønt tæt på skov og strand.",
    "Vi har erfaring med udadreagerende og selvskadende adfærd.",
    "Personalet er socialpædagoger, sygeplejersker og social- og sundhedsassistenter.",
    "Målgruppen omfatter også borgere med psykiatriske diagnoser og misbrug.",
    "Vi tilbyder beskæftigelse i eget værksted, køkken og gartneri.",
    "Unge støttes i skolegang, uddannelse og overgangen til voksenlivet.",
    "Tilbuddet arbejder med recovery og borgerens drømme for fremtiden.",
    "Vi har særlig viden om udviklingshæmning og aldring.",
    "Borgere med autisme får skærmede rammer og visuel støtte.",
    "Tilbuddet har egen psykolog og en tilknyttet psykiater.",
    "Der er mulighed for aflastning og akutpladser.",
    "Vi støtter borgeren i at mestre egen økonomi, indkøb og madlavning.",
    "Borgere med stofmisbrug og alkoholmisbrug tilbydes abstinensbehandling og efterværn.",
    "Vi arbejder med sansestimulering og kommunikation for borgere uden verbalt sprog.",
    "Efter udslusning følger vi borgeren i egen bolig i op til seks måneder.",
]

METHOD_SENTENCES = [
    "Low arousal og KRAP.",
    "Struktur og forudsigelighed i hverdagen, visuel understøttelse og individuelle planer.",
    "Recovery-orienteret og traumebevidst tilgang.",
    "Mentaliseringsbaseret pædagogik og netværksinddragelse.",
    "Miljøterapi og kognitiv adfærdsterapi.",
    "Neuropædagogik og ADL-træning.",
    "Fysioterapi og ergoterapi i hverdagen.",
    "Motiverende samtale (MI), skadesreduktion og dagbehandling med gruppeforløb.",
    "Housing First og bostøtte efter CTI-metoden.",
    "TEACCH og social færdighedstræning.",
    "Marte Meo og relationspædagogik.",
    "Dialektisk adfærdsterapi (DAT) og psykoedukation.",
    "Jeg-støttende samtaler og kognitiv miljøterapi.",
    "Sanseintegration og sansestimulering.",
    "Gentle Teaching og totalkommunikation.",
    "Åben dialog og netværksmøder.",
]

ADDONS = [
    ("Ekstra støtte 1:1", Decimal("465.00"), "hour", ""),
    ("Kørsel", Decimal("3.79"), "km", ""),
    ("Særlig behandlingsindsats", None, "individual", "Aftales i den enkelte sag"),
    ("Ekstra vågen nattevagt", Decimal("5200.00"), "day", ""),
    ("Psykologsamtaler", Decimal("1150.00"), "hour", "Autoriseret psykolog"),
    ("Ledsagelse til ferie", Decimal("2100.00"), "day", ""),
]

CORRECTION_REASON = "Rettet: ejendomsskat var medregnet to gange i budgettet."
DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def cvr_numbers(count: int, taken: set[str], start: int = 3_100_000) -> list[str]:
    """Fictional CVR numbers that pass modulus 11 (weights 2,7,6,5,4,3,2,1), avoiding `taken`."""
    from partnership.validators import CVR_WEIGHTS, cvr_is_valid

    found: list[str] = []
    prefix = start
    while len(found) < count:
        digits = f"{prefix:07d}"
        check = -sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS[:7], strict=True)) % 11
        if check < 10:
            cvr = f"{digits}{check}"
            if cvr not in taken and cvr_is_valid(cvr):
                found.append(cvr)
                taken.add(cvr)
        prefix += 13
    return found


def _slug(name: str, taken: set[str]) -> str:
    from django.utils.text import slugify

    base = slugify(name.translate(DANISH_LETTERS))[:70]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def generate(
    *,
    offers: int = 10_000,
    providers: int = 700,
    seed: int = 2026,
    status_weights: tuple[int, int, int] = STATUS_WEIGHTS,
    contracts: int | None = None,
    meetings: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Seed the demo organisations and users, then the benchmark providers and offers.
    Refuses to run on a database that already has offers. Returns row counts.

    status_weights: the relative shares of published, draft and withdrawn offers. (100, 0, 0)
    makes every offer published, so a takstoversigt covers exactly `offers` offers
    (bench/run_reports.py). The same number of random draws either way.

    contracts, meetings: how many contracts and joint meetings to make after the offers
    (default: one contract per two offers and one meeting per twenty, so 5,000 and 500 for
    10,000 offers). Their random draws come from their own generators, so the offers are
    the same whatever these are."""
    from django.db import connection, transaction

    from offers.models import Offer
    from partnership import demo

    if Offer._meta.db_table not in connection.introspection.table_names():
        raise SystemExit(
            "The database is not migrated: run `manage.py migrate` with the same DATABASE_URL."
        )
    if Offer.objects.exists():
        raise SystemExit(
            "The database already has offers; generate into a fresh, migrated database "
            "(bench/run_search.py creates one)."
        )
    started = time.perf_counter()
    demo.seed()
    log(f"  demo organisations and users: {time.perf_counter() - started:.1f} s")
    with transaction.atomic():
        counts = _generate(
            offers=offers,
            providers=providers,
            rng=random.Random(seed),
            status_weights=status_weights,
            log=log,
        )
        t = time.perf_counter()
        counts.update(
            _contracts(offers // 2 if contracts is None else contracts, random.Random(seed + 1))
        )
        log(f"  {counts.get('contracts', 0)} contracts: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        counts.update(
            _meetings(offers // 20 if meetings is None else meetings, random.Random(seed + 2))
        )
        log(f"  {counts.get('meetings', 0)} meetings: {time.perf_counter() - t:.1f} s")
    # The search's narrow table written again compactly, as migration 0014 did: its
    # triggers rewrote each offer's row about 15 times in the one transaction above, where
    # no old version can be pruned, so the table was 12 times its live rows (16,779 pages
    # for 10,000 rows, 1,413 compact) and a broad search read a page per match (p95 of the
    # search statement 17 against 10 ms). A portal's changes commit one at a time and their
    # new versions stay on the row's page (HOT, measured: 3,000 vacancy reports, each its
    # own transaction, left the compact table at 1,413 pages), so compact is its state.
    # VACUUM ANALYZE rather than plain ANALYZE: the planner gets statistics, the visibility
    # map is set (index-only scans), and autovacuum will not wake up on the fresh rows in
    # the middle of a measurement. Both run outside the transaction (autocommit).
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CLUSTER offers_searchrow")
        cursor.execute("VACUUM ANALYZE")
    log(f"  CLUSTER offers_searchrow, VACUUM ANALYZE: {time.perf_counter() - t:.1f} s")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


REUSED = "reused from an earlier run (--reuse)"


def migrate_and_generate(*, reuse: bool, announce: str, **options) -> dict[str, int] | None:
    """A bench script's database (Django set up on it): with `reuse`, the one there, which
    must hold offers, and None; else migrated and filled by generate(**options), `announce`
    printed first, and generate's counts."""
    from django.core.management import call_command

    from offers.models import Offer

    if reuse:
        if not Offer.objects.exists():
            raise SystemExit("--reuse: the database has no offers; run without --reuse first.")
        return None
    print("Migrating ...")
    call_command("migrate", interactive=False, verbosity=0)
    print(announce)
    return generate(**options)


def _generate(
    *, offers: int, providers: int, rng: random.Random, status_weights=STATUS_WEIGHTS, log
) -> dict[str, int]:
    from offers.models import (
        DeclarationQuestion,
        LegalParagraph,
        RegulationRate,
        TargetGroup,
    )
    from partnership.models import Organisation, OrganisationKind, User

    for year, rate in PL_RATES.items():
        RegulationRate.objects.get_or_create(
            year=year, defaults={"rate": rate, "note": "Bench: fiktiv PL-sats"}
        )

    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name")
    )
    branches = list(Organisation.objects.filter(kind=OrganisationKind.BRANCH).order_by("name"))
    if len(municipalities) != 17 or not branches:
        raise SystemExit(
            "Expected the 17 municipalities and the branch organisations from partnership.demo."
        )
    paragraphs = {p.code: p for p in LegalParagraph.objects.all()}
    groups = {g.slug: g for g in TargetGroup.objects.all()}
    missing = ({c for k in KINDS for c in k[1]} - paragraphs.keys()) | (
        {s for k in KINDS for s in k[2]} - groups.keys()
    )
    if missing:
        raise SystemExit(f"Reference data from offers migration 0003 is missing: {sorted(missing)}")
    questions = list(
        DeclarationQuestion.objects.filter(is_active=True)
        .prefetch_related("options")
        .order_by("order", "key")
    )
    author = User.objects.get(email="leverandoer.a@portal.example")

    t = time.perf_counter()
    provider_rows = _providers(providers, municipalities, branches, rng)
    log(f"  {len(provider_rows)} providers: {time.perf_counter() - t:.1f} s")

    counts = {
        "providers": len(provider_rows),
        "offers": 0,
        "tariffs": 0,
        "addons": 0,
        "answers": 0,
        "vacancies": 0,
    }
    t = time.perf_counter()
    used_names: set[tuple[int, str]] = set()
    for first in range(0, offers, CHUNK):
        n = min(CHUNK, offers - first)
        chunk = _offer_chunk(
            first,
            n,
            provider_rows,
            municipalities,
            paragraphs,
            groups,
            questions,
            author,
            used_names,
            rng,
            status_weights,
        )
        for key, value in chunk.items():
            counts[key] += value
        log(f"  offers {first + n:>6}/{offers}: {time.perf_counter() - t:.1f} s")
    return counts


def _providers(count, municipalities, branches, rng):
    from partnership.models import Organisation, OrganisationKind

    taken_cvr = set(Organisation.objects.exclude(cvr=None).values_list("cvr", flat=True))
    taken_slugs = set(Organisation.objects.values_list("slug", flat=True))
    taken_names = set(Organisation.objects.values_list("name", flat=True))
    cvrs = cvr_numbers(count, taken_cvr)
    rows = []
    for i in range(count):
        ownership = _weighted(rng, OWNERSHIP_WEIGHTS)
        municipality = municipalities[i % len(municipalities)]
        town = municipality.name.replace(" Kommune", "")
        pattern = rng.choice(PROVIDER_NAMES[ownership])
        stem = rng.choice(KINDS)[0]
        name = pattern.format(stem=stem, place=rng.choice(PLACES), town=town)
        if name in taken_names:
            name = f"{name} {town}"
        n = 2
        while name in taken_names:
            name, n = f"{name.rsplit(' nr. ', 1)[0]} nr. {n}", n + 1
        taken_names.add(name)
        public = ownership in ("kommunal", "regional")
        rows.append(
            Organisation(
                kind=OrganisationKind.PROVIDER,
                name=name,
                slug=_slug(name, taken_slugs),
                cvr=cvrs[i],
                ownership_form=ownership,
                branch_organisation=None if public or rng.random() < 0.4 else rng.choice(branches),
                address=f"{rng.choice(PLACES)}vej {rng.randint(1, 80)}, {town}",
                email=f"kontakt{i}@leverandoer.example",
                phone=f"{rng.randint(20, 99)}{rng.randint(0, 999999):06d}",
                description=f"Leverandør af sociale tilbud med hovedsæde i {town}.",
            )
        )
    created = Organisation.objects.bulk_create(rows, batch_size=BATCH)
    # Offers cluster around the provider's home municipality.
    home = {o.pk: municipalities[i % len(municipalities)] for i, o in enumerate(created)}
    return [(o, home[o.pk]) for o in created]


def _offer_chunk(
    first,
    n,
    provider_rows,
    municipalities,
    paragraphs,
    groups,
    questions,
    author,
    used_names,
    rng,
    status_weights=STATUS_WEIGHTS,
):
    from django.utils import timezone

    from offers.models import Offer, OfferStatus

    today = timezone.localdate()
    offers, kinds = [], []
    for i in range(first, first + n):
        provider, home = provider_rows[i % len(provider_rows)]
        kind = rng.choice(KINDS)
        stem, paras, tgs, unit, base, (age_min, age_max), places = kind
        municipality = home if rng.random() < 0.7 else rng.choice(municipalities)
        town = municipality.name.replace(" Kommune", "")
        place = rng.choice(PLACES)
        name = f"{stem} {place}"
        if (provider.pk, name) in used_names:
            name = f"{stem} {place} {town}"
        k = 2
        while (provider.pk, name) in used_names:
            name, k = f"{stem} {place} {town} {k}", k + 1
        used_names.add((provider.pk, name))
        chosen = [tgs[0]] + [g for g in tgs[1:] if rng.random() < 0.45]
        age_min = max(0, age_min + rng.choice([0, 0, 0, 2, 5]))
        age_max = max(age_min, age_max - rng.choice([0, 0, 0, 5, 10]))
        status = rng.choices(
            [OfferStatus.PUBLISHED, OfferStatus.DRAFT, OfferStatus.WITHDRAWN],
            weights=list(status_weights),
        )[0]
        description = " ".join(
            [
                f"{stem} {place} i {town} er et tilbud til borgere med "
                + " og ".join(groups[g].name.lower() for g in chosen)
                + "."
            ]
            + rng.sample(DESCRIPTION_SENTENCES, rng.randint(2, 4))
        )
        offers.append(
            Offer(
                provider=provider,
                name=name,
                address=f"{place}vej {rng.randint(1, 120)}",
                postal_code=f"{rng.randint(4000, 4990)}",
                city=town,
                municipality=municipality,
                age_min=age_min,
                age_max=age_max,
                description=description,
                methods=" ".join(rng.sample(METHOD_SENTENCES, rng.randint(1, 3))),
                places=places + rng.randint(-2, 6),
                staffing=f"{rng.randint(6, 20) / 10:.1f} medarbejder pr. borger i dagtimer".replace(
                    ".", ","
                ),
                educated_staff_percent=rng.randint(40, 95),
                tilsyn_status=rng.choices(
                    ["approved", "approved_conditions", "pending"], weights=[85, 10, 5]
                )[0],
                tilsyn_date=today - timedelta(days=rng.randint(30, 900)),
                contact_name=f"Tilbudsleder {place}",
                contact_email=f"kontakt{i}@tilbud.example",
                contact_phone=f"{rng.randint(20, 99)}{rng.randint(0, 999999):06d}",
                status=status,
            )
        )
        kinds.append((kind, chosen))
    offers = Offer.objects.bulk_create(offers, batch_size=BATCH)

    ParagraphLink = Offer.paragraphs.through
    GroupLink = Offer.target_groups.through
    ParagraphLink.objects.bulk_create(
        [
            ParagraphLink(offer_id=o.pk, legalparagraph_id=paragraphs[c].pk)
            for o, (k, _) in zip(offers, kinds, strict=True)
            for c in k[1]
        ],
        batch_size=BATCH,
    )
    GroupLink.objects.bulk_create(
        [
            GroupLink(offer_id=o.pk, targetgroup_id=groups[s].pk)
            for o, (_, chosen) in zip(offers, kinds, strict=True)
            for s in chosen
        ],
        batch_size=BATCH,
    )
    counts = _tariffs(offers, kinds, author, rng)
    counts["answers"] = _declarations(offers, questions, rng)
    counts["vacancies"] = _vacancies(offers, today, rng)
    counts["offers"] = len(offers)
    return counts


def _published_at(year: int, version: int):
    from django.utils import timezone

    when = datetime(year - 1, 11, 15, 10, 0) if version == 1 else datetime(year, 3, 1, 10, 0)
    return timezone.make_aware(when)


def _tariffs(offers, kinds, author, rng) -> dict[str, int]:
    """Five published years per offer (a few with a corrected version 2) and, for some,
    next year's draft. Drafts first, then their add-ons, then publish (see module docstring)."""
    from offers.models import Tariff, TariffStatus

    rounds: dict[tuple[int, int], list[Tariff]] = {}
    next_year_drafts: list[Tariff] = []
    for offer, ((_, _, _, unit, base, _, _), _) in zip(offers, kinds, strict=True):
        price = (Decimal(base) * Decimal(rng.uniform(0.8, 1.3))).quantize(Decimal("0.01"))
        occupancy = Decimal(rng.choice([90, 92, 95, 97, 100]))
        vat = rng.random() < 0.3
        with_overhead = rng.random() < 0.6
        corrected_year = rng.choice(YEARS) if rng.random() < 0.05 else None
        for year in YEARS:
            if year > YEARS[0]:
                # Most follow the PL rate or a little less; about one in five rises well above it.
                extra = (
                    Decimal("0.04") if rng.random() < 0.2 else Decimal(rng.randint(-15, 3)) / 1000
                )
                price = (price * (1 + PL_RATES[year] / 100 + extra)).quantize(Decimal("0.01"))
            common = {
                "offer": offer,
                "year": year,
                "status": TariffStatus.DRAFT,
                "unit": unit,
                "occupancy_percent": occupancy,
                "vat_included": vat,
                "created_by": author,
            }
            overhead = (
                (price * Decimal("0.07")).quantize(Decimal("0.01")) if with_overhead else None
            )
            rounds.setdefault((year, 1), []).append(
                Tariff(
                    version=1,
                    price=price,
                    overhead_amount=overhead,
                    cost_note="Gennemsnitstakst beregnet på budgetteret belægning."
                    if overhead
                    else "",
                    **common,
                )
            )
            if year == corrected_year:
                fixed = (price * Decimal("0.985")).quantize(Decimal("0.01"))
                rounds.setdefault((year, 2), []).append(
                    Tariff(
                        version=2,
                        price=fixed,
                        correction_reason=CORRECTION_REASON,
                        overhead_amount=None,
                        **common,
                    )
                )
                price = fixed
        if rng.random() < 0.1:
            next_year_drafts.append(
                Tariff(
                    offer=offer,
                    year=YEARS[-1] + 1,
                    version=1,
                    status=TariffStatus.DRAFT,
                    unit=unit,
                    price=(price * Decimal("1.03")).quantize(Decimal("0.01")),
                    occupancy_percent=occupancy,
                    vat_included=vat,
                    created_by=author,
                )
            )

    tariffs = addons = 0
    # Version 1 of every year before version 2: one draft per offer and year at a time.
    for year, version in sorted(rounds, key=lambda k: (k[1], k[0])):
        drafts = Tariff.objects.bulk_create(rounds[(year, version)], batch_size=BATCH)
        addons += _addons(drafts, rng)
        ids = [t.pk for t in drafts]
        for start in range(0, len(ids), BATCH * 5):
            Tariff.objects.filter(
                pk__in=ids[start : start + BATCH * 5], status=TariffStatus.DRAFT
            ).update(
                status=TariffStatus.PUBLISHED,
                published_at=_published_at(year, version),
                published_by=author,
            )
        tariffs += len(drafts)
    drafts = Tariff.objects.bulk_create(next_year_drafts, batch_size=BATCH)
    addons += _addons(drafts, rng)
    tariffs += len(drafts)
    return {"tariffs": tariffs, "addons": addons}


def _addons(tariffs, rng) -> int:
    from offers.models import TariffAddOn

    rows = []
    for tariff in tariffs:
        for name, price, unit, note in rng.sample(ADDONS, rng.randint(1, 2)):
            rows.append(TariffAddOn(tariff=tariff, name=name, price=price, unit=unit, note=note))
    TariffAddOn.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _declarations(offers, questions, rng) -> int:
    from offers.models import AnswerKind, DeclarationAnswer

    rows = []
    for offer in offers:
        for question in questions:
            # A question with options is answered with one of them (or "Tilbydes ikke"):
            # the trigger offers_declarationanswer_option refuses anything else.
            options = list(question.options.all())
            option = rng.choice(options) if options else None
            pick = rng.random()
            if pick < 0.6:
                rows.append(
                    DeclarationAnswer(
                        offer=offer, question=question, answer=AnswerKind.INCLUDED, option=option
                    )
                )
            elif pick < 0.8:
                hourly = rng.random() < 0.8
                rows.append(
                    DeclarationAnswer(
                        offer=offer,
                        question=question,
                        answer=AnswerKind.EXTRA,
                        option=option,
                        price=Decimal(rng.randint(150, 650)) if hourly else None,
                        unit="hour" if hourly else "individual",
                        note="" if hourly else "Prisen aftales efter behov",
                    )
                )
            else:
                rows.append(
                    DeclarationAnswer(offer=offer, question=question, answer=AnswerKind.NOT_OFFERED)
                )
    DeclarationAnswer.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _vacancies(offers, today: date, rng) -> int:
    """A report each quarter for the past year; the newest is the current one."""
    from offers.models import VacancyReport

    rows = []
    for offer in offers:
        for months_ago in (12, 9, 6, 3, 0):
            vacant = max(0, min(offer.places, rng.randint(-3, 3)))
            reported_on = today - timedelta(days=30 * months_ago + rng.randint(0, 20))
            rows.append(VacancyReport(offer=offer, vacant=vacant, reported_on=reported_on))
    VacancyReport.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


# --- Contracts ----------------------------------------------------------------------------

# Contract states (relative weights): most run, some are being made or negotiated.
CONTRACT_STATES = [
    ("active", 45),
    ("terminated", 10),
    ("signed", 8),
    ("draft", 12),
    ("sent", 8),
    ("negotiation", 10),
    ("renegotiation", 7),
]
# Slagelse buys about twice the share of an average buyer (a large municipality).
BUYER_WEIGHT = {"slagelse": 10}
DEVIATIONS = [
    ("8", "Længere opsigelsesvarsel aftalt på grund af målgruppens behov for stabilitet."),
    ("5", "Kommunens økonomisystem betaler månedsvis bagud."),
    ("10", "Opfølgning hver tredje måned i de første to år efter indflytning."),
    ("12", "Leverandøren orienterer inden for 24 timer ved magtanvendelse."),
]
CASE_PREFIX_LEN = 3


def _buyer_contacts(buyers) -> dict[int, list]:
    """Caseworkers per buying organisation: the demo logins where they exist, and three
    bench caseworkers in every municipality and the region (they receive meeting
    invitations through their organisation, as real colleagues would)."""
    from django.contrib.auth.hashers import make_password

    from partnership.models import Membership, Role, User

    password = make_password(None)  # unusable: the bench users never log in
    users, links = [], []
    for org in buyers:
        town = org.name.replace(" Kommune", "")
        for n in (1, 2, 3):
            user = User(
                email=f"sagsbehandler{n}.{org.slug}@bench.example",
                name=f"Sagsbehandler {n} {town}",
                password=password,
            )
            users.append(user)
            links.append((user, org))
    User.objects.bulk_create(users, batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=o, role=Role.CASEWORKER) for u, o in links],
        batch_size=BATCH,
    )
    contacts: dict[int, list] = {}
    for m in (
        Membership.objects.active()
        .filter(organisation__in=buyers, role__in=[Role.CASEWORKER, Role.ORG_ADMIN])
        .select_related("user")
        .order_by("user__email")
    ):
        contacts.setdefault(m.organisation_id, []).append(m.user)
    return contacts


def _contracts(count: int, rng: random.Random) -> dict[str, int]:
    """Contracts from KL's standard templates (version 2.0) between the 17 municipalities
    and the region and the providers of published offers, in every state, each with the
    template's clauses (about a quarter with one or two deviations, each with a reason), a
    creation event and for most an add-on of the agreed tariff. Valid as the model's clean()
    and the database constraints require: a published tariff of the contract's offer, the
    offer's provider, both signatures once signed, payment within 30 days."""
    from django.utils import timezone

    from contracts.models import (
        Contract,
        ContractClause,
        ContractEvent,
        ContractState,
        ContractTemplate,
        EventKind,
    )
    from offers.models import OfferStatus, Tariff, TariffAddOn, TariffStatus
    from partnership.models import Organisation, OrganisationKind

    if count <= 0:
        return {"contracts": 0}
    buyers = list(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        ).order_by("name")
    )
    contacts = _buyer_contacts(buyers)
    weights = [BUYER_WEIGHT.get(b.slug, 5) for b in buyers]
    templates = {
        t.kind: (t, list(t.clauses.order_by("order")))
        for t in ContractTemplate.objects.filter(version="2.0", status="published")
    }
    if len(templates) != 3:
        raise SystemExit(
            "The three standard contract templates (contracts migration 0002) are missing."
        )
    # The newest published tariff of each published offer: the one a contract would use.
    tariffs = list(
        Tariff.objects.filter(status=TariffStatus.PUBLISHED, offer__status=OfferStatus.PUBLISHED)
        .order_by("offer_id", "-year", "-version")
        .distinct("offer_id")
        .values_list(
            "pk",
            "offer_id",
            "offer__provider_id",
            "offer__municipality_id",
            "offer__age_min",
            "offer__provider__ownership_form",
        )
    )
    if not tariffs:
        return {"contracts": 0}
    addon_of = dict(
        TariffAddOn.objects.filter(tariff_id__in=[t[0] for t in tariffs])
        .order_by("tariff_id", "pk")
        .distinct("tariff_id")
        .values_list("tariff_id", "pk")
    )
    local: dict[int, list] = {}
    for t in tariffs:
        local.setdefault(t[3], []).append(t)
    today = timezone.localdate()
    now = timezone.now()
    states = [s for s, _ in CONTRACT_STATES]
    state_weights = [w for _, w in CONTRACT_STATES]
    rows, plans = [], []
    for i in range(count):
        buyer = rng.choices(buyers, weights=weights)[0]
        pool = local.get(buyer.pk) if rng.random() < 0.6 else None
        tariff_id, offer_id, provider_id, _m, age_min, ownership = rng.choice(pool or tariffs)
        kind = (
            "children"
            if age_min < 18
            else (
                "adults_outside"
                if ownership in ("privat", "selvejende", "socialoekonomisk", "fond")
                else "adults_inside"
            )
        )
        template, clauses = templates[kind]
        state = rng.choices(states, weights=state_weights)[0]
        contact = rng.choice(contacts[buyer.pk])
        signed = state in ("signed", "active", "renegotiation", "terminated")
        start = today - timedelta(days=rng.randint(0, 1500))
        if state in ("signed", "draft", "sent", "negotiation"):
            start = today + timedelta(days=rng.randint(7, 120))
        end = start + timedelta(days=365 * rng.randint(1, 3)) if rng.random() < 0.5 else None
        terminated = state == ContractState.TERMINATED
        rows.append(
            Contract(
                buyer=buyer,
                provider_id=provider_id,
                offer_id=offer_id,
                template=template,
                case_reference=f"{buyer.slug[:CASE_PREFIX_LEN].upper()}-{start.year}-{10000 + i}",
                start_date=start,
                end_date=end,
                tariff_id=tariff_id,
                payment_timing=rng.choice(["advance", "arrears"]),
                payment_days=rng.choice([14, 20, 30, 30]),
                notice_months=rng.choice([1, 3, 3, 6]),
                automatic_pl=rng.random() < 0.8,
                followup_first=start + timedelta(days=90),
                followup_interval_months=rng.choice([3, 6, 6, 12]),
                buyer_contact=contact,
                provider_contact=None,
                state=state,
                buyer_signed_by=contact if signed else None,
                buyer_signed_at=now if signed else None,
                provider_signed_by=contact if signed else None,
                provider_signed_at=now if signed else None,
                terminated_on=today + timedelta(days=rng.randint(-200, 90)) if terminated else None,
                notice_given_on=today - timedelta(days=rng.randint(30, 300))
                if terminated
                else None,
                termination_reason="Borgeren flytter til et andet tilbud." if terminated else "",
                created_by=contact,
            )
        )
        changed = dict(rng.sample(DEVIATIONS, rng.randint(1, 2))) if rng.random() < 0.25 else {}
        plans.append((clauses, changed, tariff_id if rng.random() < 0.6 else None))
    rows = Contract.objects.bulk_create(rows, batch_size=BATCH)

    clause_rows, events, links = [], [], []
    AddonLink = Contract.addons.through
    for contract, (clauses, changed, addon_tariff) in zip(rows, plans, strict=True):
        for c in clauses:
            reason = changed.get(c.number, "") if c.changeable else ""
            clause_rows.append(
                ContractClause(
                    contract=contract,
                    number=c.number,
                    order=c.order,
                    title=c.title,
                    standard_text=c.text,
                    text=f"{c.text} Aftalt særskilt: se begrundelsen." if reason else c.text,
                    changeable=c.changeable,
                    deviation_reason=reason,
                )
            )
        events.append(
            ContractEvent(contract=contract, kind=EventKind.CREATED, by=contract.created_by)
        )
        if contract.state != ContractState.DRAFT:
            events.append(
                ContractEvent(
                    contract=contract,
                    kind=EventKind.STATE,
                    by=contract.created_by,
                    before={"state": "draft"},
                    after={"state": contract.state},
                )
            )
        if addon_tariff and addon_tariff in addon_of:
            links.append(AddonLink(contract_id=contract.pk, tariffaddon_id=addon_of[addon_tariff]))
    ContractClause.objects.bulk_create(clause_rows, batch_size=BATCH)
    ContractEvent.objects.bulk_create(events, batch_size=BATCH)
    AddonLink.objects.bulk_create(links, batch_size=BATCH)
    return {
        "contracts": len(rows),
        "contract_clauses": len(clause_rows),
        "contract_events": len(events),
    }


# --- Joint meetings -----------------------------------------------------------------------

AGENDA_TITLES = [
    ("orientering", "Orientering fra sekretariatet"),
    ("temadroeftelse", "Kvalitet i de specialiserede tilbud"),
    ("beslutning", "Rammeaftale Sjælland: udviklingsstrategi"),
    ("borddroeftelse", "Erfaringer med KL's standardkontrakter"),
    ("plenumdroeftelse", "Takstudviklingen og PL-reguleringen"),
    ("opfoelgning", "Opfølgning på handlinger fra sidste møde"),
    ("orientering", "Kapacitet og ledige pladser i regionen"),
    ("temadroeftelse", "Socialtilsynets kvalitetsmodel i praksis"),
    ("beslutning", "Fælles principper for forhandling af takster"),
]


def _meetings(count: int, rng: random.Random) -> dict[str, int]:
    """Joint meetings across the four forums, one every few days back in time (about a tenth
    still to come): agendas of 4-7 items (some closed to a few municipalities),
    invitations (the Fællesmøde invites every municipality, the region, the branch
    organisations and every provider; the other forums the municipalities and the region),
    answers and attendance from the invited organisations' members, and minutes: approved
    for meetings more than two months old, sent for comment for the most recent."""
    from django.utils import timezone

    from meetings.demo import FORUMS, PLACE_TBA
    from meetings.models import (
        AgendaItem,
        Forum,
        Meeting,
        MeetingInvitation,
        MeetingStatus,
        Minutes,
        MinutesAction,
        MinutesEntry,
        MinutesStatus,
        Participation,
        number_position,
    )
    from partnership.models import Membership, Organisation, OrganisationKind, User

    if count <= 0:
        return {"meetings": 0}
    forums = []
    for name, description in FORUMS:
        forum, _created = Forum.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        forums.append(forum)
    secretariat = User.objects.get(email="sekretariat@portal.example")
    public = list(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        ).values_list("pk", flat=True)
    )
    everyone = public + list(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.BRANCH, OrganisationKind.PROVIDER]
        ).values_list("pk", flat=True)
    )
    members: dict[int, list[int]] = {}
    for user_id, org_id in Membership.objects.active().values_list("user_id", "organisation_id"):
        members.setdefault(org_id, []).append(user_id)
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).values_list("pk", flat=True)
    )

    now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    step = max(1, 2000 // count)  # days between meetings: 500 meetings over about 5.5 years
    ahead = max(1, count // 10)
    meetings, plans = [], []
    for i in range(count):
        forum = forums[i % len(forums)]
        starts = now - timedelta(days=(i - ahead) * step + 7)
        age = (now - starts).days
        if age < 0:
            status = MeetingStatus.DRAFT if age < -45 and i % 2 else MeetingStatus.INVITED
        elif age > 60:
            status = MeetingStatus.MINUTES_APPROVED
        elif age > 20:
            status = MeetingStatus.MINUTES_FOR_COMMENT
        else:
            status = MeetingStatus.HELD
        meetings.append(
            Meeting(
                forum=forum,
                title=f"Møde i {forum.name} {starts:%d.%m.%Y}",
                description="Dagsorden og bilag udsendes af sekretariatet.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice([2, 3, 3, 4])),
                place=PLACE_TBA if rng.random() < 0.7 else "Ringsted Rådhus, mødesal 1",
                status=status,
                invitations_sent_at=None
                if status == MeetingStatus.DRAFT
                else starts - timedelta(days=30),
                created_by=secretariat,
            )
        )
        plans.append(everyone if forum.name == "Fællesmøde" else public)
    meetings = Meeting.objects.bulk_create(meetings, batch_size=BATCH)

    items, closed, invitations, participations = [], [], [], []
    for meeting, invited in zip(meetings, plans, strict=True):
        n = rng.randint(4, 7)
        titles = rng.sample(AGENDA_TITLES, n)
        numbers = [str(k) for k in range(1, n + 1)]
        if rng.random() < 0.3:  # a sub-item: 1, 1.a, 2, 3, ...
            numbers = ["1", "1.a"] + [str(k) for k in range(2, n)]
        for number, (kind, title) in zip(numbers, titles, strict=True):
            item = AgendaItem(
                meeting=meeting,
                number=number,
                position=number_position(number),
                kind=kind,
                title=title,
                description="Indstilling: at forummet drøfter og tager orienteringen til efterretning.",
                presenters_text="V./ sekretariatet" if rng.random() < 0.5 else "",
                duration_minutes=rng.choice([10, 15, 20, 30, 45]),
            )
            items.append(item)
            if rng.random() < 0.1:
                closed.append((item, rng.sample(municipalities, rng.randint(1, 3))))
        if meeting.status == MeetingStatus.DRAFT:
            continue
        invitations += [
            MeetingInvitation(meeting=meeting, organisation_id=org_id, invited_by=secretariat)
            for org_id in invited
        ]
        held = meeting.status != MeetingStatus.INVITED
        people = {u for org_id in invited for u in members.get(org_id, [])}
        for user_id in sorted(people):
            pick = rng.random()
            answer = "attend" if pick < 0.65 else "decline" if pick < 0.85 else ""
            participations.append(
                Participation(
                    meeting=meeting,
                    user_id=user_id,
                    answer=answer,
                    answered_at=meeting.starts_at - timedelta(days=10) if answer else None,
                    attended=(answer == "attend") if held else None,
                    attendance_marked_at=meeting.ends_at if held else None,
                )
            )
    items = AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    Restricted = AgendaItem.restricted_to.through
    Restricted.objects.bulk_create(
        [
            Restricted(agendaitem_id=item.pk, organisation_id=org_id)
            for item, org_ids in closed
            for org_id in org_ids
        ],
        batch_size=BATCH,
    )
    MeetingInvitation.objects.bulk_create(invitations, batch_size=BATCH)
    Participation.objects.bulk_create(participations, batch_size=BATCH)

    # Minutes: inserted as drafts with their entries and actions, then approved or sent for
    # comment with one UPDATE each (the immutability triggers of partnership migration 0004
    # refuse entries on approved minutes), the order the portal follows.
    with_minutes = [
        m
        for m in meetings
        if m.status in (MeetingStatus.MINUTES_APPROVED, MeetingStatus.MINUTES_FOR_COMMENT)
    ]
    minutes = Minutes.objects.bulk_create(
        [Minutes(meeting=m, version=1, created_by=secretariat) for m in with_minutes],
        batch_size=BATCH,
    )
    by_meeting = {m.meeting_id: m for m in minutes}
    entries = [
        MinutesEntry(
            minutes=by_meeting[item.meeting_id],
            agenda_item=item,
            discussion="Forummet drøftede punktet. Der var enighed om retningen.",
            decisions="Indstillingen blev godkendt." if item.kind == "beslutning" else "",
        )
        for item in items
        if item.meeting_id in by_meeting
    ]
    entries = MinutesEntry.objects.bulk_create(entries, batch_size=BATCH)
    actions = [
        MinutesAction(
            entry=entry,
            description="Sekretariatet udarbejder et oplæg til næste møde.",
            owner="Sekretariatet",
            deadline=(entry.minutes.meeting.starts_at + timedelta(days=60)).date(),
        )
        for entry in entries
        if rng.random() < 0.3
    ]
    MinutesAction.objects.bulk_create(actions, batch_size=BATCH)
    approved = [m.pk for m in minutes if m.meeting.status == MeetingStatus.MINUTES_APPROVED]
    for_comment = [m.pk for m in minutes if m.meeting.status != MeetingStatus.MINUTES_APPROVED]
    Minutes.objects.filter(pk__in=for_comment).update(
        status=MinutesStatus.FOR_COMMENT, sent_for_comment_at=timezone.now()
    )
    # Approved minutes carry their snapshot (constraint minutes_approved_has_snapshot),
    # taken as services.approve_minutes takes it.
    from meetings.services import take_snapshot

    approved_at = timezone.now()
    for m in Minutes.objects.filter(pk__in=approved).order_by("pk"):
        take_snapshot(minutes=m)
        m.status = MinutesStatus.APPROVED
        m.approved_at = approved_at
        m.approved_by = secretariat
        m.save()
    return {
        "meetings": len(meetings),
        "agenda_items": len(items),
        "meeting_invitations": len(invitations),
        "participations": len(participations),
        "minutes": len(minutes),
    }


def setup_django() -> None:
    """Settings for a script: DEBUG off (no query log), a throwaway key if none is set."""
    import django

    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--contracts", type=int, default=None, help="default: offers / 2")
    parser.add_argument("--meetings", type=int, default=None, help="default: offers / 20")
    parser.add_argument(
        "--all-published",
        action="store_true",
        help="every offer published (no drafts or withdrawn offers)",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a migrated PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/partnerskab_bench"
        )
    setup_django()
    counts = generate(
        offers=args.offers,
        providers=args.providers,
        seed=args.seed,
        status_weights=(100, 0, 0) if args.all_published else STATUS_WEIGHTS,
        contracts=args.contracts,
        meetings=args.meetings,
    )
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
