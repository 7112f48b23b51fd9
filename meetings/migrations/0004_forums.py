import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_kinds"),
        ("partnership", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="forum",
            name="members",
            field=models.ManyToManyField(
                blank=True,
                help_text=(
                    "Alle aktive medarbejdere i organisationerne inviteres til forummets møder."
                ),
                related_name="forums",
                to="partnership.organisation",
                verbose_name="faste medlemsorganisationer",
            ),
        ),
        migrations.AddField(
            model_name="forum",
            name="people",
            field=models.ManyToManyField(
                blank=True,
                related_name="forums",
                to=settings.AUTH_USER_MODEL,
                verbose_name="faste medlemmer (personer)",
            ),
        ),
        migrations.AddField(
            model_name="forum",
            name="template_meeting",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="meetings.meeting",
                verbose_name="skabelon til nye møder",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="rsvp_deadline",
            field=models.DateTimeField(
                blank=True,
                help_text="Valgfri. De inviterede bedes svare senest dette tidspunkt.",
                null=True,
                verbose_name="svarfrist",
            ),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="supplementary",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="tillægsdagsorden"
            ),
        ),
    ]
