"""Quality dialogues: frameworks, scores 1-5, refused CPR-like text and fake PDFs (with the
input kept), and unfinished actions carried over to the next dialogue."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quality import services
from quality.models import Action, Dialogue, DialogueDocument, Side, ThemeNote
from tests.factories import demo_user, make_action, make_dialogue, make_offer
from tests.quality.conftest import TODAY

CPR_NOTE = "Borgeren 010203-1234 trives bedre."


def test_both_frameworks_are_seeded(frameworks):
    assert [t.name for t in frameworks["kvalitetsvision"].themes.all()] == [
        "Borger",
        "Tilbud",
        "Takster og kontrakter",
        "Processer",
    ]
    assert [t.name for t in frameworks["kvalitetsmodel"].themes.all()] == [
        "Uddannelse og beskæftigelse",
        "Selvstændighed og relationer",
        "Målgruppe, metoder og resultater",
        "Sundhed og trivsel",
        "Organisation og ledelse",
        "Kompetencer",
        "Fysiske rammer",
    ]


def test_caseworker_creates_a_dialogue_in_two_steps(as_caseworker, model, offer):
    url = reverse("quality:dialogue_create")
    r = as_caseworker.get(url)
    assert "leverandoer" in r.context["parties"].fields
    query = "?kommune=slagelse&leverandoer=bostedet-egelund"
    r = as_caseworker.get(url + query)
    assert offer in r.context["form"].fields["offers"].queryset
    signe = demo_user("sagsbehandler.slagelse@portal.example")
    anna = demo_user("leverandoer.a@portal.example")
    r = as_caseworker.post(
        url + query,
        {
            "framework": model.pk,
            "held_on": str(TODAY),
            "offers": [offer.pk],
            "municipality_participants": [signe.pk],
            "provider_participants": [anna.pk],
            "other_participants": "Tilbudsleder Per Hansen",
            "next_dialogue_on": str(TODAY + timedelta(days=180)),
        },
    )
    dialogue = Dialogue.objects.get()
    assert r.status_code == 302 and r.url == dialogue.get_absolute_url()
    assert list(dialogue.offers.all()) == [offer]
    assert list(dialogue.provider_participants.all()) == [anna]
    page = as_caseworker.get(dialogue.get_absolute_url()).content.decode()
    assert "Tilbudsleder Per Hansen" in page and "Anna Leverandør" in page


def test_a_caseworker_cannot_open_a_dialogue_for_another_municipality(as_caseworker, model, offer):
    r = as_caseworker.get(
        reverse("quality:dialogue_create") + "?kommune=naestved&leverandoer=bostedet-egelund"
    )
    assert "kommune" in r.context["parties"].errors  # not offered to choose
    with pytest.raises(Exception, match="egen organisation"):
        from partnership.models import Organisation

        services.create_dialogue(
            municipality=Organisation.objects.get(slug="naestved"),
            provider=offer.provider,
            framework=model,
            fields={"held_on": TODAY},
            offers=[offer],
            by=demo_user("sagsbehandler.slagelse@portal.example"),
        )


@pytest.mark.parametrize("bad", ["0", "6", "x"])
def test_scores_must_be_1_to_5(as_caseworker, dialogue, bad):
    theme = dialogue.framework.themes.first()
    r = as_caseworker.post(
        reverse("quality:notes_edit", args=[dialogue.pk]),
        {f"note_{theme.pk}": "God dokumentation.", f"score_{theme.pk}": bad},
    )
    assert r.status_code == 200
    assert "Vælg en score fra 1 til 5." in r.content.decode()
    assert "God dokumentation." in r.content.decode()  # what was typed is kept
    assert not ThemeNote.objects.exists()


def test_the_database_refuses_scores_outside_1_to_5(dialogue):
    theme = dialogue.framework.themes.first()
    with pytest.raises(ValidationError, match="fra 1 til 5"):
        services.save_theme_notes(
            dialogue=dialogue,
            side=Side.MUNICIPALITY,
            entries={theme.pk: ("", 6)},
            by=demo_user("sagsbehandler.slagelse@portal.example"),
        )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ThemeNote.objects.create(dialogue=dialogue, theme=theme, side=Side.PROVIDER, score=9)


def test_assessment_scores_must_be_1_to_5(client, model, offer):
    client.force_login(demo_user("leverandoer.a@portal.example"))
    url = reverse("quality:assessment_create", args=[offer.pk])
    themes = list(model.themes.all())
    data = {
        "ramme": "kvalitetsmodel",
        "origin": "provider",
        "assessed_on": str(TODAY),
        "source": f"Tilsynsrapport {TODAY.year}",
    }
    r = client.post(url, {**data, f"score_{themes[0].pk}": "7"})
    assert "Vælg en score fra 1 til 5." in r.content.decode()
    r = client.post(url, data)  # nothing scored
    assert "mindst ét tema" in r.content.decode()
    r = client.post(url, {**data, **{f"score_{t.pk}": "4" for t in themes}})
    assert r.status_code == 302
    assert offer.quality_assessments.get().scores.count() == 7


def test_a_cpr_like_note_is_refused_and_the_input_kept(as_caseworker, dialogue):
    theme = dialogue.framework.themes.first()
    r = as_caseworker.post(
        reverse("quality:notes_edit", args=[dialogue.pk]),
        {f"note_{theme.pk}": CPR_NOTE, f"score_{theme.pk}": "3"},
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "CPR-nummer" in body and CPR_NOTE in body
    assert not ThemeNote.objects.exists()
    r = as_caseworker.post(
        reverse("quality:action_create", args=[dialogue.pk]),
        {
            "text": "Ring til 0102031234",
            "owner_organisation": dialogue.municipality_id,
            "owner": demo_user("sagsbehandler.slagelse@portal.example").pk,
            "deadline": str(TODAY),
            "status": "open",
        },
    )
    assert "CPR-nummer" in r.content.decode() and not Action.objects.exists()


def test_a_fake_pdf_is_refused(as_caseworker, dialogue):
    url = reverse("quality:document_upload", args=[dialogue.pk])
    fake = SimpleUploadedFile(
        "trivsel.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    r = as_caseworker.post(url, {"title": f"Trivselsmåling {TODAY.year}", "file": fake})
    body = r.content.decode()
    assert r.status_code == 200
    assert "Filen er ikke en PDF" in body and f"Trivselsmåling {TODAY.year}" in body
    assert not DialogueDocument.objects.exists()
    real = SimpleUploadedFile("trivsel.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    r = as_caseworker.post(url, {"title": f"Trivselsmåling {TODAY.year}", "file": real})
    assert r.status_code == 302
    doc = DialogueDocument.objects.get()
    assert doc.side == Side.MUNICIPALITY
    download = as_caseworker.get(reverse("quality:document_download", args=[dialogue.pk, doc.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_action_owner_must_belong_to_a_party(as_caseworker, dialogue):
    r = as_caseworker.post(
        reverse("quality:action_create", args=[dialogue.pk]),
        {
            "text": "Opdatér handleplanen",
            "owner_organisation": dialogue.provider_id,
            "owner": demo_user("sagsbehandler.slagelse@portal.example").pk,  # not the provider's
            "deadline": str(TODAY),
            "status": "open",
        },
    )
    assert "medlem af den ansvarlige organisation" in r.content.decode()
    assert not Action.objects.exists()


def test_unfinished_actions_are_carried_over_to_the_next_dialogue(as_caseworker, model, offer):
    first = make_dialogue(model, offer, held_on=TODAY - timedelta(days=200))
    done = make_action(first, deadline=TODAY - timedelta(days=100), status="done", text="Færdig")
    open_ = make_action(first, deadline=TODAY - timedelta(days=10), text="Trivselsmåling")
    going = make_action(
        first, deadline=TODAY + timedelta(days=10), status="in_progress", text="Kursus"
    )
    # Another pair's dialogue keeps its actions.
    other = make_dialogue(
        model,
        make_offer(provider_slug="fonden-solsikken"),
        held_on=TODAY - timedelta(days=200),
    )
    others = make_action(other, deadline=TODAY, text="Andet")

    second = make_dialogue(model, offer, held_on=TODAY)
    for a in (done, open_, going, others):
        a.refresh_from_db()
    assert done.dialogue == first
    assert (open_.dialogue, open_.carried_from, open_.origin_dialogue) == (second, first, first)
    assert (going.dialogue, going.carried_from) == (second, first)
    assert others.dialogue == other

    page = as_caseworker.get(second.get_absolute_url()).content.decode()
    assert "Ført videre fra tidligere dialoger" in page and "Trivselsmåling" in page
    page = as_caseworker.get(first.get_absolute_url()).content.decode()
    assert "Ført videre til en senere dialog" in page

    # Carried once more to a third dialogue; the origin stays the first.
    third = make_dialogue(model, offer, held_on=TODAY + timedelta(days=1))
    open_.refresh_from_db()
    assert (open_.dialogue, open_.carried_from, open_.origin_dialogue) == (third, second, first)
