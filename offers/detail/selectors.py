"""The offer page's read: the offer with everything its page lists, in one query, and its
tariff history."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.expressions import RawSQL

from offers import declarations, pricing
from offers.models import (
    Offer,
    OfferDocument,
    Tariff,
    TariffAddOn,
    TariffStatus,
)
from offers.permissions import offers_visible_to
from offers.selectors import _labels
from partnership import dashboard
from partnership.models import Organisation

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from partnership.permissions import AnyUser


class PageData(TypedDict):
    """What offer_for_page() puts on the offer (the lists as JSON rows with their labels)."""

    content_key: str
    following: bool
    paragraph_list: list[dict[str, Any]]
    target_group_list: list[dict[str, Any]]
    photo_list: list[dict[str, Any]]
    document_list: list[dict[str, Any]]
    vacancy_list: list[dict[str, Any]]
    answer_list: list[dict[str, Any]]
    tariff_declarations: dict[int, list[dict[str, Any]]]
    published_list: list[Tariff]
    draft_list: list[Tariff]
    tariff_addons: dict[int, list[dict[str, Any]]]
    rates: dict[int, Decimal]


class TariffHistory(TypedDict):
    """What tariff_history() puts on each published tariff."""

    addon_list: list[dict[str, Any]]
    change: Decimal | None
    pl_rate: Decimal | None
    pl_flag: bool
    is_current: bool


if TYPE_CHECKING:
    PageOffer: TypeAlias = WithAnnotations[Offer, PageData]
    HistoryTariff: TypeAlias = WithAnnotations[Tariff, TariffHistory]

# --- The offer page ----------------------------------------------------------------------
# Everything the offer page lists besides the offer itself, as one JSON column of the offer's
# own query: each list an ordered array of JSON rows (a query or a prefetch per list costs
# more in Django than in the database: the ORM's eleven queries took 3.1-3.5x as long, 15-17
# ms against 4.8 ms p50 on the bench data). Prices go as text (a JSON number would become a
# float). The SQL names the outer query's table ("offers_offer"): annotate only a queryset
# that is run as it is.
_PAGE_LISTS = (
    "paragraph_list",
    "target_group_list",
    "photo_list",
    "document_list",
    "vacancy_list",
    "answer_list",
)


_PAGE_SQL = """
SELECT jsonb_build_object(
  'following', EXISTS(SELECT 1 FROM offers_offerfollow f
                      WHERE f.offer_id = "offers_offer"."id" AND f.user_id = %s),
  'paragraph_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('code', p.code, 'title', p.title)
    FROM offers_legalparagraph p
    JOIN offers_offer_paragraphs op ON op.legalparagraph_id = p.id
    WHERE op.offer_id = "offers_offer"."id" ORDER BY p."order", p.code)),
  'target_group_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('name', g.name)
    FROM offers_targetgroup g
    JOIN offers_offer_target_groups og ON og.targetgroup_id = g.id
    WHERE og.offer_id = "offers_offer"."id" ORDER BY g."order", g.name)),
  'photo_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('pk', ph.id, 'alt_text', ph.alt_text)
    FROM offers_offerphoto ph WHERE ph.offer_id = "offers_offer"."id"
    ORDER BY ph."order", ph.id)),
  'document_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('pk', d.id, 'title', d.title, 'kind', d.kind)
    FROM offers_offerdocument d WHERE d.offer_id = "offers_offer"."id"
    ORDER BY d.created_at DESC)),
  'vacancy_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('vacant', v.vacant, 'reported_on', v.reported_on)
    FROM offers_vacancyreport v WHERE v.offer_id = "offers_offer"."id"
    ORDER BY v.reported_on DESC, v.created_at DESC LIMIT 6)),
  'answer_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('question', q.id, 'text', q.text, 'group', q."group",
                              'answer', a.answer, 'option', o.label,
                              'price', a.price::text, 'unit', a.unit, 'note', a.note)
    FROM offers_declarationanswer a
    JOIN offers_declarationquestion q ON q.id = a.question_id AND q.is_active
    LEFT JOIN offers_declarationoption o ON o.id = a.option_id
    WHERE a.offer_id = "offers_offer"."id" ORDER BY q."order", q.key)),
  'frozen_list', to_jsonb(ARRAY(
    SELECT jsonb_build_object('tariff', d.tariff_id, 'question', q.id, 'text', q.text,
                              'group', q."group", 'answer', d.answer, 'option', o.label,
                              'price', d.price::text, 'unit', d.unit, 'note', d.note)
    FROM offers_tariffdeclarationanswer d
    JOIN offers_tariff t ON t.id = d.tariff_id
    JOIN offers_declarationquestion q ON q.id = d.question_id
    LEFT JOIN offers_declarationoption o ON o.id = d.option_id
    WHERE t.offer_id = "offers_offer"."id" ORDER BY q."order", q.key)),
  'tariffs', to_jsonb(ARRAY(
    SELECT to_jsonb(t) FROM offers_tariff t
    WHERE t.offer_id = "offers_offer"."id" AND t.status IN ('published', 'draft')
    ORDER BY t.year DESC, t.version DESC)),
  'addons', to_jsonb(ARRAY(
    SELECT jsonb_build_object('tariff', t.id, 'name', ad.name, 'note', ad.note,
                              'price', ad.price::text, 'unit', ad.unit)
    FROM offers_tariffaddon ad JOIN offers_tariff t ON t.id = ad.tariff_id
    WHERE t.offer_id = "offers_offer"."id" AND t.status = 'published' ORDER BY ad.id)),
  'rates', to_jsonb(ARRAY(
    SELECT jsonb_build_object('year', r.year, 'rate', r.rate::text)
    FROM offers_regulationrate r ORDER BY r.year DESC))
)::text
"""


def _money(value: str | None) -> Decimal | None:
    """A price sent as text in a JSON row (a JSON number would become a float)."""
    return None if value is None else Decimal(value)


def _tariff(row: dict[str, Any]) -> Tariff:
    """A tariff from its to_jsonb() row (numbers parsed as Decimal), as if the ORM loaded it."""
    fields = Tariff._meta.concrete_fields
    return Tariff.from_db(
        connection.alias,
        [f.attname for f in fields],
        [f.to_python(row[f.column]) for f in fields],
    )


# An offer's id no row has: the stand-in for the page's offer in its SQL (_page_query).
_SOME_OFFER = -19
_OFFER_COLUMNS = [f.attname for f in Offer._meta.concrete_fields]
_ORGANISATION_COLUMNS = [f.attname for f in Organisation._meta.concrete_fields]
# The offer's organisations as select_related("provider", "municipality",
# "provider__branch_organisation") loads them, their columns after the offer's.
_RELATED = ("provider", "municipality", "provider__branch_organisation")


def _page_query(user: AnyUser) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL of the offer page's one query for the person: offers_visible_to(user) for one
    offer (_SOME_OFFER), its columns, its organisations' and page_data (_PAGE_SQL). Kept by
    partnership.dashboard.compiled and run prepared: building and compiling it took 1.0 ms
    and planning its thirteen subqueries most of the rest of the database's time."""
    columns = [
        *_OFFER_COLUMNS,
        *(f"{path}__{name}" for path in _RELATED for name in _ORGANISATION_COLUMNS),
    ]
    query = (
        offers_visible_to(user)
        .filter(pk=_SOME_OFFER)
        .order_by()
        .annotate(page_data=RawSQL(_PAGE_SQL, (user.pk,)))
        .values_list(*columns, "page_data")
    )
    try:
        sql, params = dashboard.compiled_sql(query)
    except EmptyResultSet:  # (someone who is no member sees no offer)
        return None
    return sql, tuple(params)


