"""Inputs the fuzz tests (tests/fuzz/) found to break the tariff import, kept as plain tests."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offers.models import Tariff
from offers.selectors import current_year
from tests.factories import demo_user, make_offer, pl_rates

EDITOR_A = "leverandoer.a@portal.example"
YEAR = current_year()  # on the test clock


@pytest.fixture
def offer(demo):
    pl_rates()
    return make_offer(name="Botilbuddet Egelunden")


def _xlsx(offer, occupancy) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["tilbud_id", "takstår", "takst", "enhed", "belægning_pct", "moms_inkluderet"])
    sheet.append([offer.pk, YEAR, 2500, "døgn", occupancy, "ja"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # 32 digits in the occupancy column of a CSV file (found by the fuzz test).
        ("takster.csv", "csv"),
        # The same as an Excel number: 1E+30.
        ("takster.xlsx", "xlsx"),
    ],
)
def test_a_huge_occupancy_is_shown_as_an_error_in_the_preview(client, offer, name, content):
    if content == "csv":
        data = (
            "tilbud_id;takstår;takst;enhed;belægning_pct;moms_inkluderet\r\n"
            f"{offer.pk};{YEAR};2500;døgn;{'9' * 32};ja\r\n"
        ).encode()
    else:
        data = _xlsx(offer, 1e30)
    client.force_login(demo_user(EDITOR_A))
    response = client.post(
        reverse("offers:tariff_import"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Belægningen skal være over 0 og højst 100 %" in page
    assert not Tariff.objects.filter(offer=offer, year=YEAR).exists()
