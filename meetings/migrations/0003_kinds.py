"""A neutral agenda item kind for velkomst, pause and eventuelt ("praktisk"): no kind is
shown before its title (meetings.models.shown_kind)."""

from django.db import migrations, models

KINDS = [
    ("temadroeftelse", "Temadrøftelse"),
    ("orientering", "Orientering"),
    ("borddroeftelse", "Borddrøftelse"),
    ("plenumdroeftelse", "Plenumdrøftelse"),
    ("beslutning", "Beslutning"),
    ("opfoelgning", "Opfølgning"),
    ("praktisk", "Praktisk (velkomst, pause, eventuelt)"),
]


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_cancel")]

    operations = [
        migrations.RemoveConstraint(model_name="agendaitem", name="agendaitem_kind_valid"),
        migrations.AlterField(
            model_name="agendaitem",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="type"),
        ),
        migrations.AlterField(
            model_name="minutesentry",
            name="item_kind",
            field=models.CharField(
                blank=True, choices=KINDS, editable=False, max_length=20, verbose_name="type"
            ),
        ),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", [value for value, _label in KINDS])),
                name="agendaitem_kind_valid",
            ),
        ),
    ]