def _with_organisations(row: tuple[Any, ...]) -> Offer:
    """The offer of a _page_query() row with its organisations loaded (the branch
    organisation None when the provider has none)."""
    width, start = len(_ORGANISATION_COLUMNS), len(_OFFER_COLUMNS)
    offer = Offer.from_db(connection.alias, _OFFER_COLUMNS, row[:start])

    def organisation(at: int) -> Organisation:
        return Organisation.from_db(connection.alias, _ORGANISATION_COLUMNS, row[at : at + width])

    provider, municipality = organisation(start), organisation(start + width)
    branch = organisation(start + 2 * width) if row[start + 2 * width] is not None else None
    Offer.provider.field.set_cached_value(offer, provider)
    Offer.municipality.field.set_cached_value(offer, municipality)
    Organisation.branch_organisation.field.set_cached_value(provider, branch)
    return offer


def offer_for_page(user: AnyUser, pk: int) -> PageOffer:
    """The offer with everything its page lists, as dicts with their labels: paragraph_list,
    target_group_list, photo_list, document_list, vacancy_list (the last six reports),
    answer_list (the service declaration as it is now), tariff_declarations (published
    tariff id → the declaration kept with it), following (whether `user` follows it); its
    tariffs as model instances: draft_list (newest year first) and, for tariff_history(),
    published_list with tariff_addons (published tariff id → add-ons) and rates (year → PL
    rate). One query whatever the number of rows."""
    prepared = dashboard.compiled("offers:page", user, lambda: _page_query(user))
    if prepared is None:
        raise Offer.DoesNotExist
    sql, params = prepared
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(sql, dashboard.bind(params, {_SOME_OFFER: pk}))
        row = cursor.fetchone()
    if row is None:
        raise Offer.DoesNotExist
    offer = _with_organisations(row)
    text = row[-1]
    data = json.loads(text, parse_float=Decimal)
    data["tariffs"] = [_tariff(row) for row in data["tariffs"]]
    page = _with_page_data(cast("PageOffer", offer), data)
    page.content_key = _content_key(page, text)
    return page


