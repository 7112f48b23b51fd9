"""The other side of a contract hears of each move it must know about: the contract sent,
a comment, a proposed change (a clause or the terms changed after sending), an acceptance,
the signing (both accepted), notice, and any other change of state a person makes. A
notice on "Mit overblik" that links to the event in the history, and an e-mail
(partnership.mail, kind "Nyt i en kontrakt") with the same Danish text
(contracts.history.describe).

Who hears: the people on the contract on the other side (contracts.permissions.people_on:
that side's contact person and those of its people who have acted on the contract; all of
them where the side has no contact person on it), never the person who acted, and never a
provider about a contract not yet sent. Moves the daily tasks make (activation, ending)
are not told here: the reminders are about them.

`tell_other_side` is the one call, made by contracts.services._event for every event; it
queues `notify_other_side` when the transaction commits. The task is safe to run twice:
each person's notice is found again by its link (one per event), and its e-mail goes once
(partnership.mail sends once per notice); an e-mail that failed is tried again."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind, Notice

from . import history, permissions
from .models import ContractEvent, ContractState, EventKind

log = logging.getLogger(__name__)

NOTICE_MAX_LENGTH = Notice._meta.get_field("message").max_length or 300
# pg_advisory_xact_lock(LOCK_SPACE, event id): one delivery of an event at a time.
LOCK_SPACE = 1414

# Events the other side hears of whatever they changed.
TOLD_KINDS = (EventKind.COMMENT, EventKind.CLAUSE, EventKind.FIELDS, EventKind.SIGNED)
# A move to these states goes with a comment or a proposed change, which is told itself.
QUIET_STATES = (ContractState.NEGOTIATION,)


def is_news(event: ContractEvent) -> bool:
    """Whether the other side is told of the event: a person's move on a sent contract."""
    if event.by_id is None or not permissions.is_sent(event.contract):
        return False
    if event.kind in TOLD_KINDS:
        return True
    if event.kind == EventKind.STATE:
        after = event.after if isinstance(event.after, dict) else {}
        return after.get("state") not in QUIET_STATES
    return False


def tell_other_side(event: ContractEvent) -> None:
    """Called for every event (contracts.services._event): if it is news for the other
    side, the notices and e-mails are queued once the transaction commits."""
    if is_news(event):
        event_id = event.pk
        transaction.on_commit(lambda: _queue(event_id))


def _queue(event_id: int) -> None:
    try:
        notify_other_side.delay(event_id)
    except Exception:  # the broker is down: the change stands; the notice can be sent later
        log.warning("Could not queue the notices of contract event %s", event_id)


def event_url(event: ContractEvent) -> str:
    return f"{event.contract.get_absolute_url()}#haendelse-{event.pk}"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notify_other_side(event_id: int) -> int:
    """A notice and an e-mail to each of the people on the other side. Safe to run twice.
    Returns how many e-mails were sent now."""
    event = (
        ContractEvent.objects.select_related(
            "by",
            "contract",
            "contract__offer",
            "contract__buyer",
            "contract__provider",
            "contract__template",
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.by is None or not is_news(event):
        return 0
    contract = event.contract
    side = permissions.side_of(event.by, contract)
    if side is None:
        return 0
    people = [
        p
        for p in permissions.people_on(contract, permissions.other_side(side))
        if p.pk != event.by_id
    ]
    if not people:
        return 0
    with override("da"):
        told = history.describe(event)
        org = contract.buyer if side == "buyer" else contract.provider
        values = {
            "who": event.by.get_full_name(),
            "org": org.name,
            "offer": contract.offer.name,
            "case": contract.case_reference,
        }
        message = (
            _("%(who)s (%(org)s) i kontrakten om %(offer)s, sag %(case)s:") % values
            + " "
            + told.text
        )
        subject = _("Kontrakt om %(offer)s: %(what)s") % {
            "offer": contract.offer.name,
            "what": told.sentence,
        }
        url = event_url(event)
        body = message + "\n\n" + _("Se kontrakten her:") + f"\n{absolute_url(url)}\n"
        short = Truncator(message).chars(NOTICE_MAX_LENGTH)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, event.pk])
            notices = [
                Notice.objects.get_or_create(user=person, url=url, defaults={"message": short})[0]
                for person in people
            ]
        sent = 0
        for person, notice in zip(people, notices, strict=True):
            record = mail.send(
                kind=MailKind.CONTRACT_EVENT,
                to=person,
                subject=subject,
                body=body,
                related=notice,
            )
            sent += record is not None and record.sent
    return sent
