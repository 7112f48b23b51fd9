"""E-mail backends for tests: a mail server that cannot be reached."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class UnreachableBackend(BaseEmailBackend):
    """Every message fails as an SMTP server that hangs up does."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


UNREACHABLE = "tests.mail_backends.UnreachableBackend"
