#!/usr/bin/env python
"""Benchmark the portal under gunicorn at national scale and write bench/RESULTS.md.

    .venv/bin/python bench/run.py            # fresh databases (10,000 and 100 offers), measure
    .venv/bin/python bench/run.py --reuse    # measure again on the data already there

Unless --reuse, two databases on 127.0.0.1:5432 (user postgres) are dropped, created,
migrated and filled by bench/generate.py: `partnerskab_bench` (10,000 offers, ~700
providers, 5,000 contracts, 500 meetings) and `partnerskab_bench_small` (100 offers, the
same shape scaled down). For each, gunicorn (2 sync workers, 127.0.0.1:8701) serves the
portal with DEBUG off, the production static storage (collectstatic into a temporary
STATIC_ROOT, served by whitenoise), Redis as the cache, and SERVER_TIMING=1, so every
answer carries `Server-Timing: app;dur=..., db;dur=...;desc="N queries"`
(config/server_timing.py). The script logs in over HTTP as the Slagelse caseworker, puts
four offers in the comparison, and requests each page: --warmup times unmeasured, then -n
times measured round-robin. Every answer must be 200 and contain the page's marker (not the
login page), or it counts as an error. Among the rows: 300 distinct searches, each made once
(issue 17), and the open-data API's list and one offer, requested without a session beside
a bare response without login (issue 16), their answers checked against the database. On
the large database it then runs wrk (32 connections, 2 threads, 30 s) against one search,
against distinct searches in turn, and against the floor. The small database only gives the
query counts, side by side with the large one's.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import math
import os
import platform
import re
import runpy
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from run_search import (  # noqa: E402
    DISTINCT_COUNT,
    DISTINCT_SEED,
    SEARCHES,
    cpu_model,
    distinct_searches,
    recreate_database,
    search_key,
    write_marked_section,
)

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
GUNICORN_CONFIG = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))  # production's settings
MEMORY_REQUESTS = 1000  # mixed requests between the two readings of the workers' memory
BIG_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench"
SMALL_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench_small"
USER_EMAIL = "sagsbehandler.slagelse@portal.example"
PASSWORD = "partnerskab-demo"  # the demo logins' password (partnership.demo)
SECRET_KEY = "bench-only-not-a-secret"
# As in bench/urls.py: the floor is an empty page in the portal's layout; the bare response
# (no template) is measured too, for reference.
FLOOR_LABEL = "Gulv: tom side bag login (layout, tom hovedindhold)"
FLOOR_PATH, FLOOR_MARKER = "/__bench__/side/", "Tom side til måling"
BARE_LABEL = "Tomt svar bag login (ingen skabelon)"
BARE_PATH, BARE_BODY = "/__bench__/tom/", "tom"
# The API is public: its rows are requested without a session, beside the same bare response
# without login (bench/urls.py), the fair floor for them.
ANON_LABEL = "Tomt svar uden login (anonym, ingen skabelon)"
ANON_PATH, ANON_BODY = "/__bench__/anonym/", "anonym"
# The API's list is asked as issue 16 names it: the same filters as the search's.
API_FILTER = {"paragraf": "§ 108", "maalgruppe": "autisme"}
SEARCH_MARKER = 'class="result-count"'
RESULT_COUNT = re.compile(r'class="result-count"[^>]*>\s*([0-9.]+) ')
WRK_SEARCHES = 3000  # distinct searches for wrk to rotate through (after the row's own)
START, END = "<!-- gunicorn:start -->", "<!-- gunicorn:end -->"


# --- Helpers ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, flush=True)


def portal_env(url: str, static_root: Path, *, timing: bool = True) -> dict[str, str]:
    """The environment gunicorn and the helper processes run with: production-like settings
    (DEBUG off, a SECRET_KEY, ALLOWED_HOSTS, the manifest static storage, Redis cache)."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(static_root),
            "STATICFILES_BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "bench.gunicorn_settings",
            "PYTHONPATH": str(ROOT),
            "SERVER_TIMING": "1" if timing else "0",
            # The API's limit per IP address would answer the bench's own requests with 429;
            # the throttle still runs (a cache read and write per request).
            "API_RATE_PER_IP": "1000000/m",
        }
    )
    return env


def run(cmd: list[str], env: dict[str, str], *, capture: bool = False) -> str:
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return done.stdout or ""


def db_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


# --- Preparing (runs in a child process with Django set up on one database) ---------------


