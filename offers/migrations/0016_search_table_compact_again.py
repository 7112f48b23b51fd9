"""offers_searchrow written compactly again after migration 0015 wrote every row anew (as
migration 0014 did): in a migration of its own, so that the rows' old versions, which 0015's
transaction made, are gone when CLUSTER copies the table (in 0015's own transaction it copied
them too: 2,646 pages on the bench data instead of 1,382)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("offers", "0015_search_prices_by_year")]

    operations = [
        migrations.RunSQL(
            [
                "CLUSTER offers_searchrow USING searchrow_status_name;",
                "ANALYZE offers_searchrow;",
            ],
            migrations.RunSQL.noop,
        )
    ]
