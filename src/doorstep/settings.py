"""The one settings module. Everything that differs between machines comes from the environment.

DOORSTEP_ENV selects the posture: ``development`` (default, the embedded demo), ``test`` or
``production``. Production refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from doorstep.env import (
    ImproperlyConfiguredEnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)

SRC_DIR = Path(__file__).resolve().parent
REPO_DIR = SRC_DIR.parent.parent
DATA_DIR = Path(env_str("DOORSTEP_DATA_DIR") or REPO_DIR / "var")

DOORSTEP_ENV = env_choice(
    "DOORSTEP_ENV", choices=("development", "test", "production"), default="development"
)
PRODUCTION = DOORSTEP_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfiguredEnvError("DEBUG must be off in production")

_secret = env_str("SECRET_KEY")
if PRODUCTION and (not _secret or len(_secret) < 50):
    raise ImproperlyConfiguredEnvError(
        "SECRET_KEY (or SECRET_KEY_FILE) of at least 50 characters is required in production"
    )
SECRET_KEY = _secret or "doorstep-development-only-key-not-for-production-use-0123456789"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfiguredEnvError("ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "doorstep.core",
    "doorstep.staff",
    "doorstep.portfolio",
    "doorstep.cases",
    "doorstep.oversight",
    "doorstep.compliance",
    "doorstep.ledger",
    "doorstep.demo",
    "doorstep.plans",
    "doorstep.visits",
    "doorstep.scoring",
    "doorstep.planning",
    "doorstep.assistant",
    "doorstep.reports",
    "doorstep.remote",
]

MIDDLEWARE = [
    "doorstep.core.health.RequestMetricsMiddleware",  # first: it times everything after it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "doorstep.core.middleware.ApiErrorBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "doorstep.urls"
WSGI_APPLICATION = "doorstep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "doorstep.core.context_processors.staff",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'doorstep.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while an import or the demo loader writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["doorstep.staff.auth.DoorstepBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the apps so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Celery runs tasks inline when no broker is configured, so the embedded demo needs no Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

API_TOKEN_LIFETIME_HOURS = env_int("API_TOKEN_LIFETIME_HOURS", default=12)

# The compliance profile the gate decides under (docs/compliance.md): PRC rules by default.
COMPLIANCE_PROFILE = env_choice("COMPLIANCE_PROFILE", choices=("cn", "us", "uk"), default="cn")

# The verifiable ledger (docs/ledger.md). Checkpoints are signed with LEDGER_SIGNING_KEY (or the
# file LEDGER_SIGNING_KEY_FILE names), a key named LEDGER_ORIGIN; production refuses to sign
# without one, elsewhere a development key is made once in DATA_DIR. LEDGER_RETIRED_KEYS lists
# the public keys of former signing keys, so checkpoints they signed stay verifiable.
LEDGER_ORIGIN = env_str("LEDGER_ORIGIN") or "doorstep.bank.example/ledger"
LEDGER_SIGNING_KEY = env_str("LEDGER_SIGNING_KEY")
LEDGER_DEV_KEY_FILE = DATA_DIR / "ledger-signing.key"
LEDGER_RETIRED_KEYS = env_list("LEDGER_RETIRED_KEYS", default=[])

# The fixed demo password; refused at login in production (see doorstep.staff.auth).
DEMO_PASSWORD = "doorstep-demo"  # noqa: S105

LOG_FORMAT = env_choice("LOG_FORMAT", choices=("plain", "json"), default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "doorstep.core.health.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 25
NINJA_MAX_PER_PAGE_SIZE = 200
