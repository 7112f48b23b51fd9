"""Quality with a source and a version (issue 13, finding 5).

- A framework row is one edition of a quality model: `family` (editions of one model share
  it), `edition`, `valid_from`; criteria (and, with a parent, indicators) per theme.
  Socialtilsynets kvalitetsmodel becomes the 2014 edition (7 themes, in force from 1 January
  2014), and the edition after L 200 (2024-25) is seeded with its 5 themes, not in use and
  without a date: the secretariat sets the date it takes effect (`seed_editions`).
- An assessment says whose scores it holds (`origin`: Socialtilsynet's or the provider's
  own) and which organisation entered it. Existing assessments keep their edition (the
  2014 one); those entered by a secretariat member become Socialtilsynet's, all others the
  provider's own ("oplyst af leverandøren"): none is labelled Socialtilsynet's without a
  secretariat member behind it.
- Trigger `quality_assessment_origin`: Socialtilsynet's scores are entered by an active
  secretariat member for the secretariat, the provider's own by an active editor of the
  offer's provider, whatever path the row takes (portal, admin, raw SQL)."""

import datetime

import django.db.models.deletion
from django.db import migrations, models

THEMES_2014 = [
    "Uddannelse og beskæftigelse",
    "Selvstændighed og relationer",
    "Målgruppe, metoder og resultater",
    "Sundhed og trivsel",
    "Organisation og ledelse",
    "Kompetencer",
    "Fysiske rammer",
]
REMOVED_BY_L200 = {"Uddannelse og beskæftigelse", "Selvstændighed og relationer"}

# Short summaries of the criteria, marked as such in the frameworks' descriptions: the
# secretariat replaces them with the wording of the executive order.
CRITERIA = {
    "Uddannelse og beskæftigelse": [
        (
            "1",
            "Tilbuddet understøtter, at borgerne udnytter deres potentiale i forhold til "
            "uddannelse og beskæftigelse.",
        ),
    ],
    "Selvstændighed og relationer": [
        ("2", "Tilbuddet styrker borgernes sociale kompetencer og selvstændighed."),
    ],
    "Målgruppe, metoder og resultater": [
        (
            "3",
            "Tilbuddet anvender faglige tilgange og metoder, der fører til positive "
            "resultater for borgerne.",
        ),
        ("4", "Tilbuddet sikrer borgernes selv- og medbestemmelse."),
    ],
    "Sundhed og trivsel": [
        ("5", "Tilbuddet understøtter borgernes fysiske og mentale sundhed og trivsel."),
        ("6", "Tilbuddet forebygger og håndterer magtanvendelser."),
        ("7", "Tilbuddet forebygger og håndterer overgreb."),
    ],
    "Organisation og ledelse": [
        ("8", "Tilbuddet har en fagligt kompetent ledelse."),
        ("9", "Tilbuddets daglige drift varetages kompetent."),
    ],
    "Kompetencer": [
        (
            "10",
            "Tilbuddets medarbejdere har relevante kompetencer i forhold til målgruppens "
            "behov og tilbuddets metoder.",
        ),
    ],
    "Fysiske rammer": [
        ("11", "Tilbuddets fysiske rammer understøtter borgernes udvikling og trivsel."),
    ],
}
SUMMARY_NOTE = (
    " Kriteriernes tekster er korte sammenfatninger; sekretariatet erstatter dem med "
    "bekendtgørelsens ordlyd."
)
L200 = {
    "key": "kvalitetsmodel-l200",
    "name": "Socialtilsynets kvalitetsmodel (L 200)",
    "edition": "L 200 (2024-25)",
    "description": (
        "Kvalitetsmodellen efter lov nr. L 200 (2024-25): temaerne Uddannelse og "
        "beskæftigelse og Selvstændighed og relationer udgår, og indikatorerne falder "
        "bort. Gælder fra den dato, sekretariatet fastsætter." + SUMMARY_NOTE
    ),
}


