"""Settings shared by every environment (`local`, `production`, `test`: see `__init__.py`).

They come from the environment (12-factor). Without DATABASE_URL the portal runs on SQLite; without
REDIS_URL it uses a local-memory cache and runs Celery tasks in-process (eagerly). With them it uses
PostgreSQL (psycopg 3) and Redis for the cache and as the Celery broker.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .environment import BASE_DIR, env_bool, env_list

DEBUG = False
# Each environment sets SECRET_KEY; production refuses to start without one.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tables2",
    "django_filters",
    # The portal's apps, bottom layer first (import-linter keeps the order, `make lint`).
    "seasons",
    "partners",
    "challenges",
    "credits",
    "league",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "league.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "league.middleware.StaffSecondFactorMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "league.context_processors.portal",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")


def _next_redis_db(url: str) -> str:
    """The same Redis server, the next database number: the cache must not share a database
    with the Celery broker, because clearing the cache flushes its whole database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


if REDIS_URL:
    REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL") or _next_redis_db(REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "league.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "league"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL  # task state for progress bars
    CELERY_RESULT_EXPIRES = 24 * 3600
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"

# Without a broker there is no worker: tasks run in-process. CELERY_EAGER=1 forces the same with
# Redis (the test suite uses it for tests that do not start a worker of their own).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE = {
    # One digest of new claims per hour for staff, not one mail per claim.
    "staff-claim-digest": {
        "task": "challenges.tasks.staff_digest_send_task",
        "schedule": 3600.0,
    },
    # Marks billing imports whose worker died (its lease expired) failed, so staff can start them
    # again: within BILLING_IMPORT_LEASE_SECONDS plus a minute.
    "billing-import-reaper": {
        "task": "credits.tasks.billing_import_reap_expired_task",
        "schedule": 60.0,
    },
    # E-mails whose task was lost or ran out of retries are sent from the outbox; old ones go.
    "email-outbox-sweep": {
        "task": "partners.tasks.email_outbox_sweep_task",
        "schedule": 300.0,
    },
}
# A running billing import renews its lease with its progress (credits/billing_import/lease.py).
BILLING_IMPORT_LEASE_SECONDS = int(os.environ.get("BILLING_IMPORT_LEASE_SECONDS", "120"))

# --- Auth and accounts (django-allauth) ---------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "partners:home"
LOGIN_URL = "account_login"

ACCOUNT_ADAPTER = "partners.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = os.environ.get("ACCOUNT_EMAIL_SUBJECT_PREFIX", "[Azure League] ")
ACCOUNT_RATE_LIMITS = False if env_bool("DISABLE_RATE_LIMITS") else {}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Azure Acceleration League"
# Accept the code of the neighbouring 30-second step too (RFC 6238 clock drift; a code typed
# just before the step changes is still accepted). Each code is still usable only once.
MFA_TOTP_TOLERANCE = 1

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Azure Acceleration League <league@localhost>"
)
STAFF_NOTIFICATION_EMAILS = env_list("STAFF_NOTIFICATION_EMAILS")
# The portal's public address, for links in e-mails sent outside a request (tasks, decisions).
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Credit notes ---------------------------------------------------------------------------------
# The seller on every credit note (SPEC 5; EN 16931 BG-4). The address and contact are those of
# the terms; the VAT ID and the commercial register must come from the environment in production.
CREDIT_NOTE_SELLER = {
    "name": os.environ.get("SELLER_NAME", "Ingram Micro Distribution GmbH"),
    "street": os.environ.get("SELLER_STREET", "Heisenbergbogen 3"),
    "postcode": os.environ.get("SELLER_POSTCODE", "85609"),
    "city": os.environ.get("SELLER_CITY", "Dornach"),
    "country": os.environ.get("SELLER_COUNTRY", "DE"),
    "vat_id": os.environ.get("SELLER_VAT_ID", ""),
    "register": os.environ.get("SELLER_REGISTER", ""),
    "phone": os.environ.get("SELLER_PHONE", "+49 89 4208-3484"),
    "email": os.environ.get("SELLER_EMAIL", "de_iaas@ingrammicro.com"),
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads (evidence, PDFs) are private: never under STATIC_ROOT, never served by the web server.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- Security -----------------------------------------------------------------------------------
# Production turns on HTTPS-only cookies, HSTS and the redirect (production.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {},
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process report through their caller (a page, a command's own summary);
    # Celery's and kombu's lines ("Task … succeeded") would only clutter an operator's terminal.
    LOGGING["loggers"] |= {name: {"level": "ERROR"} for name in ("celery", "kombu")}

FORMAT_MODULE_PATH = ["config.formats"]
