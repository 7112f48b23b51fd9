"""Validators shared by every app: CVR numbers and the refusal of CPR-like text."""

import re

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


# DDMMYY-XXXX or DDMMYYXXXX with a plausible day and month, not part of a longer number.
CPR_PATTERN = re.compile(
    r"(?<![0-9])(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])([0-9]{2})[- ]?([0-9]{4})(?![0-9])"
)


def looks_like_cpr(text: str) -> bool:
    return bool(text) and CPR_PATTERN.search(text) is not None


def refuse_cpr(value: str) -> None:
    """Refuse free text that looks like a CPR number: the portal holds no personal data."""
    if looks_like_cpr(value):
        raise ValidationError(
            _(
                "Teksten ser ud til at indeholde et CPR-nummer (DDMMÅÅ-XXXX). Portalen må ikke "
                "rumme personoplysninger om borgere. Brug kommunens egen sagsreference i stedet."
            ),
            code="cpr",
        )
