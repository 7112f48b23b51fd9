from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partnership", "0010_contract_mail")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="error_detail",
            field=models.TextField(blank=True, verbose_name="teknisk årsag"),
        ),
    ]
