from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from offers.permissions import offers_visible_to
from partnership import jobs, mail
from partnership.forms import call_service
from partnership.models import MailKind
from partnership.views import member_required, queue_down_message, tell_ordered

from . import permissions, reports, selectors, services
from .charts import radar_chart
from .forms import (
    ActionForm,
    ActivationForm,
    AssessmentForm,
    CriterionForm,
    DialogueForm,
    DocumentForm,
    FrameworkForm,
    PartiesForm,
    ThemeForm,
    ThemeNotesForm,
)
from .models import Action, Criterion, Dialogue, DialogueDocument, Framework, Side, Theme


def _visible_dialogue(request, pk) -> Dialogue:
    dialogue = selectors.dialogue_for_page(request.user, pk)
    if dialogue is None:
        raise Http404
    return dialogue


def _editable_dialogue(request, pk) -> Dialogue:
    dialogue = _visible_dialogue(request, pk)
    if not permissions.can_edit_dialogue(request.user, dialogue):
        raise PermissionDenied(_("Kun dialogens parter kan ændre den."))
    return dialogue


def _active_themes(framework: Framework) -> list[Theme]:
    return list(framework.themes.filter(is_active=True).order_by("order", "name"))


# --- Overview --------------------------------------------------------------------------------


@member_required
def overview(request):
    if not permissions.can_use_quality(request.user):
        raise PermissionDenied
    return render(
        request,
        "quality/overview.html",
        {
            "ov": selectors.overview(request.user),
            "can_create": permissions.can_create_dialogue(request.user),
            "is_secretariat": permissions.is_secretariat(request.user),
        },
    )


# --- Dialogues -------------------------------------------------------------------------------


def _dialogue_offers(request, provider):
    return offers_visible_to(request.user).filter(provider=provider).order_by("name")


def _participants(form) -> dict:
    return {
        "municipality_participants": form.cleaned_data["municipality_participants"],
        "provider_participants": form.cleaned_data["provider_participants"],
    }


@member_required
def dialogue_create(request):
    if not permissions.can_create_dialogue(request.user):
        raise PermissionDenied(
            _(
                "Kun kommunernes medarbejdere og leverandørernes redaktører kan oprette kvalitetsdialoger."
            )
        )
    parties = PartiesForm(
        request.GET if "leverandoer" in request.GET else None,
        municipality_ids=permissions.municipality_ids(request.user),
        provider_ids=permissions.provider_ids(request.user),
    )
    if not parties.is_valid():
        return render(request, "quality/dialogue_parties.html", {"parties": parties})
    municipality = parties.cleaned_data["kommune"]
    provider = parties.cleaned_data["leverandoer"]
    offers = _dialogue_offers(request, provider)
    initial = {}
    if request.GET.get("tilbud", "").isdigit():
        initial["offers"] = offers.filter(pk=int(request.GET["tilbud"]))
    initial[
        "municipality_participants"
        if municipality.pk in permissions.municipality_ids(request.user)
        else "provider_participants"
    ] = [request.user]
    form = DialogueForm(
        request.POST or None,
        municipality=municipality,
        provider=provider,
        offers=offers,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        dialogue = call_service(
            form,
            services.create_dialogue,
            municipality=municipality,
            provider=provider,
            framework=form.cleaned_data["framework"],
            fields=form.cleaned_data,
            offers=form.cleaned_data["offers"],
            by=request.user,
            **_participants(form),
        )
        if not form.errors:
            carried = dialogue.actions.count()
            messages.success(request, _("Kvalitetsdialogen er oprettet."))
            if carried:
                messages.info(
                    request,
                    ngettext(
                        "%(n)s uafsluttet handling fra jeres tidligere dialoger er ført videre.",
                        "%(n)s uafsluttede handlinger fra jeres tidligere dialoger er ført videre.",
                        carried,
                    )
                    % {"n": carried},
                )
            return redirect(dialogue)
    return render(
        request,
        "quality/dialogue_form.html",
        {"form": form, "municipality": municipality, "provider": provider, "dialogue": None},
    )


@member_required
def dialogue_edit(request, pk):
    dialogue = _editable_dialogue(request, pk)
    form = DialogueForm(
        request.POST or None,
        municipality=dialogue.municipality,
        provider=dialogue.provider,
        offers=_dialogue_offers(request, dialogue.provider) | dialogue.offers.all(),
        editing=True,
        initial={
            "held_on": dialogue.held_on,
            "next_dialogue_on": dialogue.next_dialogue_on,
            "other_participants": dialogue.other_participants,
            "summary": dialogue.summary,
            "offers": dialogue.offers.all(),
            "municipality_participants": dialogue.municipality_participants.all(),
            "provider_participants": dialogue.provider_participants.all(),
        },
    )
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.update_dialogue,
            dialogue=dialogue,
            fields=form.cleaned_data,
            offers=form.cleaned_data["offers"],
            by=request.user,
            **_participants(form),
        )
        if not form.errors:
            messages.success(request, _("Dialogen er gemt."))
            return redirect(dialogue)
    return render(
        request,
        "quality/dialogue_form.html",
        {
            "form": form,
            "municipality": dialogue.municipality,
            "provider": dialogue.provider,
            "dialogue": dialogue,
        },
    )


