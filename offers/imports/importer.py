"""The provider's tariff import: read a CSV or XLSX file of tariffs for many offers, check
every row, and save them all or none.

Reading follows what Danish Excel produces:

* CSV bytes: a UTF-8 BOM means UTF-8; otherwise UTF-8 if the bytes are valid UTF-8, else
  Windows-1252 (Excel's "CSV (semikolonsepareret)"). UTF-16 with a BOM ("Unicode-tekst")
  is read too. The separator is sniffed from the header row: ``;`` wins over tab, which
  wins over ``,``.
* XLSX: the first sheet, through openpyxl; numeric cells are read as numbers (never
  through text), and a cell formatted as percent (0,95 shown as 95 %) counts as 95.
* Row numbers are the ones Excel shows: the header is row 1, the first tariff row 2.

Decimal numbers written as text are read by the portal's one rule for Danish numbers,
``partnership.formats.parse_number``, as every form reads them:

* ``,`` is the decimal separator and ``.`` groups thousands: ``1.234,50``, ``1234,5``.
  Spaces (also non-breaking) are ignored, and so is a leading or trailing
  ``kr.``/``kr``/``DKK`` (and ``%`` in the occupancy column).
* A point is read as a decimal point only where it cannot be a thousands separator: one
  point with other than three digits after it (``1234.50``, ``95.5``).
* ``1.234`` (one point, three digits after it, no comma) is refused as ambiguous: it is
  1234 to a Dane and 1,234 to Excel in English. Several points that group digits in
  threes (``1.234.567``) can only be thousands.
* In whole-number columns (``tilbud_id``, ``takstår``) points that group thousands are
  allowed (``2.026`` is 2026), as Danish Excel writes a number formatted with separators
  (``partnership.formats.parse_whole_number``).
* Amounts may have at most two decimals (øre); trailing zeros do not count (``1234,500``
  is 1234,50).

A row whose tariff columns are all empty (as in the downloaded template, where only
``tilbud_id``, ``tilbud`` and ``takstår`` are filled in) is skipped, so a provider can
fill in some of its offers and upload the template as it is.

Several add-ons for one tariff: one row per add-on, with the same ``tilbud_id`` and
``takstår``. The tariff's own figures (``FIGURE_COLUMNS``: price, unit, occupancy, VAT,
overhead, add-on handling, reason) are written in one of these rows; in the others each such
cell is empty or holds the same value. A row with only add-on cells belongs to the row of
its offer and year that has the figures (``Action.ADDON``).

What the tariff already has is never dropped by omission:

* Add-ons: ``tillæg_handling`` says ``behold`` (also when empty) or ``erstat``. *behold*
  keeps the add-ons the tariff has (those of the year's draft, else of its latest published
  version; for a year with neither, those of last year's latest published version, as a new
  year starts from last year's add-ons); a file's add-on with the same name replaces that
  add-on, any other is added. *erstat* makes the file's add-ons the tariff's add-ons (none,
  if the file has none), and the preview names the add-ons that go.
* Overhead: an empty ``overhead`` cell keeps the overhead of the version the row replaces or
  corrects; ``ingen`` removes it. A year with no version has no overhead to keep.
* A correction started from a published version keeps its cost note, as a correction made
  in the form does; a draft that is filled in keeps its own.

Saving (``apply_import``, run by the background job ``tariff_import``, offers/imports/jobs.py)
checks and writes in batches of ``BATCH_SIZE`` tariffs in one transaction (all rows or
none): per batch the offers are locked, the rows are checked again against the database
(``check_rows``: a fixed number of queries), every tariff and add-on is checked by the
models' own rules (``full_clean``), and then written with a fixed number of statements
(``bulk_create``/``bulk_update`` as drafts with their add-ons, then one ``UPDATE`` that
publishes them, the order the database's triggers allow). The constraints and triggers
(offers migrations 0002, 0005, 0006) are the last word.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers import permissions, pricing, services
from offers.models import (
    Offer,
    PriceUnit,
    RegulationRate,
    Tariff,
    TariffAddOn,
    TariffStatus,
    TariffUnit,
)
from offers.selectors import current_year
from partnership import formats
from partnership.exports import XlsxWorkbook, csv_text
from partnership.lazy import lazy_module
from partnership.models import User
from partnership.validators import CPR_MESSAGE, looks_like_cpr, redact_cpr_text

log = logging.getLogger(__name__)
# openpyxl (reading only) when the first XLSX file is read (partnership/lazy.py).
openpyxl_reader = lazy_module("openpyxl.reader.excel")

# --- The file format -----------------------------------------------------------------------

COL_OFFER_ID = "tilbud_id"
COL_OFFER = "tilbud"
COL_YEAR = "takstår"
COL_PRICE = "takst"
COL_UNIT = "enhed"
COL_OCCUPANCY = "belægning_pct"
COL_VAT = "moms_inkluderet"
COL_OVERHEAD = "overhead"
COL_ADDON_NAME = "tillæg_navn"
COL_ADDON_PRICE = "tillæg_pris"
COL_ADDON_UNIT = "tillæg_enhed"
COL_ADDON_ACTION = "tillæg_handling"
COL_REASON = "begrundelse"

COLUMNS = [
    COL_OFFER_ID,
    COL_OFFER,
    COL_YEAR,
    COL_PRICE,
    COL_UNIT,
    COL_OCCUPANCY,
    COL_VAT,
    COL_OVERHEAD,
    COL_ADDON_NAME,
    COL_ADDON_PRICE,
    COL_ADDON_UNIT,
    COL_ADDON_ACTION,
    COL_REASON,
]
REQUIRED_COLUMNS = [COL_OFFER_ID, COL_YEAR, COL_PRICE, COL_UNIT, COL_OCCUPANCY, COL_VAT]
# The columns a provider fills in; a row with all of them empty is skipped.
TARIFF_COLUMNS = [c for c in COLUMNS if c not in (COL_OFFER_ID, COL_OFFER, COL_YEAR)]

# The tariff's own figures, given once per offer and year (the other rows of the same offer
# and year carry one add-on each), with the value each is read into.
FIGURE_COLUMNS = {
    COL_PRICE: "price",
    COL_UNIT: "unit",
    COL_OCCUPANCY: "occupancy_percent",
    COL_VAT: "vat_included",
    COL_OVERHEAD: "overhead_amount",
    COL_ADDON_ACTION: "addon_action",
    COL_REASON: "reason",
}
ADDON_COLUMNS = (COL_ADDON_NAME, COL_ADDON_PRICE, COL_ADDON_UNIT)
# Each column and the value it is read into (ImportRow.values).
COLUMN_VALUES = {
    COL_OFFER_ID: "offer_id",
    COL_OFFER: "offer_label",
    COL_YEAR: "year",
    **FIGURE_COLUMNS,
    COL_ADDON_NAME: "addon_name",
    COL_ADDON_PRICE: "addon_price",
    COL_ADDON_UNIT: "addon_unit",
}

# A whole region's year of tariffs, with room for several add-ons per tariff.
MAX_ROWS = 20_000
# Tariffs checked and written together; the queries per batch do not grow with it.
BATCH_SIZE = 1000
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
CENT = Decimal("0.01")

# The tariff rules are the model's (offers.models.Tariff, TariffAddOn): a row is checked by
# building the unsaved objects and calling full_clean(); each field's error is shown in its
# column.
TARIFF_FIELD_COLUMNS = {
    "year": COL_YEAR,
    "price": COL_PRICE,
    "unit": COL_UNIT,
    "occupancy_percent": COL_OCCUPANCY,
    "vat_included": COL_VAT,
    "overhead_amount": COL_OVERHEAD,
    "correction_reason": COL_REASON,
}
ADDON_FIELD_COLUMNS = {
    "name": COL_ADDON_NAME,
    "price": COL_ADDON_PRICE,
    "unit": COL_ADDON_UNIT,
}

UNIT_WORDS = {
    "døgn": TariffUnit.DAY,
    "måned": TariffUnit.MONTH,
    "md": TariffUnit.MONTH,
    "mdr": TariffUnit.MONTH,
}
ADDON_UNIT_WORDS = {
    "time": PriceUnit.HOUR,
    "timer": PriceUnit.HOUR,
    "døgn": PriceUnit.DAY,
    "måned": PriceUnit.MONTH,
    "md": PriceUnit.MONTH,
    "mdr": PriceUnit.MONTH,
    "km": PriceUnit.KM,
    "individuel": PriceUnit.INDIVIDUAL,
    "individuel pris": PriceUnit.INDIVIDUAL,
    "individuel takst": PriceUnit.INDIVIDUAL,
}


class AddonAction:
    KEEP = "keep"  # behold: the tariff's add-ons stay; the file's are added or replace
    REPLACE = "replace"  # erstat: the file's add-ons are the tariff's add-ons


ADDON_ACTION_WORDS = {
    "behold": AddonAction.KEEP,
    "bevar": AddonAction.KEEP,
    "erstat": AddonAction.REPLACE,
    "udskift": AddonAction.REPLACE,
}
NO_OVERHEAD_WORDS = {"ingen", "intet"}
TRUE_WORDS = {"ja", "j", "x", "sand", "true", "yes", "1"}
FALSE_WORDS = {"nej", "n", "falsk", "false", "no", "0"}

DECIMAL_VALUES = ("price", "occupancy_percent", "overhead_amount", "addon_price")
# Every value parse_row reads (ImportRow.values).
VALUE_NAMES = (
    "offer_label",
    "offer_id",
    "year",
    "price",
    "unit",
    "occupancy_percent",
    "vat_included",
    "overhead_keep",
    "overhead_amount",
    "addon_name",
    "addon_price",
    "addon_unit",
    "addon_action",
    "reason",
)


def fold(text: str) -> str:
    """Lower case, Danish letters spelled the ASCII way, runs of spaces, dashes and
    underscores as one underscore: how headers are compared."""
    text = str(text).strip().lower()
    for letter, ascii_ in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        text = text.replace(letter, ascii_)
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


def _unfold_word(text: str) -> str:
    """'pr. doegn' → 'døgn': the unit word a person meant."""
    text = re.sub(r"\s+", " ", str(text).strip().lower())
    text = re.sub(r"^(pr\.?|per|/)\s*", "", text)
    text = text.replace("oe", "ø").replace("aa", "å").replace("ae", "æ")
    return text.rstrip(".")


HEADER_KEYS = {fold(c): c for c in COLUMNS}


# --- Results -------------------------------------------------------------------------------


@dataclass
class RowError:
    """What is wrong, where: row as Excel shows it (None for the whole file) and column
    header (None for the whole row)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Række %(row)s, kolonne «%(column)s»: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Række %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class Action:
    NEW = "new"  # the first tariff for the year
    CORRECTION = "correction"  # the year has a published tariff: a new version
    ADDON = "addon"  # one more add-on for the tariff of another row (ImportRow.head)
    SKIP = "skip"  # nothing filled in


