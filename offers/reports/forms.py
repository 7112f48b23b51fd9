"""The forms for ordering a takstoversigt or a takstudvikling, publishing to the library and
scheduling a takstoversigt."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import LegalParagraph, ReportFormat, ScheduledReport, TargetGroup
from partnership import formats
from partnership.forms import PortalForm, PortalModelForm
from partnership.models import Job, Organisation, OrganisationKind, OwnershipForm

from .development import missing_pl_rates
from .filters import OverviewFilters, has_tariffs, years_with_tariffs
from .library import publishable_jobs


def _no_tariffs_message(year: int) -> str:
    years = years_with_tariffs()
    if not years:
        return _(
            "Der er ingen offentliggjorte takster for %(year)s (og endnu ingen for andre år)."
        ) % {"year": year}
    return _("Der er ingen offentliggjorte takster for %(year)s. År med takster: %(years)s.") % {
        "year": year,
        "years": ", ".join(str(y) for y in sorted(years)),
    }


YEAR_ERRORS = {
    "invalid": gettext_lazy("Skriv året med fire cifre, fx 2026."),
    "min_value": gettext_lazy("Vælg et år mellem 2000 og 2100."),
    "max_value": gettext_lazy("Vælg et år mellem 2000 og 2100."),
}


class TariffOverviewForm(PortalForm):
    aar = forms.IntegerField(
        label=gettext_lazy("Takstår"),
        min_value=2000,
        max_value=2100,
        error_messages=YEAR_ERRORS,
    )
    paragraf = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Lovgrundlag"),
        queryset=LegalParagraph.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
        error_messages={"invalid_choice": gettext_lazy("Ukendt lovgrundlag: %(value)s.")},
    )
    maalgruppe = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Målgruppe"),
        queryset=TargetGroup.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        error_messages={"invalid_choice": gettext_lazy("Ukendt målgruppe: %(value)s.")},
    )
    kommune = forms.ModelChoiceField(
        label=gettext_lazy("Beliggenhedskommune"),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("Alle kommuner"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY),
        error_messages={"invalid_choice": gettext_lazy("Ukendt kommune: %(value)s.")},
    )
    ejerform = forms.ChoiceField(
        label=gettext_lazy("Ejerform"),
        required=False,
        choices=[("", gettext_lazy("Alle ejerformer"))] + list(OwnershipForm.choices),
        error_messages={"invalid_choice": gettext_lazy("Ukendt ejerform: %(value)s.")},
    )
    leverandoer = forms.CharField(
        label=gettext_lazy("Leverandør (navn eller CVR)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Skriv hele eller en entydig del af navnet, eller CVR-nummeret."),
    )
    branche = forms.ModelChoiceField(
        label=gettext_lazy("Brancheorganisation"),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("Alle"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.BRANCH),
        error_messages={"invalid_choice": gettext_lazy("Ukendt brancheorganisation: %(value)s.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=ReportFormat.choices,
        initial=ReportFormat.PDF,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Vælg PDF eller regneark (XLSX).")},
    )

    def clean_aar(self):
        year = self.cleaned_data["aar"]
        if not has_tariffs(year):
            raise forms.ValidationError(_no_tariffs_message(year))
        return year

    def clean_leverandoer(self):
        value = self.cleaned_data["leverandoer"].strip()
        if not value:
            return None
        providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
        exact = providers.filter(Q(cvr=value) | Q(slug=value) | Q(name__iexact=value)).first()
        if exact:
            return exact
        matches = list(providers.filter(name__icontains=value).order_by("name")[:6])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                _("Ingen leverandør har navnet eller CVR-nummeret «%(value)s».") % {"value": value}
            )
        raise forms.ValidationError(
            _("«%(value)s» passer på flere leverandører: %(names)s. Skriv mere af navnet.")
            % {"value": value, "names": ", ".join(p.name for p in matches[:5])}
        )

    def params(self) -> dict:
        d = self.cleaned_data
        filters = OverviewFilters(
            paragraphs=[p.code for p in d["paragraf"]],
            target_groups=[g.slug for g in d["maalgruppe"]],
            municipality=d["kommune"].slug if d["kommune"] else "",
            ownership=d["ejerform"] or "",
            provider=d["leverandoer"].slug if d["leverandoer"] else "",
            branch=d["branche"].slug if d["branche"] else "",
        )
        return {"year": d["aar"], **filters.as_params(), "format": d["format"]}

    def title(self) -> str:
        d = self.cleaned_data
        parts = [p.short for p in d["paragraf"]] + [g.name for g in d["maalgruppe"]]
        parts += [o.name for o in (d["kommune"], d["leverandoer"], d["branche"]) if o]
        if d["ejerform"]:
            parts.append(str(OwnershipForm(d["ejerform"]).label))
        title = _("Takstoversigt %(year)s") % {"year": d["aar"]}
        if parts:
            title += " – " + ", ".join(parts)
        return f"{title[:230]} ({d['format'].upper()})"


class DevelopmentForm(PortalForm):
    fra = forms.IntegerField(
        label=gettext_lazy("Fra år"), min_value=2000, max_value=2100, error_messages=YEAR_ERRORS
    )
    til = forms.IntegerField(
        label=gettext_lazy("Til år"), min_value=2000, max_value=2100, error_messages=YEAR_ERRORS
    )
    paragraf = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Lovgrundlag"),
        help_text=gettext_lazy("Vælg ingen for at se alle."),
        queryset=LegalParagraph.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
        error_messages={"invalid_choice": gettext_lazy("Ukendt lovgrundlag: %(value)s.")},
    )

    MAX_SPAN = 20

    def clean(self):
        cleaned = super().clean()
        a, b = cleaned.get("fra"), cleaned.get("til")
        if a is None or b is None:
            return cleaned
        if a > b:
            self.add_error(
                "til",
                _("Perioden er i forkert rækkefølge: 'Til år' (%(b)s) ligger før 'Fra år' (%(a)s).")
                % {"a": a, "b": b},
            )
            return cleaned
        if a == b:
            self.add_error("til", _("Vælg en periode på mindst to år."))
            return cleaned
        if b - a > self.MAX_SPAN:
            self.add_error("til", _("Vælg højst %(n)s år ad gangen.") % {"n": self.MAX_SPAN + 1})
            return cleaned
        for name, year in (("fra", a), ("til", b)):
            if not has_tariffs(year):
                self.add_error(name, _no_tariffs_message(year))
        missing = missing_pl_rates(a, b)
        if missing:
            self.add_error(
                None,
                _("Der mangler en PL-sats for %(years)s, så PL-sporet kan ikke tegnes.")
                % {"years": ", ".join(str(y) for y in missing)},
            )
        return cleaned

    def params(self) -> dict:
        d = self.cleaned_data
        return {
            "from_year": d["fra"],
            "to_year": d["til"],
            "paragraphs": [p.code for p in d["paragraf"]],
            "format": "pdf",
        }

    def title(self) -> str:
        d = self.cleaned_data
        title = _("Takstudvikling %(a)s–%(b)s") % {"a": d["fra"], "b": d["til"]}
        if d["paragraf"]:
            title += " – " + ", ".join(p.short for p in d["paragraf"])
        return f"{title[:235]} (PDF)"


class _JobChoice(forms.ModelChoiceField):
    def label_from_instance(self, job):
        return f"{job.title} · {formats.datetime(job.finished_at)}"


class PublishForm(PortalForm):
    job = _JobChoice(label=gettext_lazy("Færdig rapport"), queryset=Job.objects.none())
    title = forms.CharField(
        label=gettext_lazy("Titel i biblioteket"),
        max_length=250,
        required=False,
        help_text=gettext_lazy("Tom: rapportens egen titel."),
    )
    year = forms.IntegerField(
        label=gettext_lazy("År"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=gettext_lazy("Tom: rapportens takstår (for takstudvikling: sidste år)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = publishable_jobs()


class ScheduledReportForm(PortalModelForm):
    class Meta:
        model = ScheduledReport
        fields = ["run_on", "year", "format"]
        widgets = {
            "run_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "format": forms.RadioSelect,
        }
        help_texts = {
            "run_on": gettext_lazy("Takstoversigten bestilles om morgenen den dag."),
            "year": gettext_lazy("Takstoversigten for dette år, uden filtre."),
        }

    def clean_run_on(self):
        run_on = self.cleaned_data["run_on"]
        if run_on < timezone.localdate():
            raise forms.ValidationError(_("Vælg i dag eller en senere dato."))
        return run_on
