"""Exports cannot carry formulas (issue 11, finding 3): a name that starts with `=`, `+`, `-`
or `@` is text in every CSV and XLSX the portal writes, and numbers stay numbers.

Every export is enumerated twice: statically (only partnership/exports.py may write CSV or
XLSX, and only known modules name a spreadsheet content type) and by downloading each one."""

from __future__ import annotations

import ast
import csv
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from offers.imports import importer
from offers.models import AnswerKind, DeclarationAnswer, DeclarationQuestion, PublishedReport
from offers.selectors import current_year
from partnership.exports import XlsxWorkbook, csv_text, spreadsheet_text
from partnership.models import Job, JobStatus, Organisation
from tests.factories import demo_user, make_offer, pl_rates, publish
from tests.source import lazily_imported

YEAR = current_year()
CASEWORKER = "sagsbehandler.slagelse@portal.example"
SECRETARIAT = "sekretariat@portal.example"
EDITOR = "leverandoer.a@portal.example"

OFFER_NAME = '=HYPERLINK("http://x","y")'
ADDON_NAME = "+1+1"
PROVIDER_NAME = "@Bostedet Egelund"
MUNICIPALITY_NAME = "-Slagelse Kommune"

# What a spreadsheet may take for a formula (written independently of partnership/exports.py).
FORMULA = re.compile(r"^[\t\r\n]|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")


# --- The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        OFFER_NAME,
        ADDON_NAME,
        "-1+1",
        "@SUM(1,1)",
        "=cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\tTab first",
        "  =1+1",  # leading spaces: LibreOffice may trim them on import
        "\u00a0=1+1",  # a non-breaking space too
        "\uff1d1+1",  # full-width ＝
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(1)",
        "-",
        "+",
    ],
)
def test_formula_like_text_gets_an_apostrophe(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "Bostedet Åløkke",
        "'=already text",
        "1+1",
        "kr. -5",
        "-3,5",  # a negative change in %, as the CSV writes it
        "+4,5",
        "-1.234,50",
        "1234.50",
        3,
        -3.5,
        Decimal("-12.30"),
    ],
)
def test_numbers_empty_and_plain_text_are_kept_as_they_are(value):
    assert spreadsheet_text(value) == value


def test_csv_writes_numbers_as_numbers_and_text_as_inert_text():
    text = csv_text([["navn", "pris", "aendring"], [OFFER_NAME, Decimal("1234.50"), -3.5]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["navn", "pris", "aendring"], ["'" + OFFER_NAME, "1234,50", "-3,5"]]
    # A separator or a line break cannot start a new cell with a formula.
    rows = list(csv.reader(io.StringIO(csv_text([["a;=1+1", "b\n=1+1"]])[1:]), delimiter=";"))
    assert len(rows) == 1 and len(rows[0]) == 2


def test_csv_refuses_to_guess_how_to_write_yes_or_no():
    with pytest.raises(TypeError):
        csv_text([[True]])


def test_xlsx_text_cells_are_text_and_formula_like_text_is_quote_prefixed():
    book = XlsxWorkbook()
    sheet = book.sheet("Ark")
    sheet.append([OFFER_NAME, "#N/A", None, "Almindelig tekst", -3.5, 12])
    ws = load_workbook(io.BytesIO(book.to_bytes())).active
    name, error_like, empty, plain, change, places = next(ws.iter_rows())
    assert (name.value, name.data_type, name.quotePrefix) == (OFFER_NAME, "s", True)
    assert (error_like.value, error_like.data_type) == ("#N/A", "s")
    assert (plain.data_type, plain.quotePrefix) == ("s", False)
    assert (change.value, change.data_type) == (-3.5, "n")
    assert (places.value, places.data_type) == (12, "n")
    assert empty.value is None


# --- Every export, statically --------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
EXPORTS_MODULE = "partnership/exports.py"
NOT_PROJECT_CODE = {"tests", "bench", "node_modules", "static", "templates", "locale", "media"}
# Spreadsheet libraries that write files; `openpyxl.load_workbook` only reads (the tariff import).
WRITER_LIBRARIES = {
    "openpyxl",
    "xlsxwriter",
    "xlwt",
    "odf",
    "pyexcel",
    "tablib",
    "pandas",
    "polars",
}
READERS = {("openpyxl", "load_workbook")}
READER_MODULES = {"openpyxl.reader.excel"}  # the same, as partnership.lazy.lazy_module names it
CSV_WRITERS = {"writer", "DictWriter", "*"}
SPREADSHEET_TYPES = ("text/csv", "spreadsheetml", "ms-excel", "opendocument.spreadsheet")
# Modules that name a spreadsheet content type themselves: each entry says why that is fine.
# A new module that serves a spreadsheet fails until its file is written by partnership/exports.
CONTENT_TYPE_SITES = {
    "offers/imports/views.py": "the import template (CSV and XLSX), written by offers.imports.importer "
    "through partnership.exports",
    "meetings/views.py": "meeting attachments: the uploaded file, served as uploaded",
}


def project_modules() -> list[str]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith((".", "__"))
            and not d.endswith(".egg-info")
            and not (relative == Path(".") and d in NOT_PROJECT_CODE)
        )
        found += [(relative / f).as_posix() for f in sorted(files) if f.endswith(".py")]
    return found


