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
login page), or it counts as an error. On the large database it then runs wrk (32
connections, 2 threads, 30 s) against one search and the floor. The small database only
gives the query counts, side by side with the large one's.
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

from run_search import SEARCHES, cpu_model, recreate_database  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
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
START, END = "<!-- gunicorn:start -->", "<!-- gunicorn:end -->"
WRK_SEARCH = 0  # which of SEARCHES wrk hammers


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


def prepare() -> None:
    """Pick the objects to request as the caseworker sees them, make the sessions wrk uses,
    count the data; print it as JSON. Called as `run.py --prepare` with portal_env()."""
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
        cmd = [
            GUNICORN,
            "config.wsgi:application",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.logfile),
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

    def check(self, answer: Answer) -> tuple[float, float, int] | None:
        self.requests += 1
        timing = answer.timing()
        missing = [m for m in self.markers if m not in answer.body]
        if answer.status != 200 or missing or timing is None:
            self.errors.append(
                f"{answer.status}"
                + (f" without {missing[0]!r}" if missing else "")
                + (" without Server-Timing" if timing is None else "")
            )
            return None
        self.size = len(answer.body.encode())
        return timing

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
class ColdPage(Page):
    """A search no one has made before: every request has its own price ceiling (far above
    any tariff), so the search's result cache never has it. For information: the listed
    searches are measured as people repeat them, warm."""

    counter: int = 0

    def next_path(self) -> str:
        self.counter += 1
        return f"{self.path}&pris_max={50_000_000 + self.counter}"


