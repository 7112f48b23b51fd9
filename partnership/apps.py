from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = _("Partnerskab")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import adapters, cache, checks, jobs, navigation, permissions, uploads  # noqa: F401 - checks registers

        adapters.connect_signals()
        # A request's writes to the shared cache after its response (partnership.cache).
        request_started.connect(cache.start_deferring, dispatch_uid="cache-start-deferring")
        request_finished.connect(cache.write_deferred, dispatch_uid="cache-write-deferred")

        navigation.register(
            navigation.Section(
                key="dashboard",
                label=_("Mit overblik"),
                url_name="partnership:dashboard",
                description=_("Dine organisationer, roller og genveje."),
                visible=permissions.is_member,
                order=0,
            )
        )
        navigation.register(
            navigation.Section(
                key="organisations",
                label=_("Organisationer"),
                url_name="partnership:organisation_list",
                description=_(
                    "Partnerskabets kommuner, region, sekretariat, brancheorganisationer "
                    "og leverandører."
                ),
                visible=permissions.is_member,
                order=80,
            )
        )
        navigation.register(
            navigation.Section(
                key="jobs",
                label=_("Mine jobs"),
                url_name="partnership:job_list",
                description=_("Dokumenter, der dannes i baggrunden, og hvor langt de er."),
                visible=permissions.is_member,
                order=90,
            )
        )
        navigation.register(
            navigation.Section(
                key="memberlist",
                label=_("Medlemsliste"),
                url_name="partnership:member_list_order",
                description=_("Bestil partnerskabets medlemsliste som PDF."),
                visible=permissions.can_order_member_list,
                order=85,
            )
        )
        navigation.register(
            navigation.Section(
                key="cpr",
                label=_("CPR-numre"),
                url_name="partnership:cpr_findings",
                description=_("Gemte tekster, der indeholder et CPR-nummer, og fjernelse af dem."),
                visible=permissions.is_secretariat,
                order=95,
            )
        )
        jobs.register_builtin()
        uploads.bound_decoded_images()
