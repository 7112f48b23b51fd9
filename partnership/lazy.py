"""Libraries that only some requests and jobs use (openpyxl, pypdf, icalendar), imported at
their first use instead of when Django starts: each is a tenth of a second or more, paid by
every `manage.py` command, every `make run` (issue 17: the first page in under 3 s) and every
new gunicorn worker, most of which never write a spreadsheet, a PDF or a calendar.

A module names such a library at its top, `styles = lazy_module("openpyxl.styles")` (ruff's
PLC0415 keeps imports out of functions), uses `styles.Font(...)` as after an import, and
imports the types it annotates with under `if TYPE_CHECKING:`."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module of its name; the first attribute asked for imports it (the
    import system's lock makes that safe from several threads), later ones find it in
    sys.modules."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attribute)


def lazy_module(name: str) -> ModuleType:
    return LazyModule(name)
