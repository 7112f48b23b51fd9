"""Who may read and renew the standard contracts. Every member reads the published and
replaced versions (before a contract is made); only the secretariat sees drafts and drafts,
edits and publishes versions."""

from __future__ import annotations

from django.db.models import QuerySet

from contracts.models import ContractTemplate, TemplateStatus
from partnership.permissions import AnyUser, is_member, is_secretariat


def can_read_templates(user: AnyUser) -> bool:
    return bool(is_member(user))


def can_manage_templates(user: AnyUser) -> bool:
    return bool(is_secretariat(user))


def templates_visible_to(user: AnyUser) -> QuerySet[ContractTemplate]:
    if can_manage_templates(user):
        return ContractTemplate.objects.all()
    if can_read_templates(user):
        return ContractTemplate.objects.exclude(status=TemplateStatus.DRAFT)
    return ContractTemplate.objects.none()
