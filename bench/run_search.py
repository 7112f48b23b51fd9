#!/usr/bin/env python
"""Benchmark the offer search on PostgreSQL and write bench/RESULTS.md.

    .venv/bin/python bench/run_search.py            # fresh database, 10,000 offers, measure
    .venv/bin/python bench/run_search.py --reuse    # measure again on the existing data

Unless --reuse, the database `partnerskab_bench` on 127.0.0.1:5432 (user postgres) is
dropped and created, migrated and filled by bench/generate.py. Then, in this process with
Django's test Client, logged in as a caseworker from Slagelse:

- the floor: an empty view behind login (bench-only URL, through the full middleware),
- the search page GET /tilbud/ with three filter combinations and a full-text query
  (only if the project serves /tilbud/ with 200; otherwise a note),
- the search page with --distinct (300) different searches drawn from the data with a fixed
  seed, each made once (distinct_searches(); issue 17), several per round,
- the selector offers.search.selectors.search_offers directly, with the same four searches:
  the first page (list(qs[:20])) and the hit count (qs.count()).

Each is requested --warmup times unmeasured, once under CaptureQueriesContext to count
queries, then -n times measured. p50 is the median, p95 the nearest-rank 95th percentile.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import statistics
import sys
import time
import types
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):  # the project, and generate.py next to this file
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench"
USER_EMAIL = "sagsbehandler.slagelse@portal.example"
FLOOR_PATH = "/__bench__/tom/"
SEARCH_PATH = "/tilbud/"
PAGE_SIZE = 20
FLOOR_LABEL = "Floor: empty view behind login"
ROW_MARKER = '<li class="result">'
RESULT_COUNT = re.compile(r'class="result-count"[^>]*>\s*([0-9.]+) ')
# This script's section of RESULTS.md, and bench/run_reports.py's, bench/run.py's and
# bench/run_import.py's: this script replaces only its own, and keeps the rest as it is.
SEARCH_START, SEARCH_END = "<!-- search:start -->", "<!-- search:end -->"
REPORTS_START, REPORTS_END = "<!-- reports:start -->", "<!-- reports:end -->"
GUNICORN_START, GUNICORN_END = "<!-- gunicorn:start -->", "<!-- gunicorn:end -->"
IMPORT_START, IMPORT_END = "<!-- import:start -->", "<!-- import:end -->"  # bench/run_import.py

# The four searches. `view` uses the GET parameters of offers.search.forms.SearchForm (paragraf is
# matched on LegalParagraph.short, the others on slugs); `params` builds the SearchParams
# for the selector from the reference objects loaded in _reference().
SEARCHES = [
    {
        "label": "§ 108 + autisme + vacancies only",
        "view": {"paragraf": "§ 108", "maalgruppe": "autisme", "ledige": "on"},
        "params": lambda r: {
            "paragraphs": [r["§ 108"]],
            "target_groups": [r["autisme"]],
            "vacancies": True,
        },
    },
    {
        "label": "municipality + ownership + monthly price 60,000-110,000",
        "view": {
            "kommune": "slagelse",
            "ejerform": "privat",
            "pris_min": "60000",
            "pris_max": "110000",
        },
        "params": lambda r: {
            "municipality": r["slagelse"],
            "ownership": "privat",
            "price_min": Decimal("60000"),
            "price_max": Decimal("110000"),
        },
    },
    {
        "label": "age 25 + branch organisation + sort by price",
        "view": {"alder": "25", "branche": "los", "sorter": "price"},
        "params": lambda r: {"age": 25, "branch": r["los"], "sort": "price"},
    },
    {
        "label": "full text: autisme low arousal",
        "view": {"q": "autisme low arousal"},
        "params": lambda r: {"q": "autisme low arousal"},
    },
]


# Issue 17: searches that are each made once, as a caseworker's new searches are (the result
# cache never has them). Drawn from the data with a fixed seed, so reruns make the same ones.
DISTINCT_SEED = 17
DISTINCT_COUNT = 300
# Words a person would not search for alone (and PostgreSQL's Danish configuration drops).
_STOPWORDS = {
    "af", "alle", "andre", "at", "blev", "blive", "bliver", "borgere", "borgeren", "både",
    "da", "de", "dem", "den", "denne", "der", "deres", "det", "dette", "eller", "en", "er",
    "et", "efter", "for", "fra", "får", "har", "have", "hele", "her", "hos", "hvor", "hvis",
    "i", "ikke", "ind", "inden", "kan", "kun", "man", "med", "mellem", "mere", "meget", "mod",
    "også", "og", "om", "op", "over", "på", "sig", "sin", "sine", "skal", "som", "samt",
    "til", "tilbud", "tilbuddet", "tilbyder", "under", "ud", "ved", "vi", "vores", "være",
    "ligger", "arbejder", "mulighed", "omfatter", "særlig", "viden", "målgruppen",
}  # fmt: skip
_WORD = re.compile(r"[a-zæøåé]{5,}")


def search_key(params) -> tuple:
    """A search's parameters in one order, to tell whether two query strings are the same
    search: a dict of the form's values (lists for several) or (name, value) pairs."""
    pairs = params.items() if isinstance(params, dict) else params
    return tuple(
        sorted(
            (k, v) for k, value in pairs for v in (value if isinstance(value, list) else [value])
        )
    )


