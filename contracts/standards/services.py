"""The secretariat's writes on the standard contracts: a new version drafted from the
published one, its clauses edited, and publishing it, which replaces the version before.
A published or replaced version never changes (ContractTemplate.save, and the triggers of
contracts/migrations/0009)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import standard_texts
from contracts.models import ContractTemplate, TemplateClause, TemplateStatus
from partnership.intents import AlreadyDone, create_once
from partnership.models import User

from . import permissions
from .selectors import draft_of

DRAFT_EXISTS = gettext_lazy("Der er allerede en kladde til en ny version. Her er den.")
VERSION_FIELDS = ("version", "valid_from", "change_note")
CLAUSE_FIELDS = ("text", "changeable", "is_summary")


def _require_manager(by: User) -> None:
    if not permissions.can_manage_templates(by):
        raise PermissionDenied(_("Kun sekretariatet kan ændre standardkontrakterne."))


def _require_draft(template: ContractTemplate) -> None:
    if template.status != TemplateStatus.DRAFT:
        raise ValidationError(_("En offentliggjort version kan ikke ændres. Opret en ny version."))


def next_version(kind: str, version: str) -> str:
    """The next free version number after `version`: "2.0" → "2.1", "2.9" → "2.10"."""
    match = re.fullmatch(r"(.*?)(\d+)", version)
    prefix, number = (match.group(1), int(match.group(2))) if match else (f"{version}.", 0)
    taken = set(ContractTemplate.objects.filter(kind=kind).values_list("version", flat=True))
    candidate = f"{prefix}{number + 1}"
    while candidate in taken:
        number += 1
        candidate = f"{prefix}{number + 1}"
    return candidate


@transaction.atomic
def start_new_version(*, template: ContractTemplate, by: User) -> ContractTemplate:
    """A draft of the kind's next version: a copy of the published version `template`,
    clauses and all. One draft per kind: a second start (a double click, a colleague)
    raises AlreadyDone with the draft there is."""
    _require_manager(by)
    if template.status != TemplateStatus.PUBLISHED:
        raise ValidationError(_("En ny version tager udgangspunkt i den gældende version."))
    existing = draft_of(template.kind)
    if existing is not None:
        raise AlreadyDone(DRAFT_EXISTS, existing=existing)  # type: ignore[arg-type]
    draft = ContractTemplate(
        kind=template.kind,
        version=next_version(template.kind, template.version),
        title=template.title,
        valid_from=timezone.localdate(),
        status=TemplateStatus.DRAFT,
        note=template.note,
        previous=template,
        created_by=by,
    )
    draft.full_clean()
    create_once(
        draft.save,
        constraints=("template_one_draft_per_kind",),
        existing=lambda: draft_of(template.kind),
        message=DRAFT_EXISTS,  # type: ignore[arg-type]
    )
    TemplateClause.objects.bulk_create(
        TemplateClause(
            template=draft,
            number=c.number,
            order=c.order,
            title=c.title,
            text=c.text,
            changeable=c.changeable,
            is_summary=c.is_summary,
        )
        for c in template.clauses.all()
    )
    return draft


@transaction.atomic
def update_draft(
    *, template: ContractTemplate, fields: dict[str, Any], by: User
) -> ContractTemplate:
    """The draft's version number, date and change note."""
    _require_manager(by)
    template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
    _require_draft(template)
    for name in VERSION_FIELDS:
        if name in fields:
            setattr(template, name, fields[name])
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def update_draft_clause(
    *, clause: TemplateClause, fields: dict[str, Any], by: User
) -> TemplateClause:
    """A clause of a draft: its text (KL's wording in place of the summary), whether a
    municipality may change it, and whether it is still the portal's summary. The number
    and title are KL's structure and stay."""
    _require_manager(by)
    template = ContractTemplate.objects.select_for_update().get(pk=clause.template_id)
    _require_draft(template)
    clause = TemplateClause.objects.get(pk=clause.pk)
    for name in CLAUSE_FIELDS:
        if name in fields:
            setattr(clause, name, fields[name])
    # A contract's terms are written into their clauses (contracts.standard_texts): the
    # text must keep each term's standard wording, or a contract's term cannot be written.
    lacking = standard_texts.template_lacks(clause.number, clause.text)
    if lacking:
        standard = standard_texts.template_values()
        raise ValidationError(
            {
                "text": [
                    _("Punkt %(n)s skal nævne %(term)s med standardens ordlyd: »%(phrase)s«.")
                    % {"n": clause.number, "term": t.label, "phrase": t.phrase(standard[t.key])}
                    for t in lacking
                ]
            }
        )
    clause.full_clean()
    clause.save()
    return clause


@transaction.atomic
def publish_template(*, template: ContractTemplate, by: User) -> ContractTemplate:
    """The draft becomes the kind's published version, the one new contracts are made
    from; the version it replaces becomes "erstattet". Contracts keep the version they
    were made from."""
    _require_manager(by)
    # The kind's versions in one order, so two publishings of one kind wait for each other.
    list(
        ContractTemplate.objects.select_for_update()
        .filter(kind=template.kind)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    template = ContractTemplate.objects.get(pk=template.pk)
    _require_draft(template)
    if template.previous_id is not None and not template.change_note.strip():
        raise ValidationError(
            {"change_note": _("Skriv en ændringsnote, før versionen offentliggøres.")}
        )
    if not template.clauses.exists():
        raise ValidationError(_("Versionen har ingen punkter."))
    now = timezone.now()
    ContractTemplate.objects.filter(kind=template.kind, status=TemplateStatus.PUBLISHED).update(
        status=TemplateStatus.REPLACED, replaced_at=now
    )
    template.status = TemplateStatus.PUBLISHED
    template.published_at = now
    template.published_by = by
    template.full_clean()
    template.save()
    return template
