import csv
import io
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from offers.models import AnswerKind, DeclarationAnswer, DeclarationQuestion, VacancyReport
from offers.selectors import current_year
from tests.factories import days_ago, demo_user, make_offer, pl_rates, publish

YEAR = current_year()


@pytest.fixture
def caseworker(as_caseworker):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    return as_caseworker


def names(response):
    return [o.name for o in response.context["page"].object_list]


def test_filters_sort_and_count(caseworker):
    cheap = make_offer(name="Autismebo Billig", description="Autisme og struktur")
    dear = make_offer(name="Autismebo Dyr", description="Autisme og ro")
    other = make_offer(
        name="Herberg Nord", description="Hjemløshed", provider_slug="fonden-solsikken"
    )
    other.target_groups.clear()
    publish(cheap, YEAR, "2000")
    publish(dear, YEAR, "90000", unit="month")
    VacancyReport.objects.create(offer=cheap, vacant=2, reported_on=days_ago(5))
    VacancyReport.objects.create(offer=dear, vacant=0, reported_on=days_ago(5))

    r = caseworker.get(
        reverse("offers:search"), {"maalgruppe": "autisme", "paragraf": "§ 108", "sorter": "price"}
    )
    assert names(r) == ["Autismebo Billig", "Autismebo Dyr"]
    assert "2 tilbud fundet" in r.content.decode()
    r = caseworker.get(reverse("offers:search"), {"maalgruppe": "autisme", "ledige": "on"})
    assert names(r) == ["Autismebo Billig"]
    # 2000 pr. døgn = 60.833,33 pr. måned; the monthly offer is 90.000.
    r = caseworker.get(reverse("offers:search"), {"pris_max": "70000"})
    assert names(r) == ["Autismebo Billig"]
    r = caseworker.get(reverse("offers:search"), {"pris_max": "70.000,00"})
    assert names(r) == ["Autismebo Billig"]
    # "70.000" is 70 kr. to an English spreadsheet: the form asks, as the import does.
    r = caseworker.get(reverse("offers:search"), {"pris_max": "70.000"})
    assert "«70.000» kan læses både som 70000 og som 70,000" in r.content.decode()
    r = caseworker.get(reverse("offers:search"), {"sorter": "price_desc", "maalgruppe": "autisme"})
    assert names(r) == ["Autismebo Dyr", "Autismebo Billig"]
    r = caseworker.get(reverse("offers:search"), {"leverandoer": "fonden-solsikken"})
    assert names(r) == ["Herberg Nord"]
    r = caseworker.get(reverse("offers:search"), {"leverandoer": "solsikken"})  # part of the name
    assert names(r) == ["Herberg Nord"]
    r = caseworker.get(reverse("offers:search"), {"leverandoer": "12354991"})  # CVR
    assert names(r) == ["Herberg Nord"]
    r = caseworker.get(reverse("offers:search"), {"alder": "70"})
    assert names(r) == []


def test_full_text_search(caseworker):
    make_offer(name="Bostedet Ro", methods="Low arousal og neuropædagogik")
    make_offer(
        name="Værestedet", methods="Motiverende samtale", description="Misbrug og skadesreduktion"
    )
    r = caseworker.get(reverse("offers:search"), {"q": "neuropædagogik"})
    assert names(r) == ["Bostedet Ro"]
    r = caseworker.get(reverse("offers:search"), {"q": "misbrug"})
    assert names(r) == ["Værestedet"]


@pytest.mark.postgres
def test_danish_stemming_on_postgres(caseworker):
    make_offer(name="Bostedet Ro", description="Vi støtter unge med autisme i deres hverdag")
    r = caseworker.get(reverse("offers:search"), {"q": "hverdagen"})  # stemmed to 'hverdag'
    assert names(r) == ["Bostedet Ro"]


def test_search_state_is_in_the_url(caseworker):
    for i in range(25):
        make_offer(name=f"Tilbud {i:02d}")
    r = caseworker.get(
        reverse("offers:search"), {"maalgruppe": "autisme", "sorter": "name", "side": "2"}
    )
    assert names(r)[0] == "Tilbud 20"
    assert "maalgruppe=autisme&amp;sorter=name&amp;side=1" in r.content.decode()


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        if response.streaming:  # the queries of a streamed body are made as it is read
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx)


def _compare_queries(client):
    """The comparison's queries when its table is drawn and when it comes from the cache."""
    cache.clear()
    drawn = _queries(client, reverse("offers:compare"))
    return drawn, _queries(client, reverse("offers:compare"))


def _make_many(n, start=0):
    questions = list(DeclarationQuestion.objects.filter(is_active=True, options=None)[:5])
    for i in range(start, start + n):
        o = make_offer(name=f"Mange {i:03d}")
        publish(o, YEAR, 1000 + i)
        publish(o, YEAR - 1, 990 + i)
        VacancyReport.objects.create(offer=o, vacant=i % 3, reported_on=days_ago(30))
        DeclarationAnswer.objects.bulk_create(
            [DeclarationAnswer(offer=o, question=q, answer=AnswerKind.INCLUDED) for q in questions]
        )


