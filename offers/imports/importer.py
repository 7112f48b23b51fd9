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

Saving carries over the add-ons the tariff already has for the year (those of the draft,
or else of the latest published version); a file's add-on with the same name replaces
that add-on, any other is added. A correction started from a published version keeps its
cost note, as a correction made in the form does.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from offers import permissions, pricing, services
from offers.models import (
    Offer,
    PriceUnit,
    PublishedTariffError,
    RegulationRate,
    Tariff,
    TariffAddOn,
    TariffStatus,
    TariffUnit,
)
from offers.selectors import current_year
from partnership import formats
from partnership.exports import XlsxWorkbook, csv_text
from partnership.models import User
from partnership.validators import CPR_MESSAGE, looks_like_cpr, redact_cpr_text

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
    COL_REASON,
]
REQUIRED_COLUMNS = [COL_OFFER_ID, COL_YEAR, COL_PRICE, COL_UNIT, COL_OCCUPANCY, COL_VAT]
# The columns a provider fills in; a row with all of them empty is skipped.
TARIFF_COLUMNS = [c for c in COLUMNS if c not in (COL_OFFER_ID, COL_OFFER, COL_YEAR)]

MAX_ROWS = 2000
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
TRUE_WORDS = {"ja", "j", "x", "sand", "true", "yes", "1"}
FALSE_WORDS = {"nej", "n", "falsk", "false", "no", "0"}

