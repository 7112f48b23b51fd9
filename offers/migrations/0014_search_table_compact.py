"""The search's narrow table kept compact (issue 17: new searches).

offers_searchrow is written by triggers (migration 0013) on every change of an offer, its
links, its current price or vacancy: each write is a new version of the row. With the pages
full (fillfactor 100), the new version goes to another page, so the table grew to many times
its live rows (16,360 pages for 10,000 rows on the bench data, 1,100 when compact), and a
search that reads the rows matching a filter (the count, a filter on price, age or
vacancies) read a page per row.

Here the table keeps a fifth of each page free (fillfactor 80), so a row's new version fits
on its own page: the trigger's writes change no indexed column unless the offer's name,
status, provider, municipality, links or text change, so they are HOT updates, and the old
versions are pruned on the page instead of spreading the table. The table is then written
again compactly (CLUSTER, in the order of the search's default order by name, which is also
the order the first page of a search by name reads).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE offers_searchrow SET (fillfactor = 80);",
    "CLUSTER offers_searchrow USING searchrow_status_name;",
    "ANALYZE offers_searchrow;",
]

BACKWARD = [
    "ALTER TABLE offers_searchrow SET WITHOUT CLUSTER;",
    "ALTER TABLE offers_searchrow RESET (fillfactor);",
]


class Migration(migrations.Migration):
    dependencies = [("offers", "0013_search_table")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
