"""One contract per intent (see partnership/intents.py): the "Opret kontrakt" form's one-time
token is unique, so the same form sent twice makes one contract; and a contract has at most
one open amendment (draft, sent, under negotiation or signed), so two "Genforhandl" at the
same moment make one.

Before this, two simultaneous renegotiations could leave two open amendments of one contract,
and then the second constraint cannot be added. Find them first with
    SELECT amendment_of_id, array_agg(id) FROM contracts_contract
    WHERE amendment_of_id IS NOT NULL AND state IN ('draft', 'sent', 'negotiation', 'signed')
    GROUP BY amendment_of_id HAVING count(*) > 1;
and settle with the parties which one stands before migrating."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0004_contract_event_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="creation_key",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.UniqueConstraint(
                fields=("creation_key",), name="contract_one_per_form"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ["draft", "sent", "negotiation", "signed"])),
                fields=("amendment_of",),
                name="contract_one_open_amendment",
                violation_error_message="Kontrakten genforhandles allerede i et andet tillæg.",
            ),
        ),
    ]
