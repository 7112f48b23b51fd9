"""The standard contracts: the list of versions, a version with its clauses, and the
secretariat's drafting and publishing of a new version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import ContractTemplate, TemplateClause, TemplateStatus
from partnership.confirmation import ask_first
from partnership.forms import call_service
from partnership.intents import AlreadyDone
from partnership.views import member_required

from . import permissions, selectors, services
from .forms import TemplateClauseForm, TemplateVersionForm


def _visible(request, pk) -> ContractTemplate:
    return get_object_or_404(permissions.templates_visible_to(request.user), pk=pk)


def _draft(request, pk) -> ContractTemplate:
    """A draft, for the secretariat; anyone else gets 403, a published version 404."""
    if not permissions.can_manage_templates(request.user):
        raise PermissionDenied(_("Kun sekretariatet kan ændre standardkontrakterne."))
    return get_object_or_404(ContractTemplate, pk=pk, status=TemplateStatus.DRAFT)


@member_required
def template_list(request):
    return render(
        request,
        "contracts/standards/template_list.html",
        {
            "kinds": selectors.versions_by_kind(request.user),
            "can_manage": permissions.can_manage_templates(request.user),
        },
    )


@member_required
def template_detail(request, pk):
    template = _visible(request, pk)
    other = selectors.compared_with(template)
    can_manage = permissions.can_manage_templates(request.user)
    rows = selectors.clause_rows(template, other)
    return render(
        request,
        "contracts/standards/template_detail.html",
        {
            "template": template,
            "other": other,
            "rows": rows,
            # The note on the portal's summaries, while a clause still is one.
            "has_summaries": any(row.clause.is_summary for row in rows),
            "pl": selectors.pl_uprating(),
            "pl_clause": selectors.PL_CLAUSE_NUMBER,
            "can_manage": can_manage,
            "draft": selectors.draft_of(template.kind)
            if can_manage and template.status == TemplateStatus.PUBLISHED
            else None,
        },
    )


@member_required
@require_POST
def template_new_version(request, pk):
    if not permissions.can_manage_templates(request.user):
        raise PermissionDenied(_("Kun sekretariatet kan ændre standardkontrakterne."))
    template = get_object_or_404(ContractTemplate, pk=pk, status=TemplateStatus.PUBLISHED)
    try:
        draft = services.start_new_version(template=template, by=request.user)
    except AlreadyDone as done:
        messages.info(request, " ".join(done.messages))
        return redirect(done.existing)
    messages.success(
        request,
        _(
            "Version %(version)s er oprettet som kladde. Ret punkterne, skriv en ændringsnote, "
            "og offentliggør den."
        )
        % {"version": draft.version},
    )
    return redirect(draft)


@member_required
def template_edit(request, pk):
    template = _draft(request, pk)
    form = TemplateVersionForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.update_draft,
            template=template,
            fields=form.cleaned_data,
            by=request.user,
        )
        if not form.errors:
            messages.success(request, _("Versionens oplysninger er gemt."))
            return redirect(template)
    return render(
        request,
        "contracts/standards/version_form.html",
        {"form": form, "template": template},
    )


@member_required
def template_clause_edit(request, pk, clause_pk):
    template = _draft(request, pk)
    clause = get_object_or_404(TemplateClause, pk=clause_pk, template=template)
    form = TemplateClauseForm(request.POST or None, instance=clause)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            services.update_draft_clause,
            clause=clause,
            fields=form.cleaned_data,
            by=request.user,
        )
        if not form.errors:
            messages.success(request, _("Punkt %(number)s er gemt.") % {"number": clause.number})
            return redirect(template)
    published = selectors.published_version(template.kind)
    before = published.clauses.filter(number=clause.number).first() if published else None
    return render(
        request,
        "contracts/standards/clause_form.html",
        {"form": form, "template": template, "clause": clause, "before": before},
    )


@member_required
@require_POST
def template_publish(request, pk):
    template = _draft(request, pk)
    if asked := ask_first(
        request,
        question=_("Offentliggør versionen?"),
        consequence=_(
            "En offentliggjort version kan ikke ændres. Nye kontrakter bruger den; "
            "eksisterende kontrakter beholder deres version."
        ),
        button=_("Offentliggør versionen"),
        back_url=template.get_absolute_url(),
    ):
        return asked
    try:
        services.publish_template(template=template, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(template)
    messages.success(
        request,
        _(
            "Version %(version)s er offentliggjort. Nye kontrakter bruger den; eksisterende "
            "kontrakter beholder deres version."
        )
        % {"version": template.version},
    )
    return redirect(template)
