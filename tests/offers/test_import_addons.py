"""The tariff import carries several add-ons per offer, keeps or replaces the add-ons a
tariff already has only when the file says so, and keeps a correction's overhead when the
cell is empty (issue 13, findings 1 and 6): nothing is lost by omission."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from offers.imports import importer
from offers.models import PriceUnit, RegulationRate, Tariff, TariffStatus, TariffUnit
from partnership.models import Job, JobStatus
from tests.factories import TariffFactory, demo_user
from tests.offers.test_import import (
    EDITOR_A,
    YEAR,
    csv_file,
    good_row,
    make_offer,
    parse,
    preview_key,
    upload,
)


@pytest.fixture
def setup(demo):
    """As in test_import.py: two offers of Bostedet Egelund, one of Fonden Solsikken."""
    RegulationRate.objects.create(year=YEAR - 1, rate=Decimal("2.60"))
    RegulationRate.objects.create(year=YEAR, rate=Decimal("2.40"))
    return {
        "egelund": make_offer("bostedet-egelund", "Botilbuddet Egelunden"),
        "fjord": make_offer("bostedet-egelund", "Bostedet Fjordglimt"),
        "other": make_offer("fonden-solsikken", "Opholdsstedet Solbakken"),
    }


@pytest.fixture
def editor_client(setup, as_provider):
    return as_provider


LEDSAGELSE = ("Ledsagelse", Decimal("400.00"), PriceUnit.HOUR)
KOERSEL = ("Kørsel", Decimal("3.70"), PriceUnit.KM)


def addon_row(offer, name: str, price: str, unit: str, **changes) -> str:
    """A row with only an add-on: it belongs to the offer's row for the year."""
    cells = {c: "" for c in importer.COLUMNS}
    cells.update(
        {
            "tilbud_id": str(offer.pk),
            "tilbud": offer.name,
            "takstår": str(YEAR),
            "tillæg_navn": name,
            "tillæg_pris": price,
            "tillæg_enhed": unit,
        }
    )
    cells.update(changes)
    return ";".join(cells[c] for c in importer.COLUMNS)


def published(offer, year=YEAR, *, overhead=None, addons=()):
    return TariffFactory(
        offer=offer,
        year=year,
        price="2600.00",
        overhead_amount=overhead,
        vat_included=True,
        cost_note="Budget",
        addons=addons,
        created_by=demo_user(EDITOR_A),
    )


def import_and_save(client, data: bytes) -> str:
    """Upload, check the preview has no errors, confirm; the preview's text."""
    preview = upload(client, data)
    body = preview.content.decode()
    assert "Gem " in body, body[body.find("alert") : body.find("alert") + 1500]
    client.post(reverse("offers:tariff_import_confirm", args=[preview_key(preview)]))
    # Saved by the import job (tests/offers/test_import_jobs.py), run at once here.
    job = Job.objects.filter(kind="tariff_import").last()
    assert job is None or job.status == JobStatus.DONE, job.error
    return body


def addons_of(tariff: Tariff) -> list[tuple]:
    return sorted((a.name, a.price, a.unit) for a in tariff.addons.all())


# --- Several add-ons per offer: one row per add-on --------------------------------------------


def test_several_addons_for_one_offer_one_row_each(editor_client, setup):
    egelund, fjord = setup["egelund"], setup["fjord"]
    data = csv_file(
        good_row(egelund, tillæg_navn="Ledsagelse", tillæg_pris="450,00", tillæg_enhed="time"),
        addon_row(egelund, "Kørsel", "3,79", "km"),
        good_row(fjord),
        # The figures may be repeated on the add-on rows (as Excel's fill-down does).
        good_row(egelund, tillæg_navn="Nattevagt", tillæg_pris="", tillæg_enhed="individuel"),
    )
    body = import_and_save(editor_client, data)
    assert "Gem alle 2 takster" in body
    assert "Tillægsydelse til taksten i række 2" in body
    tariff = Tariff.objects.get(offer=egelund, year=YEAR)
    assert tariff.status == TariffStatus.PUBLISHED
    assert addons_of(tariff) == [
        ("Kørsel", Decimal("3.79"), PriceUnit.KM),
        ("Ledsagelse", Decimal("450.00"), PriceUnit.HOUR),
        ("Nattevagt", None, PriceUnit.INDIVIDUAL),
    ]
    assert addons_of(Tariff.objects.get(offer=fjord, year=YEAR)) == []


