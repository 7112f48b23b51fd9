"""Form fields the offers features share: Danish numbers (1.234,50) read and shown."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


def parse_danish_number(text: str) -> str:
    """'1.234,50' → '1234.50'; '70.000' → '70000' (a dot before groups of three digits is a
    thousands separator); '1234.50' stays. Returns text for DecimalField to parse."""
    v = text.strip().replace(" ", "").replace("\xa0", "").removesuffix("kr.").removesuffix("kr")
    if "," in v:
        return v.replace(".", "").replace(",", ".")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", v):
        return v.replace(".", "")
    return v


def _da(value) -> str:
    return f"{value}".replace(".", ",")


class DanishDecimalField(forms.DecimalField):
    """Accepts 1.234,50 as well as 1234.50, and says what is wrong in Danish with Danish
    numbers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = str(kwargs.get("label") or _("Beløbet"))
        self.error_messages.update(
            {
                "invalid": _("%(label)s skal være et tal, fx 1.234,50.") % {"label": label},
                "max_decimal_places": _("%(label)s må højst have %(n)s decimaler (øre).")
                % {"label": label, "n": self.decimal_places},
                "max_digits": _("%(label)s er for stort.") % {"label": label},
                "max_whole_digits": _("%(label)s er for stort.") % {"label": label},
            }
        )
        if self.min_value is not None:
            self.error_messages["min_value"] = _("%(label)s skal være mindst %(min)s.") % {
                "label": label,
                "min": _da(self.min_value),
            }
        if self.max_value is not None:
            self.error_messages["max_value"] = _("%(label)s må højst være %(max)s.") % {
                "label": label,
                "max": _da(self.max_value),
            }
        # Django formats these with its own parameters later, so a literal % must be doubled.
        for key, message in self.error_messages.items():
            if "%(" not in str(message):
                self.error_messages[key] = str(message).replace("%", "%%")
        for v in self.validators:
            code = getattr(v, "code", None)
            if code in self.error_messages:
                v.message = self.error_messages[code]

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_danish_number(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "decimal"
        return attrs


class MoneyInput(forms.TextInput):
    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return super().format_value(value)
