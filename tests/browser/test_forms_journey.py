"""Forms as a person meets them (issue 15, finding 7): a refused form opens with the error
summary focused, its links lead to the fields; an irreversible action asks first, in the
browser (no: nothing happens) and, without JavaScript, on a page of its own."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from meetings import services
from meetings.models import AgendaItem
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import SECRETARIAT, demo_user, make_meeting


def test_a_refused_form_moves_the_focus_to_the_error_summary(portal, new_page):
    page = new_page()
    log_in(page, portal, SECRETARIAT)
    page.goto(portal + "/moeder/nyt/")
    page.get_by_label("Titel").fill("")
    page.get_by_role("button", name=re.compile("^(Opret|Gem)")).first.click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Der er fejl i formularen")
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#id_forum")
    summary.get_by_role("link", name=re.compile("^Titel: ")).click()
    expect(page.get_by_label("Titel")).to_be_focused()
    assert_accessible(page)


def _meeting_with_item():
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat)
    item = services.save_agenda_item(
        meeting=meeting,
        fields={"number": "1", "kind": "praktisk", "title": "Pause", "duration_minutes": 10},
        by=secretariat,
    )
    return meeting, item


def test_removing_an_agenda_item_asks_first(portal, chromium):
    meeting, item = _meeting_with_item()
    context = chromium.new_context(locale="da-DK")
    page = context.new_page()
    log_in(page, portal, SECRETARIAT)
    questions = []

    def answer(dialog, yes):
        questions.append(dialog.message)
        dialog.accept() if yes else dialog.dismiss()

    page.goto(portal + f"/moeder/{meeting.pk}/punkter/{item.pk}/")
    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Fjern punktet fra dagsordenen").click()
    expect(page.get_by_role("button", name="Fjern punktet fra dagsordenen")).to_be_visible()
    assert questions == ["Fjern punktet fra dagsordenen? Det kan ikke fortrydes."]
    assert AgendaItem.objects.filter(pk=item.pk).exists()

    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Fjern punktet fra dagsordenen").click()
    expect(page.get_by_text("Punktet er fjernet fra dagsordenen.")).to_be_visible()
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    context.close()


def test_without_javascript_the_question_is_a_page(portal, chromium):
    meeting, item = _meeting_with_item()
    context = chromium.new_context(locale="da-DK", java_script_enabled=False)
    page = context.new_page()
    log_in(page, portal, SECRETARIAT)
    page.goto(portal + f"/moeder/{meeting.pk}/punkter/{item.pk}/")
    page.get_by_role("button", name="Fjern punktet fra dagsordenen").click()
    expect(page.get_by_role("heading", name="Fjern punktet fra dagsordenen?")).to_be_visible()
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    page.get_by_role("link", name="Nej, gå tilbage").click()
    expect(page.get_by_role("button", name="Fjern punktet fra dagsordenen")).to_be_visible()
    page.get_by_role("button", name="Fjern punktet fra dagsordenen").click()
    page.get_by_role("button", name="Fjern punktet fra dagsordenen").click()
    expect(page.get_by_text("Punktet er fjernet fra dagsordenen.")).to_be_visible()
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    context.close()


def test_a_long_checkbox_list_says_what_is_chosen_as_boxes_are_ticked(portal, new_page):
    """The invite page's organisations: a list of 30 that scrolls in its own box, with the
    choices named above it, also those scrolled out of sight."""
    meeting, _item = _meeting_with_item()
    page = new_page()
    log_in(page, portal, SECRETARIAT)
    page.goto(f"{portal}/moeder/{meeting.pk}/inviter/")
    organisations = page.get_by_role("group", name="Organisationer")
    summary = organisations.locator("[data-option-summary]")
    # As it reads (the separators and "ingen" are the style sheet's, portal.css).
    expect(summary).to_match_aria_snapshot('- paragraph: "Valgt: ingen"')
    organisations.get_by_label("Vordingborg Kommune").check()
    organisations.get_by_label("Faxe Kommune").check()
    expect(summary).to_match_aria_snapshot(
        '- paragraph: "Valgt: Faxe Kommune, Vordingborg Kommune"'
    )
    organisations.get_by_label("Faxe Kommune").uncheck()
    expect(summary).to_match_aria_snapshot('- paragraph: "Valgt: Vordingborg Kommune"')
    assert_accessible(page)
