"""A provider editor imports tariffs for many offers from a CSV or XLSX file: every row is
shown with its errors before anything is saved, and saving is all rows or none."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.imports import importer
from offers.models import (
    Offer,
    OfferStatus,
    PriceUnit,
    RegulationRate,
    Tariff,
    TariffStatus,
    TariffUnit,
)
from offers.selectors import current_year
from partnership.models import Job, JobStatus
from tests.factories import OfferFactory, TariffFactory, demo_org, demo_user

YEAR = current_year()  # on the test clock
EDITOR_A = "leverandoer.a@portal.example"
EDITOR_B = "leverandoer.b@portal.example"
HEADER = (
    "tilbud_id;tilbud;takstår;takst;enhed;belægning_pct;moms_inkluderet;overhead;"
    "tillæg_navn;tillæg_pris;tillæg_enhed;tillæg_handling;begrundelse"
)


def make_offer(provider_slug: str, name: str) -> Offer:
    """A draft offer in Slagelse with no paragraph or target group."""
    return OfferFactory(
        provider=demo_org(provider_slug),
        name=name,
        address="Egevej 1",
        age_max=99,
        description="Botilbud til voksne.",
        methods="Low arousal.",
        status=OfferStatus.DRAFT,
        paragraphs=[],
        target_groups=[],
    )


def publish(offer: Offer, year: int, price: str, *, addons=()) -> Tariff:
    """A published tariff, made as the tariff form would: draft, add-ons, publish."""
    return TariffFactory(
        offer=offer,
        year=year,
        price=price,
        created_by=demo_user(EDITOR_A),
        cost_note=f"Budget {YEAR}",
        addons=addons,
        published_by=None,
    )


@pytest.fixture
def setup(demo):
    RegulationRate.objects.create(year=YEAR - 1, rate=Decimal("2.60"))
    RegulationRate.objects.create(year=YEAR, rate=Decimal("2.40"))
    return {
        "egelund": make_offer("bostedet-egelund", "Botilbuddet Egelunden"),
        "fjord": make_offer("bostedet-egelund", "Bostedet Fjordglimt"),
        "other": make_offer("fonden-solsikken", "Opholdsstedet Solbakken"),
    }


@pytest.fixture
def editor_client(setup, as_provider):
    """Bostedet Egelund's editor (EDITOR_A), once the offers are there."""
    return as_provider


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def upload(client, data: bytes, name: str = "takster.csv"):
    """Upload a file and follow to the preview page."""
    return client.post(
        reverse("offers:tariff_import"),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def preview_key(response) -> str:
    return response.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]


def parse(data: bytes, name: str = "takster.csv") -> importer.ImportResult:
    return importer.parse_import(data=data, filename=name, user=demo_user(EDITOR_A))


# --- Reading what Danish Excel writes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,50", "1234.50"),
        ("1234,5", "1234.5"),
        ("1234.50", "1234.50"),
        ("95.5", "95.5"),
        ("2 650,00 kr.", "2650.00"),
        ("2\u00a0650,00", "2650.00"),
        ("1.234.567", "1234567"),
        ("-12,50", "-12.50"),
        ("2650", "2650"),
    ],
)
def test_danish_decimals_are_read(text, expected):
    assert importer.parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234", "12,3,4", "1.23,4", "abc", "kr."])
def test_ambiguous_or_broken_numbers_are_refused_in_danish(text):
    with pytest.raises(importer.CellError) as exc:
        importer.parse_decimal(text)
    assert text in str(exc.value)


def test_ambiguous_point_says_both_readings():
    with pytest.raises(importer.CellError, match="både som 1234 og som 1,234"):
        importer.parse_decimal("1.234")


