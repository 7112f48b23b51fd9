"""The service declaration is kept with each tariff version, and questions that could
contradict each other become one question with exclusive answers (issue 13, finding 3).

* ``offers_tariffdeclarationanswer``: when a tariff version is published, the database copies
  the offer's answers to the active questions into it (one statement-level trigger for every
  way a tariff is published: the form, the import's bulk insert, raw SQL). The rows are
  written only by that trigger (``pg_trigger_depth() > 1``), never changed afterwards except
  by the secretariat's CPR redaction (``partnership_redaction_permits``), never deleted.
* ``DeclarationOption``: "Vågen nattevagt" and "Sovende nattevagt" were two yes/no questions
  (both could be "indeholdt", or neither while the offer has a night watch); so were
  "Kontakt døgnet rundt" and "Kontakt i dagtimerne". Each pair is now one question whose
  answer names one option (or "Tilbydes ikke"). Existing answers are merged: the stronger
  option answered as included or paid for wins (vågen before sovende, døgnet rundt before
  dagtimer); the old questions are kept inactive, their live answers removed.
* The answers in force today are frozen with each offer's latest published tariff; older
  versions have none (nobody can say now what they included), and the pages say so.
"""

import django.db.models.deletion
from django.db import migrations, models

import partnership.fields

MERGES = [
    # new key, group, text, help text, [(old key, option key, option label)]
    (
        "nattevagt",
        "Bemanding",
        "Nattevagt",
        "Hvilken nattevagt er der på stedet? Er der ingen nattevagt, så svar «Tilbydes ikke».",
        [
            ("vaagen-nattevagt", "vaagen", "Vågen nattevagt"),
            ("sovende-nattevagt", "sovende", "Sovende nattevagt, der kan vækkes"),
        ],
    ),
    (
        "kontakt-personale",
        "Kontakt",
        "Kontakt til personale",
        "Hvornår kan borgeren få kontakt til personalet?",
        [
            ("kontakt-doegnet-rundt", "doegnet-rundt", "Døgnet rundt"),
            ("kontakt-dagtimer", "dagtimer", "Kun i dagtimerne"),
        ],
    ),
]


def forward(apps, schema_editor):
    """Merge the questions (also run on a test database emptied by a transactional test:
    tests/conftest.py REFERENCE_DATA_MIGRATIONS)."""
    Question = apps.get_model("offers", "DeclarationQuestion")
    Option = apps.get_model("offers", "DeclarationOption")
    Answer = apps.get_model("offers", "DeclarationAnswer")
    for key, group, text, help_text, parts in MERGES:
        old = {q.key: q for q in Question.objects.filter(key__in=[p[0] for p in parts])}
        order = min((q.order for q in old.values()), default=100)
        question, _ = Question.objects.update_or_create(
            key=key,
            defaults={"group": group, "text": text, "help_text": help_text, "order": order},
        )
        options = []
        for i, (old_key, option_key, label) in enumerate(parts):
            option, _ = Option.objects.update_or_create(
                question=question, key=option_key, defaults={"label": label, "order": i * 10}
            )
            options.append((old.get(old_key), option))
        merged = {}
        for old_question, option in options:  # the stronger option first
            if old_question is None:
                continue
            for a in Answer.objects.filter(question=old_question):
                current = merged.get(a.offer_id)
                if current is None or (
                    current.answer == "not_offered" and a.answer != "not_offered"
                ):
                    merged[a.offer_id] = Answer(
                        offer_id=a.offer_id,
                        question=question,
                        answer=a.answer,
                        option=None if a.answer == "not_offered" else option,
                        price=a.price,
                        unit=a.unit,
                        note=a.note,
                    )
        # Idempotent: only offers that answered the old questions are touched.
        Answer.objects.filter(question__in=old.values()).delete()
        Answer.objects.filter(question=question, offer_id__in=merged).delete()
        Answer.objects.bulk_create(merged.values())
        Question.objects.filter(pk__in=[q.pk for q in old.values()]).update(is_active=False)


FREEZE_COLUMNS = "tariff_id, question_id, answer, option_id, price, unit, note"

