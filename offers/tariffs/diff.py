"""What changes when a tariff draft is published: the draft against the version it builds on
(the year's published version for a correction, else last year's), field by field, add-on
by add-on, and the service declaration that will be kept with it (offers.declarations).
The draft page shows it above the publish button, so nothing is lost without being seen."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from offers import declarations
from offers.models import Tariff, TariffAddOn, TariffStatus
from partnership import formats


@dataclass
class Line:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class PublishDiff:
    base: Tariff | None  # what the draft is compared with
    is_correction: bool  # base is a published version of the same year
    lines: list[Line] = field(default_factory=list)
    addons: list[Line] = field(default_factory=list)  # added, removed or changed only
    declaration: list[declarations.Change] = field(default_factory=list)
    base_kept_declaration: bool = False  # False: base was published before declarations were kept

    @property
    def changed_count(self) -> int:
        return sum(line.changed for line in self.lines) + len(self.addons) + len(self.declaration)


def base_of(draft: Tariff) -> Tariff | None:
    """The version a draft is compared with: the year's latest published version, else the
    latest published version of the year before."""
    published = Tariff.objects.filter(offer_id=draft.offer_id, status=TariffStatus.PUBLISHED)
    return (
        published.filter(year=draft.year).order_by("-version").first()
        or published.filter(year=draft.year - 1).order_by("-version").first()
    )


def _fields(t: Tariff | None) -> list[tuple[str, str]]:
    if t is None:
        return []
    return [
        (_("Takst"), f"{formats.kr(t.price)} {t.get_unit_display()}"),
        (_("Månedspris"), formats.kr(t.monthly_price)),
        (_("Moms"), _("inklusive moms") if t.vat_included else _("uden moms")),
        (_("Budgetteret belægning"), formats.pct(t.occupancy_percent, 2)),
        (
            _("Heraf central ledelse og administration"),
            formats.kr(t.overhead_amount) if t.overhead_amount is not None else "–",
        ),
        (_("Omkostninger og beregning"), t.cost_note or "–"),
    ]


def _addon_text(a: TariffAddOn) -> str:
    price = formats.kr(a.price) + " " if a.price is not None else ""
    note = f" ({a.note})" if a.note else ""
    return f"{price}{a.get_unit_display()}{note}"


def changes_on_publish(draft: Tariff) -> PublishDiff:
    base = base_of(draft)
    diff = PublishDiff(base=base, is_correction=base is not None and base.year == draft.year)
    if base is None:
        return diff
    before = dict(_fields(base))
    diff.lines = [Line(label, before[label], after) for label, after in _fields(draft)]
    old = {a.name: _addon_text(a) for a in base.addons.all()}
    new = {a.name: _addon_text(a) for a in draft.addons.all()}
    diff.addons = [
        Line(name, old.get(name, "–"), new.get(name, "–"))
        for name in [*new, *(n for n in old if n not in new)]
        if old.get(name) != new.get(name)
    ]
    kept = declarations.kept(base)
    diff.base_kept_declaration = bool(kept)
    if kept:
        diff.declaration = declarations.changes(kept, declarations.live(draft.offer))
    return diff
