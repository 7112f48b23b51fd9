from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partnership.forms import PortalForm, PortalModelForm
from partnership.models import Organisation, User

from .models import AgendaItem, Answer, Forum, Meeting
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
    class Meta:
        model = Forum
        fields = ["name", "description", "is_active"]


class MeetingForm(PortalModelForm):
    class Meta:
        model = Meeting
        fields = ["forum", "title", "description", "starts_at", "ends_at", "place", "online_url"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}
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

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
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


class AgendaItemForm(PortalModelForm):
    presenters = PersonChoice(
        label=_("Oplægsholdere i portalen"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (Cmd på Mac) nede for at vælge flere."),
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

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        check_attachment(uploaded)
        return uploaded


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
        widget=forms.SelectMultiple(attrs={"size": 6}),
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

    def present_invitees(self) -> list:
        """The invitees marked as present."""
        return [self.invitees[pk] for pk in self.cleaned_data["present"]]


class MinutesEntryForm(PortalForm):
    discussion = forms.CharField(
        label=_("Drøftelse"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decisions = forms.CharField(
        label=_("Beslutninger"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    action_description = forms.CharField(label=_("Ny handling"), max_length=500, required=False)
    action_owner = forms.CharField(label=_("Ansvarlig"), max_length=200, required=False)
    action_deadline = forms.DateField(label=_("Frist"), required=False, widget=DATE)
    remove_actions = forms.MultipleChoiceField(
        label=_("Fjern handlinger"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        actions = list(entry.actions.all())
        if actions:
            self.fields["remove_actions"].choices = [(str(a.pk), a.description) for a in actions]
        else:
            del self.fields["remove_actions"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action_description") and not cleaned.get("action_owner"):
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
