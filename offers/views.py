from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, get_format, localize
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnership.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_text
from partnership.forms import add_service_errors
from partnership.intents import AlreadyDone
from partnership.models import Organisation
from partnership.pagination import PAGE_PARAM, page_number, paginate
from partnership.permissions import can_buy
from partnership.templatetags.portal import kr, signed_pct
from partnership.uploads import check_pdf, resized_image
from partnership.views import member_required

from . import extensions, permissions, selectors, services
from .charts import tariff_history_svg
from .forms import (
    AddOnFormSet,
    CorrectionForm,
    DeclarationAnswerForm,
    DocumentForm,
    OfferForm,
    PhotoForm,
    ProviderChoiceForm,
    RegulationRateForm,
    SearchForm,
    TariffForm,
    VacancyForm,
)
from .models import (
    DeclarationQuestion,
    Offer,
    OfferDocument,
    OfferFollow,
    OfferPhoto,
    OfferStatus,
    RegulationRate,
    Tariff,
    TariffStatus,
    TariffUnit,
)

COMPARE_KEY = "compare_offers"
COMPARE_MAX = 4


# --- Search ------------------------------------------------------------------------------


def _search_params(form: SearchForm) -> selectors.SearchParams:
    d = form.cleaned_data if form.is_valid() else {}
    return selectors.SearchParams(
        q=d.get("q") or "",
        paragraphs=list(d.get("paragraf") or []),
        target_groups=list(d.get("maalgruppe") or []),
        municipality=d.get("kommune"),
        ownership=d.get("ejerform") or "",
        age=d.get("alder"),
        vacancies=bool(d.get("ledige")),
        provider=d.get("leverandoer") or "",
        branch=d.get("branche"),
        price_min=d.get("pris_min"),
        price_max=d.get("pris_max"),
        sort=d.get("sorter") or "relevance",
    )


@dataclass
class _SearchCard:
    """A result on the search page with its texts written out once here, so the template's
    loop over 20 cards only prints (no filters or translations per card)."""

    pk: int
    name: str
    url: str
    meta: str
    target_groups: list[str]
    tariff: str
    monthly: str
    change: str
    pl_flag: bool
    vacancy: str
    vacancy_date: str
    age: str


class _CardTexts:
    """Writes the cards' texts, with translations and separators looked up once per page
    rather than once per card (the filters kr and date did, and they were a third of the
    page's rendering)."""

    def __init__(self):
        self.no_tariff = _("Ingen offentliggjort takst")
        self.per_day, self.per_month = _("pr. døgn"), _("pr. måned")
        self.of, self.years = _("af"), _("år")
        # Separators of the active language, as floatformat uses them ("1.234,50").
        self.separators = str.maketrans(
            {",": get_format("THOUSAND_SEPARATOR"), ".": get_format("DECIMAL_SEPARATOR")}
        )
        self.dates: dict = {}

    def kr(self, value: Decimal | None, decimals: int = 2) -> str:
        """As the template filter kr: rounded half up, grouped, with "kr."."""
        if value is None:
            return ""
        exp = Decimal(1).scaleb(-decimals)
        rounded = Decimal(value).quantize(exp, rounding=ROUND_HALF_UP)
        return f"{rounded:,.{decimals}f}".translate(self.separators) + " kr."

    def date(self, value) -> str:
        if value not in self.dates:
            self.dates[value] = date_format(value, "j. M Y")
        return self.dates[value]

    def card(self, r: selectors.OfferResult) -> _SearchCard:
        if r.tariff_price is None:
            tariff = self.no_tariff
        else:
            unit = self.per_day if r.tariff_unit == TariffUnit.DAY else self.per_month
            tariff = f"{self.kr(r.tariff_price)} {unit}"
        return _SearchCard(
            pk=r.pk,
            name=r.name,
            url=r.url,
            meta=" · ".join([r.provider_name, r.municipality_name, ", ".join(r.paragraphs)]),
            target_groups=r.target_groups,
            tariff=tariff,
            monthly=self.kr(r.monthly_price, 0),
            change="–" if r.change_percent is None else signed_pct(r.change_percent),
            pl_flag=r.pl_flag,
            vacancy="–" if r.vacant is None else f"{r.vacant} {self.of} {r.places}",
            vacancy_date=self.date(r.vacancy_date) if r.vacant is not None else "",
            age=f"{r.age_min}–{r.age_max} {self.years}",
        )


