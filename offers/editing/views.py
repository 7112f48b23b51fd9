"""What a provider's editors do to their offers: *Vores tilbud*, creating and editing an
offer, its status, service declaration, vacancies, photos and documents. (Tariffs:
offers.tariffs.)"""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import permissions, selectors, services
from offers.models import (
    DeclarationQuestion,
    Offer,
    OfferDocument,
    OfferPhoto,
    OfferStatus,
    Tariff,
    TariffStatus,
)
from partnership.forms import call_service
from partnership.models import Organisation
from partnership.pagination import PAGE_PARAM, paginate
from partnership.uploads import check_pdf, resized_image
from partnership.views import member_required

from .forms import (
    DeclarationAnswerForm,
    DocumentForm,
    OfferForm,
    PhotoForm,
    ProviderChoiceForm,
    VacancyForm,
)


def _editor_providers(user):
    return Organisation.objects.filter(pk__in=permissions.editable_provider_ids(user)).order_by(
        "name"
    )


OWN_OFFERS_PAGE_SIZE = 25


@member_required
def own_offers(request):
    """*Vores tilbud*, a page at a time: a chain may have thousands of offers."""
    providers = _editor_providers(request.user)
    if not providers:
        raise PermissionDenied
    year = selectors.current_year()
    order = ("provider__name", "name", "pk")
    # The page's ids first, from the offers alone (a late page costs no more than the
    # first), then the tariffs, drafts and vacancies of those rows only.
    ids = Offer.objects.filter(provider__in=providers).order_by(*order).values_list("pk", flat=True)
    page = paginate(ids, OWN_OFFERS_PAGE_SIZE, request.GET.get(PAGE_PARAM))
    drafts = (
        Tariff.objects.filter(offer=OuterRef("pk"), status=TariffStatus.DRAFT)
        .order_by()
        .values("offer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        selectors.with_current_tariff(
            Offer.objects.filter(pk__in=list(page.object_list)).select_related("provider"), year
        )
        .annotate(draft_count=Subquery(drafts))
        .order_by(*order)
    )
    page.object_list = selectors.decorate(rows, year)
    return render(
        request,
        "offers/own_offers.html",
        {"page": page, "query": "", "providers": providers, "year": year},
    )


@member_required
def offer_edit(request, pk=None):
    providers = _editor_providers(request.user)
    if pk:
        offer = permissions.editable_offer(request.user, pk)
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
    offer = permissions.editable_offer(request.user, pk)
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
    offer = permissions.editable_offer(request.user, pk)
    questions = list(DeclarationQuestion.objects.filter(is_active=True).prefetch_related("options"))
    existing = {a.question_id: a for a in offer.declaration_answers.all()}
    forms_ = []
    for q in questions:
        a = existing.get(q.pk)
        initial = (
            {
                "answer": a.answer,
                "option": a.option_id,
                "price": a.price,
                "unit": a.unit,
                "note": a.note,
            }
            if a
            else {}
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
    offer = permissions.editable_offer(request.user, pk)
    form = VacancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call_service(
            form, services.report_vacancy, offer=offer, by=request.user, **form.cleaned_data
        )
        if not form.errors:
            messages.success(request, _("De ledige pladser er opdateret."))
            return redirect(offer)
    return render(request, "offers/vacancy_form.html", {"offer": offer, "form": form})


@member_required
def photo_upload(request, pk):
    offer = permissions.editable_offer(request.user, pk)
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
    offer = permissions.editable_offer(request.user, pk)
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
