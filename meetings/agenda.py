"""The order of an agenda and what may still change once it is sent.

The rule (the one home for it; services.save_agenda_item, delete_agenda_item and move_item
ask `refusal` before they write):

- Until the invitations are sent, the agenda is the secretariat's draft: items are added,
  removed and moved freely, and moving or removing renumbers them 1, 2, 3 ..., each
  sub-item (2.a, 2.b) kept under its parent.
- Once the invitations are sent (Meeting.agenda_locked), the agenda the invitees have is
  kept: its items keep their numbers and places and cannot be removed (their text may still
  be corrected). An item added now is a late item on the tillægsdagsorden, numbered after
  all the others (and its sub-items under it); late items may be moved among themselves
  and removed.

Pure functions on model instances: no writes here."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from .models import AgendaItem, Meeting

ADD, EDIT, DELETE, MOVE = "add", "edit", "delete", "move"


def _main(number: str) -> int:
    return int(number.split(".")[0]) if number and number[0].isdigit() else 0


def last_original_number(items: Sequence[AgendaItem]) -> int:
    """The highest main number among the items of the agenda as it was sent (0 if none)."""
    return max((_main(i.number) for i in items if not i.supplementary), default=0)


def next_number(items: Sequence[AgendaItem]) -> str:
    """The number a new item gets by default: after every item."""
    return str(max((_main(i.number) for i in items), default=0) + 1)


def refusal(
    meeting: Meeting,
    *,
    action: str,
    items: Sequence[AgendaItem],
    item: AgendaItem | None = None,
    number: str = "",
) -> str | None:
    """Why the change may not be made (in Danish), or None if it may. `items`: the
    meeting's items as stored; `item`: the item changed (None when adding); `number`: the
    number it is to have (adding or editing)."""
    if not meeting.agenda_locked:
        return None
    original = item is not None and not item.supplementary
    if action == DELETE and original:
        return _(
            "Dagsordenen er sendt ud, så punktet kan ikke fjernes. Skriv i stedet i punktets "
            "beskrivelse, at det udgår."
        )
    if action == MOVE and original:
        return _(
            "Dagsordenen er sendt ud, så punkterne kan ikke flyttes. Kun punkter på "
            "tillægsdagsordenen kan flyttes indbyrdes."
        )
    if action == EDIT and item is not None and original and number != item.number:
        return _("Dagsordenen er sendt ud, så punktets nummer kan ikke ændres.")
    if action in (ADD, EDIT) and not original:
        last = last_original_number(items)
        if _main(number) <= last:
            return _(
                "Dagsordenen er sendt ud. Et nyt punkt kommer på tillægsdagsordenen og skal "
                "have et nummer efter de andre punkter, fx %(n)s."
            ) % {"n": next_number(items)}
    return None


# --- Order and numbers ---------------------------------------------------------------------


def groups(items: Sequence[AgendaItem]) -> list[list[AgendaItem]]:
    """The items in agenda order as groups: a main item followed by its sub-items (a
    sub-item without its main item stands as a group of its own)."""
    result: list[list[AgendaItem]] = []
    for item in sorted(items, key=lambda i: (i.position, i.pk)):
        main, _dot, letter = item.number.partition(".")
        if letter and result and result[-1][0].number.split(".")[0] == main:
            result[-1].append(item)
        else:
            result.append([item])
    return result


def numbered(
    item_groups: Sequence[Sequence[AgendaItem]], start: int = 1
) -> list[tuple[AgendaItem, str]]:
    """(item, number) for every item: the groups 1, 2, 3 ... from `start`, the sub-items of
    each a, b, c ... under it."""
    out = []
    for n, group in enumerate(item_groups, start=start):
        head, *subs = group
        out.append((head, str(n)))
        for i, sub in enumerate(subs):
            out.append((sub, f"{n}.{chr(ord('a') + i)}"))
    return out


def moved(items: Sequence[AgendaItem], item: AgendaItem, direction: str) -> list[list[AgendaItem]]:
    """The groups after moving `item` one place up or down: a main item moves with its
    sub-items past the neighbouring group; a sub-item moves among its siblings. Unchanged
    at either end."""
    step = -1 if direction == "up" else 1
    item_groups = groups(items)
    for g, group in enumerate(item_groups):
        ids = [i.pk for i in group]
        if item.pk not in ids:
            continue
        at = ids.index(item.pk)
        if at == 0:  # a main item (or a group's head): move the group
            other = g + step
            if 0 <= other < len(item_groups):
                item_groups[g], item_groups[other] = item_groups[other], item_groups[g]
        else:
            other = at + step
            if 1 <= other < len(group):
                group[at], group[other] = group[other], group[at]
        break
    return item_groups
