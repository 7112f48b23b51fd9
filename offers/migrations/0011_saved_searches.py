"""Issue 13, "My things": saved searches (offers.SavedSearch), and the follower's choice of
an e-mail when a followed offer gets a new tariff (OfferFollow.notify_by_email; existing
follows keep the e-mail they had)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0010_search_synonyms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="offerfollow",
            name="notify_by_email",
            field=models.BooleanField(default=True, verbose_name="e-mail ved ny takst"),
        ),
        migrations.CreateModel(
            name="SavedSearch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="navn")),
                (
                    "query",
                    models.TextField(
                        blank=True,
                        validators=[django.core.validators.MaxLengthValidator(2000)],
                        verbose_name="søgning",
                    ),
                ),
                (
                    "notify_by_email",
                    models.BooleanField(default=False, verbose_name="e-mail ved nye tilbud"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="gemt")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_searches",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "gemt søgning",
                "verbose_name_plural": "gemte søgninger",
                "ordering": ["name", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "name"), name="saved_search_name_once")
                ],
            },
        ),
    ]
