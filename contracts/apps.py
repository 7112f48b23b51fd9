from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Kontrakter")

    def ready(self) -> None:
        from partnership import dashboard, jobs, navigation
        from partnership.signals import demo_seeded

        from . import panels, permissions
        from .standards import permissions as standards_permissions

        navigation.register(
            navigation.Section(
                key="contracts",
                label=_("Kontrakter"),
                url_name="contracts:contract_list",
                description=_(
                    "Kontrakter ud fra KL's standardkontrakter, afvigelser og opfølgning."
                ),
                visible=permissions.can_use_contracts,
                order=40,
            )
        )
        navigation.register(
            navigation.Section(
                key="contract_templates",
                label=_("Standardkontrakter"),
                url_name="contracts:template_list",
                description=_("KL's standardkontrakter, version for version, med alle punkter."),
                visible=standards_permissions.can_read_templates,
                order=42,
            )
        )
        navigation.register(
            navigation.Section(
                key="contract_measures",
                label=_("Kontraktmåltal"),
                url_name="contracts:measures",
                description=_(
                    "Andelen af kontrakter uden afvigelser og de oftest ændrede punkter."
                ),
                visible=permissions.can_see_measures,
                order=45,
            )
        )

        dashboard.register(
            dashboard.Panel(
                key="contracts_waiting",
                title=_("Kontrakter der venter på dig"),
                template="contracts/_waiting_panel.html",
                context=panels.context,
                visible=permissions.can_use_contracts,
                order=30,
            )
        )

        def render_contract_pdf(job, progress):
            from .reports import render_contract_pdf as render

            return render(job, progress)

        jobs.register(
            "contract_pdf",
            render_contract_pdf,
            secretariat_may_see=False,
            missing=_("Kontrakten findes ikke længere, så dokumentet kunne ikke dannes."),
        )

        def seed(sender, organisations, **kwargs):
            from . import demo

            demo.seed(organisations)

        demo_seeded.connect(seed, weak=False, dispatch_uid="contracts-demo")
