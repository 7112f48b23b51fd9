"""The search form's options (paragraphs, target groups, municipalities, branch organisations,
ownership and order), drawn once per data generation and language instead of once per query.

The options are most of the filter column's markup and depend only on the reference data
(so the generation, offers.search.selectors.search_generation()) and the language; which of
them are checked is the request's. Each option is drawn here twice, as it is and checked,
by templates/offers/_search_option.html (the one template for an option's markup, which the
filter column includes too when nothing is cached), and the pieces are cached under the
generation; a request then picks, for each option, the piece its query checks.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .selectors import Generation, generation_cached

OPTION_TEMPLATE = "offers/_search_option.html"
KINDS = ("checkboxes", "select")

# For each field with options, by name: its options' (value, piece as it is, piece checked).
Pieces = dict[str, list[tuple[str, str, str]]]


def _option(field: dict[str, Any], option: tuple) -> tuple[str, bool, dict[str, Any]]:
    """(value, checked, the option template's context) of one of filter_fields()' options:
    (value, id, checked, label) for checkboxes, (value, selected, label) for a select."""
    if field["kind"] == "checkboxes":
        value, id_, checked, label = option
    else:
        (value, checked, label), id_ = option, ""
    context = {"kind": field["kind"], "name": field["name"], "value": value, "id": id_}
    return str(value), checked, {**context, "label": label}


def _pieces(fields: list[dict[str, Any]]) -> Pieces:
    template = get_template(OPTION_TEMPLATE)
    pieces: Pieces = {}
    for field in fields:
        if field["kind"] not in KINDS:
            continue
        pieces[field["name"]] = []
        for option in field["options"]:
            value, _checked, context = _option(field, option)
            pieces[field["name"]].append(
                (
                    value,
                    template.render({**context, "checked": False}),
                    template.render({**context, "checked": True}),
                )
            )
    return pieces


def pieces_key(generation: Generation) -> str:
    """The key the pieces are kept under: the generation's (the reference data's) and the
    language's."""
    return generation.key("options", translation.get_language())


def mark_options(fields: list[dict[str, Any]], generation: Generation | None) -> None:
    """Give each field with options its options' markup as `options_html`, checked as the
    query has them, from the pieces drawn once per generation and language. A field with an
    error (its options say so) or unlike the cached pieces is left to the template's loop."""
    if generation is None:
        return
    pieces: Pieces = generation_cached(pieces_key(generation), lambda: _pieces(fields))
    for field in fields:
        drawn = pieces.get(field["name"])
        if field["kind"] not in KINDS or field["errors"] or drawn is None:
            continue
        options = [_option(field, option)[:2] for option in field["options"]]
        if [value for value, _checked in options] != [value for value, _off, _on in drawn]:
            continue
        field["options_html"] = _join(
            on if checked else off
            for (_value, checked), (_v, off, on) in zip(options, drawn, strict=True)
        )


def _join(parts: Any) -> SafeString:
    # The pieces are the option template's output, escaped there.
    return mark_safe("".join(parts))  # noqa: S308