@member_required
def dialogue_detail(request, pk):
    dialogue = _visible_dialogue(request, pk)
    rows = selectors.theme_rows(dialogue)
    chart = None
    if any(
        (r.municipality and r.municipality.score) or (r.provider and r.provider.score) for r in rows
    ):
        chart = radar_chart(
            [r.theme.name for r in rows],
            [
                (
                    dialogue.municipality.name,
                    [r.municipality.score if r.municipality else None for r in rows],
                ),
                (dialogue.provider.name, [r.provider.score if r.provider else None for r in rows]),
            ],
            title=_("Parternes vurdering pr. tema (1-5)"),
            uid=f"dialog-{dialogue.pk}",
        )
    side = permissions.side_of(request.user, dialogue)
    actions = list(dialogue.actions.all())
    return render(
        request,
        "quality/dialogue_detail.html",
        {
            "dialogue": dialogue,
            "rows": rows,
            "chart": chart,
            "side": side,
            "side_label": Side(side).label if side else "",
            "can_edit": side is not None,
            "actions": actions,
            "carried_in": [a for a in actions if a.carried_from_id],
            "agreed_here": [a for a in actions if not a.carried_from_id],
            "carried_on": [
                a for a in dialogue.carried_on_actions.all() if a.dialogue_id != dialogue.pk
            ],
            "today": timezone.localdate(),
            "reminder_mails": mail.log_for(actions, kind=MailKind.QUALITY_REMINDER),
        },
    )


@member_required
@require_POST
def dialogue_pdf(request, pk):
    """Order the dialogue as a PDF: for everyone who may see the dialogue."""
    dialogue = _visible_dialogue(request, pk)
    try:
        job = jobs.order_job(
            kind="quality_dialogue",
            title=reports.dialogue_title(dialogue),
            params={"dialogue_id": dialogue.pk},
            by=request.user,
        )
    except jobs.QueueUnavailable:
        messages.error(request, queue_down_message())
        return redirect(dialogue)
    tell_ordered(request, job)
    return redirect(job)


@member_required
def notes_edit(request, pk):
    dialogue = _editable_dialogue(request, pk)
    side = permissions.side_of(request.user, dialogue)
    themes = _active_themes(dialogue.framework)
    existing = {n.theme_id: n for n in dialogue.notes.all() if n.side == side}
    initial = {}
    for t in themes:
        if t.pk in existing:
            initial[f"note_{t.pk}"] = existing[t.pk].note
            initial[f"score_{t.pk}"] = existing[t.pk].score
    form = ThemeNotesForm(request.POST or None, themes=themes, initial=initial)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.save_theme_notes,
            dialogue=dialogue,
            side=side,
            entries=form.entries(),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, _("Jeres notater og vurderinger er gemt."))
            return redirect(dialogue)
    return render(
        request,
        "quality/notes_form.html",
        {
            "dialogue": dialogue,
            "form": form,
            "organisation": dialogue.organisation_of(side),
        },
    )


@member_required
def document_upload(request, pk):
    dialogue = _editable_dialogue(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.add_document,
            dialogue=dialogue,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            by=request.user,
        )
        if not form.errors:
            messages.success(request, _("Dokumentationen er tilføjet."))
            return redirect(dialogue)
    return render(request, "quality/document_form.html", {"dialogue": dialogue, "form": form})


@member_required
def document_download(request, pk, doc_pk):
    dialogue = _visible_dialogue(request, pk)
    doc = get_object_or_404(DialogueDocument, pk=doc_pk, dialogue=dialogue)
    return FileResponse(
        doc.file.open("rb"), content_type="application/pdf", filename=f"{doc.title}.pdf"
    )


@member_required
def action_create(request, pk):
    dialogue = _editable_dialogue(request, pk)
    side = permissions.side_of(request.user, dialogue)
    form = ActionForm(
        request.POST or None,
        dialogue=dialogue,
        initial={"owner_organisation": dialogue.organisation_of(side), "owner": request.user},
    )
    if request.method == "POST" and form.is_valid():
        call_service(
            form, services.add_action, dialogue=dialogue, by=request.user, **form.cleaned_data
        )
        if not form.errors:
            messages.success(request, _("Handlingen er tilføjet."))
            return redirect(dialogue)
    return render(
        request, "quality/action_form.html", {"dialogue": dialogue, "form": form, "action": None}
    )


@member_required
def action_edit(request, pk, action_pk):
    dialogue = _editable_dialogue(request, pk)
    action = get_object_or_404(Action, pk=action_pk, dialogue=dialogue)
    form = ActionForm(
        request.POST or None,
        dialogue=dialogue,
        initial={
            "text": action.text,
            "owner_organisation": action.owner_organisation_id,
            "owner": action.owner_id,
            "deadline": action.deadline,
            "status": action.status,
        },
    )
    if request.method == "POST" and form.is_valid():
        call_service(
            form, services.update_action, action=action, fields=form.cleaned_data, by=request.user
        )
        if not form.errors:
            messages.success(request, _("Handlingen er gemt."))
            return redirect(dialogue)
    return render(
        request, "quality/action_form.html", {"dialogue": dialogue, "form": form, "action": action}
    )


