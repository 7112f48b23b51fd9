"""The tariff import, fed made-up files: CSV rows mixing valid and invalid ones in every
encoding and separator, XLSX built from the same rows, random bytes and broken XLSX. Never a
server error, and all rows or none: a rejected import leaves the tariff and offer tables
exactly as they were."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from offers.imports import importer
from offers.imports import jobs as import_jobs
from offers.imports import views as import_views
from offers.models import Offer, RegulationRate, Tariff, TariffAddOn
from partnership import jobs
from partnership.models import Job, JobStatus, Organisation

from .strategies import DATES, NUMBERS, TEXT
from .world import EDITOR_A, FUZZ, YEAR, isolated, user

pytestmark = pytest.mark.postgres
# The import is the riskiest input of all (whole files), and its examples are quick.
FUZZ_IMPORT = settings(FUZZ, max_examples=FUZZ.max_examples * 2)

COLUMNS = importer.COLUMNS


# --- The database before and after -----------------------------------------------------------


def snapshot() -> tuple[int, int, int, str]:
    """Counts of offers, tariffs and add-ons and a checksum of every field of them."""
    tariffs = list(
        Tariff.objects.order_by("pk").values_list(
            "pk",
            "offer_id",
            "year",
            "version",
            "status",
            "price",
            "unit",
            "occupancy_percent",
            "vat_included",
            "overhead_amount",
            "cost_note",
            "correction_reason",
            "published_at",
            "published_by_id",
        )
    )
    addons = list(
        TariffAddOn.objects.order_by("pk").values_list("pk", "tariff_id", "name", "price", "unit")
    )
    offers = list(Offer.objects.order_by("pk").values())
    digest = hashlib.sha256(repr((tariffs, addons, offers)).encode()).hexdigest()
    return len(offers), len(tariffs), len(addons), digest


def published() -> int:
    return Tariff.objects.filter(status="published").count()


# --- The offers the rows are about -----------------------------------------------------------


@pytest.fixture
def offers(world):
    """Three offers of provider A (one with a published tariff for this year, one with a draft
    for it) and one of provider B, which A's editor may not import for."""
    from offers import services
    from tests.factories import make_offer, publish

    world.rates  # noqa: B018 - PL rates from two years ago to next year
    RegulationRate.objects.filter(year=YEAR + 1).delete()  # a year without a PL rate
    a1 = make_offer(name="Botilbuddet Egelunden")
    a2 = make_offer(name="Bostedet Fjordglimt")
    a3 = make_offer(name="Opholdsstedet Kilden", status="draft")
    b1 = make_offer(provider_slug="fonden-solsikken", name="Opholdsstedet Solbakken")
    publish(a1, YEAR, "2500", addons=[("Ledsagelse", "350", "hour")])
    publish(a2, YEAR - 1, "1800")
    services.save_tariff_draft(
        offer=a2,
        year=YEAR,
        fields={"price": Decimal("1900"), "unit": "day", "occupancy_percent": Decimal("90")},
        addons=[],
        by=user(EDITOR_A),
    )
    return {"mine": [a1, a2, a3], "other": b1}


# --- Rows and files --------------------------------------------------------------------------


def danish(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


@st.composite
def valid_row(draw, offers):
    offer = draw(st.sampled_from(offers["mine"]))
    row = dict.fromkeys(COLUMNS, "")
    price = draw(st.decimals(min_value=Decimal("100"), max_value=Decimal("99999"), places=2))
    row.update(
        {
            importer.COL_OFFER_ID: str(offer.pk),
            importer.COL_OFFER: offer.name,
            importer.COL_YEAR: str(draw(st.sampled_from([YEAR - 1, YEAR]))),
            importer.COL_PRICE: draw(st.sampled_from([danish(price), str(price), f"{price} kr."])),
            importer.COL_UNIT: draw(st.sampled_from(["døgn", "måned", "pr. døgn", "md", "day"])),
            importer.COL_OCCUPANCY: draw(st.sampled_from(["95", "100", "87,5", "90 %"])),
            importer.COL_VAT: draw(st.sampled_from(["ja", "nej", "x", "0", "Ja."])),
            importer.COL_REASON: "Ny beregning af lønudgifterne",
        }
    )
    if draw(st.booleans()):
        row[importer.COL_OVERHEAD] = danish(price / 10)
    if draw(st.booleans()):
        row[importer.COL_ADDON_NAME] = draw(st.sampled_from(["Ledsagelse", "Kørsel", "Nattevagt"]))
        row[importer.COL_ADDON_UNIT] = draw(st.sampled_from(["time", "km", "individuel"]))
        if row[importer.COL_ADDON_UNIT] != "individuel":
            row[importer.COL_ADDON_PRICE] = "350,00"
    return row


JUNK = st.one_of(TEXT, NUMBERS, DATES)
NUMBER_COLUMNS = {
    importer.COL_OFFER_ID,
    importer.COL_YEAR,
    importer.COL_PRICE,
    importer.COL_OCCUPANCY,
    importer.COL_OVERHEAD,
    importer.COL_ADDON_PRICE,
}


@st.composite
def any_row(draw, offers):
    """A valid row, or one with some cells made up (an offer id of another provider or of
    none, junk of every kind)."""
    row = draw(valid_row(offers))
    if draw(st.booleans()):
        return row
    for column in draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4, unique=True)):
        row[column] = draw(
            st.one_of(
                NUMBERS if column in NUMBER_COLUMNS else JUNK,
                JUNK,
                st.just(""),
                st.sampled_from(
                    [
                        str(offers["other"].pk),
                        "0",
                        "-1",
                        "99999999",
                        "2147483648",
                        str(YEAR + 1),
                        "1999",
                    ]
                ),
            )
        )
    return row