@dataclass
class ImportRow:
    number: int
    cells: dict[str, str]  # the file's text, per column, for showing what was read
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    action: str = Action.NEW
    version: int | None = None  # the version the row will be saved as
    replaces_draft: bool = False
    offer_name: str = ""
    head: int | None = None  # an ADDON row: the number of the row with the tariff
    kept_addons: list[str] = field(default_factory=list)  # carried from the version before
    kept_from_year: int | None = None  # ... of last year, for a new year
    removed_addons: list[str] = field(default_factory=list)  # gone by "erstat"
    kept_overhead: bool = False  # the empty overhead cell kept the version's overhead

    @property
    def skipped(self) -> bool:
        return self.action == Action.SKIP

    @property
    def is_tariff(self) -> bool:
        """The row that holds a tariff's figures (not skipped, not an extra add-on row)."""
        return self.action in (Action.NEW, Action.CORRECTION)

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def has_error(self, column: str) -> bool:
        return any(e.column == column for e in self.errors)

    def to_json(self) -> dict:
        """For the file store between the preview and the job: what differs from the
        defaults only (a region's file has tens of thousands of rows)."""
        values = {
            k: (str(v) if k in DECIMAL_VALUES and v is not None else v)
            for k, v in self.values.items()
            if v not in (None, "")
        }
        data = {
            "number": self.number,
            "cells": {k: v for k, v in self.cells.items() if v},
            "values": values,
            "errors": [e.to_json() for e in self.errors],
            "warnings": self.warnings,
            "action": self.action,
            "version": self.version,
            "replaces_draft": self.replaces_draft,
            "offer_name": self.offer_name,
            "head": self.head,
            "kept_addons": self.kept_addons,
            "kept_from_year": self.kept_from_year,
            "removed_addons": self.removed_addons,
            "kept_overhead": self.kept_overhead,
        }
        return {k: v for k, v in data.items() if v or k in ("number", "action")}

    @classmethod
    def from_json(cls, data: dict) -> ImportRow:
        stored = data.get("values", {})
        values: dict[str, Any] = dict.fromkeys(VALUE_NAMES)
        values.update(offer_label="", addon_name="", reason="")
        values.update(
            {
                k: (Decimal(v) if k in DECIMAL_VALUES and v is not None else v)
                for k, v in stored.items()
            }
        )
        return cls(
            number=data["number"],
            cells=dict(data.get("cells", {})),
            values=values,
            errors=[RowError(**e) for e in data.get("errors", [])],
            warnings=list(data.get("warnings", [])),
            action=data["action"],
            version=data.get("version"),
            replaces_draft=bool(data.get("replaces_draft")),
            offer_name=data.get("offer_name", ""),
            head=data.get("head"),
            kept_addons=list(data.get("kept_addons") or []),
            kept_from_year=data.get("kept_from_year"),
            removed_addons=list(data.get("removed_addons") or []),
            kept_overhead=bool(data.get("kept_overhead")),
        )


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return self.file_errors + [e for row in self.rows for e in row.errors]

    @property
    def rows_to_save(self) -> list[ImportRow]:
        """The rows that become tariffs (one per offer and year; extra add-on rows belong
        to one of them)."""
        return [r for r in self.rows if r.is_tariff]

    @property
    def is_valid(self) -> bool:
        """Nothing wrong, and something to save."""
        return not self.errors and bool(self.rows_to_save)

    def to_json(self) -> dict:
        return {
            "rows": [r.to_json() for r in self.rows],
            "file_errors": [e.to_json() for e in self.file_errors],
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        return cls(
            rows=[ImportRow.from_json(r) for r in data["rows"]],
            file_errors=[RowError(**e) for e in data["file_errors"]],
        )


class ImportFileError(Exception):
    """The file as a whole cannot be read: no rows to show."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class CellError(ValueError):
    """A cell that cannot be read; the message is Danish and meant for the person."""


# --- Reading bytes -------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """BOM first (UTF-8, UTF-16), then UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def sniff_delimiter(text: str) -> str:
    """The header row decides: Danish Excel writes ';' (',' is the decimal comma)."""
    header = text.split("\n", 1)[0]
    if ";" in header:
        return ";"
    if "\t" in header:
        return "\t"
    return ","


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def read_csv(data: bytes) -> list[list[Any]]:
    if not data.strip():
        raise ImportFileError(_("Filen er tom."))
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("Filen er ikke en tekstfil. Gem den fra Excel som «CSV (semikolonsepareret)».")
        )
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "Filen kunne ikke læses som tekst. Gem den fra Excel som "
                "«CSV UTF-8» eller «CSV (semikolonsepareret)»."
            )
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        return _limited(reader)
    except csv.Error as exc:
        raise ImportFileError(
            _("Filen kunne ikke læses som CSV: %(error)s") % {"error": exc}
        ) from exc