def _criteria(Criterion, theme):
    for i, (code, text) in enumerate(CRITERIA.get(theme.name, [])):
        Criterion.objects.get_or_create(
            theme=theme, code=code, defaults={"text": text, "order": i * 10}
        )


def seed_editions(apps, schema_editor):
    """Idempotent, and callable with the current models (tests put it back after a flush,
    like 0002's `forward`): the 2014 edition's dates and criteria, the L 200 edition, and
    each existing assessment's origin."""
    if schema_editor is not None:
        # The rows below are checked at once, so the column can be made NOT NULL after.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Framework = apps.get_model("quality", "Framework")
    Theme = apps.get_model("quality", "Theme")
    Criterion = apps.get_model("quality", "Criterion")
    Assessment = apps.get_model("quality", "Assessment")
    Membership = apps.get_model("partnership", "Membership")

    for framework in Framework.objects.filter(family=""):
        framework.family = framework.key
        framework.save(update_fields=["family"])

    current = Framework.objects.filter(key="kvalitetsmodel").first()
    if current is not None:
        if not current.edition:
            current.edition = "2014"
            current.valid_from = current.valid_from or datetime.date(2014, 1, 1)
            if SUMMARY_NOTE.strip() not in current.description:
                current.description += SUMMARY_NOTE
            current.save(update_fields=["edition", "valid_from", "description"])
        for theme in Theme.objects.filter(framework=current):
            _criteria(Criterion, theme)
        l200, _created = Framework.objects.get_or_create(
            key=L200["key"],
            defaults={
                "family": current.family,
                "name": L200["name"],
                "edition": L200["edition"],
                "description": L200["description"],
                "order": current.order + 1,
                "is_active": False,
                "valid_from": None,
            },
        )
        if (l200.family, l200.edition) != (current.family, L200["edition"]):
            # Put back after the migration was reversed and applied again.
            l200.family, l200.edition = current.family, L200["edition"]
            l200.description = l200.description or L200["description"]
            l200.save(update_fields=["family", "edition", "description"])
        kept = [name for name in THEMES_2014 if name not in REMOVED_BY_L200]
        for j, name in enumerate(kept):
            theme, _created = Theme.objects.get_or_create(
                framework=l200, name=name, defaults={"order": j * 10}
            )
            _criteria(Criterion, theme)

    secretariat_members = {
        (m.user_id, m.organisation_id)
        for m in Membership.objects.filter(role="secretariat", organisation__kind="secretariat")
    }
    for assessment in Assessment.objects.filter(
        entered_by_organisation__isnull=True
    ).select_related("offer"):
        org_id = next((o for (u, o) in secretariat_members if u == assessment.created_by_id), None)
        if org_id is not None:
            assessment.origin, assessment.entered_by_organisation_id = "socialtilsynet", org_id
        else:
            assessment.origin = "provider"
            assessment.entered_by_organisation_id = assessment.offer.provider_id
        assessment.save(update_fields=["origin", "entered_by_organisation"])
    if schema_editor is not None:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


