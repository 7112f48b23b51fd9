"""*Vores tilbud* comes a page at a time, in name order, each row with its tariff, drafts
and vacancies; a chain of thousands of offers reads as many queries as a provider of three."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from offers import selectors
from offers.editing.views import OWN_OFFERS_PAGE_SIZE
from offers.models import VacancyReport
from tests.factories import TariffFactory, days_ago, make_offer, pl_rates, publish

YEAR = selectors.current_year()
URL = reverse("offers:own_offers")


def _offers(count: int, prefix: str = "Vores") -> list:
    return [make_offer(name=f"{prefix} {n:03d}") for n in range(count)]


def _shown(page) -> list[str]:
    return [o.name for o in page.object_list]


def test_the_offers_come_a_page_at_a_time_in_name_order(as_provider):
    count = OWN_OFFERS_PAGE_SIZE + 5
    _offers(count)
    first = as_provider.get(URL)
    assert _shown(first.context["page"]) == [f"Vores {n:03d}" for n in range(OWN_OFFERS_PAGE_SIZE)]
    html = first.content.decode()
    assert f"{count} tilbud" in html
    assert "Side 1 af 2" in html and "?side=2" in html
    second = as_provider.get(URL, {"side": "2"})
    assert _shown(second.context["page"]) == [
        f"Vores {n:03d}" for n in range(OWN_OFFERS_PAGE_SIZE, count)
    ]
    assert f"Vores {count - 1:03d}" in second.content.decode()
    assert "Vores 000" not in second.content.decode()


def test_each_row_has_its_tariff_drafts_and_vacancies(as_provider):
    pl_rates()
    plain, busy = _offers(2)
    publish(busy, YEAR - 1, "2000")
    publish(busy, YEAR, "2100")
    for year in (YEAR + 1, YEAR + 2):
        TariffFactory(offer=busy, year=year, price="2200", published=False)
    VacancyReport.objects.create(offer=busy, vacant=3, reported_on=days_ago(2))
    rows = {o.name: o for o in as_provider.get(URL).context["page"].object_list}
    assert rows[busy.name].tariff_price == Decimal("2100.00")
    assert rows[busy.name].change_percent == Decimal("5.0")
    assert rows[busy.name].draft_count == 2
    assert rows[busy.name].vacant == 3
    assert rows[plain.name].tariff_price is None
    assert not rows[plain.name].draft_count
    assert rows[plain.name].vacant is None


def _queries(client, counting, page="1") -> int:
    client.get(URL, {"side": page})  # sessions and caches settle
    with counting as ctx:
        response = client.get(URL, {"side": page})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_reads_as_many_queries_for_many_offers_as_for_few(
    as_provider, django_assert_max_num_queries, django_assert_num_queries
):
    pl_rates()
    for offer in _offers(3, "Få"):
        publish(offer, YEAR, "2000")
    few = _queries(as_provider, django_assert_max_num_queries(20))
    for offer in _offers(3 * OWN_OFFERS_PAGE_SIZE, "Mange"):
        publish(offer, YEAR - 1, "1900")
        publish(offer, YEAR, "2000")
        TariffFactory(offer=offer, year=YEAR + 1, price="2100", published=False)
        VacancyReport.objects.create(offer=offer, vacant=1, reported_on=days_ago(1))
    _queries(as_provider, django_assert_num_queries(few))
    _queries(as_provider, django_assert_num_queries(few), page="3")