def test_danish_excel_csv_in_windows_1252_with_semicolons_is_read(setup):
    egelund = setup["egelund"]
    data = csv_file(
        f"{egelund.pk};{egelund.name};{YEAR};1.234,50;Pr. døgn;92,5 %;Nej;200,00;"
        "Ledsagelse;450,00;time;",
        header=" Tilbud_ID ; Tilbud ; TAKSTÅR ;Takst;Enhed;Belægning_pct;Moms_inkluderet;"
        "Overhead;Tillæg_navn;Tillæg_pris;Tillæg_enhed;Begrundelse",
        encoding="cp1252",
    )
    result = parse(data)
    assert [str(e) for e in result.errors] == []
    [row] = result.rows
    assert row.number == 2
    assert row.values["price"] == Decimal("1234.50")
    assert row.values["unit"] == TariffUnit.DAY
    assert row.values["occupancy_percent"] == Decimal("92.5")
    assert row.values["vat_included"] is False
    assert row.values["overhead_amount"] == Decimal("200.00")
    assert row.values["addon_unit"] == PriceUnit.HOUR
    assert row.offer_name == "Botilbuddet Egelunden"


def test_utf8_csv_with_bom_and_ascii_spelled_units_is_read(setup):
    egelund, fjord = setup["egelund"], setup["fjord"]
    data = csv_file(
        f"{egelund.pk};Botilbuddet Egelunden;{YEAR};2650;doegn;95;ja;;;;;",
        f"{fjord.pk};Bostedet Fjordglimt;{YEAR};38.500,00;maaned;100;nej;;;;;",
    )
    assert data.startswith(b"\xef\xbb\xbf")
    result = parse(data)
    assert result.errors == []
    assert [r.values["unit"] for r in result.rows] == [TariffUnit.DAY, TariffUnit.MONTH]
    assert result.rows[1].values["price"] == Decimal("38500.00")


def test_comma_separated_csv_is_read(setup):
    egelund = setup["egelund"]
    data = (
        "tilbud_id,takstår,takst,enhed,belægning_pct,moms_inkluderet\r\n"
        f'{egelund.pk},{YEAR},"2.650,50",døgn,95,ja\r\n'
    ).encode()
    result = parse(data)
    assert result.errors == []
    assert result.rows[0].values["price"] == Decimal("2650.50")


