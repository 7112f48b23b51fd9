"""Danish numbers, one rule (partnership.formats): what `1.234` and `1,5` mean when a person
types them, in every form and in the tariff import alike, and how the portal writes 1.234,50
kr., 3,4 % and +3,4 %. The last tests enumerate the places: every decimal field of every
form reads with the rule, and no module or template formats a number by hand."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from offers.imports import importer
from partnership import formats
from partnership.formats import NumberError, parse_number, parse_whole_number
from partnership.forms import DanishDecimalField
from tests.fuzz.targets import project_forms

# --- Reading: what a person types --------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1,5", "1.5"),  # the decimal comma: one and a half, never fifteen
        ("1.234,50", "1234.50"),
        ("1234,5", "1234.5"),
        ("1.234.567", "1234567"),  # several points grouping threes: only thousands
        ("1.234.567,89", "1234567.89"),
        ("1234.50", "1234.50"),  # a point that cannot group thousands is a decimal point
        ("95.5", "95.5"),
        ("0,001", "0.001"),
        ("2650", "2650"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50 kr.", "1234.50"),  # a non-breaking space, as pasted from a page
        ("1\u202f234,50", "1234.50"),  # a narrow no-break space
        ("kr. 1.234,50", "1234.50"),
        ("1.234,50 DKK", "1234.50"),
        ("-3,5", "-3.5"),
        ("+4,5", "4.5"),
        ("\u22123,5", "-3.5"),  # the typographic minus
    ],
)
def test_a_danish_number_is_read_as_a_dane_means_it(text, expected):
    assert parse_number(text) == Decimal(expected)


def test_one_point_before_three_digits_is_refused_as_ambiguous_with_both_readings():
    """`1.234` is 1234 to a Dane and 1,234 to an English spreadsheet; a published tariff
    cannot change, so the portal asks rather than guesses, in the form as in the import."""
    with pytest.raises(NumberError) as exc:
        parse_number("1.234")
    assert exc.value.code == "ambiguous"
    assert exc.value.message == (
        "«1.234» kan læses både som 1234 og som 1,234. Skriv decimaler med komma, "
        "fx 1.234,50, eller tallet uden punktum."
    )
    with pytest.raises(NumberError):
        parse_number("70.000 kr.")


@pytest.mark.parametrize(
    "text",
    ["12,3,4", "1.23,4", "1,234,567", "1,234.50", "abc", "kr.", "1e5", "NaN", "1_000", "0x1F"],
)
def test_what_is_not_a_danish_number_is_refused(text):
    with pytest.raises(NumberError) as exc:
        parse_number(text)
    assert exc.value.code == "invalid"
    assert "er ikke et tal. Skriv fx 1.234,50." in exc.value.message


def test_a_percent_sign_is_read_only_where_a_percentage_is():
    assert parse_number("92,5 %", percent=True) == Decimal("92.5")
    with pytest.raises(NumberError):
        parse_number("92,5 %")


@pytest.mark.parametrize("text,expected", [("2026", 2026), ("2.026", 2026), ("2026,0", 2026)])
def test_a_whole_number_may_group_thousands(text, expected):
    assert parse_whole_number(text) == expected


@pytest.mark.parametrize("text", ["2026,5", "20.26", "-1", "x"])
def test_a_whole_number_is_whole(text):
    with pytest.raises(NumberError):
        parse_whole_number(text)


TYPED = ["1,5", "1.234,50", "1234.50", "1.234.567", "1.234", "1.23,4", "12,3,4", "abc", "-0,5"]


@pytest.mark.parametrize("text", TYPED)
def test_the_tariff_form_and_the_import_read_a_number_alike(text):
    """The same text gives the same number in a form and in the import, or is refused by
    both with the same reason where the reason is the number's."""
    field = DanishDecimalField(label="Gennemsnitstakst (kr.)", max_digits=12, decimal_places=2)
    try:
        from_import = importer.parse_decimal(text)
    except importer.CellError as exc:
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(text)
        if "kan læses både" in str(exc):
            assert refused.value.messages == [str(exc)]
        return
    assert field.clean(text) == from_import


