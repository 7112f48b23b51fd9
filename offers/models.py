"""Offers (tilbud), their service declarations, vacancies and versioned tariffs, and the
reference data the secretariat keeps: legal paragraphs, target groups, declaration
questions and the yearly regulation rate (PL rate)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partnership import fields as guarded
from partnership import formats
from partnership.links import url_with_id
from partnership.models import Organisation, OrganisationKind

from . import pricing

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


def money_messages(thing: str) -> dict[str, str]:
    """The Danish messages for what a money column (MONEY) checks by itself, naming the
    thing: "Taksten er for stor.", "Taksten må højst have 2 decimaler (øre).". Django
    puts them on the errors of its digit checks (Field.run_validators by code)."""
    too_big = _("%(thing)s er for stor.") % {"thing": thing}
    return {
        "max_digits": too_big,
        "max_whole_digits": too_big,
        "max_decimal_places": _("%(thing)s må højst have 2 decimaler (øre).") % {"thing": thing},
    }


# --- Reference data ------------------------------------------------------------------------


class LegalParagraph(models.Model):
    code = guarded.CharField(_("kode"), max_length=30, unique=True, help_text=_("Fx 'SEL § 108'."))
    short = guarded.CharField(_("kort navn"), max_length=20, help_text=_("Fx '§ 108'."))
    title = guarded.CharField(_("betegnelse"), max_length=200)
    order = models.PositiveIntegerField(_("rækkefølge"), default=100)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("lovparagraf")
        verbose_name_plural = _("lovparagraffer")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


class TargetGroup(models.Model):
    name = guarded.CharField(_("navn"), max_length=100, unique=True)
    slug = guarded.SlugField(unique=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=100)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("målgruppe")
        verbose_name_plural = _("målgrupper")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class DeclarationQuestion(models.Model):
    key = guarded.SlugField(_("nøgle"), unique=True)
    group = guarded.CharField(_("emne"), max_length=100)
    text = guarded.CharField(_("spørgsmål"), max_length=250)
    help_text = guarded.CharField(_("vejledning"), max_length=400, blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=100)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("deklarationsspørgsmål")
        verbose_name_plural = _("deklarationsspørgsmål")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.text


class DeclarationOption(models.Model):
    """One of a question's exclusive answers ("Vågen nattevagt", "Sovende nattevagt"): a
    question with options is answered with exactly one of them (or "Tilbydes ikke"), so the
    answers cannot contradict each other as two yes/no questions could."""

    question = models.ForeignKey(
        DeclarationQuestion, on_delete=models.CASCADE, related_name="options"
    )
    key = guarded.SlugField(_("nøgle"))
    label = guarded.CharField(_("svarmulighed"), max_length=150)
    order = models.PositiveIntegerField(_("rækkefølge"), default=100)

    class Meta:
        verbose_name = _("svarmulighed")
        verbose_name_plural = _("svarmuligheder")
        ordering = ["order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="declaration_option_key")
        ]

    def __str__(self) -> str:
        return self.label


class RegulationRate(models.Model):
    """The permitted price and wage regulation (PL rate) for a tariff year, in percent."""

    year = models.PositiveIntegerField(
        _("takstår"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    rate = models.DecimalField(
        _("PL-sats (%)"),
        **PERCENT,
        validators=[MinValueValidator(Decimal("-20")), MaxValueValidator(Decimal("50"))],
    )
    note = guarded.CharField(_("kilde / note"), max_length=250, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("PL-sats")
        verbose_name_plural = _("PL-satser")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                name="plrate_year_range", condition=Q(year__gte=2000, year__lte=2100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {formats.pct(self.rate, 2)}"


class SearchSynonym(models.Model):
    """Words and expressions the search takes as the same ("lav arousal, low arousal"): a
    search for one of them finds offers that use another. How a list widens a search is the
    database's (offers_search_expand, migration offers/0010)."""

    terms = guarded.CharField(
        _("ord og udtryk"),
        max_length=500,
        unique=True,
        help_text=_(
            "Ord og udtryk, der betyder det samme, adskilt af komma, fx 'lav arousal, low arousal'."
        ),
    )
    note = guarded.CharField(_("note"), max_length=250, blank=True)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonymer")
        ordering = ["terms"]

    def __str__(self) -> str:
        return " ~ ".join(self.term_list())

    def term_list(self) -> list[str]:
        """The terms, trimmed, each once (compared without regard to case)."""
        seen: set[str] = set()
        terms = []
        for part in self.terms.split(","):
            term = " ".join(part.split())
            if term and term.casefold() not in seen:
                seen.add(term.casefold())
                terms.append(term)
        return terms

    def clean(self) -> None:
        terms = self.term_list()
        if len(terms) < 2:
            raise ValidationError(
                {"terms": _("Skriv mindst to forskellige ord eller udtryk, adskilt af komma.")}
            )
        self.terms = ", ".join(terms)


