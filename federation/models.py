"""The identity providers the portal trusts, and first logins waiting for an organisation
administrator's approval."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from partnership import fields as guarded
from partnership.models import Organisation, Role


class ProviderKind(models.TextChoices):
    SAML = "saml", _("SAML 2.0 (OIOSAML 3)")
    OIDC = "oidc", _("OpenID Connect")


class Loa(models.TextChoices):
    """NSIS assurance levels, lowest first (the order is the rank)."""

    LOW = "Low", _("Lav")
    SUBSTANTIAL = "Substantial", _("Betydelig")
    HIGH = "High", _("Høj")


LOA_RANK = {Loa.LOW: 1, Loa.SUBSTANTIAL: 2, Loa.HIGH: 3}


class IdentityProvider(models.Model):
    """One identity provider: NemLog-in, a municipality's Context Handler, a broker. The
    CVR number in a login decides the organisation; `organisations` limits which ones may
    log in through this provider (none chosen: any organisation in the portal)."""

    kind = models.CharField(_("type"), max_length=10, choices=ProviderKind.choices)
    slug = guarded.SlugField(
        _("kortnavn i adresser"),
        max_length=40,
        unique=True,
        help_text=_("Indgår i adresserne /konto/saml/<kortnavn>/… og /konto/oidc/<kortnavn>/…"),
    )
    name = guarded.CharField(_("navn på knappen"), max_length=100)
    is_active = models.BooleanField(_("aktiv"), default=True)
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisationer"),
        blank=True,
        related_name="identity_providers",
    )
    minimum_loa = models.CharField(
        _("mindste sikringsniveau (NSIS)"), max_length=12, choices=Loa.choices, default=Loa.LOW
    )
    # SAML: the IdP's metadata by URL or pasted, and its entity id.
    entity_id = guarded.CharField(_("IdP'ens entity id"), max_length=300, blank=True)
    metadata_url = guarded.URLField(_("metadata-adresse"), max_length=300, blank=True)
    metadata_xml = models.TextField(_("metadata (XML)"), blank=True)
    want_encrypted = models.BooleanField(_("kræv krypterede assertions"), default=False)
    # OpenID Connect: the issuer and the portal's client there.
    server_url = guarded.URLField(_("udsteder (issuer)"), max_length=300, blank=True)
    client_id = guarded.CharField(_("klient-id"), max_length=200, blank=True)
    client_secret = models.CharField(_("klienthemmelighed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("identitetsudbyder")
        verbose_name_plural = _("identitetsudbydere")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="idp_kind_valid", condition=Q(kind__in=ProviderKind.values)
            ),
            models.CheckConstraint(name="idp_loa_valid", condition=Q(minimum_loa__in=Loa.values)),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == ProviderKind.SAML:
            if not self.entity_id:
                raise ValidationError({"entity_id": _("Angiv IdP'ens entity id.")})
            if not (self.metadata_url or self.metadata_xml):
                raise ValidationError(
                    {"metadata_url": _("Angiv en metadata-adresse eller indsæt metadata.")}
                )
            if self.metadata_xml:
                try:
                    idp = OneLogin_Saml2_IdPMetadataParser.parse(
                        self.metadata_xml, entity_id=self.entity_id
                    ).get("idp", {})
                except Exception as exc:  # the parser raises what lxml raises
                    raise ValidationError(
                        {"metadata_xml": _("Metadata kan ikke læses: %(e)s") % {"e": exc}}
                    ) from exc
                if not idp.get("singleSignOnService") or not (
                    idp.get("x509cert") or idp.get("x509certMulti")
                ):
                    raise ValidationError(
                        {
                            "metadata_xml": _(
                                "Metadata skal have IdP'ens login-adresse og "
                                "signeringscertifikat for dette entity id."
                            )
                        }
                    )
        elif not (self.server_url and self.client_id):
            raise ValidationError({"server_url": _("Angiv udsteder og klient-id.")})

    @property
    def provider_id(self) -> str:
        """allauth's provider id, kept on the SocialAccount (one uid namespace per IdP)."""
        return f"{self.kind}-{self.slug}"


class PendingStatus(models.TextChoices):
    WAITING = "waiting", _("Afventer")
    APPROVED = "approved", _("Godkendt")
    REFUSED = "refused", _("Afvist")


class PendingLogin(models.Model):
    """A first federated login to an organisation that does not create people by itself:
    it waits here until the organisation's administrator approves or refuses it."""

    identity_provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="pending_logins"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="pending_logins"
    )
    uid = models.CharField(max_length=300)
    email = guarded.EmailField(_("e-mail"))
    name = guarded.CharField(_("navn"), max_length=200, blank=True)
    roles = models.JSONField(_("roller fra identitetsudbyderen"), default=list, blank=True)
    extra_data = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PendingStatus.choices, default=PendingStatus.WAITING
    )
    created_at = models.DateTimeField(_("første login"), auto_now_add=True)
    decided_at = models.DateTimeField(_("afgjort"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("login der afventer godkendelse")
        verbose_name_plural = _("logins der afventer godkendelse")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_provider", "uid"],
                condition=Q(status="waiting"),
                name="pending_login_one_waiting",
            ),
            models.CheckConstraint(
                name="pending_login_status_valid", condition=Q(status__in=PendingStatus.values)
            ),
            models.CheckConstraint(
                name="pending_login_roles_valid",
                condition=Q(roles__contained_by=list(Role.values)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.organisation}"
