from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """Joint meetings: forums, meetings, agendas, invitations, attendance, minutes and
    calendars. The tables keep the names they had as part of partnership
    (partnership_meeting, ...): the models moved, the data did not."""

    name = "meetings"
    verbose_name = _("Møder")

    def ready(self) -> None:
        from partnership import dashboard, jobs, navigation
        from partnership.signals import demo_seeded

        from . import pack, panels, permissions, reports
        from . import tasks as _tasks  # noqa: F401 - registers the Celery tasks

        navigation.register(
            navigation.Section(
                key="meetings",
                label=_("Møder"),
                url_name="meetings:meeting_list",
                description=_(
                    "Fællesmøder, Direktør- og chefforum og andre møder: dagsorden, "
                    "tilmelding, kalender og referater."
                ),
                visible=permissions.can_use_meetings,
                order=60,
            )
        )
        jobs.register(
            "meeting_agenda",
            reports.render_agenda,
            missing=_("Mødet findes ikke længere, så dokumentet kunne ikke dannes."),
        )
        jobs.register(
            "meeting_minutes",
            reports.render_minutes,
            missing=_("Referatet findes ikke længere, så dokumentet kunne ikke dannes."),
        )
        jobs.register(
            "meeting_pack",
            pack.render_pack,
            missing=_("Mødet findes ikke længere, så mødemappen kunne ikke dannes."),
        )

        dashboard.register(
            dashboard.Panel(
                key="meetings_secretariat",
                title=_("Møder og referater"),
                template="meetings/_secretariat_panel.html",
                context=panels.secretariat_context,
                visible=panels.sees_secretariat_panel,
                order=20,
            )
        )
        dashboard.register(
            dashboard.Panel(
                key="meetings_mine",
                title=_("Mine møder"),
                template="meetings/_member_panel.html",
                context=panels.member_context,
                visible=panels.sees_member_panel,
                order=25,
            )
        )

        def seed(sender, organisations, **kwargs):
            from . import demo

            demo.seed(organisations)

        demo_seeded.connect(seed, weak=False, dispatch_uid="meetings-demo")