def distinct_searches(
    count: int = DISTINCT_COUNT, *, seed: int = DISTINCT_SEED, exclude: tuple = ()
) -> list[str]:
    """`count` different query strings for /tilbud/, each one the search form accepts, as a
    caseworker makes them: take a published offer at random and search for what it has (one
    or two of its paragraphs or target groups, its municipality, an age in its range, a price
    range around its monthly price, words of its name or description), a few filters at a
    time, sometimes sorted. No two are the same search (compared with the parameters
    sorted), and none is one of `exclude` (search_key()s: the searches the benches repeat);
    the same data and seed give the same list in the same order."""
    import random
    from collections import Counter, defaultdict

    from django.http import QueryDict

    from offers.models import CurrentPrice, Offer, OfferStatus
    from offers.search.forms import SORT_CHOICES, SearchForm
    from offers.selectors import current_year

    rng = random.Random(seed)
    offers = list(
        Offer.objects.filter(status=OfferStatus.PUBLISHED)
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "description",
            "methods",
            "municipality__slug",
            "provider__ownership_form",
            "provider__branch_organisation__slug",
            "age_min",
            "age_max",
        )
    )
    if not offers:
        raise SystemExit("No published offers to draw searches from: regenerate the data.")
    paragraphs, groups = defaultdict(list), defaultdict(list)
    for pk, short in Offer.paragraphs.through.objects.order_by("pk").values_list(
        "offer_id", "legalparagraph__short"
    ):
        paragraphs[pk].append(short)
    for pk, slug in Offer.target_groups.through.objects.order_by("pk").values_list(
        "offer_id", "targetgroup__slug"
    ):
        groups[pk].append(slug)
    prices = dict(
        CurrentPrice.objects.filter(year=current_year()).values_list("offer_id", "comparable_price")
    )
    words: dict[int, list[str]] = {}
    seen_in: Counter[str] = Counter()
    for pk, name, description, methods, *_ in offers:
        found = sorted(set(_WORD.findall(f"{name} {description} {methods}".lower())) - _STOPWORDS)
        words[pk] = found
        seen_in.update(found)
    # Words in at least three offers and at most a quarter: searched for, and telling.
    common = {w for w, n in seen_in.items() if 3 <= n <= len(offers) // 4}
    sorts = [key for key, _label in SORT_CHOICES if key != "relevance"]

    searches: list[str] = []
    made: set[tuple] = set(exclude)
    reference = SearchForm().reference  # the form's choices, read once
    attempts = 0
    while len(searches) < count:
        attempts += 1
        if attempts > count * 50:
            raise SystemExit(f"Only {len(searches)} different searches found in the data.")
        pk, _name, _desc, _methods, kommune, ejerform, branche, age_min, age_max = rng.choice(
            offers
        )
        query: list[tuple[str, str]] = []
        if paragraphs[pk] and rng.random() < 0.45:
            query += [("paragraf", p) for p in rng.sample(paragraphs[pk], 1)]
        if groups[pk] and rng.random() < 0.5:
            k = 2 if len(groups[pk]) > 1 and rng.random() < 0.25 else 1
            query += [("maalgruppe", g) for g in sorted(rng.sample(groups[pk], k))]
        if rng.random() < 0.35:
            query.append(("kommune", kommune))
        if rng.random() < 0.35:
            query.append(("alder", str(rng.randint(age_min, age_max))))
        price = prices.get(pk)
        if price is not None and rng.random() < 0.3:
            high = math.ceil(float(price) * rng.uniform(1.0, 1.4) / 1000) * 1000
            if rng.random() < 0.5:
                query.append(
                    (
                        "pris_min",
                        str(math.floor(float(price) * rng.uniform(0.6, 1.0) / 1000) * 1000),
                    )
                )
            query.append(("pris_max", str(high)))
        if rng.random() < 0.2:
            query.append(("ledige", "on"))
        if ejerform and rng.random() < 0.08:
            query.append(("ejerform", ejerform))
        if branche and rng.random() < 0.06:
            query.append(("branche", branche))
        own_words = [w for w in words[pk] if w in common]
        if own_words and rng.random() < 0.35:
            query.append(
                ("q", " ".join(rng.sample(own_words, min(len(own_words), rng.choice((1, 1, 2))))))
            )
        if not query:
            continue
        if rng.random() < 0.35:
            query.append(
                (
                    "sorter",
                    "relevance"
                    if any(k == "q" for k, _ in query) and rng.random() < 0.3
                    else rng.choice(sorts),
                )
            )
        key = search_key(query)
        if key in made:
            continue
        text = urlencode(query)
        if not SearchForm(QueryDict(text), reference=reference).is_valid():
            continue
        made.add(key)
        searches.append(text)
    return searches


@dataclass
class Result:
    group: str
    label: str
    samples_ms: list[float]
    queries: str
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# --- Database and Django ----------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the database named in `url` (only names containing 'bench')."""
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to drop {name!r}: the benchmark database name must contain 'bench'."
        )
    admin = psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """The project's settings, read from the environment as in production: DEBUG off (no
    query log), a throwaway SECRET_KEY, the test Client's host allowed. Static files are
    served by the plain storage, since there is no collectstatic manifest here."""
    import django

    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # no "Not Found" warnings in the output
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no STATIC_ROOT
    django.setup()
    _install_bench_urls()


