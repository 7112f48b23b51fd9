"""Every e-mail the portal sends goes out here, and nowhere else: send() for the portal's
own mails, send_message() for a message another package built (allauth, through
partnership.adapters). tests/partnership/test_mail.py reads every module of the project and
fails if another one imports Django's mail functions.

Both clean every header value of control characters first: a newline in a meeting title or
an offer name made Django refuse the whole message (BadHeaderError), and the callers then
swallowed it while the page said "sent". Then they send and record the attempt as an
OutgoingMail: sent, or not sent with the reason in Danish. A mail that could not be sent is
never an exception for the caller and never reported as sent: the caller reads the record.

A mail about something (`related`) goes at most once to an address for the same kind and
reference: send() returns None when it was sent before. The database holds the rule (a
unique index over the sent ones, inserted before the mail is handed over, in the same
transaction), so a task run twice, or twice at the same time, sends nothing twice, and a
mail that failed can be tried again by running the task again."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage, EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.text import Truncator

from .models import MailFailure, MailKind, MailStatus, OutgoingMail, User

__all__ = [
    "MailKind",
    "MailSummary",
    "clean_header",
    "log_for",
    "send",
    "send_message",
    "sent_addresses",
    "summary",
    "unsent",
]

log = logging.getLogger(__name__)

# Control characters (Unicode category Cc: C0, DEL and C1, among them newline, carriage
# return, tab, NEL) and the line and paragraph separators (Zl, Zp), which some mail
# programs also break a header line at.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL_RUN = re.compile(f" *[{_CONTROL}][{_CONTROL} ]*")

SUBJECT_MAX_LENGTH = OutgoingMail._meta.get_field("subject").max_length
RECIPIENT_MAX_LENGTH = OutgoingMail._meta.get_field("recipient").max_length


def clean_header(value) -> str:
    """The value fit for a header line: every run of control characters (with the spaces
    around it) becomes one space, and the ends are trimmed."""
    return _CONTROL_RUN.sub(" ", str(value or "")).strip()


def _related(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, obj.pk


def _failure(exc: BaseException) -> str:
    """The reason an exception from the mail backend stands for. smtplib's exceptions are
    OSErrors, so the specific ones come first."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return MailFailure.REFUSED
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailFailure.LOGIN
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return MailFailure.UNREACHABLE
    if isinstance(exc, smtplib.SMTPException):
        return MailFailure.REJECTED
    if isinstance(exc, OSError):  # connection refused, timeout, DNS
        return MailFailure.UNREACHABLE
    return MailFailure.ERROR


def _clean_message(message: EmailMessage) -> EmailMessage:
    """Clean the header values of a built message in place: subject, sender, recipients,
    reply-to and extra headers. The body may have newlines; headers may not."""
    message.subject = clean_header(message.subject)
    message.from_email = clean_header(message.from_email or settings.DEFAULT_FROM_EMAIL)
    for name in ("to", "cc", "bcc", "reply_to"):
        setattr(message, name, [clean_header(a) for a in getattr(message, name) or []])
    message.extra_headers = {
        clean_header(k): clean_header(v) for k, v in (message.extra_headers or {}).items()
    }
    return message


def _attempt(message: EmailMessage, record: OutgoingMail) -> OutgoingMail | None:
    """Record the attempt, hand the message over, and mark the record failed with the reason
    if it could not be. One transaction: the record of a sent mail is inserted before the
    mail goes, so a second sender of the same mail waits for it, and then finds it sent."""
    with transaction.atomic():
        if record.related_id is not None:
            try:
                with transaction.atomic():
                    record.save()
            except IntegrityError:
                return None  # sent before: nothing twice
        else:
            record.save()
        reason, error = "", ""
        try:
            validate_email(record.recipient)
        except ValidationError:
            reason = MailFailure.NO_ADDRESS
        else:
            try:
                if message.send() != 1:
                    reason, error = MailFailure.REJECTED, "NotSent"
            except BadHeaderError as exc:  # cannot happen after cleaning; never "sent"
                reason, error = MailFailure.ERROR, type(exc).__name__
                log.exception("Mail %s to %s had a bad header", record.kind, record.recipient)
            except Exception as exc:
                reason, error = _failure(exc), type(exc).__name__
                log.warning("Mail %s to %s not sent", record.kind, record.recipient, exc_info=True)
        if reason:
            record.status = MailStatus.FAILED
            record.reason = reason
            record.error = error[:100]
            record.save(update_fields=["status", "reason", "error"])
    return record


def send(
    *,
    kind: str,
    to: User | str,
    subject: str,
    body: str,
    related: models.Model | None = None,
    reference: str = "",
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
) -> OutgoingMail | None:
    """Send one plain-text e-mail to one person (or address) and record it. Returns the
    record (look at `.sent`), or None if this mail about `related` was sent to the address
    before. `attachments`: (file name, content, MIME type)."""
    user = to if isinstance(to, User) else None
    address = clean_header(user.email if user is not None else to)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[address])
    for filename, content, mimetype in attachments:
        message.attach(clean_header(filename), content, clean_header(mimetype))
    return send_message(message, kind=kind, user=user, related=related, reference=reference)


