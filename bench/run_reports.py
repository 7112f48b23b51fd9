#!/usr/bin/env python
"""Benchmark the takstoversigt PDF in a real Celery worker next to bare typst.

    .venv/bin/python bench/run_reports.py            # fresh database, 1,000 offers, measure
    .venv/bin/python bench/run_reports.py --reuse    # measure again on the existing data

Unless --reuse, the database `partnerskab_bench_reports` on 127.0.0.1:5432 (user postgres)
is dropped and created, migrated and filled by bench/generate.py with 1,000 offers, all
published, so the takstoversigt for the current year has one row per offer. Then, in one
run and round-robin (run i of every row before run i+1 of any):

(a) the job kind "takstoversigt" (PDF, no filters) ordered with partnership.jobs.order_job
    and run by a real worker process (`celery -A config worker --pool=prefork
    --concurrency=1` on a queue of its own, Redis as broker): wall time from the order to
    the Job row saying done (polled), the job's own started_at -> finished_at, the
    peak RSS (VmHWM) of the prefork child that runs it, reset before each job, and the
    RSS (VmRSS) of the worker's child once the job is done (after N reports in a row: a
    child past CELERY_WORKER_MAX_MEMORY_PER_CHILD is replaced by a fresh one);
(b) building the same data and document (offers.reports.overview.tariff_overview +
    tariff_overview_document, the JSON the typst file is filled with) in a fresh Python
    process with the project's settings;
(c) bare typst on that JSON, typst.compile(offers/reports/tariff_overview.typ), in a fresh
    process each time: the first compile in the process (what a fresh worker child pays)
    and a second one (what typst memoised in the process saves);
(d) the same with pdf_standards=["ua-1"], which is what partnership.pdf.render_typst_pdf does.

(Until issue 17 the takstoversigt was HTML laid out by WeasyPrint: 22.4 s in the worker for
1,000 offers on this machine; bench/RESULTS.md's history in git has those runs.)

The worker gets --warmup unmeasured jobs first. The fresh processes of (b)-(d) warm up
inside themselves (a first, untimed pass), so they compare with the warmed-up worker.
The section between the markers below in bench/RESULTS.md is written (or appended);
the rest of the file (the search benchmark) is left as it is.

This file is also its own helper: `run_reports.py --child document|typst ...` is what the
fresh processes run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):  # the project, and generate.py / run_search.py
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench_reports"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
USER_EMAIL = "sekretariat@portal.example"
START = "<!-- reports:start -->"
END = "<!-- reports:end -->"
POLL = 0.05  # seconds between looks at the Job row
SETTLE = 3.0  # seconds to wait after a job for its child to leave, if it recycles
MB = 1024 * 1024
TARGET_S = 15  # issue 17: the 1,000-offer takstoversigt in the worker
# billiard's warning when a prefork child recycles (worker_max_memory_per_child):
# "child process exiting after exceeding memory limit (<ru_maxrss>KiB / <limit>KiB)".
RECYCLED = re.compile(r"exceeding memory limit \((\d+)KiB / (\d+)KiB\)")


def report_params(year: int) -> dict:
    return {
        "year": year,
        "paragraphs": [],
        "target_groups": [],
        "municipality": "",
        "ownership": "",
        "provider": "",
        "branch": "",
        "format": "pdf",
    }


# --- /proc ----------------------------------------------------------------------------------


def _status_kb(pid: int | str, key: str) -> int | None:
    """A field of /proc/<pid>/status in kB (VmRSS, VmHWM), None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def children(pid: int) -> list[int]:
    """The direct children of pid: /proc/<pid>/task/*/children, else a scan of /proc."""
    found: set[int] = set()
    tasks = Path(f"/proc/{pid}/task")
    readable = False
    for task in tasks.glob("*") if tasks.exists() else []:
        try:
            found.update(int(x) for x in (task / "children").read_text().split())
            readable = True
        except OSError:
            pass
    if not readable:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # pid (comm) state ppid ...; comm may hold spaces and parentheses
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.add(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                pass
    return sorted(found)


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) pid has used, from /proc/<pid>/stat; None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    """pid exists and is not a zombie (an exited child not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def reset_hwm(pid: int) -> bool:
    """Reset the peak RSS (VmHWM) of pid to its current RSS (Linux >= 4.0, clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --- The fresh processes (--child) ----------------------------------------------------------


def _self_rss_mb() -> float:
    return (_status_kb("self", "VmRSS") or 0) / 1024


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def child_document(year: int, json_out: str | None) -> dict:
    """Build the takstoversigt's data and its document (what the typst file is filled with)
    twice (the first pass warms up: connection, imports); report the second, then the data
    once more with the job's per-offer progress UPDATE (what run_job's progress callback
    does) to see what that costs."""
    import django

    django.setup()
    from django.db import connection
    from django.utils.translation import override

    from offers.reports.filters import OverviewFilters
    from offers.reports.overview import tariff_overview, tariff_overview_document
    from partnership.models import Job, JobStatus, User

    baseline = _self_rss_mb()
    filters = OverviewFilters.from_params(report_params(year))
    out: dict = {"rss_baseline_mb": baseline}
    with override("da"):
        for phase in ("cold", "warm"):
            t0 = time.perf_counter()
            overview = tariff_overview(year, filters)
            t1 = time.perf_counter()
            data = json.dumps(tariff_overview_document(overview), ensure_ascii=False)
            t2 = time.perf_counter()
            out[f"{phase}_data_s"], out[f"{phase}_document_s"] = t1 - t0, t2 - t1
            out[f"{phase}_total_s"] = t2 - t0
            rows = overview.count
            del overview
        out["maxrss_mb"] = _maxrss_mb()  # before the progress pass: the document only
        out["rows"], out["json_bytes"] = rows, len(data.encode())
        if json_out:
            Path(json_out).write_text(data, encoding="utf-8")
        # The data again, with the progress callback of partnership.tasks.run_job.
        job = Job.objects.create(
            kind="takstoversigt",
            title="bench: progress only",
            params=report_params(year),
            status=JobStatus.RUNNING,
            ordered_by=User.objects.get(email=USER_EMAIL),
        )

        def progress(done: int, total: int) -> None:
            Job.objects.filter(pk=job.pk).update(
                progress_done=min(done, total), progress_total=total
            )

        t0 = time.perf_counter()
        tariff_overview(year, filters, progress)
        out["progress_data_s"] = time.perf_counter() - t0
        Job.objects.filter(pk=job.pk).delete()
    connection.close()
    return out


def child_typst(json_path: str, variant: str) -> dict:
    """Bare typst, no Django: the takstoversigt's typst file filled with the document's
    JSON, compiled twice in this fresh process. The first compile is what a fresh worker
    child pays; the second reuses what typst memoised in the process (a worker child that
    stays keeps it). The system's fonts are found once first (as partnership.pdf does)."""
    data = Path(json_path).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    import typst

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fonts = typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)
    fonts_s = time.perf_counter() - t0
    baseline = _self_rss_mb()
    document = ROOT / "offers" / "reports" / "tariff_overview.typ"
    options = {"pdf_standards": ["ua-1"]} if variant == "ua" else {}
    times, cpu, pdf = [], 0.0, b""
    for _pass in ("cold", "warm"):
        c0 = time.process_time()
        t0 = time.perf_counter()
        pdf = typst.compile(
            str(document),
            root=str(document.parent),
            font_paths=fonts,
            sys_inputs={"data": data},
            **options,
        )
        times.append(time.perf_counter() - t0)
        cpu = cpu or time.process_time() - c0
    return {
        "typst": typst.__version__,
        "cpu_s": cpu,
        "import_s": import_s,
        "fonts_s": fonts_s,
        "total_s": times[0],
        "warm_s": times[1],
        "pages": pdf_page_count(pdf),
        "pdf_bytes": len(pdf),
        "rss_baseline_mb": baseline,
        "maxrss_mb": _maxrss_mb(),
    }


