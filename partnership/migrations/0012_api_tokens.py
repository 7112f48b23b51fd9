"""Organisations' API tokens (issue 16): only a SHA-256 hash of each token is stored."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0011_job_failure"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="navn")),
                (
                    "scopes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("kontrakter", "Kontrakter"),
                                ("sagsreferencer", "Kontrakter med kommunens sagsreferencer"),
                                ("moeder", "Møder og dagsordener"),
                            ],
                            max_length=20,
                        ),
                        size=None,
                        verbose_name="adgang",
                    ),
                ),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="oprettet")),
                (
                    "last_used_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="sidst brugt"),
                ),
                (
                    "revoked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="tilbagekaldt"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to="partnership.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "API-nøgle",
                "verbose_name_plural": "API-nøgler",
                "ordering": ["-created_at"],
            },
        ),
    ]
