"""Danish number formats for templates: 1.234,50 kr. and 3,4 %."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def kr(value, decimals: int = 2):
    """1234.5 → '1.234,50 kr.' (empty for None)."""
    if value is None or value == "":
        return ""
    return f"{floatformat(value, f'{decimals}g')} kr."


@register.filter
def pct(value, decimals: int = 1):
    """3.4 → '3,4 %'."""
    if value is None or value == "":
        return ""
    text = floatformat(value, f"{decimals}g")
    return f"{text} %"


@register.filter
def signed_pct(value, decimals: int = 1):
    """A change with its sign: '+3,4 %', '-1,0 %'."""
    text = pct(value, decimals)
    return f"+{text}" if text and Decimal(str(value)) > 0 else text


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
