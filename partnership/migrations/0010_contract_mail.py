"""The e-mail kind "Nyt i en kontrakt" (contract_event): the other side of a contract hears
of a send, comment, proposed change, acceptance, signing or notice (contracts.notifications),
beside a notice on "Mit overblik". Choices only: no change in the database."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0009_saved_search_mail"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outgoingmail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("account", "Login og konto"),
                    ("member_invitation", "Invitation til portalen"),
                    ("organisation_notice", "Besked til organisationen"),
                    ("meeting_invitation", "Mødeindkaldelse"),
                    ("minutes_comment", "Referat til kommentering"),
                    ("minutes", "Godkendt referat"),
                    ("tariff_published", "Ny takst"),
                    ("saved_search", "Nyt tilbud i en gemt søgning"),
                    ("contract_reminder", "Påmindelse om kontrakt"),
                    ("contract_event", "Nyt i en kontrakt"),
                    ("quality_reminder", "Påmindelse om handling"),
                ],
                max_length=30,
                verbose_name="type",
            ),
        ),
    ]
