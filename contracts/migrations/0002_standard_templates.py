"""The three templates of KL's standard contracts, version 2.0, with their clause structure.
The clause texts are summaries for the secretariat to replace (contracts/standard_texts.py)."""

from datetime import date

from django.db import migrations

KINDS = ["adults_inside", "adults_outside", "children"]


def forward(apps, schema_editor):
    from contracts.standard_texts import SUMMARY_NOTE, TITLES, clauses

    ContractTemplate = apps.get_model("contracts", "ContractTemplate")
    TemplateClause = apps.get_model("contracts", "TemplateClause")
    for kind in KINDS:
        template, created = ContractTemplate.objects.get_or_create(
            kind=kind,
            version="2.0",
            defaults={"title": TITLES[kind], "valid_from": date(2023, 10, 1), "status": "published", "note": SUMMARY_NOTE},
        )
        if not created:
            continue
        for order, (number, title, text, changeable) in enumerate(clauses(kind)):
            TemplateClause.objects.create(
                template=template, number=number, order=order, title=title, text=text, changeable=changeable
            )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
