"""Quality frameworks and their themes (reference data), assessments of offers against a
framework, and quality dialogues between a municipality and a provider with their notes,
documentation and agreed actions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnership import fields as guarded
from partnership.models import Membership

SCORE_MIN, SCORE_MAX = 1, 5
SCORE_ERROR = _("Scoren skal være et helt tal fra 1 til 5.")
SCORE_VALIDATORS = [
    MinValueValidator(SCORE_MIN, message=SCORE_ERROR),
    MaxValueValidator(SCORE_MAX, message=SCORE_ERROR),
]


class Framework(models.Model):
    """A set of themes, each scored 1-5 (the partnership's quality vision, Socialtilsynet's
    quality model). Reference data the secretariat maintains."""

    key = guarded.SlugField(_("nøgle"), max_length=50, unique=True)
    name = guarded.CharField(_("navn"), max_length=200, unique=True)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("kvalitetsramme")
        verbose_name_plural = _("kvalitetsrammer")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    framework = models.ForeignKey(
        Framework, verbose_name=_("ramme"), on_delete=models.CASCADE, related_name="themes"
    )
    name = guarded.CharField(_("navn"), max_length=200)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("tema")
        verbose_name_plural = _("temaer")
        ordering = ["framework", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="theme_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Assessments ---------------------------------------------------------------------------


class Assessment(models.Model):
    """Scores per theme for one offer on a date, with where they come from (e.g. the
    tilsyn report)."""

    offer = models.ForeignKey(
        "offers.Offer",
        verbose_name=_("tilbud"),
        on_delete=models.CASCADE,
        related_name="quality_assessments",
    )
    framework = models.ForeignKey(
        Framework, verbose_name=_("ramme"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("dato for vurderingen"))
    source = guarded.CharField(
        _("kilde"),
        max_length=300,
        help_text=_("Fx 'Tilsynsrapport fra Socialtilsyn Øst, marts 2026'."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("kvalitetsvurdering")
        verbose_name_plural = _("kvalitetsvurderinger")
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["offer", "framework", "-assessed_on"])]

    def __str__(self) -> str:
        return f"{self.framework} · {self.assessed_on}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=SCORE_VALIDATORS, error_messages={"invalid": SCORE_ERROR}
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scorer")
        ordering = ["theme__order", "theme__name"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "theme"], name="assessment_score_once"),
            models.CheckConstraint(
                name="assessment_score_1_to_5",
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                violation_error_message=SCORE_ERROR,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme}: {self.score}"


# --- Quality dialogues ---------------------------------------------------------------------


class Side(models.TextChoices):
    MUNICIPALITY = "municipality", _("Kommunen")
    PROVIDER = "provider", _("Leverandøren")


class Dialogue(models.Model):
    """A quality dialogue between a buying municipality (or the region) and a provider
    about one or more of the provider's offers."""

    municipality = models.ForeignKey(
        "partnership.Organisation",
        verbose_name=_("kommune"),
        on_delete=models.PROTECT,
        related_name="quality_dialogues_as_buyer",
    )
    provider = models.ForeignKey(
        "partnership.Organisation",
        verbose_name=_("leverandør"),
        on_delete=models.PROTECT,
        related_name="quality_dialogues_as_provider",
    )
    offers = models.ManyToManyField(
        "offers.Offer", verbose_name=_("tilbud"), related_name="quality_dialogues"
    )
    framework = models.ForeignKey(
        Framework,
        verbose_name=_("kvalitetsramme"),
        on_delete=models.PROTECT,
        related_name="dialogues",
    )
    held_on = models.DateField(_("dato for dialogen"))
    municipality_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deltagere fra kommunen"),
        related_name="+",
        blank=True,
    )
    provider_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deltagere fra leverandøren"),
        related_name="+",
        blank=True,
    )
    other_participants = guarded.TextField(
        _("øvrige deltagere"),
        blank=True,
        help_text=_("Navn og organisation på deltagere uden login i portalen."),
    )
    summary = guarded.TextField(_("opsummering"), blank=True)
    next_dialogue_on = models.DateField(_("næste dialog"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("kvalitetsdialog")
        verbose_name_plural = _("kvalitetsdialoger")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["municipality", "provider", "-held_on"])]
        constraints = [
            models.CheckConstraint(
                name="dialogue_next_after_held",
                condition=Q(next_dialogue_on__isnull=True)
                | Q(next_dialogue_on__gt=models.F("held_on")),
                violation_error_message=_("Næste dialog skal ligge efter denne dialog."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} · {self.provider} · {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("quality:dialogue_detail", args=[self.pk])

    def organisation_of(self, side: str):
        return self.municipality if side == Side.MUNICIPALITY else self.provider

    def clean(self) -> None:
        errors = {}
        if self.municipality_id and not self.municipality.is_public_buyer:
            errors["municipality"] = _("Vælg en kommune eller regionen.")
        if self.provider_id and self.provider.kind != "provider":
            errors["provider"] = _("Vælg en leverandør.")
        if self.held_on and self.next_dialogue_on and self.next_dialogue_on <= self.held_on:
            errors["next_dialogue_on"] = _("Næste dialog skal ligge efter denne dialog.")
        if errors:
            raise ValidationError(errors)


class ThemeNote(models.Model):
    """One side's note and score on one theme in a dialogue."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="notes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("part"), max_length=20, choices=Side.choices)
    note = guarded.TextField(_("notat"), blank=True)
    score = models.PositiveSmallIntegerField(
        _("vurdering"),
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
        error_messages={"invalid": SCORE_ERROR},
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("notat om tema")
        verbose_name_plural = _("notater om temaer")
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "theme", "side"], name="theme_note_once"),
            models.CheckConstraint(name="theme_note_side_valid", condition=Q(side__in=Side.values)),
            models.CheckConstraint(
                name="theme_note_score_1_to_5",
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                violation_error_message=SCORE_ERROR,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} · {self.theme}: {self.score or '–'}"


def dialogue_document_path(doc: DialogueDocument, filename: str) -> str:
    return f"quality/dialogues/{doc.dialogue_id}/{filename}"


class DialogueDocument(models.Model):
    """Documentation a side brought to the dialogue (PDF, checked by content)."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="documents")
    side = models.CharField(_("part"), max_length=20, choices=Side.choices)
    title = guarded.CharField(_("titel"), max_length=200)
    file = models.FileField(_("fil (PDF)"), upload_to=dialogue_document_path)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tilføjet"), auto_now_add=True)

    class Meta:
        verbose_name = _("dokumentation")
        verbose_name_plural = _("dokumentation")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    IN_PROGRESS = "in_progress", _("I gang")
    DONE = "done", _("Færdig")


UNFINISHED = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=UNFINISHED)

    def overdue(self, today=None):
        return self.unfinished().filter(deadline__lt=today or timezone.localdate())


class Action(models.Model):
    """An agreed action. It belongs to the dialogue where it is followed up now; when a new
    dialogue between the same parties starts, unfinished actions move to it, and
    `origin_dialogue` / `carried_from` say where they came from."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="actions")
    origin_dialogue = models.ForeignKey(
        Dialogue,
        verbose_name=_("aftalt i dialogen"),
        on_delete=models.CASCADE,
        related_name="originated_actions",
    )
    carried_from = models.ForeignKey(
        Dialogue,
        verbose_name=_("ført videre fra"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_on_actions",
    )
    text = guarded.TextField(_("handling"))
    owner_organisation = models.ForeignKey(
        "partnership.Organisation",
        verbose_name=_("ansvarlig organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvarlig person"),
        on_delete=models.PROTECT,
        related_name="quality_actions",
    )
    deadline = models.DateField(_("frist"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("handling")
        verbose_name_plural = _("handlinger")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                name="action_status_valid", condition=Q(status__in=ActionStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED

    def is_overdue(self, today=None) -> bool:
        return self.is_unfinished and self.deadline < (today or timezone.localdate())

    @property
    def was_carried_over(self) -> bool:
        return self.origin_dialogue_id != self.dialogue_id

    def clean(self) -> None:
        if not (self.dialogue_id and self.owner_organisation_id):
            return
        parties = {self.dialogue.municipality_id, self.dialogue.provider_id}
        if self.owner_organisation_id not in parties:
            raise ValidationError(
                {"owner_organisation": _("Den ansvarlige skal være en af dialogens parter.")}
            )
        if (
            self.owner_id
            and not Membership.objects.active()
            .filter(user_id=self.owner_id, organisation_id=self.owner_organisation_id)
            .exists()
        ):
            raise ValidationError(
                {
                    "owner": _(
                        "Den ansvarlige person skal være medlem af den ansvarlige organisation."
                    )
                }
            )


class ActionReminder(models.Model):
    """A reminder sent about an overdue action: at most one per action per ISO week."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    week = guarded.CharField(_("uge"), max_length=8)  # ISO year-week, e.g. "2026-W07"
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("påmindelse om handling")
        verbose_name_plural = _("påmindelser om handlinger")
        constraints = [
            models.UniqueConstraint(fields=["action", "week"], name="action_reminder_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} · {self.week}"
