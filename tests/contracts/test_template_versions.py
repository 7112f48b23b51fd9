"""Issue 14, finding 6: the standard contracts can be read before a contract is made, and
the secretariat renews them: a new version drafted (clauses edited, a change note), shown
against the published one, published; new contracts use it, existing ones keep theirs, and
a published version never changes (the model, the ORM's updates, raw SQL)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from contracts.models import (
    ContractTemplate,
    PublishedTemplateError,
    TemplateClause,
    TemplateKind,
    TemplateStatus,
)
from contracts.standards import selectors, services
from partnership.intents import AlreadyDone
from tests.factories import (
    SECRETARIAT,
    demo_user,
    logged_in,
    make_contract,
    make_offer,
    pl_rates,
    publish,
)

KL_WORDING = (
    "Kontrakten indgås mellem den kommune, der køber pladsen (handlekommunen), og "
    "leverandøren. Parternes kontaktpersoner fremgår af kontraktens forside."
)


def published(kind: str = "adults_outside") -> ContractTemplate:
    return ContractTemplate.objects.get(kind=kind, status=TemplateStatus.PUBLISHED)


@pytest.fixture
def secretariat(demo):
    return demo_user(SECRETARIAT)


@pytest.fixture
def offer(demo, today):
    pl_rates()
    o = make_offer(name="Bostedet Lærken")
    publish(o, today.year, "2400")
    return o


def new_version(secretariat, kind="adults_outside", clause_texts=None, note="KL's ordlyd."):
    """A published new version of the kind, with the clauses' texts by number replaced."""
    draft = services.start_new_version(template=published(kind), by=secretariat)
    for number, text in (clause_texts or {}).items():
        services.update_draft_clause(
            clause=draft.clauses.get(number=number),
            fields={"text": text, "is_summary": False},
            by=secretariat,
        )
    services.update_draft(template=draft, fields={"change_note": note}, by=secretariat)
    return services.publish_template(template=draft, by=secretariat)


# --- Finding 6: nothing showed a template before a contract was made -----------------------


@pytest.mark.parametrize("client_fixture", ["as_caseworker", "as_provider"])
def test_every_member_reads_the_templates_and_their_clauses(request, client_fixture, demo):
    client = request.getfixturevalue(client_fixture)
    page = client.get(reverse("contracts:template_list")).content.decode()
    for kind, label in TemplateKind.choices:
        assert str(label) in page
        assert published(kind).get_absolute_url() in page

    page = client.get(published().get_absolute_url()).content.decode()
    for clause in published().clauses.all():
        assert f"{clause.number}. {clause.title}" in page
        assert clause.text.split(".")[0] in page
    # Changeable or not, and the summaries marked as the portal's.
    assert "Kan ikke ændres" in page
    assert "Kommunen må ændre punktet" in page
    assert "Resumé, ikke KL&#x27;s ordlyd" in page or "Resumé, ikke KL's ordlyd" in page
    # A member sees no way to change it.
    assert "Opret ny version" not in page


def test_the_contract_pages_link_to_the_templates(as_caseworker, offer):
    url = reverse("contracts:template_list")
    page = as_caseworker.get(reverse("contracts:contract_create") + f"?tilbud={offer.pk}")
    assert url in page.content.decode()


def test_the_price_regulation_clause_names_the_latest_pl_rate(as_caseworker, demo, today):
    pl_rates(**{f"y{today.year}": "2.1", f"y{today.year + 1}": "3.4"})
    page = as_caseworker.get(published().get_absolute_url()).content.decode()
    assert f"(takstår {today.year + 1}): 3,40 %" in page
    assert selectors.pl_uprating().year == today.year + 1


# --- The secretariat drafts, compares and publishes -----------------------------------------


