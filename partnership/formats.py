"""Danish numbers: the one parser of what a person types and the one writer of what the
portal shows. Templates (the filters kr, pct and signed_pct), forms (DanishDecimalField),
the tariff import, the open data, the CSV and XLSX exports, the charts and the e-mails all
go through here; tests/partnership/test_formats.py states the rule with examples and fails
when a module formats a number by hand.

Writing (1.234,50 kr., 3,4 %, +3,4 %):

* ``,`` before the decimals and ``.`` between groups of three digits: ``1.234.567,50``.
* Rounded half up (away from zero), as Danish commercial rounding and PostgreSQL's ROUND
  do: 0,125 kr. is shown as 0,13 kr. A value that rounds to zero has no sign.
* One ordinary space between the number and its unit: ``1.234,50 kr.``, ``3,4 %``.
* Always Danish, whatever the page's language: the parser reads only Danish numbers, so a
  number the portal shows can be typed back in.
* A spreadsheet cell and a form's input get the number without thousands separators
  (``1234,50``): what Danish Excel and the parser read back as the same number. An XLSX
  cell holds the number itself with a number format from ``XLSX_*`` below.

Reading (``parse_number``), the same in every form and in the import:

* ``,`` is the decimal separator and ``.`` groups thousands: ``1.234,50``, ``1234,5``,
  ``1,5`` (one and a half, never fifteen).
* A point is read as a decimal point only where it cannot be a thousands separator: one
  point without three digits after it (``1234.50``, ``95.5``).
* ``1.234`` (one point, three digits after it, no comma) is refused as ambiguous: it is
  1234 to a Dane and 1,234 to an English spreadsheet, and a tariff, once published, cannot
  change. The message says both readings and how to write the number. Several points that
  group digits in threes (``1.234.567``) can only be thousands.
* Spaces (also non-breaking, narrow and thin ones) are ignored, and so is ``kr.``, ``kr``
  or ``DKK`` before or after the number, and ``%`` after it where a percentage is read.
* A sign may lead: ``-``, ``+`` or the typographic minus ``−``.
* Whole numbers (``parse_whole_number``) may group thousands (``2.026`` is 2026) and end in
  zero decimals (``2026,0``).

Danish dates (6. december 2026): one format everywhere a date is shown, on pages, in
e-mails, PDFs, calendar descriptions, exports and charts. The month is written out in lower
case; no abbreviation ("6. Dec 2026", "Sept 26") and no all-digit date ("06.12.2026").
The format strings are the constants below. Django reads them through its format module
(``FORMAT_MODULE_PATH`` → ``config/formats/da/formats.py``), so Django's own ``date`` filter
without an argument, ``{{ date }}`` in a template, ``django.utils.formats.date_format`` and
allauth's and the admin's templates all write them: templates use ``|date`` and
``|date:"DATETIME_FORMAT"``, Python ``date_format(value)`` or the functions ``date`` and
``datetime`` here. tests/partnership/test_danish_wording.py renders each kind of place and
fails when a template or module asks for a month abbreviation or a two-digit year.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.utils import formats as django_formats
from django.utils import timezone, translation
from django.utils.translation import gettext as _

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
UNIT_SPACE = " "
KR = "kr."
PERCENT = "%"

# XLSX number formats (the cell holds the number; Excel shows it with the reader's own
# separators, so the codes are written in Excel's neutral notation).
XLSX_KR = '#,##0.00 "kr."'
XLSX_AMOUNT = "#,##0.00"
XLSX_SIGNED_PCT = '+0.0" %";-0.0" %";0.0" %"'
XLSX_PCT = '0.0" %"'  # a percentage held as the number shown (95 for 95 %)
XLSX_TWO_DECIMALS = "0.00"
XLSX_WHOLE = "0"

# Dates (Django's date format characters): "6. december 2026", "6. december 2026 kl. 14.30"
# (a time of day with a full stop, as Retskrivningsordbogen and the agenda's "9.00–9.05").
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = r"j. F Y \k\l. H.i"
TIME_FORMAT = "H.i"
MONTH_DAY_FORMAT = "j. F"  # 6. december
YEAR_MONTH_FORMAT = "F Y"  # december 2026


class NumberError(ValueError):
    """Text that is not a Danish number. ``message`` says why, in Danish; ``code`` is
    "invalid" (not a number) or "ambiguous" (``1.234``)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Writing ---------------------------------------------------------------------------


