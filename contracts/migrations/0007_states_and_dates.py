"""Issue 14: notice makes a contract "Opsagt" (notice_given) until its end date, when the
daily task makes it "Ophørt" (terminated).

- The state notice_given in the field's choices and in the check contract_state_valid.
- contract_notice_has_dates: an opsagt contract has the day notice was given and the day
  it ends.
- Contracts the old service made "terminated" at once, whose end date has not passed, are
  opsagt (their events are kept as they are: the history is append-only)."""

from django.db import migrations, models
from django.utils import timezone


def still_running_is_notice_given(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    Contract.objects.filter(
        state="terminated",
        notice_given_on__isnull=False,
        terminated_on__gte=timezone.localdate(),
    ).update(state="notice_given")


def notice_given_is_terminated(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    Contract.objects.filter(state="notice_given").update(state="terminated")


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0006_cpr_guard_and_redaction"),
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
                            "notice_given",
                            "terminated",
                        ],
                    )
                ),
                name="contract_state_valid",
            ),
        ),
        migrations.RunPython(still_running_is_notice_given, notice_given_is_terminated),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "notice_given"), _negated=True),
                    models.Q(("notice_given_on__isnull", False), ("terminated_on__isnull", False)),
                    _connector="OR",
                ),
                name="contract_notice_has_dates",
                violation_error_message="En opsagt kontrakt skal have opsigelses- og ophørsdato.",
            ),
        ),
    ]
