"""Issue 15, finding 6: the takstudvikling chart hid the PL path under the median, because
the wide quartile band set the axis. An index chart (first year = 100) of the median and
the PL path shows "above PL"; every chart's axis holds every series it plots."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from offers.pricing import index_series
from offers.reports import charts
from offers.reports.development import tariff_development, tariff_development_html
from partnership.pdf import render_pdf
from tests.factories import demo_user, make_offer, pl_rates, publish
from tests.pdfs import pdf_text

CASEWORKER = "sagsbehandler.slagelse@portal.example"

# A paragraph whose median doubles in two years while the PL rates allow 1 % a year: the
# PL path is far below the quartile band.
ROWS = [
    (2024, Decimal("5000"), Decimal("10000"), Decimal("60000")),
    (2025, Decimal("9000"), Decimal("15000"), Decimal("90000")),
    (2026, Decimal("14000"), Decimal("20000"), Decimal("120000")),
]
PL = [(2024, Decimal("10000")), (2025, Decimal("10100")), (2026, Decimal("10201"))]


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(float(c) for c in p.split(",")) for p in text.split()]


def _inside(chart: charts.ReportChart, points) -> None:
    top, bottom = charts.PAD_T, chart.height - charts.PAD_B
    for x, y in points:
        assert chart.axis_x1 <= x <= chart.axis_x2, (x, y)
        assert top <= y <= bottom, (x, y)


def _all_points(chart: charts.ReportChart) -> list[tuple[float, float]]:
    points = _points(chart.line) + _points(chart.pl_line) + _points(chart.band)
    for x, y, top, bottom, _label in chart.marks:
        points.append((float(x), float(y)))
        if top:
            points += [(float(x), float(top)), (float(x), float(bottom))]
    return points


def test_index_series_starts_at_100():
    assert index_series([Decimal("10000"), Decimal("15000"), Decimal("20000")]) == [
        Decimal("100.0"),
        Decimal("150.0"),
        Decimal("200.0"),
    ]


def test_the_index_chart_draws_the_pl_path_inside_the_plot_and_below_the_median():
    chart = charts.index_chart(
        [(yr, med) for yr, _q1, med, _q3 in ROWS], PL, title="Indeks", chart_id="i"
    )
    pl, median = _points(chart.pl_line), _points(chart.line)
    assert len(pl) == len(median) == 3
    _inside(chart, _all_points(chart))
    assert pl[0][1] == pytest.approx(median[0][1])  # both 100 in the first year
    assert pl[-1][1] > median[-1][1] + 50  # the median ends far above (smaller y) the PL path
    assert "over PL-sporet" in chart.desc
    assert "2026: median 200,0, PL-spor 102,0" in chart.desc


@pytest.mark.parametrize(
    "pl",
    [
        PL,  # far below the band
        [(2024, Decimal("10000")), (2025, Decimal("400000")), (2026, Decimal("900000"))],
    ],
)
def test_every_series_of_the_development_chart_is_inside_the_plot(pl):
    chart = charts.development_chart(ROWS, pl, title="Udvikling", chart_id="u")
    _inside(chart, _all_points(chart))
    index = charts.index_chart([(r[0], r[2]) for r in ROWS], pl, title="Indeks", chart_id="i")
    _inside(index, _all_points(index))


def test_one_home_for_the_axis_range():
    lo, hi = charts.axis_range([Decimal(10), Decimal(20)], [Decimal(100)], [Decimal(100)])
    assert lo < 10 and hi > 100


@pytest.fixture
def years(demo, today) -> list[int]:
    """§ 107 over the last three years: two offers whose prices rise far more than the PL
    rates (1 % a year) allow."""
    years = [today.year - 2, today.year - 1, today.year]
    pl_rates(**{f"y{year}": "1.0" for year in years})
    for name, prices in [
        ("Bostedet Stigning", ["10000", "15000", "20000"]),
        ("Bostedet Højdespring", ["60000", "90000", "120000"]),
    ]:
        offer = make_offer(name=name, paragraphs=["SEL § 107"], target_groups=["sindslidelse"])
        for year, price in zip(years, prices, strict=True):
            publish(offer, year, price, unit="month")
    return years


def test_the_report_carries_the_index_in_its_chart_and_table(client, years):
    dev = tariff_development(years[0], years[-1], ["SEL § 107"])
    p107 = dev.paragraphs[0]
    # The median of 10.000 and 60.000 is 35.000, then 52.500 and 70.000.
    assert [s.median_index for s in p107.years] == [
        Decimal("100.0"),
        Decimal("150.0"),
        Decimal("200.0"),
    ]
    assert [s.pl_index for s in p107.years] == [
        Decimal("100.0"),
        Decimal("101.0"),
        Decimal("102.0"),
    ]
    svg = render_to_string("offers/reports/_chart.html", {"chart": p107.index_chart})
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg

    client.force_login(demo_user(CASEWORKER))
    page = client.get(
        reverse("offers:tariff_development"),
        {"fra": years[0], "til": years[-1], "paragraf": "SEL § 107"},
    ).content.decode()
    assert page.count("<svg") == 2
    assert "Indeks (første år = 100)" in page
    assert "Median, indeks" in page and "PL-spor, indeks" in page
    assert "200,0" in page and "102,0" in page


def test_the_pdf_has_the_index_chart_too(years):
    dev = tariff_development(years[0], years[-1])
    text = pdf_text(render_pdf(tariff_development_html(dev)))
    assert "Median, indeks" in text and "200,0" in text
