#!/usr/bin/env python
"""Benchmark the whole-catalogue open-data download and write its section of bench/RESULTS.md.

    .venv/bin/python bench/run_opendata.py            # fresh database, 10,000 offers, measure
    .venv/bin/python bench/run_opendata.py --reuse    # measure again on the existing data

Unless --reuse, the database `partnerskab_bench_opendata` on 127.0.0.1:5432 (user postgres)
is dropped and created, migrated and filled by bench/generate.py. Then, in this process with
Django's test Client, logged in as a caseworker from Slagelse, with DEBUG off:

- the floor: an empty view behind login (a bench-only URL, through the full middleware),
- /aabne-data/tilbud.csv and /aabne-data/tilbud.json without filters (every
  published offer), the streamed body read to its end.

Time: from the request until the last byte of the body. Memory: this process's peak RSS
(VmHWM, reset through /proc/self/clear_refs before each request) above its RSS just before
the request, and the RSS it keeps after the request. The section goes between
`<!-- opendata:start -->` and `<!-- opendata:end -->` (appended when the markers are missing).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):  # the project, and run_search.py
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# The search bench's database, Django set-up (with the floor's URL) and RESULTS.md writer.
from run_search import recreate_database, setup_django, write_marked_section  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench_opendata"
USER_EMAIL = "sagsbehandler.slagelse@portal.example"
FLOOR_PATH = "/__bench__/tom/"
PATHS = {
    "Open data CSV, whole catalogue": "/aabne-data/tilbud.csv",
    "Open data JSON, whole catalogue": "/aabne-data/tilbud.json",
}
START, END = "<!-- opendata:start -->", "<!-- opendata:end -->"


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def fetch(client, path: str) -> dict:
    """One GET read to the end: seconds, this process's CPU seconds, bytes, peak RSS above
    the start, RSS kept."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    assert response.status_code == 200, (path, response.status_code)
    peak = _status_mb("VmHWM")
    del response
    gc.collect()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "bytes": size,
        "peak": peak - before,
        "kept": _status_mb("VmRSS") - before,
    }


def measure(client, *, n: int, warmup: int) -> dict[str, list[dict]]:
    rows = {"Floor: empty view behind login": FLOOR_PATH, **PATHS}
    for _ in range(warmup):
        for path in rows.values():
            fetch(client, path)
    samples: dict[str, list[dict]] = {label: [] for label in rows}
    for _ in range(n):  # round-robin
        for label, path in rows.items():
            samples[label].append(fetch(client, path))
    return samples


def section(samples: dict[str, list[dict]], *, n: int, warmup: int, offers: int, load) -> str:
    floor = statistics.median(s["seconds"] for s in next(iter(samples.values())))
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = [
        "## Open data: the whole catalogue (bench/run_opendata.py)",
        "",
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} at commit {commit or '?'} (plus "
        f"the working tree) on {offers:,} published offers; load average {load[0]:.2f} before, "
        f"{load[1]:.2f} after, {os.cpu_count()} cores. Django's test Client in-process, DEBUG "
        f"off, logged in as {USER_EMAIL}; {warmup} warm-up and {n} measured requests per row, "
        "round-robin; the body read to its end. CPU: this process's CPU time for the request "
        "(the portal's Python; the database's work is in the wall time only). Peak: the "
        "process's VmHWM above its RSS before the request; kept: RSS after the request above it.",
        "",
        "| Row | p50 ms | min–max ms | × floor | CPU p50 ms | Bytes | Peak MB | Kept MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rows in samples.items():
        times = [s["seconds"] * 1000 for s in rows]
        p50 = statistics.median(times)
        cpu = statistics.median(s["cpu"] * 1000 for s in rows)
        lines.append(
            f"| {label} | {p50:.1f} | {min(times):.1f}–{max(times):.1f} | "
            f"{p50 / (floor * 1000):.0f} | {cpu:.1f} | {rows[0]['bytes']:,} | "
            f"{max(s['peak'] for s in rows):.1f} | {max(s['kept'] for s in rows):.1f} |"
        )
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    write_marked_section(path, text, START, END)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="measure on the existing database")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    os.environ.pop("CELERY_BROKER_URL", None)
    if not args.reuse:
        recreate_database(args.database_url)
        env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "1"}
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run(
            [python, "bench/generate.py", "--offers", str(args.offers)]
            + ["--providers", str(args.providers)],
            env=env,
            check=True,
        )
    setup_django(args.database_url)
    from django.test import Client

    from offers.models import Offer, OfferStatus
    from partnership.models import User

    client = Client()
    client.force_login(User.objects.get(email=USER_EMAIL))
    published = Offer.objects.filter(status=OfferStatus.PUBLISHED).count()
    load_before = os.getloadavg()[0]
    samples = measure(client, n=args.runs, warmup=args.warmup)
    text = section(
        samples,
        n=args.runs,
        warmup=args.warmup,
        offers=published,
        load=(load_before, os.getloadavg()[0]),
    )
    print(text)
    if not args.no_write:
        write_section(args.output, text)
        print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