def test_an_addon_row_with_other_figures_or_a_repeated_addon_is_refused(setup):
    egelund = setup["egelund"]
    result = parse(
        csv_file(
            good_row(egelund, tillæg_navn="Ledsagelse", tillæg_pris="450,00", tillæg_enhed="time"),
            addon_row(egelund, "ledsagelse", "500,00", "time"),
            addon_row(egelund, "Kørsel", "3,79", "km", moms_inkluderet="ja"),
        )
    )
    errors = [str(e) for e in result.errors]
    assert errors == [
        f"Række 3, kolonne «tillæg_navn»: Tillægsydelsen «ledsagelse» står allerede i række 2 "
        f"for tilbud {egelund.pk} i {YEAR}.",
        f"Række 4, kolonne «moms_inkluderet»: Tilbud {egelund.pk} har allerede en række for "
        f"{YEAR} (række 2) med en anden værdi i «moms_inkluderet». Flere rækker for samme tilbud "
        "og år er flere tillægsydelser til én takst: gentag værdien, eller lad cellen stå tom.",
    ]


def test_addon_rows_without_a_tariff_row_are_refused(setup):
    egelund = setup["egelund"]
    result = parse(csv_file(addon_row(egelund, "Kørsel", "3,79", "km")))
    assert [str(e) for e in result.errors] == [
        "Række 2, kolonne «takst»: Rækken har kun en tillægsydelse, og ingen række i filen har "
        f"taksten for tilbud {egelund.pk} i {YEAR}. Skriv taksten i en af rækkerne."
    ]


# --- Keep or replace: explicit, never by omission ----------------------------------------------


def test_keep_is_the_default_and_the_preview_says_what_is_kept(editor_client, setup):
    egelund = setup["egelund"]
    published(egelund, addons=[LEDSAGELSE, KOERSEL])
    body = import_and_save(
        editor_client,
        csv_file(
            good_row(
                egelund,
                begrundelse="Ny nattevagt",
                tillæg_navn="Nattevagt",
                tillæg_pris="1.200,00",
                tillæg_enhed="døgn",
            )
        ),
    )
    correction = Tariff.objects.get(offer=egelund, year=YEAR, version=2)
    assert addons_of(correction) == sorted(
        [KOERSEL, LEDSAGELSE, ("Nattevagt", Decimal("1200.00"), PriceUnit.DAY)]
    )
    assert "beholdes: «Ledsagelse», «Kørsel»" in body


def test_replace_removes_what_the_file_does_not_name_and_says_so_first(editor_client, setup):
    egelund = setup["egelund"]
    published(egelund, addons=[LEDSAGELSE, KOERSEL])
    body = import_and_save(
        editor_client,
        csv_file(
            good_row(
                egelund,
                begrundelse="Kørsel indgår nu i taksten",
                tillæg_handling="erstat",
                tillæg_navn="Ledsagelse",
                tillæg_pris="425,00",
                tillæg_enhed="time",
            )
        ),
    )
    correction = Tariff.objects.get(offer=egelund, year=YEAR, version=2)
    assert addons_of(correction) == [("Ledsagelse", Decimal("425.00"), PriceUnit.HOUR)]
    assert "fjernes (erstat): «Kørsel»" in body


def test_replace_with_no_addons_in_the_file_leaves_none(editor_client, setup):
    egelund = setup["egelund"]
    published(egelund, addons=[LEDSAGELSE])
    body = import_and_save(
        editor_client,
        csv_file(good_row(egelund, begrundelse="Ingen tillæg", tillæg_handling="Erstat")),
    )
    assert addons_of(Tariff.objects.get(offer=egelund, year=YEAR, version=2)) == []
    assert "fjernes (erstat): «Ledsagelse»" in body


