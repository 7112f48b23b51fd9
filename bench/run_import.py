#!/usr/bin/env python
"""Benchmark the tariff import of a 10,000-row file next to bulk_create of the same rows, in
one run, and write the import section of bench/RESULTS.md.

    .venv/bin/python bench/run_import.py            # fresh database, 10,000 offers, 3 runs
    .venv/bin/python bench/run_import.py --reuse    # measure again on the existing data
    .venv/bin/python bench/run_import.py -n 1 --rows 2000 --no-write

Unless --reuse, the database `partnerskab_bench_import` on 127.0.0.1:5432 (user postgres) is
dropped, created and migrated, and gets the demo (organisations, logins, reference data) and
--rows offers of Bostedet Egelund, whose editor (leverandoer.a@portal.example) imports.

Each run takes a tariff year none of these offers has (with a PL rate) and, round-robin:

(a) bulk_create: the file's 10,000 tariffs and their add-ons built as model objects without
    any checks, `bulk_create` of the tariffs (as drafts) and of the add-ons, and one UPDATE
    that publishes them (the order the database's triggers allow), in a transaction that is
    rolled back afterwards, so the import finds the year empty (VACUUM ANALYZE of the
    tariff tables before (a) and again before (b), so neither steps over the other's dead
    rows);
(b) the import through the portal's own path, in this process with Django's test Client and
    DEBUG off: POST the file (read and checked: the upload request), GET the preview, POST
    the confirmation, which orders the job `tariff_import` (partnership.jobs.order_job; with
    no broker Celery runs it at once, in the request) that checks every row again and saves
    them in batches; then the Job row must say done and the year must have all tariffs.

The import's time is the confirmation (the job: check again, save, publish); the upload and
the preview are shown beside it. Queries are counted on the Django connection
(CaptureQueriesContext; the job's progress goes over a connection of its own). The notices
the import queues (to followers; to saved searches an offer now matches) are counted, not
run: in production they go to the broker and a worker sends them after the import.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from run_search import machine, recreate_database, setup_django, write_marked_section  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partnerskab_bench_import"
EDITOR = "leverandoer.a@portal.example"
PROVIDER = "bostedet-egelund"
PREFIX = "Importtilbud"
START, END = "<!-- import:start -->", "<!-- import:end -->"


class _Rollback(Exception):
    pass


def prepare(rows: int) -> dict:
    """The demo and `rows` offers of one provider (made once)."""
    import copy

    from offers.models import LegalParagraph, Offer
    from partnership import demo
    from partnership.models import Organisation, User

    if not User.objects.filter(email=EDITOR).exists():
        demo.seed()
    provider = Organisation.objects.get(slug=PROVIDER)
    have = Offer.objects.filter(name__startswith=PREFIX + " ").count()
    if have < rows:
        template = Offer(
            provider=provider,
            municipality=Organisation.objects.get(slug="slagelse"),
            address="Importvej 1",
            postal_code="4200",
            city="Slagelse",
            age_min=18,
            age_max=65,
            description="Et botilbud for voksne med autisme.",
            methods="Low arousal og struktur.",
            places=10,
            status="published",
        )
        paragraphs = list(LegalParagraph.objects.filter(code="SEL § 108"))
        made = []
        for i in range(have, rows):
            offer = copy.copy(template)
            offer.pk = None
            offer._state.adding = True
            offer.name = f"{PREFIX} {i:05d}"
            made.append(offer)
        Offer.objects.bulk_create(made, batch_size=2000)
        links = Offer.paragraphs.through
        links.objects.bulk_create(
            [links(offer_id=o.pk, legalparagraph_id=p.pk) for o in made for p in paragraphs],
            batch_size=5000,
        )
    offers = list(
        Offer.objects.filter(name__startswith=PREFIX + " ")
        .order_by("name")[:rows]
        .only("pk", "name")
    )
    return {"offers": offers, "editor": User.objects.get(email=EDITOR)}


def free_year(offers) -> int:
    """The next year none of the offers has a tariff for, with a PL rate."""
    from offers.models import RegulationRate, Tariff
    from offers.selectors import current_year

    last = (
        Tariff.objects.filter(offer__in=offers[:1]).order_by("-year").values_list("year", flat=True)
    ).first()
    year = max(current_year(), last or 0) + 1
    RegulationRate.objects.update_or_create(year=year, defaults={"rate": Decimal("2.40")})
    return year


def tariff_file(offers, year: int) -> bytes:
    """What a region's provider uploads: one row per offer with the tariff and one add-on."""
    from offers.imports import importer

    lines = [";".join(importer.COLUMNS)]
    for i, offer in enumerate(offers):
        row = dict.fromkeys(importer.COLUMNS, "")
        row.update(
            {
                importer.COL_OFFER_ID: str(offer.pk),
                importer.COL_OFFER: offer.name,
                importer.COL_YEAR: str(year),
                importer.COL_PRICE: f"{2000 + i % 900}.{i % 100:02d}".replace(".", ","),
                importer.COL_UNIT: "døgn" if i % 4 else "måned",
                importer.COL_OCCUPANCY: "95",
                importer.COL_VAT: "nej" if i % 3 else "ja",
                importer.COL_OVERHEAD: "150,00",
                importer.COL_ADDON_NAME: "Ledsagelse",
                importer.COL_ADDON_PRICE: "450,00",
                importer.COL_ADDON_UNIT: "time",
            }
        )
        if row[importer.COL_UNIT] == "måned":
            row[importer.COL_PRICE] = f"{60000 + i % 900},00"
        lines.append(";".join(row[c] for c in importer.COLUMNS))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def vacuum() -> None:
    """VACUUM ANALYZE of the tables both write, so each starts from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("offers_tariff", "offers_tariffaddon", "offers_currentprice"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def bulk(data: bytes, editor) -> dict:
    """(a) The same rows with bulk_create: no reading of cells, no checks; rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from offers.imports import importer
    from offers.models import Tariff, TariffAddOn, TariffStatus

    # The values as the import reads them, so both write exactly the same rows.
    _columns, raw = importer.read_rows(data, "takster.csv")
    values = [importer.parse_row(n, r).values for n, r in raw]
    out: dict = {}
    connection.queries_log.clear()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            tariffs = [
                Tariff(
                    offer_id=v["offer_id"],
                    year=v["year"],
                    version=1,
                    price=v["price"],
                    unit=v["unit"],
                    occupancy_percent=v["occupancy_percent"],
                    vat_included=v["vat_included"],
                    overhead_amount=v["overhead_amount"],
                    created_by=editor,
                )
                for v in values
            ]
            Tariff.objects.bulk_create(tariffs)
            TariffAddOn.objects.bulk_create(
                [
                    TariffAddOn(
                        tariff=t, name=v["addon_name"], price=v["addon_price"], unit=v["addon_unit"]
                    )
                    for t, v in zip(tariffs, values, strict=True)
                ]
            )
            Tariff.objects.filter(pk__in=[t.pk for t in tariffs]).update(
                status=TariffStatus.PUBLISHED, published_at=timezone.now(), published_by=editor
            )
            out["seconds"] = time.perf_counter() - start
            out["tariffs"] = len(tariffs)
            raise _Rollback
    except _Rollback:
        pass
    out["queries"] = len(ctx.captured_queries)
    return out


