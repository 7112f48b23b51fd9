import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand

from partnership import demo


def current_code(secret: str, at: float | None = None) -> str:
    period = getattr(settings, "MFA_TOTP_PERIOD", 30)
    counter = int((at if at is not None else time.time()) // period)
    return format_hotp_value(hotp_value(secret, counter))


class Command(BaseCommand):
    help = "Viser de aktuelle TOTP-koder for demologins med to-faktor-godkendelse."

    def handle(self, *args, **options):
        for email, _name, _org, _role, secret in demo.DEMO_USERS:
            if secret:
                self.stdout.write(f"{email}: {current_code(secret)}  (nøgle {secret})")
