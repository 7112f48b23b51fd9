"""Versions of KL's standard contracts (issue 14, finding 6): the secretariat drafts a new
version of a template from the published one, and publishes it; the old one becomes
"erstattet".

- Who drafted and published a version, the version it was drafted from, its change note
  (required before publishing a new version), and whether a clause's text is still the
  portal's summary rather than KL's wording (the 2.0 clauses are).
- One published version and one draft per kind (partial unique indexes).
- A published or replaced version never changes, nor its clauses: the triggers
  contracts_contracttemplate_immutable and contracts_templateclause_immutable refuse
  UPDATE and DELETE (raw SQL included). The one change allowed is publishing's: a
  published version becomes "replaced" (status and replaced_at, nothing else), and, as for
  published tariffs (offers/0006), the secretariat's redaction of a CPR number
  (partnership_redaction_permits).

`forward` is also how an emptied test database gets the three 2.0 templates again
(tests/conftest.py REFERENCE_DATA_MIGRATIONS lists it in place of 0002, whose inserts the
triggers would refuse): a missing template is built as a draft and then published.
"""

from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

KINDS = ["adults_inside", "adults_outside", "children"]


def forward(apps, schema_editor):
    from contracts.standard_texts import SUMMARY_NOTE, TITLES, clauses

    ContractTemplate = apps.get_model("contracts", "ContractTemplate")
    TemplateClause = apps.get_model("contracts", "TemplateClause")
    now = timezone.now()
    for kind in KINDS:
        template = ContractTemplate.objects.filter(kind=kind, version="2.0").first()
        if template is None:
            template = ContractTemplate.objects.create(
                kind=kind,
                version="2.0",
                title=TITLES[kind],
                valid_from=date(2023, 10, 1),
                status="draft",
                note=SUMMARY_NOTE,
            )
            TemplateClause.objects.bulk_create(
                TemplateClause(
                    template=template,
                    number=number,
                    order=order,
                    title=title,
                    text=text,
                    changeable=changeable,
                    is_summary=True,
                )
                for order, (number, title, text, changeable) in enumerate(clauses(kind))
            )
            ContractTemplate.objects.filter(pk=template.pk).update(
                status="published", published_at=now
            )
            continue
        # Migrating a database 0002 filled (before the triggers below exist): the 2.0
        # texts are the portal's summaries, published when 0002 made them.
        TemplateClause.objects.filter(template=template, is_summary=False).update(is_summary=True)
        ContractTemplate.objects.filter(pk=template.pk, published_at__isnull=True).exclude(
            status="draft"
        ).update(published_at=template.created_at)


PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION contracts_contracttemplate_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status <> 'draft' THEN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.status = 'published' AND NEW.status = 'replaced'
                   AND (to_jsonb(NEW) - 'status' - 'replaced_at')
                       = (to_jsonb(OLD) - 'status' - 'replaced_at') THEN
                    RETURN NEW;
                END IF;
                IF partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION 'En offentliggjort standardkontrakt kan ikke ændres eller slettes (skabelon %). Opret en ny version.', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER contracts_contracttemplate_immutable
        BEFORE UPDATE OR DELETE ON contracts_contracttemplate
        FOR EACH ROW EXECUTE FUNCTION contracts_contracttemplate_immutable();
    """,
    """
    CREATE OR REPLACE FUNCTION contracts_templateclause_immutable() RETURNS trigger AS $$
    DECLARE parent_status varchar;
    BEGIN
        SELECT status INTO parent_status FROM contracts_contracttemplate
         WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.template_id ELSE OLD.template_id END;
        IF parent_status <> 'draft' THEN
            IF TG_OP = 'UPDATE'
               AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'Punkterne i en offentliggjort standardkontrakt kan ikke ændres.'
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.template_id <> OLD.template_id THEN
            SELECT status INTO parent_status FROM contracts_contracttemplate
             WHERE id = NEW.template_id;
            IF parent_status <> 'draft' THEN
                RAISE EXCEPTION 'Punkterne i en offentliggjort standardkontrakt kan ikke ændres.'
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER contracts_templateclause_immutable
        BEFORE INSERT OR UPDATE OR DELETE ON contracts_templateclause
        FOR EACH ROW EXECUTE FUNCTION contracts_templateclause_immutable();
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS contracts_templateclause_immutable ON contracts_templateclause;",
    "DROP FUNCTION IF EXISTS contracts_templateclause_immutable();",
    "DROP TRIGGER IF EXISTS contracts_contracttemplate_immutable ON contracts_contracttemplate;",
    "DROP FUNCTION IF EXISTS contracts_contracttemplate_immutable();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0008_terms_and_amendments"),
        ("partnership", "0006_cpr_guard_and_redaction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contracttemplate",
            name="change_note",
            field=models.TextField(
                blank=True,
                help_text="Hvad er ændret i forhold til den gældende version, og hvorfor.",
                max_length=4000,
                verbose_name="ændringsnote",
            ),
        ),
        migrations.AddField(
            model_name="contracttemplate",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contracttemplate",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.contracttemplate",
                verbose_name="udarbejdet ud fra",
            ),
        ),
        migrations.AddField(
            model_name="contracttemplate",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="offentliggjort"),
        ),
        migrations.AddField(
            model_name="contracttemplate",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contracttemplate",
            name="replaced_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="erstattet"),
        ),
        migrations.AddField(
            model_name="templateclause",
            name="is_summary",
            field=models.BooleanField(
                default=False,
                help_text="Teksten er portalens resumé, ikke KL's officielle ordlyd.",
                verbose_name="resumé",
            ),
        ),
        migrations.AlterField(
            model_name="contracttemplate",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Kladde"),
                    ("published", "Offentliggjort"),
                    ("replaced", "Erstattet"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="contracttemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "published", "replaced"])),
                name="template_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="contracttemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "published")),
                fields=("kind",),
                name="template_one_published_per_kind",
                violation_error_message=(
                    "Der kan kun være én offentliggjort version af hver standardkontrakt."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="contracttemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("kind",),
                name="template_one_draft_per_kind",
                violation_error_message="Der er allerede en kladde til en ny version.",
            ),
        ),
        migrations.AddConstraint(
            model_name="contracttemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    ("previous__isnull", True),
                    models.Q(("change_note", ""), _negated=True),
                    _connector="OR",
                ),
                name="template_new_version_has_change_note",
                violation_error_message="Skriv en ændringsnote, før versionen offentliggøres.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="contracttemplate",
            name="template_unique_version",
            constraint=models.UniqueConstraint(
                fields=("kind", "version"),
                name="template_unique_version",
                violation_error_message=(
                    "Standardkontrakten har allerede en version med det nummer."
                ),
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
