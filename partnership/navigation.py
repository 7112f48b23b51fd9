"""The sections of the portal, shown in the navigation and on "Mit overblik".

Apps register their sections in AppConfig.ready(), so partnership imports none of them.
Each section says who may see it through a permission function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_name: str
    description: str
    visible: Callable[[object], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    _sections[section.key] = section


def sections_for(user) -> list[Section]:
    return sorted(
        (s for s in _sections.values() if s.visible(user)), key=lambda s: (s.order, s.label)
    )
