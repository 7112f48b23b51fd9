"""The local demo identity provider (`make demo-idp`) as an identity provider of the portal:
"Lokal demo-IdP (MitID Erhverv)" at --url, for the demo data's organisations."""

from django.core.cache import cache
from django.core.management.base import BaseCommand

from federation.models import IdentityProvider, Loa, ProviderKind


class Command(BaseCommand):
    help = "Registrerer den lokale demo-IdP (make demo-idp) som identitetsudbyder i portalen."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8070")

    def handle(self, *args, **options):
        url = options["url"].rstrip("/")
        IdentityProvider.objects.update_or_create(
            slug="demo",
            defaults={
                "kind": ProviderKind.SAML,
                "name": "Lokal demo-IdP (MitID Erhverv)",
                "entity_id": url + "/metadata",
                "metadata_url": url + "/metadata",
                "minimum_loa": Loa.LOW,
                "is_active": True,
            },
        )
        cache.clear()  # allauth keeps an identity provider's metadata in the cache
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo-IdP'en er registreret: log ind på portalen med "
                f"'Log ind med Lokal demo-IdP (MitID Erhverv)'. Den svarer på {url}."
            )
        )
