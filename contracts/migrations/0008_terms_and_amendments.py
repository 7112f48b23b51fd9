"""Issue 14: terms are clause text; an amendment governs from its effective date.

- The state superseded ("Erstattet af tillæg") in the field's choices and in the check
  contract_state_valid: the version an amendment in force replaced.
- Contracts still "Aktiv" beside an active amendment of theirs are superseded (with an
  event; the history is append-only, so earlier events stay).
- Each contract's terms written into their clauses (contracts.standard_texts): the tariff
  into clause 3 (and its standard text), and each term other than the standard into its
  clause where the clause still holds the standard wording. A clause that deviates by a term
  and had no reason gets one saying so."""

from django.db import migrations, models
from django.utils.formats import date_format

from contracts import standard_texts

CARRIED_REASON = (
    "Vilkåret afviger fra standardkontrakten (skrevet ind i punktet, da vilkår og punkter "
    "kom til at følge samme kilde)."
)


def supersede_originals(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractEvent = apps.get_model("contracts", "ContractEvent")
    for amendment in Contract.objects.filter(
        state="active", amendment_of__state="active"
    ).select_related("amendment_of"):
        original = amendment.amendment_of
        original.state = "superseded"
        original.save(update_fields=["state"])
        ContractEvent.objects.create(
            contract=original,
            kind="state",
            before={"state": "active"},
            after={"state": "superseded"},
            message=f"Erstattet af tillæg af {date_format(amendment.start_date, 'j. F Y')}.",
        )


def write_terms_into_clauses(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    base = standard_texts.template_values()
    for contract in Contract.objects.select_related("tariff").prefetch_related("clauses"):
        terms = standard_texts.values(contract)
        standard = standard_texts.standard_values(contract)
        for clause in contract.clauses.all():
            if clause.number not in standard_texts.TERM_CLAUSES:
                continue
            text = standard_texts.rewrite(clause.text, clause.number, base, terms)
            standard_text = standard_texts.rewrite(
                clause.standard_text, clause.number, base, standard
            )
            reason = clause.deviation_reason
            if text != standard_text and not reason:
                if not clause.changeable:
                    continue  # the term cannot be written into an unchangeable clause
                reason = CARRIED_REASON
            if (text, standard_text, reason) != (
                clause.text,
                clause.standard_text,
                clause.deviation_reason,
            ):
                clause.text, clause.standard_text = text, standard_text
                clause.deviation_reason = reason if text != standard_text else ""
                clause.save(update_fields=["text", "standard_text", "deviation_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0007_states_and_dates"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="contract",
            name="contract_state_valid",
        ),
        migrations.AlterField(
            model_name="contract",
            name="state",
            field=models.CharField(
                choices=[
                    ("draft", "Kladde"),
                    ("sent", "Sendt til leverandøren"),
                    ("negotiation", "Under forhandling"),
                    ("signed", "Underskrevet"),
                    ("active", "Aktiv"),
                    ("renegotiation", "Under genforhandling"),
                    ("superseded", "Erstattet af tillæg"),
                    ("notice_given", "Opsagt"),
                    ("terminated", "Ophørt"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "draft",
                            "sent",
                            "negotiation",
                            "signed",
                            "active",
                            "renegotiation",
                            "superseded",
                            "notice_given",
                            "terminated",
                        ],
                    )
                ),
                name="contract_state_valid",
            ),
        ),
        migrations.RunPython(supersede_originals, migrations.RunPython.noop),
        migrations.RunPython(write_terms_into_clauses, migrations.RunPython.noop),
    ]