def pages_for(target: dict) -> list[Page]:
    pages = [
        Page(FLOOR_LABEL, FLOOR_PATH, [FLOOR_MARKER]),
        Page(BARE_LABEL, BARE_PATH, [BARE_BODY]),
    ]
    pages.append(Page("Mit overblik", "/overblik/", ["Mit overblik", "Signe Sagsbehandler"]))
    for search in SEARCHES:
        query = urlencode(search["view"])
        pages.append(
            Page(f"Søgning: {search['label']}", f"/tilbud/?{query}", ['class="result-count"'])
        )
    cold = SEARCHES[0]
    pages.append(
        ColdPage(
            f"Søgning uden cache (informativ): {cold['label']} + new price ceiling each time",
            f"/tilbud/?{urlencode(cold['view'])}",
            ['class="result-count"'],
        )
    )
    offer = target["offer"]
    pages.append(Page("Tilbudsside", f"/tilbud/{offer['pk']}/", [html.escape(offer["name"])], ""))
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
    request them round-robin: request i of every page before request i+1 of any."""
    for page in pages:
        for i in range(warmup):
            timing = page.check(browser.request("GET", page.next_path()))
            if timing and (i > 0 or warmup == 1):
                page.queries.append(timing[2])
    for _ in range(n):
        for page in pages:
            answer = browser.request("GET", page.next_path())
            timing = page.check(answer)
            if timing:
                page.app_ms.append(timing[0])
                page.db_ms.append(timing[1])
                page.queries.append(timing[2])
                page.wall_ms.append(answer.wall_ms)


def wrk(port: int, path: str, sessions: list[str], marker: str, seconds: int) -> dict:
    env = dict(os.environ, BENCH_COOKIES=",".join(sessions), BENCH_MARKER=marker)
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
    floor, bare = big[0], big[1]
    lines = [
        "| Page | p50 (ms) | p95 (ms) | p50 × floor | p50 × bare | SQL p50 (ms) | "
        "Queries @100 | Queries @10,000 | Errors | Bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def times(page, base):
        if page is base or math.isnan(page.p50) or math.isnan(base.p50):
            return ""
        return f"{page.p50 / base.p50:.1f}×"

    for page in big:
        ratio = f"{times(page, floor)} | {times(page, bare)}"
        other = small.get(page.label)
        errors = len(page.errors) + (len(other.errors) if other else 0)
        lines.append(
            f"| {page.label} | {fmt(page.p50)} | {fmt(Page.pct(page.app_ms, 95))} | {ratio} | "
            f"{fmt(statistics.median(page.db_ms) if page.db_ms else float('nan'))} | "
            f"{other.query_count if other else '?'} | {page.query_count} | "
            f"{errors} of {page.requests + (other.requests if other else 0)} | {page.size:,} |"
        )
    return "\n".join(lines)


def wrk_table(results: list[tuple[str, str, dict]]) -> str:
    lines = [
        "| Target | Requests/s | Latency p50 (ms) | p90 (ms) | p99 (ms) | Requests | "
        "Non-200 / no marker | Socket errors (connect, read, write, timeout) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, path, r in results:
        lines.append(
            f"| {label} (`{path}`) | {r['rps']:,.1f} | {r['p50_us'] / 1000:,.1f} | "
            f"{r['p90_us'] / 1000:,.1f} | {r['p99_us'] / 1000:,.1f} | {r['requests']:,} | "
            f"{r['non200']} / {r['no_marker']} | {r['connect']}, {r['read']}, {r['write']}, "
            f"{r['timeout']} |"
        )
    return "\n".join(lines)


def section(*, info, sizes, small_sizes, body, wrk_md, load, command, n, warmup, errors) -> str:
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
            "lacked the page's marker (an offer's name, a case reference, ...).",
            "",
            body,
            "",
            "## Under load (wrk)",
            "",
            "`wrk -t2 -c32 -d30s` with a Lua script (`bench/wrk.lua`) that sends one of 32 "
            "session cookies per request (32 logged-in people) and checks every answer for "
            "status 200 and the page's marker. Latency is wrk's (client side, including the "
            "queue in front of the 2 workers).",
            "",
            wrk_md,
            "",
            *([f"Errors: {errors}", ""] if errors else []),
            END,
        ]
    )


def write_results(path: Path, text: str) -> None:
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    start = old.find(START)
    end = old.find(END, start + 1) if start != -1 else -1
    if end != -1:
        new = old[:start] + text + old[end + len(END) :]
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + text + "\n"
    path.write_text(new, encoding="utf-8")


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
        prepare()
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
        targets: dict[str, dict] = {}
        for key, url in (("small", args.small_database_url), ("big", args.database_url)):
            env = portal_env(url, static_root)
            target = json.loads(run([PY, "bench/run.py", "--prepare"], env, capture=True))
            targets[key] = target
            pages = pages_for(target)
            with Gunicorn(env, args.port, 2, Path(tmp) / f"gunicorn-{key}.log"):
                browser = log_in(args.port, target)
                if key == "small":
                    log(f"Counting queries on {db_name(url)}")
                    measure(browser, pages, n=3, warmup=3)
                else:
                    log(
                        f"Measuring {len(pages)} pages on {db_name(url)}: {args.warmup} warm-up "
                        f"+ {args.requests} measured each, round-robin"
                    )
                    load_before = os.getloadavg()[0]
                    measure(browser, pages, n=args.requests, warmup=args.warmup)
                    load_after = os.getloadavg()[0]
                    wrk_results = []
                    if not args.no_wrk:
                        search = pages[3 + WRK_SEARCH]  # floor, bare, overblik, searches
                        for label, page in (("Søgning", search), ("Gulv", pages[0])):
                            log(f"wrk on {page.path} for {args.wrk_seconds} s")
                            wrk_results.append(
                                (
                                    label,
                                    page.path,
                                    wrk(
                                        args.port,
                                        page.path,
                                        target["sessions"],
                                        page.markers[0],
                                        args.wrk_seconds,
                                    ),
                                )
                            )
            results[key] = pages

    big, small = results["big"], {p.label: p for p in results["small"]}
    body = table(big, small)
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
    if errors:
        print(f"\nErrors: {errors}")
    if not args.no_write:
        text = section(
            info=info,
            sizes=targets["big"]["sizes"],
            small_sizes=targets["small"]["sizes"],
            body=body,
            wrk_md=wrk_md,
            load={"before": load_before, "after": load_after},
            command=command,
            n=args.requests,
            warmup=args.warmup,
            errors=errors,
        )
        write_results(args.output, text)
        log(f"\nWrote {args.output}")


if __name__ == "__main__":
    main()
