"""Owners of overdue actions are reminded by e-mail and on "Mit overblik", once per action
per ISO week, however often the daily task runs."""

from datetime import timedelta

from partnership.models import Notice
from quality.models import ActionReminder
from quality.tasks import remind_overdue_actions
from tests.factories import make_action, make_dialogue
from tests.quality.conftest import TODAY


def test_overdue_action_is_reminded_once_a_week(model, offer, mailoutbox):
    monday = TODAY - timedelta(days=TODAY.weekday())
    tuesday = monday + timedelta(days=1)
    next_monday = monday + timedelta(days=7)
    dialogue = make_dialogue(model, offer, held_on=monday - timedelta(days=60))
    overdue = make_action(dialogue, deadline=monday - timedelta(days=3))
    make_action(dialogue, deadline=monday - timedelta(days=3), status="done", text="Færdig")
    make_action(dialogue, deadline=next_monday + timedelta(days=30), text="Ikke forfalden")

    assert remind_overdue_actions(str(monday)) == 1
    assert remind_overdue_actions(str(tuesday)) == 0  # same week: nothing new
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["leverandoer.a@portal.example"]
    assert "Trivselsmåling for alle borgere" in mail.body
    assert dialogue.get_absolute_url() in mail.body
    notice = Notice.objects.get(user=overdue.owner)
    assert notice.url == dialogue.get_absolute_url()

    assert remind_overdue_actions(str(next_monday)) == 1  # a new week
    assert len(mailoutbox) == 2
    assert ActionReminder.objects.filter(action=overdue).count() == 2

    overdue.status = "done"
    overdue.save()
    assert remind_overdue_actions(str(next_monday + timedelta(days=7))) == 0


def test_a_reminder_that_cannot_be_mailed_is_said_on_the_dialogue_and_tried_again(
    client, model, offer, mailoutbox, settings
):
    monday = TODAY - timedelta(days=TODAY.weekday())
    dialogue = make_dialogue(model, offer, held_on=monday - timedelta(days=60))
    overdue = make_action(dialogue, deadline=monday - timedelta(days=3))
    settings.EMAIL_BACKEND = "tests.mail_backends.UnreachableBackend"
    assert remind_overdue_actions(str(monday)) == 0
    assert not ActionReminder.objects.exists() and not Notice.objects.exists()
    client.force_login(overdue.owner)
    page = client.get(dialogue.get_absolute_url()).content.decode()
    assert "<strong>Ikke sendt</strong>: Mailserveren kunne ikke nås." in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert remind_overdue_actions(str(monday + timedelta(days=1))) == 1
    assert len(mailoutbox) == 1 and Notice.objects.filter(user=overdue.owner).count() == 1
    page = client.get(dialogue.get_absolute_url()).content.decode()
    assert "<td>Sendt</td>" in page