def _install_bench_urls() -> None:
    """A bench-only URLconf: the empty view, then everything config.urls serves."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    @login_required
    def empty(request):
        return HttpResponse("", content_type="text/plain")

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [
        path(FLOOR_PATH.strip("/") + "/", empty),
        path("", include("config.urls")),
    ]
    sys.modules["bench_urls"] = module
    settings.ROOT_URLCONF = "bench_urls"


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Scenario:
    group: str
    label: str
    fn: object  # called with no arguments; returns a dict of facts about the answer
    note: str = ""
    # Requests per round and in all (the distinct searches: several per round, each once).
    per_round: int = 1
    total: int | None = None
    summary: object = None  # called after measuring; returns a note about every answer


def measure(scenarios: list[Scenario], *, n: int, warmup: int) -> list[Result]:
    """Warm every scenario up (counting its queries), then time them round-robin: request
    i of every row runs before request i+1 of any, so the floor and the searches share
    whatever else the machine is doing during the run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries, facts = {}, {}
    for sc in scenarios:
        counts = []
        for _ in range(warmup):
            with CaptureQueriesContext(connection) as ctx:
                facts[sc.label] = sc.fn()
            counts.append(len(ctx.captured_queries))
        steady = counts[1:] or counts  # the first may fill caches
        queries[sc.label] = (
            str(steady[-1]) if min(steady) == max(steady) else f"{min(steady)}–{max(steady)}"
        )
    samples: dict[str, list[float]] = {sc.label: [] for sc in scenarios}
    for _ in range(n):
        for sc in scenarios:
            for _ in range(sc.per_round):
                if sc.total is not None and len(samples[sc.label]) >= sc.total:
                    break
                start = time.perf_counter()
                sc.fn()
                samples[sc.label].append((time.perf_counter() - start) * 1000)
    return [
        Result(
            sc.group,
            sc.label,
            samples[sc.label],
            queries[sc.label],
            note="; ".join(filter(None, [sc.note, sc.summary() if sc.summary else ""])),
            extra=(facts[sc.label] or {}) if sc.summary is None else {},
        )
        for sc in scenarios
    ]


def _reference() -> dict:
    from offers.models import LegalParagraph, TargetGroup
    from partnership.models import Organisation

    return {
        "§ 108": LegalParagraph.objects.get(code="SEL § 108"),
        "autisme": TargetGroup.objects.get(slug="autisme"),
        "slagelse": Organisation.objects.get(slug="slagelse"),
        "los": Organisation.objects.get(slug="los"),
    }