@member_required
def search(request):
    # The data's generation first: the reference data and the results are cached under it.
    generation = selectors.search_generation()
    reference = selectors.search_reference(generation)
    form = SearchForm(request.GET, reference=reference)
    params = _search_params(form)
    year = selectors.current_year()
    number = page_number(request.GET.get(PAGE_PARAM))
    results = selectors.search_page(request.user, params, reference, number, generation)
    page = paginate(results, selectors.PAGE_SIZE, number)
    texts = _CardTexts()
    page.object_list = [texts.card(r) for r in page.object_list]
    query = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    compare_ids = _compare_ids(request)
    # The form's fields are drawn from the query, the reference data and the language alone:
    # the template caches them under those (and draws them, calling filter_fields, only when
    # they are not in the cache).
    filters_key = (
        generation.key(
            "filters",
            translation.get_language(),
            hashlib.sha256(query.urlencode().encode()).hexdigest()[:32],
        )
        if generation
        else ""
    )
    return render(
        request,
        "offers/search.html",
        {
            "form": form,
            "filters": form.filter_fields,
            "filters_key": filters_key,
            "page": page,
            "query": query.urlencode(),
            "year": year,
            "compare_ids": compare_ids,
            "compare_max": COMPARE_MAX,
            "compare_full": len(compare_ids) >= COMPARE_MAX,
            "open_data_query": query.urlencode(),
        },
    )


# --- Offer page ------------------------------------------------------------------------


