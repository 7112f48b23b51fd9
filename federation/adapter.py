"""allauth's hooks for federated login: the identity providers come from the database
(federation.providers), every login goes through federation.services.admit, refusals are
answered in Danish and logged, and an NSIS level of Substantial or higher counts as the
second factor (FederatedMFAStage)."""

from __future__ import annotations

import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render

from partnership import permissions
from partnership.adapters import AccountAdapter as PortalAccountAdapter

from . import providers, services
from .claims import identity_of
from .models import PendingLogin

log = logging.getLogger("federation")

# python3-saml's reasons (saml_last_error_reason, in the log) in the portal's Danish.
SAML_REASONS = [
    ("expired", "Login-svaret fra identitetsudbyderen er udløbet. Prøv at logge ind igen."),
    (
        "not yet valid",
        "Login-svaret fra identitetsudbyderen er endnu ikke gyldigt. Tjek, at uret på din computer går rigtigt, og prøv igen.",
    ),
    ("not a valid audience", "Login-svaret var ikke udstedt til Partnerskabsportalen."),
    ("Signature validation failed", "Login-svarets signatur kunne ikke godkendes."),
    ("not signed", "Login-svaret var ikke signeret af identitetsudbyderen."),
    ("not encrypted", "Login-svaret var ikke krypteret, som portalen kræver."),
    ("SubjectConfirmation", "Login-svaret hører ikke til dette login."),
    ("instead of", "Login-svaret var sendt til en anden adresse end portalens."),
    ("IdP initiated SSO rejected", "Login skal startes fra Partnerskabsportalen."),
]
GENERIC_REASON = "Login gennem identitetsudbyderen mislykkedes. Prøv igen, eller log ind med e-mail og adgangskode."


def danish_reason(reason: str | None) -> str:
    for needle, text in SAML_REASONS:
        if reason and needle in reason:
            return text
    return GENERIC_REASON


def refused_page(request: HttpRequest, message: str, status: int = 403) -> Any:
    return render(request, "federation/refused.html", {"message": message}, status=status)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        return providers.social_apps(provider=provider, client_id=client_id)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # pre_social_login links or creates the person, or stops; allauth's own sign-up
        # form is never the way in.
        return False

    def validate_disconnect(self, account: Any, accounts: Any) -> None:
        raise ValidationError(
            "Et føderet login fjernes af din organisations administrator, ikke her."
        )

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        account = sociallogin.account
        idp = providers.identity_provider(account.provider)
        if idp is None or not idp.is_active:
            log.warning("federated login refused: unknown provider %s", account.provider)
            raise ImmediateHttpResponse(refused_page(request, GENERIC_REASON))
        if sociallogin.state.get("process") == "connect":
            log.warning("federated connect refused (uid=%s idp=%s)", account.uid, idp.slug)
            raise ImmediateHttpResponse(
                refused_page(
                    request,
                    "Log af, og log ind gennem identitetsudbyderen. Så kobles login på din konto.",
                )
            )
        identity = identity_of(account.uid, account.extra_data or {})
        if not sociallogin.is_existing and services.relink(idp=idp, identity=identity):
            sociallogin.lookup()
        try:
            result = services.admit(
                idp=idp,
                identity=identity,
                user=sociallogin.user if sociallogin.is_existing else None,
                extra_data=account.extra_data or {},
            )
        except services.Refused as refused:
            log.warning("federated login refused: %s", refused.reason)
            raise ImmediateHttpResponse(refused_page(request, refused.message)) from refused
        if isinstance(result, PendingLogin):
            raise ImmediateHttpResponse(
                render(
                    request,
                    "federation/pending.html",
                    {
                        "pending": result,
                        "has_administrator": permissions.has_administrator(result.organisation),
                    },
                    status=403,
                )
            )
        if not sociallogin.is_existing:
            # Link the login to the person (allauth's connect, without its e-mail).
            sociallogin.user = result.user
            sociallogin.save(request, connect=True)
        log.info(
            "federated login: user %s at %s (idp=%s, loa=%s)",
            result.user.pk,
            result.organisation.slug,
            idp.slug,
            identity.loa,
        )

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        reason = (extra_context or {}).get("saml_last_error_reason")
        log.warning(
            "federated login failed: provider=%s error=%s reason=%s exception=%r",
            getattr(provider, "sub_id", provider),
            error,
            reason,
            exception,
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)


def login_loa(login: Any) -> str | None:
    sociallogin = (getattr(login, "signal_kwargs", None) or {}).get("sociallogin")
    if sociallogin is None:
        return None
    return identity_of(sociallogin.account.uid, sociallogin.account.extra_data or {}).loa


class FederatedMFAStage(AuthenticateStage):
    """allauth's code-from-the-app step, skipped when the login came through an identity
    provider at NSIS Substantial or High (that login was already two-factor)."""

    def _should_handle(self, request: HttpRequest) -> bool:
        if services.counts_as_mfa(login_loa(self.login)):
            return False
        return bool(super()._should_handle(request))


class AccountAdapter(PortalAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [
            "federation.adapter.FederatedMFAStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]
