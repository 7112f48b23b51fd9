from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partnership.forms import PortalForm, PortalModelForm
from partnership.models import Organisation, User

from .models import (
    ActionStatus,
    AgendaAttachment,
    AgendaItem,
    Answer,
    AttendeeKind,
    Forum,
    Meeting,
    time_errors,
)
from .services import MEETING_FIELDS
from .uploads import check_attachment

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.email})"


def portal_people():
    return (
        User.objects.filter(is_active=True, memberships__is_active=True)
        .distinct()
        .order_by("name", "email")
    )


class ForumForm(PortalModelForm):
    people = PersonChoice(
        label=_("Faste medlemmer (personer)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Personer, der inviteres hver for sig til forummets møder."),
    )

    class Meta:
        model = Forum
        fields = ["name", "description", "is_active", "members", "people"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Organisation.objects.order_by("kind", "name")
        self.fields["people"].queryset = portal_people()


class MeetingForm(PortalModelForm):
    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME, "rsvp_deadline": DATETIME}
        help_texts = {
            "place": _("Adresse og lokale. Angiv et sted, et link eller begge."),
            "online_url": _("Fx et Teams-link."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Q(is_active=True)
        if self.instance.pk:
            active |= Q(pk=self.instance.forum_id)
        self.fields["forum"].queryset = Forum.objects.filter(active)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["ends_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["rsvp_deadline"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        deadline = cleaned.get("rsvp_deadline")
        if deadline and starts and deadline > starts:
            self.add_error("rsvp_deadline", _("Svarfristen skal ligge før mødet begynder."))
        if starts and ends and ends <= starts:
            self.add_error(
                "ends_at",
                _(
                    "Mødet slutter, før det begynder. Sluttidspunktet skal ligge efter "
                    "starttidspunktet."
                ),
            )
        if not cleaned.get("place") and not cleaned.get("online_url"):
            self.add_error("place", _("Angiv et sted, et link til onlinemødet eller begge."))
        return cleaned

    def _post_clean(self):
        # The service runs full_clean with the creator set; the form's own checks are above.
        pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several bilag at once, each checked as AttachmentForm checks one (uploads.py)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(AttachmentsField, self).clean(f, initial) for f in files]
        for uploaded in cleaned:
            check_attachment(uploaded)
        return cleaned


class AgendaItemForm(PortalModelForm):
    new_attachments = AttachmentsField(
        label=_("Bilag"),
        required=False,
        help_text=_(
            "Valgfrit. Du kan vælge flere filer: PDF, Word (DOCX), Excel (XLSX) eller "
            "PowerPoint (PPTX), højst 25 MB hver."
        ),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx"}),
    )
    presenters = PersonChoice(
        label=_("Oplægsholdere i portalen"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    restricted_to = forms.ModelMultipleChoiceField(
        label=_("Lukket punkt: kun for disse organisationer"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=AgendaItem._meta.get_field("restricted_to").help_text,
    )

    class Meta:
        model = AgendaItem
        fields = [
            "number",
            "kind",
            "title",
            "description",
            "presenters",
            "presenters_text",
            "duration_minutes",
            "restricted_to",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["presenters"].queryset = portal_people()
        self.fields["restricted_to"].queryset = Organisation.objects.order_by("kind", "name")
        self.fields["duration_minutes"].widget.attrs.update({"min": 0, "max": 600})

    def clean_number(self):
        number = (self.cleaned_data.get("number") or "").strip().lower()
        clash = AgendaItem.objects.filter(meeting=self.meeting, number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Mødet har allerede et punkt %(n)s.") % {"n": number})
        return number

    def _post_clean(self):
        self.instance.meeting = self.meeting
        super()._post_clean()


class AttachmentForm(PortalForm):
    title = forms.CharField(label=_("Bilagets titel"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX) eller PowerPoint (PPTX), højst 25 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.pptx"}),
    )
    restricted_to = forms.ModelMultipleChoiceField(
        label=_("Lukket bilag: kun for disse organisationer"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=AgendaAttachment._meta.get_field("restricted_to").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restricted_to"].queryset = Organisation.objects.order_by("kind", "name")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        check_attachment(uploaded)
        return uploaded


class CancelMeetingForm(PortalForm):
    reason = forms.CharField(
        label=_("Hvorfor aflyses mødet?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Begrundelsen står på mødets side og i mailen til de inviterede."),
        error_messages={
            "required": _(
                "Skriv, hvorfor mødet aflyses. Begrundelsen står i mailen til de inviterede."
            )
        },
    )


class InviteForm(PortalForm):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisationer"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Alle aktive medarbejdere i organisationen bliver inviteret."),
    )
    people = PersonChoice(
        label=_("Personer"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Personer, der inviteres hver for sig."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.exclude(
            meeting_invitations__meeting=meeting
        ).order_by("kind", "name")
        self.fields["people"].queryset = portal_people().exclude(
            meeting_invitations__meeting=meeting
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("organisations") and not cleaned.get("people"):
            raise ValidationError(_("Vælg mindst én organisation eller person."))
        return cleaned


class AnswerForm(PortalForm):
    answer = forms.ChoiceField(
        label=_("Dit svar"),
        choices=[(Answer.ATTEND, _("Jeg deltager")), (Answer.DECLINE, _("Jeg melder afbud"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, om du deltager eller melder afbud.")},
    )
    substitute = forms.CharField(
        label=_("Stedfortræder"),
        max_length=200,
        required=False,
        help_text=_("Ved afbud: navn og organisation på den, der kommer i stedet."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("substitute", "").strip() and cleaned.get("answer") != Answer.DECLINE:
            self.add_error(
                "substitute", _("En stedfortræder kan kun angives, når du melder afbud.")
            )
        return cleaned


class AttendanceForm(PortalForm):
    present = forms.MultipleChoiceField(
        label=_("Mødt"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, invitees, **kwargs):
        """`invitees`: selectors.invitees(meeting)."""
        super().__init__(*args, **kwargs)
        self.invitees = {str(row.user_id): row for row in invitees}
        self.fields["present"].choices = [
            (
                str(row.user_id),
                f"{row.name} ({', '.join(row.organisations)})" if row.organisations else row.name,
            )
            for row in invitees
        ]

        announced = [row for row in invitees if row.answer == Answer.DECLINE and row.substitute]
        if announced:
            self.fields["substitutes"] = forms.MultipleChoiceField(
                label=_("Mødte stedfortrædere (meldt med afbud)"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[
                    (
                        str(row.user_id),
                        _("%(who)s (stedfortræder for %(name)s)")
                        % {"who": row.substitute, "name": row.name},
                    )
                    for row in announced
                ],
            )

    def present_invitees(self) -> list:
        """The invitees marked as present."""
        return [self.invitees[pk] for pk in self.cleaned_data["present"]]

    def substituted_invitees(self) -> list | None:
        """The invitees whose announced substitute came (None: no substitute announced)."""
        if "substitutes" not in self.fields:
            return None
        return [self.invitees[pk] for pk in self.cleaned_data["substitutes"]]


class MinutesEntryForm(PortalForm):
    discussion = forms.CharField(
        label=_("Drøftelse"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decisions = forms.CharField(
        label=_("Beslutninger"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    action_description = forms.CharField(label=_("Ny handling"), max_length=500, required=False)
    action_owner = forms.CharField(label=_("Ansvarlig"), max_length=200, required=False)
    action_owner_user = forms.ModelChoiceField(
        label=_("Ansvarlig person i portalen"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Valgfrit. Personen ser handlingen på sit overblik."),
    )
    action_deadline = forms.DateField(label=_("Frist"), required=False, widget=DATE)
    remove_actions = forms.MultipleChoiceField(
        label=_("Fjern handlinger"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entry, people=None, **kwargs):
        """`people`: who may own an action (the meeting's invitees and the secretariat)."""
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.fields["action_owner_user"].queryset = (
            people if people is not None else User.objects.none()
        )
        actions = list(entry.actions.all())
        if actions:
            self.fields["remove_actions"].choices = [(str(a.pk), a.description) for a in actions]
        else:
            del self.fields["remove_actions"]

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("action_owner") or cleaned.get("action_owner_user")
        if cleaned.get("action_description") and not owner:
            self.add_error("action_owner", _("Skriv, hvem der er ansvarlig for handlingen."))
        return cleaned


class CommentForm(PortalForm):
    text = forms.CharField(label=_("Kommentar"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(PortalForm):
    reason = forms.CharField(
        label=_("Begrundelse for rettelsen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Begrundelsen står i den nye version og i mailen til deltagerne."),
    )


class SendForCommentForm(PortalForm):
    deadline = forms.DateField(
        label=_("Frist for kommentarer"),
        widget=DATE,
        help_text=_("Deltagerne kan kommentere og godkende referatet til og med denne dag."),
        error_messages={"required": _("Vælg en frist for kommentarer.")},
    )


class ExtraAttendeeForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Rolle"), choices=AttendeeKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Navn"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    substitute_for = forms.TypedChoiceField(
        label=_("Stedfortræder for"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Kun for en stedfortræder: den inviterede, der ikke selv kom."),
    )

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute_for"].choices = [("", "–")] + [
            (str(row.user_id), row.name) for row in invitees
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == AttendeeKind.SUBSTITUTE and not cleaned.get("substitute_for"):
            self.add_error("substitute_for", _("Vælg, hvem stedfortræderen kommer i stedet for."))
        return cleaned


class AbsenceForm(PortalForm):
    person = forms.ChoiceField(label=_("Deltager"))
    items = forms.MultipleChoiceField(
        label=_("Ikke til stede under punkt"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Sæt kryds ved de punkter, personen ikke var med til. Ingen kryds: med hele vejen."
        ),
    )

    def __init__(self, *args, people, items, **kwargs):
        """`people`: (key, label) with key "u<user id>" or "x<extra attendee id>"."""
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "–"), *people]
        self.fields["items"].choices = [(str(i.pk), f"{i.number}. {i.title}") for i in items]


class ActionStatusForm(PortalForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class DecisionSearchForm(PortalForm):
    q = forms.CharField(label=_("Søg i beslutninger og handlinger"), required=False, max_length=200)


class CopyMeetingForm(PortalForm):
    """The new meeting's title and time, when a meeting is copied (meetings.copying)."""

    title = forms.CharField(label=_("Titel"), max_length=250)
    starts_at = forms.DateTimeField(
        label=_("Starter"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = forms.DateTimeField(
        label=_("Slutter"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )

    def clean(self):
        cleaned = super().clean()
        for field, message in time_errors(cleaned.get("starts_at"), cleaned.get("ends_at")).items():
            self.add_error(field, message)
        return cleaned
