"""Quality frameworks and their themes (reference data), assessments of offers against a
framework, and quality dialogues between a municipality and a provider with their notes,
documentation and agreed actions.

A framework row is one *edition* of a quality model: editions of the same model share a
`family` (Socialtilsynets kvalitetsmodel of 2014 and the one after L 200 (2024-25)), each
has its own themes and criteria, and is in force from `valid_from` until the next active
edition of its family takes over (`FrameworkQuerySet.in_force`, the one home of that rule).
An assessment and a dialogue keep the edition they were made with."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from partnership import fields as guarded
from partnership.links import url_with_id
from partnership.models import Membership

SCORE_MIN, SCORE_MAX = 1, 5
SCORE_ERROR = _("Scoren skal være et helt tal fra 1 til 5.")
SCORE_VALIDATORS = [
    MinValueValidator(SCORE_MIN, message=SCORE_ERROR),
    MaxValueValidator(SCORE_MAX, message=SCORE_ERROR),
]


class FrameworkQuerySet(models.QuerySet):
    def in_force(self, on: date) -> FrameworkQuerySet:
        """The edition of each model in force on the date: the active edition with the
        latest `valid_from` on or before it (an active edition without a date is in force
        from the start, until a dated one takes over). One per family."""
        latest = (
            Framework.objects.filter(is_active=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
            .order_by("family", F("valid_from").desc(nulls_last=True))
            .distinct("family")
            .values("pk")
        )
        return self.filter(pk__in=latest)


class Framework(models.Model):
    """One edition of a set of themes, each scored 1-5 (the partnership's quality vision,
    Socialtilsynet's quality model). Reference data the secretariat maintains; a new
    edition (e.g. after a change in the law) is seeded inactive and put in force by the
    secretariat setting the date it takes effect (`services.activate_framework`)."""

    key = guarded.SlugField(_("nøgle"), max_length=50, unique=True)
    family = guarded.SlugField(
        _("model"),
        max_length=50,
        blank=True,
        help_text=_("Udgaver af samme model har samme nøgle her (som standard rammens egen)."),
    )
    name = guarded.CharField(_("navn"), max_length=200, unique=True)
    edition = guarded.CharField(_("udgave"), max_length=100, blank=True)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    is_active = models.BooleanField(_("i brug"), default=True)
    valid_from = models.DateField(
        _("gælder fra"),
        null=True,
        blank=True,
        help_text=_("Tom: gælder fra starten (den første udgave) eller endnu ikke fastsat."),
    )

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("kvalitetsramme")
        verbose_name_plural = _("kvalitetsrammer")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "valid_from"],
                name="framework_edition_date_once",
                violation_error_message=_("En anden udgave af modellen gælder fra samme dato."),
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(valid_from__isnull=True, is_active=True),
                name="framework_one_undated_edition_in_use",
                violation_error_message=_(
                    "Sæt en dato: en anden udgave af modellen er allerede i brug uden dato."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.family:
            self.family = self.key
        super().save(*args, **kwargs)


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


class Criterion(models.Model):
    """A criterion of a theme, or, with a parent, an indicator of a criterion. Reference
    data of the edition its theme belongs to."""

    theme = models.ForeignKey(
        Theme, verbose_name=_("tema"), on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("kriterium"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
    )
    code = guarded.CharField(_("nummer"), max_length=10)
    text = guarded.TextField(_("tekst"))
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    class Meta:
        verbose_name = _("kriterium")
        verbose_name_plural = _("kriterier")
        ordering = ["theme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "code"], name="criterion_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:60]}"

    def clean(self) -> None:
        if self.parent_id and (
            self.parent.theme_id != self.theme_id
            or self.parent.parent_id is not None
            or self.parent_id == self.pk
        ):
            raise ValidationError({"parent": _("Vælg et kriterium under samme tema.")})


# --- Assessments ---------------------------------------------------------------------------


class Origin(models.TextChoices):
    """Whose scores an assessment holds. Only the secretariat enters Socialtilsynet's (from
    the tilsyn's report, with the report's date); a provider's editors enter the provider's
    own, shown as "oplyst af leverandøren". Held by the service (permissions.
    assessment_origins), the model (clean) and a trigger (quality/migrations/0004)."""

    SOCIALTILSYNET = "socialtilsynet", _("Socialtilsynet")
    PROVIDER = "provider", _("Oplyst af leverandøren")


# The kind of organisation that enters each origin (also in the trigger of migration 0004).
ORIGIN_ORGANISATION_KIND = {
    Origin.SOCIALTILSYNET: "secretariat",
    Origin.PROVIDER: "provider",
}


class Assessment(models.Model):
    """Scores per theme for one offer on a date, in the framework edition in force on that
    date, with whose scores they are (`origin`) and who entered them."""

    offer = models.ForeignKey(
        "offers.Offer",
        verbose_name=_("tilbud"),
        on_delete=models.CASCADE,
        related_name="quality_assessments",
    )
    framework = models.ForeignKey(
        Framework, verbose_name=_("ramme"), on_delete=models.PROTECT, related_name="assessments"
    )
    origin = models.CharField(_("kilde"), max_length=20, choices=Origin.choices)
    assessed_on = models.DateField(
        _("dato for vurderingen"), help_text=_("For Socialtilsynets scorer: rapportens dato.")
    )
    source = guarded.CharField(
        _("henvisning"),
        max_length=300,
        blank=True,
        help_text=_("Fx 'Tilsynsrapport fra Socialtilsyn Øst' eller 'Egen trivselsmåling'."),
    )
    entered_by_organisation = models.ForeignKey(
        "partnership.Organisation",
        verbose_name=_("indtastet af organisation"),
        on_delete=models.PROTECT,
        related_name="+",
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
        constraints = [
            models.CheckConstraint(
                name="assessment_origin_valid", condition=Q(origin__in=Origin.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework} · {self.assessed_on}"

    @property
    def origin_text(self) -> str:
        """How every page names whose scores these are: "Socialtilsynet, rapport af
        3. marts 2026" or "Oplyst af leverandøren 3. marts 2026"."""
        day = date_format(self.assessed_on, "j. F Y")
        if self.origin == Origin.SOCIALTILSYNET:
            return _("Socialtilsynet, rapport af %(date)s") % {"date": day}
        return _("Oplyst af leverandøren %(date)s") % {"date": day}

    def clean(self) -> None:
        errors: dict[str, str] = {}
        org = self.entered_by_organisation if self.entered_by_organisation_id else None
        if org is not None and self.origin in ORIGIN_ORGANISATION_KIND:
            if org.kind != ORIGIN_ORGANISATION_KIND[self.origin]:
                errors["origin"] = (
                    _("Kun sekretariatet kan registrere Socialtilsynets scorer.")
                    if self.origin == Origin.SOCIALTILSYNET
                    else _("Leverandørens egne scorer registreres af leverandøren.")
                )
            elif (
                self.origin == Origin.PROVIDER
                and self.offer_id
                and (org.pk != self.offer.provider_id)
            ):
                errors["origin"] = _("Leverandørens egne scorer registreres af leverandøren.")
        if self.framework_id and self.assessed_on and not self.pk:
            in_force = Framework.objects.in_force(self.assessed_on).filter(
                family=self.framework.family
            )
            current = in_force.first()
            if current is None:
                errors["assessed_on"] = _("Ingen udgave af %(framework)s gjaldt den %(date)s.") % {
                    "framework": self.framework.name,
                    "date": date_format(self.assessed_on, "j. F Y"),
                }
            elif current.pk != self.framework_id:
                errors["assessed_on"] = _(
                    "Den %(date)s gjaldt %(edition)s, ikke %(framework)s."
                ) % {
                    "date": date_format(self.assessed_on, "j. F Y"),
                    "edition": current.name,
                    "framework": self.framework.name,
                }
        if errors:
            raise ValidationError(errors)


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
        return url_with_id("quality:dialogue_detail", self.pk)

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
