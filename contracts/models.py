"""KL's standard contracts in the portal: versioned templates with numbered clauses, and
contracts between a buying municipality and a provider for one offer, whose clauses start
as the standard text; a changed clause is a deviation with a reason."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from offers.models import Offer, Tariff, TariffAddOn
from partnership import fields as guarded
from partnership.links import url_with_id
from partnership.models import Organisation, OrganisationKind

from . import dates


class TemplateKind(models.TextChoices):
    ADULTS_INSIDE = "adults_inside", _("Voksne inden for rammeaftalen")
    ADULTS_OUTSIDE = "adults_outside", _("Voksne uden for rammeaftalen")
    CHILDREN = "children", _("Børn og unge")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")
    REPLACED = "replaced", _("Erstattet")


class PublishedTemplateError(Exception):
    """A published (or replaced) template version cannot change: a change is a new version."""


class ContractTemplate(models.Model):
    """A version of one of KL's standard contracts. The secretariat drafts a new version
    from the published one (contracts/standards/services.py); publishing it replaces the
    old one, which never changes again (trigger contracts_contracttemplate_immutable,
    contracts/migrations/0009). One published version per kind (a constraint): new
    contracts use it, existing contracts keep the version they were made from."""

    kind = models.CharField(_("type"), max_length=20, choices=TemplateKind.choices)
    version = guarded.CharField(_("version"), max_length=20)
    title = guarded.CharField(_("titel"), max_length=200)
    valid_from = models.DateField(_("gælder fra"))
    status = models.CharField(
        _("status"), max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    note = guarded.TextField(_("note"), blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("udarbejdet ud fra"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    change_note = guarded.TextField(
        _("ændringsnote"),
        blank=True,
        max_length=4000,
        help_text=_("Hvad er ændret i forhold til den gældende version, og hvorfor."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replaced_at = models.DateTimeField(_("erstattet"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kontraktskabelon")
        verbose_name_plural = _("kontraktskabeloner")
        ordering = ["kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="template_unique_version",
                violation_error_message=_(
                    "Standardkontrakten har allerede en version med det nummer."
                ),
            ),
            models.CheckConstraint(
                name="template_kind_valid", condition=Q(kind__in=TemplateKind.values)
            ),
            models.CheckConstraint(
                name="template_status_valid", condition=Q(status__in=TemplateStatus.values)
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status="published"),
                name="template_one_published_per_kind",
                violation_error_message=_(
                    "Der kan kun være én offentliggjort version af hver standardkontrakt."
                ),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status="draft"),
                name="template_one_draft_per_kind",
                violation_error_message=_("Der er allerede en kladde til en ny version."),
            ),
            models.CheckConstraint(
                name="template_new_version_has_change_note",
                condition=Q(status="draft") | Q(previous__isnull=True) | ~Q(change_note=""),
                violation_error_message=_("Skriv en ændringsnote, før versionen offentliggøres."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"

    def save(self, *args, **kwargs):
        if (
            self.pk
            and ContractTemplate.objects.filter(pk=self.pk)
            .exclude(status=TemplateStatus.DRAFT)
            .exists()
        ):
            raise PublishedTemplateError(
                "En offentliggjort standardkontrakt kan ikke ændres. Opret en ny version."
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return url_with_id("contracts:template_detail", self.pk)

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise PublishedTemplateError("En offentliggjort standardkontrakt kan ikke slettes.")
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == TemplateStatus.DRAFT


def _template_locked(template_id: int | None) -> bool:
    """Whether the template version is published or replaced (its clauses are fixed)."""
    return (
        ContractTemplate.objects.filter(pk=template_id)
        .exclude(status=TemplateStatus.DRAFT)
        .exists()
    )


class TemplateClause(models.Model):
    template = models.ForeignKey(ContractTemplate, on_delete=models.CASCADE, related_name="clauses")
    number = guarded.CharField(_("nummer"), max_length=10)
    order = models.PositiveIntegerField(_("rækkefølge"))
    title = guarded.CharField(_("overskrift"), max_length=200)
    text = guarded.TextField(_("standardtekst"))
    changeable = models.BooleanField(_("kommunen må ændre"), default=True)
    is_summary = models.BooleanField(
        _("resumé"),
        default=False,
        help_text=_("Teksten er portalens resumé, ikke KL's officielle ordlyd."),
    )

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="template_clause_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        old = TemplateClause.objects.filter(pk=self.pk).values_list("template_id", flat=True)
        if _template_locked(self.template_id) or (self.pk and _template_locked(old.first())):
            raise PublishedTemplateError(
                "Punkterne i en offentliggjort standardkontrakt kan ikke ændres."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _template_locked(self.template_id):
            raise PublishedTemplateError(
                "Punkterne i en offentliggjort standardkontrakt kan ikke slettes."
            )
        return super().delete(*args, **kwargs)


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    SENT = "sent", _("Sendt til leverandøren")
    NEGOTIATION = "negotiation", _("Under forhandling")
    SIGNED = "signed", _("Underskrevet")
    ACTIVE = "active", _("Aktiv")
    RENEGOTIATION = "renegotiation", _("Under genforhandling")
    # An amendment came into force on its start date and governs from then
    # (contracts.services.activate); the page says "Erstattet af tillæg af <dato>".
    SUPERSEDED = "superseded", _("Erstattet af tillæg")
    # Notice given: the contract runs until terminated_on, then the daily task ends it.
    NOTICE_GIVEN = "notice_given", _("Opsagt")
    TERMINATED = "terminated", _("Ophørt")


# Contracts that run (or are about to) until they end: reminders, the list's "Løbende" and
# the measure count them. An opsagt contract runs until its end date.
RUNNING_STATES = (
    ContractState.SIGNED,
    ContractState.ACTIVE,
    ContractState.RENEGOTIATION,
    ContractState.NOTICE_GIVEN,
)
# Agreed by both sides, whether running now or ended since.
AGREED_STATES = (*RUNNING_STATES, ContractState.TERMINATED)
# Notice can be given on a contract in these states (contracts.services.give_notice).
NOTICE_STATES = (ContractState.SIGNED, ContractState.ACTIVE, ContractState.RENEGOTIATION)


# An amendment is open until it comes into force (active) or ends: a contract has at most
# one open amendment (the constraint contract_one_open_amendment).
OPEN_AMENDMENT_STATES = [
    ContractState.DRAFT,
    ContractState.SENT,
    ContractState.NEGOTIATION,
    ContractState.SIGNED,
]


class PaymentTiming(models.TextChoices):
    ADVANCE = "advance", _("Forud")
    ARREARS = "arrears", _("Bagud")


class Contract(models.Model):
    buyer = models.ForeignKey(
        Organisation,
        verbose_name=_("køber (handlekommune)"),
        on_delete=models.PROTECT,
        related_name="contracts_bought",
        limit_choices_to={"kind__in": [OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]},
    )
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("leverandør"),
        on_delete=models.PROTECT,
        related_name="contracts_provided",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("tilbud"), on_delete=models.PROTECT, related_name="contracts"
    )
    template = models.ForeignKey(
        ContractTemplate,
        verbose_name=_("skabelon"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    amendment_of = models.ForeignKey(
        "self",
        verbose_name=_("tillæg til"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
    )
    case_reference = guarded.CharField(
        _("kommunens sagsreference"),
        max_length=100,
        help_text=_("Kommunens eget sagsnummer. Aldrig CPR-nummer eller navn."),
    )
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("slutdato"), null=True, blank=True)
    tariff = models.ForeignKey(
        Tariff, verbose_name=_("aftalt takst"), on_delete=models.PROTECT, related_name="contracts"
    )
    addons = models.ManyToManyField(
        TariffAddOn, verbose_name=_("valgte tillægsydelser"), blank=True
    )
    payment_timing = models.CharField(
        _("betaling"), max_length=10, choices=PaymentTiming.choices, default=PaymentTiming.ADVANCE
    )
    payment_days = models.PositiveSmallIntegerField(
        _("betalingsfrist (dage efter faktura)"), default=30, validators=[MaxValueValidator(30)]
    )
    notice_months = models.PositiveSmallIntegerField(
        _("opsigelsesvarsel (måneder)"), default=3, validators=[MaxValueValidator(24)]
    )
    automatic_pl = models.BooleanField(_("automatisk PL-regulering"), default=True)
    followup_first = models.DateField(_("første opfølgning"), null=True, blank=True)
    followup_interval_months = models.PositiveSmallIntegerField(
        _("opfølgning hver (måneder)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    buyer_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kontaktperson hos køber"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kontaktperson hos leverandøren"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    state = models.CharField(
        _("status"), max_length=20, choices=ContractState.choices, default=ContractState.DRAFT
    )
    buyer_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    buyer_signed_at = models.DateTimeField(null=True, blank=True)
    provider_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    terminated_on = models.DateField(_("ophørsdato"), null=True, blank=True)
    termination_reason = guarded.TextField(_("begrundelse for ophør"), blank=True)
    notice_given_on = models.DateField(_("opsagt den"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The one-time token of the "Opret kontrakt" form that made the contract: the same form
    # sent twice (a double click, a reload) makes one contract (constraint
    # contract_one_per_form).
    creation_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kontrakt")
        verbose_name_plural = _("kontrakter")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "state"]),
            models.Index(fields=["provider", "state"]),
            # The contract list: a party's contracts, newest first, one page at a time.
            models.Index(fields=["buyer", "-created_at", "-id"], name="contract_buyer_newest"),
            models.Index(
                fields=["provider", "-created_at", "-id"], name="contract_provider_newest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="contract_state_valid", condition=Q(state__in=ContractState.values)
            ),
            models.CheckConstraint(
                name="contract_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                violation_error_message=_("Slutdatoen skal ligge efter startdatoen."),
            ),
            models.CheckConstraint(
                name="contract_payment_days_max_30",
                condition=Q(payment_days__lte=30),
                violation_error_message=_("Betalingsfristen er højst 30 dage efter faktura."),
            ),
            models.UniqueConstraint(fields=["creation_key"], name="contract_one_per_form"),
            models.UniqueConstraint(
                fields=["amendment_of"],
                condition=Q(state__in=OPEN_AMENDMENT_STATES),
                name="contract_one_open_amendment",
                violation_error_message=_("Kontrakten genforhandles allerede i et andet tillæg."),
            ),
            models.CheckConstraint(
                name="contract_signed_has_both_signatures",
                condition=~Q(state__in=[ContractState.SIGNED, ContractState.ACTIVE])
                | (Q(buyer_signed_at__isnull=False) & Q(provider_signed_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="contract_notice_has_dates",
                condition=~Q(state=ContractState.NOTICE_GIVEN)
                | (Q(notice_given_on__isnull=False) & Q(terminated_on__isnull=False)),
                violation_error_message=_(
                    "En opsagt kontrakt skal have opsigelses- og ophørsdato."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} · {self.offer}"

    def get_absolute_url(self) -> str:
        return url_with_id("contracts:contract_detail", self.pk)

    def clean(self) -> None:
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("Slutdatoen skal ligge efter startdatoen.")
        if self.tariff_id and self.offer_id:
            if self.tariff.offer_id != self.offer_id:
                errors["tariff"] = _("Taksten hører til et andet tilbud.")
            elif not self.tariff.is_published:
                errors["tariff"] = _("Vælg en offentliggjort takst.")
        if self.offer_id and self.provider_id and self.offer.provider_id != self.provider_id:
            errors["offer"] = _("Tilbuddet hører til en anden leverandør.")
        if (
            self.amendment_of_id
            and self.start_date
            and self.start_date < self.amendment_of.start_date  # type: ignore[union-attr]
        ):
            # An amendment's start date is the day it comes into force.
            errors["start_date"] = _(
                "Tillægget kan tidligst gælde fra den oprindelige kontrakts startdato (%(date)s)."
            ) % {"date": date_format(self.amendment_of.start_date, "j. F Y")}  # type: ignore[union-attr]
        if errors:
            raise ValidationError(errors)

    @property
    def ends_on(self) -> date | None:
        """The day the contract ends: after notice, else its end date (contracts.dates)."""
        return dates.ends_on(self)

    @property
    def superseded_by(self) -> Contract | None:
        """The amendment in force that replaced this version, if any."""
        if self.state != ContractState.SUPERSEDED:
            return None
        return (
            self.amendments.exclude(state__in=OPEN_AMENDMENT_STATES).order_by("-start_date").first()
        )

    @property
    def state_label(self) -> str:
        """The state in words, with the end date while notice runs:
        "Opsagt – ophører 30. juni 2027"."""
        if self.state == ContractState.SUPERSEDED and (amendment := self.superseded_by):
            return _("Erstattet af tillæg af %(date)s") % {
                "date": date_format(amendment.start_date, "j. F Y")
            }
        if self.state == ContractState.NOTICE_GIVEN and self.terminated_on:
            return _("Opsagt – ophører %(date)s") % {
                "date": date_format(self.terminated_on, "j. F Y")
            }
        return (
            str(ContractState(self.state).label)
            if self.state in ContractState.values
            else self.state
        )

    @property
    def deviation_count(self) -> int:
        return sum(1 for c in self.clauses.all() if c.is_deviation)


class ContractClause(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    number = guarded.CharField(_("nummer"), max_length=10)
    order = models.PositiveIntegerField()
    title = guarded.CharField(_("overskrift"), max_length=200)
    standard_text = guarded.TextField(_("standardtekst"))
    text = guarded.TextField(_("tekst"))
    changeable = models.BooleanField(default=True)
    deviation_reason = guarded.TextField(_("begrundelse for afvigelse"), blank=True)

    class Meta:
        ordering = ["contract", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="contract_clause_unique_number"
            ),
            models.CheckConstraint(
                name="clause_deviation_has_reason",
                condition=Q(text=F("standard_text")) | ~Q(deviation_reason=""),
                violation_error_message=_(
                    "En afvigelse fra standardteksten skal have en begrundelse."
                ),
            ),
            models.CheckConstraint(
                name="clause_unchangeable_keeps_standard",
                condition=Q(changeable=True) | Q(text=F("standard_text")),
                violation_error_message=_("Punktet må ikke ændres."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_deviation(self) -> bool:
        return self.text != self.standard_text


class IndividualPriceItem(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="price_items")
    description = guarded.CharField(_("ydelse"), max_length=200)
    amount = models.DecimalField(
        _("beløb (kr.)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = guarded.CharField(_("enhed"), max_length=40)
    reason = guarded.TextField(_("begrundelse"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class EventKind(models.TextChoices):
    CREATED = "created", _("Oprettet")
    STATE = "state", _("Status ændret")
    CLAUSE = "clause", _("Punkt ændret")
    FIELDS = "fields", _("Vilkår ændret")
    COMMENT = "comment", _("Kommentar")
    SIGNED = "signed", _("Accepteret")


class ContractEvent(models.Model):
    """Every change to a contract: who, when, before and after.

    Append-only: a database trigger (contracts/0004) refuses UPDATE and DELETE, and a
    contract with events cannot be deleted (PROTECT), so its history cannot go with it."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    clause_number = guarded.CharField(max_length=10, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = guarded.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    FOLLOWUP = "followup", _("Opfølgning")
    NOTICE = "notice", _("Opsigelsesfrist")
    ENDING = "ending", _("Kontrakten udløber")


class Reminder(models.Model):
    """A reminder that was sent. Unique per contract, kind and due date: sent once."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind", "due_date"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"
