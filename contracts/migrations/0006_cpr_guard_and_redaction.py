"""Contract texts refuse CPR numbers (partnership.fields; state only), and the append-only
contract history can be changed in one way only: the secretariat's redaction of a CPR
number (partnership_redaction_permits, partnership 0006)."""

from django.db import migrations, models

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION contracts_contractevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'Kontraktens historik kan ikke ændres eller slettes (hændelse %).', OLD.id
            USING ERRCODE = 'check_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
]
PG_BACKWARD = [
    """
    CREATE OR REPLACE FUNCTION contracts_contractevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'Kontraktens historik kan ikke ændres eller slettes (hændelse %).', OLD.id
            USING ERRCODE = 'check_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
]


class Migration(migrations.Migration):

    dependencies = [
        ('partnership', '0006_cpr_guard_and_redaction'),
        ('contracts', '0005_one_contract_per_intent'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contract',
            name='case_reference',
            field=models.CharField(help_text='Kommunens eget sagsnummer. Aldrig CPR-nummer eller navn.', max_length=100, verbose_name='kommunens sagsreference'),
        ),
        migrations.AlterField(
            model_name='contract',
            name='termination_reason',
            field=models.TextField(blank=True, verbose_name='begrundelse for ophør'),
        ),
        migrations.AlterField(
            model_name='contractclause',
            name='deviation_reason',
            field=models.TextField(blank=True, verbose_name='begrundelse for afvigelse'),
        ),
        migrations.AlterField(
            model_name='contractclause',
            name='text',
            field=models.TextField(verbose_name='tekst'),
        ),
        migrations.AlterField(
            model_name='contractevent',
            name='message',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='individualpriceitem',
            name='description',
            field=models.CharField(max_length=200, verbose_name='ydelse'),
        ),
        migrations.AlterField(
            model_name='individualpriceitem',
            name='reason',
            field=models.TextField(verbose_name='begrundelse'),
        ),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
