"""Danish numbers in templates: 1.234,50 kr. and 3,4 %, written by partnership.formats; and
the rows of a form's error summary."""

from django import template
from django.forms import BaseForm, BaseFormSet

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
def number(value, decimals: int = 2):
    """112.4 → '112,4' with number:1 (an index, a count with decimals)."""
    return _shown(formats.number, value, decimals)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def error_summary(value) -> list[tuple[str, str, str]]:
    """The errors of a form, a formset, or a list or dict of them, for the error summary
    (templates/includes/error_summary.html): (the field's id to link to, or "" for an
    error of the whole form; the field's label; the message), in the order shown."""
    if isinstance(value, BaseForm):
        rows = [("", "", str(e)) for e in value.non_field_errors()]
        for field in value:
            for e in field.errors:
                if field.is_hidden:
                    rows.append(("", "", str(e)))
                else:
                    rows.append((field.id_for_label or field.auto_id, str(field.label), str(e)))
        return rows
    if isinstance(value, BaseFormSet):
        rows = [("", "", str(e)) for e in value.non_form_errors()]
        return rows + [row for form in value for row in error_summary(form)]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [row for item in value for row in error_summary(item)]
    return []
