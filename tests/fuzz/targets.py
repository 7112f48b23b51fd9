"""Where every project form is sent, by whom, and with which fields: one entry per form
class. test_forms_fuzz fails when a form in the project has no entry here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.urls import reverse

from partnership.forms import PortalForm, PortalModelForm

from .world import (
    ADMIN_HOLBAEK,
    CASEWORKER,
    CASEWORKER_NAESTVED,
    EDITOR_A,
    SECRETARIAT,
    YEAR,
    World,
    org,
    user,
)

PROJECT_PACKAGES = ("partnership", "offers", "contracts", "meetings", "quality")


@dataclass
class Target:
    url: str
    email: str | None  # who posts it; None: not logged in
    form: forms.BaseForm  # unbound, built as the view builds it: its fields are fuzzed
    method: str = "post"
    extra: dict = field(default_factory=dict)  # fixed data sent along (other forms on the page)

    @property
    def fields(self) -> dict[str, forms.Field]:
        return dict(self.form.fields)

    @property
    def prefix(self) -> str:
        return self.form.prefix or ""


# The portal's form bases (partnership.forms): no page shows them as they are.
BASES = (PortalForm, PortalModelForm)


def project_forms() -> list[type[forms.BaseForm]]:
    """Every Form and ModelForm class defined in the project's own modules (migrations and
    management commands aside), plus the allauth login form the project configures."""
    found = {}
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.")
            if ".migrations" not in info.name and ".management" not in info.name
        ]
        for module in modules:
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, forms.BaseForm)
                    and obj.__module__ == module.__name__
                    and obj not in BASES
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def form_key(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# --- Entries ---------------------------------------------------------------------------------

TARGETS: dict[str, Callable[[World], Target]] = {}


def target(key: str):
    def register(fn):
        TARGETS[key] = fn
        return fn

    return register


def _valid_offer_data() -> dict:
    from offers.models import LegalParagraph, TargetGroup

    return {
        "name": "Nyt bosted",
        "address": "Skovvej 2",
        "postal_code": "4200",
        "city": "Slagelse",
        "municipality": str(org("slagelse").pk),
        "paragraphs": [str(LegalParagraph.objects.get(code="SEL § 108").pk)],
        "target_groups": [str(TargetGroup.objects.get(slug="autisme").pk)],
        "age_min": "18",
        "age_max": "65",
        "description": "Botilbud.",
        "methods": "Struktur.",
        "places": "8",
        "tilsyn_status": "approved",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
    }


VALID_TARIFF = {
    "year": str(YEAR),
    "price": "2.650,50",
    "unit": "day",
    "occupancy_percent": "95",
    "overhead_amount": "",
    "cost_note": "",
}
NO_ADDONS = {"tillaeg-TOTAL_FORMS": "0", "tillaeg-INITIAL_FORMS": "0"}


# partnership


@target("partnership.forms.InviteForm")
def _(w):
    from partnership.forms import InviteForm
    from partnership.permissions import grantable_roles

    holbaek = org("holbaek")
    grantable = grantable_roles(user(ADMIN_HOLBAEK), holbaek)
    return Target(
        reverse("partnership:members", kwargs={"slug": "holbaek"}),
        ADMIN_HOLBAEK,
        InviteForm(organisation=holbaek, grantable=grantable),
    )


@target("partnership.forms.ChangeRoleForm")
def _(w):
    from partnership.forms import ChangeRoleForm
    from partnership.permissions import grantable_roles

    membership = w.holbaek_membership
    grantable = grantable_roles(user(ADMIN_HOLBAEK), membership.organisation)
    return Target(
        reverse(
            "partnership:membership_change_role", kwargs={"slug": "holbaek", "pk": membership.pk}
        ),
        ADMIN_HOLBAEK,
        ChangeRoleForm(grantable=grantable),
    )


@target("partnership.forms.AcceptInvitationForm")
def _(w):
    from partnership.forms import AcceptInvitationForm

    return Target(
        reverse("partnership:invitation_accept", kwargs={"token": w.invitation_token}),
        None,
        AcceptInvitationForm(email="ny.kollega@fuzz.example"),
    )


@target("partnership.forms.OrganisationFilterForm")
def _(w):
    from partnership.forms import OrganisationFilterForm

    return Target(
        reverse("partnership:organisation_list"),
        CASEWORKER,
        OrganisationFilterForm(),
        method="get",
    )


@target("partnership.forms.OrganisationForm")
def _(w):
    from partnership.forms import OrganisationForm

    return Target(reverse("partnership:organisation_create"), SECRETARIAT, OrganisationForm())


@target("partnership.forms.LoginForm")
def _(w):
    from partnership.forms import LoginForm

    return Target(reverse("account_login"), None, LoginForm())


@target("partnership.forms.AddEmailForm")
def _(w):
    from partnership.forms import AddEmailForm

    return Target(reverse("account_email"), CASEWORKER, AddEmailForm(user=user(CASEWORKER)))


@target("partnership.forms.ApiTokenForm")
def _(w):
    # No VALID entry: a made token is shown once on the page itself, not after a redirect
    # (tests/api/test_tokens.py makes one).
    from partnership.forms import ApiTokenForm

    return Target(
        reverse("partnership:api_tokens", kwargs={"slug": "holbaek"}), ADMIN_HOLBAEK, ApiTokenForm()
    )


@target("partnership.forms.ResetPasswordForm")
def _(w):
    from partnership.forms import ResetPasswordForm

    return Target(reverse("account_reset_password"), None, ResetPasswordForm())


# meetings


@target("meetings.forms.ForumForm")
def _(w):
    from meetings.forms import ForumForm

    return Target(reverse("meetings:forum_create"), SECRETARIAT, ForumForm())


@target("meetings.forms.CopyMeetingForm")
def _(w):
    from meetings.forms import CopyMeetingForm

    return Target(
        reverse("meetings:meeting_copy", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        CopyMeetingForm(),
    )


@target("meetings.forms.CancelMeetingForm")
def _(w):
    from meetings.forms import CancelMeetingForm

    return Target(
        reverse("meetings:meeting_cancel", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        CancelMeetingForm(),
    )


@target("meetings.forms.MeetingForm")
def _(w):
    from meetings.forms import MeetingForm

    return Target(
        reverse("meetings:meeting_edit", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        MeetingForm(instance=w.meeting),
    )


@target("meetings.forms.AgendaItemForm")
def _(w):
    from meetings.forms import AgendaItemForm

    return Target(
        reverse("meetings:item_create", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        AgendaItemForm(meeting=w.meeting),
    )


@target("meetings.forms.AttachmentForm")
def _(w):
    from meetings.forms import AttachmentForm

    return Target(
        reverse("meetings:attachment_add", kwargs={"pk": w.meeting.pk, "item_pk": w.item.pk}),
        SECRETARIAT,
        AttachmentForm(),
    )


@target("meetings.forms.InviteForm")
def _(w):
    from meetings.forms import InviteForm

    return Target(
        reverse("meetings:invite", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        InviteForm(meeting=w.meeting),
    )


@target("meetings.forms.AnswerForm")
def _(w):
    from meetings.forms import AnswerForm

    return Target(reverse("meetings:answer", kwargs={"pk": w.meeting.pk}), CASEWORKER, AnswerForm())


@target("meetings.forms.AttendanceForm")
def _(w):
    from meetings import selectors
    from meetings.forms import AttendanceForm

    return Target(
        reverse("meetings:attendance", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        AttendanceForm(invitees=selectors.invitees(w.meeting)),
    )


@target("meetings.forms.SendForCommentForm")
def _(w):
    from meetings.forms import SendForCommentForm

    minutes = w.open_minutes
    return Target(
        reverse(
            "meetings:minutes_send", kwargs={"pk": minutes.meeting_id, "minutes_pk": minutes.pk}
        ),
        SECRETARIAT,
        SendForCommentForm(),
    )


@target("meetings.forms.ExtraAttendeeForm")
def _(w):
    from meetings import selectors
    from meetings.forms import ExtraAttendeeForm

    return Target(
        reverse("meetings:attendee_add", kwargs={"pk": w.meeting.pk}),
        SECRETARIAT,
        ExtraAttendeeForm(invitees=selectors.invitees(w.meeting)),
    )


@target("meetings.forms.AbsenceForm")
def _(w):
    from meetings.forms import AbsenceForm

    meeting = w.open_minutes.meeting
    people = [(f"u{p.user_id}", p.user.get_full_name()) for p in meeting.participations.all()]
    return Target(
        reverse("meetings:absence", kwargs={"pk": meeting.pk}),
        SECRETARIAT,
        AbsenceForm(people=people, items=list(meeting.items.all())),
    )


@target("meetings.forms.ActionStatusForm")
def _(w):
    from meetings.forms import ActionStatusForm
    from meetings.models import MinutesAction

    entry = w.open_minutes.entries.order_by("pk").first()
    action, _created = MinutesAction.objects.get_or_create(
        entry=entry, description="Fuzzhandling", defaults={"owner": "Sekretariatet"}
    )
    return Target(
        reverse("meetings:action_status", kwargs={"action_pk": action.pk}),
        SECRETARIAT,
        ActionStatusForm(),
    )


@target("meetings.forms.DecisionSearchForm")
def _(w):
    from meetings.forms import DecisionSearchForm

    return Target(
        reverse("meetings:decision_log", kwargs={"pk": w.meeting.forum_id}),
        CASEWORKER,
        DecisionSearchForm(),
        method="get",
    )


@target("meetings.forms.MinutesEntryForm")
def _(w):
    from meetings.forms import MinutesEntryForm

    minutes = w.open_minutes
    entry = minutes.entries.order_by("pk").first()
    return Target(
        reverse("meetings:minutes_edit", kwargs={"pk": minutes.meeting_id}),
        SECRETARIAT,
        MinutesEntryForm(entry=entry, prefix=f"e{entry.pk}"),
    )


@target("meetings.forms.CommentForm")
def _(w):
    from meetings.forms import CommentForm

    minutes = w.minutes_for_comment
    entry = minutes.entries.order_by("pk").first()
    return Target(
        reverse(
            "meetings:minutes_comment",
            kwargs={"pk": minutes.meeting_id, "minutes_pk": minutes.pk, "entry_pk": entry.pk},
        ),
        CASEWORKER,
        CommentForm(prefix=f"c{entry.pk}"),
    )


@target("meetings.forms.CorrectionForm")
def _(w):
    from meetings.forms import CorrectionForm

    minutes = w.approved_minutes
    return Target(
        reverse(
            "meetings:minutes_correct", kwargs={"pk": minutes.meeting_id, "minutes_pk": minutes.pk}
        ),
        SECRETARIAT,
        CorrectionForm(),
    )


# offers


@target("offers.search.forms.SearchForm")
def _(w):
    from offers.search.forms import SearchForm

    w.offer  # noqa: B018 - something to find
    return Target(reverse("offers:search"), CASEWORKER, SearchForm(), method="get")


@target("offers.savedsearches.forms.SavedSearchForm")
def _(w):
    from offers.savedsearches.forms import SavedSearchForm

    return Target(reverse("offers:saved_search_create"), CASEWORKER, SavedSearchForm())


@target("offers.editing.forms.OfferForm")
def _(w):
    from offers.editing.forms import OfferForm

    return Target(
        reverse("offers:offer_edit", kwargs={"pk": w.offer.pk}),
        EDITOR_A,
        OfferForm(instance=w.offer),
    )


@target("offers.editing.forms.ProviderChoiceForm")
def _(w):
    from offers import permissions
    from offers.editing.forms import ProviderChoiceForm
    from partnership.models import Organisation

    providers = Organisation.objects.filter(
        pk__in=permissions.editable_provider_ids(user(EDITOR_A))
    )
    return Target(
        reverse("offers:offer_create"),
        EDITOR_A,
        ProviderChoiceForm(providers=providers),
        extra=_valid_offer_data(),
    )


@target("offers.editing.forms.VacancyForm")
def _(w):
    from offers.editing.forms import VacancyForm

    return Target(
        reverse("offers:vacancy_report", kwargs={"pk": w.offer.pk}), EDITOR_A, VacancyForm()
    )


@target("offers.editing.forms.DeclarationAnswerForm")
def _(w):
    from offers.editing.forms import DeclarationAnswerForm
    from offers.models import DeclarationQuestion

    first, *others = DeclarationQuestion.objects.filter(is_active=True, options=None).order_by("pk")
    # The other questions answered (one with options, by its first option).
    extra = {
        f"q{q.pk}-answer": "included"
        for q in DeclarationQuestion.objects.filter(is_active=True).exclude(pk=first.pk)
    }
    for q in DeclarationQuestion.objects.filter(is_active=True).exclude(options=None):
        extra[f"q{q.pk}-option"] = str(q.options.first().pk)
    return Target(
        reverse("offers:declaration_edit", kwargs={"pk": w.offer.pk}),
        EDITOR_A,
        DeclarationAnswerForm(question=first, prefix=f"q{first.pk}"),
        extra=extra,
    )


@target("offers.tariffs.forms.TariffForm")
def _(w):
    from offers.models import Tariff
    from offers.tariffs.forms import TariffForm

    return Target(
        reverse("offers:tariff_create", kwargs={"pk": w.offer.pk}),
        EDITOR_A,
        TariffForm(instance=Tariff(offer=w.offer, year=YEAR + 1)),
        extra=NO_ADDONS,
    )


@target("offers.tariffs.forms.AddOnForm")
def _(w):
    from offers.tariffs.forms import AddOnForm

    return Target(
        reverse("offers:tariff_create", kwargs={"pk": w.offer.pk}),
        EDITOR_A,
        AddOnForm(prefix="tillaeg-0"),
        extra={
            **VALID_TARIFF,
            "year": str(YEAR + 1),
            "tillaeg-TOTAL_FORMS": "1",
            "tillaeg-INITIAL_FORMS": "0",
        },
    )


@target("offers.tariffs.forms.CorrectionForm")
def _(w):
    from offers.tariffs.forms import CorrectionForm

    draft = w.correction_draft
    return Target(
        reverse("offers:tariff_publish", kwargs={"pk": w.offer.pk, "tariff_pk": draft.pk}),
        EDITOR_A,
        CorrectionForm(),
    )


@target("offers.editing.forms.PhotoForm")
def _(w):
    from offers.editing.forms import PhotoForm

    return Target(reverse("offers:photo_upload", kwargs={"pk": w.offer.pk}), EDITOR_A, PhotoForm())


@target("offers.editing.forms.DocumentForm")
def _(w):
    from offers.editing.forms import DocumentForm

    return Target(
        reverse("offers:document_upload", kwargs={"pk": w.offer.pk}), EDITOR_A, DocumentForm()
    )


@target("offers.reference.forms.RegulationRateForm")
def _(w):
    from offers.reference.forms import RegulationRateForm

    return Target(reverse("offers:regulation_rates"), SECRETARIAT, RegulationRateForm())


@target("offers.reports.forms.TariffOverviewForm")
def _(w):
    from offers.reports.forms import TariffOverviewForm

    w.offer  # noqa: B018 - published tariffs for last year and this year
    return Target(reverse("offers:tariff_overview_order"), CASEWORKER, TariffOverviewForm())


@target("offers.reports.forms.DevelopmentForm")
def _(w):
    from offers.reports.forms import DevelopmentForm

    w.offer  # noqa: B018
    return Target(reverse("offers:tariff_development"), CASEWORKER, DevelopmentForm())


@target("offers.reports.forms.PublishForm")
def _(w):
    from offers.reports.forms import PublishForm

    w.report_job  # noqa: B018 - a finished report to publish
    return Target(reverse("offers:library_publish"), SECRETARIAT, PublishForm())


@target("offers.reports.forms.ScheduledReportForm")
def _(w):
    from offers.reports.forms import ScheduledReportForm

    return Target(reverse("offers:scheduled_reports"), SECRETARIAT, ScheduledReportForm())


@target("offers.imports.forms.TariffImportForm")
def _(w):
    from offers.imports.forms import TariffImportForm

    w.offer  # noqa: B018
    return Target(reverse("offers:tariff_import"), EDITOR_A, TariffImportForm())


# contracts


def _contract_url(name: str, w, **kwargs) -> str:
    return reverse(f"contracts:{name}", kwargs={"pk": w.contract.pk, **kwargs})


@target("contracts.forms.ContractForm")
def _(w):
    from contracts.forms import ContractForm

    return Target(
        reverse("contracts:contract_create") + f"?tilbud={w.offer.pk}",
        CASEWORKER_NAESTVED,
        ContractForm(offer=w.offer, buyers=[org("naestved")]),
        extra={"tilbud": str(w.offer.pk)},
    )


@target("contracts.forms.ClauseForm")
def _(w):
    from contracts.forms import ClauseForm

    return Target(
        _contract_url("clause_edit", w, clause_pk=w.clause.pk), CASEWORKER_NAESTVED, ClauseForm()
    )


def _template_draft():
    """The secretariat's draft of the next version of a standard contract."""
    from contracts.models import ContractTemplate
    from contracts.standards import services

    draft = ContractTemplate.objects.filter(kind="adults_outside", status="draft").first()
    if draft is None:
        draft = services.start_new_version(
            template=ContractTemplate.objects.get(kind="adults_outside", status="published"),
            by=user(SECRETARIAT),
        )
    return draft