def xlsx_file(rows: list[list], *, percent_occupancy: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(importer.COLUMNS)
    for row in rows:
        sheet.append(row)
        if percent_occupancy:
            sheet.cell(row=sheet.max_row, column=6).number_format = "0%"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_is_read_with_numbers_as_numbers(setup):
    egelund, fjord = setup["egelund"], setup["fjord"]
    data = xlsx_file(
        [
            [egelund.pk, egelund.name, YEAR, 2650.5, "døgn", 0.95, "ja"],
            [None] * 7,  # a blank row keeps Excel's numbering
            [fjord.pk, fjord.name, YEAR, 38500, "måned", 0.925, "nej", 1000.25],
        ],
        percent_occupancy=True,
    )
    result = parse(data, "takster.xlsx")
    assert result.errors == []
    assert [r.number for r in result.rows] == [2, 4]
    first, second = result.rows
    assert first.values["price"] == Decimal("2650.5")
    assert first.values["occupancy_percent"] == Decimal("95")
    assert second.values["occupancy_percent"] == Decimal("92.5")
    assert second.values["overhead_amount"] == Decimal("1000.25")


def test_xlsx_with_a_price_of_three_decimals_is_refused(setup):
    egelund = setup["egelund"]
    data = xlsx_file([[egelund.pk, egelund.name, YEAR, 2650.505, "døgn", 95, "ja"]])
    errors = [str(e) for e in parse(data, "takster.xlsx").errors]
    assert errors == ["Række 2, kolonne «takst»: Taksten må højst have 2 decimaler (øre)."]


# --- Bad input: a Danish message naming the row and the column, nothing saved ----------------


def good_row(offer: Offer, **changes) -> str:
    cells = {
        "tilbud_id": str(offer.pk),
        "tilbud": offer.name,
        "takstår": str(YEAR),
        "takst": "2.650,00",
        "enhed": "døgn",
        "belægning_pct": "95",
        "moms_inkluderet": "nej",
        "overhead": "",
        "tillæg_navn": "",
        "tillæg_pris": "",
        "tillæg_enhed": "",
        "tillæg_handling": "",
        "begrundelse": "",
    }
    cells.update(changes)
    return ";".join(cells[c] for c in importer.COLUMNS)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"takst": "-2.650,00"}, "Række 3, kolonne «takst»: Taksten skal være over 0 kr."),
        ({"takst": "2.650,505"}, "Række 3, kolonne «takst»: Taksten må højst have 2 decimaler"),
        ({"takst": "0"}, "Række 3, kolonne «takst»: Taksten skal være over 0 kr."),
        ({"enhed": ""}, "Række 3, kolonne «enhed»: Skriv enheden for taksten: døgn eller måned."),
        ({"enhed": "uge"}, "Række 3, kolonne «enhed»: «uge» er ikke en enhed for taksten"),
        ({"belægning_pct": "0"}, "Række 3, kolonne «belægning_pct»: Belægningen skal være over 0"),
        (
            {"belægning_pct": "100,5"},
            "Række 3, kolonne «belægning_pct»: Belægningen skal være over 0",
        ),
        ({"moms_inkluderet": "måske"}, "Række 3, kolonne «moms_inkluderet»: «måske» er hverken ja"),
        ({"overhead": "3.000,00"}, "Række 3, kolonne «overhead»: Overhead kan ikke være større"),
        (
            {"tillæg_navn": "Ledsagelse", "tillæg_enhed": "time"},
            "Række 3, kolonne «tillæg_pris»: Skriv prisen for tillægsydelsen",
        ),
        ({"tilbud_id": "abc"}, "Række 3, kolonne «tilbud_id»: «abc» er ikke et tilbuds-id"),
        (
            {"tilbud_id": "9" * 25},
            f"Række 3, kolonne «tilbud_id»: Der findes intet tilbud med id {'9' * 25}",
        ),
        ({"takstår": "9" * 25}, "Række 3, kolonne «takstår»: Takståret skal ligge mellem 2000"),
        ({"takst": "9" * 40 + ",00"}, "Række 3, kolonne «takst»: Taksten er for stor."),
        ({"takst": "1.234"}, "Række 3, kolonne «takst»: «1.234» kan læses både som 1234"),
        (
            {"tilbud_id": "999999"},
            "Række 3, kolonne «tilbud_id»: Der findes intet tilbud med id 999999",
        ),
    ],
)
def test_a_file_with_one_bad_row_shows_the_error_and_saves_nothing(
    editor_client, setup, changes, expected
):
    before = Tariff.objects.count()
    data = csv_file(
        good_row(setup["fjord"]),
        good_row(setup["egelund"], **changes),
    )
    response = upload(editor_client, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert expected in body
    assert "Intet er gemt" in body
    assert "Gem alle" not in body
    # Every row is listed, the good one too.
    assert "Bostedet Fjordglimt" in body
    # Posting the confirmation anyway saves nothing.
    editor_client.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    assert Tariff.objects.count() == before


def test_two_prices_for_one_offer_and_year_are_refused_naming_both_rows(editor_client, setup):
    egelund = setup["egelund"]
    data = csv_file(good_row(egelund), good_row(egelund, takst="2.700,00"))
    body = upload(editor_client, data).content.decode()
    assert (
        f"Række 3, kolonne «takst»: Tilbud {egelund.pk} har allerede en række for {YEAR} (række 2)"
        " med en anden værdi i «takst»" in body
    )
    assert Tariff.objects.count() == 0


def test_another_providers_offer_is_refused(editor_client, setup):
    other = setup["other"]
    other.status = "published"
    other.save()
    body = upload(
        editor_client, csv_file(good_row(setup["egelund"]), good_row(other))
    ).content.decode()
    assert (
        "Række 3, kolonne «tilbud_id»: Du kan ikke indlæse takster for «Opholdsstedet Solbakken»"
        in body
    )
    assert Tariff.objects.count() == 0


def test_year_without_pl_rate_is_refused_naming_the_year(editor_client, setup):
    later = YEAR + 5
    body = upload(
        editor_client, csv_file(good_row(setup["egelund"], takstår=str(later)))
    ).content.decode()
    assert f"Række 2, kolonne «takstår»: Der er ingen PL-sats for {later} endnu" in body
    assert Tariff.objects.count() == 0


def test_correction_without_reason_is_refused(editor_client, setup):
    egelund = setup["egelund"]
    publish(egelund, YEAR, "2600.00")
    body = upload(editor_client, csv_file(good_row(egelund))).content.decode()
    assert "Række 2, kolonne «begrundelse»:" in body
    assert "bliver en rettelse (version 2). Skriv, hvorfor taksten rettes." in body
    assert Tariff.objects.count() == 1


def test_header_without_a_required_column_is_refused_on_the_upload_page(editor_client, setup):
    data = csv_file(
        f"1;x;{YEAR};2650;døgn;95", header="tilbud_id;tilbud;takstår;takst;enhed;belægning"
    )
    response = upload(editor_client, data)
    body = response.content.decode()
    assert response.redirect_chain == []
    assert "Kolonnen «belægning_pct» mangler i første række" in body
    assert "Kolonnen «moms_inkluderet» mangler i første række" in body


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("takster.txt", b"tilbud_id;takst", "Vælg en CSV- eller Excel-fil"),
        ("takster.xlsx", b"tilbud_id;takst\r\n", "Filen hedder .xlsx, men er ikke en Excel-fil"),
        ("takster.csv", b"x" * (10 * 1024 * 1024 + 1), "Den må højst fylde 10 MB"),
    ],
)
def test_upload_checks_extension_content_and_size(editor_client, name, data, expected):
    response = upload(editor_client, data, name)
    assert response.redirect_chain == []
    assert expected in response.content.decode()


