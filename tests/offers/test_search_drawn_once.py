"""The search page's cards and form fields are each drawn once per content
(offers/search/views.py, partnership.cache.drawn_once): a card kept under a digest of
everything it shows, a field under a digest of what it is drawn from, so a new search draws
only what no search drew before, and what changes shows at once. Each input of the card's
template and of a field is in the key: a new one fails here until it is."""

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from offers.models import OfferStatus, VacancyReport
from offers.search import selectors, views
from offers.selectors import current_year
from tests.factories import days_ago, demo_user, make_offer, pl_rates, publish

YEAR = current_year()
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

pytestmark = pytest.mark.postgres


@pytest.fixture
def caseworker(as_caseworker):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    for i in range(3):
        offer = make_offer(name=f"Kort {i}", age_min=18, age_max=30 + i)
        publish(offer, YEAR, 2000 + i)
    return as_caseworker


class _Drawn:
    """Counts what each template draws."""

    def __init__(self, monkeypatch):
        self.names: list[str] = []
        original = views._CardTexts.card

        def card(texts, r):
            self.names.append(r.name)
            return original(texts, r)

        monkeypatch.setattr(views._CardTexts, "card", card)
        self.fields: list[str] = []
        original_render = views.get_template(views.FIELD_TEMPLATE).__class__.render

        def render(template, context=None, request=None):
            if template.origin.template_name == views.FIELD_TEMPLATE:
                self.fields.append(context["f"]["name"])
            return original_render(template, context, request)

        monkeypatch.setattr(views.get_template(views.FIELD_TEMPLATE).__class__, "render", render)

    def clear(self):
        self.names.clear()
        self.fields.clear()


def _page(client, params=None):
    response = client.get(reverse("offers:search"), params or {})
    assert response.status_code == 200
    return response.content.decode()


def _results(page):
    return page[page.index('<ol class="result-list') : page.index("</ol>")]


def test_a_card_is_drawn_once_and_again_when_its_offer_changes(caseworker, monkeypatch):
    drawn = _Drawn(monkeypatch)
    first = _results(_page(caseworker))
    assert sorted(drawn.names) == ["Kort 0", "Kort 1", "Kort 2"]
    drawn.clear()
    # Another search showing two of them (a new search: its results are read, not cached).
    assert "2 tilbud fundet" in _page(caseworker, {"alder": "31"})
    assert drawn.names == []
    assert _results(_page(caseworker)) == first
    assert drawn.names == []
    # What a card shows changes: that card alone is drawn again, and shows it.
    offer = selectors.Offer.objects.get(name="Kort 1")
    VacancyReport.objects.create(offer=offer, vacant=3, reported_on=days_ago(1))
    assert "3 af 10" in _page(caseworker)
    assert drawn.names == ["Kort 1"]
    drawn.clear()
    # In the comparison, the card says so (and others lose nothing).
    caseworker.post(reverse("offers:compare_add"), {"offer": offer.pk})
    page = _page(caseworker)
    assert page.count("Er med i sammenligningen.") == 1
    assert drawn.names == ["Kort 1"]


def test_the_cards_drawn_before_the_workers_start_are_those_a_search_shows(caseworker, monkeypatch):
    """draw_every_card() (gunicorn's master, config/gunicorn.py) draws each published offer's
    card under the key a search looks it up by: a search then draws none, with nothing in
    the comparison, and with a full comparison but the cards in it (a full comparison hides
    every card's button, in the list, and changes no card)."""
    extra = []
    for i in range(4):
        offer = make_offer(name=f"Ekstra {i}", age_min=18, age_max=40)
        publish(offer, YEAR, 3000 + i)
        extra.append(offer)
    make_offer(name="Kladde", status=OfferStatus.DRAFT)  # no one else's search shows it
    drawn = _Drawn(monkeypatch)
    assert views.draw_every_card() == 7
    assert len(drawn.names) == 7 and "Kladde" not in drawn.names
    drawn.clear()
    page = _page(caseworker)
    assert "7 tilbud fundet" in page and '<ol class="result-list">' in page
    assert drawn.names == []
    assert _results(page).count('class="compare-add"') == 7
    for offer in extra:
        caseworker.post(reverse("offers:compare_add"), {"offer": offer.pk})
    page = _page(caseworker)
    assert '<ol class="result-list compare-full">' in page
    assert sorted(drawn.names) == [o.name for o in extra]
    assert page.count("Er med i sammenligningen.") == 4
    # The buttons of the others are there, hidden by the style sheet; their form is too.
    assert _results(page).count('class="compare-add"') == 3 and 'id="compare-add"' in page
    css = (Path(__file__).resolve().parents[2] / "static/portal/portal.css").read_text()
    assert ".result-list.compare-full .compare-add { display: none; }" in css


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_gunicorns_master_draws_the_cards_before_its_worker_starts(demo, settings, tmp_path):
    """Served as in production (config/gunicorn.py), the master draws every published
    offer's card before it starts the worker (and says so in the log), holds no connection
    the worker could inherit, and the worker's search shows them."""
    from tests.partnership.test_faults import Browser, start_web, stop_web

    for i in range(3):
        publish(make_offer(name=f"Forhånd {i}", age_min=18, age_max=40), YEAR, 2000 + i)
    client = Client()
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    log_path = str(tmp_path / "web.log")
    proc, base = start_web(settings, log_path, production_config=True)
    try:
        browser = Browser(base, timeout=30)
        browser.set_cookie(settings.SESSION_COOKIE_NAME, client.cookies["sessionid"].value)
        status, page = browser.get(reverse("offers:search"))
    finally:
        stop_web(proc)
    log = open(log_path).read()
    assert "The search's cards drawn before the workers started: 3 in" in log, log[-3000:]
    assert status == 200 and "3 tilbud fundet" in page, page[:2000]
    assert page.count('class="result"') == 3 and "Forhånd 2" in page