@target("contracts.standards.forms.TemplateVersionForm")
def _(w):
    from contracts.standards.forms import TemplateVersionForm

    draft = _template_draft()
    return Target(
        reverse("contracts:template_edit", args=[draft.pk]),
        SECRETARIAT,
        TemplateVersionForm(instance=draft),
    )


@target("contracts.standards.forms.TemplateClauseForm")
def _(w):
    from contracts.standards.forms import TemplateClauseForm

    draft = _template_draft()
    clause = draft.clauses.get(number="2")
    return Target(
        reverse("contracts:template_clause_edit", args=[draft.pk, clause.pk]),
        SECRETARIAT,
        TemplateClauseForm(instance=clause),
    )


@target("contracts.forms.CommentForm")
def _(w):
    from contracts.forms import CommentForm

    return Target(_contract_url("contract_comment", w), CASEWORKER_NAESTVED, CommentForm())


@target("contracts.forms.TerminateForm")
def _(w):
    from contracts.forms import TerminateForm

    contract = w.signed_contract
    return Target(
        reverse("contracts:contract_terminate", kwargs={"pk": contract.pk}),
        CASEWORKER_NAESTVED,
        TerminateForm(),
    )


@target("contracts.forms.RenegotiateForm")
def _(w):
    from contracts.forms import RenegotiateForm

    contract = w.signed_contract
    return Target(
        reverse("contracts:contract_renegotiate", kwargs={"pk": contract.pk}),
        CASEWORKER_NAESTVED,
        RenegotiateForm(),
    )