def spreadsheet_writers(source: str) -> list[str]:
    """What in this source writes a spreadsheet file without partnership/exports.py."""
    tree = ast.parse(source)
    found, csv_names = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in WRITER_LIBRARIES:
                    found.append(f"line {node.lineno}: import {alias.name}")
                if alias.name == "csv":
                    csv_names.add(alias.asname or "csv")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if node.module.split(".")[0] in WRITER_LIBRARIES and (
                    (node.module, alias.name) not in READERS
                ):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                if node.module == "csv" and alias.name in CSV_WRITERS:
                    found.append(f"line {node.lineno}: from csv import {alias.name}")
        elif (  # an import at first use (partnership/lazy.py)
            (lazy := lazily_imported(node))
            and lazy.split(".")[0] in WRITER_LIBRARIES
            and lazy not in READER_MODULES
        ):
            found.append(f"line {node.lineno}: lazy_module({lazy!r})")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in csv_names
            and node.attr in CSV_WRITERS
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def names_spreadsheet_type(source: str) -> bool:
    return any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(kind in node.value for kind in SPREADSHEET_TYPES)
        for node in ast.walk(ast.parse(source))
    )


def test_the_scan_sees_the_project_and_recognises_a_writer():
    modules = project_modules()
    for expected in (
        "offers/compare/views.py",
        "offers/imports/importer.py",
        "contracts/models.py",
        EXPORTS_MODULE,
    ):
        assert expected in modules
    assert not any(m.startswith(("tests/", "bench/", ".venv/")) for m in modules)
    assert spreadsheet_writers((ROOT / EXPORTS_MODULE).read_text())  # the one real writer
    for source in (
        "import openpyxl",
        "from openpyxl.styles import Font",
        "def f():\n    from openpyxl import Workbook",
        "import csv\ncsv.writer(out)",
        "import csv as c\nc.DictWriter(out, [])",
        "from csv import DictWriter",
        "import xlsxwriter",
        'styles = lazy_module("openpyxl.styles")',
    ):
        assert spreadsheet_writers(source), source
    for source in (
        "import csv\ncsv.reader(text)",
        "from openpyxl import load_workbook",
        'reader = lazy_module("openpyxl.reader.excel")',
    ):
        assert not spreadsheet_writers(source), source


def test_only_the_exports_module_writes_csv_or_xlsx():
    offenders = {}
    for module in project_modules():
        if module == EXPORTS_MODULE:
            continue
        found = spreadsheet_writers((ROOT / module).read_text())
        if found:
            offenders[module] = found
    assert offenders == {}, (
        "Write CSV and XLSX through partnership/exports.py (csv_text, XlsxWorkbook), so no "
        f"cell can become a formula: {offenders}"
    )


def test_every_module_that_serves_a_spreadsheet_is_known():
    sites = {
        module
        for module in project_modules()
        if module != EXPORTS_MODULE and names_spreadsheet_type((ROOT / module).read_text())
    }
    assert sites == set(CONTENT_TYPE_SITES), (
        "A module serves a spreadsheet: write it through partnership/exports.py and use "
        "CSV_CONTENT_TYPE/XLSX_CONTENT_TYPE, or say here why it is not an export."
    )


# --- Every export, downloaded --------------------------------------------------------------


@pytest.fixture
def hostile(demo):
    """An offer whose name is a formula, with an add-on called +1+1, from a provider called
    @… in a municipality called -…; its tariff fell since last year."""
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    Organisation.objects.filter(slug="bostedet-egelund").update(name=PROVIDER_NAME)
    Organisation.objects.filter(slug="slagelse").update(name=MUNICIPALITY_NAME)
    offer = make_offer(name=OFFER_NAME)
    publish(offer, YEAR - 1, "2000.00")
    publish(offer, YEAR, "1900.00", addons=[(ADDON_NAME, Decimal("465.00"), "hour")])
    question = DeclarationQuestion.objects.get(key="transport")
    DeclarationAnswer.objects.create(offer=offer, question=question, answer=AnswerKind.INCLUDED)
    plain = make_offer(name="Bostedet Åløkke")
    publish(plain, YEAR, "2500.50")
    return offer


def login(client, email):
    client.force_login(demo_user(email))
    return client