DECIMAL_VALUES = ("price", "occupancy_percent", "overhead_amount", "addon_price")


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
    kept_addons: int = 0

    @property
    def skipped(self) -> bool:
        return self.action == Action.SKIP

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def has_error(self, column: str) -> bool:
        return any(e.column == column for e in self.errors)

    def to_json(self) -> dict:
        values = {
            k: (str(v) if k in DECIMAL_VALUES and v is not None else v)
            for k, v in self.values.items()
        }
        return {
            "number": self.number,
            "cells": self.cells,
            "values": values,
            "errors": [e.to_json() for e in self.errors],
            "warnings": self.warnings,
            "action": self.action,
            "version": self.version,
            "replaces_draft": self.replaces_draft,
            "offer_name": self.offer_name,
            "kept_addons": self.kept_addons,
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportRow:
        values = {
            k: (Decimal(v) if k in DECIMAL_VALUES and v is not None else v)
            for k, v in data["values"].items()
        }
        return cls(
            number=data["number"],
            cells=data["cells"],
            values=values,
            errors=[RowError(**e) for e in data["errors"]],
            warnings=list(data["warnings"]),
            action=data["action"],
            version=data["version"],
            replaces_draft=data["replaces_draft"],
            offer_name=data["offer_name"],
            kept_addons=data["kept_addons"],
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
        return [r for r in self.rows if not r.skipped]

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
                % {"max": MAX_ROWS}
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
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
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
                    % {"max": MAX_ROWS}
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
        return value.strftime("%d.%m.%Y")
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
    v["reason"] = row.cells.get(COL_REASON, "")
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
    an empty cell should have held."""
    if row.skipped:
        return
    v = row.values
    if v["offer_id"] is None:
        if not row.has_error(COL_OFFER_ID):
            row.error(COL_OFFER_ID, _("Skriv tilbuddets id. Det står i skabelonen."))
    elif not 0 < v["offer_id"] < 2**31:
        row.error(COL_OFFER_ID, _("Der findes intet tilbud med id %(id)s.") % {"id": v["offer_id"]})

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
    if not any(row.cells.get(c) for c in (COL_ADDON_NAME, COL_ADDON_PRICE, COL_ADDON_UNIT)):
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


@dataclass
class _YearState:
    max_version: int = 0
    draft: Tariff | None = None
    published: Tariff | None = None  # the latest published version


def check_rows(rows: list[ImportRow], user: User) -> None:
    """The rules that need the database and the whole file: the offer is the user's, the
    year has a PL rate, no offer and year twice, a correction has a reason. A fixed number
    of queries whatever the number of rows."""
    active = [r for r in rows if not r.skipped]
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
    offers = Offer.objects.in_bulk(ids)
    visible = set(
        permissions.offers_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    editable = permissions.editable_provider_ids(user)
    rates = dict(RegulationRate.objects.filter(year__in=years).values_list("year", "rate"))
    states: dict[tuple[int, int], _YearState] = {}
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
    addon_names: dict[int, list[str]] = {}
    for tariff_id, name in TariffAddOn.objects.filter(
        tariff_id__in=[b.pk for b in bases.values()]
    ).values_list("tariff_id", "name"):
        addon_names.setdefault(tariff_id, []).append(name)

    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        if row.skipped:
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
            row.offer_name = offer.name
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
        if key in seen:
            row.error(
                COL_YEAR,
                _(
                    "Tilbud %(id)s har allerede en række for %(year)s (række %(first)s). "
                    "Hvert tilbud må kun have én takst pr. år i filen."
                )
                % {"id": offer.pk, "year": year, "first": seen[key]},
            )
            continue
        seen[key] = row.number
        state = states.get(key, _YearState())
        row.replaces_draft = state.draft is not None
        row.version = state.draft.version if state.draft else state.max_version + 1
        row.action = Action.CORRECTION if state.published else Action.NEW
        base = bases.get(key)
        names = addon_names.get(base.pk, []) if base else []
        new_name = (v["addon_name"] or "").casefold()
        row.kept_addons = len([n for n in names if n.casefold() != new_name])
        if state.published and not row.has_error(COL_REASON):
            _correction_errors(row, year)
        _warn_above_regulation(row, previous.get((offer.pk, year - 1)), rates.get(year))


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


def parse_import(*, data: bytes, filename: str, user: User) -> ImportResult:
    """Read and check a whole file. File-level problems come back as file_errors with no
    rows; otherwise every row comes back with its errors."""
    try:
        _columns, raw_rows = read_rows(data, filename)
    except ImportFileError as exc:
        return ImportResult(file_errors=[RowError(None, None, m) for m in exc.messages])
    rows = [parse_row(number, raw) for number, raw in raw_rows]
    for row in rows:
        validate_values(row)
    check_rows(rows, user)
    return ImportResult(rows=rows)


def revalidate(result: ImportResult, user: User) -> ImportResult:
    """Check stored rows again against the database as it is now (before saving). A row
    that would now become another version than the one shown is an error."""
    if result.errors:
        raise ValueError("revalidate is for rows that had no errors")
    fresh_rows = [
        ImportRow(
            number=old.number,
            cells=dict(old.cells),
            values=dict(old.values),
            action=Action.SKIP if old.skipped else Action.NEW,
        )
        for old in result.rows
    ]
    for row in fresh_rows:
        validate_values(row)
    check_rows(fresh_rows, user)
    for old, row in zip(result.rows, fresh_rows, strict=True):
        if not row.skipped and not row.errors and old.version != row.version:
            row.error(
                COL_YEAR,
                _(
                    "Taksten for %(year)s er ændret, siden filen blev indlæst (rækken ville nu "
                    "blive version %(version)s). Upload filen igen."
                )
                % {"year": row.values["year"], "version": row.version},
            )
    return ImportResult(rows=fresh_rows, file_errors=list(result.file_errors))


# --- Saving --------------------------------------------------------------------------------


class ImportFailed(Exception):
    """Saving a row failed; nothing was saved."""

    def __init__(self, row: int, message: str):
        self.row = row
        self.message = message
        super().__init__(f"row {row}: {message}")

    def __str__(self) -> str:
        return str(RowError(self.row, None, self.message))


def _merged_addons(base: Tariff | None, values: dict) -> list[dict]:
    addons = []
    if base is not None:
        addons = [
            {"name": a.name, "price": a.price, "unit": a.unit, "note": a.note}
            for a in base.addons.all()
        ]
    name = (values.get("addon_name") or "").strip()
    if name:
        new = {
            "name": name,
            "price": values.get("addon_price"),
            "unit": values["addon_unit"],
            "note": "",
        }
        for i, addon in enumerate(addons):
            if addon["name"].casefold() == name.casefold():
                new["note"] = addon["note"]
                addons[i] = new
                break
        else:
            addons.append(new)
    return addons


@transaction.atomic
def apply_import(*, rows: list[ImportRow], by: User) -> list[Tariff]:
    """Save and publish every row, or none: any failure rolls the whole import back and
    raises ImportFailed naming the row."""
    todo = [r for r in rows if not r.skipped]
    if any(r.errors for r in rows):
        raise ValueError("apply_import called with rows that have errors")
    saved = []
    for row in todo:
        v = row.values
        try:
            # Lock the offer first, so what is read below stays true until commit.
            offer = Offer.objects.select_for_update().get(pk=v["offer_id"])
            year = v["year"]
            draft = Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.DRAFT).first()
            published = (
                Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.PUBLISHED)
                .order_by("-version")
                .first()
            )
            fields = {
                "price": v["price"],
                "unit": v["unit"],
                "occupancy_percent": v["occupancy_percent"],
                "vat_included": v["vat_included"],
                "overhead_amount": v["overhead_amount"],
            }
            if draft is None and published is not None:
                fields["cost_note"] = published.cost_note
            tariff = services.save_tariff_draft(
                offer=offer,
                year=year,
                fields=fields,
                addons=_merged_addons(draft or published, v),
                by=by,
            )
            if row.version is not None and tariff.version != row.version:
                raise ValidationError(
                    _(
                        "Taksten for %(year)s er ændret, siden filen blev indlæst. Upload filen igen."
                    )
                    % {"year": year}
                )
            saved.append(services.publish_tariff(tariff=tariff, by=by, reason=v["reason"]))
        except ValidationError as exc:
            raise ImportFailed(row.number, " ".join(exc.messages)) from exc
        except (PermissionDenied, Offer.DoesNotExist) as exc:
            raise ImportFailed(
                row.number,
                _("Du kan ikke indlæse takster for tilbud %(id)s.") % {"id": v["offer_id"]},
            ) from exc
        except (IntegrityError, PublishedTariffError) as exc:
            raise ImportFailed(
                row.number,
                _("Taksten kunne ikke gemmes, fordi den blev ændret samtidig. Prøv igen."),
            ) from exc
    return saved


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
        gettext_lazy("Valgfri: heraf central ledelse og administration i kroner, højst taksten."),
    ),
    (COL_ADDON_NAME, gettext_lazy("Valgfri: navnet på én tillægsydelse.")),
    (COL_ADDON_PRICE, gettext_lazy("Prisen for tillægsydelsen i kroner; tom ved individuel pris.")),
    (COL_ADDON_UNIT, gettext_lazy("time, døgn, måned, km eller individuel.")),
    (
        COL_REASON,
        gettext_lazy(
            "Skal udfyldes, hvis tilbuddet allerede har en offentliggjort takst for året: "
            "så bliver rækken en rettelse (en ny version)."
        ),
    ),
]