@target("contracts.forms.ContractFilterForm")
def _(w):
    from contracts.forms import ContractFilterForm
    from partnership.models import Organisation

    w.contract  # noqa: B018 - something to list
    return Target(
        reverse("contracts:contract_list"),
        CASEWORKER_NAESTVED,
        ContractFilterForm(providers=Organisation.objects.filter(kind="provider")),
        method="get",
    )


@target("contracts.forms.PriceItemForm")
def _(w):
    from contracts.forms import PriceItemForm

    return Target(_contract_url("contract_price_item", w), CASEWORKER_NAESTVED, PriceItemForm())


# quality


def _themes(framework):
    return list(framework.themes.filter(is_active=True).order_by("order", "pk"))


@target("quality.forms.AssessmentForm")
def _(w):
    from quality.forms import AssessmentForm

    return Target(
        reverse("quality:assessment_create", kwargs={"offer_pk": w.offer.pk}),
        SECRETARIAT,
        AssessmentForm(themes=_themes(w.framework), origins=["socialtilsynet"]),
    )


@target("quality.forms.PartiesForm")
def _(w):
    from quality import permissions
    from quality.forms import PartiesForm

    w.framework  # noqa: B018
    person = user(CASEWORKER)
    return Target(
        reverse("quality:dialogue_create"),
        CASEWORKER,
        PartiesForm(
            municipality_ids=permissions.municipality_ids(person),
            provider_ids=permissions.provider_ids(person),
        ),
        method="get",
    )


