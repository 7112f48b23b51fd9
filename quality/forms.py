from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnership.forms import PortalForm, PortalModelForm
from partnership.models import Organisation, OrganisationKind, User

from .models import ActionStatus, Criterion, Framework, Origin, Theme
from .permissions import MUNICIPALITY_ROLES, PROVIDER_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCORE_CHOICES = [("", _("Ikke vurderet"))] + [(str(i), str(i)) for i in range(1, 6)]
SCORE_MESSAGES = {"invalid_choice": _("Vælg en score fra 1 til 5.")}


def score_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages=SCORE_MESSAGES,
    )


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.email})" if obj.name else obj.email


def people_in(organisation: Organisation, roles):
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__is_active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("name", "email")
    )


# --- Assessments ---------------------------------------------------------------------------


ORIGIN_LABELS = {
    Origin.SOCIALTILSYNET: _("Socialtilsynets scorer fra tilsynsrapporten"),
    Origin.PROVIDER: _("Leverandørens egne scorer (vises som “oplyst af leverandøren”)"),
}


class AssessmentForm(PortalForm):
    """Scores per theme of one framework edition. `origins` are those the person may enter
    (quality.permissions.assessment_origins): a provider's editor is never offered
    Socialtilsynet's, and the service refuses it again."""

    origin = forms.ChoiceField(
        label=_("Hvis scorer"),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Du kan ikke registrere scorer med denne kilde.")},
    )
    assessed_on = forms.DateField(
        label=_("Dato"),
        widget=DATE,
        initial=timezone.localdate,
        help_text=_("For Socialtilsynets scorer: tilsynsrapportens dato."),
    )
    source = forms.CharField(
        label=_("Henvisning"),
        max_length=300,
        required=False,
        help_text=_("Fx 'Tilsynsrapport fra Socialtilsyn Øst' eller 'Egen trivselsmåling'."),
    )

    def __init__(self, *args, themes: list[Theme], origins: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [(o, ORIGIN_LABELS[o]) for o in origins]
        if len(origins) == 1:
            self.fields["origin"].initial = origins[0]
        self.themes = themes
        for theme in themes:
            self.fields[f"score_{theme.pk}"] = score_field(theme.name)

    def scores(self) -> dict[int, int]:
        return {
            t.pk: self.cleaned_data[f"score_{t.pk}"]
            for t in self.themes
            if self.cleaned_data.get(f"score_{t.pk}") is not None
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.scores():
            raise forms.ValidationError(_("Giv mindst ét tema en score fra 1 til 5."))
        return cleaned


# --- Dialogues -----------------------------------------------------------------------------


class PartiesForm(PortalForm):
    """Step one of a new dialogue: who it is between."""

    kommune = forms.ModelChoiceField(
        label=_("Kommune"), queryset=Organisation.objects.none(), to_field_name="slug"
    )
    leverandoer = forms.ModelChoiceField(
        label=_("Leverandør"), queryset=Organisation.objects.none(), to_field_name="slug"
    )

    def __init__(self, *args, municipality_ids, provider_ids, **kwargs):
        super().__init__(*args, **kwargs)
        buyers = Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        )
        providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
        if municipality_ids:
            buyers = buyers.filter(pk__in=municipality_ids)
        else:
            providers = providers.filter(pk__in=provider_ids)
        self.fields["kommune"].queryset = buyers.order_by("name")
        self.fields["leverandoer"].queryset = providers.order_by("name")
        if municipality_ids and len(municipality_ids) == 1:
            self.fields["kommune"].empty_label = None
        if not municipality_ids and len(provider_ids) == 1:
            self.fields["leverandoer"].empty_label = None


class DialogueForm(PortalForm):
    framework = forms.ModelChoiceField(
        label=_("Kvalitetsramme"),
        queryset=Framework.objects.filter(is_active=True),
        empty_label=None,
        help_text=_("De temaer, dialogen gennemgår."),
    )
    held_on = forms.DateField(label=_("Dato for dialogen"), widget=DATE)
    offers = forms.ModelMultipleChoiceField(
        label=_("Tilbud, dialogen handler om"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst ét af leverandørens tilbud.")},
    )
    municipality_participants = PeopleChoice(
        label=_("Deltagere fra kommunen"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    provider_participants = PeopleChoice(
        label=_("Deltagere fra leverandøren"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_participants = forms.CharField(
        label=_("Øvrige deltagere"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Navn og organisation på deltagere uden login i portalen."),
    )
    summary = forms.CharField(
        label=_("Opsummering"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    next_dialogue_on = forms.DateField(label=_("Næste dialog"), widget=DATE, required=False)

    def __init__(self, *args, municipality, provider, offers, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offers"].queryset = offers
        self.fields["municipality_participants"].queryset = people_in(
            municipality, MUNICIPALITY_ROLES
        )
        self.fields["provider_participants"].queryset = people_in(provider, PROVIDER_ROLES)
        self.fields["municipality_participants"].label = _("Deltagere fra %(org)s") % {
            "org": municipality.name
        }
        self.fields["provider_participants"].label = _("Deltagere fra %(org)s") % {
            "org": provider.name
        }
        if editing:
            del self.fields["framework"]
        else:
            # The edition of each model in force today.
            self.fields["framework"].queryset = Framework.objects.in_force(
                timezone.localdate()
            ).order_by("order", "name")

    def clean(self):
        cleaned = super().clean()
        held, nxt = cleaned.get("held_on"), cleaned.get("next_dialogue_on")
        if held and nxt and nxt <= held:
            self.add_error("next_dialogue_on", _("Næste dialog skal ligge efter denne dialog."))
        return cleaned


class ThemeNotesForm(PortalForm):
    """One side's note and score per theme."""

    def __init__(self, *args, themes: list[Theme], **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = themes
        for theme in themes:
            self.fields[f"note_{theme.pk}"] = forms.CharField(
                label=_("Notat om %(theme)s") % {"theme": theme.name},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
            self.fields[f"score_{theme.pk}"] = score_field(
                _("Vurdering af %(theme)s (1-5)") % {"theme": theme.name}
            )

    def theme_fields(self):
        return [(t, self[f"note_{t.pk}"], self[f"score_{t.pk}"]) for t in self.themes]

    def entries(self) -> dict[int, tuple[str, int | None]]:
        return {
            t.pk: (self.cleaned_data[f"note_{t.pk}"], self.cleaned_data[f"score_{t.pk}"])
            for t in self.themes
        }


class DocumentForm(PortalForm):
    title = forms.CharField(label=_("Titel"), max_length=200)
    file = forms.FileField(label=_("Fil (PDF, højst 20 MB)"))


class ActionForm(PortalForm):
    text = forms.CharField(label=_("Handling"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_organisation = forms.ModelChoiceField(
        label=_("Ansvarlig organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    owner = forms.ModelChoiceField(label=_("Ansvarlig person"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("Frist"), widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.OPEN
    )

    def __init__(self, *args, dialogue, **kwargs):
        super().__init__(*args, **kwargs)
        parties = [dialogue.municipality_id, dialogue.provider_id]
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(pk__in=parties)
        self.fields["owner"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__organisation_id__in=parties,
                memberships__is_active=True,
            )
            .distinct()
            .order_by("name", "email")
        )
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.name} ({u.email})" if u.name else u.email
        )


# --- Frameworks (the secretariat's reference data) -----------------------------------------


class FrameworkForm(PortalModelForm):
    class Meta:
        model = Framework
        fields = ["name", "description", "order", "is_active"]

    def validate_unique(self) -> None:
        # The editions' constraints involve fields not on the form (family, valid_from):
        # check them all, so "i brug" without a date is an error, not a server error.
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)
        super().validate_unique()


class CriterionForm(PortalModelForm):
    """A criterion of a theme, or an indicator of one of its criteria."""

    class Meta:
        model = Criterion
        fields = ["parent", "code", "text", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        parent.label = _("Indikator under kriteriet")
        parent.empty_label = _("Ingen: et kriterium for temaet")
        parent.queryset = Criterion.objects.filter(
            theme_id=self.instance.theme_id, parent=None
        ).exclude(pk=self.instance.pk)
        if self.instance.pk and self.instance.indicators.exists():
            parent.disabled = True  # a criterion with indicators stays a criterion

    def validate_unique(self) -> None:
        # The theme is set by the view, not on the form: check its constraint too.
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)
        super().validate_unique()


class ActivationForm(PortalForm):
    valid_from = forms.DateField(
        label=_("Gælder fra"),
        widget=DATE,
        help_text=_(
            "Den dag udgaven træder i kraft. Vurderinger dateret fra denne dag laves efter "
            "den; ældre vurderinger beholder den udgave, de blev lavet efter."
        ),
    )


class ThemeForm(PortalModelForm):
    class Meta:
        model = Theme
        fields = ["name", "description", "order", "is_active"]
