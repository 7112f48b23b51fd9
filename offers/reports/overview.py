"""Takstoversigt: the tariff catalogue for a year, as PDF and XLSX."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from offers import selectors
from offers.filters import OfferFilter
from offers.models import RegulationRate, Tariff, TariffAddOn, TariffUnit
from partnership import formats
from partnership.exports import XlsxWorkbook
from partnership.pdf import render_typst_pdf

from .filters import (
    OverviewFilters,
    Progress,
    _no_progress,
    _placement,
    resolve_filters,
)


@dataclass
class AddOnLine:
    name: str
    price: Decimal | None
    unit: str

    def text(self) -> str:
        if self.price is None:
            return f"{self.name}: {self.unit}"
        return f"{self.name}: {formats.kr(self.price)} {self.unit}"


@dataclass
class OverviewRow:
    offer_id: int
    name: str
    provider: str
    ownership: str
    municipality: str
    paragraph: str
    target_group: str
    also: list[str]
    price: Decimal
    unit: str
    unit_label: str
    vat_included: bool
    monthly_price: Decimal
    addons: list[AddOnLine]
    change_percent: Decimal | None
    pl_flag: bool

    @property
    def addons_text(self) -> str:
        return "; ".join(a.text() for a in self.addons)


@dataclass
class OverviewGroup:
    paragraph: str
    target_group: str
    rows: list[OverviewRow] = field(default_factory=list)


@dataclass
class TariffOverview:
    year: int
    filters: list[tuple[str, str]]
    pl_rate: Decimal | None
    groups: list[OverviewGroup]
    generated_at: object

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def rows(self) -> list[OverviewRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def title(self) -> str:
        return _("Takstoversigt %(year)s") % {"year": self.year}


def tariff_overview(
    year: int, filters: OverviewFilters, progress: Progress = _no_progress
) -> TariffOverview:
    """The catalogue for a year: one row per matching offer with a published tariff,
    grouped by paragraph then target group. Calls progress(done, total) per offer."""
    resolved = resolve_filters(filters)
    matching = OfferFilter(year=year).filter_cleaned(resolved.values())
    qs = (
        selectors.with_current_tariff(matching, year)
        .filter(tariff_id__isnull=False)
        .select_related("provider", "municipality")
        .prefetch_related("paragraphs", "target_groups")
        .order_by("name", "pk")
    )
    offers = selectors.decorate(qs, year)
    tariff_ids = [o.tariff_id for o in offers]
    vat = dict(Tariff.objects.filter(pk__in=tariff_ids).values_list("pk", "vat_included"))
    addons: dict[int, list[AddOnLine]] = defaultdict(list)
    for a in TariffAddOn.objects.filter(tariff_id__in=tariff_ids).order_by("pk"):
        addons[a.tariff_id].append(AddOnLine(a.name, a.price, str(a.get_unit_display())))
    units = dict(TariffUnit.choices)
    total = len(offers)
    progress(0, total)
    placed: dict[tuple, OverviewGroup] = {}
    for done, o in enumerate(offers, start=1):
        paragraph, other_paragraphs = _placement(list(o.paragraphs.all()), resolved.paragraphs)
        group, other_groups = _placement(list(o.target_groups.all()), resolved.target_groups)
        key = (
            (paragraph.order, paragraph.code) if paragraph else (10**9, ""),
            (group.order, group.name) if group else (10**9, ""),
        )
        if key not in placed:
            placed[key] = OverviewGroup(
                paragraph=paragraph.code if paragraph else _("Uden lovgrundlag"),
                target_group=group.name if group else _("Uden målgruppe"),
            )
        placed[key].rows.append(
            OverviewRow(
                offer_id=o.pk,
                name=o.name,
                provider=o.provider.name,
                ownership=str(o.provider.get_ownership_form_display()),
                municipality=o.municipality.name,
                paragraph=placed[key].paragraph,
                target_group=placed[key].target_group,
                also=[p.code for p in other_paragraphs] + [g.name for g in other_groups],
                price=o.tariff_price,
                unit=o.tariff_unit,
                unit_label=str(units.get(o.tariff_unit, o.tariff_unit)),
                vat_included=bool(vat.get(o.tariff_id)),
                monthly_price=o.monthly_price,
                addons=addons.get(o.tariff_id, []),
                change_percent=o.change_percent,
                pl_flag=o.pl_flag,
            )
        )
        progress(done, total)
    return TariffOverview(
        year=year,
        filters=resolved.labels(),
        pl_rate=RegulationRate.objects.filter(year=year).values_list("rate", flat=True).first(),
        groups=[placed[k] for k in sorted(placed)],
        generated_at=timezone.localtime(),
    )


TYPST_DOCUMENT = Path(__file__).with_name("tariff_overview.typ")


def tariff_overview_document(overview: TariffOverview) -> dict:
    """What the PDF shows, every word and number written here (Danish formats from
    partnership.formats); tariff_overview.typ only lays it out."""
    meta = _("Dannet %(date)s. %(n)s tilbud med offentliggjort takst.") % {
        "date": formats.datetime(overview.generated_at),
        "n": overview.count,
    }
    if overview.pl_rate is not None:
        meta += " " + _("PL-satsen for %(year)s er %(rate)s.") % {
            "year": overview.year,
            "rate": formats.pct(overview.pl_rate, 2),
        }
    groups = []
    previous_paragraph = None
    for group in overview.groups:
        groups.append(
            {
                # A paragraph's heading once, before its first target group.
                "paragraph": group.paragraph if group.paragraph != previous_paragraph else None,
                "target_group": f"{group.target_group} ({len(group.rows)})",
                "rows": [_document_row(row) for row in group.rows],
            }
        )
        previous_paragraph = group.paragraph
    return {
        "title": overview.title,
        "author": _("KKR Sjælland"),
        "page_of": _("Side {page} af {pages}"),
        "meta": meta,
        "filters": [[str(label), str(value)] for label, value in overview.filters],
        "no_filters": _("Ingen filtre: alle offentliggjorte tilbud med takst for året."),
        "note": _(
            "Hvert tilbud står én gang: under dets første lovgrundlag og første målgruppe "
            "(når der er filtreret, den første, der matcher filteret). Øvrige lovgrundlag og "
            "målgrupper står under tilbuddets navn. Månedsprisen gør døgn- og månedstakster "
            "sammenlignelige (døgnpris × 365/12). Ændringen er i forhold til sidste års "
            'gældende takst. "Over PL" åbner en dialog; det er ikke en dom.'
        ),
        "headers": [
            _("Tilbud"),
            _("Leverandør"),
            _("Ejerform"),
            _("Hovedtakst"),
            _("Månedspris"),
            _("Tillægsydelser"),
            _("Ændring"),
            _("PL"),
        ],
        "groups": groups,
        "empty": [
            _("Ingen tilbud matcher filtrene"),
            _(
                "Der er ingen offentliggjorte tilbud med en offentliggjort takst for året, der "
                "passer på de valgte filtre. Prøv med færre filtre."
            ),
        ],
    }


def _document_row(row: OverviewRow) -> dict:
    place = row.municipality
    if row.also:
        place += " · " + _("Også") + ": " + ", ".join(row.also)
    unit = row.unit_label + (", " + _("inkl. moms") if row.vat_included else "")
    return {
        "name": row.name,
        "place": place,
        "provider": row.provider,
        "ownership": row.ownership,
        "price": formats.kr(row.price),
        "unit": unit,
        "monthly": formats.kr(row.monthly_price),
        "addons": row.addons_text or "–",
        "change": formats.signed_pct(row.change_percent) if row.change_percent is not None else "–",
        "pl": _("Over PL") if row.pl_flag else "",
    }


def tariff_overview_pdf(overview: TariffOverview) -> bytes:
    return render_typst_pdf(TYPST_DOCUMENT, tariff_overview_document(overview))


def tariff_overview_xlsx(overview: TariffOverview) -> bytes:
    """The same content as the PDF, one row per offer: numbers as numbers with Danish-style
    formats, the header row frozen and filters on."""
    book = XlsxWorkbook()
    ws = book.sheet(_("Takstoversigt %(year)s") % {"year": overview.year})
    columns = [
        (_("Lovgrundlag"), 14, None),
        (_("Målgruppe"), 22, None),
        (_("Tilbud"), 34, None),
        (_("Leverandør"), 30, None),
        (_("Ejerform"), 22, None),
        (_("Beliggenhedskommune"), 20, None),
        (_("Takst (kr.)"), 14, formats.XLSX_KR),
        (_("Enhed"), 11, None),
        (_("Inkl. moms"), 10, None),
        (_("Månedspris (kr.)"), 15, formats.XLSX_KR),
        (_("Tillægsydelser"), 40, None),
        (_("Ændring fra sidste år (%)"), 14, formats.XLSX_SIGNED_PCT),
        (_("Over PL-satsen"), 10, None),
        (_("Også under"), 28, None),
    ]
    ws.style(ws.append([c[0] for c in columns]), bold=True, wrap=True)
    for row in overview.rows:
        cells = ws.append(
            [
                row.paragraph,
                row.target_group,
                row.name,
                row.provider,
                row.ownership,
                row.municipality,
                float(row.price),
                row.unit_label,
                _("Ja") if row.vat_included else _("Nej"),
                float(row.monthly_price),
                row.addons_text or None,
                float(row.change_percent) if row.change_percent is not None else None,
                _("Ja") if row.pl_flag else _("Nej"),
                ", ".join(row.also) or None,
            ]
        )
        for cell, (_label, _width, fmt) in zip(cells, columns, strict=True):
            ws.style([cell], number_format=fmt)
    if not overview.count:
        ws.append([_("Ingen tilbud matcher filtrene")])
    for i, (_label, width, _fmt) in enumerate(columns, start=1):
        ws.set_width(i, width)
    ws.freeze("A2")
    ws.filter_columns(len(columns))

    about = book.sheet(_("Om rapporten"))
    about.style(about.append([overview.title]), bold=True)
    about.append([_("Takstår"), overview.year])
    about.append([_("Dannet"), formats.datetime(overview.generated_at)])
    about.append([_("Antal tilbud"), overview.count])
    cells = about.append(
        [_("PL-sats (%)"), float(overview.pl_rate) if overview.pl_rate is not None else None]
    )
    about.style(cells[1:], number_format=formats.XLSX_TWO_DECIMALS)
    for label, value in overview.filters or [(_("Filtre"), _("Ingen (alle tilbud)"))]:
        about.append([label, value])
    about.append([])
    about.append([_placement_note()])
    about.append([_monthly_note()])
    about.set_width(1, 24)
    about.set_width(2, 60)
    return book.to_bytes()


def _placement_note() -> str:
    return _(
        "Hvert tilbud står én gang: under dets første lovgrundlag og første målgruppe (når "
        "der er filtreret, den første, der matcher filteret). Øvrige lovgrundlag og "
        "målgrupper står ved tilbuddet under 'Også'."
    )


def _monthly_note() -> str:
    return _(
        "Månedsprisen gør døgn- og månedstakster sammenlignelige (døgnpris × 365/12). "
        "Ændringen er i forhold til sidste års gældende takst, på månedsprisen. 'Over PL' "
        "betyder, at taksten stiger mere end årets PL-sats; det åbner en dialog og er ikke en dom."
    )


def render_tariff_overview(job, progress: Progress) -> tuple[str, bytes]:
    """The job kind "takstoversigt": params {year, paragraphs, target_groups, municipality,
    ownership, provider, branch, format: "pdf"|"xlsx"}."""
    params = job.params or {}
    year = int(params["year"])
    fmt = params.get("format") or "pdf"
    if fmt not in ("pdf", "xlsx"):
        raise ValueError(_("Ukendt format: %(value)s") % {"value": fmt})
    overview = tariff_overview(year, OverviewFilters.from_params(params), progress)
    if fmt == "xlsx":
        return f"takstoversigt-{year}.xlsx", tariff_overview_xlsx(overview)
    return f"takstoversigt-{year}.pdf", tariff_overview_pdf(overview)