def run_child(args: list[str], env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- The worker -----------------------------------------------------------------------------


class Worker:
    """A real Celery worker process on a queue of its own (as tests/conftest.py's
    celery_worker_process), with the broker and media folder given."""

    def __init__(self, *, database_url: str, broker: str, media_root: str, log_path: str):
        self.queue = f"bench-reports-{uuid.uuid4().hex[:10]}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "CELERY_QUEUE": self.queue,
            "MEDIA_ROOT": media_root,
            "SECRET_KEY": "bench-only-not-a-secret",
            "DEBUG": "0",
        }
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "--concurrency=1",
                "--pool=prefork",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(ROOT),
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in Path(self.log_path).read_text() or self.proc.poll() is not None:
                break
            time.sleep(0.2)
        if self.proc.poll() is not None or "ready." not in Path(self.log_path).read_text():
            raise SystemExit(f"The worker did not start:\n{Path(self.log_path).read_text()}")

    def pool_child(self) -> int:
        kids = children(self.proc.pid)
        if len(kids) != 1:
            raise SystemExit(f"Expected one prefork child of the worker, found {kids}.")
        return kids[0]

    def recycled(self) -> list[int]:
        """The peak RSS (KiB) of each child that said it left past the memory limit, if
        billiard's warning reaches the log (it does not always)."""
        return [int(m[0]) for m in RECYCLED.findall(Path(self.log_path).read_text())]

    def settle(self, child: int) -> tuple[int, bool]:
        """After a job: the pool child that will take the next one, and whether the old
        one recycled (gave its memory back). A child past the memory limit exits after its
        task and the pool forks a fresh one a moment later; a child under it stays."""
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            if not _alive(child):
                break
            time.sleep(POLL)
        else:
            return child, False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            kids = [k for k in children(self.proc.pid) if _alive(k)]
            if len(kids) == 1 and kids[0] != child:
                time.sleep(1)  # the fresh child finishes starting
                return self.pool_child(), True
            time.sleep(POLL)
        raise SystemExit(f"No fresh pool child 30 s after {child} left.")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def run_worker_job(worker: Worker, user, year: int, timeout: float) -> dict:
    from partnership.jobs import order_job
    from partnership.models import Job, JobStatus

    child = worker.pool_child()
    rss_before = (_status_kb(child, "VmRSS") or 0) / 1024
    recycled_before = len(worker.recycled())
    reset = reset_hwm(child)
    hwm = 0  # VmHWM of the child, read while it runs: it may exit after the job
    cpu0 = cpu = _cpu_s(child) or 0.0
    main_before = (_status_kb(worker.proc.pid, "VmRSS") or 0) / 1024
    t0 = time.perf_counter()
    job = order_job(
        kind="takstoversigt",
        title=f"Takstoversigt {year} (bench)",
        params=report_params(year),
        by=user,
    )
    deadline = time.monotonic() + timeout
    while True:
        hwm = max(hwm, _status_kb(child, "VmHWM") or 0)
        cpu = _cpu_s(child) or cpu
        status = Job.objects.filter(pk=job.pk).values_list("status", flat=True).get()
        if status in (JobStatus.DONE, JobStatus.FAILED):
            wall = time.perf_counter() - t0
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"Job {job.pk} still {status} after {timeout} s")
        if worker.proc.poll() is not None:
            raise SystemExit(f"The worker died:\n{Path(worker.log_path).read_text()[-3000:]}")
        time.sleep(POLL)
    hwm = max(hwm, _status_kb(child, "VmHWM") or 0)
    cpu = _cpu_s(child) or cpu
    job.refresh_from_db()
    if job.status != JobStatus.DONE:
        raise SystemExit(f"Job {job.pk} failed: {job.error}")
    next_child, recycled = worker.settle(child)
    said = worker.recycled()[recycled_before:]
    if said:  # the exact peak, as the child itself measured it (ru_maxrss) on leaving
        hwm = max(hwm, said[-1])
    return {
        "wall_s": wall,
        "task_s": (job.finished_at - job.started_at).total_seconds(),
        "cpu_s": cpu - cpu0,
        "queue_s": (job.started_at - job.created_at).total_seconds(),
        "child_hwm_mb": hwm / 1024,
        "child_rss_before_mb": rss_before,
        "child_rss_after_mb": (_status_kb(next_child, "VmRSS") or 0) / 1024,
        "recycled": recycled,
        "hwm_reset": reset,
        "main_rss_mb": max(main_before, (_status_kb(worker.proc.pid, "VmRSS") or 0) / 1024),
        "pdf_bytes": job.result_file.size,
        "pdf_pages": pdf_page_count(Path(job.result_file.path).read_bytes()),
        "progress_total": job.progress_total,
    }