def test_secretariat_replaces_a_summary_with_kl_wording_and_publishes(as_secretariat, demo):
    old = published()
    response = as_secretariat.post(reverse("contracts:template_new_version", args=[old.pk]))
    draft = ContractTemplate.objects.get(kind=old.kind, status=TemplateStatus.DRAFT)
    assert response.url == draft.get_absolute_url()
    assert draft.version == "2.1" and draft.previous == old
    assert list(draft.clauses.values_list("number", "title", "text", "changeable")) == list(
        old.clauses.values_list("number", "title", "text", "changeable")
    )

    clause = draft.clauses.get(number="1")
    url = reverse("contracts:template_clause_edit", args=[draft.pk, clause.pk])
    response = as_secretariat.post(url, {"text": KL_WORDING})  # changeable and summary off
    assert response.status_code == 302
    clause.refresh_from_db()
    assert (clause.text, clause.changeable, clause.is_summary) == (KL_WORDING, False, False)

    # The draft against the published version: the changed words, the marking.
    page = as_secretariat.get(draft.get_absolute_url()).content.decode()
    assert '<ins class="diff-ins">' in page and '<del class="diff-del">' in page
    assert "Før: portalens resumé. Nu: KL" in page

    # No change note: not published.
    response = as_secretariat.post(reverse("contracts:template_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT
    response = as_secretariat.post(
        reverse("contracts:template_publish", args=[draft.pk]), follow=True
    )
    assert "ændringsnote" in response.content.decode()

    response = as_secretariat.post(
        reverse("contracts:template_edit", args=[draft.pk]),
        {"version": "2.1", "valid_from": draft.valid_from.isoformat(), "change_note": ""},
    )
    assert response.status_code == 200
    assert "Skriv, hvad der er ændret" in response.content.decode()
    as_secretariat.post(
        reverse("contracts:template_edit", args=[draft.pk]),
        {
            "version": "2.1",
            "valid_from": draft.valid_from.isoformat(),
            "change_note": "Punkt 1 med KL's ordlyd.",
        },
    )
    as_secretariat.post(reverse("contracts:template_publish", args=[draft.pk]))
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == TemplateStatus.PUBLISHED and draft.published_at is not None
    assert old.status == TemplateStatus.REPLACED and old.replaced_at is not None
    assert published() == draft


def test_members_see_neither_drafts_nor_the_secretariats_actions(
    as_caseworker, as_provider, secretariat
):
    draft = services.start_new_version(template=published(), by=secretariat)
    for client in (as_caseworker, as_provider):
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert "2.1" not in client.get(reverse("contracts:template_list")).content.decode()
        response = client.post(reverse("contracts:template_publish", args=[draft.pk]))
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.publish_template(
            template=draft, by=demo_user("sagsbehandler.slagelse@portal.example")
        )
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT


def test_one_draft_per_kind(secretariat):
    draft = services.start_new_version(template=published(), by=secretariat)
    with pytest.raises(AlreadyDone) as done:
        services.start_new_version(template=published(), by=secretariat)
    assert done.value.existing == draft


def test_a_clause_keeps_its_terms_wording(secretariat):
    draft = services.start_new_version(template=published(), by=secretariat)
    clause = draft.clauses.get(number="8")
    with pytest.raises(ValidationError) as refused:
        services.update_draft_clause(
            clause=clause, fields={"text": "Kontrakten kan opsiges."}, by=secretariat
        )
    assert "opsigelsesvarslet" in str(refused.value)


def test_kl_structure_is_kept_in_a_new_version(secretariat):
    for kind in TemplateKind.values:
        version = new_version(secretariat, kind)
        assert list(version.clauses.values_list("number", "title")) == list(
            version.previous.clauses.values_list("number", "title")
        )


# --- New contracts use the published version, existing ones keep theirs --------------------


def test_new_contracts_use_the_published_version_existing_keep_theirs(secretariat, offer):
    before = make_contract(offer=offer)
    old_version = before.template
    old_text = before.clauses.get(number="1").text

    version = new_version(secretariat, clause_texts={"1": KL_WORDING})

    after = make_contract(offer=offer)  # the factory names version 2.0: the kind is what counts
    assert after.template == version
    assert after.clauses.get(number="1").text == KL_WORDING
    before.refresh_from_db()
    assert before.template == old_version
    assert before.clauses.get(number="1").text == old_text
    # Each contract's page links to the version it was made from.
    client = logged_in("sagsbehandler.naestved@portal.example")
    assert old_version.get_absolute_url() in client.get(before.get_absolute_url()).content.decode()
    assert version.get_absolute_url() in client.get(after.get_absolute_url()).content.decode()
    # The other kinds are untouched.
    assert make_contract(offer=offer, kind="adults_inside").template.version == "2.0"


# --- A published version never changes ------------------------------------------------------


def _refused_by_database(sql: str, params=()):
    with pytest.raises((IntegrityError, DatabaseError)) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(refused.value)


@pytest.mark.parametrize("state", ["published", "replaced"])
def test_a_published_version_cannot_change(secretariat, state):
    template = published()
    if state == "replaced":
        new_version(secretariat)
        template.refresh_from_db()
        assert template.status == TemplateStatus.REPLACED
    clause = template.clauses.get(number="2")

    # The model.
    template.title = "Ændret"
    with pytest.raises(PublishedTemplateError):
        template.save()
    with pytest.raises(PublishedTemplateError):
        template.delete()
    clause.text = "Ændret"
    with pytest.raises(PublishedTemplateError):
        clause.save()
    with pytest.raises(PublishedTemplateError):
        clause.delete()
    with pytest.raises(PublishedTemplateError):
        TemplateClause(template=template, number="12", order=12, title="Nyt", text="Nyt").save()
    # The ORM's updates, which go past save().
    for change in (
        lambda: ContractTemplate.objects.filter(pk=template.pk).update(title="Ændret"),
        lambda: ContractTemplate.objects.filter(pk=template.pk).update(status="draft"),
        lambda: TemplateClause.objects.filter(pk=clause.pk).update(text="Ændret"),
        lambda: TemplateClause.objects.filter(pk=clause.pk).delete(),
    ):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            change()
    # Raw SQL.
    message = _refused_by_database(
        "UPDATE contracts_contracttemplate SET title = 'x' WHERE id = %s", [template.pk]
    )
    assert "Opret en ny version" in message
    _refused_by_database(
        "UPDATE contracts_contracttemplate SET status = 'replaced', title = 'x' WHERE id = %s",
        [template.pk],
    )
    _refused_by_database("DELETE FROM contracts_contracttemplate WHERE id = %s", [template.pk])
    _refused_by_database(
        "UPDATE contracts_templateclause SET text = 'x', changeable = NOT changeable WHERE id = %s",
        [clause.pk],
    )
    _refused_by_database("DELETE FROM contracts_templateclause WHERE id = %s", [clause.pk])
    _refused_by_database(
        "INSERT INTO contracts_templateclause "
        '(template_id, number, "order", title, text, changeable, is_summary) '
        "VALUES (%s, '12', 12, 'Nyt', 'Nyt', true, false)",
        [template.pk],
    )
    template.refresh_from_db()
    clause.refresh_from_db()
    assert template.title != "Ændret" and clause.text != "Ændret"


def test_one_published_version_per_kind_in_the_database(secretariat):
    draft = services.start_new_version(template=published(), by=secretariat)
    message = _refused_by_database(
        "UPDATE contracts_contracttemplate SET status = 'published', change_note = 'x' "
        "WHERE id = %s",
        [draft.pk],
    )
    assert "template_one_published_per_kind" in message


@pytest.mark.django_db(transaction=True)
def test_an_emptied_database_gets_the_published_templates_again(demo):
    """A transactional test empties the database (TRUNCATE, as the owner role: `flush`); the
    seed (tests/conftest.py) then builds each 2.0 template through 0009's forward: as a
    draft, then published, which the triggers allow. The same three templates as `migrate`
    wrote, and locked."""
    from importlib import import_module

    from django.apps import apps

    from contracts.standard_texts import clauses
    from partnership.db_roles import as_owner

    with as_owner(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE contracts_contracttemplate CASCADE")
    import_module("contracts.migrations.0009_template_versions").forward(apps, None)
    for kind in TemplateKind.values:
        template = published(kind)
        assert template.version == "2.0" and template.published_at is not None
        assert list(template.clauses.values_list("number", "title", "is_summary")) == [
            (number, title, True) for number, title, _text, _changeable in clauses(kind)
        ]
    _refused_by_database(
        "UPDATE contracts_templateclause SET text = 'x' WHERE template_id = %s",
        [published().pk],
    )


def test_the_secretariat_can_take_a_cpr_number_out_of_a_published_version(secretariat):
    """The one change a published version allows: the redaction of a CPR number stored
    before the rule held (partnership_redaction_permits), as for published tariffs."""
    from partnership import redaction
    from partnership.validators import CPR_REDACTED

    draft = services.start_new_version(template=published(), by=secretariat)
    clause = draft.clauses.get(number="7")
    with connection.cursor() as cursor:  # past the CPR guard, as old data would be
        cursor.execute(
            "UPDATE contracts_templateclause SET text = text || ' Ring 010203-1234.' WHERE id = %s",
            [clause.pk],
        )
    services.update_draft(template=draft, fields={"change_note": "Test."}, by=secretariat)
    services.publish_template(template=draft, by=secretariat)

    redaction.redact_cpr(
        model_label="contracts.TemplateClause", pk=clause.pk, field_name="text", by=secretariat
    )
    clause.refresh_from_db()
    assert clause.text.endswith(f"Ring {CPR_REDACTED}.")
    _refused_by_database(
        "UPDATE contracts_templateclause SET text = 'x' WHERE id = %s", [clause.pk]
    )