def csv_bytes(rows, *, delimiter=";", encoding="utf-8-sig", header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(rows, *, header=COLUMNS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([_xlsx_cell(row.get(c, "")) for c in header])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as text, never a formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(text: str):
    """Numbers as numbers (as Excel stores them), anything else as text."""
    try:
        number = int(text)
    except ValueError:
        pass
    else:
        return number if abs(number) < 10**15 else text  # Excel holds 15 digits
    try:
        return float(text) if text.strip() and "." in text and text.count(".") == 1 else text
    except ValueError:
        return text


def _strip_control(text: str) -> str:
    """openpyxl refuses control characters in cells (Excel cannot hold them either)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


@st.composite
def import_file(draw, offers) -> tuple[str, bytes]:
    """A file as a provider (or a broken program) might upload it."""
    rows = draw(st.lists(any_row(offers), min_size=1, max_size=6))
    header = list(COLUMNS)
    # (Hypothesis draws the smallest number most often: the usual case is 0.)
    if draw(st.integers(0, 7)) == 7:  # a header with a column missing, doubled or renamed
        index = draw(st.integers(0, len(header) - 1))
        header[index] = draw(st.sampled_from(["", header[0], "Takst (kr.)", header[index].upper()]))
    kind = draw(st.sampled_from(["csv"] * 4 + ["xlsx"] * 3 + ["bytes", "broken-xlsx", "empty"]))
    if kind == "csv":
        if draw(st.integers(0, 3)) < 3:  # mostly no NUL bytes: they refuse the whole file
            rows = [{c: v.replace("\x00", "") for c, v in row.items()} for row in rows]
        data = csv_bytes(
            rows,
            delimiter=draw(st.sampled_from([";", ";", "\t", ","])),
            encoding=draw(st.sampled_from(["utf-8-sig", "utf-8", "cp1252", "utf-16"])),
            header=header,
        )
        name = draw(st.sampled_from(["takster.csv"] * 4 + ["TAKSTER.CSV", "takster.xlsx"]))
        return name, data
    clean = [{c: _strip_control(str(v)) for c, v in row.items()} for row in rows]
    if kind == "xlsx":
        return "takster.xlsx", xlsx_bytes(clean, header=[_strip_control(h) for h in header])
    if kind == "broken-xlsx":
        whole = xlsx_bytes(clean[:1])
        cut = draw(st.integers(4, len(whole) - 1))
        data = draw(
            st.sampled_from(
                [
                    whole[:cut],
                    whole[:cut] + draw(st.binary(max_size=64)),
                    b"PK\x03\x04" + draw(st.binary(max_size=256)),
                ]
            )
        )
        return draw(st.sampled_from(["takster.xlsx", "takster.csv"])), data
    if kind == "empty":
        return "takster.csv", draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\r\n\r\n", b";;;"]))
    return draw(st.sampled_from(["takster.csv", "takster.xlsx"])), draw(st.binary(max_size=3000))


# --- The service -----------------------------------------------------------------------------


def test_reading_and_checking_a_file_never_writes_and_rejected_rows_are_never_saved(world, offers):
    editor = user(EDITOR_A)
    seen = Counter()  # printed for `pytest -s`

    @FUZZ_IMPORT
    @given(upload=import_file(offers))
    def fuzz(upload):
        name, data = upload

        def example():
            before = snapshot()
            result = importer.parse_import(data=data, filename=name, user=editor)
            assert snapshot() == before, "reading a file wrote to the database"
            seen[f"file errors {bool(result.file_errors)}, valid {result.is_valid}"] += 1
            # The preview shows every row, after a round trip through the session.
            for row in importer.ImportResult.from_json(result.to_json()).rows:
                import_views._display(row)
            if result.file_errors:
                assert not result.rows
            elif result.errors:
                with pytest.raises(ValueError):
                    importer.apply_import(rows=result.rows, by=editor)
                assert snapshot() == before, "a rejected import wrote to the database"
            elif result.is_valid:
                count = published()
                saved = importer.apply_import(rows=result.rows, by=editor)
                assert len(saved) == len(result.rows_to_save)
                assert published() - count == len(saved)

        isolated(example)

    fuzz()
    print(f"\n{dict(seen)}")


@st.composite
def valid_rows_and_sabotage(draw, offers):
    """Valid rows for distinct offer-years, and a change made to the database between
    reading and saving that makes the last row fail."""
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(offers["mine"]), st.sampled_from([YEAR - 1, YEAR])),
            min_size=2,
            max_size=5,
            unique_by=lambda k: (k[0].pk, k[1]),
        )
    )
    rows = []
    for offer, year in keys:
        row = draw(valid_row(offers))
        row[importer.COL_OFFER_ID] = str(offer.pk)
        row[importer.COL_OFFER] = offer.name
        row[importer.COL_YEAR] = str(year)
        rows.append(row)
    return rows, draw(st.sampled_from(["rate", "provider", "published"]))


def _sabotage(how: str, row: importer.ImportRow) -> None:
    """What another person might do meanwhile: the secretariat removes the year's PL rate,
    the offer moves to another provider, or a colleague publishes a new version."""
    from tests.factories import publish

    offer_id, year = row.values["offer_id"], row.values["year"]
    if how == "rate":
        RegulationRate.objects.filter(year=year).delete()
    elif how == "provider":
        Offer.objects.filter(pk=offer_id).update(
            provider=Organisation.objects.get(slug="fonden-solsikken")
        )
    else:
        offer = Offer.objects.get(pk=offer_id)
        Tariff.objects.filter(offer=offer, year=year, status="draft").delete()
        top = Tariff.objects.filter(offer=offer, year=year).order_by("-version").first()
        publish(offer, year, "1234", version=(top.version if top else 0) + 1, reason="Samtidig")


def _first_hit(how: str, target, rows):
    """The first row the change breaks: the year's rows lose their PL rate, the offer's
    rows their editor, and a new published version breaks only that offer's year."""

    def hit(row):
        same_offer = row.values["offer_id"] == target.values["offer_id"]
        same_year = row.values["year"] == target.values["year"]
        return {"rate": same_year, "provider": same_offer}.get(how, same_offer and same_year)

    return next(r for r in rows if hit(r))


def test_a_row_that_fails_while_saving_rolls_back_every_row(world, offers):
    editor = user(EDITOR_A)

    @FUZZ_IMPORT
    @given(case=valid_rows_and_sabotage(offers))
    def fuzz(case):
        rows, how = case

        def example():
            result = importer.parse_import(data=csv_bytes(rows), filename="t.csv", user=editor)
            assert result.is_valid, [str(e) for e in result.errors]
            target = result.rows_to_save[-1]
            _sabotage(how, target)
            before = snapshot()
            with pytest.raises(importer.ImportFailed) as failed:
                importer.apply_import(rows=result.rows, by=editor)
            assert failed.value.row == _first_hit(how, target, result.rows_to_save).number
            assert snapshot() == before, "a failed import left rows behind"

        isolated(example)

    fuzz()


# --- Through the pages -----------------------------------------------------------------------


def _stored_result(client) -> importer.ImportResult | None:
    entries = [v for k, v in client.session.items() if k.startswith("tariff_import:")]
    return import_jobs.load_result(entries[0]["stored"]) if entries else None


def test_uploading_previewing_and_confirming_any_file(world, offers):
    client = Client()
    client.force_login(user(EDITOR_A))
    seen = Counter()  # printed for `pytest -s`

    @FUZZ_IMPORT
    @given(upload=import_file(offers), sabotage=st.sampled_from([None, "rate", "published"]))
    def fuzz(upload, sabotage):
        name, data = upload

        def example():
            before = snapshot()
            response = client.post(
                reverse("offers:tariff_import"), {"file": SimpleUploadedFile(name, data)}
            )
            assert response.status_code in (200, 302), response.status_code
            assert snapshot() == before, "uploading a file wrote to the database"
            if response.status_code == 200:
                seen["refused on upload"] += 1
                return
            preview = response["Location"]
            assert client.get(preview).status_code == 200
            result = _stored_result(client)
            if sabotage and result.is_valid:
                _sabotage(sabotage, result.rows_to_save[0])
            before, published_before = snapshot(), published()
            confirm = client.post(preview.rstrip("/") + "/gem/")
            assert confirm.status_code == 302, confirm.status_code
            assert snapshot() == before, "confirming wrote before the job ran"
            job = Job.objects.filter(kind=import_jobs.KIND).order_by("-pk").first()
            if job is not None and confirm["Location"] == job.get_absolute_url():
                # Confirmed: the job (queued, run here) saves every row or none.
                assert result.is_valid
                jobs.run_job(job.pk)
                job.refresh_from_db()
                seen[f"job {job.status}"] += 1
                if job.status == JobStatus.DONE:
                    assert published() - published_before == len(result.rows_to_save)
                else:
                    assert job.status == JobStatus.FAILED
                    assert job.error.startswith("Intet er gemt."), job.error
                    assert snapshot() == before, "a failed import job changed tariffs or offers"
            else:
                seen["confirm refused"] += 1
                assert client.get(confirm["Location"]).status_code == 200

        isolated(example)

    fuzz()
    print(f"\n{dict(seen)}")