def pdf_page_count(pdf: bytes) -> int | None:
    """/Count of the page tree root, if it is readable (not in a compressed object stream)."""
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    return max(counts) if counts else None


# --- Reporting ------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    seconds: list[float]
    peak_mb: list[float] = field(default_factory=list)
    baseline_mb: list[float] = field(default_factory=list)
    note: str = ""


def _fmt_s(values: list[float]) -> str:
    return (
        f"{statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f}"
        if values
        else "| |"
    )


def _fmt_mb(values: list[float]) -> str:
    return f"{max(values):,.0f}" if values else ""


def table(rows: list[Row]) -> str:
    lines = [
        "| Row | p50 (s) | min (s) | max (s) | Peak RSS (MB) | RSS before (MB) | Notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {_fmt_s(r.seconds)} | {_fmt_mb(r.peak_mb)} | "
            f"{_fmt_mb(r.baseline_mb)} | {r.note} |"
        )
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Put `section` between the markers in path, or append it; nothing else changes."""
    from run_search import write_marked_section

    write_marked_section(path, section, START, END)


def machine_info(load: dict) -> list[str]:
    from run_search import machine

    info = machine()
    info["Load average (1 min) before / after measuring"] = (
        f"{load['before'][0]:.2f} / {load['after'][0]:.2f} on {os.cpu_count()} cores "
        f"(measuring took {load['seconds']:.0f} s; other processes on the machine count too)"
    )
    return [f"- {k}: {v}" for k, v in info.items()]


# --- Main -----------------------------------------------------------------------------------


def setup_django(url: str, broker: str, queue: str, media_root: str) -> None:
    import django

    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["CELERY_QUEUE"] = queue
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from config.celery import app

    # As the celery_worker_process fixture: not eager, the worker's own queue.
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    app.conf.broker_url = broker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="measure on the existing database")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker", default=DEFAULT_BROKER, help="Redis URL for Celery")
    parser.add_argument("--offers", type=int, default=1_000)
    parser.add_argument("--providers", type=int, default=70)
    parser.add_argument("-n", "--runs", type=int, default=3, help="measured runs per row")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured worker jobs first")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per job")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "document":
            result = child_document(int(rest[0]), rest[1] if len(rest) > 1 else None)
        else:
            result = child_typst(*rest)
        print(json.dumps(result))
        return

    raw_args = sys.argv[1:] if argv is None else argv
    command = " ".join(["bench/run_reports.py", *raw_args])
    from run_search import recreate_database

    if not args.reuse:
        print(f"Creating a fresh database: {args.database_url}")
        recreate_database(args.database_url)
    tmp = tempfile.TemporaryDirectory(prefix="bench-reports-")
    media_root = os.path.join(tmp.name, "media")
    os.makedirs(media_root)
    worker_queue_placeholder = "bench-reports-unset"
    setup_django(args.database_url, args.broker, worker_queue_placeholder, media_root)

    from django.db import connections
    from generate import REUSED, migrate_and_generate

    from offers.selectors import current_year
    from partnership.models import Job, User

    counts = migrate_and_generate(
        reuse=args.reuse,
        announce=f"Generating {args.offers:,} offers (all published) across {args.providers} providers ...",
        offers=args.offers,
        providers=args.providers,
        status_weights=(100, 0, 0),
    )
    generation = (
        REUSED
        if counts is None
        else f"{counts['seconds']:.0f} s (bench/generate.py, {args.offers:,} offers, all "
        f"published, {args.providers} providers)"
    )
    connections.close_all()
    Job.objects.filter(title__endswith="(bench)").delete()  # earlier runs' jobs (--reuse)

    year = current_year()
    user = User.objects.get(email=USER_EMAIL)
    child_env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "CELERY_BROKER_URL": "",  # the document child never queues anything
    }
    json_path = os.path.join(tmp.name, "takstoversigt.json")

    print("Starting the worker ...")
    worker = Worker(
        database_url=args.database_url,
        broker=args.broker,
        media_root=media_root,
        log_path=os.path.join(tmp.name, "worker.log"),
    )
    from config.celery import app

    app.conf.task_default_queue = worker.queue
    results: dict[str, list[dict]] = {"job": [], "document": [], "plain": [], "ua": []}
    memory: list[dict] = []  # the worker child after 0, 1, 2, ... reports in a row
    try:
        worker.wait_ready()
        print(
            f"  worker pid {worker.proc.pid}, pool child {worker.pool_child()}, queue {worker.queue}"
        )
        time.sleep(1)  # the child finishes starting
        memory.append(
            {
                "child_rss_mb": (_status_kb(worker.pool_child(), "VmRSS") or 0) / 1024,
                "main_rss_mb": (_status_kb(worker.proc.pid, "VmRSS") or 0) / 1024,
            }
        )
        for i in range(args.warmup):
            r = run_worker_job(worker, user, year, args.timeout)
            memory.append(_memory_after(r))
            print(
                f"  warm-up job {i + 1}: {r['wall_s']:.2f} s, child peak {r['child_hwm_mb']:.0f} MB"
                f", child after {r['child_rss_after_mb']:.0f} MB"
                + (" (recycled)" if r["recycled"] else "")
            )
        load_before = os.getloadavg()
        started = time.perf_counter()
        for i in range(args.runs):
            r = run_worker_job(worker, user, year, args.timeout)
            results["job"].append(r)
            memory.append(_memory_after(r))
            print(
                f"  run {i + 1}: job {r['wall_s']:.2f} s (task {r['task_s']:.2f} s), "
                f"child peak {r['child_hwm_mb']:.0f} MB, after {r['child_rss_after_mb']:.0f} MB"
                + (" (recycled)" if r["recycled"] else ""),
                end="",
            )
            h = run_child(["document", str(year), json_path], child_env)
            results["document"].append(h)
            print(f"; document {h['warm_total_s']:.2f} s", end="")
            for variant in ("plain", "ua"):
                w = run_child(["typst", json_path, variant], child_env)
                results[variant].append(w)
                print(f"; {variant} {w['total_s']:.2f} s / {w['maxrss_mb']:.0f} MB", end="")
            print()
        load = {
            "before": load_before,
            "after": os.getloadavg(),
            "seconds": time.perf_counter() - started,
        }
    finally:
        worker.stop()

    rows = build_rows(results)
    facts = results_facts(results, year)
    print()
    print(table(rows))
    print()
    print(memory_table(memory))
    print()
    print("\n".join(facts))
    if not args.no_write:
        section = render_section(
            rows=rows,
            facts=facts,
            machine=machine_info(load),
            generation=generation,
            command=command,
            n=args.runs,
            warmup=args.warmup,
            memory=memory,
        )
        write_section(args.output, section)
        print(f"\nWrote the reports section of {args.output}")
    tmp.cleanup()


def _memory_after(r: dict) -> dict:
    return {
        "child_rss_mb": r["child_rss_after_mb"],
        "main_rss_mb": r["main_rss_mb"],
        "peak_mb": r["child_hwm_mb"],
        "recycled": r["recycled"],
    }


def memory_table(memory: list[dict]) -> str:
    """RSS of the worker child after N reports in a row (warm-up and measured jobs alike)."""
    lines = [
        "| Row | Worker child RSS (MB) | Peak of the job's child (MB) | That child recycled | "
        "Worker main process RSS (MB) |",
        "|---|---:|---:|---|---:|",
    ]
    for n, m in enumerate(memory):
        label = (
            "RSS of the worker child at start (0 reports)"
            if n == 0
            else f"RSS of the worker child after {n} report{'s' if n > 1 else ''}"
        )
        peak = f"{m['peak_mb']:,.0f}" if "peak_mb" in m else ""
        recycled = ("yes" if m["recycled"] else "no") if "recycled" in m else ""
        lines.append(
            f"| {label} | {m['child_rss_mb']:,.0f} | {peak} | {recycled} | "
            f"{m['main_rss_mb']:,.0f} |"
        )
    return "\n".join(lines)


def max_memory_per_child() -> str:
    from django.conf import settings

    kb = getattr(settings, "CELERY_WORKER_MAX_MEMORY_PER_CHILD", None)
    tasks = getattr(settings, "CELERY_WORKER_MAX_TASKS_PER_CHILD", None)
    return (
        f"`CELERY_WORKER_MAX_MEMORY_PER_CHILD` {kb:,} KiB" if kb else "no memory limit per child"
    ) + (f", `CELERY_WORKER_MAX_TASKS_PER_CHILD` {tasks:,}" if tasks else "")


def build_rows(res: dict[str, list[dict]]) -> list[Row]:
    job, doc, plain, ua = res["job"], res["document"], res["plain"], res["ua"]
    queue = [j["queue_s"] for j in job]
    reset = all(j["hwm_reset"] for j in job)
    med = statistics.median
    hwm_note = (
        "peak: VmHWM of the prefork child, reset before each job"
        if reset
        else "peak: VmHWM of the prefork child since it started (could not be reset)"
    )
    return [
        Row(
            "(a) Worker: takstoversigt job, order → done",
            [j["wall_s"] for j in job],
            [j["child_hwm_mb"] for j in job],
            [j["child_rss_before_mb"] for j in job],
            f"order_job → Job row done (polled every {POLL * 1000:.0f} ms); {hwm_note}; "
            f"worker main process {max(j['main_rss_mb'] for j in job):.0f} MB",
        ),
        Row(
            "(a) Worker: the task, started_at → finished_at",
            [j["task_s"] for j in job],
            note=f"queue wait created_at → started_at {min(queue):.2f}–{max(queue):.2f} s",
        ),
        Row(
            "(a) Worker: CPU time of the child during the job",
            [j["cpu_s"] for j in job],
            note="user + system from /proc/<child>/stat, order → done: what the job costs "
            "whatever else the machine runs (one thread, so about its wall time on an idle core)",
        ),
        Row(
            "(b) Data: `tariff_overview()`",
            [h["warm_data_s"] for h in doc],
            note=f"fresh process, 2nd pass; 1st (cold) pass {med([h['cold_data_s'] for h in doc]):.2f} s",
        ),
        Row(
            "(b) Data with the job's per-offer progress UPDATE",
            [h["progress_data_s"] for h in doc],
            note="the same, with run_job's progress callback (one UPDATE of the Job row per offer)",
        ),
        Row(
            "(b) Document: `tariff_overview_document()` as JSON",
            [h["warm_document_s"] for h in doc],
            note=f"1st (cold) pass {med([h['cold_document_s'] for h in doc]):.2f} s",
        ),
        Row(
            "(b) Data + document",
            [h["warm_total_s"] for h in doc],
            [h["maxrss_mb"] for h in doc],
            [h["rss_baseline_mb"] for h in doc],
            "fresh process with Django; peak: ru_maxrss over both passes",
        ),
        *[
            row
            for label, runs in (
                ("(c) Bare typst `compile()`", plain),
                ('(d) Bare typst `compile(pdf_standards=["ua-1"])`', ua),
            )
            for row in (
                Row(
                    label,
                    [w["total_s"] for w in runs],
                    [w["maxrss_mb"] for w in runs],
                    [w["rss_baseline_mb"] for w in runs],
                    "fresh process without Django, its first compile, after finding the "
                    f"fonts ({med([w['fonts_s'] for w in runs]):.2f} s); peak: ru_maxrss "
                    "over both compiles; CPU time (user + system) of the first p50 "
                    f"{med([w['cpu_s'] for w in runs]):.2f} s",
                ),
                Row(
                    f"{label[:3]} … compiled again in the same process",
                    [w["warm_s"] for w in runs],
                    note="what typst memoised in the process saves",
                ),
            )
        ],
    ]


def results_facts(res: dict[str, list[dict]], year: int) -> list[str]:
    job, doc, plain, ua = res["job"], res["document"], res["plain"], res["ua"]
    med = statistics.median
    job_pages = {j["pdf_pages"] for j in job}
    lines = [
        f"- Takstoversigt {year}, no filters, PDF: {doc[-1]['rows']:,} offers in the report "
        f"(the job's progress total: {job[-1]['progress_total']:,})",
        f"- Document (JSON): {doc[-1]['json_bytes']:,} bytes",
        f"- PDF from the worker job: {job[-1]['pdf_bytes']:,} bytes"
        + (f", {job_pages.pop()} pages" if len(job_pages) == 1 and None not in job_pages else ""),
        f"- PDF from bare typst: {plain[-1]['pages']} pages, {plain[-1]['pdf_bytes']:,} bytes "
        f"plain, {ua[-1]['pages']} pages, {ua[-1]['pdf_bytes']:,} bytes PDF/UA-1",
        f"- typst (Python package) {plain[-1]['typst']}: `import typst` "
        f"{med([w['import_s'] for w in plain + ua]):.2f} s (p50, fresh processes; not in the table)",
    ]
    return lines


def render_section(*, rows, facts, machine, generation, command, n, warmup, memory) -> str:
    job = next(r for r in rows if r.label.startswith("(a) Worker: the task"))
    cpu = next(r for r in rows if r.label.startswith("(a) Worker: CPU time"))
    ua = next(r for r in rows if r.label.startswith("(d) Bare typst `compile("))
    plain = next(r for r in rows if r.label.startswith("(c) Bare typst `compile("))
    doc = next(r for r in rows if r.label.startswith("(b) Data + document"))
    prog = next(r for r in rows if "progress" in r.label)
    data = next(r for r in rows if r.label.startswith("(b) Data: "))
    med = statistics.median
    rest = med(job.seconds) - med(ua.seconds) - med(doc.seconds)
    text = [
        "# Benchmark: takstoversigt PDF",
        "",
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `{command}`. Written by "
        "`bench/run_reports.py` between the `reports` markers, not edited by hand; "
        "see [README.md](README.md).",
        "",
        "## Machine",
        "",
        *machine,
        "",
        "## Data",
        "",
        f"- Generation: {generation}",
        *facts,
        "",
        "## Results",
        "",
        f"{n} measured runs per row after {warmup} warm-up job(s) in the worker, round-robin "
        "(worker job, then the document, plain and PDF/UA typst, each in its own fresh process; "
        "nothing else of the benchmark runs while the worker works). Seconds: p50 (median), "
        "min and max of the runs. Peak RSS: the highest of the runs, in MiB; RSS before: the "
        "process's RSS just before the measured work (worker child: before the job; fresh "
        "processes: after setup and warm-up), so peak minus before is what the work adds. "
        "The fresh processes start a new Python interpreter, while the worker child is forked from the worker, so their "
        "baselines differ.",
        "",
        table(rows),
        "",
        "Where the time goes (p50s): in the worker the task takes "
        f"{med(job.seconds):.2f} s; building the document {med(doc.seconds):.2f} s (data "
        f"{med(data.seconds):.2f} s, {med(prog.seconds):.2f} s with the per-offer progress "
        f"UPDATE), typst PDF/UA-1 {med(ua.seconds):.2f} s (plain "
        f"{med(plain.seconds):.2f} s, so PDF/UA adds "
        f"{med(ua.seconds) - med(plain.seconds):+.2f} s); the task minus document minus PDF/UA "
        f"leaves {rest:.2f} s for the progress UPDATEs, saving the file and the Job row and "
        "the difference between processes.",
        "",
        f"Against the target of issue 17 (≤ {TARGET_S:.0f} s in the worker): the job took "
        f"{med(job.seconds):.2f} s of wall time and {med(cpu.seconds):.2f} s of CPU time "
        "(p50s). On a machine busy with other work the wall time is the CPU time plus the "
        "waits for a core (see the load average above); the CPU time is what the job costs.",
        "",
        "## Worker memory",
        "",
        f"The worker runs with {max_memory_per_child()} (config/settings.py): a prefork child "
        "whose peak RSS (ru_maxrss) passed the limit exits after its task and the pool forks a "
        "fresh one. The rows below are the VmRSS of the worker's child in `/proc` after N "
        "takstoversigt jobs in a row (the warm-up job counts), read after the Job row says "
        f"done: once the pool has forked a fresh child if the old one left within {SETTLE:.0f} "
        "s, else from the child that stays. Beside it, the peak of the child that ran the "
        "job (VmHWM read every poll while it lived, or billiard's ru_maxrss if it logged "
        "one).",
        "",
        memory_table(memory),
        "",
    ]
    return "\n".join(text)


if __name__ == "__main__":
    main()