def to_decimal(value: object) -> Decimal | None:
    """A number as an exact Decimal: a float through its shortest repr (0.1 is 0,1), text
    such as "1234.50" as written. None and "" are None; anything else raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _round(number: Decimal, decimals: int) -> Decimal:
    """Half up to `decimals` places, with the precision the result needs (however large)."""
    precision = max(number.adjusted(), 0) + decimals + 3
    return number.quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=Context(prec=precision)
    )


def _group(whole: str) -> str:
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return THOUSAND_SEPARATOR.join(groups)


def number(value: object, decimals: int = 2, *, grouped: bool = True) -> str:
    """1234.5 → "1.234,50" (grouped=False: "1234,50"); rounded half up to `decimals`.
    Empty for None."""
    exact = to_decimal(value)
    if exact is None:
        return ""
    rounded = _round(exact, decimals)
    whole, _point, fraction = f"{abs(rounded):f}".partition(".")
    if grouped:
        whole = _group(whole)
    sign = "-" if rounded < 0 else ""
    return sign + whole + (DECIMAL_SEPARATOR + fraction if fraction else "")


def kr(value: object, decimals: int = 2) -> str:
    """1234.5 → "1.234,50 kr." (empty for None)."""
    text = number(value, decimals)
    return f"{text}{UNIT_SPACE}{KR}" if text else ""


def pct(value: object, decimals: int = 1) -> str:
    """3.4 → "3,4 %" (empty for None)."""
    text = number(value, decimals)
    return f"{text}{UNIT_SPACE}{PERCENT}" if text else ""


def signed_pct(value: object, decimals: int = 1) -> str:
    """A change with its sign: "+3,4 %", "-1,0 %", "0,0 %" (the sign of the number shown)."""
    text = pct(value, decimals)
    exact = to_decimal(value)
    if text and exact is not None and _round(exact, decimals) > 0:
        return "+" + text
    return text


def plain(value: object) -> str:
    """A number as a spreadsheet or a form's input reads it back: a decimal comma, no
    thousands separators, every decimal the value has ("1234,50", "-3,5", "2026")."""
    exact = to_decimal(value)
    if exact is None:
        return ""
    return format(exact, "f").replace(".", DECIMAL_SEPARATOR)


def field_value(value: object, decimals: int = 2) -> str:
    """A number in a form's input: "1234,50" (no thousands separators to type around)."""
    return number(value, decimals, grouped=False)


# --- Reading ---------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_CURRENCY = re.compile(r"^(kr\.?|dkk)|(kr\.?|dkk)$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_DIGITS = re.compile(r"^\d+$")
_POINT_DECIMALS = re.compile(r"^\d*\.\d+$")
_SIGNS = {"-": "-", "\u2212": "-", "+": ""}


def _not_a_number(shown: str) -> NumberError:
    return NumberError(_("«%(value)s» er ikke et tal. Skriv fx 1.234,50.") % {"value": shown})


def parse_number(text: str, *, percent: bool = False) -> Decimal:
    """A Danish decimal number as a person types it (see the module's notes). Raises
    NumberError with the reason in Danish."""
    shown = str(text).strip()
    compact = _CURRENCY.sub("", _SPACES.sub("", str(text)))
    if percent:
        compact = compact.removesuffix(PERCENT)
    sign = ""
    if compact and compact[0] in _SIGNS:
        sign, compact = _SIGNS[compact[0]], compact[1:]
    if DECIMAL_SEPARATOR in compact:
        whole, _sep, decimals = compact.partition(DECIMAL_SEPARATOR)
        if not (_DIGITS.match(decimals) and (_DIGITS.match(whole) or _GROUPED.match(whole))):
            raise _not_a_number(shown)
        normal = whole.replace(THOUSAND_SEPARATOR, "") + "." + decimals
    elif THOUSAND_SEPARATOR in compact:
        if _GROUPED.match(compact):
            if compact.count(THOUSAND_SEPARATOR) == 1:
                raise NumberError(
                    _(
                        "«%(value)s» kan læses både som %(thousands)s og som %(decimal)s. "
                        "Skriv decimaler med komma, fx 1.234,50, eller tallet uden punktum."
                    )
                    % {
                        "value": shown,
                        "thousands": compact.replace(THOUSAND_SEPARATOR, ""),
                        "decimal": compact.replace(THOUSAND_SEPARATOR, DECIMAL_SEPARATOR),
                    },
                    code="ambiguous",
                )
            normal = compact.replace(THOUSAND_SEPARATOR, "")
        elif _POINT_DECIMALS.match(compact):
            normal = compact
        else:
            raise _not_a_number(shown)
    elif _DIGITS.match(compact):
        normal = compact
    else:
        raise _not_a_number(shown)
    try:
        return Decimal(sign + normal)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above let none through
        raise _not_a_number(shown) from exc


def parse_whole_number(text: str) -> int:
    """A whole number: "2.026" (thousands grouped) is 2026, "2026,0" is 2026. Raises
    NumberError."""
    shown = str(text).strip()
    compact = _SPACES.sub("", str(text))
    if _GROUPED.match(compact):
        compact = compact.replace(THOUSAND_SEPARATOR, "")
    compact = re.sub(r"[,.]0+$", "", compact)
    if not _DIGITS.match(compact):
        raise NumberError(_("«%(value)s» er ikke et helt tal.") % {"value": shown})
    return int(compact)


# --- Dates -----------------------------------------------------------------------------


def date(value: _dt.date | None) -> str:
    """6. december 2026 (a datetime: its day in the portal's time zone). Empty for None."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return _date(value, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _date(value: _dt.date, language: str | None) -> str:
    """A day as date() writes it in `language` (the active one, which date_format() reads):
    kept, since a page writes the same days again and again (Django's formatting of one was
    a tenth of a search result card's drawing)."""
    return str(django_formats.date_format(value, DATE_FORMAT))


def datetime(value: _dt.datetime | None) -> str:
    """6. december 2026 14:30, in the portal's time zone. Empty for None."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(django_formats.date_format(value, DATETIME_FORMAT))