def _check_view_params() -> str:
    """Warn when offers.search.forms.SearchForm does not know (or rejects) a parameter we send."""
    try:
        from offers.search.forms import SearchForm
    except Exception as exc:  # the form may be mid-change; do not let it stop the bench
        return (
            f"offers.search.forms.SearchForm could not be imported ({type(exc).__name__}: {exc})."
        )
    from django.http import QueryDict

    problems = []
    for search in SEARCHES:
        form = SearchForm(data=QueryDict(urlencode(search["view"])))
        unknown = set(search["view"]) - set(form.fields)
        if unknown:
            problems.append(f"{search['label']}: SearchForm has no parameter(s) {sorted(unknown)}.")
        elif not form.is_valid():
            problems.append(
                f"{search['label']}: SearchForm rejects the parameters: {form.errors.as_text()}"
            )
    return " ".join(problems)


def view_scenarios(client) -> tuple[list[Scenario], str]:
    if client.get(FLOOR_PATH).status_code != 200:
        raise SystemExit("The floor view did not answer 200; is the user logged in?")

    def floor():
        assert client.get(FLOOR_PATH).status_code == 200

    scenarios = [Scenario("Page", FLOOR_LABEL, floor)]
    probe = client.get(SEARCH_PATH)
    if probe.status_code != 200:
        return scenarios, (
            f"GET {SEARCH_PATH} answered {probe.status_code}, so the search page was not measured "
            "(the view or its URL is not served by config.urls yet). The selector was."
        )
    for search in SEARCHES:
        query = urlencode(search["view"])

        def get(url=f"{SEARCH_PATH}?{query}"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            body = response.content.decode()
            facts = {"bytes": len(response.content)}
            found = RESULT_COUNT.search(body)
            if found:  # the page's own "N tilbud fundet", compared with the selector's count()
                facts["hits"] = int(found.group(1).replace(".", ""))
                facts["shown"] = body.count(ROW_MARKER)
            return facts

        scenarios.append(
            Scenario("Page", f"GET {SEARCH_PATH} {search['label']}", get, note=f"`?{query}`")
        )
    return scenarios, _check_view_params()


def distinct_scenario(client, *, count: int, seed: int, n: int, warmup: int) -> Scenario:
    """The search page with `count` different searches (distinct_searches()), each made once:
    the warm-up takes `warmup` more of the same kind, then every round takes the next few,
    so they run beside the floor as the other rows do. Every answer must be 200 with the
    page's "N tilbud fundet"."""
    repeated = tuple(search_key(s["view"]) for s in SEARCHES)
    searches = distinct_searches(count + warmup, seed=seed, exclude=repeated)
    queue = iter(searches)
    hits: list[int] = []

    def get():
        url = f"{SEARCH_PATH}?{next(queue)}"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found = RESULT_COUNT.search(response.content.decode())
        assert found, (url, "no result count")
        hits.append(int(found.group(1).replace(".", "")))
        return {"bytes": len(response.content)}

    def summary() -> str:
        measured = sorted(hits[warmup:])
        if not measured:
            return ""
        return (
            f"{len(measured)} searches, none repeated; hits per search: median "
            f"{statistics.median(measured):,.0f}, {sum(1 for h in measured if h == 0)} with none, "
            f"most {measured[-1]:,}"
        )

    return Scenario(
        "Page",
        f"GET {SEARCH_PATH} {count} distinct searches, each once (seed {seed})",
        get,
        note=f"{math.ceil(count / n)} per round",
        per_round=math.ceil(count / n),
        total=count,
        summary=summary,
    )


def selector_scenarios(user) -> list[Scenario]:
    from offers.search.selectors import SearchParams, search_offers
    from partnership.permissions import forget_memberships

    ref = _reference()
    scenarios = []
    for search in SEARCHES:
        params = SearchParams(**search["params"](ref))

        def run(params=params):
            forget_memberships(user)  # as in a fresh request: the membership lookup counts too
            qs = search_offers(user, params)
            page = list(qs[:PAGE_SIZE])
            return {"hits": qs.count(), "shown": len(page)}

        scenarios.append(Scenario("Selector", search["label"], run))
    return scenarios


def _compare_counts(results: list[Result]) -> str:
    """The page and the selector should find the same offers for the same search."""
    by_label = {(r.group, r.label.removeprefix(f"GET {SEARCH_PATH} ")): r for r in results}
    problems = []
    for search in SEARCHES:
        view = by_label.get(("Page", search["label"]))
        selector = by_label.get(("Selector", search["label"]))
        if view and selector and view.extra.get("hits") != selector.extra.get("hits"):
            problems.append(
                f"{search['label']}: the page says {view.extra.get('hits', '?')} found, "
                f"the selector counts {selector.extra.get('hits')}."
            )
    return " ".join(problems)


# --- Reporting ----------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("" where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    cpu = cpu_model()
    return {
        "nproc": str(os.cpu_count()),
        "CPU": cpu or platform.processor() or "?",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": f"{pg} (shared_buffers {buffers}, same machine, TCP 127.0.0.1)",
        "OS": platform.platform(),
    }


def data_sizes() -> dict[str, int]:
    from offers.models import DeclarationAnswer, Offer, Tariff, TariffAddOn, VacancyReport
    from partnership.models import Organisation, OrganisationKind

    return {
        "Providers": Organisation.objects.filter(kind=OrganisationKind.PROVIDER).count(),
        "Offers": Offer.objects.count(),
        "Published offers": Offer.objects.filter(status="published").count(),
        "Tariffs (all years and versions)": Tariff.objects.count(),
        "Published tariffs": Tariff.objects.filter(status="published").count(),
        "Tariff add-ons": TariffAddOn.objects.count(),
        "Declaration answers": DeclarationAnswer.objects.count(),
        "Vacancy reports": VacancyReport.objects.count(),
        "Offer-paragraph links": Offer.paragraphs.through.objects.count(),
        "Offer-target group links": Offer.target_groups.through.objects.count(),
    }


def table(results: list[Result]) -> str:
    floor = next((r for r in results if r.label == FLOOR_LABEL), None)
    lines = [
        "| Kind | Search | p50 (ms) | p95 (ms) | p50 over floor (ms) | p50 × floor | "
        "p95 × floor | Queries | Found / shown | Notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        found = f"{r.extra['hits']:,} / {r.extra['shown']}" if "hits" in r.extra else ""
        over = (
            f"{r.p50 - floor.p50:,.1f} | {r.p50 / floor.p50:.1f}× | {r.p95 / floor.p95:.1f}×"
            if floor and r.group == "Page" and r is not floor
            else " | | "
        )
        note = r.note
        if "bytes" in r.extra:
            note = f"{note} {r.extra['bytes']:,} bytes".strip()
        lines.append(
            f"| {r.group} | {r.label} | {r.p50:,.1f} | {r.p95:,.1f} | {over} | {r.queries} | {found} | {note} |"
        )
    return "\n".join(lines)


def write_results(
    path: Path, *, results, note, sizes, generation, command, n, warmup, year, load
) -> None:
    info = machine()
    info["Load average (1 min) before / after measuring"] = (
        f"{load['before'][0]:.2f} / {load['after'][0]:.2f} on {os.cpu_count()} cores "
        f"(measuring took {load['seconds']:.0f} s; other processes on the machine count too)"
    )
    text = [
        "# Benchmark: offer search",
        "",
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `{command}`.",
        "Written by the script, not edited by hand. How to run it and what it measures: "
        "[README.md](README.md).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "## Data",
        "",
        f"- Generation: {generation}",
        *[f"- {k}: {v:,}" for k, v in sizes.items()],
        f"- Tariff year of the current tariff in the search: {year}",
        "",
        "## Results",
        "",
        f"{n} measured requests per row after {warmup} warm-up requests, measured round-robin "
        "(request i of every row before request i+1 of any), so the floor and the searches run "
        "under the same load. p50 is the median, p95 the nearest-rank 95th percentile, in "
        "milliseconds. Queries: SQL queries per request (CaptureQueriesContext, during warm-up). "
        f"Page: Django's test Client in-process, logged in as {USER_EMAIL}, through the whole "
        "middleware chain with DEBUG off. Selector: `search_offers()` + "
        f"`list(qs[:{PAGE_SIZE}])` + `qs.count()`. Found / shown: the count and the rows on the "
        'first page (for the page, its own "N tilbud fundet").',
        "",
        table(results),
        "",
    ]
    if note:
        text += [f"Note: {note}", ""]
    section = "\n".join([SEARCH_START, *text, SEARCH_END])
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    path.write_text(_with_section(old, section), encoding="utf-8")


def write_marked_section(path: Path, body: str, start: str, end: str) -> None:
    """The one way the bench scripts write their part of RESULTS.md: `body` between the
    markers `start` and `end` in place of what was there, or added at the end; nothing else
    in the file changes. `body` may already carry the markers."""
    block = body.strip() if body.lstrip().startswith(start) else f"{start}\n{body.strip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    first = old.find(start)
    last = old.find(end, first + 1) if first != -1 else -1
    if last != -1:
        new = old[:first] + block + old[last + len(end) :]
    else:
        new = (old.rstrip("\n") + "\n\n" if old.strip() else "") + block + "\n"
    path.write_text(new, encoding="utf-8")


def _with_section(old: str, section: str) -> str:
    """RESULTS.md with this script's section in place of its last one: between the search
    markers, or (a file from before the markers) the top of the file up to the first other
    script's section. Everything else, the other scripts' sections and notes written by
    hand, is kept as it is."""
    start = old.find(SEARCH_START)
    end = old.find(SEARCH_END, start + 1) if start != -1 else -1
    if end != -1:
        return old[:start] + section + old[end + len(SEARCH_END) :]
    others = [old.find(m) for m in (REPORTS_START, GUNICORN_START, IMPORT_START)]
    cut = min((i for i in others if i != -1), default=len(old))
    rest = old[cut:]
    return section + "\n" + ("\n" + rest if rest.strip() else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="measure on the existing database")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("-n", "--requests", type=int, default=50, help="measured requests per row")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--distinct",
        type=int,
        default=DISTINCT_COUNT,
        help="different searches, each made once (0: none)",
    )
    parser.add_argument("--seed", type=int, default=DISTINCT_SEED, help="for the distinct searches")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    raw_args = sys.argv[1:] if argv is None else argv
    command = " ".join(["bench/run_search.py", *raw_args])

    if not args.reuse:
        print(f"Creating a fresh database: {args.database_url}")
        recreate_database(args.database_url)
    setup_django(args.database_url)

    from django.db import connections
    from django.test import Client
    from generate import REUSED, migrate_and_generate

    from offers.selectors import current_year
    from partnership.models import User

    counts = migrate_and_generate(
        reuse=args.reuse,
        announce=f"Generating {args.offers:,} offers across {args.providers} providers ...",
        offers=args.offers,
        providers=args.providers,
    )
    if counts is None:
        generation = REUSED
    else:
        generation = f"{counts['seconds']:.0f} s (bench/generate.py, including the demo logins and VACUUM ANALYZE)"
        print(f"Generated in {counts['seconds']:.1f} s")
    connections.close_all()

    user = User.objects.get(email=USER_EMAIL)
    client = Client()
    client.force_login(user)
    scenarios, note = view_scenarios(client)
    if args.distinct and len(scenarios) > 1:  # the search page answers
        print(f"Drawing {args.distinct} + {args.warmup} different searches (seed {args.seed}) ...")
        scenarios.append(
            distinct_scenario(
                client, count=args.distinct, seed=args.seed, n=args.requests, warmup=args.warmup
            )
        )
    scenarios += selector_scenarios(User.objects.get(email=USER_EMAIL))
    print(
        f"Measuring {len(scenarios)} rows: {args.warmup} warm-up + {args.requests} measured each, round-robin ..."
    )
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1) / 2:
        print(f"  (load average {load_before[0]:.2f}: the machine is busy; expect noisier numbers)")
    started = time.perf_counter()
    results = measure(scenarios, n=args.requests, warmup=args.warmup)
    load = {
        "before": load_before,
        "after": os.getloadavg(),
        "seconds": time.perf_counter() - started,
    }
    note = " ".join(filter(None, [note, _compare_counts(results)]))

    print()
    print(table(results))
    if note:
        print(f"\nNote: {note}")
    if not args.no_write:
        write_results(
            args.output,
            results=results,
            note=note,
            sizes=data_sizes(),
            generation=generation,
            command=command,
            n=args.requests,
            warmup=args.warmup,
            year=current_year(),
            load=load,
        )
        print(
            f"\nWrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
        )


if __name__ == "__main__":
    main()