# --- Saving: all rows or none ---------------------------------------------------------------


def test_a_fixed_file_imports_and_publishes_every_row(editor_client, setup):
    egelund, fjord = setup["egelund"], setup["fjord"]
    data = csv_file(
        good_row(egelund, tillæg_navn="Ledsagelse", tillæg_pris="450,00", tillæg_enhed="time"),
        good_row(
            fjord, takst="38.500,00", enhed="måned", overhead="1.200,50", moms_inkluderet="ja"
        ),
    )
    response = upload(editor_client, data)
    body = response.content.decode()
    assert "Gem alle 2 takster" in body
    assert "2.650,00 kr." in body
    assert Tariff.objects.count() == 0  # nothing saved before confirming

    saved = editor_client.post(
        reverse("offers:tariff_import_confirm", args=[preview_key(response)]), follow=True
    )
    # Saved by a background job (run at once here: no broker), followed on its page.
    job = Job.objects.get(kind="tariff_import")
    assert saved.redirect_chain[-1][0] == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    assert "2 takster er gemt og offentliggjort." in saved.content.decode()
    tariffs = {t.offer_id: t for t in Tariff.objects.all()}
    assert set(tariffs) == {egelund.pk, fjord.pk}
    assert all(t.status == TariffStatus.PUBLISHED and t.version == 1 for t in tariffs.values())
    assert tariffs[egelund.pk].price == Decimal("2650.00")
    assert [(a.name, a.price, a.unit) for a in tariffs[egelund.pk].addons.all()] == [
        ("Ledsagelse", Decimal("450.00"), PriceUnit.HOUR)
    ]
    assert tariffs[fjord.pk].unit == TariffUnit.MONTH
    assert tariffs[fjord.pk].overhead_amount == Decimal("1200.50")
    assert tariffs[fjord.pk].vat_included is True

    # The same preview cannot be saved twice.
    again = editor_client.post(
        reverse("offers:tariff_import_confirm", args=[preview_key(response)])
    )
    assert again.status_code == 302
    assert Tariff.objects.count() == 2