def content(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def inert_csv(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        for cell in row:
            assert not FORMULA.match(cell) or NUMBER.match(cell), cell
    return rows


def inert_workbook(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                where = (ws.title, cell.coordinate, cell.value)
                assert cell.data_type != "f", where
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", where
                    assert not FORMULA.match(cell.value) or cell.quotePrefix, where
    return workbook


def test_open_data_csv_writes_names_as_text_and_numbers_as_numbers(client, hostile):
    login(client, CASEWORKER)
    data = content(client.get(reverse("offers:open_data", args=["csv"])))
    header, *rows = inert_csv(data)
    row = next(dict(zip(header, r, strict=True)) for r in rows if OFFER_NAME in r[1])
    assert row["navn"] == "'" + OFFER_NAME
    assert row["leverandoer"] == "'" + PROVIDER_NAME
    assert row["beliggenhedskommune"] == "'" + MUNICIPALITY_NAME
    assert row["takst"] == "1900,00"
    assert row["aendring_pct"] == "-5,0"  # a negative number, not text


def test_open_data_json_keeps_the_values_as_they_are(client, hostile):
    # JSON is not a spreadsheet: a consumer gets the name exactly as the provider wrote it.
    login(client, CASEWORKER)
    data = content(client.get(reverse("offers:open_data", args=["json"])))
    assert OFFER_NAME.replace('"', '\\"') in data.decode()


def test_comparison_xlsx_has_no_formulas_and_keeps_numbers(client, hostile):
    login(client, CASEWORKER)
    client.post(reverse("offers:compare_add"), {"offer": hostile.pk})
    workbook = inert_workbook(content(client.get(reverse("offers:compare_xlsx"))))
    ws = workbook.active
    rows = {row[0].value: row[1] for row in ws.iter_rows()}
    assert ws["B1"].value == OFFER_NAME and ws["B1"].quotePrefix
    assert rows["Leverandør"].value == PROVIDER_NAME
    assert rows["Beliggenhedskommune"].value == MUNICIPALITY_NAME
    # One row per add-on, named by it; its price a number.
    addon = next(row for row in ws.iter_rows() if str(row[0].value).startswith(ADDON_NAME))
    assert addon[0].quotePrefix and addon[1].data_type == "n"
    tariff = rows[f"Takst {YEAR} (som angivet)"]
    assert tariff.value == 1900 and tariff.data_type == "n"
    change = rows["Ændring fra sidste år (%)"]
    assert change.value == -5 and change.data_type == "n"


def test_takstoversigt_xlsx_has_no_formulas_ordered_and_from_the_library(client, hostile):
    cvr = Organisation.objects.get(slug="bostedet-egelund").cvr
    login(client, SECRETARIAT)
    response = client.post(
        reverse("offers:tariff_overview_order"),
        {"aar": str(YEAR), "format": "xlsx", "leverandoer": cvr},
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.error
    ordered = content(client.get(reverse("partnership:job_download", args=[job.pk])))
    client.post(reverse("offers:library_publish"), {"job": job.pk, "title": ""})
    report = PublishedReport.objects.get()

    login(client, CASEWORKER)
    published = content(client.get(reverse("offers:library_download", args=[report.pk])))
    assert published == ordered
    workbook = inert_workbook(published)
    ws, about = workbook.worksheets
    header = [c.value for c in ws[1]]
    rows = {r[header.index("Tilbud")].value: r for r in ws.iter_rows(min_row=2)}
    row = rows[OFFER_NAME]
    assert row[header.index("Tilbud")].quotePrefix
    assert row[header.index("Leverandør")].value == PROVIDER_NAME
    assert row[header.index("Beliggenhedskommune")].value == MUNICIPALITY_NAME
    assert row[header.index("Tillægsydelser")].value.startswith(ADDON_NAME)
    price = row[header.index("Takst (kr.)")]
    change = row[header.index("Ændring fra sidste år (%)")]
    assert (price.value, price.data_type) == (1900, "n")
    assert (change.value, change.data_type) == (-5, "n")
    filters = {r[0].value: r[1] for r in about.iter_rows() if len(r) > 1}
    assert filters["Leverandør"].value == PROVIDER_NAME and filters["Leverandør"].quotePrefix


def test_import_template_csv_writes_names_as_text_and_still_reads_back(client, hostile):
    login(client, EDITOR)
    data = content(client.get(reverse("offers:tariff_import_template", args=["csv"])))
    header, *rows = inert_csv(data)
    row = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == str(hostile.pk))
    assert row[importer.COL_OFFER] == "'" + OFFER_NAME
    assert row[importer.COL_YEAR] == str(YEAR)
    result = importer.parse_import(data=data, filename="takster.csv", user=demo_user(EDITOR))
    assert result.errors == [] and all(r.skipped for r in result.rows)


def test_import_template_xlsx_writes_names_as_text_and_ids_as_numbers(client, hostile):
    login(client, EDITOR)
    workbook = inert_workbook(
        content(client.get(reverse("offers:tariff_import_template", args=["xlsx"])))
    )
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2) if r[0].value is not None}
    row = rows[hostile.pk]
    name = row[header.index(importer.COL_OFFER)]
    assert (name.value, name.quotePrefix) == (OFFER_NAME, True)
    assert row[header.index(importer.COL_YEAR)].value == YEAR


def test_a_control_character_in_a_name_does_not_break_an_xlsx_export():
    book = XlsxWorkbook()
    sheet = book.sheet("Ark")
    sheet.append(["Bo\x01sted\x1f", "=1+1\x02"])
    cells = load_workbook(io.BytesIO(book.to_bytes())).active[1]
    assert [c.value for c in cells] == ["Bosted", "=1+1"]
    assert all(c.data_type == "s" for c in cells)