def test_a_field_is_drawn_once_per_value_and_error(caseworker, monkeypatch):
    drawn = _Drawn(monkeypatch)
    _page(caseworker)
    assert len(drawn.fields) == len(selectors.SearchParams.__dataclass_fields__) - 1  # (year)
    drawn.clear()
    assert 'value="25"' in _page(caseworker, {"alder": "25"})
    assert drawn.fields == ["alder"]
    drawn.clear()
    _page(caseworker, {"alder": "25", "sorter": "name"})
    assert drawn.fields == ["sorter"]
    drawn.clear()
    page = _page(caseworker, {"alder": "x"})
    assert drawn.fields == ["alder"] and "form-error-message" in page
    drawn.clear()
    assert "form-error-message" not in _page(caseworker, {"alder": "25"})
    assert drawn.fields == []


def _result(**changes) -> selectors.OfferResult:
    values = {
        "pk": 1,
        "name": "Tilbud",
        "url": "/tilbud/1/",
        "provider_name": "Leverandør",
        "municipality_name": "Slagelse",
        "paragraphs": ["§ 108"],
        "target_groups": ["Autisme"],
        "age_min": 18,
        "age_max": 30,
        "places": 10,
        "tariff_price": Decimal("2000.00"),
        "tariff_unit": "day",
        "tariff_vat": False,
        "monthly_price": Decimal("60833.33"),
        "comparable_price": Decimal("60833.33"),
        "change_percent": Decimal("2.5"),
        "pl_flag": False,
        "vacant": 1,
        "vacancy_date": days_ago(3),
        "found_in": [],
    }
    return selectors.OfferResult(**{**values, **changes})


def test_every_field_of_a_result_and_every_input_of_the_card_is_in_its_key():
    base = _result()

    def key(r=base, drawn_by="t", year=YEAR, in_compare=False):
        return views._card_key(r, drawn_by, year, in_compare)

    keys = {key()}
    fields = dataclasses.fields(selectors.OfferResult)
    for f in fields:
        value = getattr(base, f.name)
        other = (
            not value
            if isinstance(value, bool)
            else value + 1
            if isinstance(value, int | Decimal)
            else [*value, "x"]
            if isinstance(value, list)
            else days_ago(4)
            if f.name == "vacancy_date"
            else f"{value}x"
        )
        keys.add(key(_result(**{f.name: other})))
    keys |= {key(drawn_by="u"), key(year=YEAR + 1), key(in_compare=True)}
    assert len(keys) == 1 + len(fields) + 3
    # The card's template reads nothing else: the result's texts, their labels and the
    # context the key holds.
    source = (TEMPLATES / views.CARD_TEMPLATE).read_text(encoding="utf-8")
    source = re.sub(r"{% comment %}.*?{% endcomment %}", "", source, flags=re.S)
    tags = " ".join(re.findall(r"{[{%](.*?)[}%]}", source))
    read = {name.split(".")[0] for name in re.findall(r"[a-z_]+(?:\.[a-z_]+)*", tags)}
    syntax = {"if", "elif", "else", "endif", "for", "in", "endfor", "not", "g"}  # (g: a loop's)
    assert read - syntax == {"offer", "labels", "in_compare"}, read


