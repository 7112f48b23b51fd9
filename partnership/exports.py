"""Spreadsheet exports (CSV and XLSX): the one module that writes them, so that no cell of an
export ever becomes a formula, whatever an offer, add-on, provider or question is called.

The rule (OWASP "CSV injection", WSTG-INPV-21): text is formula-like when it starts with
``=``, ``+``, ``-`` or ``@``, or their full-width forms ``＝ ＋ － ＠`` (Excel in East Asian
locales takes those for formula characters too), also after leading whitespace (LibreOffice
can trim spaces on import), or starts with a tab, carriage return or line feed. Text that is
only a number (``-3,5``, ``+12``, ``1.234,50``) is not formula-like: it cannot call anything,
and a negative change in % must stay a number to a spreadsheet.

How formula-like text is made inert:

* CSV has no cell types, so the text gets a leading apostrophe (``'=HYPERLINK(…)``), OWASP's
  advice; ``spreadsheet_text()``.
* XLSX has cell types: every text cell is written as text (never a formula, never an error
  value such as ``#N/A``), and formula-like text also gets Excel's quote prefix (the ``xf``
  attribute ``quotePrefix``, ECMA-376 §18.8.45): the file-format form of the same apostrophe.
  The cell shows the text exactly as typed and stays text when someone edits it.

Numbers stay numbers and None stays empty. JSON exports are not spreadsheets: their values are
written as they are.

Every export goes through ``csv_text()`` or ``XlsxWorkbook``; tests/partnership/test_exports.py
fails when another module imports a CSV writer or openpyxl.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from . import formats
from .lazy import lazy_module

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl when the first workbook is written (partnership/lazy.py).
openpyxl = lazy_module("openpyxl")
openpyxl_cell = lazy_module("openpyxl.cell.cell")
openpyxl_styles = lazy_module("openpyxl.styles")
openpyxl_utils = lazy_module("openpyxl.utils")
openpyxl_validation = lazy_module("openpyxl.worksheet.datavalidation")
openpyxl_properties = lazy_module("openpyxl.worksheet.properties")

FORMULA_CHARACTERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CONTROL_STARTS = ("\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula."""
    if text.startswith(CONTROL_STARTS):
        return True
    stripped = text.lstrip()
    if not stripped or stripped[0] not in FORMULA_CHARACTERS:
        return False
    return not _NUMBER.fullmatch(text)


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell's value made inert: formula-like text gets a leading apostrophe; numbers,
    None and other text are returned as they are."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


# --- CSV -------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("Write a yes/no value as text in a CSV export (ja/nej).")
    if type(value) is int:  # (what formats.plain() writes of an int, without its Decimal)
        return str(value)
    if isinstance(value, int | float | Decimal):
        return formats.plain(value)
    return spreadsheet_text(str(value))


def csv_text(rows: Iterable[Iterable[Any]], *, delimiter: str = ";") -> str:
    """Rows as CSV the way Danish Excel opens it (UTF-8 with a BOM, ``;`` between cells, CRLF):
    numbers with a decimal comma and no thousands separators (partnership.formats.plain),
    None as an empty cell, every text through ``spreadsheet_text()``."""
    return "".join(csv_lines(rows, delimiter=delimiter))


