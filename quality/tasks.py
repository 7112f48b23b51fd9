"""Daily background work on quality: remind the owners of overdue actions, once per action
per ISO week (recorded in ActionReminder, unique on action + week). Safe to run twice."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind, Notice

from .models import Action, ActionReminder

log = logging.getLogger(__name__)

NOTICE_MAX_LENGTH = Notice._meta.get_field("message").max_length


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminder_message(action: Action) -> str:
    """One sentence in Danish naming the action, the parties and the deadline."""
    return _(
        "Handlingen '%(action)s' fra kvalitetsdialogen mellem %(municipality)s og "
        "%(provider)s havde frist %(date)s og er ikke afsluttet."
    ) % {
        "action": Truncator(action.text).chars(80),
        "municipality": action.dialogue.municipality.name,
        "provider": action.dialogue.provider.name,
        "date": formats.date_format(action.deadline, "j. F Y"),
    }


def _send(action: Action, week: str) -> bool:
    """If the reminder is not recorded this week: e-mail the owner (once a week: the mail
    log knows), and when it is sent, record the reminder with a notice on "Mit overblik".
    A mail that cannot be sent is recorded as not sent, with the reason, on the dialogue's
    page; the reminder is then not recorded, so the next run tries again."""
    if ActionReminder.objects.filter(action=action, week=week).exists():
        return False
    message = reminder_message(action)
    url = action.dialogue.get_absolute_url()
    record = mail.send(
        kind=MailKind.QUALITY_REMINDER,
        to=action.owner,
        subject=_("Påmindelse: handling efter kvalitetsdialog er overskredet"),
        body=message
        + "\n\n"
        + _("Se dialogen og opdatér handlingens status her:")
        + f"\n{absolute_url(url)}\n",
        related=action,
        reference=week,
    )
    if record is not None and not record.sent:
        return False
    try:
        with transaction.atomic():
            _reminder, created = ActionReminder.objects.get_or_create(action=action, week=week)
            if created:
                Notice.objects.create(
                    user=action.owner,
                    message=Truncator(message).chars(NOTICE_MAX_LENGTH),
                    url=url,
                )
    except IntegrityError:  # another run recorded it at the same moment
        return False
    return created


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def remind_overdue_actions(today: str | None = None) -> int:
    """Remind the owner of every unfinished action whose deadline has passed, at most once
    per action per ISO week. `today` is an ISO date for tests. Returns how many were sent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    week = iso_week(day)
    overdue = (
        Action.objects.overdue(day)
        .filter(owner__is_active=True)
        .exclude(reminders__week=week)
        .select_related("owner", "dialogue__municipality", "dialogue__provider")
        .order_by("pk")
    )
    sent = 0
    with override("da"):
        for action in overdue:
            try:
                sent += _send(action, week)
            except Exception:
                log.exception("Reminder for quality action %s failed", action.pk)
    return sent
