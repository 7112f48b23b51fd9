"""One way to send e-mail (issue 11, finding 7): partnership.mail cleans every header of
control characters, sends, and records each attempt, sent or not sent with the reason in
Danish. No other module of the project may send e-mail itself."""

from __future__ import annotations

import ast
import smtplib
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail as django_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse

from partnership import mail
from partnership.models import Invitation, MailKind, MailStatus, OutgoingMail, Role
from tests.factories import UserFactory, demo_user
from tests.mail_backends import UNREACHABLE

ROOT = Path(django_settings.BASE_DIR)
MAIL_MODULE = ROOT / "partnership" / "mail.py"
SKIPPED_DIRS = {
    ".venv",
    ".venv-idp",
    ".devdb",
    "node_modules",
    "tests",
    ".git",
    "media",
    "static",
    "staticfiles",
}
SENDING_MODULES = ("django.core.mail", "smtplib")


def _project_modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def _sending_imports(path: Path) -> list[str]:
    """The imports in a module that could send e-mail past partnership.mail: anything from
    django.core.mail (send_mail, EmailMessage, get_connection, the backends ...), the mail
    package itself (`from django.core import mail`), or smtplib."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith(SENDING_MODULES)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(SENDING_MODULES):
                found += [f"{node.module}.{a.name}" for a in node.names]
            elif node.module == "django.core":
                found += [f"django.core.{a.name}" for a in node.names if a.name == "mail"]
    return found


def test_no_module_but_the_mail_module_sends_email():
    modules = _project_modules()
    assert len(modules) > 50 and MAIL_MODULE in modules
    offenders = {
        str(path.relative_to(ROOT)): names
        for path in modules
        if path != MAIL_MODULE and (names := _sending_imports(path))
    }
    assert offenders == {}, (
        "Send e-mail through partnership.mail (send / send_message): it cleans the headers "
        f"and records whether the mail went. These import Django's mail themselves: {offenders}"
    )
    assert _sending_imports(MAIL_MODULE)  # the check sees imports where they are


@pytest.mark.parametrize(
    "char", [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]] + ["\u2028", "\u2029"]
)
def test_every_control_character_in_a_header_becomes_one_space(char):
    assert mail.clean_header(f"Møde{char}om  kvalitet") == "Møde om  kvalitet"
    assert mail.clean_header(f"Møde {char}{char} om") == "Møde om"
    assert mail.clean_header(f"{char}Møde{char}") == "Møde"


def test_a_subject_with_newlines_is_sent_cleaned_and_recorded(db, mailoutbox):
    person = UserFactory()
    record = mail.send(
        kind=MailKind.ACCOUNT, to=person, subject="Første\r\nlinje\tog\x0bmere", body="a\nb"
    )
    assert record.sent and record.status == MailStatus.SENT and record.reason == ""
    (message,) = mailoutbox
    assert message.subject == "Første linje og mere"
    assert message.body == "a\nb"  # the body keeps its lines
    assert message.to == [person.email]
    message.message().as_bytes()
    assert OutgoingMail.objects.get().subject == "Første linje og mere"
    assert OutgoingMail.objects.get().user == person


class _Raising(BaseEmailBackend):
    error: BaseException = OSError()

    def send_messages(self, email_messages):
        raise type(self).error


@pytest.mark.parametrize(
    ("error", "reason", "text"),
    [
        (
            smtplib.SMTPRecipientsRefused({"x@y.dk": (550, b"no")}),
            "refused",
            "Mailserveren afviste modtagerens adresse.",
        ),
        (smtplib.SMTPAuthenticationError(535, b"no"), "login", "Portalen kunne ikke logge ind"),
        (smtplib.SMTPServerDisconnected("gone"), "unreachable", "Mailserveren kunne ikke nås."),
        (ConnectionRefusedError(111, "refused"), "unreachable", "Mailserveren kunne ikke nås."),
        (smtplib.SMTPDataError(554, b"spam"), "rejected", "Mailserveren afviste e-mailen."),
        (RuntimeError("bug"), "error", "teknisk fejl"),
    ],
)
def test_a_mail_that_fails_is_recorded_as_not_sent_with_the_reason(
    db, settings, monkeypatch, error, reason, text
):
    monkeypatch.setattr(_Raising, "error", error)
    settings.EMAIL_BACKEND = f"{__name__}._Raising"
    record = mail.send(kind=MailKind.ACCOUNT, to="person@test.example", subject="Emne", body="")
    assert not record.sent and record.status == MailStatus.FAILED
    assert record.reason == reason and text in record.get_reason_display()
    assert record.error == type(error).__name__
    assert OutgoingMail.objects.filter(status=MailStatus.FAILED).count() == 1


def test_an_address_that_is_no_address_is_not_tried(db, mailoutbox):
    record = mail.send(kind=MailKind.ACCOUNT, to="ikke en adresse", subject="x", body="")
    assert record.reason == "no_address" and mailoutbox == []


def test_a_mail_about_something_goes_once_and_a_failed_one_again(db, settings, mailoutbox):
    person = UserFactory()
    settings.EMAIL_BACKEND = UNREACHABLE
    first = mail.send(kind=MailKind.ACCOUNT, to=person, subject="x", body="", related=person)
    assert not first.sent
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    second = mail.send(kind=MailKind.ACCOUNT, to=person, subject="x", body="", related=person)
    assert second.sent
    assert mail.send(kind=MailKind.ACCOUNT, to=person, subject="x", body="", related=person) is None
    other = mail.send(
        kind=MailKind.ACCOUNT, to=person, subject="x", body="", related=person, reference="2"
    )
    assert other.sent
    assert len(mailoutbox) == 2
    assert mail.sent_addresses(kind=MailKind.ACCOUNT, related=person) == {person.email}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_a_mail_once(mailoutbox):
    person = UserFactory()
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait(timeout=10)
            results.append(
                mail.send(kind=MailKind.ACCOUNT, to=person, subject="x", body="", related=person)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r is None for r in results) == [False, True]
    assert len(django_mail.outbox) == 1
    assert OutgoingMail.objects.filter(status=MailStatus.SENT).count() == 1


def test_allauth_mail_goes_through_the_mail_module_and_a_failure_is_said(
    client, demo, settings, mailoutbox
):
    email = "sagsbehandler.slagelse@portal.example"
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    record = OutgoingMail.objects.get(kind=MailKind.ACCOUNT)
    assert record.sent and record.recipient == email and record.user.email == email

    settings.EMAIL_BACKEND = UNREACHABLE
    response = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
    assert OutgoingMail.objects.filter(kind=MailKind.ACCOUNT, status="failed").count() == 1
    assert (
        f"E-mailen til {email} kunne ikke sendes: Mailserveren kunne ikke nås."
        in response.content.decode()
    )


def test_a_member_invitation_that_cannot_be_sent_is_not_left_and_the_form_says_why(
    client, demo, settings
):
    client.force_login(demo_user("admin.holbaek@portal.example"))
    settings.EMAIL_BACKEND = UNREACHABLE
    response = client.post(
        reverse("partnership:members", args=["holbaek"]),
        {"email": "ny@holbaek.example", "name": "Ny", "role": Role.CASEWORKER},
    )
    page = response.content.decode()
    assert "Invitationen kunne ikke sendes: Mailserveren kunne ikke nås." in page
    assert not Invitation.objects.filter(email="ny@holbaek.example").exists()
