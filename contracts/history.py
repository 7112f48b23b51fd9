"""A contract's history in Danish: each ContractEvent as a sentence, with before → after for
every change it made (states by their Danish labels, terms by their Danish names and values
written as partnership.formats writes numbers, clause texts as a word diff).

`describe` is the one place an event becomes text: the contract page and the PDF
(templates/contracts/_event.html) and the notices and e-mails to the other side
(contracts.notifications) all use it. tests/contracts/test_history_in_danish.py runs it
over every EventKind, every ContractState and every term in services.TERM_FIELDS and fails
on an English or raw value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from offers.models import Tariff, TariffAddOn
from partnership import formats

from .diff import Diff, word_diff
from .models import Contract, ContractClause, ContractEvent, ContractState, EventKind

# Shown for an empty value.
NOTHING = "–"


@dataclass(frozen=True)
class Change:
    """One thing an event changed: its Danish name, and its value before and after."""

    label: str
    before: str
    after: str


@dataclass
class EventText:
    """An event in Danish: a sentence, the changes (before → after), a word diff of a
    clause's text, and a text the person wrote (a comment, a reason)."""

    event: ContractEvent
    sentence: str
    changes: list[Change] = field(default_factory=list)
    diff: Diff | None = None
    message: str = ""

    @property
    def text(self) -> str:
        """All of it as plain text (a notice, an e-mail, a test)."""
        parts = [self.sentence]
        parts += [f"{c.label}: {c.before} → {c.after}." for c in self.changes]
        if self.diff is not None:
            before = "".join(t for kind, t in self.diff if kind != "ins")
            after = "".join(t for kind, t in self.diff if kind != "del")
            parts.append(
                _("Tekst: «%(before)s» → «%(after)s».") % {"before": before, "after": after}
            )
        if self.message:
            parts.append(f"«{self.message}»")
        return " ".join(parts)


# Keys of an event's before/after that are not a column of Contract.
OTHER_KEYS = {
    "addons": lambda: _("Tillægsydelser"),
    "price_item": lambda: _("Individuel pris"),
    "amount": lambda: _("Beløb"),
    "text": lambda: _("Tekst"),
    "reason": lambda: _("Begrundelse"),
    "state": lambda: _("Status"),
}

# What the move to a state means, said as a sentence; any other state (one added later
# too) is said by the generic sentence with its label.
STATE_SENTENCES = {
    ContractState.SENT: lambda: _("Kontrakten er sendt til leverandøren."),
    ContractState.NEGOTIATION: lambda: _("Kontrakten forhandles."),
    ContractState.SIGNED: lambda: _("Begge parter har accepteret: kontrakten er underskrevet."),
    ContractState.ACTIVE: lambda: _("Kontrakten er trådt i kraft."),
    ContractState.RENEGOTIATION: lambda: _("Kontrakten genforhandles i et tillæg."),
    ContractState.NOTICE_GIVEN: lambda: _("Kontrakten er opsagt."),
    ContractState.TERMINATED: lambda: _("Kontrakten er ophørt."),
}


def state_label(value: Any) -> str:
    """A state's Danish label (ContractState, so a new state follows)."""
    if value in ContractState.values:
        return str(ContractState(value).label)
    return str(value) if value not in (None, "") else NOTHING


def _contract_fields() -> dict[str, models.Field[Any, Any]]:
    """The contract's columns by the names a snapshot uses (attname: tariff_id, ...)."""
    found: dict[str, models.Field[Any, Any]] = {}
    for f in Contract._meta.concrete_fields:
        found[f.attname] = f
        found[f.name] = f
    return found


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Lookups:
    """The tariffs, people, add-ons and clause titles the events name, each read once."""

    def __init__(self, events: Sequence[ContractEvent]) -> None:
        fields = _contract_fields()
        ids: dict[type[models.Model], set[int]] = {}
        addon_ids: set[int] = set()
        for e in events:
            for data in (e.before, e.after):
                if not isinstance(data, dict):
                    continue
                for key, value in data.items():
                    if key == "addons" and isinstance(value, list):
                        addon_ids.update(v for v in value if isinstance(v, int))
                    f = fields.get(key)
                    if f is not None and f.is_relation and isinstance(value, int):
                        ids.setdefault(f.related_model, set()).add(value)  # type: ignore[arg-type]
        self.objects: dict[tuple[type[models.Model], int], str] = {}
        for model, pks in ids.items():
            query = model._default_manager.filter(pk__in=pks)
            for obj in query:
                self.objects[(model, obj.pk)] = _name(obj)
        self.addons = {
            a.pk: a.name for a in TariffAddOn.objects.filter(pk__in=addon_ids).only("pk", "name")
        }
        contract_ids = {e.contract_id for e in events if e.clause_number}
        self.clauses = {
            (c.contract_id, c.number): c.title
            for c in ContractClause.objects.filter(contract_id__in=contract_ids).only(
                "contract_id", "number", "title"
            )
        }