def test_a_correction_with_reason_becomes_a_new_version_and_keeps_the_addons(editor_client, setup):
    egelund = setup["egelund"]
    first = publish(
        egelund,
        YEAR,
        "2600.00",
        addons=[
            ("Ledsagelse", Decimal("400.00"), PriceUnit.HOUR),
            ("Kørsel", Decimal("3.70"), PriceUnit.KM),
        ],
    )
    data = csv_file(
        good_row(
            egelund,
            takst="2.640,00",
            tillæg_navn="ledsagelse",
            tillæg_pris="425,00",
            tillæg_enhed="time",
            begrundelse="Fejl i lønbudgettet",
        )
    )
    response = upload(editor_client, data)
    body = response.content.decode()
    assert "Rettelse, version 2" in body
    assert "beholdes: «Kørsel»" in body
    editor_client.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    correction = Tariff.objects.get(offer=egelund, year=YEAR, version=2)
    assert correction.status == TariffStatus.PUBLISHED
    assert correction.correction_reason == "Fejl i lønbudgettet"
    assert correction.price == Decimal("2640.00")
    assert correction.cost_note == first.cost_note
    assert sorted((a.name, a.price) for a in correction.addons.all()) == [
        ("Kørsel", Decimal("3.70")),
        ("ledsagelse", Decimal("425.00")),
    ]
    first.refresh_from_db()
    assert first.price == Decimal("2600.00")  # the published version is untouched


def test_an_existing_draft_is_filled_in_and_published(editor_client, setup):
    egelund = setup["egelund"]
    Tariff.objects.create(
        offer=egelund,
        year=YEAR,
        price=Decimal("1.00"),
        unit=TariffUnit.DAY,
        occupancy_percent=Decimal("90"),
        created_by=demo_user(EDITOR_A),
    )
    response = upload(editor_client, csv_file(good_row(egelund)))
    assert "(erstatter kladden)" in response.content.decode()
    editor_client.post(reverse("offers:tariff_import_confirm", args=[preview_key(response)]))
    [tariff] = Tariff.objects.all()
    assert tariff.status == TariffStatus.PUBLISHED
    assert tariff.price == Decimal("2650.00")


def test_saving_fails_in_the_last_batch_and_nothing_is_saved(setup, monkeypatch):
    """One transaction for every batch: the database refusing the last batch takes back the
    batches written before it."""
    from django.db import DatabaseError

    from offers.models import TariffAddOn

    editor = demo_user(EDITOR_A)
    data = csv_file(good_row(setup["egelund"]), good_row(setup["fjord"]))
    result = importer.parse_import(data=data, filename="takster.csv", user=editor)
    assert result.is_valid
    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    real_bulk_create = TariffAddOn.objects.bulk_create
    calls = []

    def fail_the_second(objs, *args, **kwargs):
        calls.append(objs)
        if len(calls) == 2:
            raise DatabaseError("Databasen var utilgængelig.")
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(TariffAddOn.objects, "bulk_create", fail_the_second)
    with pytest.raises(importer.ImportFailed) as exc:
        importer.apply_import(rows=result.rows, by=editor)
    assert len(calls) == 2
    assert str(exc.value) == (
        "Databasen afviste taksterne i rækkerne fra række 3 (Databasen var utilgængelig.). "
        "Intet er gemt. Prøv igen."
    )
    assert Tariff.objects.count() == 0


def test_a_tariff_published_meanwhile_stops_the_import(editor_client, setup):
    egelund = setup["egelund"]
    response = upload(editor_client, csv_file(good_row(egelund, begrundelse="")))
    publish(egelund, YEAR, "2600.00")  # someone else, while the preview was open
    confirm = editor_client.post(
        reverse("offers:tariff_import_confirm", args=[preview_key(response)]), follow=True
    )
    body = confirm.content.decode()
    assert "Intet er gemt" in body
    assert "Skriv, hvorfor taksten rettes." in body
    assert Tariff.objects.count() == 1


# --- Templates and access -------------------------------------------------------------------


