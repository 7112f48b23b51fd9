"""Each tariff rule is written once, on the model (offers.models.Tariff, TariffAddOn), and
the three ways a tariff comes in say the same thing for the same input: the model's
full_clean(), the tariff page's forms (TariffForm, AddOnForm) and the import
(offers.imports.importer.parse_import).

The table lists the rules. Each one is run twice: as it is, and with every message of the
two models marked, so a path that checks the rule with a copy of its own (even one with the
same words) fails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import Promise

from offers import models as offer_models
from offers.imports import importer
from offers.models import PriceUnit, Tariff, TariffAddOn
from offers.selectors import current_year
from partnership.formats import parse_number
from tests.factories import PROVIDER, demo_user, make_offer, pl_rates

YEAR = current_year()  # on the test clock; pl_rates() sets this year and the two before
MARK = "[regel] "

# A good tariff as typed in the form and in the file, by model field.
GOOD_TARIFF = {
    "year": str(YEAR),
    "price": "2.650,50",
    "unit": "day",
    "occupancy_percent": "95",
    "vat_included": "nej",
    "overhead_amount": "",
}
TARIFF_COLUMNS = {
    "year": "takstår",
    "price": "takst",
    "unit": "enhed",
    "occupancy_percent": "belægning_pct",
    "vat_included": "moms_inkluderet",
    "overhead_amount": "overhead",
}
ADDON_COLUMNS = {"name": "tillæg_navn", "price": "tillæg_pris", "unit": "tillæg_enhed"}
UNIT_WORDS = {"day": "døgn", "month": "måned"}
ADDON_UNIT_WORDS = {
    PriceUnit.HOUR: "time",
    PriceUnit.DAY: "døgn",
    PriceUnit.KM: "km",
    PriceUnit.INDIVIDUAL: "individuel",
}

# (what is typed, the field that is wrong, the message): "tariff" rows change GOOD_TARIFF,
# "addon" rows are one add-on on a good tariff.
RULES = [
    ("tariff", {"price": "0"}, "price", "Taksten skal være over 0 kr."),
    ("tariff", {"price": "-2.650,00"}, "price", "Taksten skal være over 0 kr."),
    ("tariff", {"price": "2.650,505"}, "price", "Taksten må højst have 2 decimaler (øre)."),
    ("tariff", {"price": "12345678901"}, "price", "Taksten er for stor."),
    (
        "tariff",
        {"occupancy_percent": "0"},
        "occupancy_percent",
        "Belægningen skal være over 0 og højst 100 %.",
    ),
    (
        "tariff",
        {"occupancy_percent": "100,5"},
        "occupancy_percent",
        "Belægningen skal være over 0 og højst 100 %.",
    ),
    (
        "tariff",
        {"occupancy_percent": "95,123"},
        "occupancy_percent",
        "Belægningen må højst have 2 decimaler.",
    ),
    ("tariff", {"overhead_amount": "-1"}, "overhead_amount", "Overhead kan ikke være negativ."),
    (
        "tariff",
        {"overhead_amount": "10,005"},
        "overhead_amount",
        "Overhead må højst have 2 decimaler (øre).",
    ),
    (
        "tariff",
        {"overhead_amount": "3.000,00"},
        "overhead_amount",
        "Overhead kan ikke være større end taksten.",
    ),
    ("tariff", {"year": "1999"}, "year", "Takståret skal ligge mellem 2000 og 2100."),
    ("tariff", {"year": "2101"}, "year", "Takståret skal ligge mellem 2000 og 2100."),
    (
        "addon",
        {"name": "", "price": "450", "unit": PriceUnit.HOUR},
        "name",
        "Skriv navnet på tillægsydelsen.",
    ),
    (
        "addon",
        {"name": "x" * 201, "price": "450", "unit": PriceUnit.HOUR},
        "name",
        "Navnet på tillægsydelsen må højst være 200 tegn.",
    ),
    (
        "addon",
        {"name": "Ledsagelse", "price": "-5", "unit": PriceUnit.HOUR},
        "price",
        "Prisen for tillægsydelsen kan ikke være negativ.",
    ),
    (
        "addon",
        {"name": "Ledsagelse", "price": "4,505", "unit": PriceUnit.HOUR},
        "price",
        "Prisen for tillægsydelsen må højst have 2 decimaler (øre).",
    ),
    (
        "addon",
        {"name": "Ledsagelse", "price": "12345678901", "unit": PriceUnit.HOUR},
        "price",
        "Prisen for tillægsydelsen er for stor.",
    ),
    (
        "addon",
        {"name": "Ledsagelse", "price": "", "unit": PriceUnit.HOUR},
        "price",
        "Skriv prisen for tillægsydelsen, eller vælg enheden «individuel pris».",
    ),
    (
        "addon",
        {"name": "Særlig indsats", "price": "450", "unit": PriceUnit.INDIVIDUAL},
        "price",
        "Lad prisen stå tom, når tillægsydelsen har individuel pris.",
    ),
]


def _rule_id(rule) -> str:
    kind, changes, field, _message = rule
    shown = ",".join(f"{k}={v[:12]}" for k, v in changes.items())
    return f"{kind}-{field}-{shown}"


@pytest.fixture
def offer(demo):
    pl_rates()
    return make_offer(name="Botilbuddet Egelunden")


@pytest.fixture(params=[False, True], ids=["as-is", "marked"])
def marked(request, monkeypatch) -> bool:
    """With True every message of Tariff and TariffAddOn (validators, the codes of the
    fields' own checks, the messages of clean()) starts with MARK, for this test only."""
    if request.param:
        for model in (Tariff, TariffAddOn):
            for field in model._meta.fields:
                for validator in field.validators:
                    if isinstance(getattr(validator, "message", None), str | Promise):
                        monkeypatch.setattr(validator, "message", MARK + str(validator.message))
                for code, message in list(field.error_messages.items()):
                    monkeypatch.setitem(field.error_messages, code, MARK + str(message))
        for name in dir(offer_models):
            if name.endswith("_MESSAGE"):
                value = getattr(offer_models, name)
                monkeypatch.setattr(offer_models, name, MARK + str(value))
    return request.param


def _number(text: str, *, percent: bool = False) -> Decimal | None:
    return parse_number(text, percent=percent) if text else None


def through_the_model(kind: str, changes: dict) -> dict[str, list[str]]:
    typed = {**GOOD_TARIFF, **(changes if kind == "tariff" else {})}
    tariff = Tariff(
        year=int(typed["year"]),
        price=_number(typed["price"]),
        unit=typed["unit"],
        occupancy_percent=_number(typed["occupancy_percent"], percent=True),
        vat_included=typed["vat_included"] == "ja",
        overhead_amount=_number(typed["overhead_amount"]),
    )
    try:
        if kind == "tariff":
            tariff.full_clean(exclude=["offer", "created_by"])
        else:
            addon = TariffAddOn(
                name=changes["name"], price=_number(changes["price"]), unit=changes["unit"]
            )
            addon.full_clean(exclude=["tariff"])
    except ValidationError as exc:
        return exc.message_dict
    return {}


def through_the_form(client, offer, kind: str, changes: dict) -> dict[str, list[str]]:
    """The tariff page posted as a person does, with one add-on row."""
    typed = {**GOOD_TARIFF, **(changes if kind == "tariff" else {})}
    addon = (
        changes
        if kind == "addon"
        else {"name": "Ledsagelse", "price": "450", "unit": PriceUnit.HOUR}
    )
    data = {
        "year": typed["year"],
        "price": typed["price"],
        "unit": typed["unit"],
        "occupancy_percent": typed["occupancy_percent"],
        "overhead_amount": typed["overhead_amount"],
        "cost_note": "",
        "tillaeg-TOTAL_FORMS": "1",
        "tillaeg-INITIAL_FORMS": "0",
        "tillaeg-0-name": addon["name"],
        "tillaeg-0-price": addon["price"],
        "tillaeg-0-unit": addon["unit"],
    }
    if typed["vat_included"] == "ja":
        data["vat_included"] = "on"
    response = client.post(reverse("offers:tariff_create", args=[offer.pk]), data)
    assert response.status_code == 200, "the form accepted what the model refuses"
    form = response.context["form"] if kind == "tariff" else response.context["formset"][0]
    return {field: list(errors) for field, errors in form.errors.items()}


def through_the_import(offer, kind: str, changes: dict) -> dict[str, list[str]]:
    """A CSV file with one row, read and checked as the import page does."""
    typed = {**GOOD_TARIFF, **(changes if kind == "tariff" else {})}
    cells = dict.fromkeys(importer.COLUMNS, "")
    cells["tilbud_id"] = str(offer.pk)
    for field, column in TARIFF_COLUMNS.items():
        cells[column] = typed[field]
    cells["enhed"] = UNIT_WORDS[typed["unit"]]
    if kind == "addon":
        for field, column in ADDON_COLUMNS.items():
            cells[column] = changes[field]
        cells["tillæg_enhed"] = ADDON_UNIT_WORDS[changes["unit"]]
    data = "\r\n".join(
        [";".join(importer.COLUMNS), ";".join(cells[c] for c in importer.COLUMNS)]
    ).encode("utf-8-sig")
    result = importer.parse_import(data=data, filename="takster.csv", user=demo_user(PROVIDER))
    assert not result.file_errors, result.file_errors
    (row,) = result.rows
    columns = {**TARIFF_COLUMNS} if kind == "tariff" else {**ADDON_COLUMNS}
    fields = {column: field for field, column in columns.items()}
    errors: dict[str, list[str]] = {}
    for error in row.errors:
        errors.setdefault(fields.get(error.column, str(error.column)), []).append(error.message)
    return errors


@pytest.mark.parametrize("rule", RULES, ids=[_rule_id(r) for r in RULES])
def test_a_rule_says_the_same_through_the_model_the_form_and_the_import(
    as_provider, offer, marked, rule
):
    kind, changes, field, message = rule
    expected = MARK + message if marked else message

    model = through_the_model(kind, changes)
    form = through_the_form(as_provider, offer, kind, changes)
    imported = through_the_import(offer, kind, changes)

    assert model.get(field, [None])[0] == expected, model
    assert form.get(field, [None])[0] == expected, form
    assert imported.get(field, [None])[0] == expected, imported
    # The rule is the only thing wrong: nothing else is refused on any path.
    assert set(model) == {field}, model
    assert set(form) == {field}, form
    assert set(imported) == {field}, imported


class _Params(dict):
    """A message's parameters; those not given are left empty."""

    def __missing__(self, key: str) -> str:
        return ""


def test_every_message_of_the_table_is_the_models():
    """The table's messages are the ones the models hold (a message changed on the model is
    changed here, not copied)."""
    held = {str(getattr(offer_models, n)) for n in dir(offer_models) if n.endswith("_MESSAGE")}
    for model in (Tariff, TariffAddOn):
        for field in model._meta.fields:
            params = _Params(limit_value=field.max_length)
            held |= {str(m) % params for m in field.error_messages.values()}
            held |= {
                str(v.message) % _Params(limit_value=v.limit_value)
                for v in field.validators
                if hasattr(v, "message") and hasattr(v, "limit_value")
            }
    held |= {m.replace("%%", "%") for m in held}
    missing = sorted({message for _k, _c, _f, message in RULES} - held)
    assert not missing, missing


@pytest.mark.parametrize(
    ("reason", "message"),
    [("x" * 2001, "Begrundelsen må højst være 2000 tegn.")],
)
def test_the_reason_of_a_correction_is_the_models_rule_in_the_import(
    offer, marked, reason, message
):
    expected = MARK + message if marked else message
    tariff = Tariff(
        year=YEAR,
        price=Decimal("2650"),
        unit="day",
        occupancy_percent=Decimal("95"),
        correction_reason=reason,
    )
    with pytest.raises(ValidationError) as exc:
        tariff.full_clean(exclude=["offer", "created_by"], validate_constraints=False)
    assert exc.value.message_dict == {"correction_reason": [expected]}

    cells = dict.fromkeys(importer.COLUMNS, "")
    cells.update(
        {
            "tilbud_id": str(offer.pk),
            "takstår": str(YEAR),
            "takst": "2650",
            "enhed": "døgn",
            "belægning_pct": "95",
            "moms_inkluderet": "nej",
            "begrundelse": reason,
        }
    )
    data = "\r\n".join(
        [";".join(importer.COLUMNS), ";".join(cells[c] for c in importer.COLUMNS)]
    ).encode()
    result = importer.parse_import(data=data, filename="t.csv", user=demo_user(PROVIDER))
    assert [(e.column, e.message) for e in result.errors] == [("begrundelse", expected)]