def _name(obj: models.Model) -> str:
    if isinstance(obj, Tariff):
        return _("%(price)s %(unit)s (%(year)s, version %(version)s)") % {
            "price": formats.kr(obj.price),
            "unit": obj.get_unit_display(),
            "year": obj.year,
            "version": obj.version,
        }
    return str(obj)


def _value(key: str, value: Any, lookups: _Lookups) -> str:
    """A value of an event's before/after as a Dane reads it."""
    if value is None or value == "" or value == []:
        return NOTHING
    if key == "state":
        return state_label(value)
    if key == "addons" and isinstance(value, list):
        return ", ".join(lookups.addons.get(v, _("slettet tillægsydelse")) for v in value)
    if key == "amount":
        return formats.kr(value)
    f = _contract_fields().get(key)
    if f is None:
        return _plain(value)
    if f.is_relation:
        return lookups.objects.get((f.related_model, value), NOTHING)  # type: ignore[arg-type]
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return _("Ja") if value else _("Nej")
    if isinstance(f, models.DateTimeField):
        try:
            return date_format(datetime.fromisoformat(str(value)), "j. F Y H.i")
        except ValueError:
            return str(value)
    if isinstance(f, models.DateField):
        return _date(value)
    if isinstance(f, models.DecimalField):
        return formats.number(value, f.decimal_places or 0)
    if isinstance(f, models.IntegerField):
        return formats.number(value, 0)
    return str(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, int | Decimal | float):
        return formats.number(value, 0 if isinstance(value, int) else 2)
    if isinstance(value, str):
        try:
            return _date(date.fromisoformat(value)) if len(value) == 10 else value
        except ValueError:
            return value
    return str(value)


def _date(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    return str(date_format(value, "j. F Y"))


def _label(key: str) -> str:
    if key in OTHER_KEYS:
        return str(OTHER_KEYS[key]())
    f = _contract_fields().get(key)
    if f is not None:
        return _capital(str(f.verbose_name))
    return key


def _changes(before: Any, after: Any, lookups: _Lookups, skip: Iterable[str] = ()) -> list[Change]:
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    out = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in skip or before.get(key) == after.get(key):
            continue
        out.append(
            Change(
                _label(key),
                _value(key, before.get(key), lookups),
                _value(key, after.get(key), lookups),
            )
        )
    return out


def _describe(e: ContractEvent, lookups: _Lookups) -> EventText:
    before = e.before if isinstance(e.before, dict) else {}
    after = e.after if isinstance(e.after, dict) else {}
    if e.kind == EventKind.CREATED:
        return EventText(
            e,
            _("Oprettet som kladde ud fra standardkontrakten %(template)s.")
            % {"template": e.contract.template},
        )
    if e.kind == EventKind.STATE:
        new = after.get("state")
        sentence = STATE_SENTENCES.get(new) if new in ContractState.values else None
        return EventText(
            e,
            str(sentence()) if sentence else _("Status ændret."),
            [Change(_("Status"), state_label(before.get("state")), state_label(new))],
            message=e.message,
        )
    if e.kind == EventKind.CLAUSE:
        title = lookups.clauses.get((e.contract_id, e.clause_number), "")
        clause = (
            _("punkt %(n)s (%(title)s)") % {"n": e.clause_number, "title": title}
            if title
            else _("punkt %(n)s") % {"n": e.clause_number}
        )
        return EventText(
            e,
            _capital(_("%(clause)s er ændret.") % {"clause": clause}),
            _changes(before, after, lookups, skip=("text",)),
            diff=word_diff(str(before.get("text") or ""), str(after.get("text") or ""))
            if before.get("text") != after.get("text")
            else None,
        )
    if e.kind == EventKind.FIELDS:
        if "price_item" in after and not before:
            return EventText(
                e,
                _("Individuel pris tilføjet: %(item)s, %(amount)s.")
                % {
                    "item": after["price_item"],
                    "amount": _value("amount", after.get("amount"), lookups),
                },
            )
        return EventText(e, _("Vilkårene er ændret."), _changes(before, after, lookups))
    if e.kind == EventKind.COMMENT:
        return EventText(e, _("Skrev en kommentar."), message=e.message)
    if e.kind == EventKind.SIGNED:
        if after.get("side") == "buyer":
            return EventText(e, _("Køberen har accepteret kontrakten."))
        return EventText(e, _("Leverandøren har accepteret kontrakten."))
    # A kind added later: its label, and whatever it changed.
    return EventText(
        e,
        _capital(str(e.get_kind_display())) + ".",
        _changes(before, after, lookups),
        message=e.message,
    )


def describe_all(events: Sequence[ContractEvent]) -> list[EventText]:
    """Each event in Danish, in the order given; a fixed number of queries."""
    lookups = _Lookups(events)
    return [_describe(e, lookups) for e in events]


def describe(event: ContractEvent) -> EventText:
    return describe_all([event])[0]
