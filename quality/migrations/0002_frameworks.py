"""The two quality frameworks every installation starts with. The secretariat maintains
them afterwards (names, descriptions, themes in or out of use)."""

from django.db import migrations

FRAMEWORKS = [
    (
        "kvalitetsvision",
        "Partnerskabets kvalitetsvision",
        "Partnerskabets fælles forståelse af kvalitet: borgeren, tilbuddet, takster og "
        "kontrakter, og processerne.",
        [
            ("Borger", "Borgeren får støtte, der matcher behovet, dokumenteret ved resultater, "
             "trivsel og progression."),
            ("Tilbud", "Tilbuddet er tydeligt om, hvad det kan, det faglige grundlag og effekten."),
            ("Takster og kontrakter", "Takster, kontrakter og rammer er gennemsigtige og "
             "rimelige, så pris og ydelse kan ses sammen."),
            ("Processer", "Gennemsigtige og ensartede processer, sammenlignelige på tværs af "
             "tilbud, med synlig kvalitet."),
        ],
    ),
    (
        "kvalitetsmodel",
        "Socialtilsynets kvalitetsmodel",
        "Socialtilsynets vurdering af tilbud på temaer, hver scoret 1-5 "
        "(økonomi vurderes for sig).",
        [
            ("Uddannelse og beskæftigelse", ""),
            ("Selvstændighed og relationer", ""),
            ("Målgruppe, metoder og resultater", ""),
            ("Sundhed og trivsel", ""),
            ("Organisation og ledelse", ""),
            ("Kompetencer", ""),
            ("Fysiske rammer", ""),
        ],
    ),
]


def forward(apps, schema_editor):
    """Idempotent: creates what is missing and leaves the secretariat's edits alone."""
    Framework = apps.get_model("quality", "Framework")
    Theme = apps.get_model("quality", "Theme")
    for i, (key, name, description, themes) in enumerate(FRAMEWORKS):
        framework, _created = Framework.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "order": i * 10}
        )
        for j, (theme, theme_description) in enumerate(themes):
            Theme.objects.get_or_create(
                framework=framework,
                name=theme,
                defaults={"description": theme_description, "order": j * 10},
            )


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