def test_a_fields_key_follows_what_it_is_drawn_from():
    def key(drawn_by="t", name="alder", asked=("25",), errors=(), options_from=None):
        return views._field_key(drawn_by, name, list(asked), list(errors), options_from)

    changed = [
        key(drawn_by="u"),
        key(name="pris_min"),
        key(asked=("26",)),
        key(asked=("25", "26")),
        key(asked=()),
        key(errors=("Fejl",)),
        key(options_from="g2"),
    ]
    assert len({key(), *changed}) == len(changed) + 1


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_field_kept_is_the_field_drawn_afresh(caseworker, language):
    """Kept by what it is drawn from, a field shows what describing and drawing it again
    would: every field of a run of searches (values, choices checked, errors, reference data
    changed between them), drawn with the fields of the searches before it kept, is the
    field drawn with nothing kept (no generation: described, options and all)."""
    from django.test import RequestFactory
    from django.utils import translation

    from partnership.models import Organisation

    user = caseworker.get(reverse("offers:search")).wsgi_request.user
    slagelse = Organisation.objects.get(slug="slagelse")
    steps = [
        {},
        {"alder": "25"},
        {"alder": "x"},
        {"alder": "25", "sorter": "name", "ledige": "on"},
        {"pris_max": "50"},
        {"pris_min": "100,5", "pris_max": "50"},  # the same value, now with an error
        {"kommune": "slagelse", "q": "autisme"},
        "rename",  # the reference data changes: a new generation, new option pieces
        {"kommune": "slagelse", "q": "autisme"},
        {"kommune": "ukendt", "ejerform": "privat"},
    ]
    with translation.override(language):
        for step in steps:
            if step == "rename":
                slagelse.name = "Slagelse Kommune (nyt navn)"
                slagelse.save()
                continue
            request = RequestFactory().get(reverse("offers:search"), step)
            request.user = user
            body = views._SearchBody(request, selectors.search_generation(), 1, YEAR)
            drawn = [str(f) for f in body.filters]
            afresh = views._drawn_fields(body.form, body.asked, None)
            assert drawn == [str(f) for f in afresh], step
    assert "Slagelse Kommune (nyt navn)" in "".join(drawn)


def test_a_search_made_again_takes_its_body_from_the_cache(caseworker, monkeypatch):
    """The page's filters and results (offers/search.html's body) are kept under a digest of
    what they show: the same search again reads no offer and draws nothing, and shows the
    same; a change of the data is a new generation and so a new body."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _page(caseworker, {"alder": "25"})
    drawn = _Drawn(monkeypatch)
    built = []
    original = views.SearchFilter
    monkeypatch.setattr(views, "SearchFilter", lambda *a, **k: built.append(1) or original(*a, **k))
    with CaptureQueriesContext(connection) as queries:
        again = _page(caseworker, {"alder": "25"})
    body = re.compile(r'<div class="row">.*</ol>', re.S)
    assert body.search(again)[0] == body.search(first)[0]
    assert drawn.names == [] and drawn.fields == [] and built == []  # not even the form
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "offers_searchrow" not in read and "offers_legalparagraph" not in read
    offer = selectors.Offer.objects.get(name="Kort 2")
    VacancyReport.objects.create(offer=offer, vacant=4, reported_on=days_ago(1))
    assert "4 af 10" in _page(caseworker, {"alder": "25"})
    assert built == [1]


def test_every_input_of_the_body_is_in_its_key(caseworker):
    from django.contrib.auth import get_user_model

    generation = selectors.search_generation()
    user = get_user_model().objects.get(email="sagsbehandler.slagelse@portal.example")
    secretariat = get_user_model().objects.get(email="sekretariat@portal.example")
    asked = [("alder", ["25"])]
    base = views._body_key(generation, user, YEAR, asked, [], False)
    assert base == views._body_key(generation, user, YEAR, asked, [], False)
    other = selectors.Generation(generation.token, generation.n + "x")
    changed = [
        views._body_key(other, user, YEAR, asked, [], False),
        views._body_key(generation, secretariat, YEAR, asked, [], False),
        views._body_key(generation, user, YEAR + 1, asked, [], False),
        views._body_key(generation, user, YEAR, [("alder", ["26"])], [], False),
        views._body_key(generation, user, YEAR, [*asked, ("side", ["2"])], [], False),
        views._body_key(generation, user, YEAR, asked, [7], False),
        views._body_key(generation, user, YEAR, asked, [], True),
    ]
    assert len({base, *changed}) == len(changed) + 1
    # Each template that draws the body is in the key (offers/search.html includes the one,
    # which includes the others).
    body = (TEMPLATES / "offers" / "_search_body.html").read_text(encoding="utf-8")
    filters = (TEMPLATES / "offers" / "_search_filters.html").read_text(encoding="utf-8")
    included = set(re.findall(r'{% include "([^"]+)"', body + filters))
    assert included <= set(views.BODY_TEMPLATES), included - set(views.BODY_TEMPLATES)