# --- Assessments -----------------------------------------------------------------------------


@member_required
def assessment_create(request, offer_pk):
    offer = get_object_or_404(
        offers_visible_to(request.user).select_related("provider"), pk=offer_pk
    )
    origins = permissions.assessment_origins(request.user, offer)
    if not origins:
        raise PermissionDenied
    editions = selectors.editions()
    if not editions:
        raise Http404
    key = request.GET.get("ramme") or request.POST.get("ramme")
    framework = next((e.framework for e in editions if e.framework.key == key), None)
    if framework is None:
        current = selectors.edition_in_force("kvalitetsmodel", timezone.localdate())
        framework = current or editions[0].framework
    form = AssessmentForm(request.POST or None, themes=_active_themes(framework), origins=origins)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.create_assessment,
            offer=offer,
            framework=framework,
            origin=form.cleaned_data["origin"],
            assessed_on=form.cleaned_data["assessed_on"],
            source=form.cleaned_data["source"],
            scores=form.scores(),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, _("Kvalitetsvurderingen er gemt."))
            return redirect(offer)
    return render(
        request,
        "quality/assessment_form.html",
        {
            "offer": offer,
            "form": form,
            "framework": framework,
            "edition": next(e for e in editions if e.framework.pk == framework.pk),
            "other_editions": [e for e in editions if e.framework.pk != framework.pk],
        },
    )


# --- Frameworks --------------------------------------------------------------------------------


@member_required
def frameworks(request):
    if not permissions.can_use_quality(request.user):
        raise PermissionDenied
    return render(
        request,
        "quality/frameworks.html",
        {
            "editions": selectors.editions(include_inactive=True, with_criteria=True),
            "can_manage": permissions.can_manage_frameworks(request.user),
        },
    )


def _require_framework_manager(request) -> None:
    if not permissions.can_manage_frameworks(request.user):
        raise PermissionDenied


def _managed_framework(request, pk) -> Framework:
    _require_framework_manager(request)
    return get_object_or_404(Framework, pk=pk)


def _save_and_tell(request, form) -> None:
    """Save a framework's, theme's or criterion's form, and say so."""
    messages.success(request, _("%(obj)s er gemt.") % {"obj": form.save()})


@member_required
def framework_activate(request, pk):
    """The secretariat sets the date an edition of a model takes effect."""
    framework = _managed_framework(request, pk)
    form = ActivationForm(request.POST or None, initial={"valid_from": framework.valid_from})
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.activate_framework,
            framework=framework,
            valid_from=form.cleaned_data["valid_from"],
            by=request.user,
        )
        if not form.errors:
            messages.success(
                request,
                _("%(obj)s gælder fra %(date)s.")
                % {"obj": framework, "date": date_format(form.cleaned_data["valid_from"])},
            )
            return redirect("quality:frameworks")
    edition = next(e for e in selectors.editions(include_inactive=True) if e.framework == framework)
    return render(request, "quality/framework_activate.html", {"edition": edition, "form": form})


@member_required
def framework_edit(request, pk):
    framework = _managed_framework(request, pk)
    form = FrameworkForm(request.POST or None, instance=framework, prefix="ramme")
    if request.method == "POST" and form.is_valid():
        _save_and_tell(request, form)
        return redirect("quality:frameworks")
    return render(
        request,
        "quality/framework_form.html",
        {"framework": framework, "form": form, "themes": framework.themes.all()},
    )


@member_required
def theme_edit(request, pk, theme_pk=None):
    framework = _managed_framework(request, pk)
    theme = get_object_or_404(Theme, pk=theme_pk, framework=framework) if theme_pk else None
    form = ThemeForm(request.POST or None, instance=theme or Theme(framework=framework))
    if request.method == "POST" and form.is_valid():
        _save_and_tell(request, form)
        return redirect("quality:framework_edit", pk=framework.pk)
    return render(
        request,
        "quality/theme_form.html",
        {
            "framework": framework,
            "theme": theme,
            "form": form,
            "criteria": theme.criteria.filter(parent=None).prefetch_related("indicators")
            if theme
            else [],
        },
    )


@member_required
def criterion_edit(request, pk, theme_pk, criterion_pk=None):
    """A criterion of a theme, or an indicator of one of its criteria."""
    _require_framework_manager(request)
    theme = get_object_or_404(
        Theme.objects.select_related("framework"), pk=theme_pk, framework_id=pk
    )
    criterion = get_object_or_404(Criterion, pk=criterion_pk, theme=theme) if criterion_pk else None
    form = CriterionForm(request.POST or None, instance=criterion or Criterion(theme=theme))
    if request.method == "POST" and form.is_valid():
        _save_and_tell(request, form)
        return redirect("quality:theme_edit", pk=theme.framework_id, theme_pk=theme.pk)
    return render(
        request,
        "quality/criterion_form.html",
        {"framework": theme.framework, "theme": theme, "criterion": criterion, "form": form},
    )
