"""The one settings module. Everything that differs between machines comes from the environment.

DOORSTEP_ENV selects the posture: ``development`` (default, the embedded demo), ``test`` or
``production``. Production refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
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
    "doorstep.keys",
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
    "doorstep.signin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "doorstep.legal",
    "doorstep.bureau",
    "doorstep.agencies",
    "doorstep.access",
    "doorstep.privacy",
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
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Sign-in security (docs/authentication.md): headers, session expiry, the two-factor gate,
    # per-address limits for debtor-facing endpoints; axes (the lockout) last, as it asks.
    "doorstep.signin.middleware.SecurityHeadersMiddleware",
    "doorstep.signin.middleware.SessionExpiryMiddleware",
    "doorstep.signin.middleware.TwoFactorGateMiddleware",
    "doorstep.signin.middleware.DebtorRateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
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
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "doorstep.signin.validators.NotUsernameValidator"},
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

# Sign-in security (docs/authentication.md). Idle and absolute session expiry are enforced by
# doorstep.signin.middleware; the cookie itself lives as long as the absolute limit.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
CSRF_COOKIE_SAMESITE = "Lax"
# The field app reads the CSRF token from its cookie; htmx gets it from the page.
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The field app takes photos, the position and (told to the debtor) a recording of the talk.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(self), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(self), payment=(), usb=()"
)
# Two-factor sign-in for staff: on unless DEBUG; outside production the printed demo logins
# are exempt (doorstep.signin.policy).
DOORSTEP_REQUIRE_2FA = env_bool("DOORSTEP_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER") or "Doorstep"
# Lockout (django-axes): LOGIN_FAILURE_LIMIT failures for an account or LOGIN_FAILURE_LIMIT_IP
# from one address within LOGIN_LOCKOUT_MINUTES, which is also how long a lockout lasts.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_IP = env_int("LOGIN_FAILURE_LIMIT_IP", default=20)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = "doorstep.signin.lockout.failure_limit"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "doorstep.signin.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "doorstep.signin.ratelimit.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "otp", "code", "token"]
AXES_VERBOSE = False
# Proxies in front of Django that append to X-Forwarded-For (nginx: 1); 0 trusts REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
# Per-address limits on what strangers reach: (bucket, path regex, "requests/seconds").
DOORSTEP_RATE_LIMITS_ENABLED = True
DOORSTEP_RATE_LIMITS = [
    ("assistant-api", r"^/api/v1/assistant/(?!article)", "60/60"),
    ("assistant-pages", r"^/assistant/($|articles/)", "60/60"),  # not the staff screens
    ("complaints-pages", r"^/complaints/", "60/60"),
]
# Rate limits need one cache for all processes in production: CACHE_URL (Redis).
_cache_url = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Content Security Policy (django-csp): scripts and style sheets only from here or carrying the
# page's nonce; style attributes stay allowed (bar widths, ECharts tooltips).
DOORSTEP_TILE_URL = env_str("DOORSTEP_TILE_URL") or ""
_tiles = urlsplit(DOORSTEP_TILE_URL.replace("{s}", "*"))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [
            SELF,
            "data:",
            *([f"{_tiles.scheme}://{_tiles.netloc}"] if _tiles.netloc else []),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
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
# A task is acknowledged when it ends, not when received: if its worker dies mid-run it goes
# back to the queue (every task is idempotent, docs/deploy.md "Worker failure"). A killed pool
# child is requeued at once; a whole worker lost, after the Redis visibility timeout, which must
# exceed the longest task (the nightly runs), or a running task is handed out a second time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each worker looks for tasks a lost worker held every INTERVAL seconds, scanning Redis on
# every THROTTLE-th look (kombu's defaults: 10 and 10, about every 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}

API_TOKEN_LIFETIME_HOURS = env_int("API_TOKEN_LIFETIME_HOURS", default=12)

# The secret the SMS/e-mail gateway signs its delivery receipts with (HMAC-SHA256 of the body,
# docs/remote.md "Delivery receipts"); unset, POST /api/v1/gateway/receipts answers 503.
SMS_GATEWAY_RECEIPT_SECRET = env_str("SMS_GATEWAY_RECEIPT_SECRET") or ""

# Access-log alerts (docs/permissions.md): one person revealing this many distinct customers
# within the window raises an alert for compliance.
ACCESS_ALERT_CUSTOMERS = env_int("ACCESS_ALERT_CUSTOMERS", default=50)
ACCESS_ALERT_WINDOW_MINUTES = env_int("ACCESS_ALERT_WINDOW_MINUTES", default=60)

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

# Encryption at rest of personal fields (docs/encryption.md): the key-encryption key is
# DOORSTEP_KEK (base64 of 32 bytes, or the file DOORSTEP_KEK_FILE names), or DOORSTEP_KEK_HOOK,
# the dotted path of a callable returning a KMS key wrapper; production refuses to start
# encrypting without one, elsewhere a development KEK is made once in DATA_DIR.
# DOORSTEP_KEK_PREVIOUS lists former KEKs until `doorstep keys rotate-kek` has rewrapped.
DOORSTEP_KEK = env_str("DOORSTEP_KEK")
DOORSTEP_KEK_HOOK = env_str("DOORSTEP_KEK_HOOK")
DOORSTEP_KEK_PREVIOUS = env_list("DOORSTEP_KEK_PREVIOUS", default=[])
KEK_DEV_FILE = DATA_DIR / "kek.key"

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
