"""Kapacitetsoverblik (issue 6): places and vacancies across the region from each offer's
latest vacancy report, and the trend over the last 12 months."""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from offers.models import Offer, VacancyReport
from offers.reports.capacity import capacity_overview, month_ends
from tests.factories import demo_user, make_offer


def report(offer, vacant, days_ago):
    return VacancyReport.objects.create(
        offer=offer, vacant=vacant, reported_on=timezone.localdate() - timedelta(days=days_ago)
    )


@pytest.fixture
def region(demo):
    a = make_offer(
        name="Botilbuddet Ask", paragraphs=["SEL § 108"], target_groups=["autisme"], places=12
    )
    b = make_offer(
        name="Bostedet Birk", paragraphs=["SEL § 107"], target_groups=["sindslidelse"], places=8
    )
    both = make_offer(
        name="Huset Eg",
        paragraphs=["SEL § 107", "SEL § 108"],
        target_groups=["autisme", "sindslidelse"],
        places=6,
    )
    silent = make_offer(
        name="Stilleliv", paragraphs=["SEL § 108"], target_groups=["autisme"], places=5
    )  # never reported
    draft = make_offer(
        name="Kladden",
        paragraphs=["SEL § 108"],
        target_groups=["autisme"],
        places=20,
        status="draft",
    )
    report(a, 4, 400)
    report(a, 2, 100)
    report(a, 3, 10)  # latest for a
    report(b, 1, 200)
    report(b, 0, 5)  # latest for b
    report(both, 5, 40)
    later_same_day = report(both, 2, 40)  # same date, entered later: this one counts
    report(draft, 9, 3)
    return {"a": a, "b": b, "both": both, "silent": silent, "later": later_same_day}


def latest_sum() -> int:
    total = 0
    for offer in Offer.objects.filter(status="published"):
        latest = offer.vacancy_reports.order_by("-reported_on", "-created_at").first()
        total += latest.vacant if latest else 0
    return total


def test_totals_equal_the_sum_of_the_latest_vacancy_reports(region):
    cap = capacity_overview()
    assert cap.vacant == latest_sum() == 3 + 0 + 2
    assert cap.places == 12 + 8 + 6 + 5  # published offers only
    assert cap.offers == 4 and cap.without_report == 1
    rows = {(r.paragraph, r.target_group): r for s in cap.sections for r in s.rows}
    # Each offer once: Huset Eg under its first paragraph (§ 107) and first target group.
    assert rows[("SEL § 107", "Autisme")].vacant == 2
    assert rows[("SEL § 108", "Autisme")].offers == 2
    assert rows[("SEL § 108", "Autisme")].vacant == 3
    assert rows[("SEL § 107", "Sindslidelse")].places == 8
    assert sum(s.vacant for s in cap.sections) == cap.vacant


def test_trend_is_the_sum_of_each_offers_latest_report_at_each_month_end(region):
    cap = capacity_overview()
    assert len(cap.trend) == 12
    assert cap.trend[-1] == (timezone.localdate(), cap.vacant)
    for end, value in cap.trend:
        expected = 0
        for offer in Offer.objects.filter(status="published"):
            latest = (
                offer.vacancy_reports.filter(reported_on__lte=end)
                .order_by("-reported_on", "-created_at")
                .first()
            )
            expected += latest.vacant if latest else 0
        assert value == expected, end
    assert 'role="img"' in render_to_string("offers/reports/_chart.html", {"chart": cap.chart})


def test_month_ends_are_the_last_days_of_the_last_twelve_months():
    # Calendar facts about one fixed year (30 April, 28 February, 31 December).
    ends = month_ends(date(2026, 3, 15))  # ok-fixed-date
    assert ends[0] == date(2025, 4, 30)  # ok-fixed-date
    assert date(2026, 2, 28) in ends and date(2025, 12, 31) in ends  # ok-fixed-date
    assert ends[-1] == date(2026, 3, 15)  # ok-fixed-date


def test_month_ends_end_today_and_each_other_point_is_a_months_last_day(today):
    ends = month_ends(today)
    assert len(ends) == 12 and ends[-1] == today
    for end, following in zip(ends, ends[1:], strict=False):
        assert (end + timedelta(days=1)).day == 1
        assert following.replace(day=1) == end + timedelta(days=1)


@pytest.mark.parametrize(
    "email, status",
    [
        ("sekretariat@portal.example", 200),
        ("sagsbehandler.slagelse@portal.example", 200),
        ("indkoeb.slagelse@portal.example", 200),
        ("leverandoer.a@portal.example", 403),
        ("branche.los@portal.example", 403),
    ],
)
def test_capacity_is_for_the_secretariat_and_municipalities(client, region, email, status):
    client.force_login(demo_user(email))
    response = client.get(reverse("offers:capacity"))
    assert response.status_code == status
    nav = client.get(reverse("partnership:dashboard")).content.decode()
    assert (reverse("offers:capacity") in nav) == (status == 200)
    if status == 200:
        page = response.content.decode()
        assert f'data-total="vacant">{latest_sum()}<' in page
        assert "<svg" in page and "<caption>" in page
