"""The provider's tariff import: download a template, upload it filled in, see every row
with its errors, and save all rows or none. Reading and checking is offers.imports.importer;
saving is a background job (offers.imports.jobs), followed on the job page."""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offers import permissions
from offers.models import PriceUnit, TariffUnit
from offers.selectors import current_year
from partnership import formats
from partnership import jobs as job_pipeline
from partnership.models import JobStatus
from partnership.views import member_required

from . import importer, jobs
from .forms import MAX_UPLOAD_MB, TariffImportForm

SESSION_PREFIX = "tariff_import:"


def provider_editor_required(view):
    """A member who edits at least one provider's offers."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_provider_editor(request.user):
            raise PermissionDenied(_("Kun leverandørernes redaktører kan indlæse takster."))
        return view(request, *args, **kwargs)

    return wrapper


def _session_key(key: str) -> str:
    return SESSION_PREFIX + key


def _stored(request, key: str) -> dict | None:
    """The session's entry for an uploaded file: who, the file name, where the checked rows
    are stored (offers.imports.jobs.store_result), whether they can be saved and how many
    tariffs they make."""
    entry = request.session.get(_session_key(key))
    if not entry or entry.get("user") != request.user.pk:
        return None
    return entry


def _store(request, key: str, result: importer.ImportResult, filename: str) -> None:
    request.session[_session_key(key)] = {
        "user": request.user.pk,
        "filename": filename,
        "stored": jobs.store_result(result, user=request.user),
        "valid": result.is_valid,
        "to_save": len(result.rows_to_save),
    }


def _forget_all(request) -> None:
    """One import at a time per session: a new upload drops the old one (and its stored
    rows; a confirmed one belongs to its job and is no longer in the session)."""
    for name in [k for k in request.session.keys() if k.startswith(SESSION_PREFIX)]:
        jobs.delete_result(request.session[name].get("stored", ""))
        del request.session[name]


def _expired(request):
    messages.error(
        request,
        _(
            "Importen findes ikke længere – den er gemt, eller sessionen er udløbet. Upload filen igen."
        ),
    )
    return redirect("offers:tariff_import")


@provider_editor_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    if request.method == "POST":
        form = TariffImportForm(request.POST, request.FILES)
    else:
        form = TariffImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importer.parse_import(
            data=form.data_bytes, filename=upload.name, user=request.user
        )
        if result.file_errors:
            for error in result.file_errors:
                form.add_error("file", str(error))
        else:
            _forget_all(request)
            key = secrets.token_urlsafe(12)
            _store(request, key, result, upload.name)
            return redirect("offers:tariff_import_preview", key=key)
    return render(
        request,
        "offers/import_start.html",
        {
            "form": form,
            "guide": importer.TEMPLATE_GUIDE,
            "required": importer.REQUIRED_COLUMNS,
            "max_rows": formats.number(importer.MAX_ROWS, 0),
            "max_mb": MAX_UPLOAD_MB,
        },
    )


def _names(names: list[str]) -> str:
    return ", ".join(f"«{n}»" for n in names)


def _display(row: importer.ImportRow) -> dict:
    """What the preview shows for a row: the value as it will be saved, Danish style, or
    the file's own text where it could not be read."""
    v, cells = row.values, row.cells

    def shown(column, text):
        return cells.get(column, "") if row.has_error(column) or not text else text

    occupancy = v.get("occupancy_percent")
    addon = ""
    if v.get("addon_name"):
        unit = (
            str(PriceUnit(v["addon_unit"]).label) if v.get("addon_unit") in PriceUnit.values else ""
        )
        price = formats.kr(v.get("addon_price"))
        addon = " ".join(p for p in (v["addon_name"] + ":", price, unit) if p)
    notes = []
    if row.kept_addons:
        if row.kept_from_year:
            notes.append(
                _("føres videre fra %(year)s: %(names)s")
                % {"year": row.kept_from_year, "names": _names(row.kept_addons)}
            )
        else:
            notes.append(_("beholdes: %(names)s") % {"names": _names(row.kept_addons)})
    if row.removed_addons:
        notes.append(_("fjernes (erstat): %(names)s") % {"names": _names(row.removed_addons)})
    elif row.is_tariff and v.get("addon_action") == importer.AddonAction.REPLACE and not addon:
        notes.append(_("ingen tillægsydelser (erstat)"))
    if notes:
        addon = f"{addon} ({'; '.join(notes)})" if addon else "; ".join(notes)
    if row.skipped:
        action = _("Springes over – ingen takst udfyldt")
    elif row.action == importer.Action.ADDON and row.head:
        action = _("Tillægsydelse til taksten i række %(row)s") % {"row": row.head}
    elif row.errors or row.version is None:
        action = ""
    elif row.action == importer.Action.CORRECTION:
        action = _("Rettelse, version %(version)s") % {"version": row.version}
    else:
        action = _("Ny takst, version %(version)s") % {"version": row.version}
    if action and row.replaces_draft:
        action += " " + _("(erstatter kladden)")
    vat = v.get("vat_included")
    overhead = v.get("overhead_amount")
    overhead_text = overhead is not None and formats.kr(overhead)
    if overhead_text and row.kept_overhead:
        overhead_text = _("%(amount)s (beholdes)") % {"amount": overhead_text}
    return {
        "number": row.number,
        "offer_id": cells.get(importer.COL_OFFER_ID, ""),
        "offer": row.offer_name or cells.get(importer.COL_OFFER, "") or "–",
        "year": shown(importer.COL_YEAR, v.get("year") and str(v["year"])),
        "price": shown(importer.COL_PRICE, v.get("price") and formats.kr(v["price"])),
        "unit": shown(
            importer.COL_UNIT, v.get("unit") in TariffUnit.values and TariffUnit(v["unit"]).label
        ),
        "occupancy": shown(
            importer.COL_OCCUPANCY,
            # Not `occupancy % 1`: a refused figure of 29+ digits cannot be divided.
            occupancy is not None
            and formats.pct(occupancy, 0 if occupancy == int(occupancy) else 2),
        ),
        "vat": shown(importer.COL_VAT, vat is not None and (_("Ja") if vat else _("Nej"))),
        "overhead": shown(importer.COL_OVERHEAD, overhead_text),
        "addon": addon,
        "reason": v.get("reason", ""),
        "action": action,
        "errors": [str(e) for e in row.errors],
        "warnings": row.warnings,
        "skipped": row.skipped,
    }


