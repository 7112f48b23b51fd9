"""Danish numbers in templates: 1.234,50 kr. and 3,4 %, written by partnership.formats."""

from django import template

from partnership import formats

register = template.Library()


def _shown(write, value, decimals: int) -> str:
    """A template shows nothing for a value that is not a number (as floatformat did)."""
    try:
        return write(value, int(decimals))
    except (TypeError, ValueError):
        return ""


@register.filter
def kr(value, decimals: int = 2):
    """1234.5 → '1.234,50 kr.' (empty for None)."""
    return _shown(formats.kr, value, decimals)


@register.filter
def pct(value, decimals: int = 1):
    """3.4 → '3,4 %'."""
    return _shown(formats.pct, value, decimals)


@register.filter
def signed_pct(value, decimals: int = 1):
    """A change with its sign: '+3,4 %', '-1,0 %'."""
    return _shown(formats.signed_pct, value, decimals)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