def send_message(
    message: EmailMessage,
    *,
    kind: str,
    user: User | None = None,
    related: models.Model | None = None,
    reference: str = "",
) -> OutgoingMail | None:
    """send() for a message built elsewhere (allauth's): to exactly one recipient."""
    message = _clean_message(message)
    if len(message.to) != 1 or message.cc or message.bcc:
        raise ValueError("One recipient per mail: each is recorded on its own.")
    related_type, related_id = _related(related)
    record = OutgoingMail(
        kind=kind,
        recipient=message.to[0][:RECIPIENT_MAX_LENGTH],
        user=user,
        subject=Truncator(message.subject).chars(SUBJECT_MAX_LENGTH),
        related_type=related_type,
        related_id=related_id,
        reference=reference,
        status=MailStatus.SENT,
    )
    return _attempt(message, record)


# --- Reading the record ------------------------------------------------------------------


def _about(related: models.Model, kind: str, reference: str | None):
    related_type, related_id = _related(related)
    mails = OutgoingMail.objects.filter(related_type=related_type, related_id=related_id, kind=kind)
    return mails if reference is None else mails.filter(reference=reference)


def sent_addresses(*, kind: str, related: models.Model, reference: str = "") -> set[str]:
    """The addresses this mail about `related` has been sent to."""
    return set(
        _about(related, kind, reference)
        .filter(status=MailStatus.SENT)
        .values_list("recipient", flat=True)
    )


@dataclass
class FailedMail:
    name: str
    recipient: str
    reason: str  # in Danish
    at: datetime


@dataclass
class MailSummary:
    """How a mail to a group went: how many have it, who does not and why (their latest
    attempt), and how many have not been tried yet."""

    sent: int = 0
    failed: list[FailedMail] = field(default_factory=list)
    waiting: int = 0

    @property
    def attempted(self) -> bool:
        return bool(self.sent or self.failed)


def summary(
    *,
    kind: str,
    related: models.Model,
    reference: str | None = "",
    people: dict[int, str] | None = None,
) -> MailSummary:
    """The mail about `related` by person: `people` maps the user ids it should reach to
    their names (those not tried yet count as waiting); without it, everyone tried. One
    query."""
    latest: dict[object, OutgoingMail] = {}
    sent: set[object] = set()
    for mail in _about(related, kind, reference).order_by("created_at", "pk"):
        key = mail.user_id or mail.recipient
        latest[key] = mail
        if mail.sent:
            sent.add(key)
    wanted = people if people is not None else {k: "" for k in latest}
    result = MailSummary()
    for key, name in wanted.items():
        if key in sent:
            result.sent += 1
        elif key in latest:
            mail = latest[key]
            result.failed.append(
                FailedMail(
                    name=name or mail.recipient,
                    recipient=mail.recipient,
                    reason=mail.get_reason_display(),
                    at=mail.created_at,
                )
            )
        else:
            result.waiting += 1
    result.failed.sort(key=lambda f: f.name.lower())
    return result


def log_for(related: Iterable[models.Model], *, kind: str, limit: int = 50) -> list[OutgoingMail]:
    """The attempts to send mails of a kind about these objects, newest first, with the
    person: for a page that shows what was sent and what was not."""
    by_type: dict[str, list[int]] = {}
    for obj in related:
        related_type, related_id = _related(obj)
        by_type.setdefault(related_type, []).append(related_id)
    if not by_type:
        return []
    condition = Q()
    for related_type, ids in by_type.items():
        condition |= Q(related_type=related_type, related_id__in=ids)
    return list(OutgoingMail.objects.filter(condition, kind=kind).select_related("user")[:limit])


def unsent(related: Iterable[models.Model], *, kind: str | Iterable[str]) -> dict[int, str]:
    """For the objects whose mail of this kind (or kinds) was tried and never sent: their pk
    and the reason of the latest attempt (in Danish). One query."""
    kinds = [kind] if isinstance(kind, str) else list(kind)
    objects = list(related)
    if not objects:
        return {}
    related_type = objects[0]._meta.label_lower
    latest: dict[int, str] = {}
    sent: set[int] = set()
    for related_id, status, reason in (
        OutgoingMail.objects.filter(
            related_type=related_type, related_id__in=[o.pk for o in objects], kind__in=kinds
        )
        .order_by("created_at", "pk")
        .values_list("related_id", "status", "reason")
    ):
        if status == MailStatus.SENT:
            sent.add(related_id)
        else:
            latest[related_id] = str(MailFailure(reason).label)
    return {pk: reason for pk, reason in latest.items() if pk not in sent}
