"""Partnerskabsportalen settings: one file, read from the environment.

Defaults run on a bare checkout: an embedded PostgreSQL from a pip wheel (config/devdb.py)
with DEBUG on or under pytest, Celery tasks in-process, e-mail to the console, files under
media/. Set DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL, CACHE_URL and the rest to run on a
PostgreSQL server, Redis and SMTP.
"""

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import devdb, version

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Under pytest: a throwaway key, fast password hashing, tasks in-process unless a test
# starts a real worker, and static files without a manifest (no collectstatic needed).
TESTING = "pytest" in sys.modules

# Tests only: the test suite runs on a clock of its own (time-machine, tests/conftest.py),
# and the processes it starts (Celery workers, gunicorn, one-off Python) must share it. It
# sets PORTAL_FAKE_NOW=<its time>@<the real time> (ISO datetimes) when it starts one; the
# process travels to its time plus the real time passed since, and the clock moves on from
# there. Never set otherwise; time_machine is a dev dependency, imported only then, and
# after TESTING is decided (time_machine imports pytest).
if env("PORTAL_FAKE_NOW", default=""):
    import datetime

    import time_machine

    fake_now, _at, real_then = env("PORTAL_FAKE_NOW").partition("@")
    fake_now = datetime.datetime.fromisoformat(fake_now)
    if real_then:
        fake_now += datetime.datetime.now(datetime.UTC) - datetime.datetime.fromisoformat(real_then)
    time_machine.travel(fake_now, tick=True).start()

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug"
    else:
        raise ImproperlyConfigured("SECRET_KEY skal sættes, når DEBUG er slået fra.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "partnership",
    "offers",
    "contracts",
    "meetings",
    "quality",
    "federation",
]

