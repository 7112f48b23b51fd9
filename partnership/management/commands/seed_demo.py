from django.core.management.base import BaseCommand

from partnership import demo
from partnership.models import Organisation
from partnership.signals import demo_seeded


class Command(BaseCommand):
    help = "Opretter (eller opdaterer) partnerskabets demodata og demologins. Kan køres igen."

    def handle(self, *args, **options):
        users = demo.seed()
        demo_seeded.send(
            sender=self.__class__, organisations={o.slug: o for o in Organisation.objects.all()}
        )
        self.stdout.write(self.style.SUCCESS("Demodata er på plads."))
        self.stdout.write(f"Alle demologins har adgangskoden: {demo.DEMO_PASSWORD}")
        for email, secret in users:
            line = f"  {email}"
            if secret:
                line += f"  (TOTP-nøgle: {secret}; koder: python manage.py demo_totp)"
            self.stdout.write(line)