@target("quality.forms.DialogueForm")
def _(w):
    from offers.permissions import offers_visible_to
    from quality.forms import DialogueForm

    w.framework  # noqa: B018
    provider = w.offer.provider
    return Target(
        reverse("quality:dialogue_create") + "?kommune=slagelse&leverandoer=" + provider.slug,
        CASEWORKER,
        DialogueForm(
            municipality=org("slagelse"),
            provider=provider,
            offers=offers_visible_to(user(CASEWORKER)).filter(provider=provider),
        ),
    )


@target("quality.forms.ThemeNotesForm")
def _(w):
    from quality.forms import ThemeNotesForm

    return Target(
        reverse("quality:notes_edit", kwargs={"pk": w.dialogue.pk}),
        CASEWORKER,
        ThemeNotesForm(themes=_themes(w.dialogue.framework)),
    )


@target("quality.forms.DocumentForm")
def _(w):
    from quality.forms import DocumentForm

    return Target(
        reverse("quality:document_upload", kwargs={"pk": w.dialogue.pk}),
        CASEWORKER,
        DocumentForm(),
    )


@target("quality.forms.ActionForm")
def _(w):
    from quality.forms import ActionForm

    return Target(
        reverse("quality:action_create", kwargs={"pk": w.dialogue.pk}),
        CASEWORKER,
        ActionForm(dialogue=w.dialogue),
    )


