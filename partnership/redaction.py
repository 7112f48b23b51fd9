"""Finding and taking out CPR numbers that are already stored.

New text cannot hold one (partnership.fields, partnership.forms), but rows written before the
rule held, or restored from elsewhere, may. `scan_cpr()` reads every text column of every
model (the command `manage.py scan_cpr` and the secretariat's page *CPR-numre* use it);
`redact_cpr()` replaces the number with "[CPR-nummer fjernet]" and records who did it, when,
and in which row and column. Published tariffs and approved minutes can be changed this way
and no other: their database triggers allow an update only when it matches a redaction
recorded in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from .fields import NOT_TYPED_BY_A_PERSON
from .models import Redaction, User
from .permissions import is_secretariat
from .validators import CPR_REDACTED, find_cpr, looks_like_cpr, redact_cpr_text

# Apps whose tables are read. Django's own (sessions hold no text a person typed; the admin
# log repeats object names) and allauth's e-mail addresses are read too.
SCANNED_APPS = ("partnership", "offers", "contracts", "meetings", "quality", "account", "admin")
# A cheap pre-filter in SQL: six digits and four within a few characters of each other, in
# ASCII or fullwidth. Python's find_cpr decides.
_CANDIDATE_SQL = r"[0-9０-９]{2}.{0,3}[0-9０-９]{2}.{0,3}[0-9０-９]{2}.{0,3}[0-9０-９]{4}"


@dataclass(frozen=True)
class Finding:
    model_label: str
    field_name: str
    pk: Any
    masked: str  # the text with the number replaced, for showing where it is

    @property
    def key(self) -> str:
        return f"{self.model_label}:{self.pk}:{self.field_name}"


def text_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models():
        if model._meta.app_label not in SCANNED_APPS or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                if getattr(field, "choices", None) or (
                    f"{model._meta.label}.{field.name}" in NOT_TYPED_BY_A_PERSON
                ):
                    continue
                yield model, field


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_cpr_text(value) if looks_like_cpr(value) else value
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _mask(value: Any) -> str:
    text = " … ".join(s for s in _strings(value) if find_cpr(s))
    return redact_cpr_text(text)[:300]


def scan_cpr() -> list[Finding]:
    """Every stored text that holds a CPR number, one finding per row and column."""
    found: list[Finding] = []
    for model, field in text_columns():
        rows = (
            model._base_manager.annotate(_text=Cast(field.attname, models.TextField()))
            .filter(_text__regex=_CANDIDATE_SQL)
            .values_list("pk", field.attname)
        )
        for pk, value in rows.iterator(chunk_size=2000):
            if any(find_cpr(s) for s in _strings(value)):
                found.append(Finding(model._meta.label, field.name, pk, _mask(value)))
    return found


def _field(model_label: str, field_name: str) -> tuple[type[models.Model], models.Field]:
    for model, field in text_columns():
        if model._meta.label == model_label and field.name == field_name:
            return model, field
    raise ValidationError(_("Feltet findes ikke eller kan ikke rettes her."))


@transaction.atomic
def redact_cpr(*, model_label: str, pk: Any, field_name: str, by: User) -> Redaction:
    """Replace every CPR number in one stored text with "[CPR-nummer fjernet]" and record
    it. Works on immutable rows too (published tariffs, approved minutes, the contract
    history): the row's trigger lets exactly this change through."""
    if not is_secretariat(by):
        raise PermissionDenied(_("Kun sekretariatet kan fjerne CPR-numre."))
    model, field = _field(model_label, field_name)
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        # Lock the row and let PostgreSQL say what the old text is, as the trigger sees it.
        cursor.execute(
            f"SELECT md5(to_jsonb(t)->>%s) FROM {quoted} t WHERE t.{pk_column} = %s FOR UPDATE",
            [field.column, pk],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT txid_current()")
        transaction_id = cursor.fetchone()[0]
    if row is None:
        raise ValidationError(_("Rækken findes ikke længere."))
    old_value = model._base_manager.filter(pk=pk).values_list(field.attname, flat=True).get()
    if not any(find_cpr(s) for s in _strings(old_value)):
        raise ValidationError(_("Teksten indeholder ikke et CPR-nummer."))
    new_value = _redacted(old_value)
    if isinstance(field, models.JSONField):
        with connection.cursor() as cursor:
            cursor.execute("SELECT (%s::jsonb)->>0", [json.dumps([new_value])])
            # ->>0 of a one-element array gives the element as the trigger's ->> does.
            new_text = cursor.fetchone()[0]
    else:
        new_text = new_value
    record = Redaction.objects.create(
        table_name=table,
        object_pk=str(pk),
        column=field.column,
        model_label=model_label,
        field_label=str(field.verbose_name),
        old_md5=row[0],
        new_value=new_text,
        transaction_id=transaction_id,
        redacted_by=by,
    )
    model._base_manager.filter(pk=pk).update(**{field.attname: new_value})
    return record


__all__ = ["CPR_REDACTED", "Finding", "redact_cpr", "scan_cpr"]
