from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("quality", "0004_versioned_model_and_sources")]

    operations = []
