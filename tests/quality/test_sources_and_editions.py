"""Quality with a source and a version (issue 13, finding 5).

Scores labelled as Socialtilsynet's come only from the secretariat, with the report's date;
a provider's own are shown as "oplyst af leverandøren", and caseworkers see who entered
them. The quality model is dated reference data: an assessment keeps the edition it was
made in, and its radar chart draws that edition's themes (7 before L 200, 5 after)."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from partnership.models import Organisation
from quality import services
from quality.models import Assessment, Criterion, Framework, Origin
from tests.conftest import danish_date
from tests.factories import demo_user, logged_in, make_offer

SECRETARIAT = "sekretariat@portal.example"
PROVIDER = "leverandoer.a@portal.example"
CASEWORKER = "sagsbehandler.slagelse@portal.example"
REMOVED_BY_L200 = ("Uddannelse og beskæftigelse", "Selvstændighed og relationer")


@pytest.fixture
def l200(frameworks):
    return frameworks["kvalitetsmodel-l200"]


def _form_data(framework, origin, day, score="4"):
    return {
        "ramme": framework.key,
        "origin": origin,
        "assessed_on": day.isoformat(),
        "source": "Tilsynsrapport fra Socialtilsyn Øst",
        **{f"score_{t.pk}": score for t in framework.themes.filter(is_active=True)},
    }


def _radar_axes(body: str) -> list[int]:
    """The number of axes (spokes) of each radar chart on the page."""
    return [
        svg.count("<line ")
        for svg in re.findall(r'<svg class="chart radar-chart".*?</svg>', body, re.S)
    ]


# --- Whose scores -------------------------------------------------------------------------


def test_provider_is_offered_only_its_own_scores(as_provider, model, offer):
    body = as_provider.get(reverse("quality:assessment_create", args=[offer.pk])).content.decode()
    assert 'value="provider"' in body
    assert 'value="socialtilsynet"' not in body


def test_provider_cannot_post_socialtilsynets_scores(as_provider, model, offer, today):
    r = as_provider.post(
        reverse("quality:assessment_create", args=[offer.pk]),
        _form_data(model, Origin.SOCIALTILSYNET, today),
    )
    assert r.status_code == 200
    assert "Du kan ikke registrere scorer med denne kilde." in r.content.decode()
    assert not Assessment.objects.filter(offer=offer).exists()


def test_service_refuses_socialtilsynets_scores_from_a_provider(model, offer, today):
    with pytest.raises(PermissionDenied, match="Kun sekretariatet"):
        services.create_assessment(
            offer=offer,
            framework=model,
            origin=Origin.SOCIALTILSYNET,
            assessed_on=today,
            scores={model.themes.first().pk: 4},
            by=demo_user(PROVIDER),
        )
    # The secretariat does not enter a provider's own scores in its name either.
    with pytest.raises(PermissionDenied):
        services.create_assessment(
            offer=offer,
            framework=model,
            origin=Origin.PROVIDER,
            assessed_on=today,
            scores={model.themes.first().pk: 4},
            by=demo_user(SECRETARIAT),
        )
    assert not Assessment.objects.filter(offer=offer).exists()


def test_model_and_database_refuse_a_socialtilsynet_label_from_a_provider(model, offer, today):
    provider = offer.provider
    secretariat_org = Organisation.objects.get(slug="kkr-sjaelland")
    row = Assessment(
        offer=offer,
        framework=model,
        origin=Origin.SOCIALTILSYNET,
        assessed_on=today,
        entered_by_organisation=provider,
        created_by=demo_user(PROVIDER),
    )
    with pytest.raises(ValidationError, match="Kun sekretariatet"):
        row.full_clean()
    for org in (provider, secretariat_org):  # the provider's own, or claiming the secretariat
        with pytest.raises(IntegrityError), transaction.atomic():
            Assessment.objects.create(
                offer=offer,
                framework=model,
                origin=Origin.SOCIALTILSYNET,
                assessed_on=today,
                entered_by_organisation=org,
                created_by=demo_user(PROVIDER),
            )
    own = services.create_assessment(
        offer=offer,
        framework=model,
        origin=Origin.PROVIDER,
        assessed_on=today,
        scores={model.themes.first().pk: 5},
        by=demo_user(PROVIDER),
    )
    # Relabelling the provider's own scores afterwards, by raw SQL.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE quality_assessment SET origin = 'socialtilsynet', "
            "entered_by_organisation_id = %s WHERE id = %s",
            [secretariat_org.pk, own.pk],
        )
    own.refresh_from_db()
    assert own.origin == Origin.PROVIDER


def test_caseworker_sees_whose_scores_and_who_entered_them(model, offer, today):
    report_day = today - timedelta(days=40)
    secretariat = logged_in(SECRETARIAT)
    r = secretariat.post(
        reverse("quality:assessment_create", args=[offer.pk]),
        _form_data(model, Origin.SOCIALTILSYNET, report_day),
    )
    assert r.status_code == 302, r.content.decode()
    provider = logged_in(PROVIDER)
    r = provider.post(
        reverse("quality:assessment_create", args=[offer.pk]),
        {**_form_data(model, Origin.PROVIDER, today, score="5"), "source": "Egen måling"},
    )
    assert r.status_code == 302, r.content.decode()

    body = logged_in(CASEWORKER).get(offer.get_absolute_url()).content.decode()
    assert f"Socialtilsynet, rapport af {danish_date(report_day)}" in body
    assert f"Oplyst af leverandøren {danish_date(today)}" in body
    assert "Indtastet af Sara Sekretariat, KKR Sjælland" in body
    assert f"Indtastet af {demo_user(PROVIDER).name}, {offer.provider.name}" in body
    # The provider's own scores do not hide Socialtilsynet's: one chart each.
    assert _radar_axes(body) == [7, 7]


# --- Editions of the model -----------------------------------------------------------------


def test_the_l200_edition_is_seeded_with_five_themes_and_no_date(model, l200, today):
    assert model.themes.count() == 7
    assert Criterion.objects.filter(theme__framework=model).count() == 11
    assert not Criterion.objects.filter(theme__framework=l200, parent__isnull=False).exists()
    assert [t.name for t in l200.themes.all()] == [
        "Målgruppe, metoder og resultater",
        "Sundhed og trivsel",
        "Organisation og ledelse",
        "Kompetencer",
        "Fysiske rammer",
    ]
    assert (l200.family, l200.is_active, l200.valid_from) == (model.family, False, None)
    assert list(Framework.objects.in_force(today).filter(family=model.family)) == [model]


def test_old_assessment_keeps_seven_themes_after_l200_and_a_new_one_draws_five(model, l200, today):
    old_offer, new_offer = make_offer(name="Bofællesskabet Lærken"), make_offer(name="Solgården")
    secretariat = logged_in(SECRETARIAT)
    url = reverse("quality:assessment_create", args=[old_offer.pk])
    # Before L 200 is in force, the form is the 2014 model's.
    assert "Uddannelse og beskæftigelse" in secretariat.get(url).content.decode()
    r = secretariat.post(url, _form_data(model, Origin.SOCIALTILSYNET, today - timedelta(days=30)))
    assert r.status_code == 302

    # The secretariat sets the date L 200 takes effect on the reference page.
    frameworks_page = secretariat.get(reverse("quality:frameworks")).content.decode()
    assert "Ikke i brug: datoen for ikrafttræden er ikke fastsat." in frameworks_page
    takes_effect = today - timedelta(days=10)
    r = secretariat.post(
        reverse("quality:framework_activate", args=[l200.pk]),
        {"valid_from": takes_effect.isoformat()},
    )
    assert r.status_code == 302
    frameworks_page = secretariat.get(reverse("quality:frameworks")).content.decode()
    assert f"Gælder fra {danish_date(takes_effect)}" in frameworks_page
    assert f"til og med {danish_date(takes_effect - timedelta(days=1))}" in frameworks_page

    # A new assessment is made in the edition in force: five themes.
    new_url = reverse("quality:assessment_create", args=[new_offer.pk])
    form = secretariat.get(new_url).content.decode()
    assert not any(name in form for name in REMOVED_BY_L200)
    r = secretariat.post(new_url, _form_data(l200, Origin.SOCIALTILSYNET, today))
    assert r.status_code == 302
    assert new_offer.quality_assessments.get().framework == l200

    caseworker = logged_in(CASEWORKER)
    old_page = caseworker.get(old_offer.get_absolute_url()).content.decode()
    new_page = caseworker.get(new_offer.get_absolute_url()).content.decode()
    assert _radar_axes(old_page) == [7]
    assert all(name in old_page for name in REMOVED_BY_L200)
    assert _radar_axes(new_page) == [5]
    assert not any(name in new_page for name in REMOVED_BY_L200)
    # Side by side in the comparison too.
    session = caseworker.session
    session["compare_offers"] = [old_offer.pk, new_offer.pk]
    session.save()
    assert _radar_axes(caseworker.get(reverse("offers:compare")).content.decode()) == [7, 5]


def test_an_assessment_is_made_in_the_edition_of_its_date(model, l200, offer, today):
    secretariat = demo_user(SECRETARIAT)
    takes_effect = today - timedelta(days=10)
    services.activate_framework(framework=l200, valid_from=takes_effect, by=secretariat)

    def assess(framework, day):
        return services.create_assessment(
            offer=offer,
            framework=framework,
            origin=Origin.SOCIALTILSYNET,
            assessed_on=day,
            scores={framework.themes.first().pk: 3},
            by=secretariat,
        )

    # A report from before L 200 is entered on the 2014 model, after it on L 200 only.
    assert assess(model, takes_effect - timedelta(days=1)).framework == model
    with pytest.raises(ValidationError, match="gjaldt Socialtilsynets kvalitetsmodel \\(L 200\\)"):
        assess(model, takes_effect)
    with pytest.raises(ValidationError, match="gjaldt Socialtilsynets kvalitetsmodel"):
        assess(l200, takes_effect - timedelta(days=1))
    assert assess(l200, takes_effect).framework == l200
    # The date cannot then move past the assessments made on the edition.
    with pytest.raises(ValidationError, match="Der er vurderinger efter denne udgave"):
        services.activate_framework(
            framework=l200, valid_from=takes_effect + timedelta(days=1), by=secretariat
        )


def test_activation_rules(model, l200, today, as_secretariat):
    with pytest.raises(PermissionDenied):
        services.activate_framework(framework=l200, valid_from=today, by=demo_user(PROVIDER))
    # Not before (or on) the date the edition it replaces took effect.
    r = as_secretariat.post(
        reverse("quality:framework_activate", args=[l200.pk]),
        {"valid_from": model.valid_from.isoformat()},
    )
    assert r.status_code == 200
    assert "Datoen skal ligge efter" in r.content.decode()
    l200.refresh_from_db()
    assert (l200.is_active, l200.valid_from) == (False, None)
    # "I brug" without a date, next to an edition in force from the start: refused.
    Framework.objects.filter(pk=model.pk).update(valid_from=None)
    r = as_secretariat.post(
        reverse("quality:framework_edit", args=[l200.pk]),
        {"ramme-name": l200.name, "ramme-order": "11", "ramme-is_active": "on"},
    )
    assert r.status_code == 200
    assert "Sæt en dato" in r.content.decode()
    l200.refresh_from_db()
    assert not l200.is_active
    # A dialogue started today offers the edition in force today only.
    secretariat = demo_user(SECRETARIAT)
    services.activate_framework(framework=l200, valid_from=today, by=secretariat)
    # The earlier edition's date may move, but not past the later one's.
    services.activate_framework(
        framework=model, valid_from=today.replace(day=1) - timedelta(days=400), by=secretariat
    )
    with pytest.raises(ValidationError, match="Datoen skal ligge før"):
        services.activate_framework(framework=model, valid_from=today, by=secretariat)
    caseworker = logged_in(CASEWORKER)
    page = caseworker.get(
        reverse("quality:dialogue_create") + "?kommune=slagelse&leverandoer=bostedet-egelund"
    ).content.decode()
    assert "Socialtilsynets kvalitetsmodel (L 200)" in page
    assert ">Socialtilsynets kvalitetsmodel<" not in page


def test_secretariat_keeps_criteria_and_indicators(model, l200, as_secretariat):
    theme = model.themes.get(name="Sundhed og trivsel")
    criterion = theme.criteria.get(code="5")
    url = reverse("quality:criterion_create", args=[model.pk, theme.pk])
    r = as_secretariat.post(
        url, {"parent": criterion.pk, "code": "5a", "text": "Borgerne trives.", "order": "1"}
    )
    assert r.status_code == 302
    assert [i.code for i in criterion.indicators.all()] == ["5a"]
    # A criterion of another theme (or edition) is no parent; a code is used once per theme.
    other = l200.themes.get(name="Sundhed og trivsel").criteria.get(code="5")
    r = as_secretariat.post(url, {"parent": other.pk, "code": "5b", "text": "x", "order": "2"})
    assert r.status_code == 200 and not theme.criteria.filter(code="5b").exists()
    r = as_secretariat.post(url, {"code": "5a", "text": "Igen", "order": "3"})
    assert r.status_code == 200 and theme.criteria.filter(code="5a").count() == 1
    page = as_secretariat.get(reverse("quality:frameworks")).content.decode()
    assert "Indikator 5a: Borgerne trives." in page
    # The L 200 edition's theme of the same name is untouched.
    assert not other.indicators.exists()