def csv_lines(rows: Iterable[Iterable[Any]], *, delimiter: str = ";") -> Iterator[str]:
    """The same CSV as csv_text(), a line at a time (the BOM first): for a streamed response,
    which holds one row in memory however many there are."""
    yield "\ufeff"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def in_chunks(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[str]:
    """Lines joined into pieces of about `size` characters, for a streamed response: the
    server writes a piece at a time instead of a line at a time, and memory stays flat."""
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= size:
            yield "".join(piece)
            piece, length = [], 0
    if piece:
        yield "".join(piece)


# --- XLSX ------------------------------------------------------------------------------------


@cache
def _bold() -> Font:
    return openpyxl_styles.Font(bold=True)


@cache
def _wrap() -> Alignment:
    return openpyxl_styles.Alignment(wrap_text=True, vertical="top")


def _write(cell: Cell, value: Any) -> None:
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        # XLSX cannot hold control characters (openpyxl refuses them): they go, so a name
        # typed with one cannot break the export.
        value = openpyxl_cell.ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
        if is_formula_like(value):
            cell.quotePrefix = True


class XlsxSheet:
    """One worksheet, filled row by row with ``append()``; the sheet's layout through the
    other methods. Every value is written by ``_write()``."""

    def __init__(self, worksheet: Worksheet) -> None:
        self._ws = worksheet
        self.row = 0  # the last row written

    def append(self, values: Iterable[Any] = ()) -> list[Cell]:
        """Write the next row; returns its cells (for ``style()``)."""
        self.row += 1
        cells = []
        for column, value in enumerate(values, start=1):
            cell = self._ws.cell(row=self.row, column=column)
            _write(cell, value)
            cells.append(cell)
        return cells

    def cells(self) -> list[Cell]:
        """Every cell of the sheet so far, row by row."""
        return [cell for row in self._ws.iter_rows() for cell in row]

    def style(
        self,
        cells: Iterable[Cell],
        *,
        bold: bool = False,
        wrap: bool = False,
        fill: str | None = None,
        number_format: str | None = None,
    ) -> None:
        """Bold, wrapped and top-aligned, filled with an RGB colour, or a number format."""
        for cell in cells:
            if bold:
                cell.font = _bold()
            if wrap:
                cell.alignment = _wrap()
            if fill:
                cell.fill = openpyxl_styles.PatternFill("solid", fgColor=fill)
            if number_format:
                cell.number_format = number_format

    def column(self, column: int, first_row: int, last_row: int) -> list[Cell]:
        """The cells of one column (1-based) from first_row to last_row, also empty ones."""
        return [self._ws.cell(row=row, column=column) for row in range(first_row, last_row + 1)]

    def set_width(self, column: int, width: float) -> None:
        self._ws.column_dimensions[openpyxl_utils.get_column_letter(column)].width = width

    def freeze(self, cell: str) -> None:
        """Keep the rows above and the columns left of ``cell`` in view."""
        self._ws.freeze_panes = cell

    def fit_to_width(
        self,
        *,
        landscape: bool = False,
        title_rows: str | None = None,
        title_columns: str | None = None,
    ) -> None:
        """Print on A4, one page wide (as many pages tall as it takes), so that no column is
        printed on a page of its own; `title_rows` ("1:1") and `title_columns` ("A:A") are
        repeated on every printed page, so labels stay with their values."""
        ws = self._ws
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages tall as needed
        ws.sheet_properties.pageSetUpPr = openpyxl_properties.PageSetupProperties(fitToPage=True)
        if title_rows:
            ws.print_title_rows = title_rows
        if title_columns:
            ws.print_title_cols = title_columns

    def filter_columns(self, columns: int) -> None:
        """Filter buttons on the header row over the first ``columns`` columns."""
        last = openpyxl_utils.get_column_letter(columns)
        self._ws.auto_filter.ref = f"A1:{last}{max(self.row, 2)}"

    def list_validation(
        self, column: int, choices: Sequence[str], first_row: int, last_row: int
    ) -> None:
        """A drop-down of ``choices`` (blank allowed) in one column's rows."""
        letter = openpyxl_utils.get_column_letter(column)
        validation = openpyxl_validation.DataValidation(
            type="list", formula1='"{}"'.format(",".join(choices)), allow_blank=True
        )
        validation.add(f"{letter}{first_row}:{letter}{last_row}")
        self._ws.add_data_validation(validation)


class XlsxWorkbook:
    """A workbook of ``XlsxSheet``s, saved with ``to_bytes()``."""

    def __init__(self) -> None:
        self._book = openpyxl.Workbook()
        self._sheets: list[XlsxSheet] = []

    def sheet(self, title: str) -> XlsxSheet:
        """A new sheet at the end (the first one takes the workbook's empty first sheet)."""
        worksheet = self._book.active if not self._sheets else self._book.create_sheet()
        worksheet.title = str(title)
        sheet = XlsxSheet(worksheet)
        self._sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
