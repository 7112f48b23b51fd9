from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Kvalitet")

    def ready(self) -> None:
        from offers import extensions
        from partnership import jobs, navigation
        from partnership.signals import demo_seeded

        from . import panels, permissions, reports

        navigation.register(
            navigation.Section(
                key="quality",
                label=_("Kvalitet"),
                url_name="quality:overview",
                description=_(
                    "Kvalitetsvurderinger, kvalitetsdialoger mellem kommune og leverandør, "
                    "og de aftalte handlinger."
                ),
                visible=permissions.can_use_quality,
                order=50,
            )
        )
        extensions.register_offer_panel("quality", panels.offer_panel)
        extensions.register_compare_row("quality", panels.compare_row, panels.compare_digest)
        jobs.register(
            "quality_dialogue",
            reports.render_dialogue_pdf,
            missing=_("Dialogen findes ikke længere, så dokumentet kunne ikke dannes."),
        )

        def seed(sender, organisations, **kwargs):
            from . import demo

            demo.seed(organisations)

        demo_seeded.connect(seed, weak=False, dispatch_uid="quality-demo")
