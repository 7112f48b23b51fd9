"""Validators shared by every app: CVR numbers and the refusal of CPR-like text."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_is_valid(value: str) -> bool:
    """An 8-digit CVR number whose weighted digit sum is divisible by 11."""
    if not re.fullmatch(r"[0-9]{8}", value or ""):
        return False
    if value[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(value, CVR_WEIGHTS, strict=True)) % 11 == 0


def validate_cvr(value: str) -> None:
    if not re.fullmatch(r"[0-9]{8}", value or ""):
        raise ValidationError(_("Et CVR-nummer består af præcis 8 cifre."), code="cvr_format")
    if not cvr_is_valid(value):
        raise ValidationError(
            _("CVR-nummeret %(value)s findes ikke: kontrolcifferet passer ikke (modulus 11)."),
            code="cvr_checksum",
            params={"value": value},
        )


# --- CPR numbers ----------------------------------------------------------------------------
# The portal holds no personal data about citizens. This is the one place that says what a
# CPR number looks like; every text a person can enter (form fields through
# partnership.forms.GuardedFormMixin, model text columns through partnership.fields, the
# import's cells, uploaded file names) is checked here.

CPR_REDACTED = "[CPR-nummer fjernet]"
CPR_MESSAGE = _(
    "Teksten ser ud til at indeholde et CPR-nummer (DDMMÅÅ-XXXX). Portalen må ikke "
    "rumme personoplysninger om borgere. Brug kommunens egen sagsreference i stedet."
)

# Separators people (and Word/Outlook autocorrect) put inside a CPR number, after
# normalisation: hyphens and dashes become "-", every kind of space becomes " ".
_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
# Six digits (DDMMYY, optionally grouped 2-2-2) and four, with at most one separator
# between the groups ("-", "/", ".", a space, or one of them with spaces around it).
_SEP = r"(?: ?[-./] ?| )?"
CPR_PATTERN = re.compile(
    rf"(?<![0-9])([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{4}})(?![0-9])"
)


def _normalise(text: str) -> str:
    """NFKC (fullwidth digits, non-breaking spaces), every decimal digit as 0-9, dashes as
    "-", spaces as " ", and invisible format characters (zero-width space, soft hyphen)
    removed."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif char.isspace():
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def _century(yy: int, seventh: int) -> int:
    """The CPR rule: the 7th digit and the year give the century."""
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def _is_birth_date(dd: str, mm: str, yy: str, serial: str) -> bool:
    year = _century(int(yy), int(serial[0])) + int(yy)
    try:
        datetime.date(year, int(mm), int(dd))
    except ValueError:
        return False
    return True


def find_cpr(text: str) -> list[tuple[int, int]]:
    """Where the text holds something that is a CPR number: a valid birth date DDMMYY
    followed by four digits, in any of the spellings people use. The spans index the
    normalised text, which has the same length as the original unless the original
    contains characters that normalise to more or fewer characters."""
    if not text or not isinstance(text, str):
        return []
    normalised = _normalise(text)
    return [m.span() for m in CPR_PATTERN.finditer(normalised) if _is_birth_date(*m.groups())]


def looks_like_cpr(text: str) -> bool:
    return bool(find_cpr(text))


def redact_cpr_text(text: str) -> str:
    """The text with every CPR number replaced by the redaction marker."""
    normalised = _normalise(text)
    if len(normalised) != len(text):
        text = normalised  # the spans only fit the normalised text
    for start, end in reversed(find_cpr(text)):
        text = text[:start] + CPR_REDACTED + text[end:]
    return text


def refuse_cpr(value) -> None:
    """Refuse free text that looks like a CPR number: the portal holds no personal data."""
    if isinstance(value, str) and looks_like_cpr(value):
        raise ValidationError(CPR_MESSAGE, code="cpr")


def refuse_cpr_in_file_name(value) -> None:
    """An uploaded file's name is text a person chose: the same rule."""
    refuse_cpr(getattr(value, "name", "") or "")


# --- Dates ---------------------------------------------------------------------------------
# One sensible range for every date a person enters (contracts, meetings, vacancies,
# assessments, deadlines): year 1 or 9999 is a typing error, and would break reminders,
# calendars and reports.
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)


def validate_sensible_date(value) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValidationError(
            _("Datoen skal ligge mellem 1. januar 2000 og 31. december 2100."),
            code="date_range",
        )