def prepare(*, distinct: int, warmup: int, wrk_distinct: int, seed: int) -> None:
    """Pick the objects to request as the caseworker sees them, make the sessions wrk uses,
    draw the distinct searches, work out what the API must answer, count the data; print it
    as JSON. Called as `run.py --prepare` with portal_env()."""
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from contracts.models import Contract, ContractClause
    from contracts.selectors import ContractFilter, contract_list
    from meetings.models import (
        AgendaItem,
        Meeting,
        MeetingInvitation,
        MeetingStatus,
        Participation,
    )
    from meetings.permissions import meetings_visible_to
    from offers.models import (
        DeclarationAnswer,
        Offer,
        OfferStatus,
        Tariff,
        TariffAddOn,
        VacancyReport,
    )
    from offers.permissions import offers_visible_to
    from partnership.models import Organisation, OrganisationKind, User

    try:
        from api.selectors import PAGE_DEFAULT as api_page
    except ImportError:  # no API in this checkout
        api_page = None

    user = User.objects.get(email=USER_EMAIL)
    published = offers_visible_to(user).filter(status=OfferStatus.PUBLISHED).order_by("pk")
    # Offers in the caseworker's own municipality first, as she would look there first.
    offers = list(published.filter(municipality__slug="slagelse")[:5])
    offers += list(published.exclude(pk__in=[o.pk for o in offers])[: 5 - len(offers)])
    if len(offers) < 5:
        raise SystemExit("Fewer than five published offers: regenerate the data.")
    meeting = (
        meetings_visible_to(user)
        .filter(status=MeetingStatus.MINUTES_APPROVED)
        .annotate(n=Count("invitations"))
        .order_by("-n", "-starts_at")
        .first()
    )
    if meeting is None:
        raise SystemExit("No meeting with approved minutes for the caseworker: regenerate.")
    first_contract = contract_list(user, ContractFilter()).first()
    if first_contract is None:
        raise SystemExit("The caseworker sees no contracts: regenerate the data.")
    # What the API must answer, found without the API or the search: the published offers
    # with the paragraph and the target group, in the order of their ids.
    public = Offer.objects.filter(status=OfferStatus.PUBLISHED).order_by("pk")
    filtered = list(
        public.filter(
            paragraphs__short=API_FILTER["paragraf"], target_groups__slug=API_FILTER["maalgruppe"]
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    api = None
    if api_page is not None:
        api = {
            "page": api_page,
            "filtered": {"count": len(filtered), "ids": filtered[:api_page]},
            "first": {
                "count": public.count(),
                "ids": list(public.values_list("pk", flat=True)[:api_page]),
            },
            "tariffs": Tariff.objects.filter(offer=offers[0], status="published").count(),
        }
    # The distinct searches: the row's warm-up, the row, then wrk's, none the same.
    repeated = [search_key(s["view"]) for s in SEARCHES] + [search_key(API_FILTER)]
    searches = distinct_searches(warmup + distinct + wrk_distinct, seed=seed, exclude=repeated)
    sessions = []
    for _ in range(32):  # one per wrk connection, as 32 people would have
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    sizes = {
        "Providers": Organisation.objects.filter(kind=OrganisationKind.PROVIDER).count(),
        "Offers (published)": f"{Offer.objects.count():,} "
        f"({Offer.objects.filter(status=OfferStatus.PUBLISHED).count():,})",
        "Tariffs": Tariff.objects.count(),
        "Tariff add-ons": TariffAddOn.objects.count(),
        "Declaration answers": DeclarationAnswer.objects.count(),
        "Vacancy reports": VacancyReport.objects.count(),
        "Contracts (seen by the caseworker)": f"{Contract.objects.count():,} "
        f"({contract_list(user, ContractFilter()).count():,})",
        "Contract clauses": ContractClause.objects.count(),
        "Meetings (seen by the caseworker)": f"{Meeting.objects.count():,} "
        f"({meetings_visible_to(user).count():,})",
        "Agenda items": AgendaItem.objects.count(),
        "Meeting invitations": MeetingInvitation.objects.count(),
        "Participations": Participation.objects.count(),
        "Users": User.objects.count(),
    }
    print(
        json.dumps(
            {
                "offer": {"pk": offers[0].pk, "name": offers[0].name},
                "compare": [{"pk": o.pk, "name": o.name} for o in offers[1:5]],
                "meeting": {
                    "pk": meeting.pk,
                    "title": meeting.title,
                    "invitations": meeting.n,
                },
                "contract": {"case_reference": first_contract.case_reference},
                "api": api,
                "distinct": {
                    "seed": seed,
                    "warmup": searches[:warmup],
                    "row": searches[warmup : warmup + distinct],
                    "wrk": searches[warmup + distinct :],
                },
                "sessions": sessions,
                "sizes": {k: v if isinstance(v, str) else f"{v:,}" for k, v in sizes.items()},
            }
        )
    )


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    wall_ms: float

    def timing(self) -> tuple[float, float, int] | None:
        """(app ms, db ms, queries) from the Server-Timing header."""
        value = self.headers.get("server-timing", "")
        found = re.search(r'app;dur=([\d.]+), db;dur=([\d.]+);desc="(\d+) queries"', value)
        if not found:
            return None
        return float(found.group(1)), float(found.group(2)), int(found.group(3))


class Browser:
    """One person's cookies over plain HTTP/1.1 (gunicorn's sync workers close each
    connection, so every request opens its own, as a browser would here)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "da"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        wall = (time.perf_counter() - start) * 1000
        for value in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return Answer(
            resp.status,
            {k.lower(): v for k, v in resp.getheaders()},
            data.decode("utf-8", "replace"),
            wall,
        )

    def login(self, email: str, password: str) -> None:
        page = self.request("GET", "/konto/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if page.status != 200 or not token:
            raise SystemExit(f"GET /konto/login/ answered {page.status} without a CSRF token.")
        done = self.request(
            "POST",
            "/konto/login/",
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password},
        )
        if done.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Logging in as {email} failed: {done.status}.")


# --- Gunicorn ------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict[str, str], port: int, workers: int, logfile: Path):
        self.env, self.port, self.workers, self.logfile = env, port, workers, logfile
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        # Production's settings (config/gunicorn.py: the recycling of workers, so the memory
        # rows show what a server's workers keep; the app loaded and the search's cards
        # drawn by the master before the workers start), on the bench's address, with its
        # number of workers and without the access log.
        cmd = [
            GUNICORN,
            "--config",
            str(ROOT / "config" / "gunicorn.py"),
            "config.wsgi:application",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.logfile),
            "--access-logfile",
            "/dev/null",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start; see {self.logfile}")
            try:
                if Browser(self.port).request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {self.logfile}")

    def workers_rss(self) -> dict[int, int]:
        """VmRSS in KiB of each worker process (the master's children), by pid."""
        assert self.proc is not None
        master, rss = self.proc.pid, {}
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue  # gone meanwhile
            if int(fields.get("PPid", "0")) == master and "VmRSS" in fields:
                rss[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
        return rss

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    markers: list[str]
    note: str = ""
    app_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    size: int = 0
    anonymous: bool = False  # requested without the session (the API, its floor)
    per_round: int = 1  # requests in each round of the measurement
    total: int | None = None  # measured requests in all, if fewer than rounds × per_round
    measured: int = 0

    def check(self, answer: Answer) -> tuple[float, float, int] | None:
        self.requests += 1
        timing = answer.timing()
        missing = [m for m in self.markers if m not in answer.body]
        wrong = self.verify(answer) if answer.status == 200 and not missing else None
        if answer.status != 200 or missing or wrong or timing is None:
            self.errors.append(
                f"{answer.status}"
                + (f" without {missing[0]!r}" if missing else "")
                + (f" {wrong}" if wrong else "")
                + (" without Server-Timing" if timing is None else "")
            )
            return None
        self.size = len(answer.body.encode())
        return timing

    def verify(self, answer: Answer) -> str | None:
        """What is wrong with a 200 that has the markers, or None."""
        return None

    def next_path(self) -> str:
        return self.path

    @staticmethod
    def pct(samples: list[float], p: float) -> float:
        if not samples:
            return float("nan")
        ordered = sorted(samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return statistics.median(self.app_ms) if self.app_ms else float("nan")

    @property
    def query_count(self) -> str:
        if not self.queries:
            return "?"
        lo, hi = min(self.queries), max(self.queries)
        return str(lo) if lo == hi else f"{lo}–{hi}"


@dataclass
class DistinctPage(Page):
    """Searches no one has made before (issue 17): the next of `paths` at every request,
    never one twice, so the search's result cache never has them. The first `warmup` paths
    are the warm-up's; each round then takes `per_round` of the rest. `hits` keeps each
    answer's "N tilbud fundet"."""

    paths: list[str] = field(default_factory=list)
    issued: int = 0
    hits: list[int] = field(default_factory=list)

    def next_path(self) -> str:
        self.issued += 1
        return self.paths[self.issued - 1]

    def verify(self, answer: Answer) -> str | None:
        found = RESULT_COUNT.search(answer.body)
        if not found:
            return "without the number found"
        self.hits.append(int(found.group(1).replace(".", "")))
        return None


@dataclass
class ApiPage(Page):
    """An answer of the open-data API, checked against what the database says it must
    hold: the list's offers by id (and whether there is a next page), or the offer's id,
    name and number of published tariff versions."""

    ids: list[int] | None = None
    more: bool = False
    offer: dict | None = None

    def verify(self, answer: Answer) -> str | None:
        try:
            data = json.loads(answer.body)
        except ValueError:
            return "not JSON"
        if self.ids is not None:
            got = [o.get("id") for o in data.get("tilbud", [])]
            if data.get("antal") != len(self.ids) or got != self.ids:
                return f"with {data.get('antal')} offers, not the {len(self.ids)} expected"
            if bool(data.get("next")) != self.more:
                return "with a wrong next"
        if self.offer is not None:
            if data.get("id") != self.offer["pk"] or data.get("navn") != self.offer["name"]:
                return "with another offer"
            if len(data.get("takster", [])) != self.offer["tariffs"]:
                return f"with {len(data.get('takster', []))} tariff versions"
        return None


def pages_for(target: dict, *, n: int) -> list[Page]:
    pages = [
        Page(FLOOR_LABEL, FLOOR_PATH, [FLOOR_MARKER]),
        Page(BARE_LABEL, BARE_PATH, [BARE_BODY]),
        Page(ANON_LABEL, ANON_PATH, [ANON_BODY], anonymous=True),
    ]
    pages.append(Page("Mit overblik", "/overblik/", ["Mit overblik", "Signe Sagsbehandler"]))
    for search in SEARCHES:
        query = urlencode(search["view"])
        pages.append(Page(f"Søgning: {search['label']}", f"/tilbud/?{query}", [SEARCH_MARKER]))
    distinct = target["distinct"]
    count = len(distinct["row"])
    pages.append(
        DistinctPage(
            f"Søgning, forskellige, hver kun én gang (seed {distinct['seed']})",
            "/tilbud/?...",
            [SEARCH_MARKER],
            paths=[f"/tilbud/?{q}" for q in distinct["warmup"] + distinct["row"]],
            per_round=math.ceil(count / n),
            total=count,
        )
    )
    offer = target["offer"]
    pages.append(Page("Tilbudsside", f"/tilbud/{offer['pk']}/", [html.escape(offer["name"])], ""))
    api = target["api"]
    if api is not None:
        filtered, first = api["filtered"], api["first"]
        pages += [
            ApiPage(
                f"API: tilbud, {' + '.join(API_FILTER.values())} (anonym)",
                f"/api/v1/offers?{urlencode(API_FILTER)}",
                ['"tilbud"'],
                anonymous=True,
                ids=filtered["ids"],
                more=filtered["count"] > api["page"],
            ),
            ApiPage(
                "API: tilbud, første side uden filter (anonym)",
                "/api/v1/offers",
                ['"tilbud"'],
                anonymous=True,
                ids=first["ids"],
                more=first["count"] > api["page"],
            ),
            ApiPage(
                "API: ét tilbud med takster (anonym)",
                f"/api/v1/offers/{offer['pk']}",
                ['"takster"'],
                anonymous=True,
                offer={**offer, "tariffs": api["tariffs"]},
            ),
        ]
    pages.append(
        Page(
            "Sammenlign 4 tilbud",
            "/sammenlign/",
            [html.escape(o["name"]) for o in target["compare"]],
        )
    )
    pages.append(
        Page(
            "Kontrakter (liste, side 1)",
            "/kontrakter/",
            [html.escape(target["contract"]["case_reference"])],
        )
    )
    meeting = target["meeting"]
    pages.append(
        Page(
            "Mødeside",
            f"/moeder/{meeting['pk']}/",
            [html.escape(meeting["title"])],
            f"{meeting['invitations']} invited organisations, approved minutes",
        )
    )
    # The coming meetings and the latest ten past ones (the rest on /moeder/tidligere/).
    pages.append(Page("Møder (liste)", "/moeder/", ["Kommende møder", "Tidligere møder"]))
    return pages


def log_in(port: int, target: dict) -> Browser:
    browser = Browser(port)
    browser.login(USER_EMAIL, PASSWORD)
    for o in target["compare"]:
        done = browser.request("POST", "/sammenlign/tilfoej/", {"offer": o["pk"], "next": "/"})
        if done.status != 302:
            raise SystemExit(f"Adding offer {o['pk']} to the comparison answered {done.status}.")
    return browser


def measure(browser: Browser, pages: list[Page], *, n: int, warmup: int) -> None:
    """Warm every page up (the query counts come from these answers, after the first), then
    request them round-robin: request i of every page before request i+1 of any (a page
    with several per round, the distinct searches, makes them one after the other). The
    anonymous pages are requested without the logged-in browser's cookies."""
    anonymous = Browser(browser.port)
    for page in pages:
        client = anonymous if page.anonymous else browser
        for i in range(warmup):
            timing = page.check(client.request("GET", page.next_path()))
            if timing and (i > 0 or warmup == 1):
                page.queries.append(timing[2])
    for _ in range(n):
        for page in pages:
            client = anonymous if page.anonymous else browser
            for _ in range(page.per_round):
                if page.total is not None and page.measured >= page.total:
                    break
                page.measured += 1
                answer = client.request("GET", page.next_path())
                timing = page.check(answer)
                if timing:
                    page.app_ms.append(timing[0])
                    page.db_ms.append(timing[1])
                    page.queries.append(timing[2])
                    page.wall_ms.append(answer.wall_ms)


def measure_memory(
    server: Gunicorn, browser: Browser, pages: list[Page], *, requests: int
) -> tuple[dict[int, int], dict[int, int], int]:
    """Issue 17: the workers' resident memory before and after `requests` more requests,
    round-robin over the pages (the anonymous ones without the session; the distinct
    searches repeat their own, no longer new to the cache). (RSS before, RSS after, answers
    that were not 200), the RSS in KiB by worker pid."""
    anonymous = Browser(browser.port)
    paths = [(anonymous if p.anonymous else browser, p) for p in pages]
    before, failed = server.workers_rss(), 0
    for i in range(requests):
        client, page = paths[i % len(paths)]
        path = page.paths[i % len(page.paths)] if isinstance(page, DistinctPage) else page.path
        failed += client.request("GET", path).status != 200
    time.sleep(1)  # a worker recycled at the last request is replaced
    return before, server.workers_rss(), failed


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def memory_table(before: dict[int, int], after: dict[int, int], requests: int) -> str:
    """One row per worker slot: a pid that is there before and after is the same worker; a
    pid that went was recycled (max_requests), its place taken by a new pid."""
    new = sorted(set(after) - set(before))
    lines = [
        f"| Worker | RSS before (MiB) | RSS after {requests:,} requests (MiB) | Recycled |",
        "|---|---:|---:|---|",
    ]
    for n, pid in enumerate(sorted(before), 1):
        if pid in after:
            lines.append(f"| {n} (pid {pid}) | {mib(before[pid])} | {mib(after[pid])} | no |")
        else:
            successor = new.pop(0) if new else None
            shown = f"{mib(after[successor])} (new pid {successor})" if successor else "(gone)"
            lines.append(f"| {n} (pid {pid}) | {mib(before[pid])} | {shown} | yes |")
    lines += [f"| new (pid {pid}) | | {mib(after[pid])} | |" for pid in new]
    return "\n".join(lines)


# What the search keeps in the cache: its results and reference data ("offers-search:"), its
# cards and fields drawn once per content ("offers-search-card:", "offers-search-field:") and
# the page's body (the {% cache %} fragment "offers_search_body").
SEARCH_CACHE_PATTERNS = ("*offers-search*", "*offers_search_body*")


def forget_search_cache(url: str) -> int:
    """Delete everything the search keeps (SEARCH_CACHE_PATTERNS) from the bench's cache
    (portal_env's CACHE_URL), so that a rerun's distinct searches are new to the cache as
    the first run's were (the same code gives the same keys: the cache's prefix is the
    code's digest); the repeated searches fill it again in their warm-up. Nothing else in
    the cache is touched (sessions are in the database)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = [
        key
        for pattern in SEARCH_CACHE_PATTERNS
        for key in client.scan_iter(match=pattern, count=1000)
    ]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def check_same_offers(browser: Browser, target: dict) -> str:
    """Issue 16: the API's list and the search page find the same offers for the same
    filters. The page's "N tilbud fundet" against the number the database gives."""
    api = target["api"]
    if api is None:
        return ""
    page = browser.request("GET", f"/tilbud/?{urlencode(API_FILTER)}")
    found = RESULT_COUNT.search(page.body)
    shown = int(found.group(1).replace(".", "")) if page.status == 200 and found else None
    expected = api["filtered"]["count"]
    verdict = "the same" if shown == expected else "NOT the same"
    return (
        f"`/tilbud/?{urlencode(API_FILTER)}` says {shown if shown is not None else '?'} found; "
        f"the published offers with both number {expected:,} ({verdict}); the API's first page "
        f"must be the first {min(expected, api['page'])} of them by id, checked at every request."
    )


def wrk(
    port: int,
    path: str,
    sessions: list[str],
    marker: str,
    seconds: int,
    paths: Path | None = None,
) -> dict:
    """wrk against `path`, or, with `paths` (a file, one path a line), against each of them in
    turn (bench/wrk.lua: the threads take every other line, so none is asked twice until the
    list is used up)."""
    env = dict(
        os.environ,
        BENCH_COOKIES=",".join(sessions),
        BENCH_MARKER=marker,
        BENCH_PATHS=str(paths or ""),
        BENCH_THREADS="2",
    )
    cmd = [
        shutil.which("wrk") or "/usr/bin/wrk",
        "-t2",
        "-c32",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / "wrk.lua"),
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(cmd, env=env, check=True, text=True, capture_output=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = (
        result["connect"]
        + result["read"]
        + result["write"]
        + result["timeout"]
        + result["non200"]
        + result["no_marker"]
    )
    return result


# --- Reporting ----------------------------------------------------------------------------


def machine(env: dict[str, str]) -> dict[str, str]:
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    cpu = cpu_model()
    versions = run(
        [
            PY,
            "-c",
            "import django, gunicorn; print(django.get_version(), gunicorn.__version__)",
        ],
        env,
        capture=True,
    ).split()
    wrk_version = subprocess.run(
        [shutil.which("wrk") or "/usr/bin/wrk", "-v"], capture_output=True, text=True
    )
    return {
        "nproc": str(os.cpu_count()),
        "CPU": cpu or platform.processor() or "?",
        "Python": platform.python_version(),
        "Django": versions[0],
        "gunicorn": f"{versions[1]} (2 sync workers, 127.0.0.1)",
        "wrk": (wrk_version.stdout + wrk_version.stderr).strip().splitlines()[0],
        "PostgreSQL": f"{pg} (shared_buffers {buffers}, same machine, TCP 127.0.0.1)",
        "OS": platform.platform(),
    }


def fmt(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.1f}"


def table(big: list[Page], small: dict[str, Page]) -> str:
    floor, bare, anonymous = big[0], big[1], big[2]
    lines = [
        "| Page | p50 (ms) | p95 (ms) | p50 × floor | p95 × floor | p50 × bare | "
        "p50 × anonymous | SQL p50 (ms) | Queries @100 | Queries @10,000 | Errors | Bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def times(page, base, p=50):
        mine = page.p50 if p == 50 else Page.pct(page.app_ms, p)
        theirs = base.p50 if p == 50 else Page.pct(base.app_ms, p)
        if page is base or math.isnan(mine) or math.isnan(theirs):
            return ""
        return f"{mine / theirs:.1f}×"

    for page in big:
        ratio = (
            f"{times(page, floor)} | {times(page, floor, 95)} | {times(page, bare)} | "
            f"{times(page, anonymous) if page.anonymous else ''}"
        )
        other = small.get(page.label)
        errors = len(page.errors) + (len(other.errors) if other else 0)
        lines.append(
            f"| {page.label} | {fmt(page.p50)} | {fmt(Page.pct(page.app_ms, 95))} | {ratio} | "
            f"{fmt(statistics.median(page.db_ms) if page.db_ms else float('nan'))} | "
            f"{other.query_count if other else '?'} | {page.query_count} | "
            f"{errors} of {page.requests + (other.requests if other else 0)} | {page.size:,} |"
        )
    return "\n".join(lines)


def targets(big: list[Page], wrk_results: list[tuple[str, str, dict]]) -> str:
    """Issue 17's targets for the distinct searches, from this run's numbers (for
    information: whether they hold is read here, not asserted)."""
    floor = big[0]
    distinct = next((p for p in big if isinstance(p, DistinctPage)), None)
    lines = []
    if distinct and distinct.app_ms and floor.app_ms:
        p50 = distinct.p50 / floor.p50
        p95 = Page.pct(distinct.app_ms, 95) / Page.pct(floor.app_ms, 95)
        hits = sorted(distinct.hits[-len(distinct.app_ms) :])
        lines.append(
            f"- {distinct.label}: p50 {p50:.1f}× the floor (target ≤ 2×: "
            f"{'holds' if p50 <= 2 else 'not yet'}), p95 {p95:.1f}× (target ≤ 3×: "
            f"{'holds' if p95 <= 3 else 'not yet'}); {len(distinct.app_ms)} searches, none "
            f"repeated; hits per search: median {statistics.median(hits):,.0f}, "
            f"{sum(1 for h in hits if h == 0)} with none, most {hits[-1]:,}."
        )
    by_label = {label: r for label, _path, r in wrk_results}
    wrk_floor = by_label.get("Gulv")
    for label in ("Søgning, forskellige", "Søgning, den samme"):
        r = by_label.get(label)
        if r and wrk_floor:
            share = r["rps"] / wrk_floor["rps"]
            target = "target ≥ 75 %: " + ("holds" if share >= 0.75 else "not yet")
            lines.append(
                f"- wrk, {label.lower()}: {share:.0%} of the floor's requests per second"
                + (f" ({target})" if label == "Søgning, forskellige" else " (for information)")
                + "."
            )
    return "\n".join(lines)


def wrk_table(results: list[tuple[str, str, dict]]) -> str:
    floor = next((r for label, _path, r in results if label == "Gulv"), None)
    lines = [
        "| Target | Requests/s | × floor | Latency p50 (ms) | p90 (ms) | p99 (ms) | Requests | "
        "Non-200 / no marker | Socket errors (connect, read, write, timeout) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, path, r in results:
        share = f"{r['rps'] / floor['rps']:.0%}" if floor and r is not floor else ""
        lines.append(
            f"| {label} (`{path}`) | {r['rps']:,.1f} | {share} | {r['p50_us'] / 1000:,.1f} | "
            f"{r['p90_us'] / 1000:,.1f} | {r['p99_us'] / 1000:,.1f} | {r['requests']:,} | "
            f"{r['non200']} / {r['no_marker']} | {r['connect']}, {r['read']}, {r['write']}, "
            f"{r['timeout']} |"
        )
    return "\n".join(lines)


def section(
    *,
    info,
    sizes,
    small_sizes,
    body,
    wrk_md,
    load,
    command,
    n,
    warmup,
    errors,
    same_offers,
    goals,
    wrk_distinct,
    memory_md,
) -> str:
    return "\n".join(
        [
            START,
            "# Benchmark: the portal under gunicorn",
            "",
            f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `{command}`. Written by "
            "`bench/run.py` between the `gunicorn` markers, not edited by hand; see "
            "[README.md](README.md).",
            "",
            "## Machine",
            "",
            *[f"- {k}: {v}" for k, v in info.items()],
            f"- Load average (1 min) before / after measuring: {load['before']:.2f} / "
            f"{load['after']:.2f} on {os.cpu_count()} cores (gunicorn, PostgreSQL, wrk and "
            "this script share them, and so do other processes on the machine)",
            "",
            "## Data",
            "",
            "| | 10,000 offers (`partnerskab_bench`) | 100 offers (`partnerskab_bench_small`) |",
            "|---|---:|---:|",
            *[f"| {k} | {v} | {small_sizes.get(k, '')} |" for k, v in sizes.items()],
            "",
            "## Pages",
            "",
            f"Logged in over HTTP as {USER_EMAIL} (Slagelse Kommune, caseworker). {warmup} "
            f"warm-up requests per page, then {n} measured, round-robin (request i of every page "
            "before request i+1 of any). Times are the server's own (`Server-Timing: app`, from "
            "the first middleware to the last, in one gunicorn worker), SQL time and queries "
            "from the same header (`db`, every query through `connection.execute_wrapper`). "
            "p50 is the median, p95 the nearest-rank 95th percentile. Queries @100 are measured "
            "the same way on the database with 100 offers; a page with a range issued a "
            "different number on different requests. Errors: answers that were not 200 or "
            "lacked the page's marker (an offer's name, a case reference, ...); the API's "
            "answers also when their offers (by id), the next page or the offer's tariff versions "
            "differ from what the database holds; the distinct searches also without their "
            '"N tilbud fundet".',
            "",
            "The distinct searches are each made once (none is repeated, in this row or with "
            "wrk), drawn from the data with a fixed seed (`bench/run_search.py` "
            "`distinct_searches()`), the search's cache entries deleted before the run, several "
            "per round beside the other rows; their p50 and p95 are over all of them. The API "
            "rows and the anonymous bare response are requested without a session, as a "
            "municipality's system or anyone fetching open data would; their floor is the "
            '"p50 × anonymous" column (the logged-in floor pays for the session and the '
            "memberships too).",
            "",
            body,
            "",
            *([f"Same offers, API and search page: {same_offers}", ""] if same_offers else []),
            *(["Issue 17's targets, in this run:", "", goals, ""] if goals else []),
            "## Under load (wrk)",
            "",
            "`wrk -t2 -c32 -d30s` with a Lua script (`bench/wrk.lua`) that sends one of 32 "
            "session cookies per request (32 logged-in people) and checks every answer for "
            "status 200 and the page's marker. Latency is wrk's (client side, including the "
            "queue in front of the 2 workers). *Søgning, den samme*: the first search of the "
            "table over and over (the result cache answers it); *Søgning, forskellige*: "
            f"{wrk_distinct:,} distinct searches of the same kind as the row's (the same seed, "
            "none of the row's), each thread taking every other one in turn, so none is asked "
            "twice unless wrk gets through all of them (Requests above that number are "
            "repeats).",
            "",
            wrk_md,
            "",
            "## Memory",
            "",
            f"The resident memory (`VmRSS` in `/proc/<pid>/status`) of each gunicorn worker "
            f"after the pages above, and again after {MEMORY_REQUESTS:,} more requests "
            "round-robin over the same rows (logged in; the API rows without a session; the "
            "distinct searches again, now cached), before wrk. The workers recycle as in "
            f"production (`config/gunicorn.py`: max_requests {GUNICORN_CONFIG['max_requests']:,}, "
            f"jitter {GUNICORN_CONFIG['max_requests_jitter']}): a worker whose pid changed was "
            "recycled, and its row shows the new worker's memory.",
            "",
            memory_md,
            "",
            *([f"Errors: {errors}", ""] if errors else []),
            END,
        ]
    )


def write_results(path: Path, text: str) -> None:
    write_marked_section(path, text, START, END)


# --- Main ---------------------------------------------------------------------------------


def build(url: str, *, offers: int, providers: int, static_root: Path) -> None:
    log(f"Creating {db_name(url)}: migrate, then {offers:,} offers across {providers} providers")
    recreate_database(url)
    env = portal_env(url, static_root)
    run([PY, "manage.py", "migrate", "--verbosity", "0"], env)
    run([PY, "bench/generate.py", "--offers", str(offers), "--providers", str(providers)], env)


def bring_up_to_date(url: str, static_root: Path) -> None:
    """--reuse: apply migrations added since the data was generated (the code expects
    them), and give the planner fresh statistics if any were applied."""
    import psycopg

    env = portal_env(url, static_root)
    plan = run([PY, "manage.py", "showmigrations", "--plan"], env, capture=True)
    if "[ ]" not in plan:
        return
    log(f"Migrating {db_name(url)} (new migrations since it was filled)")
    run([PY, "manage.py", "migrate", "--verbosity", "0"], env)
    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        dbname=db_name(url),
        autocommit=True,
    ) as conn:
        conn.execute("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help="measure on the existing databases")
    parser.add_argument("--database-url", default=BIG_URL)
    parser.add_argument("--small-database-url", default=SMALL_URL)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("-n", "--requests", type=int, default=50, help="measured per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--wrk-seconds", type=int, default=30)
    parser.add_argument(
        "--distinct",
        type=int,
        default=DISTINCT_COUNT,
        help="different searches for the distinct-search row, each made once",
    )
    parser.add_argument(
        "--wrk-distinct",
        type=int,
        default=WRK_SEARCHES,
        help="different searches wrk rotates through (after the row's)",
    )
    parser.add_argument("--seed", type=int, default=DISTINCT_SEED, help="for the searches")
    parser.add_argument("--no-wrk", action="store_true", help="skip the load test")
    parser.add_argument(
        "--static-root",
        type=Path,
        help="collectstatic here and keep it (default: a temporary folder); "
        "skipped when it already holds a manifest",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(
            distinct=args.distinct,
            warmup=args.warmup,
            wrk_distinct=args.wrk_distinct,
            seed=args.seed,
        )
        return
    for url in (args.database_url, args.small_database_url):
        if "bench" not in db_name(url):
            raise SystemExit(f"Refusing {db_name(url)!r}: the name must contain 'bench'.")
    raw = sys.argv[1:] if argv is None else argv
    command = " ".join(["bench/run", *raw])

    with tempfile.TemporaryDirectory(prefix="partnerskab-bench-") as tmp:
        static_root = args.static_root or Path(tmp) / "static"
        if args.reuse:
            for url in (args.small_database_url, args.database_url):
                bring_up_to_date(url, static_root)
        else:
            build(
                args.small_database_url,
                offers=max(1, args.offers // 100),
                providers=max(1, args.providers // 100),
                static_root=static_root,
            )
            build(
                args.database_url,
                offers=args.offers,
                providers=args.providers,
                static_root=static_root,
            )
        env = portal_env(args.database_url, static_root)
        if not (static_root / "staticfiles.json").exists():
            log("collectstatic (manifest storage, as in production)")
            run([PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        info = machine(env)

        results: dict[str, list[Page]] = {}
        prepared: dict[str, dict] = {}
        same_offers = memory_md = ""
        for key, url in (("small", args.small_database_url), ("big", args.database_url)):
            env = portal_env(url, static_root)
            small = key == "small"
            # The small database only counts queries: a few distinct searches are enough.
            distinct, n = (9, 3) if small else (args.distinct, args.requests)
            warmup = 3 if small else args.warmup
            log(
                f"Preparing {db_name(url)} (the objects to request, {distinct} + {warmup} searches)"
            )
            prepare_cmd = [
                PY,
                "bench/run.py",
                "--prepare",
                "--distinct",
                str(distinct),
                "--warmup",
                str(warmup),
                "--wrk-distinct",
                str(0 if small or args.no_wrk else args.wrk_distinct),
                "--seed",
                str(args.seed),
            ]
            target = json.loads(run(prepare_cmd, env, capture=True))
            prepared[key] = target
            pages = pages_for(target, n=n)
            forgotten = forget_search_cache(env["CACHE_URL"])
            log(f"Deleted {forgotten} search entries from the cache")
            with Gunicorn(env, args.port, 2, Path(tmp) / f"gunicorn-{key}.log") as server:
                browser = log_in(args.port, target)
                if small:
                    log(f"Counting queries on {db_name(url)}")
                    measure(browser, pages, n=n, warmup=warmup)
                else:
                    same_offers = check_same_offers(browser, target)
                    log(
                        f"Measuring {len(pages)} pages on {db_name(url)}: {args.warmup} warm-up "
                        f"+ {args.requests} measured each, round-robin"
                    )
                    load_before = os.getloadavg()[0]
                    measure(browser, pages, n=args.requests, warmup=args.warmup)
                    load_after = os.getloadavg()[0]
                    log(f"{MEMORY_REQUESTS:,} mixed requests; the workers' memory before and after")
                    rss_before, rss_after, failed = measure_memory(
                        server, browser, pages, requests=MEMORY_REQUESTS
                    )
                    memory_md = memory_table(rss_before, rss_after, MEMORY_REQUESTS)
                    served = sum(p.requests for p in pages)
                    memory_md += (
                        f"\n\nBefore the first reading the workers had answered {served:,} "
                        "requests of the rows above between them (and the log-in)."
                    )
                    if failed:
                        memory_md += f"\n\n{failed} of the answers were not 200."
                    wrk_results = []
                    if not args.no_wrk:
                        paths = Path(tmp) / "wrk-searches.txt"
                        paths.write_text(
                            "".join(f"/tilbud/?{q}\n" for q in target["distinct"]["wrk"])
                        )
                        search = next(p for p in pages if p.label.startswith("Søgning: "))
                        for label, page, rotate in (
                            ("Søgning, den samme", search, None),
                            ("Søgning, forskellige", search, paths),
                            ("Gulv", pages[0], None),
                        ):
                            shown = "/tilbud/?..." if rotate else page.path
                            log(f"wrk on {shown} for {args.wrk_seconds} s")
                            wrk_results.append(
                                (
                                    label,
                                    shown,
                                    wrk(
                                        args.port,
                                        page.path,
                                        target["sessions"],
                                        page.markers[0],
                                        args.wrk_seconds,
                                        rotate,
                                    ),
                                )
                            )
            results[key] = pages

    big, small = results["big"], {p.label: p for p in results["small"]}
    body = table(big, small)
    goals = targets(big, wrk_results)
    wrk_md = wrk_table(wrk_results) if wrk_results else "(not run: --no-wrk)"
    errors = "; ".join(
        f"{p.label}{' @100' if p in results['small'] else ''}: {', '.join(sorted(set(p.errors)))}"
        for p in [*big, *results["small"]]
        if p.errors
    )
    print()
    print(body)
    print()
    print(wrk_md)
    print()
    print(memory_md)
    print()
    print(same_offers)
    print(goals)
    if errors:
        print(f"\nErrors: {errors}")
    if not args.no_write:
        text = section(
            info=info,
            sizes=prepared["big"]["sizes"],
            small_sizes=prepared["small"]["sizes"],
            body=body,
            wrk_md=wrk_md,
            load={"before": load_before, "after": load_after},
            command=command,
            n=args.requests,
            warmup=args.warmup,
            errors=errors,
            same_offers=same_offers,
            goals=goals,
            wrk_distinct=args.wrk_distinct,
            memory_md=memory_md,
        )
        write_results(args.output, text)
        log(f"\nWrote {args.output}")


if __name__ == "__main__":
    main()
