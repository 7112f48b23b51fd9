"""The contract's history (ContractEvent) is append-only in the database: new events are
added, none is changed or removed, whatever path is taken (the ORM, raw SQL, deleting the
contract). Holds for every role, owner included (only disabling the trigger, which the
application role cannot, gets past it: tests/partnership/test_db_privileges.py)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from contracts import services
from contracts.models import Contract, ContractEvent, EventKind
from tests.factories import demo_user, make_contract

pytestmark = pytest.mark.postgres

CASEWORKER = "sagsbehandler.naestved@portal.example"


@pytest.fixture
def contract(demo):
    contract = make_contract()
    services.comment(contract=contract, text="Vi drøfter opfølgningen.", by=demo_user(CASEWORKER))
    return contract


def _history(contract) -> list[tuple]:
    return list(
        ContractEvent.objects.filter(contract=contract)
        .order_by("pk")
        .values_list("pk", "kind", "by_id", "at", "before", "after", "message")
    )


def test_new_events_are_added_to_the_history(contract):
    before = _history(contract)
    services.comment(contract=contract, text="Endnu en kommentar.", by=demo_user(CASEWORKER))
    after = _history(contract)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1 and after[-1][1] == EventKind.COMMENT


def test_an_event_cannot_be_changed_through_the_orm(contract):
    event = contract.events.get(kind=EventKind.COMMENT)
    before = _history(contract)
    event.message = "Omskrevet bagefter."
    with pytest.raises(IntegrityError, match="historik kan ikke ændres"), transaction.atomic():
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractEvent.objects.filter(contract=contract).update(by=None)
    assert _history(contract) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE contracts_contractevent SET message = 'omskrevet' WHERE contract_id = %s",
        "UPDATE contracts_contractevent SET at = at - interval '1 year' WHERE contract_id = %s",
        "DELETE FROM contracts_contractevent WHERE contract_id = %s",
    ],
)
def test_raw_sql_cannot_change_or_remove_an_event(contract, sql):
    before = _history(contract)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [contract.pk])
    assert _history(contract) == before


def test_an_event_cannot_be_deleted_through_the_orm(contract):
    before = _history(contract)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractEvent.objects.filter(contract=contract).delete()
    assert _history(contract) == before


def test_a_contract_with_a_history_cannot_be_deleted_and_its_history_stays(contract):
    """Even a draft: its events say who made it and what was said; deleting the contract
    would take them along, so the contract stays (no part of the portal deletes one)."""
    before = _history(contract)
    assert before and contract.state == "draft"
    with pytest.raises(ProtectedError):
        contract.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM contracts_contract WHERE id = %s", [contract.pk])
    assert Contract.objects.filter(pk=contract.pk).exists()
    assert _history(contract) == before
