"""Who sees and changes quality dialogues: the two parties and the secretariat see them;
only the parties change them, each side only its own notes; everybody else is refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from quality import services
from quality.models import Side
from tests.factories import demo_user


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("sagsbehandler.slagelse@portal.example", 200),  # the municipality
        ("indkoeb.slagelse@portal.example", 200),  # the municipality, another role
        ("leverandoer.a@portal.example", 200),  # the provider
        ("sekretariat@portal.example", 200),  # the secretariat reads
        ("sagsbehandler.naestved@portal.example", 404),  # another municipality
        ("leverandoer.b@portal.example", 404),  # another provider
        ("branche.los@portal.example", 404),  # the provider's branch organisation
    ],
)
def test_who_sees_a_dialogue(client, dialogue, email, status):
    client.force_login(demo_user(email))
    assert client.get(dialogue.get_absolute_url()).status_code == status


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("sagsbehandler.slagelse@portal.example", 200),
        ("leverandoer.a@portal.example", 200),
        ("sekretariat@portal.example", 403),  # reads, does not edit
        ("sagsbehandler.naestved@portal.example", 404),
    ],
)
def test_only_the_parties_edit(client, dialogue, email, status):
    client.force_login(demo_user(email))
    for name in ("notes_edit", "action_create", "document_upload", "dialogue_edit"):
        assert client.get(reverse(f"quality:{name}", args=[dialogue.pk])).status_code == status


def test_each_side_writes_only_its_own_notes(client, dialogue):
    theme = dialogue.framework.themes.first()
    provider = demo_user("leverandoer.a@portal.example")
    with pytest.raises(PermissionDenied):
        services.save_theme_notes(
            dialogue=dialogue, side=Side.MUNICIPALITY, entries={theme.pk: ("Fint", 4)}, by=provider
        )
    # Through the page, the provider's notes land on the provider's side only.
    client.force_login(provider)
    r = client.post(
        reverse("quality:notes_edit", args=[dialogue.pk]),
        {f"note_{theme.pk}": "Vi deler trivselsdata.", f"score_{theme.pk}": "4"},
    )
    assert r.status_code == 302
    assert [(n.side, n.note, n.score) for n in dialogue.notes.all()] == [
        (Side.PROVIDER, "Vi deler trivselsdata.", 4)
    ]


def test_overview_lists_only_what_the_person_may_see(client, dialogue):
    client.force_login(demo_user("sagsbehandler.naestved@portal.example"))
    r = client.get(reverse("quality:overview"))
    assert r.status_code == 200
    assert r.context["ov"].dialogues == []
    client.force_login(demo_user("sekretariat@portal.example"))
    assert client.get(reverse("quality:overview")).context["ov"].dialogues == [dialogue]
    client.force_login(demo_user("branche.los@portal.example"))
    assert client.get(reverse("quality:overview")).status_code == 403


def test_navigation_section_follows_the_roles(demo):
    from partnership.navigation import sections_for

    def has(email):
        return "quality" in [s.key for s in sections_for(demo_user(email))]

    assert has("sagsbehandler.slagelse@portal.example")
    assert has("leverandoer.a@portal.example")
    assert has("sekretariat@portal.example")
    assert not has("branche.los@portal.example")


def test_assessments_are_entered_by_the_providers_editors_or_the_secretariat(client, model, offer):
    url = reverse("quality:assessment_create", args=[offer.pk])
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(url).status_code == 403
    client.force_login(demo_user("leverandoer.b@portal.example"))  # another provider
    assert client.get(url).status_code == 403
    client.force_login(demo_user("leverandoer.a@portal.example"))
    assert client.get(url).status_code == 200
    client.force_login(demo_user("sekretariat@portal.example"))
    assert client.get(url).status_code == 200


def test_only_the_secretariat_edits_frameworks(client, demo, model):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("quality:frameworks")).status_code == 200
    assert client.get(reverse("quality:framework_edit", args=[model.pk])).status_code == 403
    client.force_login(demo_user("sekretariat@portal.example"))
    theme = model.themes.get(name="Fysiske rammer")
    r = client.post(
        reverse("quality:theme_edit", args=[model.pk, theme.pk]),
        {"name": "Fysiske rammer", "description": "Bygninger og udearealer", "order": 60},
    )
    assert r.status_code == 302
    theme.refresh_from_db()
    assert not theme.is_active and theme.description == "Bygninger og udearealer"