TRIGGER = [
    """
    CREATE OR REPLACE FUNCTION quality_assessment_origin() RETURNS trigger AS $$
    DECLARE
        org_kind varchar;
        offer_provider bigint;
        member_role varchar;
    BEGIN
        SELECT kind INTO org_kind FROM partnership_organisation
         WHERE id = NEW.entered_by_organisation_id;
        IF NEW.origin = 'socialtilsynet' THEN
            IF org_kind IS DISTINCT FROM 'secretariat' THEN
                RAISE EXCEPTION 'Kun sekretariatet kan registrere Socialtilsynets scorer.'
                    USING ERRCODE = 'check_violation';
            END IF;
            member_role := 'secretariat';
        ELSE
            SELECT provider_id INTO offer_provider FROM offers_offer WHERE id = NEW.offer_id;
            IF NEW.entered_by_organisation_id IS DISTINCT FROM offer_provider THEN
                RAISE EXCEPTION 'Leverandørens egne scorer registreres af leverandøren.'
                    USING ERRCODE = 'check_violation';
            END IF;
            member_role := 'provider_editor';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM partnership_membership m
              JOIN partnership_user u ON u.id = m.user_id
             WHERE m.user_id = NEW.created_by_id
               AND m.organisation_id = NEW.entered_by_organisation_id
               AND m.role = member_role AND m.is_active AND u.is_active
        ) THEN
            RAISE EXCEPTION 'Vurderingen skal registreres af en aktiv person med rollen % i organisationen.', member_role
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER quality_assessment_origin "
    "BEFORE INSERT OR UPDATE OF origin, entered_by_organisation_id, offer_id "
    "ON quality_assessment FOR EACH ROW EXECUTE FUNCTION quality_assessment_origin();",
]
TRIGGER_BACKWARD = [
    "DROP TRIGGER IF EXISTS quality_assessment_origin ON quality_assessment;",
    "DROP FUNCTION IF EXISTS quality_assessment_origin();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0001_initial"),
        ("offers", "0001_initial"),
        ("quality", "0003_cpr_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="framework",
            name="family",
            field=models.SlugField(
                blank=True,
                help_text="Udgaver af samme model har samme nøgle her (som standard rammens egen).",
                verbose_name="model",
            ),
        ),
        migrations.AddField(
            model_name="framework",
            name="edition",
            field=models.CharField(blank=True, max_length=100, verbose_name="udgave"),
        ),
        migrations.AddField(
            model_name="framework",
            name="valid_from",
            field=models.DateField(
                blank=True,
                help_text="Tom: gælder fra starten (den første udgave) eller endnu ikke fastsat.",
                null=True,
                verbose_name="gælder fra",
            ),
        ),
        migrations.CreateModel(
            name="Criterion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=10, verbose_name="nummer")),
                ("text", models.TextField(verbose_name="tekst")),
                ("order", models.PositiveIntegerField(default=0, verbose_name="rækkefølge")),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="indicators",
                        to="quality.criterion",
                        verbose_name="kriterium",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="criteria",
                        to="quality.theme",
                        verbose_name="tema",
                    ),
                ),
            ],
            options={
                "verbose_name": "kriterium",
                "verbose_name_plural": "kriterier",
                "ordering": ["theme", "order", "code"],
                "constraints": [
                    models.UniqueConstraint(fields=("theme", "code"), name="criterion_unique_code")
                ],
            },
        ),
        migrations.AddField(
            model_name="assessment",
            name="origin",
            field=models.CharField(
                choices=[
                    ("socialtilsynet", "Socialtilsynet"),
                    ("provider", "Oplyst af leverandøren"),
                ],
                default="provider",
                max_length=20,
                verbose_name="kilde",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="assessment",
            name="entered_by_organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.organisation",
                verbose_name="indtastet af organisation",
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="source",
            field=models.CharField(
                blank=True,
                help_text="Fx 'Tilsynsrapport fra Socialtilsyn Øst' eller 'Egen trivselsmåling'.",
                max_length=300,
                verbose_name="henvisning",
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="assessed_on",
            field=models.DateField(
                help_text="For Socialtilsynets scorer: rapportens dato.",
                verbose_name="dato for vurderingen",
            ),
        ),
        migrations.RunPython(seed_editions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="assessment",
            name="entered_by_organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.organisation",
                verbose_name="indtastet af organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="framework",
            constraint=models.UniqueConstraint(
                fields=("family", "valid_from"),
                name="framework_edition_date_once",
                violation_error_message="En anden udgave af modellen gælder fra samme dato.",
            ),
        ),
        migrations.AddConstraint(
            model_name="framework",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_active", True), ("valid_from__isnull", True)),
                fields=("family",),
                name="framework_one_undated_edition_in_use",
                violation_error_message=(
                    "Sæt en dato: en anden udgave af modellen er allerede i brug uden dato."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(("origin__in", ["socialtilsynet", "provider"])),
                name="assessment_origin_valid",
            ),
        ),
        migrations.RunSQL(TRIGGER, TRIGGER_BACKWARD),
    ]
