"""A minimal SP: django-allauth's SAML provider (and its OpenID Connect provider) against
the local test IdP (/tmp/fed/idp.py) and a local OIDC provider (/tmp/fed/oidc/)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
KEYS = BASE_DIR.parent / "keys"
SECRET_KEY = "fed-prototype-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SP_BASE = os.environ.get("SP_BASE", "http://127.0.0.1:8000")
IDP_BASE = os.environ.get("IDP_BASE", "http://127.0.0.1:8070")
OIDC_BASE = os.environ.get("OIDC_BASE", "http://127.0.0.1:8090")

INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles",
    "allauth", "allauth.account", "allauth.mfa", "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "allauth.socialaccount.providers.openid_connect",
    "spapp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
# SP_CSP=1: the portal's CSP (django-csp, form-action 'self'); SP_CSP_IDPS=1 adds the IdPs
if os.environ.get("SP_CSP") == "1":
    INSTALLED_APPS.append("csp")
    MIDDLEWARE.append("csp.middleware.CSPMiddleware")
    FORM_ACTION = ["'self'"]
    if os.environ.get("SP_CSP_IDPS") == "1":
        FORM_ACTION += [IDP_BASE, OIDC_BASE]
    if os.environ.get("SP_CSP_DYNAMIC") == "1":   # inside CSPMiddleware: sets _csp_update
        MIDDLEWARE.append("spapp.csp_idps.FederatedFormActionMiddleware")
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"],
                                              "form-action": FORM_ACTION}}
ROOT_URLCONF = "spapp.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("SP_DB", str(BASE_DIR / "db.sqlite3"))}}
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
STATIC_URL = "static/"
USE_TZ = True
LANGUAGE_CODE = "da"
LOGIN_REDIRECT_URL = "/landing/"
SESSION_COOKIE_SAMESITE = "Lax"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*"]
# username kept (default User model): allauth generates one for social signups
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_ADAPTER = "spapp.adapter.SocialAccountAdapter"
ACCOUNT_ADAPTER = "spapp.adapter.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# SP_LOA_COUNTS_AS_MFA=0 shows allauth's default: its TOTP stage also after a SAML login
SP_LOA_COUNTS_AS_MFA = os.environ.get("SP_LOA_COUNTS_AS_MFA", "1") == "1"
SOCIALACCOUNT_STORE_TOKENS = False

OIO = "https://data.gov.dk/model/core/eid/"
SP_CERT = (KEYS / "sp.crt").read_text()
SP_KEY = (KEYS / "sp.key").read_text()

SOCIALACCOUNT_PROVIDERS = {
    "saml": {
        "APPS": [{
            "name": "Lokal test-IdP",
            "provider_id": "saml-demo",        # SocialAccount.provider; one per IdP
            "client_id": "demo",               # the slug in /accounts/saml/demo/...
            "settings": {
                "attribute_mapping": {
                    "uid": OIO + "professional/uuid/persistent",
                    "email": OIO + "email",
                    "first_name": OIO + "firstName",
                    "last_name": OIO + "lastName",
                },
                "idp": {
                    "entity_id": IDP_BASE + "/metadata",
                    "metadata_url": IDP_BASE + "/metadata",
                },
                "sp": {"entity_id": SP_BASE + "/accounts/saml/demo/metadata/"},
                "advanced": {
                    "strict": True,
                    "authn_request_signed": True,
                    "logout_request_signed": True,
                    "logout_response_signed": True,
                    "want_assertion_signed": True,
                    "want_message_signed": False,
                    "want_assertion_encrypted": os.environ.get("SP_WANT_ENCRYPTED") == "1",
                    "want_name_id": True,
                    "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                    "x509cert": SP_CERT,
                    "private_key": SP_KEY,
                    "reject_idp_initiated_sso": True,
                },
            },
        }],
    },
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [{
            "provider_id": "broker",
            "name": "Lokal OIDC-broker",
            "client_id": "partnerskabsportalen",
            "secret": "test-secret-not-secret",
            "settings": {
                "server_url": OIDC_BASE,   # discovery at /.well-known/openid-configuration
                "token_auth_method": "client_secret_basic",
                "scope": ["openid", "email", "profile", "nemlogin"],
            },
        }],
    },
}
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"allauth": {"handlers": ["console"], "level": "DEBUG"},
                "spapp": {"handlers": ["console"], "level": "DEBUG"}},
}
