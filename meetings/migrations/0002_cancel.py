"""A meeting can be cancelled (status "cancelled", when and why), and an attachment can be
closed to named organisations even when its item is open (issue 15)."""

from django.db import migrations, models

STATUSES = ["draft", "invited", "held", "minutes_for_comment", "minutes_approved", "cancelled"]


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="meeting",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Kladde"),
                    ("invited", "Indkaldt"),
                    ("held", "Afholdt"),
                    ("minutes_for_comment", "Referat til kommentering"),
                    ("minutes_approved", "Referat godkendt"),
                    ("cancelled", "Aflyst"),
                ],
                default="draft",
                max_length=30,
                verbose_name="status",
            ),
        ),
        migrations.RemoveConstraint(model_name="meeting", name="meeting_status_valid"),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", STATUSES)), name="meeting_status_valid"
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="cancelled_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="aflyst"
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="cancel_reason",
            field=models.TextField(
                blank=True, editable=False, verbose_name="begrundelse for aflysningen"
            ),
        ),
        migrations.AddField(
            model_name="agendaattachment",
            name="restricted_to",
            field=models.ManyToManyField(
                blank=True,
                help_text=(
                    "Vælg ingen for et åbent bilag. Vælger du organisationer, ser kun deres "
                    "medarbejdere og sekretariatet bilaget, også når punktet er åbent."
                ),
                related_name="restricted_agenda_attachments",
                to="partnership.organisation",
                verbose_name="lukket bilag: kun for disse organisationer",
            ),
        ),
    ]
