"""The API, version 1 (/api/v1/): the partnership's open data, public and read-only.

Every response is made here: 200 with an ETag (a conditional GET with If-None-Match gets 304),
errors as Danish problem details (api/problems.py), and a rate limit per IP address (the
Django cache; 429 with Retry-After). The list is the search's: the same FilterSet and query
parameter names as /tilbud/, paged by an opaque cursor in the order of the offers' ids; its
answer to an address is kept in the cache under the search's data generation
(offers.search.selectors.search_generation), so the same address again reads one row until
any data the list shows changes. The offers' bodies are written in the response schemas'
shape and rendered without validating them on every request (_render)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.throttling import AnonRateThrottle

from contracts.models import Contract
from meetings.models import Meeting
from offers import pricing
from offers.models import Tariff
from offers.search.opendata import OfferRow
from offers.search.selectors import CACHE_SECONDS as SEARCH_CACHE_SECONDS
from offers.search.selectors import Generation, search_generation, search_reference
from offers.selectors import current_year
from partnership.models import ApiScope, ApiToken, OwnershipForm

from . import auth, members, problems, schemas, selectors

THROTTLE = AnonRateThrottle(settings.API_RATE_PER_IP)


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's schema, with the responses every operation can give declared here, once
        (so a new operation declares only its own 200): 304 to a GET (ETag), 400 when it
        takes parameters, 404 when it has a path parameter, 401 and 403 when it needs a
        token, 429 always (the rate limits); the errors under their real media type,
        problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "Problem", schemas.Problem.model_json_schema()
        )
        for item in schema["paths"].values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status, response in responses.items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {
                            problems.PROBLEM_CONTENT_TYPE: content["application/json"]
                        }
                parameters = operation.get("parameters", [])
                shared = {429: _("For mange forespørgsler (se Retry-After).")}
                if method == "get":
                    shared[304] = _("Uændret siden ETag'en i If-None-Match.")
                if parameters:
                    shared[400] = _("Ugyldige parametre.")
                if any(p.get("in") == "path" for p in parameters):
                    shared[404] = _("Ikke fundet.")
                if operation.get("security"):
                    shared[401] = _("Kræver en gyldig API-nøgle.")
                    shared[403] = _("API-nøglen giver ikke adgang til dette.")
                for status, description in shared.items():
                    if str(status) not in responses and status not in responses:
                        responses[status] = {"description": description}
                        if status >= 400:
                            responses[status]["content"] = {problems.PROBLEM_CONTENT_TYPE: problem}
                # One kind of key (ninja gives ints, openapi_extra strings), in order.
                operation["responses"] = {
                    str(k): responses[k] for k in sorted(responses, key=lambda k: int(k))
                }
        return schema

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        """A 200 to a GET carries an ETag of its body; the same ETag in If-None-Match gets
        304 Not Modified without the body. Clients must revalidate (no-cache); a response to
        a token is private (no shared cache keeps it)."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return self.conditional(request, response)

    def conditional(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """create_response()'s ETag, Cache-Control and 304 for a response whose body is
        already made (a body kept in the cache, or rendered without the response schema)."""
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            if getattr(request, "auth", None) is None:
                patch_cache_control(response, public=True, no_cache=True)
            else:  # an organisation's own data: never kept by a shared cache
                patch_cache_control(response, private=True, no_cache=True)
                patch_vary_headers(response, ["Authorization"])
            conditional = get_conditional_response(
                request, etag=response["ETag"], response=response
            )
            if conditional is not None:
                return conditional
        return response


api = PortalAPI(
    title="Partnerskabsportalens åbne data",
    version="1",
    description=(
        "Partnerskabets åbne data: offentliggjorte tilbud med takster, ledige pladser og "
        "PL-satser. Ingen login. Listen filtreres præcis som søgningen på /tilbud/ med de "
        "samme parametre. Næste side hentes med parameteren cursor fra svarets next. "
        "Svar har en ETag; send den i If-None-Match og få 304, når intet er ændret. "
        "Fejl er RFC 9457 "
        "problem+json på dansk. Der er en grænse for antal forespørgsler pr. IP-adresse "
        "(429 med Retry-After). "
        "Medlemsdelen (kontrakter og møder) kræver en organisations API-nøgle i "
        "Authorization: Bearer <nøgle>; organisationens administrator opretter og "
        "tilbagekalder nøgler under organisationen i portalen."
    ),
    urls_namespace="api",
    docs_url=None,
    throttle=[THROTTLE],
)


# --- Errors --------------------------------------------------------------------------------


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        name = str(error.get("loc", ["?"])[-1])
        errors.setdefault(name, []).append(_("Værdien kan ikke læses."))
    return problems.bad_request(request, errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problems.not_found(request)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return problems.too_many_requests(request, max(1, math.ceil(exc.wait or 1)))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problems.problem(
        request,
        401,
        _("Kræver en gyldig API-nøgle"),
        _(
            "Send organisationens API-nøgle som Authorization: Bearer <nøgle>. "
            "Nøglen er ukendt eller tilbagekaldt."
        ),
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problems.problem(request, exc.status_code, _("Fejl"), str(exc))


class BadRequest(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return problems.bad_request(request, exc.errors)


ERRORS: dict[int, Any] = {400: schemas.Problem, 429: schemas.Problem}


# --- The cursor ----------------------------------------------------------------------------

CURSOR_PREFIX = "efter:"


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{after}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor continues after (None for the first page); BadRequest if it is not
    one of ours."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX) and text[len(CURSOR_PREFIX) :].isdigit():
            return int(text[len(CURSOR_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadRequest({"cursor": [_("Brug cursor præcis som den står i svarets next.")]})


# Every list's paging parameters: the cursor from the answer's next, and the page's size.
Cursor = Annotated[str | None, Query(description="Fra svarets next; udelad den for første side.")]
Limit = Annotated[int, Query(ge=1, le=selectors.PAGE_MAX, description="Antal pr. side.")]


def _next_url(request: HttpRequest, after: int | None) -> str | None:
    """This request's address with the cursor of the page after `after` (None: no more)."""
    if after is None:
        return None
    query = request.GET.copy()
    query["cursor"] = encode_cursor(after)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _cursor_page(
    request: HttpRequest, name: str, rows: list[Any], next_after: int | None
) -> dict[str, Any]:
    """A page of a list as every list answers: the number on it, the next page's address
    and the rows under the list's name."""
    return {"antal": len(rows), "next": _next_url(request, next_after), name: rows}


# --- The operations ------------------------------------------------------------------------


def _tariff_numbers(price: Any, unit: str, vat: bool) -> dict[str, str]:
    return {
        "maanedspris": str(pricing.monthly_price(price, unit)),
        "maanedspris_ekskl_moms": str(pricing.comparable_price(price, unit, vat)),
    }


def _offer_urls(request: HttpRequest) -> Callable[[int], str]:
    """The address of an offer's page as build_absolute_uri(reverse()) writes it, resolved
    once per answer rather than once per offer: the id written into the resolved address."""
    stand_in = "987654321987"
    before, after = request.build_absolute_uri(
        reverse("offers:offer_detail", args=[int(stand_in)])
    ).split(stand_in)
    return lambda pk: f"{before}{pk}{after}"


def _offer(o: OfferRow, year: int, url: Callable[[int], str]) -> dict[str, Any]:
    current = None
    if o.tariff_price is not None:
        current = {
            "takstaar": year,
            "version": o.tariff_version,
            "takst": str(o.tariff_price),
            "enhed": o.tariff_unit,
            "moms_inkluderet": bool(o.tariff_vat),
            "maanedspris": str(o.monthly_price),
            "maanedspris_ekskl_moms": str(o.comparable_price),
            "aendring_pct": None if o.change_percent is None else str(o.change_percent),
            "over_pl": o.pl_flag,
        }
    return {
        "id": o.pk,
        "navn": o.name,
        "leverandoer": {"navn": o.provider_name, "noegle": o.provider_slug, "cvr": o.provider_cvr},
        "beliggenhedskommune": {
            "navn": o.municipality_name,
            "noegle": o.municipality_slug,
            "kode": o.municipality_code,
        },
        "lovgrundlag": [{"kode": p.code, "noegle": p.short} for p in o.paragraphs],
        "maalgrupper": [{"navn": g.name, "noegle": g.slug} for g in o.target_groups],
        "alder_fra": o.age_min,
        "alder_til": o.age_max,
        "pladser": o.places,
        "ledige_pladser": o.vacant,
        "ledige_opgjort": o.vacancy_date,
        "takst": current,
        "url": url(o.pk),
    }


@api.get(
    "/offers",
    response={200: schemas.OfferPage, **ERRORS},
    url_name="offer_list",
    summary="Offentliggjorte tilbud",
    description=(
        "Offentliggjorte tilbud med deres fakta, årets takst og ledige pladser, filtreret "
        "som søgningen på /tilbud/ (samme parametre og samme regler), ordnet efter id. "
        "Næste side: følg next i svaret."
    ),
)
def offer_list(
    request: HttpRequest,
    q: str | None = Query(None, description="Fritekst, som søgefeltet på /tilbud/."),
    paragraf: Annotated[
        list[str] | None, Query(description="Lovgrundlag, fx '§ 108'; flere tilladt.")
    ] = None,
    maalgruppe: Annotated[
        list[str] | None, Query(description="Målgruppens nøgle, fx 'autisme'; flere tilladt.")
    ] = None,
    kommune: str | None = Query(None, description="Beliggenhedskommunens nøgle."),
    ejerform: str | None = Query(
        None, description="Leverandørens ejerform: " + ", ".join(OwnershipForm.values) + "."
    ),
    leverandoer: str | None = Query(None, description="Leverandørens navn, CVR eller nøgle."),
    branche: str | None = Query(None, description="Brancheorganisationens nøgle."),
    alder: int | None = Query(None, description="Borgerens alder i år."),
    ledige: bool | None = Query(None, description="Kun tilbud med ledige pladser nu."),
    pris_min: str | None = Query(None, description="Månedspris ekskl. moms fra (kr.)."),
    pris_max: str | None = Query(None, description="Månedspris ekskl. moms til (kr.)."),
    cursor: Cursor = None,
    limit: int = Query(
        selectors.PAGE_DEFAULT,
        ge=1,
        le=selectors.PAGE_MAX,
        description="Antal tilbud pr. side.",
    ),
) -> HttpResponse:
    year = current_year()
    # The same address at the same data generation is the same answer (public data only).
    generation = search_generation()
    key = None
    if generation is not None:
        address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
        key = generation.key("api-offers", year, address)
    body = cache.get(key) if key else None
    if body is None:
        body = _render(request, _offer_page(request, year, generation, cursor, limit))
        if key:
            cache.set(key, body, SEARCH_CACHE_SECONDS)
    return api.conditional(request, HttpResponse(body, content_type=api.get_content_type()))


def _offer_page(
    request: HttpRequest, year: int, generation: Generation | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    data = request.GET.copy()
    for name in ("cursor", "limit", "sorter"):
        data.pop(name, None)
    reference = search_reference(generation)
    filterset = selectors.offer_filter(data, reference=reference)
    if not filterset.is_valid():
        raise BadRequest({k: [str(m) for m in v] for k, v in filterset.form.errors.items()})
    values = filterset.form.cleaned_data
    page = selectors.offer_page(values, year, after=after, limit=limit, reference=reference)
    url = _offer_urls(request)
    rows = [_offer(o, year, url) for o in page.offers]
    return _cursor_page(request, "tilbud", rows, page.next_after)


def _render(request: HttpRequest, data: dict[str, Any]) -> bytes:
    """The JSON body ninja would render for `data`, without validating it against the
    response schema on every request: the dicts here are written in the schemas' shape and
    order (tests/api/test_schemathesis.py checks every answer against the schema)."""
    return str(api.renderer.render(request, data, response_status=200)).encode()


def _tariff(t: Tariff) -> dict[str, Any]:
    return {
        "takstaar": t.year,
        "version": t.version,
        "offentliggjort": t.published_at,
        "takst": str(t.price),
        "enhed": t.unit,
        "moms_inkluderet": t.vat_included,
        **_tariff_numbers(t.price, t.unit, t.vat_included),
        "belaegning_pct": str(t.occupancy_percent),
        "begrundelse_for_rettelse": t.correction_reason,
        "tillaegsydelser": [
            {
                "navn": a.name,
                "pris": None if a.price is None else str(a.price),
                "enhed": a.unit,
                "bemaerkning": a.note,
            }
            for a in t.addons.all()
        ],
        "deklaration": [
            {
                "spoergsmaal": d.question.key,
                "spoergsmaal_tekst": d.question.text,
                "svar": d.answer,
                "svar_tekst": d.get_answer_display(),
                "svarmulighed": d.option.label if d.option else None,
                "pris": None if d.price is None else str(d.price),
                "enhed": d.unit,
                "bemaerkning": d.note,
            }
            for d in t.declaration.all()
        ],
    }


@api.get(
    "/offers/{offer_id}",
    response={200: schemas.OfferDetail, 404: schemas.Problem, 429: schemas.Problem},
    url_name="offer_detail",
    summary="Et offentliggjort tilbud",
    description=(
        "Tilbuddets fakta og årets takst, og alle offentliggjorte takstversioner med "
        "tillægsydelser og den ydelsesdeklaration, der hørte til hver version."
    ),
)
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    year = current_year()
    found = selectors.offer_detail(offer_id, year)
    if found is None:
        raise Http404
    offer = _offer(found.offer, year, _offer_urls(request))
    data = {**offer, "takster": [_tariff(t) for t in found.tariffs]}
    return api.conditional(
        request, HttpResponse(_render(request, data), content_type=api.get_content_type())
    )


@api.get(
    "/pl-rates",
    response={200: list[schemas.PLRate], 429: schemas.Problem},
    url_name="pl_rates",
    summary="PL-satser",
    description="Den tilladte pris- og lønfremskrivning for hvert takstår, nyeste først.",
)
def pl_rates(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"aar": r.year, "sats_pct": str(r.rate), "note": r.note} for r in selectors.pl_rates()]


# --- The member part: an organisation's token ---------------------------------------------

MEMBER_ERRORS: dict[int, Any] = {
    400: schemas.Problem,
    401: schemas.Problem,
    403: schemas.Problem,
    429: schemas.Problem,
}


def _token(request: HttpRequest, scope: str) -> ApiToken:
    """The request's token, if it has the scope (403 in Danish if not)."""
    token = request.auth  # type: ignore[attr-defined]
    if not token.allows(scope):
        raise HttpError(
            403,
            _(
                "API-nøglen giver ikke adgang til dette. Bed organisationens administrator om "
                "en nøgle med adgangen '%(scope)s'."
            )
            % {"scope": ApiScope(scope).label},
        )
    return token


def _party(organisation: Any) -> dict[str, Any]:
    return {"navn": organisation.name, "cvr": organisation.cvr}


def _contract(request: HttpRequest, c: Contract, with_reference: bool) -> dict[str, Any]:
    return {
        "id": c.pk,
        "status": c.state,
        "status_tekst": c.get_state_display(),
        "koeber": _party(c.buyer),
        "leverandoer": _party(c.provider),
        "tilbud": c.offer.name,
        "tilbud_id": c.offer_id,
        "startdato": c.start_date,
        "slutdato": c.end_date,
        "sagsreference": c.case_reference if with_reference else None,
        "url": request.build_absolute_uri(reverse("contracts:contract_detail", args=[c.pk])),
    }


@api.get(
    "/contracts",
    response={200: schemas.ContractPage, **MEMBER_ERRORS},
    url_name="contract_list",
    auth=auth.TOKEN,
    throttle=auth.TOKEN_THROTTLES,
    summary="Organisationens kontrakter",
    description=(
        "Kontrakter hvor nøglens organisation er køber eller leverandør (en leverandør ser "
        "dem, når kommunen har sendt dem), ordnet efter id. Kræver adgangen 'kontrakter'; "
        "sagsreferencen kun med adgangen 'sagsreferencer'."
    ),
)
def contract_list(
    request: HttpRequest, cursor: Cursor = None, limit: Limit = selectors.PAGE_DEFAULT
) -> dict[str, Any]:
    token = _token(request, ApiScope.CONTRACTS)
    page = members.contract_page(token.organisation, after=decode_cursor(cursor), limit=limit)
    with_reference = token.allows(ApiScope.CASE_REFERENCES)
    rows = [_contract(request, c, with_reference) for c in page.rows]
    return _cursor_page(request, "kontrakter", rows, page.next_after)


def _meeting(request: HttpRequest, m: Meeting, items: list[Any]) -> dict[str, Any]:
    return {
        "id": m.pk,
        "titel": m.title,
        "forum": m.forum.name,
        "status": m.status,
        "status_tekst": m.get_status_display(),
        "starter": m.starts_at,
        "slutter": m.ends_at,
        "sted": m.place,
        "dagsorden": [
            {
                "nummer": i.number,
                "type": i.get_kind_display(),
                "overskrift": i.title,
                "beskrivelse": i.description,
            }
            for i in items
        ],
        "url": request.build_absolute_uri(reverse("meetings:meeting_detail", args=[m.pk])),
    }


@api.get(
    "/meetings",
    response={200: schemas.MeetingPage, **MEMBER_ERRORS},
    url_name="meeting_list",
    auth=auth.TOKEN,
    throttle=auth.TOKEN_THROTTLES,
    summary="Organisationens møder",
    description=(
        "Møder nøglens organisation er inviteret til (ikke kladder), ordnet efter id, med de "
        "dagsordenspunkter organisationen må se: lukkede punkter kun, når de er åbne for "
        "netop den. Kræver adgangen 'moeder'."
    ),
)
def meeting_list(
    request: HttpRequest, cursor: Cursor = None, limit: Limit = selectors.PAGE_DEFAULT
) -> dict[str, Any]:
    token = _token(request, ApiScope.MEETINGS)
    page = members.meeting_page(token.organisation, after=decode_cursor(cursor), limit=limit)
    rows = [_meeting(request, m, page.items[m.pk]) for m in page.rows]
    return _cursor_page(request, "moeder", rows, page.next_after)


# --- Takstudvikling and the organisation's calendar (issue 16) ----------------------------


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


@api.get(
    "/tariff-development",
    response={200: schemas.TariffDevelopment, **ERRORS},
    url_name="tariff_development",
    summary="Takstudvikling",
    description=(
        "Rapporten Takstudviklings tal: pr. lovgrundlag og år median og kvartiler af "
        "månedsprisen for offentliggjorte tilbud, PL-sporet (første års median fremskrevet "
        "med PL-satserne) og begge som indeks, og de tilbud, hvis pris steg mere end PL. "
        "Uden fra og til: de seneste op til fem år med takster, som rapporten viser først."
    ),
)
def tariff_development(
    request: HttpRequest,
    fra: int | None = Query(None, description="Periodens første år."),
    til: int | None = Query(None, description="Periodens sidste år."),
    paragraf: Annotated[
        list[str] | None,
        Query(description="Lovgrundlagets kode, fx 'SEL § 108'; flere tilladt; ingen: alle."),
    ] = None,
) -> dict[str, Any]:
    report, errors = selectors.tariff_development(fra, til, paragraf or [])
    if report is None:
        raise BadRequest(errors)
    return {
        "fra_aar": report.from_year,
        "til_aar": report.to_year,
        "pl_satser": [{"aar": y, "sats_pct": str(r)} for y, r in sorted(report.rates.items())],
        "tilladt_aendring_pct": str(report.allowed_percent),
        "lovgrundlag": [
            {
                "kode": p.paragraph.code,
                "noegle": p.paragraph.short,
                "betegnelse": p.paragraph.title,
                "aar": [
                    {
                        "aar": s.year,
                        "antal_tilbud": s.count,
                        "nedre_kvartil": str(s.q1),
                        "median": str(s.median),
                        "oevre_kvartil": str(s.q3),
                        "pl_spor": _money(s.pl_value),
                        "median_indeks": _money(s.median_index),
                        "pl_indeks": _money(s.pl_index),
                    }
                    for s in p.years
                ],
                "sammenlignet": p.compared,
                "over_pl": [
                    {
                        "tilbud_id": r.offer_id,
                        "navn": r.name,
                        "leverandoer": r.provider,
                        "foerste_maanedspris": str(r.first_price),
                        "sidste_maanedspris": str(r.last_price),
                        "aendring_pct": str(r.change_percent),
                        "tilladt_pct": str(r.allowed_percent),
                        "url": request.build_absolute_uri(
                            reverse("offers:offer_detail", args=[r.offer_id])
                        ),
                    }
                    for r in p.above
                ],
            }
            for p in report.paragraphs
        ],
    }


CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"


@api.get(
    "/calendar",
    response=MEMBER_ERRORS,
    url_name="calendar",
    auth=auth.TOKEN,
    throttle=auth.TOKEN_THROTTLES,
    summary="Organisationens kalender",
    description=(
        "Møderne nøglens organisation er inviteret til, fra et år tilbage (ikke kladder), som "
        "iCalendar (RFC 5545, METHOD:PUBLISH) til at abonnere på: samme kalender som "
        "portalens kalenderadresse, med de dagsordenspunkter organisationen må se. Et aflyst "
        "møde står med STATUS:CANCELLED. Kræver adgangen 'moeder'."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "Kalenderen (iCalendar).",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def calendar(request: HttpRequest) -> HttpResponse:
    token = _token(request, ApiScope.MEETINGS)
    response = HttpResponse(
        members.calendar(token.organisation), content_type=CALENDAR_CONTENT_TYPE
    )
    # An organisation's own data: never kept by a shared cache.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Authorization"])
    return response


@api.get("/docs", include_in_schema=False, url_name="docs")
def docs(request: HttpRequest) -> HttpResponse:
    """The documentation page: the operations of the generated schema, in Danish, drawn
    by a template (no Swagger UI: it would need scripts from a CDN, which the CSP refuses)."""
    schema = api.get_openapi_schema()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
            "parameters": op.get("parameters", []),
            "responses": sorted(op.get("responses", {})),
        }
        for path, item in schema["paths"].items()
        for method, op in item.items()
    ]
    return render(
        request,
        "api/docs.html",
        {
            "title": schema["info"]["title"],
            "description": schema["info"]["description"],
            "operations": operations,
            "schema_url": reverse("api:openapi-json"),
        },
    )


def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under /api/v1/ (config/urls.py, after the API's own): a problem
    details 404 like the API's, not the portal's HTML page."""
    return problems.not_found(request)