def test_csv_template_is_danish_excel_ready_and_reads_back(editor_client, setup):
    response = editor_client.get(reverse("offers:tariff_import_template", args=["csv"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    year = timezone.localdate().year
    assert f"{setup['egelund'].pk};Botilbuddet Egelunden;{year};" in text
    assert "Solbakken" not in text  # another provider's offer
    # The untouched template reads back with every row skipped and nothing to save.
    result = parse(data)
    assert result.errors == []
    assert [r.skipped for r in result.rows] == [True, True]
    assert not result.is_valid


def test_csv_template_writes_decimals_with_a_comma_and_no_formulas():
    assert importer.format_csv_value(Decimal("1234.5")) == "1234,50"
    row = {importer.COL_OFFER: "=HYPERLINK(1)"}
    line = importer.template_csv([row]).decode("utf-8-sig").splitlines()[1]
    assert line.split(";")[importer.COLUMNS.index(importer.COL_OFFER)] == "'=HYPERLINK(1)"


def test_xlsx_template_writes_an_offer_name_as_text_never_a_formula(editor_client, setup):
    setup["egelund"].name = "=1+1 Egelunden"
    setup["egelund"].save()
    response = editor_client.get(reverse("offers:tariff_import_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [sheet.cell(row=r, column=2) for r in (2, 3)]
    assert ("=1+1 Egelunden", "s") in {(c.value, c.data_type) for c in cells}


def test_xlsx_template_opens_with_openpyxl(editor_client, setup):
    response = editor_client.get(reverse("offers:tariff_import_template", args=["xlsx"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == importer.COLUMNS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    ids = {sheet.cell(row=r, column=1).value for r in (2, 3)}
    assert ids == {setup["egelund"].pk, setup["fjord"].pk}
    assert isinstance(sheet.cell(row=2, column=3).value, int)  # the year, as a number


def test_filled_in_xlsx_template_imports(editor_client, setup):
    response = editor_client.get(reverse("offers:tariff_import_template", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    for row in (2, 3):
        sheet.cell(row=row, column=4).value = 2650.25
        sheet.cell(row=row, column=5).value = "døgn"
        sheet.cell(row=row, column=6).value = 95
        sheet.cell(row=row, column=7).value = "nej"
    out = io.BytesIO()
    workbook.save(out)
    RegulationRate.objects.get_or_create(year=timezone.localdate().year, defaults={"rate": 2})
    preview = upload(editor_client, out.getvalue(), "takster.xlsx")
    assert "Gem alle 2 takster" in preview.content.decode()
    editor_client.post(reverse("offers:tariff_import_confirm", args=[preview_key(preview)]))
    assert (
        Tariff.objects.filter(status=TariffStatus.PUBLISHED, price=Decimal("2650.25")).count() == 2
    )


def test_start_page_explains_the_format_and_links_the_templates(editor_client):
    body = editor_client.get(reverse("offers:tariff_import")).content.decode()
    assert reverse("offers:tariff_import_template", args=["xlsx"]) in body
    assert reverse("offers:tariff_import_template", args=["csv"]) in body
    assert 'enctype="multipart/form-data"' in body
    assert "begrundelse" in body


def test_unknown_template_format_is_not_found(editor_client):
    response = editor_client.get(reverse("offers:tariff_import_template", args=["pdf"]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "email", ["sagsbehandler.slagelse@portal.example", "branche.los@portal.example"]
)
def test_only_provider_editors_may_import(client, setup, email):
    client.force_login(demo_user(email))
    assert client.get(reverse("offers:tariff_import")).status_code == 403
    assert client.get(reverse("offers:tariff_import_template", args=["csv"])).status_code == 403
    assert client.post(reverse("offers:tariff_import_confirm", args=["abc"])).status_code == 403


def test_another_users_preview_is_not_shown(editor_client, setup):
    response = upload(editor_client, csv_file(good_row(setup["egelund"])))
    key = preview_key(response)
    other = Client()
    other.force_login(demo_user(EDITOR_B))
    page = other.get(reverse("offers:tariff_import_preview", args=[key]), follow=True)
    assert "Importen findes ikke længere" in page.content.decode()
