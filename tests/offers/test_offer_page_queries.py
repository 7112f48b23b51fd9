"""The offer page and the comparison issue a fixed number of queries whatever an offer has
(tariff versions, add-ons, declaration answers, documents, photos, vacancy reports), and
their one-round-trip SQL on PostgreSQL reads the same rows as the ORM fallback."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offers import selectors
from offers.compare import comparison
from offers.detail import selectors as page_selectors
from offers.models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    Offer,
    OfferDocument,
    OfferFollow,
    OfferPhoto,
    PriceUnit,
    Tariff,
    VacancyReport,
)
from tests.conftest import danish_date
from tests.factories import demo_user, make_offer, pl_rates, publish

YEAR = selectors.current_year()


def ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def caseworker(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    return client


@pytest.fixture
def editor(client, demo):
    client.force_login(demo_user("leverandoer.a@portal.example"))
    return client


def _sparse(name):
    """An offer with one of everything, or none."""
    offer = make_offer(name=name)
    publish(offer, YEAR, "2000")
    question = DeclarationQuestion.objects.filter(is_active=True).first()
    DeclarationAnswer.objects.create(offer=offer, question=question, answer=AnswerKind.INCLUDED)
    VacancyReport.objects.create(offer=offer, vacant=1, reported_on=ago(30))
    return offer


def _rich(name):
    """An offer with many tariff versions over three years, add-ons on each, every
    question answered, documents, photos and more vacancy reports than the page shows."""
    offer = make_offer(name=name)
    for year in (YEAR - 2, YEAR - 1, YEAR):
        for version in (1, 2, 3):
            addons = [(f"Tillæg {year}-{version}-{i}", Decimal(100 + i), "hour") for i in range(4)]
            publish(offer, year, 1500 + 10 * version, version=version, addons=addons, reason="x")
    for i, q in enumerate(DeclarationQuestion.objects.filter(is_active=True)):
        kind = [AnswerKind.INCLUDED, AnswerKind.EXTRA, AnswerKind.NOT_OFFERED][i % 3]
        DeclarationAnswer.objects.create(
            offer=offer,
            question=q,
            answer=kind,
            price=Decimal("616.5") if kind == AnswerKind.EXTRA and i % 2 else None,
            unit=PriceUnit.HOUR if kind == AnswerKind.EXTRA else "",
            note=f"Note {i}",
        )
    for i in range(5):
        OfferDocument.objects.create(
            offer=offer, kind="tilsyn", title=f"Dokument {name} {i}", file=f"x/{i}.pdf"
        )
        OfferPhoto.objects.create(offer=offer, image=f"x/{i}.png", alt_text=f"Foto {name} {i}")
    for i in range(9):
        VacancyReport.objects.create(offer=offer, vacant=i, reported_on=ago(30) + timedelta(days=i))
    return offer


def _queries(client, url):
    client.get(url)  # sessions and caches settle
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("who", ["caseworker", "editor"])
def test_offer_page_queries_do_not_grow_with_the_offer(request, who):
    client = request.getfixturevalue(who)
    pl_rates()
    sparse, rich = _sparse("Lille tilbud"), _rich("Stort tilbud")
    n_sparse, _ = _queries(client, sparse.get_absolute_url())
    n_rich, page = _queries(client, rich.get_absolute_url())
    assert n_rich == n_sparse
    # ...and the rich page really shows it all.
    assert page.count('class="offer-photo"') == 5
    assert page.count(f"Dokument {rich.name}") == 5
    assert page.count(f"Tillæg {YEAR}-3-") == 4  # the current version's add-ons
    assert page.count("Note ") == DeclarationQuestion.objects.filter(is_active=True).count()
    assert "Mod betaling: 616,50 kr. pr. time" in page
    assert page.count("(erstattet)") == 6  # nine published versions, three current
    # The last six of the nine daily vacancy reports.
    first = ago(30)

    def shown(day: date) -> bool:
        return re.search(rf"(?<!\d){re.escape(danish_date(day))}", page) is not None

    assert shown(first + timedelta(days=8)) and shown(first + timedelta(days=3))
    assert not shown(first + timedelta(days=2))


def test_compare_queries_do_not_grow_with_the_offers(caseworker):
    pl_rates()
    sparse = [_sparse(f"Lille {i}") for i in range(2)]
    rich = [_rich(f"Stort {i}") for i in range(4)]
    url = reverse("offers:compare")
    for o in sparse:
        caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    n_sparse, _ = _queries(caseworker, url)
    caseworker.post(reverse("offers:compare_remove"), {"all": "1"})
    for o in rich:
        caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    n_rich, page = _queries(caseworker, url)
    assert n_rich == n_sparse
    assert page.count(f"Tillæg {YEAR}-3-") == 16
    assert "Mod betaling: 616,50 kr. pr. time" in page
    xlsx = caseworker.get(reverse("offers:compare_xlsx"))
    assert xlsx.status_code == 200


def _normal(rows):
    """Rows from the SQL or the ORM, with their JSON parts parsed and ordered by offer."""

    def parse(value):
        if isinstance(value, list):
            return [parse(v) for v in value]
        if isinstance(value, Decimal):  # the SQL sends prices as text
            return str(value)
        return page_selectors._json(value) if isinstance(value, str) and value[:1] == "{" else value

    return sorted((tuple(parse(v) for v in row) for row in rows), key=lambda r: r[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL SQL")
def test_comparison_sql_reads_what_the_orm_reads(demo):
    offers = [_sparse("Lille"), _rich("Stort"), make_offer(name="Uden takst")]
    # Same date twice: the newest report by id is the current one, as everywhere else.
    VacancyReport.objects.create(offer=offers[0], vacant=7, reported_on=ago(10))
    VacancyReport.objects.create(offer=offers[0], vacant=8, reported_on=ago(10))
    ids = [o.pk for o in offers]
    raw = [
        (o.pk, *json.loads(o.row))
        for o in Offer.objects.filter(pk__in=ids).annotate(
            row=RawSQL(comparison._OFFER_SQL, (YEAR, YEAR))
        )
    ]
    assert _normal(raw) == _normal(comparison._offer_rows_orm(ids, YEAR))
    annotated = {o.pk: o for o in selectors.with_current_tariff(Offer.objects.all(), YEAR)}
    for pk, *values in raw:
        row = dict(zip(comparison._OFFER_ATTRS, values, strict=True))
        o = annotated[pk]
        assert row["tariff_id"] == o.tariff_id
        assert row["vacant"] == o.vacant
        assert comparison._money(row["previous_price"]) == o.previous_price
    assert {pk: values[3] for pk, *values in raw}[offers[0].pk] == 8


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL SQL")
def test_offer_page_sql_reads_what_the_orm_reads(demo):
    pl_rates()
    offer = _rich("Stort")
    Tariff.objects.create(
        offer=offer,
        year=YEAR + 1,
        price=Decimal("1999.99"),
        unit="month",
        occupancy_percent=Decimal("87.5"),
        overhead_amount=Decimal("100.01"),
        created_by=demo_user("leverandoer.a@portal.example"),
    )
    OfferFollow.objects.create(offer=offer, user=demo_user("sagsbehandler.slagelse@portal.example"))
    for email in ("sagsbehandler.slagelse@portal.example", "leverandoer.a@portal.example"):
        user = demo_user(email)
        sql = page_selectors.offer_for_page(user, offer.pk)
        orm = page_selectors._with_page_data(
            Offer.objects.get(pk=offer.pk), page_selectors._page_data_orm(offer.pk, user.pk)
        )
        assert sql.following == orm.following == (email.startswith("sagsbehandler"))
        for name in (*page_selectors._PAGE_LISTS, "tariff_addons", "rates"):
            assert getattr(sql, name) == getattr(orm, name), name
        for name in ("published_list", "draft_list"):
            tariffs = [
                {f.attname: getattr(t, f.attname) for f in Tariff._meta.concrete_fields}
                for t in getattr(sql, name)
            ]
            assert tariffs == [
                {f.attname: getattr(t, f.attname) for f in Tariff._meta.concrete_fields}
                for t in getattr(orm, name)
            ], name
        assert [str(t.price) for t in sql.published_list][:3] == ["1530.00", "1520.00", "1510.00"]
        assert len(sql.published_list) == 9 and len(sql.draft_list) == 1
        assert sql.draft_list[0].occupancy_percent == Decimal("87.5")
        assert sql.published_list[0].published_at == orm.published_list[0].published_at
