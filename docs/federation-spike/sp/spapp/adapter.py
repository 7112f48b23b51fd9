import logging
import os

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

log = logging.getLogger("spapp")
A_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
KNOWN_CVRS = set(os.environ.get("SP_KNOWN_CVRS", "29189803").split(","))

# python3-saml's reasons (saml_last_error_reason) -> the portal's Danish words
SAML_REASONS = [
    ("expired", "Login-svaret fra identitetsudbyderen er udløbet. Prøv at logge ind igen."),
    ("not yet valid", "Login-svaret fra identitetsudbyderen er endnu ikke gyldigt (ur-forskel). Prøv igen."),
    ("not a valid audience", "Login-svaret var ikke udstedt til Partnerskabsportalen."),
    ("Signature validation failed", "Login-svarets signatur kunne ikke godkendes."),
    ("not signed", "Login-svaret var ikke signeret."),
    ("not encrypted", "Login-svaret var ikke krypteret."),
    ("SubjectConfirmation", "Login-svaret hører ikke til dette login."),
    ("instead of", "Login-svaret var sendt til en anden adresse."),
]


def danish_reason(reason: str | None) -> str:
    for needle, text in SAML_REASONS:
        if reason and needle in reason:
            return text
    return "Login gennem identitetsudbyderen mislykkedes."


def cvr_of(sociallogin):
    data = sociallogin.account.extra_data or {}
    if A_CVR in data:
        return (data[A_CVR] or [None])[0]
    return (data.get("userinfo") or {}).get("nemlogin.cvr")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        acc = sociallogin.account
        log.info("pre_social_login provider=%s uid=%s extra=%s", acc.provider, acc.uid, acc.extra_data)
        # here the portal maps CVR -> organisation, LoA -> MFA, privileges -> roles, and
        # refuses (raise ImmediateHttpResponse) when no organisation matches.
        cvr = cvr_of(sociallogin)
        if not cvr or cvr not in KNOWN_CVRS:
            log.warning("federated login refused: CVR %r unknown (provider=%s uid=%s)",
                        cvr, acc.provider, acc.uid)
            msg = ("Dit login indeholdt intet CVR-nummer." if not cvr else
                   f"CVR-nummer {cvr} hører ikke til en organisation i Partnerskabsportalen.")
            raise ImmediateHttpResponse(render(request, "federation_refused.html",
                                               {"message": msg}, status=403))

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        log.warning("authentication error provider=%s error=%s exc=%r ctx=%s",
                    getattr(provider, "id", provider), error, exception, extra_context)


# --- An NSIS level of Substantial or High counts as MFA ---------------------------------
from allauth.account.adapter import DefaultAccountAdapter  # noqa: E402
from allauth.mfa.stages import AuthenticateStage  # noqa: E402
from django.conf import settings  # noqa: E402

A_LOA = "https://data.gov.dk/concept/core/nsis/loa"
STRONG = {"Substantial", "High"}


def federated_loa(sociallogin) -> str | None:
    data = sociallogin.account.extra_data or {}
    if A_LOA in data:                                   # SAML: {name: [values]}
        return (data[A_LOA] or [None])[0]
    return (data.get("userinfo") or {}).get("nemlogin.loa")   # OIDC broker claims


class FederatedMFAStage(AuthenticateStage):
    """allauth's TOTP step, skipped when the login came from an IdP at NSIS Substantial+."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and federated_loa(sociallogin) in STRONG:
            log.info("MFA stage skipped: NSIS %s", federated_loa(sociallogin))
            return False
        return super()._should_handle(request)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self):
        stages = super().get_login_stages()
        if settings.SP_LOA_COUNTS_AS_MFA:
            stages = ["spapp.adapter.FederatedMFAStage" if s == "allauth.mfa.stages.AuthenticateStage"
                      else s for s in stages]
        return stages