def _content_key(offer: Offer, page_data: str) -> str:
    """A digest of everything the offer page draws from the data: the offer's columns, its
    provider's, branch organisation's and municipality's, and the lists of its page query
    (page_data, as read before it is parsed; it holds `following` too, so the digest differs
    between people who follow the offer and people who do not). Any change to what the
    page shows makes another digest: the page's fragments are cached under it
    (offers/offer_detail.html)."""
    provider = offer.provider
    rows = [offer, provider, offer.municipality, provider.branch_organisation]
    values = [
        [getattr(row, f.attname) for f in row._meta.concrete_fields] if row else None
        for row in rows
    ]
    digest = hashlib.blake2b(repr(values).encode(), digest_size=16)
    digest.update(page_data.encode())
    return digest.hexdigest()


def _with_page_data(offer: PageOffer, data: dict[str, Any]) -> PageOffer:
    offer.following = data["following"]
    for name in _PAGE_LISTS:
        setattr(offer, name, data[name])
    kinds = _labels(OfferDocument, "kind")
    for d in offer.document_list:
        d["kind_label"] = kinds.get(d["kind"], d["kind"])
    for v in offer.vacancy_list:
        v["reported_on"] = date.fromisoformat(v["reported_on"])
    offer.answer_list = declarations.decorate(offer.answer_list)
    offer.tariff_declarations = {}
    for a in declarations.decorate(data["frozen_list"]):
        offer.tariff_declarations.setdefault(a["tariff"], []).append(a)
    offer.published_list = [t for t in data["tariffs"] if t.status == TariffStatus.PUBLISHED]
    offer.draft_list = [t for t in data["tariffs"] if t.status == TariffStatus.DRAFT]
    units = _labels(TariffAddOn, "unit")
    offer.tariff_addons = {}
    for a in data["addons"]:
        a["price"] = _money(a["price"])
        a["unit_label"] = units.get(a["unit"], a["unit"])
        offer.tariff_addons.setdefault(a["tariff"], []).append(a)
    offer.rates = {r["year"]: Decimal(r["rate"]) for r in data["rates"]}
    return offer


def tariff_history(offer: PageOffer) -> list[HistoryTariff]:
    """Every published version, newest first, with its add-ons (addon_list), the year's PL
    rate, the change from the previous year's latest published version and the PL flag.
    `offer` comes from offer_for_page() (its published_list, tariff_addons and rates)."""
    # The tariffs get the attributes of TariffHistory here.
    tariffs = cast("list[HistoryTariff]", offer.published_list)
    latest_by_year: dict[int, Tariff] = {}
    for t in tariffs:
        latest_by_year.setdefault(t.year, t)
    for t in tariffs:
        prev = latest_by_year.get(t.year - 1)
        t.addon_list = offer.tariff_addons.get(t.pk, [])
        t.change = pricing.change_percent(t.price, t.unit, prev.price, prev.unit) if prev else None
        t.pl_rate = offer.rates.get(t.year)
        t.pl_flag = pricing.above_pl(t.change, t.pl_rate)
        t.is_current = latest_by_year[t.year] is t
    return tariffs
