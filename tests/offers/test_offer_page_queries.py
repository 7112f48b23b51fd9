"""The offer page and the comparison issue a fixed number of queries whatever an offer has
(tariff versions, add-ons, declaration answers, documents, photos, vacancy reports), and
their one-round-trip SQL reads what the offers hold (as the models and the shared
selectors read it)."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models.expressions import RawSQL
from django.urls import reverse

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
    RegulationRate,
    Tariff,
    TariffAddOn,
    TariffStatus,
    VacancyReport,
)
from tests.conftest import danish_date
from tests.factories import (
    CASEWORKER,
    CASEWORKER_NAESTVED,
    PROVIDER,
    SECRETARIAT,
    days_ago,
    demo_user,
    make_offer,
    pl_rates,
    publish,
)

YEAR = selectors.current_year()


def _sparse(name):
    """An offer with one of everything, or none."""
    offer = make_offer(name=name)
    publish(offer, YEAR, "2000")
    question = DeclarationQuestion.objects.filter(is_active=True, options=None).first()
    DeclarationAnswer.objects.create(offer=offer, question=question, answer=AnswerKind.INCLUDED)
    VacancyReport.objects.create(offer=offer, vacant=1, reported_on=days_ago(30))
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
            option=q.options.first() if kind != AnswerKind.NOT_OFFERED else None,
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
        VacancyReport.objects.create(
            offer=offer, vacant=i, reported_on=days_ago(30) + timedelta(days=i)
        )
    return offer


def _queries(client, url, counting):
    """The page's queries, counted by one of pytest-django's fixtures, which fails with the
    queries listed when there are too many."""
    client.get(url)  # sessions and caches settle
    with counting as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("who", ["as_caseworker", "as_provider"])
def test_offer_page_queries_do_not_grow_with_the_offer(
    request, who, django_assert_max_num_queries, django_assert_num_queries
):
    client = request.getfixturevalue(who)
    pl_rates()
    sparse, rich = _sparse("Lille tilbud"), _rich("Stort tilbud")
    n_sparse, _ = _queries(client, sparse.get_absolute_url(), django_assert_max_num_queries(30))
    # As many for the rich offer (photos, documents, versions, add-ons, vacancies).
    _n, page = _queries(client, rich.get_absolute_url(), django_assert_num_queries(n_sparse))
    # ...and the rich page really shows it all.
    assert page.count('class="offer-photo"') == 5
    assert page.count(f"Dokument {rich.name}") == 5
    assert page.count(f"Tillæg {YEAR}-3-") == 4  # the current version's add-ons
    assert page.count("Note ") == DeclarationQuestion.objects.filter(is_active=True).count()
    assert "Mod betaling: 616,50 kr. pr. time" in page
    assert page.count("(erstattet)") == 6  # nine published versions, three current
    # The last six of the nine daily vacancy reports.
    first = days_ago(30)

    def shown(day: date) -> bool:
        return re.search(rf"(?<!\d){re.escape(danish_date(day))}", page) is not None

    assert shown(first + timedelta(days=8)) and shown(first + timedelta(days=3))
    assert not shown(first + timedelta(days=2))


def test_compare_queries_do_not_grow_with_the_offers(
    as_caseworker, django_assert_max_num_queries, django_assert_num_queries
):
    pl_rates()
    sparse = [_sparse(f"Lille {i}") for i in range(2)]
    rich = [_rich(f"Stort {i}") for i in range(4)]
    url = reverse("offers:compare")
    for o in sparse:
        as_caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    n_sparse, _ = _queries(as_caseworker, url, django_assert_max_num_queries(30))
    as_caseworker.post(reverse("offers:compare_remove"), {"all": "1"})
    for o in rich:
        as_caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    _n, page = _queries(as_caseworker, url, django_assert_num_queries(n_sparse))
    # One row per add-on: the four offers' four add-ons of the same names.
    assert page.count(f"Tillæg {YEAR}-3-") == 4
    assert page.count("100,00 kr. pr. time") == 4
    assert "Mod betaling: 616,50 kr. pr. time" in page
    xlsx = as_caseworker.get(reverse("offers:compare_xlsx"))
    assert xlsx.status_code == 200


def _tariff_fields(tariffs) -> list[dict]:
    return [
        {f.attname: getattr(t, f.attname) for f in Tariff._meta.concrete_fields} for t in tariffs
    ]


def test_the_comparison_reads_what_the_offers_hold(demo):
    offers = [_sparse("Lille"), _rich("Stort"), make_offer(name="Uden takst")]
    # Same date twice: the newest report by id is the current one, as everywhere else.
    VacancyReport.objects.create(offer=offers[0], vacant=7, reported_on=days_ago(10))
    VacancyReport.objects.create(offer=offers[0], vacant=8, reported_on=days_ago(10))
    ids = [o.pk for o in offers]
    raw = {
        o.pk: dict(zip(comparison._OFFER_ATTRS, json.loads(o.row), strict=True))
        for o in Offer.objects.filter(pk__in=ids).annotate(
            row=RawSQL(comparison._OFFER_SQL, (YEAR, YEAR))
        )
    }
    annotated = selectors.with_current_tariff(Offer.objects.filter(pk__in=ids), YEAR)
    for o in annotated:
        row = raw[o.pk]
        assert row["paragraph_codes"] == list(
            o.paragraphs.order_by("order", "code").values_list("code", flat=True)
        )
        assert row["target_group_names"] == list(
            o.target_groups.order_by("order", "name").values_list("name", flat=True)
        )
        assert [
            (a["question"], a["answer"], comparison._money(a["price"]), a["unit"])
            for a in row["answer_rows"]
        ] == list(
            o.declaration_answers.order_by("pk").values_list("question", "answer", "price", "unit")
        )
        assert row["tariff_id"] == o.tariff_id
        assert row["tariff_version"] == o.tariff_version
        assert comparison._money(row["tariff_price"]) == o.tariff_price
        assert row["tariff_unit"] == o.tariff_unit
        assert comparison._money(row["previous_price"]) == o.previous_price
        assert row["previous_unit"] == o.previous_unit
        assert row["vacant"] == o.vacant
        current = Tariff.objects.filter(pk=o.tariff_id).first()
        assert row["tariff_vat"] == (current.vat_included if current else None)
        assert comparison._money(row["tariff_occupancy"]) == (
            current.occupancy_percent if current else None
        )
        assert comparison._money(row["tariff_overhead"]) == (
            current.overhead_amount if current else None
        )
        assert [
            (a["name"], comparison._money(a["price"]), a["unit"]) for a in row["addon_rows"]
        ] == (
            list(current.addons.order_by("pk").values_list("name", "price", "unit"))
            if current
            else []
        )
    assert raw[offers[0].pk]["vacant"] == 8
    assert raw[offers[1].pk]["tariff_version"] == 3 and len(raw[offers[1].pk]["addon_rows"]) == 4
    assert raw[offers[2].pk]["tariff_id"] is None and raw[offers[2].pk]["addon_rows"] == []


def test_the_offer_page_reads_what_the_offer_holds(demo):
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
    tariffs = Tariff.objects.filter(offer=offer).order_by("-year", "-version")
    for email in ("sagsbehandler.slagelse@portal.example", "leverandoer.a@portal.example"):
        page = page_selectors.offer_for_page(demo_user(email), offer.pk)
        assert page.following == email.startswith("sagsbehandler")
        assert page.paragraph_list == [
            {"code": p.code, "title": p.title} for p in offer.paragraphs.order_by("order", "code")
        ]
        assert page.target_group_list == [
            {"name": g.name} for g in offer.target_groups.order_by("order", "name")
        ]
        assert page.photo_list == [
            {"pk": p.pk, "alt_text": p.alt_text} for p in offer.photos.order_by("order", "pk")
        ]
        assert [(d["pk"], d["title"], d["kind"]) for d in page.document_list] == list(
            offer.documents.order_by("-created_at").values_list("pk", "title", "kind")
        )
        assert [(v["vacant"], v["reported_on"]) for v in page.vacancy_list] == list(
            offer.vacancy_reports.order_by("-reported_on", "-created_at").values_list(
                "vacant", "reported_on"
            )[:6]
        )
        assert [
            (a["text"], a["group"], a["answer"], a["price"], a["unit"], a["note"])
            for a in page.answer_list
        ] == list(
            offer.declaration_answers.order_by("question__order", "question__key").values_list(
                "question__text", "question__group", "answer", "price", "unit", "note"
            )
        )
        assert _tariff_fields(page.published_list) == _tariff_fields(
            tariffs.filter(status=TariffStatus.PUBLISHED)
        )
        assert _tariff_fields(page.draft_list) == _tariff_fields(
            tariffs.filter(status=TariffStatus.DRAFT)
        )
        addons = TariffAddOn.objects.filter(
            tariff__offer=offer, tariff__status=TariffStatus.PUBLISHED
        ).order_by("pk")
        assert {
            tariff: [(a["name"], a["note"], a["price"], a["unit"]) for a in rows]
            for tariff, rows in page.tariff_addons.items()
        } == {
            t.pk: [(a.name, a.note, a.price, a.unit) for a in addons if a.tariff_id == t.pk]
            for t in page.published_list
        }
        assert page.rates == dict(RegulationRate.objects.values_list("year", "rate"))
        assert [str(t.price) for t in page.published_list][:3] == ["1530.00", "1520.00", "1510.00"]
        assert len(page.published_list) == 9 and len(page.draft_list) == 1
        assert page.draft_list[0].occupancy_percent == Decimal("87.5")


def test_the_prepared_offer_page_finds_what_the_orm_finds_for_everyone(demo):
    """offer_for_page runs SQL compiled once per person (partnership.dashboard.compiled) and
    prepared: for every role it finds the offer offers_visible_to finds (a draft only for
    its provider's editors and the secretariat, nothing that is not there), with the
    provider, municipality and branch organisation loaded as select_related loads them."""
    from django.contrib.auth.models import AnonymousUser
    from django.forms.models import model_to_dict

    from offers.models import Offer, OfferStatus
    from offers.permissions import offers_visible_to

    published = make_offer(name="Offentligt")
    draft = make_offer(name="Kladden", status=OfferStatus.DRAFT)
    other = make_offer(name="Andens kladde", provider_slug="fonden-solsikken")
    other.status = OfferStatus.DRAFT
    other.save()
    people = [demo_user(e) for e in (CASEWORKER, CASEWORKER_NAESTVED, PROVIDER, SECRETARIAT)]
    for person in [*people, AnonymousUser()]:
        for pk in (published.pk, draft.pk, other.pk, other.pk + 1000):
            expected = (
                offers_visible_to(person)
                .select_related("provider", "municipality", "provider__branch_organisation")
                .filter(pk=pk)
                .first()
            )
            if expected is None:
                with pytest.raises(Offer.DoesNotExist):
                    page_selectors.offer_for_page(person, pk)
                continue
            found = page_selectors.offer_for_page(person, pk)
            assert model_to_dict(found) == model_to_dict(expected)
            for related in (found.provider, found.municipality):
                assert related is not None
            assert model_to_dict(found.provider) == model_to_dict(expected.provider)
            assert model_to_dict(found.municipality) == model_to_dict(expected.municipality)
            assert (found.provider.branch_organisation is None) == (
                expected.provider.branch_organisation is None
            )
            if expected.provider.branch_organisation:
                assert found.provider.branch_organisation.name == (
                    expected.provider.branch_organisation.name
                )
    assert page_selectors.offer_for_page(people[2], draft.pk).name == "Kladden"