@target("quality.forms.FrameworkForm")
def _(w):
    from quality.forms import FrameworkForm

    return Target(
        reverse("quality:framework_edit", kwargs={"pk": w.framework.pk}),
        SECRETARIAT,
        FrameworkForm(instance=w.framework, prefix="ramme"),
    )


@target("quality.forms.ActivationForm")
def _(w):
    from quality.forms import ActivationForm

    return Target(
        reverse("quality:framework_activate", kwargs={"pk": w.frameworks["kvalitetsvision"].pk}),
        SECRETARIAT,
        ActivationForm(),
    )


@target("quality.forms.CriterionForm")
def _(w):
    from quality.forms import CriterionForm
    from quality.models import Criterion

    theme = _themes(w.framework)[0]
    return Target(
        reverse("quality:criterion_create", kwargs={"pk": w.framework.pk, "theme_pk": theme.pk}),
        SECRETARIAT,
        CriterionForm(instance=Criterion(theme=theme)),
    )


@target("quality.forms.ThemeForm")
def _(w):
    from quality.forms import ThemeForm

    return Target(
        reverse("quality:theme_create", kwargs={"pk": w.framework.pk}),
        SECRETARIAT,
        ThemeForm(),
    )


# The secretariat's reference data forms are built with modelform_factory (offers/reference/views.py).