def imported(data: bytes, editor, year: int, rows: int) -> dict:
    """(b) Upload, preview, confirm: the portal's own path, the job run at once."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from offers.imports import jobs as import_jobs
    from offers.models import Tariff, TariffStatus
    from partnership.models import Job, JobStatus

    client = Client()
    client.force_login(editor)
    out: dict = {"queued": 0}
    # What the import queues for afterwards (notices to followers, saved searches) goes to
    # the broker in production and a worker sends it after the import; here it is counted,
    # not run, so the import's time is the import's.
    from offers.imports import importer

    real_notify = importer._notify

    def queued(tariff_ids, offer_ids):
        out["queued"] += len(tariff_ids) + bool(offer_ids)

    importer._notify = queued
    start = time.perf_counter()
    response = client.post(
        reverse("offers:tariff_import"), {"file": SimpleUploadedFile("takster.csv", data)}
    )
    out["upload"] = time.perf_counter() - start
    assert response.status_code == 302, response.content.decode()[:3000]
    preview = response["Location"]
    start = time.perf_counter()
    page = client.get(preview)
    out["preview"] = time.perf_counter() - start
    out["preview_bytes"] = len(page.content)
    assert page.status_code == 200 and "Gem alle" in page.content.decode(), "preview has errors"
    before = Job.objects.filter(kind=import_jobs.KIND).count()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(preview.rstrip("/") + "/gem/")
        out["seconds"] = time.perf_counter() - start
    out["queries"] = len(ctx.captured_queries)
    job = Job.objects.filter(kind=import_jobs.KIND).order_by("-pk").first()
    assert Job.objects.filter(kind=import_jobs.KIND).count() == before + 1
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    out["job"] = (job.finished_at - job.started_at).total_seconds()
    saved = Tariff.objects.filter(
        offer__name__startswith=PREFIX + " ", year=year, status=TariffStatus.PUBLISHED
    ).count()
    assert saved == rows, f"{saved} of {rows} tariffs saved"
    out["tariffs"] = saved
    importer._notify = real_notify
    return out


def _s(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f}"


def section(runs: list[dict], *, rows: int, command: str, load: dict, setup: str) -> str:
    info = machine()
    info["Load average (1 min) before / after measuring"] = (
        f"{load['before']:.2f} / {load['after']:.2f} on {os.cpu_count()} cores "
        f"(measuring took {load['seconds']:.0f} s; other processes on the machine count too)"
    )
    b = [r["bulk"]["seconds"] for r in runs]
    c = [r["import"]["seconds"] for r in runs]
    j = [r["import"]["job"] for r in runs]
    u = [r["import"]["upload"] for r in runs]
    p = [r["import"]["preview"] for r in runs]
    e = [r["import"]["upload"] + r["import"]["preview"] + r["import"]["seconds"] for r in runs]
    ratios = [r["import"]["seconds"] / r["bulk"]["seconds"] for r in runs]
    ratio = statistics.median(ratios)
    first = runs[0]
    from offers.imports import importer

    lines = [
        "# Benchmark: the tariff import",
        "",
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `{command}`. Written by "
        "`bench/run_import.py` between the `import` markers, not edited by hand; see "
        "[README.md](README.md).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "## Data",
        "",
        f"- {setup}",
        f"- The file: {rows:,} rows, one per offer (a tariff with one add-on), CSV "
        f"{first['bytes']:,} bytes; a new tariff year per run; batches of "
        f"{importer.BATCH_SIZE} tariffs",
        "",
        "## Results",
        "",
        f"{len(runs)} run(s), each (a) then (b) on the same rows. Seconds: p50 (median), min, "
        "max of the runs. Queries: on the Django connection, first run.",
        "",
        "| Row | p50 (s) | min (s) | max (s) | Queries | Notes |",
        "|---|---:|---:|---:|---:|---|",
        f"| (a) `bulk_create` of the same tariffs and add-ons, published by one UPDATE | {_s(b)} "
        f"| {first['bulk']['queries']} | no checks; rolled back afterwards |",
        f"| (b) Import: confirm → job done (check again, save, publish) | {_s(c)} | "
        f"{first['import']['queries']} | the confirmation request, the job run in it; "
        f"{first['import']['queued']} notice task(s) queued for a worker (not run here) |",
        f"| (b) … the job itself, started_at → finished_at | {_s(j)} |  |  |",
        f"| (b) Upload: read and check the file (web request) | {_s(u)} |  |  |",
        f"| (b) Preview page | {_s(p)} |  | {first['import']['preview_bytes']:,} bytes of HTML |",
        f"| (b) Upload + preview + confirm | {_s(e)} |  |  |",
        "",
        f"**The import (confirm → job done) took {ratio:.1f}× `bulk_create` of the same rows** "
        f"(p50 of the per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}); the target of "
        "issue 13 is at most 3×.",
    ]
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    write_marked_section(path, text, START, END)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="measure on the existing database")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("-n", "--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    os.environ.pop("CELERY_BROKER_URL", None)  # the job runs at once, in this process
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    data = prepare(args.rows)
    setup = (
        f"{'Reused' if args.reuse else 'Made'}: the demo and {args.rows:,} offers of one "
        f"provider ({time.perf_counter() - started:.0f} s)"
    )
    print(setup, flush=True)
    offers, editor = data["offers"], data["editor"]
    load_before = os.getloadavg()[0]
    measuring = time.perf_counter()
    runs = []
    for i in range(args.runs):
        year = free_year(offers)
        data_file = tariff_file(offers, year)
        vacuum()
        b = bulk(data_file, editor)
        vacuum()  # the rolled-back rows of (a) are not left for (b) to step over
        m = imported(data_file, editor, year, args.rows)
        runs.append({"bulk": b, "import": m, "bytes": len(data_file)})
        print(
            f"run {i + 1} ({year}): bulk_create {b['seconds']:.2f} s ({b['queries']} queries); "
            f"import: upload {m['upload']:.2f} s, preview {m['preview']:.2f} s, confirm → done "
            f"{m['seconds']:.2f} s ({m['queries']} queries, job {m['job']:.2f} s, "
            f"{m['queued']} tasks queued); "
            f"ratio {m['seconds'] / b['seconds']:.2f}",
            flush=True,
        )
    load = {
        "before": load_before,
        "after": os.getloadavg()[0],
        "seconds": time.perf_counter() - measuring,
    }
    command = "bench/run_import.py" + (
        "" if argv is None and len(sys.argv) < 2 else " " + " ".join(sys.argv[1:])
    )
    text = section(runs, rows=args.rows, command=command.strip(), load=load, setup=setup)
    print(text)
    if not args.no_write:
        write_section(args.output, text)
        print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
