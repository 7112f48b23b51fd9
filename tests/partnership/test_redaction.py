"""A CPR number stored before the rule held (or restored from elsewhere) is found by
`manage.py scan_cpr` and on the secretariat's page, and taken out by one service that
records who, when and where; published tariffs and the contract history allow exactly that
change and no other, raw SQL included."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError
from django.test import Client
from django.urls import reverse

from offers.models import Tariff
from partnership import redaction
from partnership.models import Redaction
from partnership.validators import CPR_REDACTED
from tests.factories import TariffFactory, demo_user, make_contract, make_offer, publish

pytestmark = pytest.mark.postgres

SECRETARIAT = "sekretariat@portal.example"
CPR = "010203-1234"
DATABASE_REFUSALS = (IntegrityError, InternalError)


def _legacy_copy(instance, **text) -> int:
    """A copy of the row with the given text, written the way an old row or a restore
    would: straight into the table, past the portal's rules (an INSERT, which the
    append-only and immutability triggers allow). Returns the new row's id."""
    model = type(instance)
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = ["%s" if column in text else connection.ops.quote_name(column) for column in columns]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(map(connection.ops.quote_name, columns))}) "
            f"SELECT {', '.join(values)} FROM {table} WHERE id = %s RETURNING id",
            [text[c] for c in columns if c in text] + [instance.pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def published_with_cpr(demo, today):
    """A published correction whose reason holds a CPR number (written before the rule)."""
    offer = make_offer(name="Åbrinken")
    publish(offer, today.year, "2650")
    draft = TariffFactory(offer=offer, year=today.year, version=2, price="2700", published=False)
    with connection.cursor() as cursor:  # a draft may change; then it is published
        cursor.execute(
            "UPDATE offers_tariff SET correction_reason = %s WHERE id = %s",
            [f"Borger {CPR} flytter ind", draft.pk],
        )
        cursor.execute(
            "UPDATE offers_tariff SET status = 'published', published_at = now() WHERE id = %s",
            [draft.pk],
        )
    return Tariff.objects.get(pk=draft.pk)


def test_the_demo_data_holds_no_cpr_number(demo):
    out = StringIO()
    call_command("scan_cpr", "--fail", stdout=out)
    assert "0 tekst(er) med CPR-nummer fundet." in out.getvalue()


def test_the_scan_finds_a_stored_cpr_number_and_masks_it(published_with_cpr):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("scan_cpr", "--fail", stdout=out)
    report = out.getvalue()
    assert f"offers.Tariff pk={published_with_cpr.pk} correction_reason" in report
    assert CPR_REDACTED in report
    assert CPR not in report
    assert "1 tekst(er) med CPR-nummer fundet." in report


def test_the_secretariat_redacts_a_published_tariffs_reason_and_it_is_recorded(
    published_with_cpr,
):
    tariff = published_with_cpr
    client = Client()
    client.force_login(demo_user(SECRETARIAT))
    page = client.get(reverse("partnership:cpr_findings")).content.decode()
    assert f"offers.Tariff:{tariff.pk}:correction_reason" in page
    assert CPR not in page

    response = client.post(
        reverse("partnership:cpr_redact"),
        {"finding": f"offers.Tariff:{tariff.pk}:correction_reason"},
        follow=True,
    )

    assert "CPR-nummeret er fjernet" in response.content.decode()
    tariff.refresh_from_db()
    assert tariff.correction_reason == f"Borger {CPR_REDACTED} flytter ind"
    assert tariff.status == "published"
    record = Redaction.objects.get()
    assert record.redacted_by == demo_user(SECRETARIAT)
    assert (record.model_label, record.object_pk, record.column) == (
        "offers.Tariff",
        str(tariff.pk),
        "correction_reason",
    )
    assert record.redacted_at is not None
    assert redaction.scan_cpr() == []
    # The offer page shows the redacted reason.
    offer_page = client.get(tariff.offer.get_absolute_url()).content.decode()
    assert CPR not in offer_page


def test_a_raw_update_of_the_published_tariff_still_fails(published_with_cpr):
    with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE offers_tariff SET correction_reason = %s WHERE id = %s",
            [f"Borger {CPR_REDACTED} flytter ind", published_with_cpr.pk],
        )


def test_a_redaction_record_only_opens_the_row_in_its_own_transaction(published_with_cpr):
    """A recorded redaction is not a key for later changes: the trigger wants it in the same
    transaction, for the same column, with the same new text."""
    tariff = published_with_cpr
    redaction.redact_cpr(
        model_label="offers.Tariff",
        pk=tariff.pk,
        field_name="correction_reason",
        by=demo_user(SECRETARIAT),
    )
    for column, value in (
        ("correction_reason", "Noget helt andet [CPR-nummer fjernet]"),
        ("price", "1"),
    ):
        with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as c:
            c.execute(f"UPDATE offers_tariff SET {column} = %s WHERE id = %s", [value, tariff.pk])
    assert Tariff.objects.get(pk=tariff.pk).price != 1


def test_a_redaction_record_cannot_be_changed_or_deleted(published_with_cpr):
    redaction.redact_cpr(
        model_label="offers.Tariff",
        pk=published_with_cpr.pk,
        field_name="correction_reason",
        by=demo_user(SECRETARIAT),
    )
    for sql in (
        "UPDATE partnership_redaction SET redacted_by_id = redacted_by_id",
        "DELETE FROM partnership_redaction",
    ):
        with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)


def test_the_contract_history_can_be_redacted_and_nothing_else(demo):
    contract = make_contract()
    first = contract.events.order_by("pk").first()
    event = contract.events.get(pk=_legacy_copy(first, message=f"Ring om {CPR}"))

    redaction.redact_cpr(
        model_label="contracts.ContractEvent",
        pk=event.pk,
        field_name="message",
        by=demo_user(SECRETARIAT),
    )

    event.refresh_from_db()
    assert event.message == f"Ring om {CPR_REDACTED}"
    with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE contracts_contractevent SET message = 'x' WHERE id = %s", [event.pk])


def test_only_the_secretariat_may_redact(published_with_cpr):
    client = Client()
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("partnership:cpr_findings")).status_code == 403
    response = client.post(
        reverse("partnership:cpr_redact"),
        {"finding": f"offers.Tariff:{published_with_cpr.pk}:correction_reason"},
    )
    assert response.status_code == 403
    assert not Redaction.objects.exists()


def test_approved_minutes_can_be_redacted_and_nothing_else(world):
    """An entry written before the rule, approved since: the secretariat takes the number
    out; any other change to the approved minutes is still refused by the database."""
    from meetings import services
    from meetings.models import MinutesEntry

    minutes = world.minutes_for_comment
    entry = minutes.entries.order_by("pk").first()
    with connection.cursor() as cursor:  # a draft may change
        cursor.execute(
            "UPDATE partnership_minutesentry SET discussion = %s WHERE id = %s",
            [f"Borger {CPR} blev drøftet", entry.pk],
        )
    services.approve_minutes(minutes=minutes, by=demo_user(SECRETARIAT))

    redaction.redact_cpr(
        model_label="meetings.MinutesEntry",
        pk=entry.pk,
        field_name="discussion",
        by=demo_user(SECRETARIAT),
    )

    entry = MinutesEntry.objects.get(pk=entry.pk)
    assert entry.discussion == f"Borger {CPR_REDACTED} blev drøftet"
    assert entry.minutes.status == "approved"
    with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as c:
        c.execute(
            "UPDATE partnership_minutesentry SET discussion = 'x [CPR-nummer fjernet]' "
            "WHERE id = %s",
            [entry.pk],
        )
