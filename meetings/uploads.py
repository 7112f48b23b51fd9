"""Bilag to agenda items: PDF, DOCX, XLSX or PPTX of at most 25 MB, checked by content.

A PDF starts with %PDF-. DOCX, XLSX and PPTX are zip files (the shared sniff() sees "zip");
which of them a zip is follows from the part that Office Open XML puts in it."""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from partnership.uploads import check_size, sniff

MAX_MB = 25
ALLOWED = ("pdf", "docx", "xlsx", "pptx")
# The main part each Office Open XML format must hold.
OOXML_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
LABELS = {"pdf": "PDF", "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)", "pptx": "PowerPoint (PPTX)"}


def content_type(uploaded) -> str | None:
    """pdf, docx, xlsx or pptx by what the file holds, or None."""
    kind = sniff(uploaded)
    if kind == "pdf":
        return "pdf"
    if kind != "zip":
        return None
    try:
        uploaded.seek(0)
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    finally:
        uploaded.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for file_type, part in OOXML_MAIN_PART.items():
        if part in names:
            return file_type
    return None


def claimed_type(uploaded) -> str:
    name = getattr(uploaded, "name", "") or ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_attachment(uploaded) -> str:
    """The file's type, or a ValidationError in Danish saying what is wrong."""
    check_size(uploaded, MAX_MB)
    claimed = claimed_type(uploaded)
    if claimed not in ALLOWED:
        raise ValidationError(
            _("Bilag skal være PDF, Word (DOCX), Excel (XLSX) eller PowerPoint (PPTX).")
        )
    actual = content_type(uploaded)
    if actual != claimed:
        raise ValidationError(
            _(
                "Filen hedder .%(claimed)s, men indholdet er ikke en %(label)s-fil. Gem den "
                "igen i det rigtige format, og prøv igen."
            )
            % {"claimed": claimed, "label": LABELS[claimed]}
        )
    return actual
