"""The tariff import as a background job (the job pipeline of partnership.jobs, the same job
page and progress as the reports): the checked file waits in the file store between the
preview and the confirmation; confirming orders a job that checks the rows again and saves
them all or none (importer.apply_import), with progress "N af M" tariffs, a Danish reason
when it fails, and a receipt (CSV) of what it saved.

The stored preview holds the rows as read and checked (importer.ImportResult), with any CPR
number already taken out of the cells, never the uploaded file itself."""

from __future__ import annotations

import gzip
import json
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from offers.models import Tariff, TariffAddOn, TariffUnit
from partnership import formats, jobs
from partnership.exports import csv_text
from partnership.models import Job, User

from . import importer

KIND = "tariff_import"
FOLDER = "imports"


def register() -> None:
    """Called from OffersConfig.ready()."""
    jobs.register(KIND, render_import)


# --- The checked file, between the preview and the job -------------------------------------


def store_result(result: importer.ImportResult, *, user: User) -> str:
    """Save a checked file's rows in the file store (shared by web and worker processes);
    returns the name to load it by."""
    data = gzip.compress(json.dumps(result.to_json()).encode(), compresslevel=5)
    name = f"{FOLDER}/{user.pk}/{secrets.token_urlsafe(16)}.json.gz"
    return default_storage.save(name, ContentFile(data))


def load_result(name: str) -> importer.ImportResult | None:
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return importer.ImportResult.from_json(json.loads(gzip.decompress(handle.read())))


def delete_result(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


# --- The job --------------------------------------------------------------------------------


def order_import(*, stored: str, filename: str, count: int, by: User) -> Job:
    """Queue the saving of a checked file. Raises partnership.jobs.QueueUnavailable."""
    title = ngettext(
        "Indlæsning af %(n)s takst fra %(file)s",
        "Indlæsning af %(n)s takster fra %(file)s",
        count,
    ) % {"n": formats.number(count, 0), "file": filename[:150]}
    return jobs.order_job(
        kind=KIND,
        title=title,
        params={"stored": stored, "filename": filename, "count": count},
        by=by,
    )


def render_import(job: Job, progress: jobs.Progress) -> tuple[str, bytes]:
    """Save the stored rows as job.ordered_by, all or none, and return the receipt. Safe to
    run twice: the ids of what was saved are recorded on the job in the same transaction, so
    a second delivery only writes the receipt again."""
    params = dict(job.params)
    if "saved" not in params:
        result = load_result(params.get("stored", ""))
        if result is None:
            raise jobs.JobFailed(
                _("Intet er gemt. Den indlæste fil findes ikke længere. Upload filen igen.")
            )
        try:
            with transaction.atomic():
                saved = importer.apply_import(
                    rows=result.rows, by=job.ordered_by, progress=progress
                )
                params["saved"] = [t.pk for t in saved]
                Job.objects.filter(pk=job.pk).update(params=params)
        except importer.ImportFailed as exc:
            raise jobs.JobFailed(
                _("Intet er gemt. %(error)s Ret filen, og upload den igen.") % {"error": exc}
            ) from exc
        except ValueError as exc:  # rows stored with errors: never confirmed by the pages
            raise jobs.JobFailed(_("Intet er gemt. Filen har fejl. Upload den igen.")) from exc
        transaction.on_commit(lambda: delete_result(params.get("stored", "")))
        ids = params["saved"]
        names = {r.values["offer_id"]: r.offer_name for r in result.rows if r.is_tariff}
        lines = [
            (t.offer_id, names.get(t.offer_id, ""), t, [a.name for a in t.imported_addons])
            for t in saved
        ]
    else:  # a second delivery of a finished import: the receipt again, from the database
        ids = params["saved"]
        lines = _saved_lines(ids)
    progress(len(ids), len(ids))
    return receipt_name(params.get("filename", "")), receipt(lines)


def receipt_name(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0][:80] or "takster"
    return f"kvittering-{stem}.csv"


def _saved_lines(tariff_ids: list[int]) -> list[tuple[int, str, Tariff, list[str]]]:
    addons: dict[int, list[str]] = {}
    for tariff_id, name in (
        TariffAddOn.objects.filter(tariff_id__in=tariff_ids)
        .order_by("pk")
        .values_list("tariff_id", "name")
    ):
        addons.setdefault(tariff_id, []).append(name)
    return [
        (t.offer_id, t.offer.name, t, addons.get(t.pk, []))
        for t in Tariff.objects.filter(pk__in=tariff_ids).select_related("offer").order_by("pk")
    ]


def receipt(lines: list[tuple[int, str, Tariff, list[str]]]) -> bytes:
    """What was saved, one row per tariff in the file's order, for Danish Excel."""
    rows: list[list] = [
        [
            _("tilbud_id"),
            _("tilbud"),
            _("takstår"),
            _("version"),
            _("takst"),
            _("enhed"),
            _("moms_inkluderet"),
            _("overhead"),
            _("tillægsydelser"),
        ]
    ]
    units = {value: str(label) for value, label in TariffUnit.choices}
    yes, no = _("ja"), _("nej")
    for offer_id, offer, t, addons in lines:
        rows.append(
            [
                offer_id,
                offer,
                t.year,
                t.version,
                t.price,
                units.get(t.unit, t.unit),
                yes if t.vat_included else no,
                t.overhead_amount,
                ", ".join(addons),
            ]
        )
    return csv_text(rows).encode("utf-8")
