"""Registers the offers app's report job kinds and navigation (issue 6)."""

from django.utils.translation import gettext_lazy as _

from partnership import jobs, navigation
from partnership.permissions import is_member

from . import (
    capacity,
    development,
    overview,
    tasks,  # noqa: F401 - registers the beat task with every worker
)


def register() -> None:
    """Called from OffersConfig.ready()."""
    jobs.register("takstoversigt", overview.render_tariff_overview)
    jobs.register("takstudvikling", development.render_tariff_development)

    navigation.register(
        navigation.Section(
            key="reports",
            label=_("Rapporter"),
            url_name="offers:report_index",
            description=_(
                "Takstoversigt og takstudvikling som PDF og regneark, og rapportbiblioteket."
            ),
            visible=is_member,
            order=35,
        )
    )
    navigation.register(
        navigation.Section(
            key="capacity",
            label=_("Kapacitet"),
            url_name="offers:capacity",
            description=_("Pladser og ledige pladser i regionen pr. lovgrundlag og målgruppe."),
            visible=capacity.can_view_capacity,
            order=36,
        )
    )
