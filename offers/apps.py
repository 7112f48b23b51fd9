from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Tilbud og takster")

    def ready(self) -> None:
        from partnership import dashboard, navigation
        from partnership.signals import demo_seeded

        from . import permissions
        from .following import panels as following_panels
        from .savedsearches import panels as saved_search_panels

        navigation.register(
            navigation.Section(
                key="offers",
                label=_("Find tilbud"),
                url_name="offers:search",
                description=_("Søg og sammenlign tilbud, takster og hvad taksterne dækker."),
                visible=permissions.can_search_offers,
                order=10,
            )
        )
        navigation.register(
            navigation.Section(
                key="own_offers",
                label=_("Vores tilbud"),
                url_name="offers:own_offers",
                description=_("Opret og redigér jeres tilbud, ydelsesdeklarationer og takster."),
                visible=permissions.is_provider_editor,
                order=20,
            )
        )
        navigation.register(
            navigation.Section(
                key="tariff_watch",
                label=_("Takster over PL"),
                url_name="offers:tariffs_above_pl",
                description=_("Takster, der stiger mere end årets pris- og lønfremskrivning."),
                visible=permissions.is_secretariat,
                order=30,
            )
        )

        navigation.register(
            navigation.Section(
                key="reference_data",
                label=_("Referencedata"),
                url_name="offers:reference_index",
                description=_("Lovparagraffer, målgrupper, deklarationsspørgsmål og PL-satser."),
                visible=permissions.can_manage_reference_data,
                order=95,
            )
        )

        dashboard.register(
            dashboard.Panel(
                key="followed_offers",
                title=_("Tilbud jeg følger"),
                template="offers/following/_panel.html",
                context=following_panels.context,
                visible=permissions.is_member,
                order=10,
            )
        )
        dashboard.register(
            dashboard.Panel(
                key="saved_searches",
                title=_("Gemte søgninger"),
                template="offers/savedsearches/_panel.html",
                context=saved_search_panels.context,
                visible=permissions.can_search_offers,
                order=20,
            )
        )

        from .reports import jobs as report_jobs

        report_jobs.register()

        from .imports import jobs as import_jobs

        import_jobs.register()

        def seed(sender, organisations, **kwargs):
            from . import demo

            demo.seed(organisations)

        demo_seeded.connect(seed, weak=False, dispatch_uid="offers-demo")