def _reference(kind: str):
    def build(w):
        from offers.reference.views import KINDS

        model, fields, _label = KINDS[kind]
        return Target(
            reverse("offers:reference_list", kwargs={"kind": kind}),
            SECRETARIAT,
            forms.modelform_factory(model, fields=fields)(),
        )

    return build


for _kind in ("paragraffer", "maalgrupper", "spoergsmaal", "synonymer"):
    TARGETS[f"offers.reference.views:{_kind}"] = _reference(_kind)


# --- Valid data --------------------------------------------------------------------------------
# Data each form accepts (field names without the prefix; a callable makes a file anew). The
# fuzz changes up to three fields of it at a time, so it reaches the services behind the
# forms; posting it unchanged must succeed, which proves the entry gets past the form.

VALID: dict[str, Callable[[World], dict]] = {}


def _today(days: int = 0) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days)).isoformat()


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .strategies import tiny_pdf

    return SimpleUploadedFile("rapport.pdf", tiny_pdf(), content_type="application/pdf")


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .strategies import tiny_png

    return SimpleUploadedFile("stuen.png", tiny_png(), content_type="image/png")


def _pk(obj) -> str:
    return str(obj.pk)


def _template():
    from contracts.models import ContractTemplate

    return ContractTemplate.objects.filter(status="published").order_by("pk").first()