def _visible_offer(request, pk) -> Offer:
    try:
        return selectors.offer_for_page(request.user, pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc


def _declaration_groups(answers: list[dict]) -> OrderedDict[str, str]:
    """The service declaration's table rows per question group, written once as HTML (a
    template loop over every answer and cell cost more than the rest of the page)."""
    groups: OrderedDict[str, list] = OrderedDict()
    for a in answers:
        groups.setdefault(a["group"], []).append(
            format_html(
                '<tr><td>{}</td><td class="answer-{}">{}</td><td>{}</td></tr>',
                a["text"],
                a["answer"],
                a["display"],
                a["note"] or "",
            )
        )
    return OrderedDict((group, mark_safe("".join(rows))) for group, rows in groups.items())


def _history_cells(history: list) -> None:
    """Each tariff version's cells in the history table as HTML (`t.cells`), as the
    template wrote them: numbers and dates localized, texts escaped."""
    units = dict(TariffUnit.choices)
    superseded = _("erstattet")
    over_pl = format_html(' <span class="tag tag-warning">{}</span>', _("Over PL"))
    for t in history:
        if t.change is None:
            change = "–"
        else:
            change = format_html("{}{}", signed_pct(t.change), over_pl if t.pl_flag else "")
        t.cells = format_html(
            '<td>{}</td><td>{}{}</td><td class="num">{} {}</td><td class="num">{}</td>\n'
            '    <td class="num">{}</td>\n'
            "    <td>{}</td><td>{}</td>",
            localize(t.year),
            localize(t.version),
            "" if t.is_current else f" ({superseded})",
            kr(t.price),
            str(units.get(t.unit, t.unit)),
            kr(t.monthly_price),
            change,
            date_filter(template_localtime(t.published_at), "j. M Y"),
            t.correction_reason or "–",
        )


@member_required
def offer_detail(request, pk):
    offer = _visible_offer(request, pk)
    history = selectors.tariff_history(offer)
    current_year = selectors.current_year()
    current = next((t for t in history if t.is_current and t.year == current_year), None)
    current = current or next((t for t in history if t.is_current), None)
    yearly = sorted([t for t in history if t.is_current], key=lambda t: t.year)
    chart = ""
    if len(yearly) >= 2:
        points = [(t.year, t.monthly_price) for t in yearly]
        pl_path, value = [], points[0][1]
        for t in yearly:
            if t is not yearly[0]:
                value = value * (1 + (t.pl_rate or 0) / Decimal(100))
            pl_path.append((t.year, value))
        chart = tariff_history_svg(points, pl_path, _("Månedspris pr. år med PL-sporet stiplet"))
    _history_cells(history)
    groups = _declaration_groups(offer.answer_list)
    can_edit = permissions.can_edit_offer(request.user, offer)
    drafts = offer.draft_list if can_edit else []
    compare_ids = _compare_ids(request)
    return render(
        request,
        "offers/offer_detail.html",
        {
            "offer": offer,
            "history": history,
            "current": current,
            "chart": chart,
            "declaration_groups": groups,
            "vacancies": offer.vacancy_list,
            "can_edit": can_edit,
            "drafts": drafts,
            "following": offer.following,
            "in_compare": offer.pk in compare_ids,
            "can_contract": offer.status == OfferStatus.PUBLISHED and can_buy(request.user),
            "panels": extensions.offer_panels(offer, request.user),
            "compare_full": len(compare_ids) >= COMPARE_MAX,
        },
    )


def _visible_file(request, pk, model, file_pk):
    offer = get_object_or_404(permissions.offers_visible_to(request.user), pk=pk)
    return get_object_or_404(model, pk=file_pk, offer=offer)


@member_required
def document_download(request, pk, doc_pk):
    doc = _visible_file(request, pk, OfferDocument, doc_pk)
    return FileResponse(
        doc.file.open("rb"), content_type="application/pdf", filename=f"{doc.title}.pdf"
    )


@member_required
def photo_file(request, pk, photo_pk):
    photo = _visible_file(request, pk, OfferPhoto, photo_pk)
    content_type = "image/png" if photo.image.name.endswith(".png") else "image/jpeg"
    return FileResponse(photo.image.open("rb"), content_type=content_type)


@member_required
@require_POST
def follow_toggle(request, pk):
    offer = get_object_or_404(permissions.offers_visible_to(request.user), pk=pk)
    if OfferFollow.objects.filter(user=request.user, offer=offer).exists():
        services.unfollow(offer=offer, by=request.user)
        messages.success(request, _("Du følger ikke længere %(offer)s.") % {"offer": offer})
    else:
        services.follow(offer=offer, by=request.user)
        messages.success(
            request,
            _("Du følger nu %(offer)s og får besked, når der kommer en ny takst.")
            % {"offer": offer},
        )
    return redirect(offer)


# --- Provider editing ------------------------------------------------------------------


def _editable_offer(request, pk) -> Offer:
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    if not permissions.can_edit_offer(request.user, offer):
        raise PermissionDenied(_("Kun leverandørens egne redaktører kan ændre tilbuddet."))
    return offer


def _editor_providers(user):
    return Organisation.objects.filter(pk__in=permissions.editable_provider_ids(user)).order_by(
        "name"
    )


@member_required
def own_offers(request):
    providers = _editor_providers(request.user)
    if not providers:
        raise PermissionDenied
    year = selectors.current_year()
    offers = selectors.with_current_tariff(
        Offer.objects.filter(provider__in=providers).select_related("provider"), year
    ).annotate(draft_count=Count("tariffs", filter=_draft_filter()))
    return render(
        request,
        "offers/own_offers.html",
        {
            "offers": selectors.decorate(offers.order_by("provider__name", "name"), year),
            "providers": providers,
            "year": year,
        },
    )


def _draft_filter():
    from django.db.models import Q

    return Q(tariffs__status=TariffStatus.DRAFT)


@member_required
def offer_edit(request, pk=None):
    providers = _editor_providers(request.user)
    if pk:
        offer = _editable_offer(request, pk)
        provider_form = None
    else:
        if not providers:
            raise PermissionDenied(_("Kun leverandørernes redaktører kan oprette tilbud."))
        offer = Offer(provider=providers[0])
        provider_form = ProviderChoiceForm(
            request.POST or None, providers=providers, initial={"provider": providers[0]}
        )
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST":
        if provider_form is not None and provider_form.is_valid():
            offer.provider = provider_form.cleaned_data["provider"]
        if form.is_valid() and (provider_form is None or provider_form.is_valid()):
            try:
                offer = services.save_offer(
                    offer=form.save(commit=False),
                    paragraphs=form.cleaned_data["paragraphs"],
                    target_groups=form.cleaned_data["target_groups"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Tilbuddet %(offer)s er gemt.") % {"offer": offer})
                return redirect(offer)
    return render(
        request,
        "offers/offer_form.html",
        {"form": form, "offer": offer if pk else None, "provider_form": provider_form},
    )


@member_required
@require_POST
def offer_status(request, pk):
    offer = _editable_offer(request, pk)
    status = request.POST.get("status")
    if status not in OfferStatus.values:
        messages.error(request, _("Ukendt status."))
        return redirect(offer)
    services.set_offer_status(offer=offer, status=status, by=request.user)
    messages.success(
        request, _("Tilbuddet er nu: %(status)s.") % {"status": offer.get_status_display().lower()}
    )
    return redirect(offer)


@member_required
def declaration_edit(request, pk):
    offer = _editable_offer(request, pk)
    questions = list(DeclarationQuestion.objects.filter(is_active=True))
    existing = {a.question_id: a for a in offer.declaration_answers.all()}
    forms_ = []
    for q in questions:
        a = existing.get(q.pk)
        initial = (
            {"answer": a.answer, "price": a.price, "unit": a.unit, "note": a.note} if a else {}
        )
        forms_.append(
            DeclarationAnswerForm(
                request.POST or None, prefix=f"q{q.pk}", question=q, initial=initial
            )
        )
    if request.method == "POST":
        if all(f.is_valid() for f in forms_):
            try:
                services.save_declaration(
                    offer=offer,
                    answers={f.question.pk: f.cleaned_data for f in forms_},
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Ydelsesdeklarationen er gemt."))
                return redirect(offer)
        else:
            messages.error(
                request, _("Nogle svar mangler eller er forkerte. Se markeringerne nedenfor.")
            )
    groups: OrderedDict[str, list] = OrderedDict()
    for f in forms_:
        groups.setdefault(f.question.group, []).append(f)
    return render(request, "offers/declaration_form.html", {"offer": offer, "groups": groups})


@member_required
def vacancy_report(request, pk):
    offer = _editable_offer(request, pk)
    form = VacancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_vacancy(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("De ledige pladser er opdateret."))
            return redirect(offer)
    return render(request, "offers/vacancy_form.html", {"offer": offer, "form": form})


@member_required
def photo_upload(request, pk):
    offer = _editable_offer(request, pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            content = resized_image(form.cleaned_data["image"])
        except ValidationError as exc:
            form.add_error("image", exc)
        else:
            photo = OfferPhoto(
                offer=offer, alt_text=form.cleaned_data["alt_text"], order=offer.photos.count()
            )
            photo.image.save(content.name, content, save=True)
            messages.success(request, _("Billedet er tilføjet."))
            return redirect(offer)
    return render(
        request,
        "offers/upload_form.html",
        {"offer": offer, "form": form, "title": _("Tilføj billede")},
    )


@member_required
def document_upload(request, pk):
    offer = _editable_offer(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_pdf(upload)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            doc = OfferDocument(
                offer=offer,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                size=upload.size,
            )
            doc.file.save("dokument.pdf", upload, save=True)
            messages.success(request, _("Dokumentet er tilføjet."))
            return redirect(offer)
    return render(
        request,
        "offers/upload_form.html",
        {"offer": offer, "form": form, "title": _("Tilføj dokument")},
    )


# --- Tariffs ---------------------------------------------------------------------------


def _addon_initial(tariff: Tariff | None):
    if tariff is None or tariff.pk is None:
        return []
    return [{"name": a.name, "price": a.price, "unit": a.unit} for a in tariff.addons.all()]


@member_required
def tariff_edit(request, pk, tariff_pk=None):
    offer = _editable_offer(request, pk)
    tariff = None
    if tariff_pk:
        tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
        if tariff.is_published:
            messages.info(
                request, _("En offentliggjort takst kan ikke ændres. Opret en rettelse i stedet.")
            )
            return redirect(offer)
    initial_year = tariff.year if tariff else selectors.current_year()
    form = TariffForm(
        request.POST or None,
        instance=tariff or Tariff(offer=offer, year=initial_year),
        fixed_year=tariff is not None,
    )
    initial_addons = _addon_initial(tariff)
    formset = AddOnFormSet(
        request.POST or None, prefix="tillaeg", initial=initial_addons + [{}] * 3
    )
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            fields = {
                k: form.cleaned_data[k]
                for k in (
                    "price",
                    "unit",
                    "occupancy_percent",
                    "vat_included",
                    "overhead_amount",
                    "cost_note",
                )
            }
            addons = [
                {
                    "name": f.cleaned_data["name"],
                    "price": f.cleaned_data.get("price"),
                    "unit": f.cleaned_data["unit"],
                }
                for f in formset
                if f.cleaned_data.get("name")
            ]
            try:
                draft = services.save_tariff_draft(
                    offer=offer,
                    year=tariff.year if tariff else form.cleaned_data["year"],
                    fields=fields,
                    addons=addons,
                    by=request.user,
                    draft=tariff,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Taksten er gemt som kladde. Offentliggør den, når den er klar.")
                )
                return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=draft.pk)
    correction_form = (
        CorrectionForm(initial={"reason": tariff.correction_reason})
        if tariff and tariff.version > 1
        else None
    )
    return _tariff_page(request, offer, tariff, form, formset, correction_form)


def _tariff_page(request, offer, tariff, form, formset, correction_form):
    previous = tariff.previous_year_tariff() if tariff and tariff.pk else None
    return render(
        request,
        "offers/tariff_form.html",
        {
            "offer": offer,
            "tariff": tariff,
            "form": form,
            "formset": formset,
            "correction_form": correction_form,
            "previous": previous,
        },
    )


@member_required
@require_POST
def tariff_publish(request, pk, tariff_pk):
    offer = _editable_offer(request, pk)
    tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
    reason = ""
    if tariff.version > 1:
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            # The tariff page again, with the reason as typed and what is wrong next to it.
            return _tariff_page(
                request,
                offer,
                tariff,
                TariffForm(instance=tariff, fixed_year=True),
                AddOnFormSet(prefix="tillaeg", initial=_addon_initial(tariff) + [{}] * 3),
                form,
            )
        reason = form.cleaned_data["reason"]
    try:
        published = services.publish_tariff(tariff=tariff, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(offer)
    messages.success(
        request,
        _("Taksten for %(year)s (version %(version)s) er offentliggjort.")
        % {"year": published.year, "version": published.version},
    )
    return redirect(offer)


@member_required
@require_POST
def tariff_correct(request, pk, tariff_pk):
    offer = _editable_offer(request, pk)
    tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
    try:
        draft = services.start_correction(tariff=tariff, by=request.user)
    except AlreadyDone as done:
        messages.info(request, " ".join(done.messages))
        return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=done.existing.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(offer)
    messages.info(
        request,
        _(
            "Rettelsen er en ny version (%(version)s). Ret tallene, skriv begrundelsen og offentliggør."
        )
        % {"version": draft.version},
    )
    return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=draft.pk)


# --- Compare ---------------------------------------------------------------------------


def _compare_ids(request) -> list[int]:
    return [int(i) for i in request.session.get(COMPARE_KEY, [])][:COMPARE_MAX]


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return fallback


@member_required
@require_POST
def compare_add(request):
    ids = _compare_ids(request)
    try:
        offer = permissions.offers_visible_to(request.user).get(
            pk=int(request.POST.get("offer", "0"))
        )
    except (ValueError, Offer.DoesNotExist) as exc:
        raise Http404 from exc
    if offer.pk in ids:
        pass
    elif len(ids) >= COMPARE_MAX:
        messages.error(
            request,
            _("Du kan sammenligne højst %(n)s tilbud. Fjern et, før du tilføjer et nyt.")
            % {"n": COMPARE_MAX},
        )
    else:
        ids.append(offer.pk)
        request.session[COMPARE_KEY] = ids
        messages.success(request, _("%(offer)s er føjet til sammenligningen.") % {"offer": offer})
    return redirect(_safe_next(request, reverse("offers:compare")))


@member_required
@require_POST
def compare_remove(request):
    ids = _compare_ids(request)
    try:
        pk = int(request.POST.get("offer", "0"))
    except ValueError:
        pk = 0
    if request.POST.get("all"):
        ids = []
    elif pk in ids:
        ids.remove(pk)
    request.session[COMPARE_KEY] = ids
    return redirect(_safe_next(request, reverse("offers:compare")))


def _comparison(request):
    from .comparison import build_comparison

    return build_comparison(request.user, _compare_ids(request), selectors.current_year())


@member_required
def compare(request):
    from .comparison import summary_cells

    cmp = _comparison(request)
    return render(
        request,
        "offers/compare.html",
        {
            "cmp": cmp,
            "summary": summary_cells(cmp),
            "extra_rows": extensions.compare_rows(cmp.offers, request.user),
        },
    )


@member_required
def compare_xlsx(request):
    from .comparison import comparison_xlsx

    cmp = _comparison(request)
    if not cmp.offers:
        messages.info(request, _("Tilføj tilbud til sammenligningen først."))
        return redirect("offers:compare")
    response = HttpResponse(comparison_xlsx(cmp), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="sammenligning-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    return response


# --- Open data -------------------------------------------------------------------------

OPEN_DATA_FIELDS = [
    "id",
    "navn",
    "leverandoer",
    "cvr",
    "ejerform",
    "brancheorganisation",
    "beliggenhedskommune",
    "kommunekode",
    "lovgrundlag",
    "maalgrupper",
    "alder_fra",
    "alder_til",
    "pladser",
    "ledige_pladser",
    "ledige_opgjort",
    "takstaar",
    "takst_version",
    "takst",
    "enhed",
    "maanedspris",
    "moms_inkluderet_ja_nej",
    "aendring_pct",
    "over_pl",
]


def _open_data_rows(request):
    form = SearchForm(request.GET)
    params = _search_params(form)
    year = selectors.current_year()
    qs = selectors.search_offers(request.user, params)
    offers = selectors.decorate(qs, year)
    vat = dict(
        Tariff.objects.filter(pk__in=[o.tariff_id for o in offers if o.tariff_id]).values_list(
            "pk", "vat_included"
        )
    )
    for o in offers:
        yield {
            "id": o.pk,
            "navn": o.name,
            "leverandoer": o.provider.name,
            "cvr": o.provider.cvr,
            "ejerform": o.provider.get_ownership_form_display(),
            "brancheorganisation": o.provider.branch_organisation.name
            if o.provider.branch_organisation
            else "",
            "beliggenhedskommune": o.municipality.name,
            "kommunekode": o.municipality.code,
            "lovgrundlag": [p.code for p in o.paragraphs.all()],
            "maalgrupper": [g.name for g in o.target_groups.all()],
            "alder_fra": o.age_min,
            "alder_til": o.age_max,
            "pladser": o.places,
            "ledige_pladser": o.vacant,
            "ledige_opgjort": o.vacancy_date.isoformat() if o.vacancy_date else None,
            "takstaar": year if o.tariff_id else None,
            "takst_version": o.tariff_version,
            "takst": str(o.tariff_price) if o.tariff_price is not None else None,
            "enhed": o.tariff_unit,
            "maanedspris": str(o.monthly_price) if o.monthly_price is not None else None,
            "moms_inkluderet_ja_nej": vat.get(o.tariff_id),
            "aendring_pct": str(o.change_percent) if o.change_percent is not None else None,
            "over_pl": o.pl_flag,
        }


@member_required
def open_data(request, fmt):
    rows = list(_open_data_rows(request))
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        body = json.dumps(
            {"genereret": stamp, "antal": len(rows), "tilbud": rows}, ensure_ascii=False, indent=1
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="tilbud-{stamp}.json"'
        return response
    if fmt != "csv":
        raise Http404
    table = [OPEN_DATA_FIELDS]
    for row in rows:
        row = dict(row)
        row["lovgrundlag"] = ", ".join(row["lovgrundlag"])
        row["maalgrupper"] = ", ".join(row["maalgrupper"])
        row["moms_inkluderet_ja_nej"] = {True: "ja", False: "nej", None: ""}[
            row["moms_inkluderet_ja_nej"]
        ]
        row["over_pl"] = "ja" if row["over_pl"] else "nej"
        for key in ("takst", "maanedspris", "aendring_pct"):
            if row[key] is not None:
                row[key] = row[key].replace(".", ",")
        table.append([row[field] for field in OPEN_DATA_FIELDS])
    response = StreamingHttpResponse(iter([csv_text(table)]), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tilbud-{stamp}.csv"'
    return response


# --- Secretariat -----------------------------------------------------------------------


@member_required
def tariffs_above_pl(request):
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied
    years = list(RegulationRate.objects.values_list("year", flat=True))
    try:
        year = int(request.GET.get("aar") or selectors.current_year())
    except ValueError:
        year = selectors.current_year()
    rate = RegulationRate.objects.filter(year=year).first()
    rows = selectors.tariffs_above_pl(year) if rate else []
    return render(
        request,
        "offers/tariffs_above_pl.html",
        {"rows": rows, "year": year, "years": years, "rate": rate},
    )


@member_required
def regulation_rates(request):
    if not permissions.can_manage_reference_data(request.user):
        raise PermissionDenied
    form = RegulationRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rate = services.set_regulation_rate(
            year=form.cleaned_data["year"],
            rate=form.cleaned_data["rate"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        messages.success(
            request,
            _("PL-satsen for %(year)s er sat til %(rate)s %%.")
            % {"year": rate.year, "rate": rate.rate},
        )
        return redirect("offers:regulation_rates")
    return render(
        request,
        "offers/regulation_rates.html",
        {"form": form, "rates": RegulationRate.objects.all()},
    )
