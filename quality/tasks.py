"""Daily background work on quality: remind the owners of overdue actions, once per action
per ISO week (recorded in ActionReminder, unique on action + week). Safe to run twice."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership.models import Notice

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
    """Record the reminder and, if it is new this week, tell the owner by e-mail and on
    "Mit overblik". One transaction: if the mail cannot be handed over, nothing is
    recorded and the next run tries again."""
    try:
        with transaction.atomic():
            _reminder, created = ActionReminder.objects.get_or_create(action=action, week=week)
            if not created:
                return False
            message = reminder_message(action)
            url = action.dialogue.get_absolute_url()
            Notice.objects.create(
                user=action.owner, message=Truncator(message).chars(NOTICE_MAX_LENGTH), url=url
            )
            send_mail(
                subject=_("Påmindelse: handling efter kvalitetsdialog er overskredet"),
                message=message
                + "\n\n"
                + _("Se dialogen og opdatér handlingens status her:")
                + f"\n{settings.SITE_URL.rstrip('/')}{url}\n",
                from_email=None,
                recipient_list=[action.owner.email],
            )
    except IntegrityError:  # another run recorded it at the same moment
        return False
    return True


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