def test_the_form_says_in_danish_why_a_number_is_refused():
    field = DanishDecimalField(
        label="Budgetteret belægning (%)",
        percent=True,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
    )
    assert field.clean("95 %") == Decimal("95")
    for text, message in [
        ("abc", "Budgetteret belægning (%) skal være et tal, fx 1.234,50."),
        ("1.234", "«1.234» kan læses både som 1234 og som 1,234."),
        ("0", "Budgetteret belægning (%) skal være mindst 0,01."),
        ("95,123", "Budgetteret belægning (%) må højst have 2 decimaler (øre)."),
    ]:
        with pytest.raises(forms.ValidationError) as exc:
            field.clean(text)
        assert message in exc.value.messages[0], text


# --- Writing: what the portal shows ------------------------------------------------------


@pytest.mark.parametrize(
    "value,decimals,expected",
    [
        (Decimal("1234.5"), 2, "1.234,50 kr."),
        (Decimal("1234567.891"), 2, "1.234.567,89 kr."),
        (Decimal("76056.875"), 2, "76.056,88 kr."),  # half up
        (Decimal("76056.875"), 0, "76.057 kr."),
        (Decimal("0.125"), 2, "0,13 kr."),
        (Decimal("0.005"), 2, "0,01 kr."),
        (Decimal("999.995"), 2, "1.000,00 kr."),
        (Decimal("-1234.565"), 2, "-1.234,57 kr."),
        (Decimal("-0.001"), 2, "0,00 kr."),  # no sign on a zero
        (Decimal("0"), 0, "0 kr."),
        (465, 2, "465,00 kr."),
        (0.1, 2, "0,10 kr."),
        ("2500.50", 2, "2.500,50 kr."),
        (None, 2, ""),
    ],
)
def test_amounts_are_written_danish_style_rounded_half_up(value, decimals, expected):
    assert formats.kr(value, decimals) == expected


def test_percentages_and_changes():
    assert formats.pct(Decimal("3.4")) == "3,4 %"
    assert formats.pct(Decimal("2.40"), 2) == "2,40 %"
    assert formats.pct(95, 0) == "95 %"
    assert formats.signed_pct(Decimal("4.5")) == "+4,5 %"
    assert formats.signed_pct(Decimal("-1")) == "-1,0 %"
    assert formats.signed_pct(Decimal("0.04")) == "0,0 %"  # the sign of what is shown
    assert formats.signed_pct(None) == ""


def test_spreadsheet_and_input_numbers_read_back_as_the_same_number():
    for value in [Decimal("1234.50"), Decimal("-3.5"), Decimal("2026"), Decimal("0.01")]:
        assert parse_number(formats.plain(value)) == value
        assert parse_number(formats.field_value(value)) == value
        assert parse_number(formats.kr(value)) == value
    assert formats.plain(Decimal("1234.50")) == "1234,50"
    assert formats.field_value(Decimal("1234.5")) == "1234,50"


def test_templates_write_with_the_same_rule_in_every_language():
    template = Template(
        "{% load portal %}{{ a|kr }} / {{ a|kr:0 }} / {{ c|signed_pct }} / {{ r|pct:2 }}"
        " / {{ nothing|kr }}/{{ text|kr }}"
    )
    values = {"a": Decimal("76056.875"), "c": Decimal("4.2"), "r": Decimal("2.4"), "text": "x"}
    expected = "76.056,88 kr. / 76.057 kr. / +4,2 % / 2,40 % / /"
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            assert template.render(Context(values)) == expected, language


# --- Every place -------------------------------------------------------------------------


def test_every_decimal_field_of_every_form_reads_danish_numbers():
    """A decimal a person types goes through the one parser: every DecimalField or
    FloatField of every form in the project (model forms' generated fields too) is a
    DanishDecimalField."""
    others = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DecimalField | forms.FloatField)
        and not isinstance(field, DanishDecimalField)
    ]
    assert others == []


ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("partnership", "offers", "contracts", "quality", "meetings", "config", "api")
HOME = ROOT / "partnership" / "formats.py"
# Django's own number writers, which follow the page's language instead of the rule.
FORBIDDEN_IMPORTS = {
    ("django.utils.formats", "number_format"),
    ("django.utils.formats", "localize"),
    ("django.utils.formats", "localize_input"),
    ("django.utils.formats", "sanitize_separators"),
    ("django.template.defaultfilters", "floatformat"),
    ("django.templatetags.l10n", "localize"),
    ("django.templatetags.l10n", "unlocalize"),
}
UNIT_AFTER_NUMBER = re.compile(r"^\s*(kr\b|%(?!\()|DKK)")