def test_a_word_other_than_keep_or_replace_is_refused(setup):
    result = parse(csv_file(good_row(setup["egelund"], tillæg_handling="slet")))
    assert [str(e) for e in result.errors] == [
        "Række 2, kolonne «tillæg_handling»: «slet» er hverken behold eller erstat. Skriv behold "
        "eller erstat, eller lad cellen stå tom (behold)."
    ]


def test_a_new_year_starts_from_last_years_addons(editor_client, setup):
    egelund = setup["egelund"]
    published(egelund, YEAR - 1, addons=[LEDSAGELSE, KOERSEL])
    body = import_and_save(
        editor_client,
        csv_file(
            good_row(egelund, tillæg_navn="Kørsel", tillæg_pris="3,79", tillæg_enhed="km"),
        ),
    )
    new = Tariff.objects.get(offer=egelund, year=YEAR)
    assert new.version == 1
    assert addons_of(new) == [("Kørsel", Decimal("3.79"), PriceUnit.KM), LEDSAGELSE]
    assert f"føres videre fra {YEAR - 1}: «Ledsagelse»" in body


# --- Overhead: an empty cell keeps it --------------------------------------------------------


def test_an_empty_overhead_cell_keeps_the_corrections_overhead(editor_client, setup):
    """The finding: v1 has overhead 212,38 kr.; a correction imported with the overhead cell
    left empty had none."""
    egelund = setup["egelund"]
    published(egelund, overhead=Decimal("212.38"))
    body = import_and_save(
        editor_client, csv_file(good_row(egelund, takst="3.150,00", begrundelse="Ny løn"))
    )
    correction = Tariff.objects.get(offer=egelund, year=YEAR, version=2)
    assert correction.overhead_amount == Decimal("212.38")
    assert correction.price == Decimal("3150.00")
    assert correction.vat_included is False  # the file says nej
    assert correction.unit == TariffUnit.DAY
    assert "212,38 kr. (beholdes)" in body


def test_ingen_in_the_overhead_cell_removes_it(editor_client, setup):
    fjord = setup["fjord"]
    published(fjord, overhead=Decimal("300.00"))
    import_and_save(
        editor_client,
        csv_file(good_row(fjord, takst="3.150,00", overhead="ingen", begrundelse="Uden overhead")),
    )
    assert Tariff.objects.get(offer=fjord, year=YEAR, version=2).overhead_amount is None


def test_a_kept_overhead_above_the_new_price_is_refused_saying_why(setup):
    egelund = setup["egelund"]
    published(egelund, overhead=Decimal("2000.00"))
    result = parse(csv_file(good_row(egelund, takst="1.500,00", begrundelse="Lavere takst")))
    assert [str(e) for e in result.errors] == [
        "Række 2, kolonne «overhead»: Cellen er tom, så overhead fra version 1 (2.000,00 kr.) "
        "beholdes. Overhead kan ikke være større end taksten. Skriv det nye overhead, eller "
        "«ingen»."
    ]


def test_the_template_documents_the_rows_and_columns(editor_client):
    body = editor_client.get(reverse("offers:tariff_import")).content.decode()
    assert "én række pr. tillægsydelse" in body
    assert "tillæg_handling" in body and "erstat" in body
    assert "En tom celle i «overhead» beholder overhead" in body
    guide = dict(importer.TEMPLATE_GUIDE)
    assert "én række pr." in str(guide[importer.COL_ADDON_NAME])
    assert "behold" in str(guide[importer.COL_ADDON_ACTION])
    assert "«ingen» fjerner det" in str(guide[importer.COL_OVERHEAD])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_downloaded_template_has_the_addon_handling_column(editor_client, setup, fmt):
    response = editor_client.get(reverse("offers:tariff_import_template", args=[fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
        assert header == importer.COLUMNS
        assert "tillæg_handling" in header


def test_a_cpr_number_in_a_number_column_is_not_kept_as_a_number(setup):
    """The checked rows wait in the file store between the preview and the job: a cell with
    a CPR number is refused, and not kept in any form."""
    egelund = setup["egelund"]
    result = parse(csv_file(good_row(egelund, tilbud_id="0101901234")))
    [row] = result.rows
    assert row.errors and row.errors[0].column == "tilbud_id"
    assert row.values["offer_id"] is None
    assert "0101901234" not in str(result.to_json())
