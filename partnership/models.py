"""Organisations of the partnership, people, their memberships and roles, invitations and
the shared background jobs."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import fields as guarded
from .links import url_with_id
from .validators import validate_cvr


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("E-mail skal angives")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with e-mail; what they may do follows from their memberships."""

    email = guarded.EmailField(_("e-mail"), unique=True)
    name = guarded.CharField(_("navn"), max_length=200, blank=True)
    title = guarded.CharField(_("stilling"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("adgang til administration"), default=False)
    date_joined = models.DateTimeField(_("oprettet"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Kommune")
    REGION = "region", _("Region")
    SECRETARIAT = "secretariat", _("Sekretariat")
    BRANCH = "branch", _("Brancheorganisation")
    PROVIDER = "provider", _("Leverandør")


class OwnershipForm(models.TextChoices):
    MUNICIPAL = "kommunal", _("Kommunal")
    REGIONAL = "regional", _("Regional")
    SELF_GOVERNING_AGREEMENT = (
        "selvejende_driftsoverenskomst",
        _("Selvejende med driftsoverenskomst"),
    )
    SELF_GOVERNING = "selvejende", _("Selvejende uden driftsoverenskomst")
    PRIVATE = "privat", _("Privat")
    SOCIAL_ECONOMY = "socialoekonomisk", _("Socialøkonomisk virksomhed")
    FOUNDATION = "fond", _("Fond")


class Organisation(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    name = guarded.CharField(_("navn"), max_length=200, unique=True)
    slug = guarded.SlugField(_("kortnavn i adresser"), max_length=80, unique=True)
    code = guarded.CharField(
        _("kommune-/regionskode"), max_length=4, blank=True, null=True, unique=True
    )
    cvr = guarded.CharField(
        _("CVR-nummer"), max_length=8, blank=True, null=True, unique=True, validators=[validate_cvr]
    )
    ownership_form = models.CharField(
        _("ejerform"), max_length=40, choices=OwnershipForm.choices, blank=True
    )
    branch_organisation = models.ForeignKey(
        "self",
        verbose_name=_("brancheorganisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_providers",
        limit_choices_to={"kind": OrganisationKind.BRANCH},
    )
    address = guarded.CharField(_("adresse"), max_length=250, blank=True)
    email = guarded.EmailField(_("kontakt-e-mail"), blank=True)
    phone = guarded.CharField(_("telefon"), max_length=30, blank=True)
    website = guarded.URLField(_("hjemmeside"), blank=True)
    description = guarded.TextField(_("beskrivelse"), blank=True)
    # Federated login (federation/): a first login through the organisation's identity
    # provider may create the person and their membership at once; otherwise it waits for
    # the organisation administrator's approval. With federated login required, the
    # members' local passwords are refused (partnership.forms.LoginForm).
    federated_provisioning = models.BooleanField(
        _("opret personer ved første føderede login"), default=False
    )
    require_federated_login = models.BooleanField(
        _("medlemmer skal logge ind gennem organisationens identitetsudbyder"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="org_kind_valid",
                condition=Q(kind__in=OrganisationKind.values),
            ),
            models.CheckConstraint(
                name="org_provider_has_ownership",
                condition=(Q(kind=OrganisationKind.PROVIDER) & ~Q(ownership_form=""))
                | (~Q(kind=OrganisationKind.PROVIDER) & Q(ownership_form="")),
                violation_error_message=_("Kun leverandører har en ejerform, og de skal have en."),
            ),
            models.CheckConstraint(
                name="org_provider_has_cvr",
                condition=~Q(kind=OrganisationKind.PROVIDER) | Q(cvr__isnull=False),
                violation_error_message=_("En leverandør skal have et CVR-nummer."),
            ),
            models.CheckConstraint(
                name="org_branch_only_for_providers",
                condition=Q(branch_organisation__isnull=True) | Q(kind=OrganisationKind.PROVIDER),
                violation_error_message=_("Kun leverandører kan høre til en brancheorganisation."),
            ),
            models.CheckConstraint(
                name="org_code_only_for_public",
                condition=Q(code__isnull=True)
                | Q(kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]),
                violation_error_message=_("Kun kommuner og regioner har en kommune-/regionskode."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnership:organisation_detail", args=[self.slug])

    @property
    def is_public_buyer(self) -> bool:
        return self.kind in (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION)

    def clean(self) -> None:
        errors = {}
        if self.kind == OrganisationKind.PROVIDER:
            if not self.cvr:
                errors["cvr"] = _("En leverandør skal have et CVR-nummer.")
            if not self.ownership_form:
                errors["ownership_form"] = _("Vælg leverandørens ejerform.")
        else:
            if self.ownership_form:
                errors["ownership_form"] = _("Kun leverandører har en ejerform.")
            if self.branch_organisation_id:
                errors["branch_organisation"] = _(
                    "Kun leverandører kan høre til en brancheorganisation."
                )
        if self.code and not self.is_public_buyer:
            errors["code"] = _("Kun kommuner og regioner har en kommune-/regionskode.")
        if self.code == "":
            self.code = None
        if self.cvr == "":
            self.cvr = None
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Sagsbehandler")
    PROCUREMENT = "procurement", _("Indkøber")
    PROVIDER_EDITOR = "provider_editor", _("Leverandørredaktør")
    SECRETARIAT = "secretariat", _("Sekretariat")
    BRANCH_MEMBER = "branch_member", _("Brancheorganisation")
    ORG_ADMIN = "org_admin", _("Organisationsadministrator")


# Which roles make sense in which kind of organisation.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.MUNICIPALITY: (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN),
    OrganisationKind.REGION: (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN),
    OrganisationKind.SECRETARIAT: (Role.SECRETARIAT, Role.ORG_ADMIN),
    OrganisationKind.BRANCH: (Role.BRANCH_MEMBER, Role.ORG_ADMIN),
    OrganisationKind.PROVIDER: (Role.PROVIDER_EDITOR, Role.ORG_ADMIN),
}

# Roles that must have two-factor authentication before they can do anything.
MFA_REQUIRED_ROLES = (Role.SECRETARIAT, Role.ORG_ADMIN)


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("deaktiveret"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        ordering = ["organisation__name", "user__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(name="membership_role_valid", condition=Q(role__in=Role.values)),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def clean(self) -> None:
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError(
                {
                    "role": _("Rollen %(role)s findes ikke i en organisation af typen %(kind)s.")
                    % {
                        "role": self.get_role_display(),
                        "kind": self.organisation.get_kind_display().lower(),
                    }
                }
            )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An invitation by e-mail to a role in an organisation. Only a hash of the one-time
    token is stored; the token itself is in the e-mail link."""

    email = guarded.EmailField(_("e-mail"))
    name = guarded.CharField(_("navn"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("sendt"), default=timezone.now)
    expires_at = models.DateTimeField(_("udløber"))
    accepted_at = models.DateTimeField(_("taget imod"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("annulleret"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitationer")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "organisation"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_pending_per_org",
                violation_error_message=_(
                    "Der er allerede en åben invitation til denne e-mail i organisationen."
                ),
            ),
            models.CheckConstraint(
                name="invitation_expires_after_created",
                condition=Q(expires_at__gt=models.F("created_at")),
            ),
            models.CheckConstraint(
                name="invitation_not_both_accepted_and_cancelled",
                condition=Q(accepted_at__isnull=True) | Q(cancelled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @classmethod
    def default_expiry(cls, start=None):
        return (start or timezone.now()) + timedelta(days=settings.INVITATION_VALID_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    @property
    def state_label(self) -> str:
        if self.accepted_at:
            return _("Taget imod")
        if self.cancelled_at:
            return _("Annulleret")
        if self.is_expired:
            return _("Udløbet")
        return _("Afventer")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("I gang")
    DONE = "done", _("Færdig")
    FAILED = "failed", _("Fejlet")


def job_result_path(job: Job, filename: str) -> str:
    return f"jobs/{job.pk}/{filename}"


class Job(models.Model):
    """A background job: a document rendered by a Celery worker for the person who
    ordered it. The kind names a renderer registered in partnership.jobs."""

    kind = guarded.CharField(_("type"), max_length=50)
    title = guarded.CharField(_("titel"), max_length=250)
    params = models.JSONField(_("parametre"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("udført"), default=0)
    progress_total = models.PositiveIntegerField(_("i alt"), default=0)
    result_file = models.FileField(_("resultat"), upload_to=job_result_path, blank=True)
    result_name = guarded.CharField(_("filnavn"), max_length=200, blank=True)
    error = models.TextField(_("fejl"), blank=True)  # in Danish, for the person who ordered
    # The technical cause of a failure (exception and traceback), for the secretariat and
    # staff only: partnership.jobs.run_job keeps it, the job page shows it to them.
    error_detail = models.TextField(_("teknisk årsag"), blank=True)
    attempts = models.PositiveIntegerField(_("forsøg"), default=0)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bestilt af"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["ordered_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                name="job_status_valid", condition=Q(status__in=JobStatus.values)
            ),
            models.CheckConstraint(
                name="job_progress_within_total",
                condition=Q(progress_done__lte=models.F("progress_total")),
            ),
            models.CheckConstraint(
                name="job_done_has_file",
                condition=~Q(status=JobStatus.DONE) | ~Q(result_file=""),
            ),
            models.CheckConstraint(
                name="job_failed_has_error",
                condition=~Q(status=JobStatus.FAILED) | ~Q(error=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_with_id("partnership:job_detail", self.pk)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return int(100 * self.progress_done / self.progress_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Notice(models.Model):
    """A short notice on a person's "Mit overblik" (e.g. a followed offer has a new tariff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    message = guarded.CharField(_("besked"), max_length=300)
    url = guarded.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    read_at = models.DateTimeField(_("læst"), null=True, blank=True)

    class Meta:
        verbose_name = _("notits")
        verbose_name_plural = _("notitser")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.message


class Redaction(models.Model):
    """A CPR number taken out of a stored text by the secretariat
    (partnership.redaction.redact_cpr): who, when, which row and column. The row's text now
    has "[CPR-nummer fjernet]" where the number stood. Append-only in the database, and the
    only way to change a published tariff or approved minutes: their triggers let an update
    through when it matches a redaction recorded in the same transaction
    (partnership_redaction_permits, migration partnership 0007)."""

    table_name = models.CharField(max_length=100, editable=False)
    object_pk = models.CharField(max_length=40, editable=False)
    column = models.CharField(max_length=100, editable=False)
    model_label = models.CharField(max_length=100, editable=False)
    field_label = models.CharField(max_length=200, editable=False)
    # The replaced text is not kept: only its MD5 as PostgreSQL computes it, and the new text.
    old_md5 = models.CharField(max_length=32, editable=False)
    new_value = guarded.TextField(editable=False)
    # The transaction that recorded it (txid_current()): the triggers honour a redaction only
    # within that transaction.
    transaction_id = models.BigIntegerField(editable=False)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fjernet af"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    redacted_at = models.DateTimeField(_("fjernet"), auto_now_add=True)

    class Meta:
        verbose_name = _("fjernet CPR-nummer")
        verbose_name_plural = _("fjernede CPR-numre")
        ordering = ["-redacted_at", "-pk"]
        indexes = [models.Index(fields=["table_name", "object_pk", "column"])]

    def __str__(self) -> str:
        return f"{self.model_label} {self.object_pk}: {self.field_label}"


class MailKind(models.TextChoices):
    """What an e-mail is about. Every e-mail the portal sends is one of these."""

    ACCOUNT = "account", _("Login og konto")
    MEMBER_INVITATION = "member_invitation", _("Invitation til portalen")
    ORGANISATION_NOTICE = "organisation_notice", _("Besked til organisationen")
    MEETING_INVITATION = "meeting_invitation", _("Mødeindkaldelse")
    MINUTES_COMMENT = "minutes_comment", _("Referat til kommentering")
    MINUTES = "minutes", _("Godkendt referat")
    TARIFF_PUBLISHED = "tariff_published", _("Ny takst")
    SAVED_SEARCH = "saved_search", _("Nyt tilbud i en gemt søgning")
    CONTRACT_REMINDER = "contract_reminder", _("Påmindelse om kontrakt")
    CONTRACT_EVENT = "contract_event", _("Nyt i en kontrakt")
    QUALITY_REMINDER = "quality_reminder", _("Påmindelse om handling")


# The e-mails that go with a notice on "Mit overblik" (the dashboard says beside a notice
# when its e-mail was not sent).
NOTICE_MAIL_KINDS = (MailKind.TARIFF_PUBLISHED, MailKind.SAVED_SEARCH, MailKind.CONTRACT_EVENT)


class MailStatus(models.TextChoices):
    SENT = "sent", _("Sendt")
    FAILED = "failed", _("Ikke sendt")


class MailFailure(models.TextChoices):
    """Why an e-mail was not sent, as the person who reads the log needs to know it."""

    NO_ADDRESS = "no_address", _("Modtageren har ingen gyldig e-mailadresse.")
    REFUSED = "refused", _("Mailserveren afviste modtagerens adresse.")
    UNREACHABLE = "unreachable", _("Mailserveren kunne ikke nås.")
    LOGIN = "login", _("Portalen kunne ikke logge ind på mailserveren.")
    REJECTED = "rejected", _("Mailserveren afviste e-mailen.")
    ERROR = "error", _("E-mailen kunne ikke sendes på grund af en teknisk fejl.")


class OutgoingMail(models.Model):
    """One attempt to send one e-mail to one address (partnership.mail.send, the only way
    the portal sends e-mail): sent, or not sent with the reason. Nothing is reported as
    sent that is not recorded here as sent.

    `related_type`/`related_id` name what the mail is about ("meetings.meeting", 7) and
    `reference` tells mails about the same thing apart (the invitation's version). A mail
    about something goes at most once to an address for the same kind and reference: the
    unique index over the sent ones holds that, also for two task runs at the same time;
    failed attempts stay beside it, and the mail can be tried again."""

    kind = models.CharField(_("type"), max_length=30, choices=MailKind.choices)
    recipient = guarded.CharField(_("modtager"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = guarded.CharField(_("emne"), max_length=500, blank=True)
    related_type = models.CharField(max_length=100, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    reference = guarded.CharField(max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices)
    reason = models.CharField(
        _("årsag"), max_length=20, choices=MailFailure.choices, blank=True, default=""
    )
    # The exception's class (SMTPRecipientsRefused ...), for whoever runs the mail server;
    # the details are in the log.
    error = models.CharField(_("fejltype"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)

    class Meta:
        verbose_name = _("udgående e-mail")
        verbose_name_plural = _("udgående e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["related_type", "related_id", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "related_type", "related_id", "reference", "recipient"],
                condition=Q(status="sent"),
                name="outgoingmail_sent_once",
            ),
            models.CheckConstraint(
                name="outgoingmail_status_valid", condition=Q(status__in=MailStatus.values)
            ),
            models.CheckConstraint(
                name="outgoingmail_failure_has_reason",
                condition=Q(status="sent", reason="") | (Q(status="failed") & ~Q(reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}: {self.get_status_display()}"

    @property
    def sent(self) -> bool:
        return self.status == MailStatus.SENT


# --- API tokens (issue 16) ------------------------------------------------------------------


class ApiScope(models.TextChoices):
    """What a member system may read through /api/v1/ with an organisation's token."""

    CONTRACTS = "kontrakter", _("Kontrakter")
    CASE_REFERENCES = "sagsreferencer", _("Kontrakter med kommunens sagsreferencer")
    MEETINGS = "moeder", _("Møder og dagsordener")


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class ApiToken(models.Model):
    """An organisation's key to the member part of the API. Only a hash of the token is
    stored (as CalendarFeed's); the token is shown once, and revoking it refuses the very
    next request."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = guarded.CharField(_("navn"), max_length=100)
    scopes = ArrayField(
        models.CharField(max_length=20, choices=ApiScope.choices), verbose_name=_("adgang")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-nøgle")
        verbose_name_plural = _("API-nøgler")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def scope_labels(self) -> list[str]:
        return [str(ApiScope(s).label) for s in self.scopes]