def _python_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and path != HOME:
                yield path


def _hand_formatting(path: Path, root: Path = ROOT) -> list[str]:
    """Where a module writes a number for people by hand: Django's localizing writers
    imported, a separator swapped with replace(".", ",") or the like, a thousands separator
    in a format spec (f"{x:,.2f}"), or "kr."/"%" written after a formatted value
    (f"{price} kr.", "%(rate)s %%")."""
    found = []
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(root)
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "django.contrib.humanize" or node.module.startswith(
                "django.contrib.humanize."
            ):
                found.append(f"{line} imports django.contrib.humanize")
            for alias in node.names:
                if (node.module, alias.name) in FORBIDDEN_IMPORTS:
                    found.append(f"{line} imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "replace" and len(args) == 2 and set(args) & {".", ","}:
                if set(args) <= {".", ",", "X", ""}:
                    found.append(f"{line} swaps separators with replace{tuple(args)}")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "," in spec or "_" in spec:
                found.append(f"{line} groups thousands in a format spec {spec!r}")
        elif isinstance(node, ast.JoinedStr):
            for before, after in zip(node.values, node.values[1:], strict=False):
                if (
                    isinstance(before, ast.FormattedValue)
                    and isinstance(after, ast.Constant)
                    and UNIT_AFTER_NUMBER.match(str(after.value))
                ):
                    found.append(f"{line} writes a unit after a value: {after.value!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"%\(\w+\)s\s*(%%|kr\b)", node.value):
                found.append(f"{line} writes a unit after a placeholder: {node.value[:60]!r}")
    return found


def test_no_module_formats_a_number_by_hand():
    """Every number a person reads is written by partnership.formats. This walks the syntax
    of every module of the portal's apps (migrations aside; bench/ writes the developers'
    English Markdown and is left out) for the ways the nine earlier copies did it."""
    found = [hit for path in _python_modules() for hit in _hand_formatting(path)]
    assert found == []


def test_no_template_formats_a_number_by_hand():
    """Templates write numbers with the filters kr, pct and signed_pct: no floatformat,
    intcomma or localize, and no "kr." or "%" typed after a printed value."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\|\s*(floatformat|intcomma|localize|unlocalize)\b", line) or re.search(
                r"\}\}\s*(%|kr\.)", line
            ):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_the_check_finds_each_way_the_earlier_copies_formatted_numbers(tmp_path):
    """The enumeration above catches the copies this rule replaced (and leaves SVG
    coordinates, which are not for people to read, alone)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.utils.formats import number_format\n"
        "from django.template.defaultfilters import floatformat\n"
        "a = f'{value:.2f}'.replace('.', ',')\n"
        "b = f'{value:,.0f}'.replace(',', '.')\n"
        "c = f'{s} kr.'\n"
        "d = f'{v} %'\n"
        "e = '%(rate)s %%'\n"
        "ok = f'{x:.1f},{y:.1f} {n} tilbud'\n"
    )
    found = sorted(hit.split(" ", 1)[1] for hit in _hand_formatting(sample, tmp_path))
    assert found == sorted(
        [
            "imports django.utils.formats.number_format",
            "imports django.template.defaultfilters.floatformat",
            "swaps separators with replace('.', ',')",
            "swaps separators with replace(',', '.')",
            "groups thousands in a format spec ',.0f'",
            "writes a unit after a value: ' kr.'",
            "writes a unit after a value: ' %'",
            "writes a unit after a placeholder: '%(rate)s %%'",
        ]
    )


def test_a_day_written_once_is_written_the_same_in_its_language():
    """formats.date keeps the days it wrote (a page writes the same days again and again),
    by language: another language's month names are not the Danish ones kept."""
    import datetime as dt

    # (A day to write, not today: the same whatever the clock says.)
    day = dt.date(2026, 12, 6)  # ok-fixed-date
    with translation.override("da"):
        assert formats.date(day) == "6. december 2026"
        assert formats.date(day) == "6. december 2026"
        at_noon = dt.datetime(2026, 12, 6, 11, 0, tzinfo=dt.UTC)  # ok-fixed-date
        assert formats.date(at_noon) == "6. december 2026"
        # 7 December in Copenhagen:
        late = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)  # ok-fixed-date
        assert formats.date(late) == "7. december 2026"
    with translation.override("en"):
        assert formats.date(day) == "6. December 2026"
