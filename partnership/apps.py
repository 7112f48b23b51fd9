from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = _("Partnerskab")

    def ready(self) -> None:
        from . import adapters, jobs, navigation, permissions, uploads

        adapters.connect_signals()

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
        self._ready_meetings()

    def _ready_meetings(self) -> None:
        """Joint meetings (partnership.meetings): navigation, PDF jobs, tasks, demo data."""
        from . import jobs, navigation
        from .meetings import permissions as meeting_permissions
        from .meetings import tasks as _meeting_tasks  # noqa: F401 - registers the Celery tasks
        from .signals import demo_seeded

        navigation.register(
            navigation.Section(
                key="meetings",
                label=_("Møder"),
                url_name="meetings:meeting_list",
                description=_(
                    "Fællesmøder, Direktør- og chefforum og andre møder: dagsorden, "
                    "tilmelding, kalender og referater."
                ),
                visible=meeting_permissions.can_use_meetings,
                order=60,
            )
        )

        def render_agenda(job, progress):
            from .meetings.reports import render_agenda as render

            return render(job, progress)

        def render_minutes(job, progress):
            from .meetings.reports import render_minutes as render

            return render(job, progress)

        jobs.register("meeting_agenda", render_agenda)
        jobs.register("meeting_minutes", render_minutes)

        def seed(sender, organisations, **kwargs):
            from .meetings import demo

            demo.seed(organisations)

        demo_seeded.connect(seed, weak=False, dispatch_uid="meetings-demo")