# --- Offers ---------------------------------------------------------------------------------


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")
    WITHDRAWN = "withdrawn", _("Trukket tilbage")


class TilsynStatus(models.TextChoices):
    APPROVED = "approved", _("Godkendt")
    APPROVED_CONDITIONS = "approved_conditions", _("Godkendt med vilkår")
    PENDING = "pending", _("Under godkendelse")
    NOT_APPROVED = "not_approved", _("Ikke godkendt")


class Offer(models.Model):
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("leverandør"),
        on_delete=models.PROTECT,
        related_name="offers",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
    )
    name = guarded.CharField(_("navn"), max_length=200)
    address = guarded.CharField(_("adresse"), max_length=250)
    postal_code = guarded.CharField(_("postnummer"), max_length=4)
    city = guarded.CharField(_("by"), max_length=100)
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("beliggenhedskommune"),
        on_delete=models.PROTECT,
        related_name="offers_located",
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
    )
    paragraphs = models.ManyToManyField(
        LegalParagraph, verbose_name=_("lovgrundlag"), related_name="offers"
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("målgrupper"), related_name="offers"
    )
    age_min = models.PositiveSmallIntegerField(_("alder fra"), validators=[MaxValueValidator(120)])
    age_max = models.PositiveSmallIntegerField(_("alder til"), validators=[MaxValueValidator(120)])
    description = guarded.TextField(_("beskrivelse"))
    methods = guarded.TextField(_("faglig tilgang og metoder"))
    places = models.PositiveIntegerField(_("antal pladser"), validators=[MinValueValidator(1)])
    staffing = guarded.CharField(
        _("normering"),
        max_length=200,
        blank=True,
        help_text=_("Fx '1,2 medarbejder pr. borger i dagtimer'."),
    )
    educated_staff_percent = models.PositiveSmallIntegerField(
        _("andel personale med relevant uddannelse (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    tilsyn_status = models.CharField(
        _("godkendelse hos Socialtilsynet"),
        max_length=30,
        choices=TilsynStatus.choices,
        default=TilsynStatus.APPROVED,
    )
    tilsyn_date = models.DateField(_("godkendt / senest vurderet"), null=True, blank=True)
    contact_name = guarded.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = guarded.EmailField(_("kontakt-e-mail"), blank=True)
    contact_phone = guarded.CharField(_("kontakttelefon"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tilbud")
        verbose_name_plural = _("tilbud")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["provider", "status"]),
        ]
        constraints = [
            models.CheckConstraint(name="offer_age_range", condition=Q(age_min__lte=F("age_max"))),
            models.CheckConstraint(name="offer_places_positive", condition=Q(places__gte=1)),
            models.CheckConstraint(
                name="offer_educated_share_percent",
                condition=Q(educated_staff_percent__isnull=True)
                | Q(educated_staff_percent__lte=100),
            ),
            models.CheckConstraint(
                name="offer_status_valid", condition=Q(status__in=OfferStatus.values)
            ),
            models.UniqueConstraint(
                fields=["provider", "name"], name="offer_unique_name_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return url_with_id("offers:offer_detail", self.pk)

    def clean(self) -> None:
        errors = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = _("Alder til skal være mindst lige så høj som alder fra.")
        if self.provider_id and self.provider.kind != OrganisationKind.PROVIDER:
            errors["provider"] = _("Kun leverandører kan have tilbud.")
        if self.municipality_id and self.municipality.kind != OrganisationKind.MUNICIPALITY:
            errors["municipality"] = _("Vælg den kommune, tilbuddet ligger i.")
        if errors:
            raise ValidationError(errors)


class VacancyReport(models.Model):
    """Vacant places on a date. Old reports are kept; the newest is the current one."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="vacancy_reports")
    vacant = models.PositiveIntegerField(_("ledige pladser"))
    reported_on = models.DateField(_("opgjort den"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opgørelse af ledige pladser")
        verbose_name_plural = _("opgørelser af ledige pladser")
        ordering = ["-reported_on", "-created_at"]
        indexes = [models.Index(fields=["offer", "-reported_on", "-created_at"])]
        constraints = [
            models.CheckConstraint(name="vacancy_not_negative", condition=Q(vacant__gte=0))
        ]

    def __str__(self) -> str:
        return f"{self.offer}: {self.vacant} ledige ({self.reported_on})"


def offer_photo_path(photo: OfferPhoto, filename: str) -> str:
    return f"offers/{photo.offer_id}/photos/{filename}"


def offer_document_path(doc: OfferDocument, filename: str) -> str:
    return f"offers/{doc.offer_id}/documents/{filename}"


class OfferPhoto(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("billede"), upload_to=offer_photo_path)
    alt_text = guarded.CharField(_("alternativ tekst"), max_length=250)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(name="photo_alt_required", condition=~Q(alt_text=""))]

    def __str__(self) -> str:
        return self.alt_text


class DocumentKind(models.TextChoices):
    TILSYN = "tilsyn", _("Tilsynsrapport")
    ANNUAL = "annual", _("Årsrapport")
    OTHER = "other", _("Andet")


class OfferDocument(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    title = guarded.CharField(_("titel"), max_length=200)
    file = models.FileField(_("fil (PDF)"), upload_to=offer_document_path)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


# --- Service declaration ---------------------------------------------------------------------


class AnswerKind(models.TextChoices):
    INCLUDED = "included", _("Indeholdt i taksten")
    EXTRA = "extra", _("Mod betaling")
    NOT_OFFERED = "not_offered", _("Tilbydes ikke")


class PriceUnit(models.TextChoices):
    HOUR = "hour", _("pr. time")
    DAY = "day", _("pr. døgn")
    MONTH = "month", _("pr. måned")
    KM = "km", _("pr. km")
    INDIVIDUAL = "individual", _("individuel pris")


DECLARATION_OPTION_MESSAGE = _("Vælg en af svarmulighederne, eller svar «Tilbydes ikke».")


class AnswerColumns(models.Model):
    """What an answer to a declaration question says: the offer's answer now
    (DeclarationAnswer) and the answer kept with a published tariff (TariffDeclarationAnswer)."""

    answer = models.CharField(_("svar"), max_length=20, choices=AnswerKind.choices)
    # For a question with options (DeclarationOption): which one, unless "Tilbydes ikke".
    option = models.ForeignKey(
        DeclarationOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    price = models.DecimalField(_("pris (kr.)"), **MONEY, null=True, blank=True)
    unit = models.CharField(_("enhed"), max_length=20, choices=PriceUnit.choices, blank=True)
    note = guarded.CharField(_("bemærkning"), max_length=500, blank=True)

    class Meta:
        abstract = True


class DeclarationAnswer(AnswerColumns):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="declaration_answers")
    question = models.ForeignKey(
        DeclarationQuestion, on_delete=models.PROTECT, related_name="answers"
    )

    class Meta:
        verbose_name = _("deklarationssvar")
        verbose_name_plural = _("deklarationssvar")
        constraints = [
            models.UniqueConstraint(fields=["offer", "question"], name="declaration_one_answer"),
            models.CheckConstraint(
                name="declaration_answer_valid", condition=Q(answer__in=AnswerKind.values)
            ),
            models.CheckConstraint(
                name="declaration_extra_has_unit",
                condition=~Q(answer=AnswerKind.EXTRA) | ~Q(unit=""),
            ),
            models.CheckConstraint(
                name="declaration_price_only_for_extra",
                condition=Q(answer=AnswerKind.EXTRA) | (Q(price__isnull=True) & Q(unit="")),
            ),
            models.CheckConstraint(
                name="declaration_price_not_negative",
                condition=Q(price__isnull=True) | Q(price__gte=0),
            ),
            models.CheckConstraint(
                name="declaration_not_offered_has_no_option",
                condition=~Q(answer=AnswerKind.NOT_OFFERED) | Q(option__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer}: {self.question} = {self.get_answer_display()}"

    def clean_option(self) -> None:
        """A question with options is answered with one of its own options, or "Tilbydes
        ikke" and none; a question without options has none. (The database checks the same:
        offers_declarationanswer_option, migration offers/0012.)"""
        options = {o.pk for o in self.question.options.all()} if self.question_id else set()
        if self.answer == AnswerKind.NOT_OFFERED or not options:
            self.option = None
        elif self.option_id not in options:
            raise ValidationError({"option": DECLARATION_OPTION_MESSAGE})

    def clean(self) -> None:
        self.clean_option()
        if self.answer == AnswerKind.EXTRA:
            errors = {}
            if not self.unit:
                errors["unit"] = _("Angiv enheden for tilkøbet.")
            if self.price is None and self.unit != PriceUnit.INDIVIDUAL:
                errors["price"] = _("Angiv prisen for tilkøbet, eller vælg 'individuel pris'.")
            if errors:
                raise ValidationError(errors)
        else:
            self.price = None
            self.unit = ""


# --- Tariffs --------------------------------------------------------------------------------


class TariffUnit(models.TextChoices):
    DAY = pricing.PER_DAY, _("pr. døgn")
    MONTH = pricing.PER_MONTH, _("pr. måned")


class TariffStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")


class PublishedTariffError(Exception):
    """A published tariff cannot change: a correction is a new version."""


# The tariff rules' messages name the thing ("Taksten"), never a form field or an import
# column: the tariff form, the import and the admin all show them (full_clean).
YEAR_RANGE_MESSAGE = _("Takståret skal ligge mellem 2000 og 2100.")
# Formatted with the validator's parameters, so the percent sign is doubled.
OCCUPANCY_RANGE_MESSAGE = _("Belægningen skal være over 0 og højst 100 %%.")
OVERHEAD_ABOVE_PRICE_MESSAGE = _("Overhead kan ikke være større end taksten.")
CORRECTION_NEEDS_REASON_MESSAGE = _(
    "Skriv, hvorfor taksten rettes. Begrundelsen vises i takstens historik."
)
CORRECTION_REASON_MAX_LENGTH = 2000
ADDON_PRICE_OR_INDIVIDUAL_MESSAGE = _(
    "Skriv prisen for tillægsydelsen, eller vælg enheden «individuel pris»."
)
ADDON_INDIVIDUAL_HAS_NO_PRICE_MESSAGE = _(
    "Lad prisen stå tom, når tillægsydelsen har individuel pris."
)


class Tariff(models.Model):
    """The tariff of an offer for a year, in versions. Once published a version never
    changes (the database refuses it too); a correction is a new version with a reason."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="tariffs")
    year = models.PositiveIntegerField(
        _("takstår"),
        validators=[
            MinValueValidator(2000, message=YEAR_RANGE_MESSAGE),
            MaxValueValidator(2100, message=YEAR_RANGE_MESSAGE),
        ],
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=TariffStatus.choices, default=TariffStatus.DRAFT
    )
    price = models.DecimalField(
        _("gennemsnitstakst (kr.)"),
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"), message=_("Taksten skal være over 0 kr."))],
        error_messages=money_messages(_("Taksten")),
    )
    unit = models.CharField(_("enhed"), max_length=10, choices=TariffUnit.choices)
    occupancy_percent = models.DecimalField(
        _("budgetteret belægning (%)"),
        **PERCENT,
        validators=[
            MinValueValidator(Decimal("0.01"), message=OCCUPANCY_RANGE_MESSAGE),
            MaxValueValidator(Decimal("100"), message=OCCUPANCY_RANGE_MESSAGE),
        ],
        error_messages={
            # More than 5 digits within the range means more than 2 decimals.
            "max_digits": _("Belægningen må højst have 2 decimaler."),
            "max_whole_digits": OCCUPANCY_RANGE_MESSAGE,
            "max_decimal_places": _("Belægningen må højst have 2 decimaler."),
        },
    )
    vat_included = models.BooleanField(_("inklusive moms"), default=False)
    overhead_amount = models.DecimalField(
        _("heraf central ledelse og administration (kr.)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"), message=_("Overhead kan ikke være negativ."))],
        error_messages=money_messages(_("Overhead")),
    )
    cost_note = guarded.TextField(_("omkostninger og beregning"), blank=True)
    correction_reason = guarded.TextField(
        _("begrundelse for rettelse"),
        blank=True,
        validators=[
            MaxLengthValidator(
                CORRECTION_REASON_MAX_LENGTH,
                message=_("Begrundelsen må højst være %(limit_value)s tegn."),
            )
        ],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("takst")
        verbose_name_plural = _("takster")
        ordering = ["offer", "-year", "-version"]
        indexes = [models.Index(fields=["offer", "year", "status", "-version"])]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "year", "version"], name="tariff_unique_version"
            ),
            models.UniqueConstraint(
                fields=["offer", "year"],
                condition=Q(status=TariffStatus.DRAFT),
                name="tariff_one_draft_per_year",
                violation_error_message=_("Der er allerede en kladde til en takst for dette år."),
            ),
            models.CheckConstraint(
                name="tariff_status_valid", condition=Q(status__in=TariffStatus.values)
            ),
            models.CheckConstraint(
                name="tariff_unit_valid", condition=Q(unit__in=TariffUnit.values)
            ),
            models.CheckConstraint(
                name="tariff_price_positive",
                condition=Q(price__gt=0),
                violation_error_message=_("Taksten skal være over 0 kr."),
            ),
            models.CheckConstraint(
                name="tariff_occupancy_range",
                condition=Q(occupancy_percent__gt=0, occupancy_percent__lte=100),
                violation_error_message=_("Belægningen skal være over 0 og højst 100 %."),
            ),
            models.CheckConstraint(
                name="tariff_year_range",
                condition=Q(year__gte=2000, year__lte=2100),
                violation_error_message=YEAR_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                name="tariff_correction_has_reason",
                condition=Q(version=1) | Q(status=TariffStatus.DRAFT) | ~Q(correction_reason=""),
                violation_error_message=CORRECTION_NEEDS_REASON_MESSAGE,
            ),
            models.CheckConstraint(
                name="tariff_published_has_time",
                condition=~Q(status=TariffStatus.PUBLISHED) | Q(published_at__isnull=False),
            ),
            models.CheckConstraint(
                name="tariff_overhead_within_price",
                condition=Q(overhead_amount__isnull=True) | Q(overhead_amount__lte=F("price")),
                violation_error_message=OVERHEAD_ABOVE_PRICE_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} {self.year} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and Tariff.objects.filter(pk=self.pk, status=TariffStatus.PUBLISHED).exists():
            raise PublishedTariffError(
                "En offentliggjort takst kan ikke ændres. Opret en ny version med en begrundelse."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise PublishedTariffError("En offentliggjort takst kan ikke slettes.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == TariffStatus.PUBLISHED

    @property
    def monthly_price(self) -> Decimal:
        return pricing.monthly_price(self.price, self.unit)

    @property
    def comparable_price(self) -> Decimal:
        """The monthly price excluding VAT: what offers are compared and sorted on."""
        return pricing.comparable_price(self.price, self.unit, self.vat_included)

    def previous_year_tariff(self) -> Tariff | None:
        return (
            Tariff.objects.filter(
                offer_id=self.offer_id, year=self.year - 1, status=TariffStatus.PUBLISHED
            )
            .order_by("-version")
            .first()
        )

    def change_from_previous(self) -> Decimal | None:
        """Change in % from last year's published main tariff (monthly-normalised)."""
        previous = self.previous_year_tariff()
        if previous is None:
            return None
        return pricing.change_percent(self.price, self.unit, previous.price, previous.unit)

    def exceeds_regulation(self) -> bool:
        change = self.change_from_previous()
        rate = RegulationRate.objects.filter(year=self.year).values_list("rate", flat=True).first()
        return pricing.above_pl(change, rate)

    def clean(self) -> None:
        """The rules between fields (each field's own are its validators). A price that is
        not over 0 has its own error, so overhead is only held against a valid one."""
        errors = {}
        if (
            self.overhead_amount is not None
            and self.price is not None
            and self.price > 0
            and self.overhead_amount > self.price
        ):
            errors["overhead_amount"] = OVERHEAD_ABOVE_PRICE_MESSAGE
        if (
            self.status == TariffStatus.PUBLISHED
            and self.version
            and self.version > 1
            and not (self.correction_reason or "").strip()
        ):
            errors["correction_reason"] = CORRECTION_NEEDS_REASON_MESSAGE
        if errors:
            raise ValidationError(errors)


class TariffDeclarationAnswer(AnswerColumns):
    """The service declaration as it stood when a tariff version was published: what that
    year's price includes. Written by the database only (the trigger that publishes a
    tariff copies the offer's answers, migration offers/0012), never changed afterwards
    (except a CPR redaction of the note), so "what did the 2025 price include?" has one
    answer even after the provider changes the declaration."""

    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="declaration")
    question = models.ForeignKey(DeclarationQuestion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("deklarationssvar for en takst")
        verbose_name_plural = _("deklarationssvar for takster")
        constraints = [
            models.UniqueConstraint(
                fields=["tariff", "question"], name="tariff_declaration_one_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tariff}: {self.question} = {self.get_answer_display()}"


class TariffAddOn(models.Model):
    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="addons")
    name = guarded.CharField(
        _("tillægsydelse"),
        max_length=200,
        error_messages={
            "blank": _("Skriv navnet på tillægsydelsen."),
            "max_length": _("Navnet på tillægsydelsen må højst være %(limit_value)s tegn."),
        },
    )
    price = models.DecimalField(
        _("pris (kr.)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                Decimal("0"), message=_("Prisen for tillægsydelsen kan ikke være negativ.")
            )
        ],
        error_messages=money_messages(_("Prisen for tillægsydelsen")),
    )
    unit = models.CharField(
        _("enhed"),
        max_length=20,
        choices=PriceUnit.choices,
        error_messages={"blank": _("Vælg en enhed for tillægsydelsen.")},
    )
    note = guarded.CharField(_("bemærkning"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tillægsydelse")
        verbose_name_plural = _("tillægsydelser")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="addon_price_or_individual",
                condition=Q(unit=PriceUnit.INDIVIDUAL) | Q(price__isnull=False),
                violation_error_message=ADDON_PRICE_OR_INDIVIDUAL_MESSAGE,
            ),
            models.CheckConstraint(
                name="addon_price_not_negative",
                condition=Q(price__isnull=True) | Q(price__gte=0),
                violation_error_message=_("Prisen for tillægsydelsen kan ikke være negativ."),
            ),
            models.CheckConstraint(name="addon_unit_valid", condition=Q(unit__in=PriceUnit.values)),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """An add-on has a price, or the unit «individuel pris» and no price."""
        if not self.unit:
            return  # the unit's own error says what to do
        if self.unit == PriceUnit.INDIVIDUAL:
            if self.price is not None:
                raise ValidationError({"price": ADDON_INDIVIDUAL_HAS_NO_PRICE_MESSAGE})
        elif self.price is None:
            raise ValidationError({"price": ADDON_PRICE_OR_INDIVIDUAL_MESSAGE})


class OfferFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_offers"
    )
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="followers")
    # A new tariff is always a notice on "Mit overblik"; the e-mail can be turned off.
    notify_by_email = models.BooleanField(_("e-mail ved ny takst"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "offer"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.offer}"


SAVED_SEARCH_QUERY_MAX_LENGTH = 2000


class SavedSearch(models.Model):
    """A person's search (*Find tilbud*) kept under a name: the search URL's query string
    with SearchForm's fields only (offers.savedsearches.searches), and whether a new offer
    that matches it is told by e-mail and on "Mit overblik"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = guarded.CharField(_("navn"), max_length=100)
    query = guarded.TextField(
        _("søgning"),
        blank=True,
        validators=[MaxLengthValidator(SAVED_SEARCH_QUERY_MAX_LENGTH)],
    )
    notify_by_email = models.BooleanField(_("e-mail ved nye tilbud"), default=False)
    created_at = models.DateTimeField(_("gemt"), auto_now_add=True)

    class Meta:
        verbose_name = _("gemt søgning")
        verbose_name_plural = _("gemte søgninger")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_search_name_once")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The search itself, run again."""
        url = reverse("offers:search")
        return f"{url}?{self.query}" if self.query else url


# --- Report library and scheduled reports (issue 6) -------------------------------------


class PublishedReport(models.Model):
    """A finished report job the secretariat has published to every member."""

    job = models.OneToOneField(
        "partnership.Job",
        verbose_name=_("job"),
        on_delete=models.CASCADE,
        related_name="published_report",
    )
    year = models.PositiveIntegerField(
        _("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = guarded.CharField(_("titel"), max_length=250)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offentliggjort af"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("offentliggjort"), auto_now_add=True)

    class Meta:
        verbose_name = _("offentliggjort rapport")
        verbose_name_plural = _("offentliggjorte rapporter")
        ordering = ["-year", "-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="published_report_year_range", condition=Q(year__gte=2000, year__lte=2100)
            ),
            models.CheckConstraint(name="published_report_has_title", condition=~Q(title="")),
        ]

    def __str__(self) -> str:
        return self.title


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Regneark (XLSX)")


class ScheduledReport(models.Model):
    """A takstoversigt the secretariat has planned; ordered once on or after run_on by
    offers.reports.tasks.order_scheduled_reports."""

    run_on = models.DateField(_("dannes den"))
    year = models.PositiveIntegerField(
        _("takstår"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    format = models.CharField(
        _("format"), max_length=10, choices=ReportFormat.choices, default=ReportFormat.PDF
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bestilt af"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("bestilt"), null=True, blank=True)
    job = models.ForeignKey(
        "partnership.Job",
        verbose_name=_("job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("planlagt rapport")
        verbose_name_plural = _("planlagte rapporter")
        ordering = ["run_on", "pk"]
        indexes = [models.Index(fields=["done_at", "run_on"])]
        constraints = [
            models.CheckConstraint(
                name="scheduled_report_year_range", condition=Q(year__gte=2000, year__lte=2100)
            ),
            models.CheckConstraint(
                name="scheduled_report_format_valid", condition=Q(format__in=ReportFormat.values)
            ),
        ]

    def __str__(self) -> str:
        return f"Takstoversigt {self.year} ({self.format}) {self.run_on}"


class CurrentPrice(models.Model):
    """Each offer's latest published main tariff per year as a monthly price, for the
    search's price filter and sort: a narrow row per (offer, year) instead of looking up the
    newest published version for every match. Written only by database triggers on
    offers_tariff (migration 0005), in the transaction that
    publishes, whatever the path (service, import, demo data, admin, raw SQL); published
    tariffs never change, so publishing is the only event.

    monthly_price is the monthly price the pages show (offers.pricing.monthly_price: døgn ×
    365/12, rounded half up to øre), computed by the database function offers_monthly_price
    (migration 0007), so the filter finds an offer by the price it shows."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="current_prices")
    year = models.PositiveIntegerField()
    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    monthly_price = models.DecimalField(max_digits=14, decimal_places=2)  # a day price × 30,4
    # What the search sorts and filters on: monthly, excluding VAT (offers.pricing.
    # comparable_price; the database function offers_comparable_price, migration 0009).
    comparable_price = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "year"], name="currentprice_one_per_year")
        ]
        indexes = [
            models.Index(fields=["year", "monthly_price"], name="currentprice_year_price"),
            models.Index(fields=["year", "comparable_price"], name="currentprice_year_comparable"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.year}: {self.monthly_price}"


class CurrentVacancy(models.Model):
    """Each offer's latest vacancy report (newest reported_on, then created_at, then id), for
    the search's vacancy filter and sort: one narrow row per offer instead of looking up the
    newest report for every match. Written only by database triggers on
    offers_vacancyreport (migration 0005), in the reporting transaction, on every insert,
    change or deletion of a report, whatever the path."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="current_vacancy")
    report_id = models.BigIntegerField()
    vacant = models.PositiveIntegerField()
    reported_on = models.DateField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.vacant} ({self.reported_on})"


class SearchRow(models.Model):
    """One narrow row per offer with what the search counts, filters and orders on, so that
    a search reads a few hundred pages instead of the wide offers table (name, description,
    methods, the document) and its links: offers.filters.OfferFilter filters these rows for
    the search page, which then reads the shown offers by id.

    Written only by database triggers (migration 0013), in the transaction of the change,
    whatever the path, from every table a column comes from (SOURCES in that migration;
    tests/offers/test_search_table.py changes each and sees the row follow): the offer
    itself, its paragraphs and target groups, offers_currentprice (so tariffs) and
    offers_currentvacancy (so vacancy reports).

    prices_by_year holds the comparable price (monthly, excluding VAT, as
    offers_currentprice has it) of every year with a published tariff, at the year's own
    subscript (migration 0015: '[2022:2026]={...}', so prices_by_year[2026] in SQL, NULL for
    a year without): the search's year is a parameter (the clock's year, which turns at New
    Year without a write), so the row keeps all years rather than one the database would
    have to guess. (Read in Python, the array loses its subscripts: the search reads it in
    SQL only, offers.filters._with_price().)"""

    offer = models.OneToOneField(
        Offer, on_delete=models.CASCADE, primary_key=True, related_name="search_row"
    )
    status = models.CharField(max_length=20, choices=OfferStatus.choices)
    name = guarded.CharField(max_length=200)
    provider = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    municipality = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    age_min = models.PositiveSmallIntegerField()
    age_max = models.PositiveSmallIntegerField()
    vacant = models.PositiveIntegerField(null=True)
    prices_by_year = ArrayField(models.DecimalField(max_digits=14, decimal_places=2), default=list)
    paragraph_ids = ArrayField(models.BigIntegerField(), default=list)
    target_group_ids = ArrayField(models.BigIntegerField(), default=list)
    search_document = SearchVectorField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "name", "offer"], name="searchrow_status_name"),
            models.Index(fields=["provider"], name="searchrow_provider"),
            GinIndex(fields=["paragraph_ids"], name="searchrow_paragraphs"),
            GinIndex(fields=["target_group_ids"], name="searchrow_target_groups"),
            GinIndex(fields=["search_document"], name="searchrow_document"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.name}"
