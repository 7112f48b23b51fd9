"""The API, version 1 (/api/v1/): the partnership's open data, public and read-only.

Every response is made here: 200 with an ETag (a conditional GET with If-None-Match gets 304),
errors as Danish problem details (api/problems.py), and a rate limit per IP address (the
Django cache; 429 with Retry-After). The list is the search's: the same FilterSet and query
parameter names as /tilbud/, paged by an opaque cursor in the order of the offers' ids."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from typing import Annotated, Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, Throttled, ValidationError
from ninja.throttling import AnonRateThrottle

from offers import pricing
from offers.models import Tariff
from offers.selectors import current_year
from partnership.models import OwnershipForm

from . import problems, schemas, selectors

THROTTLE = AnonRateThrottle(settings.API_RATE_PER_IP)


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's schema, with the error responses under their real media type."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {
                            problems.PROBLEM_CONTENT_TYPE: content["application/json"]
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
        304 Not Modified without the body. Clients must revalidate (no-cache)."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            patch_cache_control(response, public=True, no_cache=True)
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
        "(429 med Retry-After)."
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


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; BadRequest if it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX) and text[len(CURSOR_PREFIX) :].isdigit():
            return int(text[len(CURSOR_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadRequest({"cursor": [_("Brug cursor præcis som den står i svarets next.")]})


# --- The operations ------------------------------------------------------------------------


def _tariff_numbers(price: Any, unit: str, vat: bool) -> dict[str, str]:
    return {
        "maanedspris": str(pricing.monthly_price(price, unit)),
        "maanedspris_ekskl_moms": str(pricing.comparable_price(price, unit, vat)),
    }


def _offer(request: HttpRequest, o: Any, year: int) -> dict[str, Any]:
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
        "leverandoer": {"navn": o.provider.name, "noegle": o.provider.slug, "cvr": o.provider.cvr},
        "beliggenhedskommune": {
            "navn": o.municipality.name,
            "noegle": o.municipality.slug,
            "kode": o.municipality.code,
        },
        "lovgrundlag": [{"kode": p.code, "noegle": p.short} for p in o.paragraphs.all()],
        "maalgrupper": [{"navn": g.name, "noegle": g.slug} for g in o.target_groups.all()],
        "alder_fra": o.age_min,
        "alder_til": o.age_max,
        "pladser": o.places,
        "ledige_pladser": o.vacant,
        "ledige_opgjort": o.vacancy_date,
        "takst": current,
        "url": request.build_absolute_uri(reverse("offers:offer_detail", args=[o.pk])),
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
    cursor: str | None = Query(None, description="Fra svarets next; udelad den for første side."),
    limit: int = Query(
        selectors.PAGE_DEFAULT,
        ge=1,
        le=selectors.PAGE_MAX,
        description="Antal tilbud pr. side.",
    ),
) -> dict[str, Any]:
    after = decode_cursor(cursor) if cursor else None
    data = request.GET.copy()
    for name in ("cursor", "limit", "sorter"):
        data.pop(name, None)
    filterset = selectors.offer_filter(data)
    if not filterset.is_valid():
        raise BadRequest({k: [str(m) for m in v] for k, v in filterset.form.errors.items()})
    year = current_year()
    page = selectors.offer_page(filterset.form.cleaned_data, year, after=after, limit=limit)
    next_url = None
    if page.next_after is not None:
        query = request.GET.copy()
        query["cursor"] = encode_cursor(page.next_after)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "antal": len(page.offers),
        "next": next_url,
        "tilbud": [_offer(request, o, year) for o in page.offers],
    }


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
def offer_detail(request: HttpRequest, offer_id: int) -> dict[str, Any]:
    year = current_year()
    found = selectors.offer_detail(offer_id, year)
    if found is None:
        raise Http404
    return {
        **_offer(request, found.offer, year),
        "takster": [_tariff(t) for t in found.tariffs],
    }


@api.get(
    "/pl-rates",
    response={200: list[schemas.PLRate], 429: schemas.Problem},
    url_name="pl_rates",
    summary="PL-satser",
    description="Den tilladte pris- og lønfremskrivning for hvert takstår, nyeste først.",
)
def pl_rates(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"aar": r.year, "sats_pct": str(r.rate), "note": r.note} for r in selectors.pl_rates()]


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