def _limited(rows: Iterable[list[Any]]) -> list[list[Any]]:
    out = []
    for row in rows:
        out.append(list(row))
        if len(out) > MAX_ROWS + 1:
            raise ImportFileError(
                _("Filen har mere end %(max)s rækker. Del den op i flere filer.")
                % {"max": formats.number(MAX_ROWS, 0)}
            )
    return out


def read_xlsx(data: bytes) -> list[list[Any]]:
    """The first sheet's cells; numbers as Decimal, percent-formatted numbers × 100."""
    invalid = _(
        "Filen er ikke en gyldig Excel-fil (.xlsx). Gem den igen fra Excel som «Excel-projektmappe»."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise ImportFileError(invalid)
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError(_("Excel-filen er for stor. Del den op i flere filer."))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(invalid) from exc
    try:
        workbook = openpyxl_reader.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportFileError(invalid) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # read every row, whatever the file says its size is
        rows = []
        for cells in sheet.iter_rows():
            rows.append([_xlsx_value(c) for c in cells])
            if len(rows) > MAX_ROWS + 1:
                raise ImportFileError(
                    _("Filen har mere end %(max)s rækker. Del den op i flere filer.")
                    % {"max": formats.number(MAX_ROWS, 0)}
                )
        return rows
    finally:
        workbook.close()


def _xlsx_value(cell) -> Any:
    value = getattr(cell, "value", None)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not number.is_finite():
            return str(value)
        if "%" in (getattr(cell, "number_format", "") or ""):
            number = number * 100
        return number
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value
    return str(value)


# --- Reading cells -------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """How a cell is shown back to the person (a number from XLSX the Danish way)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return formats.plain(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return formats.date(value)
    return str(value).strip()


def _not_a_date(value: Any) -> None:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        raise CellError(
            _(
                "Excel har lavet tallet om til en dato. Formatér cellen som tal, og skriv tallet igen."
            )
        )


def parse_decimal(value: Any, *, percent: bool = False) -> Decimal:
    """A Danish decimal number (partnership.formats.parse_number). Raises CellError."""
    _not_a_date(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise CellError(_("Skriv et tal."))
    try:
        return formats.parse_number(str(value), percent=percent)
    except formats.NumberError as exc:
        raise CellError(exc.message) from exc


def parse_integer(value: Any) -> int:
    """A whole number; '2.026' (thousands grouped) is 2026, '2026,0' is 2026."""
    _not_a_date(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise CellError(_("«%(value)s» er ikke et helt tal.") % {"value": cell_text(value)})
        return int(value)
    try:
        return formats.parse_whole_number(str(value))
    except formats.NumberError as exc:
        raise CellError(exc.message) from exc


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and value in (0, 1):
        return value == 1
    word = str(value).strip().lower().rstrip(".")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(
        _("«%(value)s» er hverken ja eller nej. Skriv ja eller nej.") % {"value": cell_text(value)}
    )


def parse_unit(value: Any, words: dict[str, str]) -> str:
    """'døgn', 'pr. døgn', 'doegn', 'Måned' ... → the stored code ('day', 'month')."""
    word = _unfold_word(cell_text(value))
    if word in words:
        return words[word]
    if word in words.values():  # the stored code ("day") is fine too
        return word
    raise CellError(_("«%(value)s» er ikke en gyldig enhed.") % {"value": cell_text(value)})


def parse_word(value: Any, words: dict[str, str]) -> str:
    word = cell_text(value).strip().rstrip(".").casefold()
    if word in words:
        return words[word]
    raise CellError(_("«%(value)s» er ikke et af de mulige ord.") % {"value": cell_text(value)})


def _without_trailing_zeros(amount: Decimal | None) -> Decimal | None:
    """1234,500 is 1234,50: zeros after the second decimal are not decimals a person meant
    (Excel writes 0,955 formatted as percent as 95,500)."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -2:
        return amount
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # too many digits to be an amount at all: the model says so
        return amount
    return cents if cents == amount else amount


# --- Rows ----------------------------------------------------------------------------------


def read_rows(
    data: bytes, filename: str = ""
) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The known columns found in the header and the data rows as {column: cell}, with the
    row number Excel shows. Blank rows are left out. Raises ImportFileError."""
    if filename.lower().endswith(".xlsx") or is_xlsx(data):
        table = read_xlsx(data)
    else:
        table = read_csv(data)
    if not table or not any(cell_text(c) for c in table[0]):
        raise ImportFileError(_("Filen er tom. Første række skal være skabelonens overskrifter."))
    header = table[0]
    positions: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        column = HEADER_KEYS.get(fold(cell_text(title)))
        if column is None:
            continue
        if column in positions:
            problems.append(
                _("Kolonnen «%(column)s» står flere gange i første række.") % {"column": column}
            )
        positions[column] = index
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            problems.append(
                _("Kolonnen «%(column)s» mangler i første række. Brug skabelonen.")
                % {"column": column}
            )
    if problems:
        raise ImportFileError(problems)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        row = {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()}
        if any(cell_text(v) for v in row.values()):
            rows.append((number, row))
    if not rows:
        raise ImportFileError(_("Filen har ingen rækker under overskrifterne."))
    return [c for c in COLUMNS if c in positions], rows


def parse_row(number: int, raw: dict[str, Any]) -> ImportRow:
    """Turn one row's cells into values. Only unreadable cells are errors here; what is
    missing or out of range is for validate_row."""
    row = ImportRow(number=number, cells={c: cell_text(v) for c, v in raw.items()})
    v = row.values
    # Every cell is text a person typed: the portal's CPR rule holds for all of them, and
    # the preview shows the cell with the number taken out.
    for column, text in row.cells.items():
        if looks_like_cpr(text):
            row.error(column, str(CPR_MESSAGE))
            row.cells[column] = redact_cpr_text(text)

    def read(column: str, parser, message: str | None = None):
        cell = raw.get(column)
        if not cell_text(cell):
            return None
        try:
            return parser(cell)
        except CellError as exc:
            text = message % {"value": row.cells[column]} if message else str(exc)
            row.error(column, text)
            return None

    v["offer_label"] = row.cells.get(COL_OFFER, "")
    v["offer_id"] = read(
        COL_OFFER_ID,
        parse_integer,
        _("«%(value)s» er ikke et tilbuds-id. Brug id'et fra skabelonen."),
    )
    v["year"] = read(COL_YEAR, parse_integer)
    v["price"] = _without_trailing_zeros(read(COL_PRICE, parse_decimal))
    v["unit"] = read(
        COL_UNIT,
        lambda cell: parse_unit(cell, UNIT_WORDS),
        _("«%(value)s» er ikke en enhed for taksten. Skriv døgn eller måned."),
    )
    v["occupancy_percent"] = _without_trailing_zeros(
        read(COL_OCCUPANCY, lambda cell: parse_decimal(cell, percent=True))
    )
    v["vat_included"] = read(COL_VAT, parse_yes_no)
    # Empty keeps the overhead of the version the row replaces or corrects; "ingen" removes it.
    overhead_word = row.cells.get(COL_OVERHEAD, "").strip().rstrip(".").casefold()
    v["overhead_keep"] = not overhead_word
    if overhead_word in NO_OVERHEAD_WORDS:
        v["overhead_amount"] = None
    else:
        v["overhead_amount"] = _without_trailing_zeros(read(COL_OVERHEAD, parse_decimal))
    v["addon_name"] = row.cells.get(COL_ADDON_NAME, "")
    v["addon_price"] = _without_trailing_zeros(read(COL_ADDON_PRICE, parse_decimal))
    v["addon_unit"] = read(
        COL_ADDON_UNIT,
        lambda cell: parse_unit(cell, ADDON_UNIT_WORDS),
        _(
            "«%(value)s» er ikke en enhed for en tillægsydelse. "
            "Skriv time, døgn, måned, km eller individuel."
        ),
    )
    v["addon_action"] = read(
        COL_ADDON_ACTION,
        lambda cell: parse_word(cell, ADDON_ACTION_WORDS),
        _(
            "«%(value)s» er hverken behold eller erstat. Skriv behold eller erstat, eller lad cellen stå tom (behold)."
        ),
    )
    v["reason"] = row.cells.get(COL_REASON, "")
    # A number read from a cell that held a CPR number is not kept either (the rows are
    # stored between the preview and the job).
    for column in {e.column for e in row.errors if e.message == str(CPR_MESSAGE)}:
        if column in COLUMN_VALUES and not isinstance(v[COLUMN_VALUES[column]], str):
            v[COLUMN_VALUES[column]] = None
    if not any(row.cells.get(c) for c in TARIFF_COLUMNS):
        row.action = Action.SKIP
    return row


def _model_errors(
    row: ImportRow, instance: Tariff | TariffAddOn, columns: dict[str, str], exclude: set[str]
) -> None:
    """The model's rules for the row's values: full_clean() on the unsaved object, each
    field's first message in its column. A column that already has an error (a cell that
    could not be read, a CPR number) keeps that one."""
    fields = {f.name for f in instance._meta.fields}
    skip = set(exclude) | (fields - set(columns))
    skip |= {name for name, column in columns.items() if row.has_error(column)}
    try:
        instance.full_clean(exclude=sorted(skip), validate_constraints=False)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            column = columns.get(name)
            if column is None or not row.has_error(column):
                row.error(column, errors[0])


def _tariff(v: dict[str, Any], *, version: int = 1) -> Tariff:
    """The unsaved tariff a row becomes: published, as the import publishes every row."""
    return Tariff(
        year=v["year"],
        version=version,
        status=TariffStatus.PUBLISHED,
        price=v["price"],
        unit=v["unit"],
        occupancy_percent=v["occupancy_percent"],
        vat_included=v["vat_included"],
        overhead_amount=v["overhead_amount"],
        correction_reason=v["reason"],
    )


def validate_values(row: ImportRow) -> None:
    """The rules that need only the row itself: the model's (Tariff, TariffAddOn), and what
    an empty cell should have held. An extra add-on row is checked as an add-on only."""
    if row.skipped:
        return
    v = row.values
    if v["offer_id"] is None:
        if not row.has_error(COL_OFFER_ID):
            row.error(COL_OFFER_ID, _("Skriv tilbuddets id. Det står i skabelonen."))
    elif not 0 < v["offer_id"] < 2**31:
        row.error(COL_OFFER_ID, _("Der findes intet tilbud med id %(id)s.") % {"id": v["offer_id"]})
    if row.action == Action.ADDON:
        _validate_addon(row)
        return

    # An empty cell: say what to write in it (the model would only say it is empty).
    required = {
        "year": _("Skriv takståret, fx %(year)s.") % {"year": current_year()},
        "price": _("Skriv taksten i kroner, fx 2.650,00."),
        "unit": _("Skriv enheden for taksten: døgn eller måned."),
        "occupancy_percent": _("Skriv den budgetterede belægning i procent, fx 95."),
        "vat_included": _("Skriv ja eller nej: er moms inkluderet i taksten?"),
    }
    missing = {name for name in required if v[name] is None}
    for name in missing:
        column = TARIFF_FIELD_COLUMNS[name]
        if not row.has_error(column):
            row.error(column, required[name])
    _model_errors(row, _tariff(v), TARIFF_FIELD_COLUMNS, missing)
    _validate_addon(row)


def _validate_addon(row: ImportRow) -> None:
    v = row.values
    if not any(row.cells.get(c) for c in ADDON_COLUMNS):
        return
    missing = set()
    if v["addon_unit"] is None:
        missing.add("unit")
        if not row.has_error(COL_ADDON_UNIT):
            row.error(
                COL_ADDON_UNIT,
                _("Skriv enheden for tillægsydelsen: time, døgn, måned, km eller individuel."),
            )
    addon = TariffAddOn(name=v["addon_name"], price=v["addon_price"], unit=v["addon_unit"] or "")
    _model_errors(row, addon, ADDON_FIELD_COLUMNS, missing)


def _figure(row: ImportRow, column: str) -> Any:
    """The value a figure cell was read as (an empty overhead cell means "keep")."""
    if column == COL_OVERHEAD:
        return (row.values["overhead_amount"], row.values["overhead_keep"])
    if column == COL_ADDON_ACTION:
        return row.values["addon_action"] or AddonAction.KEEP
    if column == COL_REASON:
        return row.values["reason"].strip()
    return row.values[FIGURE_COLUMNS[column]]


def link_rows(rows: list[ImportRow]) -> None:
    """Rows of the same offer and year are one tariff with one add-on each: the first row
    with any of the tariff's figures holds the tariff; the others become its ADDON rows,
    where a figure cell must be empty or hold the same value. The same add-on twice for one
    tariff is an error."""
    groups: dict[tuple[int, int], list[ImportRow]] = {}
    for row in rows:
        v = row.values
        if row.skipped or row.has_error(COL_OFFER_ID) or row.has_error(COL_YEAR):
            continue
        if v["offer_id"] is None or v["year"] is None:
            continue
        groups.setdefault((v["offer_id"], v["year"]), []).append(row)
    for (offer_id, year), members in groups.items():
        heads = [r for r in members if any(r.cells.get(c) for c in FIGURE_COLUMNS)]
        if not heads:
            for row in members:
                row.action = Action.ADDON  # an add-on without its tariff: checked as one
                row.error(
                    COL_PRICE,
                    _(
                        "Rækken har kun en tillægsydelse, og ingen række i filen har taksten for "
                        "tilbud %(id)s i %(year)s. Skriv taksten i en af rækkerne."
                    )
                    % {"id": offer_id, "year": year},
                )
            continue
        head = heads[0]
        for row in members:
            if row is head:
                continue
            row.action = Action.ADDON
            row.head = head.number
            for column in FIGURE_COLUMNS:
                if row.cells.get(column) and _figure(row, column) != _figure(head, column):
                    row.error(
                        column,
                        _(
                            "Tilbud %(id)s har allerede en række for %(year)s (række %(first)s) "
                            "med en anden værdi i «%(column)s». Flere rækker for samme tilbud og "
                            "år er flere tillægsydelser til én takst: gentag værdien, eller lad "
                            "cellen stå tom."
                        )
                        % {"id": offer_id, "year": year, "first": head.number, "column": column},
                    )
        names: dict[str, int] = {}
        for row in members:
            name = (row.values["addon_name"] or "").strip().casefold()
            if not name:
                continue
            if name in names:
                row.error(
                    COL_ADDON_NAME,
                    _(
                        "Tillægsydelsen «%(name)s» står allerede i række %(first)s for tilbud "
                        "%(id)s i %(year)s."
                    )
                    % {
                        "name": row.values["addon_name"].strip(),
                        "first": names[name],
                        "id": offer_id,
                        "year": year,
                    },
                )
            else:
                names[name] = row.number


@dataclass
class _YearState:
    max_version: int = 0
    draft: Tariff | None = None
    published: Tariff | None = None  # the latest published version


@dataclass
class Checked:
    """What check_rows read from the database, for saving the same rows."""

    states: dict[tuple[int, int], _YearState] = field(default_factory=dict)
    # The version each add-on list starts from: the year's draft or latest published
    # version, else last year's latest published version.
    addon_sources: dict[tuple[int, int], Tariff] = field(default_factory=dict)
    # tariff id → its add-ons as {name, price, unit, note}, in the order they were made
    addons: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    members: dict[int, list[ImportRow]] = field(default_factory=dict)


def _members(rows: list[ImportRow]) -> dict[int, list[ImportRow]]:
    """Each tariff row's number → that row and its ADDON rows, in file order."""
    members: dict[int, list[ImportRow]] = {r.number: [r] for r in rows if r.is_tariff}
    for row in rows:
        if row.action == Action.ADDON and row.head in members:
            members[row.head].append(row)
    return members


def _file_addons(members: list[ImportRow]) -> list[dict[str, Any]]:
    return [
        {
            "name": r.values["addon_name"].strip(),
            "price": r.values["addon_price"],
            "unit": r.values["addon_unit"],
            "note": "",
        }
        for r in members
        if (r.values.get("addon_name") or "").strip()
    ]


def check_rows(rows: list[ImportRow], user: User, *, preview: bool = True) -> Checked:
    """The rules that need the database and the whole file: the offer is the user's, the
    year has a PL rate, a correction has a reason; what the tariff keeps (add-ons,
    overhead). A fixed number of queries whatever the number of rows. preview=False leaves
    out the warnings, which only the preview shows."""
    checked = Checked(members=_members(rows))
    active = [r for r in rows if r.is_tariff]
    ids = {
        r.values["offer_id"]
        for r in active
        if r.values["offer_id"] is not None and not r.has_error(COL_OFFER_ID)
    }
    years = {
        r.values["year"]
        for r in active
        if r.values["year"] is not None and not r.has_error(COL_YEAR)
    }
    offers = Offer.objects.only("pk", "name", "provider_id", "status").in_bulk(ids)
    visible = set(
        permissions.offers_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    editable = permissions.editable_provider_ids(user)
    rates = dict(RegulationRate.objects.filter(year__in=years).values_list("year", "rate"))
    states = checked.states
    previous: dict[tuple[int, int], Tariff] = {}
    tariffs = Tariff.objects.filter(
        offer_id__in=ids, year__in=years | {y - 1 for y in years}
    ).order_by("version")
    for t in tariffs:
        if t.year in years:
            state = states.setdefault((t.offer_id, t.year), _YearState())
            state.max_version = max(state.max_version, t.version)
            if t.status == TariffStatus.DRAFT:
                state.draft = t
            else:
                state.published = t
        if t.status == TariffStatus.PUBLISHED:
            previous[(t.offer_id, t.year)] = t
    bases = {key: s.draft or s.published for key, s in states.items() if s.draft or s.published}
    sources = checked.addon_sources
    for offer_id, year in {(r.values["offer_id"], r.values["year"]) for r in active}:
        source = bases.get((offer_id, year)) or previous.get((offer_id, (year or 0) - 1))
        if source is not None:
            sources[(offer_id, year)] = source
    for addon in (
        TariffAddOn.objects.filter(tariff_id__in=[s.pk for s in sources.values()])
        .order_by("pk")
        .values("tariff_id", "name", "price", "unit", "note")
    ):
        checked.addons.setdefault(addon.pop("tariff_id"), []).append(addon)

    for row in rows:
        if not row.is_tariff:
            continue
        v = row.values
        offer_id, year = v["offer_id"], v["year"]
        offer = offers.get(offer_id) if offer_id is not None else None
        if offer_id is not None and not row.has_error(COL_OFFER_ID):
            if offer is None or (offer.pk not in visible and offer.provider_id not in editable):
                row.error(
                    COL_OFFER_ID, _("Der findes intet tilbud med id %(id)s.") % {"id": offer_id}
                )
                offer = None
            elif offer.provider_id not in editable:
                row.error(
                    COL_OFFER_ID,
                    _(
                        "Du kan ikke indlæse takster for «%(offer)s». Tilbuddet hører til en "
                        "leverandør, du ikke er redaktør for."
                    )
                    % {"offer": offer.name},
                )
                offer = None
        if offer is not None:
            for member in checked.members.get(row.number, [row]):
                member.offer_name = offer.name
        if offer is not None and preview:
            label = v["offer_label"].strip().removeprefix("'")
            if label and label.casefold() != offer.name.casefold():
                row.warnings.append(
                    _(
                        "Navnet i filen («%(label)s») er ikke tilbuddets navn («%(offer)s»). "
                        "Tjek, at tilbud_id er det rigtige."
                    )
                    % {"label": label, "offer": offer.name}
                )
        if year is not None and not row.has_error(COL_YEAR) and year not in rates:
            row.error(COL_YEAR, services.missing_regulation_rate_message(year))
        if offer is None or year is None or row.has_error(COL_YEAR):
            continue
        key = (offer.pk, year)
        state = states.get(key, _YearState())
        row.replaces_draft = state.draft is not None
        row.version = state.draft.version if state.draft else state.max_version + 1
        row.action = Action.CORRECTION if state.published else Action.NEW
        base = bases.get(key)
        _keep_overhead(row, base)
        _what_addons_become(row, checked, sources.get(key))
        if state.published and not row.has_error(COL_REASON):
            _correction_errors(row, year)
        if preview:
            _warn_above_regulation(row, previous.get((offer.pk, year - 1)), rates.get(year))
    return checked


def _keep_overhead(row: ImportRow, base: Tariff | None) -> None:
    """An empty overhead cell keeps the overhead of the version the row replaces or
    corrects, held against the new price by the model's rule."""
    v = row.values
    row.kept_overhead = False
    if not v["overhead_keep"] or base is None:
        return
    v["overhead_amount"] = base.overhead_amount
    row.kept_overhead = base.overhead_amount is not None
    if not row.kept_overhead or row.has_error(COL_PRICE) or v["price"] is None:
        return
    try:
        _tariff(v).clean()
    except ValidationError as exc:
        for message in exc.message_dict.get("overhead_amount", []):
            row.error(
                COL_OVERHEAD,
                _(
                    "Cellen er tom, så overhead fra version %(version)s (%(amount)s) beholdes. "
                    "%(message)s Skriv det nye overhead, eller «ingen»."
                )
                % {
                    "version": base.version,
                    "amount": formats.kr(base.overhead_amount),
                    "message": message,
                },
            )


def _what_addons_become(row: ImportRow, checked: Checked, source: Tariff | None) -> None:
    """For the preview: which add-ons the tariff keeps, and which "erstat" takes away."""
    existing = checked.addons.get(source.pk, []) if source is not None else []
    in_file = {a["name"].casefold() for a in _file_addons(checked.members.get(row.number, []))}
    others = [a["name"] for a in existing if a["name"].casefold() not in in_file]
    same_year = source is not None and source.year == row.values["year"]
    if row.values["addon_action"] == AddonAction.REPLACE:
        row.kept_addons, row.kept_from_year = [], None
        row.removed_addons = others if same_year else []
    else:
        row.kept_addons, row.removed_addons = others, []
        row.kept_from_year = None if same_year or source is None else source.year


def final_addons(row: ImportRow, checked: Checked) -> list[dict[str, Any]]:
    """The add-ons the tariff of a row is saved with: the file's, and with "behold" those of
    the version it starts from that the file does not name (a file's add-on with the same
    name replaces that one and keeps its note)."""
    v = row.values
    in_file = _file_addons(checked.members.get(row.number, [row]))
    if v["addon_action"] == AddonAction.REPLACE:
        return in_file
    source = checked.addon_sources.get((v["offer_id"], v["year"]))
    addons = [dict(a) for a in (checked.addons.get(source.pk, []) if source is not None else [])]
    for new in in_file:
        for i, addon in enumerate(addons):
            if addon["name"].casefold() == new["name"].casefold():
                addons[i] = {**new, "note": addon["note"]}
                break
        else:
            addons.append(new)
    return addons


def _correction_errors(row: ImportRow, year: int) -> None:
    """The row becomes a new version of a published tariff: the model's rule for a
    correction (it needs a reason), with why the row is a correction."""
    try:
        _tariff(row.values, version=row.version or 1).clean()
    except ValidationError as exc:
        for message in exc.message_dict.get("correction_reason", []):
            row.error(
                COL_REASON,
                _(
                    "Tilbuddet har allerede en offentliggjort takst for %(year)s, så rækken "
                    "bliver en rettelse (version %(version)s). %(message)s"
                )
                % {"year": year, "version": row.version, "message": message},
            )


def _warn_above_regulation(row: ImportRow, before: Tariff | None, rate: Decimal | None) -> None:
    v = row.values
    if before is None or rate is None or v["price"] is None or v["unit"] is None or row.errors:
        return
    change = pricing.change_percent(v["price"], v["unit"], before.price, before.unit)
    if pricing.above_pl(change, rate):
        row.warnings.append(
            _(
                "Taksten stiger %(change)s fra %(year)s – mere end PL-satsen på %(rate)s. "
                "Den bliver markeret til dialog."
            )
            % {
                "change": formats.pct(change),
                "year": before.year,
                "rate": formats.pct(rate, 2),
            }
        )


def _check(rows: list[ImportRow], user: User, *, values: bool = True) -> Checked:
    """Every rule for the rows; values=False leaves out the rules that need only a row's own
    values (validate_values), for rows checked so before: saving holds each tariff and
    add-on to the model's rules again anyway (full_clean in _save_batch)."""
    link_rows(rows)
    if values:
        for row in rows:
            validate_values(row)
    return check_rows(rows, user, preview=values)


def parse_import(*, data: bytes, filename: str, user: User) -> ImportResult:
    """Read and check a whole file. File-level problems come back as file_errors with no
    rows; otherwise every row comes back with its errors."""
    try:
        _columns, raw_rows = read_rows(data, filename)
    except ImportFileError as exc:
        return ImportResult(file_errors=[RowError(None, None, m) for m in exc.messages])
    rows = [parse_row(number, raw) for number, raw in raw_rows]
    _check(rows, user)
    return ImportResult(rows=rows)


def _fresh(
    rows: list[ImportRow], user: User, *, values: bool = True
) -> tuple[list[ImportRow], Checked]:
    """The stored rows checked again against the database as it is now. A row that would
    now become another version than the one shown is an error."""
    fresh = [
        ImportRow(
            number=old.number,
            cells=dict(old.cells),
            values=dict(old.values),
            action=Action.SKIP if old.skipped else Action.NEW,
        )
        for old in rows
    ]
    checked = _check(fresh, user, values=values)
    for old, row in zip(rows, fresh, strict=True):
        if row.is_tariff and not row.errors and old.version != row.version:
            row.error(
                COL_YEAR,
                _(
                    "Taksten for %(year)s er ændret, siden filen blev indlæst (rækken ville nu "
                    "blive version %(version)s). Upload filen igen."
                )
                % {"year": row.values["year"], "version": row.version},
            )
    return fresh, checked


# --- Saving --------------------------------------------------------------------------------


class ImportFailed(Exception):
    """Saving failed; nothing was saved. row: the first row that failed (as Excel numbers
    it), column and message as in RowError; more: how many other errors there were."""

    def __init__(self, row: int | None, message: str, *, column: str | None = None, more: int = 0):
        self.row = row
        self.column = column
        self.message = message
        self.more = more
        super().__init__(f"row {row}: {message}")

    def __str__(self) -> str:
        text = str(RowError(self.row, self.column, self.message))
        if self.more:
            text += " " + _("(og %(n)s fejl mere)") % {"n": self.more}
        return text


# The figures a row sets on its tariff; the rest (cost note, created_by) stays as it is.
SAVED_FIELDS = ("price", "unit", "occupancy_percent", "vat_included", "overhead_amount")


def apply_import(
    *, rows: list[ImportRow], by: User, progress: Callable[[int, int], None] | None = None
) -> list[Tariff]:
    """Check again and save and publish every tariff of the rows, or none: in batches of
    BATCH_SIZE tariffs, in one transaction. Any failure rolls the whole import back and
    raises ImportFailed naming the first row. progress(done, total) after each batch."""
    if any(r.errors for r in rows):
        raise ValueError("apply_import called with rows that have errors")
    members = _members(rows)
    tariff_rows = [r for r in rows if r.is_tariff]
    saved: list[Tariff] = []
    with transaction.atomic():
        for start in range(0, len(tariff_rows), BATCH_SIZE):
            batch = tariff_rows[start : start + BATCH_SIZE]
            saved += _save_batch([m for r in batch for m in members[r.number]], by)
            if progress is not None:
                progress(start + len(batch), len(tariff_rows))
    return saved


def _fail_on_errors(rows: list[ImportRow]) -> None:
    errors = [e for r in sorted(rows, key=lambda r: r.number) for e in r.errors]
    if errors:
        first = errors[0]
        raise ImportFailed(first.row, first.message, column=first.column, more=len(errors) - 1)


def _save_batch(rows: list[ImportRow], by: User) -> list[Tariff]:
    """One batch: lock its offers, check its rows again, build every tariff and add-on and
    hold each to the model's rules, then write them with a fixed number of statements."""
    offer_ids = sorted({r.values["offer_id"] for r in rows if r.values["offer_id"] is not None})
    # Lock the offers first (in id order), so what is checked stays true until commit; the
    # tariff form and the services lock the same row.
    list(Offer.objects.select_for_update().filter(pk__in=offer_ids).order_by("pk").values("pk"))
    fresh, checked = _fresh(rows, by, values=False)
    _fail_on_errors(fresh)
    now = timezone.now()
    new: list[Tariff] = []
    filled: list[Tariff] = []
    pending: list[tuple[Tariff, list[TariffAddOn]]] = []
    for row in fresh:
        if not row.is_tariff:
            continue
        v = row.values
        state = checked.states.get((v["offer_id"], v["year"]), _YearState())
        if state.draft is not None:
            tariff = state.draft
            filled.append(tariff)
        else:
            tariff = Tariff(
                offer_id=v["offer_id"], year=v["year"], version=row.version, created_by=by
            )
            if state.published is not None:
                tariff.cost_note = state.published.cost_note
            new.append(tariff)
        for name in SAVED_FIELDS:
            setattr(tariff, name, v[name])
        if v["reason"].strip():
            tariff.correction_reason = v["reason"].strip()
        addons = [TariffAddOn(**data) for data in final_addons(row, checked)]
        # The model's rules for the tariff as it will be published (publish_tariff's), and
        # for each add-on; the references are the database's to hold.
        tariff.status, tariff.published_at, tariff.published_by = TariffStatus.PUBLISHED, now, by
        try:
            tariff.full_clean(
                exclude=["offer", "created_by", "published_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            for addon in addons:
                addon.full_clean(
                    exclude=["tariff"], validate_unique=False, validate_constraints=False
                )
        except ValidationError as exc:
            raise ImportFailed(row.number, " ".join(exc.messages)) from exc
        # Written as a draft with its add-ons, then published: the database refuses add-ons
        # on a published tariff.
        tariff.status, tariff.published_at, tariff.published_by = TariffStatus.DRAFT, None, None
        pending.append((tariff, addons))
    try:
        Tariff.objects.bulk_create(new)
        if filled:
            Tariff.objects.bulk_update(filled, [*SAVED_FIELDS, "correction_reason"])
            TariffAddOn.objects.filter(tariff__in=filled).delete()
        for tariff, addons in pending:
            for addon in addons:
                addon.tariff = tariff  # saved by now: bulk_create gave it its id
        TariffAddOn.objects.bulk_create([addon for _tariff, addons in pending for addon in addons])
        ids = [tariff.pk for tariff, _addons in pending]
        published_now = Tariff.objects.filter(pk__in=ids, status=TariffStatus.DRAFT).update(
            status=TariffStatus.PUBLISHED, published_at=now, published_by=by
        )
        if published_now != len(ids):  # a draft was published meanwhile (held by the lock)
            raise DatabaseError(_("en takst blev ændret samtidig"))
    except DatabaseError as exc:
        first = min(r.number for r in rows) if rows else None
        raise ImportFailed(
            None,
            _(
                "Databasen afviste taksterne i rækkerne fra række %(first)s (%(error)s). Intet "
                "er gemt. Prøv igen."
            )
            % {
                "first": first,
                "error": str(exc).strip().splitlines()[0]
                if str(exc).strip()
                else type(exc).__name__,
            },
        ) from exc
    published = []
    for tariff, addons in pending:
        tariff.status, tariff.published_at, tariff.published_by = TariffStatus.PUBLISHED, now, by
        tariff.imported_addons = addons  # for the receipt, without reading them back
        published.append(tariff)
    services.tell_about_published(published)
    return published


# --- Templates -----------------------------------------------------------------------------


def template_rows(user: User) -> list[dict[str, Any]]:
    """One row per offer the user edits, with id, name and this year filled in."""
    year = current_year()
    offers = Offer.objects.filter(provider_id__in=permissions.editable_provider_ids(user)).order_by(
        "provider__name", "name", "pk"
    )
    return [
        {**dict.fromkeys(COLUMNS, None), COL_OFFER_ID: o.pk, COL_OFFER: o.name, COL_YEAR: year}
        for o in offers
    ]


def format_csv_value(value: Any) -> Any:
    """Danish Excel style: decimal comma, ja/nej, no thousands separator (so it reads back).
    The CSV writer keeps text from ever being a formula."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Decimal):
        return formats.field_value(value)
    return value


def template_csv(rows: list[dict[str, Any]]) -> bytes:
    return csv_text(
        [COLUMNS, *([format_csv_value(row.get(c)) for c in COLUMNS] for row in rows)]
    ).encode("utf-8")


def template_xlsx(rows: list[dict[str, Any]]) -> bytes:
    book = XlsxWorkbook()
    sheet = book.sheet("Takster")
    sheet.style(sheet.append(COLUMNS), bold=True)
    sheet.freeze("A2")
    money = {COL_PRICE, COL_OVERHEAD, COL_ADDON_PRICE}
    for row in rows:
        sheet.append([row.get(c) for c in COLUMNS])
    last = max(len(rows) + 1, 200)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.set_width(index, max(14, len(column) + 4))
        if column in money:
            sheet.style(sheet.column(index, 2, last), number_format=formats.XLSX_AMOUNT)
    sheet.set_width(COLUMNS.index(COL_OFFER) + 1, 40)
    sheet.set_width(COLUMNS.index(COL_REASON) + 1, 40)
    for column, choices in (
        (COL_UNIT, ["døgn", "måned"]),
        (COL_VAT, ["ja", "nej"]),
        (COL_ADDON_UNIT, ["time", "døgn", "måned", "km", "individuel"]),
        (COL_ADDON_ACTION, ["behold", "erstat"]),
    ):
        sheet.list_validation(COLUMNS.index(column) + 1, choices, 2, last)

    guide = book.sheet("Vejledning")
    guide.style(guide.append(["Kolonne", "Udfyld"]), bold=True)
    for column, text in TEMPLATE_GUIDE:
        guide.append([column, str(text)])
    guide.set_width(1, 20)
    guide.set_width(2, 100)
    return book.to_bytes()


TEMPLATE_GUIDE = [
    (COL_OFFER_ID, gettext_lazy("Tilbuddets id. Udfyldt på forhånd; ret det ikke.")),
    (COL_OFFER, gettext_lazy("Tilbuddets navn, til orientering.")),
    (COL_YEAR, gettext_lazy("Takståret, fx 2026. Året skal have en PL-sats.")),
    (
        COL_PRICE,
        gettext_lazy("Gennemsnitstaksten i kroner, over 0 og højst 2 decimaler, fx 2.650,50."),
    ),
    (COL_UNIT, gettext_lazy("døgn eller måned.")),
    (COL_OCCUPANCY, gettext_lazy("Den budgetterede belægning i procent: over 0 og højst 100.")),
    (COL_VAT, gettext_lazy("ja eller nej: er moms inkluderet i taksten?")),
    (
        COL_OVERHEAD,
        gettext_lazy(
            "Valgfri: heraf central ledelse og administration i kroner, højst taksten. Tom: en "
            "rettelse beholder overhead fra den version, den retter. «ingen» fjerner det."
        ),
    ),
    (
        COL_ADDON_NAME,
        gettext_lazy(
            "Valgfri: navnet på en tillægsydelse. Flere tillægsydelser: én række pr. "
            "tillægsydelse med samme tilbud_id og takstår; taksten skrives i den første af "
            "rækkerne, og i de andre står takstens celler tomme eller med samme værdi."
        ),
    ),
    (COL_ADDON_PRICE, gettext_lazy("Prisen for tillægsydelsen i kroner; tom ved individuel pris.")),
    (COL_ADDON_UNIT, gettext_lazy("time, døgn, måned, km eller individuel.")),
    (
        COL_ADDON_ACTION,
        gettext_lazy(
            "behold eller erstat. behold (også når cellen er tom): de tillægsydelser, taksten "
            "har, beholdes, og en med samme navn i filen erstatter den gamle; et nyt år starter "
            "med sidste års. erstat: filens tillægsydelser bliver takstens eneste (ingen, hvis "
            "der ikke står nogen i filen)."
        ),
    ),
    (
        COL_REASON,
        gettext_lazy(
            "Skal udfyldes, hvis tilbuddet allerede har en offentliggjort takst for året: "
            "så bliver rækken en rettelse (en ny version)."
        ),
    ),
]