@provider_editor_required
@require_GET
def import_preview(request, key):
    entry = _stored(request, key)
    result = entry and jobs.load_result(entry["stored"])
    if not result:
        return _expired(request)
    return render(
        request,
        "offers/import_preview.html",
        {
            "key": key,
            "filename": entry["filename"],
            "rows": [_display(r) for r in result.rows],
            "errors": [str(e) for e in result.errors],
            "to_save": len(result.rows_to_save),
            "skipped": len([r for r in result.rows if r.skipped]),
            "can_save": result.is_valid,
        },
    )


def _queue_down() -> str:
    return _(
        "Baggrundskøen kan ikke nås lige nu, så taksterne kan ikke gemmes. Intet er gemt. "
        "Prøv igen om lidt, eller kontakt sekretariatet, hvis det varer ved."
    )


@provider_editor_required
@require_POST
def import_confirm(request, key):
    """Queue the saving as a job and show its page; the job checks every row again."""
    entry = _stored(request, key)
    if entry is None:
        return _expired(request)
    if not entry.get("valid"):
        return redirect("offers:tariff_import_preview", key=key)
    try:
        job = jobs.order_import(
            stored=entry["stored"],
            filename=entry["filename"],
            count=entry["to_save"],
            by=request.user,
        )
    except job_pipeline.QueueUnavailable:
        messages.error(request, _queue_down())
        return redirect("offers:tariff_import_preview", key=key)
    # The stored rows now belong to the job; the same preview cannot be saved twice.
    del request.session[_session_key(key)]
    job.refresh_from_db()
    if job.status == JobStatus.DONE:  # run at once (no broker: development, tests)
        messages.success(
            request,
            ngettext(
                "%(n)s takst er gemt og offentliggjort.",
                "%(n)s takster er gemt og offentliggjort.",
                len(job.params.get("saved", [])),
            )
            % {"n": len(job.params.get("saved", []))},
        )
    elif job.status != JobStatus.FAILED:
        messages.success(
            request,
            _(
                "Taksterne gemmes nu. Du kan følge det her. Intet bliver offentliggjort, før "
                "alle rækker er gemt."
            ),
        )
    return redirect(job)


@provider_editor_required
@require_GET
def import_template(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = importer.template_rows(request.user)
    filename = f"takster-skabelon-{current_year()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(importer.template_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            importer.template_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
