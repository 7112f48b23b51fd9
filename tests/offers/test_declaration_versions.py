"""Issue 13, finding 3: the declaration was not kept with the tariff (it could change after
a tariff was published, so nobody could say what the 2025 price included), and night
staffing and contact hours were separate yes/no questions that could contradict each
other. Publishing a tariff now keeps the declaration with it (in the database, whatever
way the tariff is published), the offer page shows the chosen year's and marks what changed
since the year before, and a draft shows what publishing it changes."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from offers import services
from offers.models import (
    DECLARATION_OPTION_MESSAGE,
    AnswerKind,
    DeclarationAnswer,
    DeclarationOption,
    DeclarationQuestion,
    Tariff,
    TariffDeclarationAnswer,
    TariffStatus,
)
from offers.selectors import current_year
from tests.factories import PROVIDER, TariffFactory, demo_user, make_offer, pl_rates, publish

YEAR = current_year()


def _answer(offer, key, answer, option=None, **extra):
    question = DeclarationQuestion.objects.get(key=key)
    DeclarationAnswer.objects.update_or_create(
        offer=offer,
        question=question,
        defaults={
            "answer": answer,
            "option": question.options.get(key=option) if option else None,
            **extra,
        },
    )
    return question


@pytest.fixture
def offer(demo):
    pl_rates()
    offer = make_offer(name="Åbrinken")
    _answer(offer, "transport", AnswerKind.INCLUDED)
    _answer(offer, "nattevagt", AnswerKind.INCLUDED, option="vaagen")
    return offer


def _kept(tariff) -> dict[str, str]:
    return {
        d.question.key: d.answer
        for d in TariffDeclarationAnswer.objects.filter(tariff=tariff).select_related("question")
    }


def _publish_with_service(offer, year, price="2600"):
    by = demo_user(PROVIDER)
    draft, _ = services.save_new_tariff(
        offer=offer,
        year=year,
        fields={
            "price": Decimal(price),
            "unit": "day",
            "occupancy_percent": Decimal("95"),
            "vat_included": False,
            "overhead_amount": None,
            "cost_note": "",
        },
        addons=[],
        by=by,
    )
    return services.publish_tariff(tariff=draft, by=by)


def test_what_last_years_price_included_survives_a_change_of_the_declaration(as_provider, offer):
    last_year = publish(offer, YEAR - 1, "2500")
    transport = DeclarationQuestion.objects.get(key="transport")
    # After last year's tariff was published, the provider starts charging for transport.
    services.save_declaration(
        offer=offer,
        answers={
            transport.pk: {"answer": AnswerKind.EXTRA, "price": Decimal("4.10"), "unit": "km"}
        },
        by=demo_user(PROVIDER),
    )
    assert _kept(last_year)["transport"] == AnswerKind.INCLUDED

    page = as_provider.get(offer.get_absolute_url() + f"?aar={YEAR - 1}")
    shown = page.context["declaration"]
    assert shown.year == YEAR - 1 and shown.kept
    row = next(a for a in shown.rows if a["text"] == transport.text)
    assert row["display"] == "Indeholdt i taksten"
    # The provider is told the change goes with the next tariff.
    assert [c.text for c in page.context["declaration_changed_since"]] == [transport.text]

    # This year's tariff keeps the new answer, and the page marks it against last year's.
    this_year = _publish_with_service(offer, YEAR)
    assert _kept(this_year)["transport"] == AnswerKind.EXTRA
    page = as_provider.get(offer.get_absolute_url())
    shown = page.context["declaration"]
    assert shown.year == YEAR and shown.previous.pk == last_year.pk
    row = next(a for a in shown.rows if a["text"] == transport.text)
    assert row["display"] == "Mod betaling: 4,10 kr. pr. km"
    assert row["before"] == "Indeholdt i taksten"
    assert shown.changed_count == 1
    body = page.content.decode()
    assert "1 svar er ændret siden" in body and 'class="changed"' in body


def test_every_way_of_publishing_keeps_the_declaration(offer):
    """The form's service, an UPDATE of drafts (as the demo and the factories publish) and a
    bulk insert of published rows (as a bulk import may) all keep it: it is the database's
    trigger, not a step each caller has to remember."""
    answered = {"transport", "nattevagt"}
    by_service = _publish_with_service(offer, YEAR - 2)
    by_update = TariffFactory(offer=offer, year=YEAR - 1)
    by_bulk = Tariff.objects.bulk_create(
        [
            Tariff(
                offer=offer,
                year=YEAR,
                version=1,
                status=TariffStatus.PUBLISHED,
                price=Decimal("2700"),
                unit="day",
                occupancy_percent=Decimal("95"),
                created_by=demo_user(PROVIDER),
                published_by=demo_user(PROVIDER),
                published_at=timezone.now(),
            )
        ]
    )[0]
    draft = TariffFactory(offer=offer, year=YEAR + 1, published=False)
    for tariff in (by_service, by_update, by_bulk):
        assert set(_kept(tariff)) == answered, tariff
    assert _kept(draft) == {}


def test_the_kept_declaration_is_written_by_the_database_only(offer):
    tariff = publish(offer, YEAR, "2500")
    kept = TariffDeclarationAnswer.objects.filter(tariff=tariff).first()
    question = DeclarationQuestion.objects.get(key="kost")
    attempts = [
        lambda: TariffDeclarationAnswer.objects.create(
            tariff=tariff, question=question, answer=AnswerKind.INCLUDED
        ),
        lambda: TariffDeclarationAnswer.objects.filter(pk=kept.pk).update(
            answer=AnswerKind.NOT_OFFERED
        ),
        lambda: TariffDeclarationAnswer.objects.filter(pk=kept.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    assert _kept(tariff) == {"transport": "included", "nattevagt": "included"}


def test_night_staffing_is_one_question_with_exclusive_answers(offer):
    night = DeclarationQuestion.objects.get(key="nattevagt")
    assert [o.key for o in night.options.all()] == ["vaagen", "sovende"]
    assert not DeclarationQuestion.objects.filter(
        key__in=["vaagen-nattevagt", "sovende-nattevagt"], is_active=True
    ).exists()
    contact = DeclarationQuestion.objects.get(key="kontakt-personale")
    assert [o.key for o in contact.options.all()] == ["doegnet-rundt", "dagtimer"]

    # "Included" without saying which: the model's rule, and the database's.
    answer = DeclarationAnswer(offer=offer, question=night, answer=AnswerKind.INCLUDED)
    with pytest.raises(ValidationError) as error:
        answer.clean()
    assert error.value.message_dict["option"] == [str(DECLARATION_OPTION_MESSAGE)]
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationAnswer.objects.filter(offer=offer, question=night).update(option=None)
    # Another question's option is refused too.
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationAnswer.objects.filter(offer=offer, question=night).update(
            option=contact.options.first()
        )
    # "Tilbydes ikke" has no option.
    answer = DeclarationAnswer(
        offer=offer, question=night, answer=AnswerKind.NOT_OFFERED, option=night.options.first()
    )
    answer.clean()
    assert answer.option is None


def test_the_form_asks_which_night_watch_and_keeps_what_was_typed(as_provider, offer):
    night = DeclarationQuestion.objects.get(key="nattevagt")
    data = {}
    for q in DeclarationQuestion.objects.filter(is_active=True):
        data[f"q{q.pk}-answer"] = "not_offered"
    data[f"q{night.pk}-answer"] = "extra"
    data[f"q{night.pk}-price"] = "350,00"
    data[f"q{night.pk}-unit"] = "hour"
    url = reverse("offers:declaration_edit", args=[offer.pk])
    response = as_provider.post(url, data)
    body = response.content.decode()
    assert "Vælg en af svarmulighederne" in body and 'value="350,00"' in body
    data[f"q{night.pk}-option"] = str(night.options.get(key="sovende").pk)
    assert as_provider.post(url, data).status_code == 302
    saved = offer.declaration_answers.get(question=night)
    assert (saved.answer, saved.option.key, saved.price) == ("extra", "sovende", 350)


def test_the_merge_of_the_old_questions(offer):
    """Migration offers/0012: an offer that answered the old yes/no questions gets the
    stronger option it answered as included or paid for; "Tilbydes ikke" to both stays."""
    migration = import_module("offers.migrations.0012_declaration_versions")
    both_ways = make_offer(name="Bakkehuset")
    neither = make_offer(name="Engly")
    DeclarationAnswer.objects.filter(question__key__in=["nattevagt"]).delete()
    for o, vaagen, sovende in (
        (both_ways, AnswerKind.NOT_OFFERED, AnswerKind.INCLUDED),
        (neither, AnswerKind.NOT_OFFERED, AnswerKind.NOT_OFFERED),
    ):
        _answer(o, "vaagen-nattevagt", vaagen)
        _answer(o, "sovende-nattevagt", sovende)
    migration.forward(apps, None)
    night = {
        a.offer_id: (a.answer, a.option.key if a.option else None)
        for a in DeclarationAnswer.objects.filter(question__key="nattevagt")
    }
    assert night[both_ways.pk] == ("included", "sovende")
    assert night[neither.pk] == ("not_offered", None)
    assert not DeclarationAnswer.objects.filter(question__key="vaagen-nattevagt").exists()


def test_a_draft_shows_what_publishing_it_changes(as_provider, offer):
    """Before publishing, the draft page lists old against new: the tariff's figures, the
    add-ons and the declaration answers that will be kept with it."""
    TariffFactory(
        offer=offer,
        year=YEAR,
        price="3000",
        vat_included=True,
        overhead_amount=Decimal("212.38"),
        addons=[("Ekstra støtte 1:1", Decimal("465"), "hour"), ("Kørsel", Decimal("3.79"), "km")],
    )
    by = demo_user(PROVIDER)
    draft = services.start_correction(tariff=Tariff.objects.get(offer=offer, year=YEAR), by=by)
    services.save_tariff_draft(
        offer=offer,
        year=YEAR,
        fields={
            "price": Decimal("3150"),
            "unit": "day",
            "occupancy_percent": Decimal("95"),
            "vat_included": True,
            "overhead_amount": Decimal("212.38"),
            "cost_note": "",
        },
        addons=[{"name": "Ekstra støtte 1:1", "price": Decimal("480"), "unit": "hour"}],
        by=by,
        draft=draft,
    )
    _answer(offer, "nattevagt", AnswerKind.INCLUDED, option="sovende")
    page = as_provider.get(reverse("offers:tariff_edit", args=[offer.pk, draft.pk]))
    diff = page.context["diff"]
    assert diff.is_correction and diff.base.version == 1
    changed = {line.label: (line.before, line.after) for line in diff.lines if line.changed}
    assert changed == {
        "Takst": ("3.000,00 kr. pr. døgn", "3.150,00 kr. pr. døgn"),
        "Månedspris": ("91.250,00 kr.", "95.812,50 kr."),
    }
    assert {line.label: (line.before, line.after) for line in diff.addons} == {
        "Ekstra støtte 1:1": ("465,00 kr. pr. time", "480,00 kr. pr. time"),
        "Kørsel": ("3,79 kr. pr. km", "–"),
    }
    assert [(c.before, c.after) for c in diff.declaration] == [
        (
            "Vågen nattevagt: Indeholdt i taksten",
            "Sovende nattevagt, der kan vækkes: Indeholdt i taksten",
        )
    ]
    body = page.content.decode()
    assert "Det ændres i forhold til version 1" in body
    assert "5 ændringer er markeret" in body


def test_options_are_guarded_reference_data():
    """The option labels are typed by the secretariat: CPR-guarded like every text field."""
    field = DeclarationOption._meta.get_field("label")
    assert field.__class__.__module__ == "partnership.fields"
