"""The minutes entries without a snapshot, indexed by their minutes (issue 17: the meeting
page's open-actions digest looked them up by reading every entry and agenda item)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_minutes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="minutesentry",
            index=models.Index(
                condition=models.Q(("closed_to_ids__isnull", True)),
                fields=["minutes"],
                name="minutesentry_unsnapped",
            ),
        ),
    ]