def test_search_and_compare_use_the_same_number_of_queries_for_10_and_200_offers(caseworker):
    from offers.models import Offer

    _make_many(10)
    params = {"maalgruppe": "autisme", "sorter": "price"}
    search_10 = _queries(caseworker, reverse("offers:search"), params)
    ids = list(Offer.objects.values_list("pk", flat=True)[:4])
    for pk in ids:
        caseworker.post(reverse("offers:compare_add"), {"offer": pk})
    compare_10 = _compare_queries(caseworker)
    open_10 = _queries(caseworker, reverse("offers:open_data", args=["json"]))
    _make_many(190, start=10)
    assert _queries(caseworker, reverse("offers:search"), params) == search_10
    assert _compare_queries(caseworker) == compare_10
    assert _queries(caseworker, reverse("offers:open_data", args=["json"])) == open_10


def test_compare_highlights_differences_and_exports_xlsx_with_the_same_numbers(caseworker):
    a, b, c = make_offer(name="A-bo"), make_offer(name="B-bo"), make_offer(name="C-bo")
    publish(a, YEAR, "2500.50")
    publish(b, YEAR, "76000", unit="month")
    publish(c, YEAR, "2999.99")
    q = DeclarationQuestion.objects.get(key="transport")
    DeclarationAnswer.objects.create(offer=a, question=q, answer=AnswerKind.INCLUDED)
    DeclarationAnswer.objects.create(
        offer=b, question=q, answer=AnswerKind.EXTRA, price=450, unit="hour"
    )
    DeclarationAnswer.objects.create(offer=c, question=q, answer=AnswerKind.INCLUDED)
    for o in (a, b, c):
        caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    r = caseworker.get(reverse("offers:compare"))
    page = r.content.decode()
    row = next(r for r in r.context["cmp"].rows if r.question == q)
    assert row.differs and row.extra_vs_included
    assert "Indeholdt i taksten ét sted, tilkøb et andet" in page
    assert "2.500,50 kr." in page and "76.000,00 kr." in page

    x = caseworker.get(reverse("offers:compare_xlsx"))
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = {row[0].value: [c.value for c in row[1:]] for row in ws.iter_rows()}
    # In price order (the comparable price: these tariffs are without VAT).
    assert rows[f"Takst {YEAR} (som angivet)"] == [76000, 2500.5, 2999.99]
    monthly = rows["Månedspris som angivet"]
    shown = [o.monthly_price for o in r.context["cmp"].offers]
    assert monthly == [float(v) for v in shown] == [76000, 76056.88, 91249.70]
    assert rows["Månedspris ekskl. moms (sammenligningsgrundlag)"] == monthly
    assert all(isinstance(v, (int, float)) for v in monthly)
    assert "76.056,88 kr." in page


def test_compare_holds_at_most_four(caseworker):
    offers = [make_offer(name=f"O{i}") for i in range(5)]
    for o in offers:
        r = caseworker.post(reverse("offers:compare_add"), {"offer": o.pk}, follow=True)
    assert "højst 4 tilbud" in r.content.decode()
    assert len(caseworker.session["compare_offers"]) == 4


def test_open_data_csv_and_json_follow_the_search_filters(caseworker):
    a = make_offer(name="Åbent tilbud")
    publish(a, YEAR, "1234.5")
    make_offer(name="Andet", provider_slug="fonden-solsikken")
    r = caseworker.get(
        reverse("offers:open_data", args=["json"]), {"leverandoer": "bostedet-egelund"}
    )
    data = json.loads(b"".join(r.streaming_content))
    assert data["antal"] == 1 and data["tilbud"][0]["navn"] == "Åbent tilbud"
    assert data["tilbud"][0]["takst"] == "1234.50"
    r = caseworker.get(
        reverse("offers:open_data", args=["csv"]), {"leverandoer": "bostedet-egelund"}
    )
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["navn"] == "Åbent tilbud" and rows[0]["takst"] == "1234,50"


def test_following_gives_email_and_notice_once(caseworker, mailoutbox):
    from offers import services
    from offers.tasks import notify_tariff_published
    from partnership.models import Notice

    offer = make_offer(name="Fulgt tilbud")
    caseworker.post(reverse("offers:follow_toggle", args=[offer.pk]))
    editor = demo_user("leverandoer.a@portal.example")
    draft = services.save_tariff_draft(
        offer=offer,
        year=YEAR,
        fields={"price": 100, "unit": "day", "occupancy_percent": 90},
        addons=[],
        by=editor,
    )
    tariff = services.publish_tariff(tariff=draft, by=editor)
    notify_tariff_published(tariff.pk)
    notify_tariff_published(tariff.pk)  # twice: nothing more
    assert len(mailoutbox) == 1 and "Fulgt tilbud" in mailoutbox[0].subject
    assert Notice.objects.filter(user__email="sagsbehandler.slagelse@portal.example").count() == 1
    page = caseworker.get(reverse("partnership:dashboard")).content.decode()
    assert "Fulgt tilbud har offentliggjort takst" in page