MIDDLEWARE = [
    # bench/run only: app and SQL time and the query count in a Server-Timing header.
    *(
        ["config.server_timing.ServerTimingMiddleware"]
        if env.bool("SERVER_TIMING", default=False)
        else []
    ),
    "django.middleware.security.SecurityMiddleware",
    "partnership.middleware.SecurityHeadersMiddleware",  # above WhiteNoise: static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partnership.middleware.PrivateNoStoreMiddleware",  # below WhiteNoise: not static files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "partnership.middleware.DanishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the CSP middleware: the pages that start a federated login may send the
    # browser on to the identity provider (form-action).
    "federation.middleware.FederatedFormActionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "partnership.middleware.RequireMFAMiddleware",
    "partnership.middleware.CprRefusedMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "partnership.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL everywhere. Without DATABASE_URL, with DEBUG on or under pytest (make run,
# make test): the development database, an embedded PostgreSQL under .devdb/ started if it
# is not running and left running (config/devdb.py). Its URLs go into the environment, so
# the processes this one starts (runserver's reloader, workers, gunicorn) use it too.
if not env("DATABASE_URL", default="") and (DEBUG or TESTING):
    os.environ.update(devdb.environment())
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL skal pege på PostgreSQL (postgres://...).")
    DATABASES["default"]["ENGINE"] = "partnership.db_backend"
else:
    # DEBUG off and no DATABASE_URL (collectstatic in the image build, check --deploy): no
    # database, and the first query says that it is not configured.
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Two roles (partnership/db_roles.py): DATABASE_URL is the application role (DML only),
# DATABASE_OWNER_URL the owner of the tables, used only by migrate, flush and the test
# database. Without DATABASE_OWNER_URL, DATABASE_URL does everything.
if DATABASES["default"]["ENGINE"] == "partnership.db_backend":
    if env("DATABASE_OWNER_URL", default=""):
        _owner = env.db("DATABASE_OWNER_URL")
        if _owner["NAME"] not in ("", DATABASES["default"]["NAME"]):
            raise ImproperlyConfigured(
                f"DATABASE_OWNER_URL peger på databasen {_owner['NAME']!r}, DATABASE_URL på "
                f"{DATABASES['default']['NAME']!r}: de skal være den samme database."
            )
        DATABASES["default"]["OWNER"] = {
            key: _owner.get(key, "") for key in ("USER", "PASSWORD", "HOST", "PORT")
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Redis (CACHE_URL=redis://..., so rate limits hold across web processes) through a backend
# that uses process memory while Redis is down instead of failing pages.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "partnership.cache.TolerantRedisCache"
# Cached values are kept under the version of the code that made them (config/version.py):
# after a deploy the new code neither reads the old one's rows nor serves its markup.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="") or version.code_version(
    BASE_DIR
)
# Values under keys that change whenever the value would (a digest of what a fragment shows,
# the search's data generation): `{% cache %}` uses this alias. Each process keeps those it
# read or wrote in front of the default cache (partnership.cache.ContentKeyedCache), at most
# MAX_SIZE characters of them: room for every search card of a national catalogue (10,000
# offers: 12 million characters, drawn by gunicorn's master, config/gunicorn.py) and as much
# again of the rest.
CACHES["template_fragments"] = {
    "BACKEND": "partnership.cache.ContentKeyedCache",
    "OPTIONS": {"SHARED": "default", "MAX_SIZE": 32_000_000},
}

AUTH_USER_MODEL = "partnership.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
)

# --- Login (django-allauth) -------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "partnership:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# partnership's adapter, with federation's second-factor step (an NSIS level of Substantial
# or High counts as the second factor).
ACCOUNT_ADAPTER = "federation.adapter.AccountAdapter"
# allauth's forms that take text a person types, with the portal's input rules
# (partnership.forms.GuardedFormMixin; tests/partnership/test_cpr_guard.py checks them).
ACCOUNT_FORMS = {
    "login": "partnership.forms.LoginForm",
    "add_email": "partnership.forms.AddEmailForm",
    "reset_password": "partnership.forms.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
# A changed e-mail address must be confirmed before it can be used to log in.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
# A session alone (a stolen cookie) cannot take the account over: adding, removing or
# making another e-mail address primary, and setting a password, ask for the password
# again (or a code from the authenticator app, or one sent to the current address) within
# the last 5 minutes; changing the password asks for the current one. Every such change,
# and a request to change the address, is told to the address the account had
# (partnership.adapters, templates/account/email/).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Partnerskabsportalen] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]

# --- Federated login (federation/; README "Log ind gennem en identitetsudbyder") ----------
# The identity providers are rows of federation.IdentityProvider (the admin), not settings.
SOCIALACCOUNT_ADAPTER = "federation.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
# The login page's button shows a confirmation page that POSTs (CSRF), never a GET.
SOCIALACCOUNT_LOGIN_ON_GET = False
# The identity provider vouches for the e-mail address (MitID Erhverv's administrator set it).
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
# The portal's SAML key pair (signs AuthnRequests and logout messages, decrypts assertions).
# Without them, under DEBUG or the tests, a development pair is made in .devdb/saml-sp/.
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default="")
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default="")
MFA_TOTP_ISSUER = "Partnerskabsportalen"
MFA_RECOVERY_CODE_COUNT = 10

INVITATION_VALID_DAYS = 7

# Sessions end after SESSION_IDLE_MINUTES without a request.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language, time, numbers ------------------------------------------------------------
# Danish only. The portal's users are Danish public and private staff and its words are
# the field's (tilbud, takst, ydelsesbeskrivelse); an English switch over a catalogue that
# translated 136 of 905 texts gave mixed-language pages. Texts stay marked for translation
# (gettext), so a language can be added with a complete catalogue and a check that it is.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk"))]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Numbers are formatted on purpose (the kr and pct filters); plain integers such as years
# must not become "2.026".
USE_THOUSAND_SEPARATOR = False
# Dates: "6. december 2026" everywhere (the rule in partnership/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
# The project's own catalogue: allauth's and Django's texts in the portal's Danish (the .mo
# is committed beside the .po; tests/partnership/test_danish_wording.py keeps them in step).
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("dkfds", BASE_DIR / "node_modules" / "dkfds" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded and generated files (photos, documents, job PDFs) go through STORAGES["default"]:
# the local MEDIA_ROOT by default; an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set,
# so web and worker processes on different hosts share them. The bucket stays private: every
# download goes through a view that checks permissions and streams the file.
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    DEFAULT_FILE_STORAGE_CONFIG = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env("AWS_LOCATION", default="media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_FILE_STORAGE_CONFIG = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_CONFIG,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG or TESTING)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Partnerskabsportalen <noreply@portal.example>"
)

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL or TESTING
# Without a broker (`make run`) a job runs in a thread of the web process after the order is
# committed, so ordering a PDF does not hold the request (partnership/jobs.py). The tests
# run jobs in the request (eager), so a test sees the finished job.
JOBS_IN_THREAD = env.bool("JOBS_IN_THREAD", default=not CELERY_BROKER_URL and not TESTING)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Memory given back (issue 17): a prefork child keeps its peak for life (427-677 MB after a
# 1,000-offer takstoversigt), so a child whose peak RSS (ru_maxrss, KiB) passed this exits
# after its task and the pool forks a fresh one (about 100 MB). Smaller jobs stay under it
# and keep their child. bench/run_reports measures the child after N reports.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=300_000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task (its worker was killed) is redelivered after visibility_timeout
# seconds, found by a sweep every unacked_restore_interval seconds (kombu's default sweeps
# every 10 x 10 s; throttle 1 makes the interval the only control).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Daily, early morning Danish time: contracts become active on their start date, and
    # follow-up, notice and end-of-contract reminders go out (each reminder once).
    "contracts-activate": {
        "task": "contracts.tasks.activate_contracts",
        "schedule": crontab(hour=5, minute=0),
    },
    # Running contracts whose last day has passed end: opsagt → ophørt (issue 14).
    "contracts-end": {
        "task": "contracts.tasks.end_contracts",
        "schedule": crontab(hour=5, minute=5),
    },
    "contracts-reminders": {
        "task": "contracts.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    # The yearly takstoversigt on the date the secretariat chose.
    "offers-scheduled-reports": {
        "task": "offers.tasks_reports.order_scheduled_reports",
        "schedule": crontab(hour=5, minute=30),
    },
    # Quality dialogues: owners of overdue actions, once per action per week.
    "quality-overdue-actions": {
        "task": "quality.tasks.remind_overdue_actions",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- Security ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# A load balancer may probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The API (api/v1.py): requests per IP address (the cache counts them), and how many proxies
# stand in front (behind the TLS proxy the client is the last address in X-Forwarded-For;
# without it X-Forwarded-For is not believed).
API_RATE_PER_IP = env("API_RATE_PER_IP", default="120/m")
API_RATE_PER_TOKEN = env("API_RATE_PER_TOKEN", default="600/m")
NINJA_NUM_PROXIES = 1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
FORMS_URLFIELD_ASSUME_HTTPS = True