PG_FORWARD = [
    # The merge above left deferred foreign-key checks; run them before adding triggers.
    "SET CONSTRAINTS ALL IMMEDIATE;",
    # A question's option is one of its own; a question with options is answered with one.
    """
    CREATE OR REPLACE FUNCTION offers_declarationanswer_option() RETURNS trigger AS $$
    BEGIN
        IF NEW.option_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM offers_declarationoption o
             WHERE o.id = NEW.option_id AND o.question_id = NEW.question_id) THEN
            RAISE EXCEPTION 'Svarmuligheden hører ikke til spørgsmålet.'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.option_id IS NULL AND NEW.answer <> 'not_offered' AND EXISTS (
            SELECT 1 FROM offers_declarationoption o WHERE o.question_id = NEW.question_id) THEN
            RAISE EXCEPTION 'Vælg en af svarmulighederne, eller svar «Tilbydes ikke».'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_declarationanswer_option BEFORE INSERT OR UPDATE "
    "ON offers_declarationanswer FOR EACH ROW EXECUTE FUNCTION offers_declarationanswer_option();",
    # The answers in force now go with each offer's latest published tariff.
    f"""
    INSERT INTO offers_tariffdeclarationanswer ({FREEZE_COLUMNS})
    SELECT t.id, a.question_id, a.answer, a.option_id, a.price, a.unit, a.note
      FROM (SELECT DISTINCT ON (offer_id) id, offer_id FROM offers_tariff
             WHERE status = 'published' ORDER BY offer_id, year DESC, version DESC) t
      JOIN offers_declarationanswer a ON a.offer_id = t.offer_id
      JOIN offers_declarationquestion q ON q.id = a.question_id AND q.is_active;
    """,
    # Publishing freezes the declaration: one INSERT ... SELECT per statement, so a bulk
    # insert of 10,000 published tariffs costs one statement, not 10,000.
    f"""
    CREATE OR REPLACE FUNCTION offers_tariff_freeze_declaration() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO offers_tariffdeclarationanswer ({FREEZE_COLUMNS})
            SELECT n.id, a.question_id, a.answer, a.option_id, a.price, a.unit, a.note
              FROM new_rows n
              JOIN offers_declarationanswer a ON a.offer_id = n.offer_id
              JOIN offers_declarationquestion q ON q.id = a.question_id AND q.is_active
             WHERE n.status = 'published';
        ELSE
            INSERT INTO offers_tariffdeclarationanswer ({FREEZE_COLUMNS})
            SELECT n.id, a.question_id, a.answer, a.option_id, a.price, a.unit, a.note
              FROM new_rows n
              JOIN old_rows o ON o.id = n.id
              JOIN offers_declarationanswer a ON a.offer_id = n.offer_id
              JOIN offers_declarationquestion q ON q.id = a.question_id AND q.is_active
             WHERE n.status = 'published' AND o.status <> 'published';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_tariff_freeze_declaration_insert AFTER INSERT ON offers_tariff "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION offers_tariff_freeze_declaration();",
    "CREATE TRIGGER offers_tariff_freeze_declaration_update AFTER UPDATE ON offers_tariff "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION offers_tariff_freeze_declaration();",
    # Written by the trigger above only; then only a CPR redaction may touch a row.
    """
    CREATE OR REPLACE FUNCTION offers_tariffdeclarationanswer_immutable() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF pg_trigger_depth() > 1 THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'Deklarationen for en takst gemmes kun, når taksten offentliggøres.'
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE'
           AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'Deklarationen for en offentliggjort takst kan ikke ændres eller slettes.'
            USING ERRCODE = 'check_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_tariffdeclarationanswer_immutable "
    "BEFORE INSERT OR UPDATE OR DELETE ON offers_tariffdeclarationanswer "
    "FOR EACH ROW EXECUTE FUNCTION offers_tariffdeclarationanswer_immutable();",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS offers_tariffdeclarationanswer_immutable "
    "ON offers_tariffdeclarationanswer;",
    "DROP FUNCTION IF EXISTS offers_tariffdeclarationanswer_immutable();",
    "DROP TRIGGER IF EXISTS offers_tariff_freeze_declaration_update ON offers_tariff;",
    "DROP TRIGGER IF EXISTS offers_tariff_freeze_declaration_insert ON offers_tariff;",
    "DROP FUNCTION IF EXISTS offers_tariff_freeze_declaration();",
    "DELETE FROM offers_tariffdeclarationanswer;",
    "DROP TRIGGER IF EXISTS offers_declarationanswer_option ON offers_declarationanswer;",
    "DROP FUNCTION IF EXISTS offers_declarationanswer_option();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0011_saved_searches"),
        ("partnership", "0006_cpr_guard_and_redaction"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeclarationOption",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", partnership.fields.SlugField(verbose_name="nøgle")),
                (
                    "label",
                    partnership.fields.CharField(max_length=150, verbose_name="svarmulighed"),
                ),
                ("order", models.PositiveIntegerField(default=100, verbose_name="rækkefølge")),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="options",
                        to="offers.declarationquestion",
                    ),
                ),
            ],
            options={
                "verbose_name": "svarmulighed",
                "verbose_name_plural": "svarmuligheder",
                "ordering": ["order", "key"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("question", "key"), name="declaration_option_key"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="declarationanswer",
            name="option",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="offers.declarationoption",
            ),
        ),
        migrations.AddConstraint(
            model_name="declarationanswer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("answer", "not_offered"), _negated=True),
                    ("option__isnull", True),
                    _connector="OR",
                ),
                name="declaration_not_offered_has_no_option",
            ),
        ),
        migrations.CreateModel(
            name="TariffDeclarationAnswer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "answer",
                    models.CharField(
                        choices=[
                            ("included", "Indeholdt i taksten"),
                            ("extra", "Mod betaling"),
                            ("not_offered", "Tilbydes ikke"),
                        ],
                        max_length=20,
                        verbose_name="svar",
                    ),
                ),
                (
                    "price",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=12,
                        null=True,
                        verbose_name="pris (kr.)",
                    ),
                ),
                (
                    "unit",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("hour", "pr. time"),
                            ("day", "pr. døgn"),
                            ("month", "pr. måned"),
                            ("km", "pr. km"),
                            ("individual", "individuel pris"),
                        ],
                        max_length=20,
                        verbose_name="enhed",
                    ),
                ),
                (
                    "note",
                    partnership.fields.CharField(
                        blank=True, max_length=500, verbose_name="bemærkning"
                    ),
                ),
                (
                    "option",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="offers.declarationoption",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="offers.declarationquestion",
                    ),
                ),
                (
                    "tariff",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="declaration",
                        to="offers.tariff",
                    ),
                ),
            ],
            options={
                "verbose_name": "deklarationssvar for en takst",
                "verbose_name_plural": "deklarationssvar for takster",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tariff", "question"), name="tariff_declaration_one_answer"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