def _import_file(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    offer = w.offer
    text = (
        "tilbud_id;tilbud;takstår;takst;enhed;belægning_pct;moms_inkluderet\r\n"
        f"{offer.pk};{offer.name};{YEAR + 1};2.650,50;døgn;95;ja\r\n"
    )
    return lambda: SimpleUploadedFile("takster.csv", text.encode("utf-8-sig"))


def _grantable_role() -> str:
    from partnership.permissions import grantable_roles

    return grantable_roles(user(ADMIN_HOLBAEK), org("holbaek"))[0]


VALID.update(
    {
        "partnership.forms.InviteForm": lambda w: {
            "email": "ny.person@fuzz.example",
            "name": "Ny Person",
            "role": _grantable_role(),
        },
        "partnership.forms.ChangeRoleForm": lambda w: {"role": _grantable_role()},
        "partnership.forms.OrganisationForm": lambda w: {
            "kind": "branch",
            "name": "Fuzz Brancheforening",
            "slug": "fuzz-brancheforening",
            "admin_email": "formand@fuzz-brancheforening.example",
        },
        "meetings.forms.ForumForm": lambda w: {"name": "Styregruppen"},
        "meetings.forms.CopyMeetingForm": lambda w: {
            "title": "Fællesmøde, næste gang",
            "starts_at": _today(40) + "T09:00",
            "ends_at": _today(40) + "T12:00",
        },
        "meetings.forms.CancelMeetingForm": lambda w: {"reason": "For få tilmeldte."},
        "meetings.forms.MeetingForm": lambda w: {
            "forum": _pk(w.meeting.forum),
            "title": "Fællesmøde om kvalitet",
            "starts_at": _today(10) + "T09:00",
            "ends_at": _today(10) + "T12:00",
            "place": "Sorø",
        },
        "meetings.forms.AgendaItemForm": lambda w: {
            "number": "7",
            "kind": "orientering",
            "title": "Nyt punkt",
            "duration_minutes": "10",
        },
        "meetings.forms.AttachmentForm": lambda w: {"title": "Bilag", "file": _pdf},
        "meetings.forms.InviteForm": lambda w: {"organisations": [_pk(org("naestved"))]},
        "meetings.forms.AnswerForm": lambda w: {"answer": "decline", "substitute": ""},
        "meetings.forms.AttendanceForm": lambda w: {"present": [_pk(user(CASEWORKER))]},
        "meetings.forms.MinutesEntryForm": lambda w: {
            "discussion": "Drøftet.",
            "decisions": "Vedtaget.",
        },
        "meetings.forms.CommentForm": lambda w: {"text": "Tak for referatet."},
        "meetings.forms.CorrectionForm": lambda w: {"reason": "Forkert dato."},
        "offers.editing.forms.OfferForm": lambda w: _valid_offer_data(),
        "offers.editing.forms.ProviderChoiceForm": lambda w: {"provider": _pk(w.offer.provider)},
        "offers.editing.forms.VacancyForm": lambda w: {"vacant": "2", "reported_on": _today()},
        "offers.editing.forms.DeclarationAnswerForm": lambda w: {"answer": "included"},
        "offers.tariffs.forms.TariffForm": lambda w: {**VALID_TARIFF, "year": str(YEAR + 1)},
        "offers.tariffs.forms.AddOnForm": lambda w: {
            "name": "Kørsel",
            "price": "3,50",
            "unit": "km",
        },
        "offers.tariffs.forms.CorrectionForm": lambda w: {"reason": "Regnefejl i lønudgifterne."},
        "offers.editing.forms.PhotoForm": lambda w: {"image": _png, "alt_text": "Fællesstuen"},
        "offers.editing.forms.DocumentForm": lambda w: {
            "kind": "tilsyn",
            "title": "Tilsynsrapport",
            "file": _pdf,
        },
        "offers.reference.forms.RegulationRateForm": lambda w: {
            "year": str(YEAR + 4),
            "rate": "2,5",
        },
        "offers.imports.forms.TariffImportForm": lambda w: {"file": _import_file(w)},
        "offers.reports.forms.TariffOverviewForm": lambda w: {"aar": str(YEAR), "format": "pdf"},
        "offers.reports.forms.DevelopmentForm": lambda w: {"fra": str(YEAR - 1), "til": str(YEAR)},
        "offers.reports.forms.PublishForm": lambda w: {"job": _pk(w.report_job)},
        "offers.reports.forms.ScheduledReportForm": lambda w: {
            "run_on": _today(30),
            "year": str(YEAR + 1),
            "format": "pdf",
        },
        "contracts.forms.ContractForm": lambda w: {
            "template": _pk(_template()),
            "buyer": _pk(org("naestved")),
            "case_reference": f"NAE-{YEAR}-0099",
            "start_date": _today(20),
            "tariff": _pk(w.offer.tariffs.get(year=YEAR, version=1)),
            "payment_timing": "advance",
            "payment_days": "30",
            "notice_months": "3",
            "automatic_pl": "on",
            "buyer_contact": _pk(user(CASEWORKER_NAESTVED)),
            "provider_contact": _pk(user(EDITOR_A)),
        },
        "contracts.forms.ClauseForm": lambda w: {
            "text": "Leverandøren sender en månedlig status.",
            "reason": "Aftalt på mødet.",
        },
        "contracts.forms.CommentForm": lambda w: {"text": "Vi ser på punkt 5."},
        "contracts.standards.forms.TemplateVersionForm": lambda w: {
            "version": "2.5",
            "valid_from": _today(30),
            "change_note": "Punkt 2 med KL's ordlyd.",
        },
        "contracts.standards.forms.TemplateClauseForm": lambda w: {
            "text": "Leverandøren leverer ydelserne i tilbuddets ydelsesdeklaration.",
            "changeable": "on",
        },
        "contracts.forms.TerminateForm": lambda w: {
            "notice_given_on": _today(),
            "reason": "Borgeren flytter.",
        },
        "contracts.forms.RenegotiateForm": lambda w: {"effective_date": _today()},
        "contracts.forms.PriceItemForm": lambda w: {
            "description": "Ekstra støtte",
            "amount": "350",
            "unit": "pr. time",
            "reason": "Særligt behov.",
        },
        "quality.forms.AssessmentForm": lambda w: {
            "assessed_on": _today(),
            "origin": "socialtilsynet",
            "source": f"Tilsynsrapport {YEAR}",
            **{f"score_{t.pk}": "3" for t in _themes(w.framework)[:2]},
        },
        "quality.forms.DialogueForm": lambda w: {
            "framework": _pk(w.framework),
            "held_on": _today(-1),
            "offers": [_pk(w.offer)],
        },
        "quality.forms.ThemeNotesForm": lambda w: {
            f"note_{t.pk}": "Godt samarbejde." for t in _themes(w.dialogue.framework)[:2]
        },
        "quality.forms.DocumentForm": lambda w: {"title": "Referat", "file": _pdf},
        "quality.forms.ActionForm": lambda w: {
            "text": "Trivselsmåling",
            "owner_organisation": _pk(org("slagelse")),
            "owner": _pk(user(CASEWORKER)),
            "deadline": _today(30),
            "status": "open",
        },
        "quality.forms.FrameworkForm": lambda w: {
            "name": w.framework.name,
            "description": "Beskrivelse",
            "order": "1",
            "is_active": "on",
        },
        "quality.forms.ThemeForm": lambda w: {"name": "Nyt tema", "order": "9", "is_active": "on"},
        "quality.forms.ActivationForm": lambda w: {"valid_from": _today()},
        "quality.forms.CriterionForm": lambda w: {
            "code": "F1",
            "text": "Et kriterium",
            "order": "5",
        },
        "offers.reference.views:paragraffer": lambda w: {
            "code": "SEL § 999",
            "short": "§ 999",
            "title": "Prøveparagraf",
            "order": "99",
            "is_active": "on",
        },
        "offers.savedsearches.forms.SavedSearchForm": lambda w: {
            "name": "Botilbud i Næstved",
            "notify_by_email": "on",
            "soegning": "q=bosted&kommune=naestved",
        },
        "offers.reference.views:maalgrupper": lambda w: {
            "name": "Prøvegruppe",
            "slug": "proevegruppe",
            "order": "99",
        },
        "offers.reference.views:spoergsmaal": lambda w: {
            "key": "proeve",
            "group": "Prøve",
            "text": "Et prøvespørgsmål?",
            "order": "99",
        },
        "offers.reference.views:synonymer": lambda w: {
            "terms": "prøveord, prøveudtryk",
            "note": "Prøve",
            "is_active": "on",
        },
    }
)
