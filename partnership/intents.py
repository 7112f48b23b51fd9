"""One object per intent. A double-clicked button, a form sent twice or two people pressing
"Genforhandl" at the same moment must make one object, not two and not a server error.

The database decides: a unique constraint says what may exist once (one open amendment per
contract, one draft per tariff year, one contract per form token), and the service that
makes the object locks the parent row first, so the second request waits and then finds
what the first made. The constraint is the last word when a path without the lock gets
there at the same time: create_once() turns its IntegrityError into AlreadyDone, a
ValidationError with a Danish message that carries the object the other request made. A
view shows the message and sends the person to that object, which is what they meant."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

T = TypeVar("T")


class AlreadyDone(ValidationError):
    """The intent was carried out already, by an earlier or a simultaneous request:
    ``existing`` is the object it made. A ValidationError, so a view that only knows
    ValidationError still shows the message rather than a server error."""

    def __init__(self, message: str, *, existing: models.Model):
        super().__init__(message, code="already_done")
        self.existing = existing


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint (or unique index) an IntegrityError broke, where the
    database says it (PostgreSQL does)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def create_once(
    create: Callable[[], T],
    *,
    constraints: tuple[str, ...],
    existing: Callable[[], models.Model | None],
    message: str,
) -> T:
    """Run create() in a savepoint. When it breaks one of the named unique constraints,
    because another request made the same object a moment earlier, raise AlreadyDone with
    that object (read after the other request committed: the insert waited for it). Any
    other integrity error is not ours to explain and goes on."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError as exc:
        if violated_constraint(exc) not in constraints:
            raise
        found = existing()
        if found is None:  # the other request was rolled back after all: not a duplicate
            raise
        raise AlreadyDone(message, existing=found) from exc
