"""Equity Hub settings, read from the environment (healthchecks style).

Every setting an operator may change is an environment variable; docs/configuration.md lists
them. Whenever DEBUG is off the defaults are the secure ones, so that with only DEBUG=0, a strong
SECRET_KEY and ALLOWED_HOSTS set, `equityhub check --deploy` reports nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets annotations such as `admin.TabularInline[RoleAssignment, User]` run (django-stubs).
django_stubs_ext.monkeypatch()


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def email_settings_from_url(url: str) -> dict[str, Any]:
    """Map EMAIL_URL (console://, locmem://, file:///path, smtp://, smtp+tls://, smtp+ssl://)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    }
    if scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {scheme!r}")
    result: dict[str, Any] = {"EMAIL_BACKEND": backends[scheme]}
    if scheme == "file":
        result["EMAIL_FILE_PATH"] = unquote(parts.path)
    if scheme.startswith("smtp"):
        query = parse_qs(parts.query)
        result.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if scheme == "smtp+ssl" else 587),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "smtp+tls" or query.get("tls") == ["1"],
            EMAIL_USE_SSL=scheme == "smtp+ssl",
        )
    return result


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.getenv("VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = envbool("DEBUG", "0")
TESTING = envbool("EQUITYHUB_TESTING", "0")

# Used only with DEBUG or in tests (see below); production refuses to start without SECRET_KEY.
_DEV_SECRET_KEY = "django-insecure-equityhub-development-only-key-never-use-in-production"  # noqa: S105  (dev-only, public on purpose)
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = os.getenv("SITE_NAME", "Equity Hub")
SITE_ROOT = os.getenv("SITE_ROOT", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "equityhub.core",
    "equityhub.audit",
    "equityhub.accounts",
    "equityhub.people",
    "equityhub.places",
    "equityhub.volunteering",
    "equityhub.surveys",
    "equityhub.plunge",
    "equityhub.partnerships",
    "equityhub.programs",
    "equityhub.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "equityhub.audit.middleware.RequestContextMiddleware",
    "equityhub.accounts.middleware.RequireStaffMFAMiddleware",
]

ROOT_URLCONF = "equityhub.urls"
WSGI_APPLICATION = "equityhub.wsgi.application"

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
                "equityhub.core.context_processors.site",
            ],
        },
    },
]

# Databases ---------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'equityhub.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    # The zero-set-up default: a fresh clone has no var/ yet, and SQLite will not create it.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", _default_sqlite), conn_max_age=envint("DB_CONN_MAX_AGE", "0")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so that
    # "lock, recount, insert" in capacity services cannot interleave; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", "20"),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.getenv("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ALLOW_REGISTRATION = envbool("OPEN_SIGNUP", "1")
ACCOUNT_ADAPTER = "equityhub.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth's defaults already limit login failures, sign-ups and resets; these are stated so an
# operator sees them and can tighten them.
# allauth takes either a limit per action or False for none at all.
ACCOUNT_RATE_LIMITS: dict[str, str] | Literal[False] = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_RATE_LIMITS_ENABLED = envbool("RATE_LIMITS", "1")
if not ACCOUNT_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Staff roles (office admin, coordinators, supervisors, reviewers, leadership) see other
# people's records; with this on they must enrol a TOTP authenticator before anything else.
REQUIRE_MFA_FOR_STAFF = envbool("REQUIRE_MFA_FOR_STAFF", "0" if DEBUG else "1")

# Sessions and cookies ------------------------------------------------------------------------
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(12 * 60 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "0" if DEBUG else "1")
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Transport security --------------------------------------------------------------------------
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 60 * 60))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "1")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.getenv("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
# Health checks come from the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The atlas draws boundaries on a plain background; set a tile URL template (e.g.
# https://tile.example.org/{z}/{x}/{y}.png) to draw them over a base map. Its host is allowed
# as an image source below.
ATLAS_TILE_URL = os.getenv("ATLAS_TILE_URL", "")
ATLAS_TILE_ATTRIBUTION = os.getenv("ATLAS_TILE_ATTRIBUTION", "")


def _tile_hosts() -> list[str]:
    if not ATLAS_TILE_URL:
        return []
    parts = urlsplit(ATLAS_TILE_URL.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content Security Policy (django-csp 4): no inline scripts or styles, nothing from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *envlist("CSP_IMG_SRC", ""), *_tile_hosts()],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Internationalization -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

# Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(20 * 1024 * 1024))

# Mail ----------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Equity Hub <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(email_settings_from_url(os.getenv("EMAIL_URL", "console://")))

# Background tasks (django-tasks; the database worker is `equityhub db_worker`) ---------------
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[os.getenv("TASKS_BACKEND", "database")]}}

# Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Equity Hub ----------------------------------------------------------------------------------
# CMS cell-size rule: counts 1-10 are never published.
SUPPRESSION_THRESHOLD = envint("SUPPRESSION_THRESHOLD", "11")
# 1 to 50: a page that lists minors writes their ACCESS entries in one INSERT, and past 90 rows
# SQLite's 999-parameter limit would split it; 50 also keeps a page readable.
DIRECTORY_PAGE_SIZE = min(max(envint("DIRECTORY_PAGE_SIZE", "25"), 1), 50)
API_TOKEN_PREFIX = "eh_"  # noqa: S105  (a public marker on every token, not a secret)
NINJA_PAGINATION_MAX_LIMIT = 200
# Where the office receives notices (e.g. a guardian withdrew consent); blank sends none.
OFFICE_EMAIL = os.getenv("OFFICE_EMAIL", "")
# Behind a proxy: the header holding the client's address for the audit log, e.g.
# HTTP_X_FORWARDED_FOR. Unset, REMOTE_ADDR is used and forwarded headers are not trusted.
AUDIT_IP_HEADER = os.getenv("AUDIT_IP_HEADER", "")

# Cache (rate-limit counters, sessions stay in the database). One process: memory. Several app
# servers: CACHE_URL=redis://host:6379/0 (pip install redis) so that limits hold across them.
_cache_url = os.getenv("CACHE_URL", "locmem://")
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif _cache_url == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL: use locmem:// or redis://, not {_cache_url!r}")

# Volunteering -------------------------------------------------------------------------------
# How long a person offered a freed seat from the waitlist has to confirm it (never past the
# shift's start); then the next person on the waitlist is offered it.
VOLUNTEER_OFFER_HOURS = max(envint("VOLUNTEER_OFFER_HOURS", "24"), 1)
# A cancellation this close to the shift's start is recorded as late.
VOLUNTEER_LATE_CANCEL_HOURS = max(envint("VOLUNTEER_LATE_CANCEL_HOURS", "24"), 0)
# Reminders before a shift, in hours (the long and the short one).
VOLUNTEER_REMINDER_HOURS = (
    envint("VOLUNTEER_REMINDER_LONG_HOURS", "48"),
    envint("VOLUNTEER_REMINDER_SHORT_HOURS", "2"),
)
# Owners are told this many days before a credential expires.
CREDENTIAL_EXPIRY_NOTICE_DAYS = envint("CREDENTIAL_EXPIRY_NOTICE_DAYS", "30")
# Consortium agreements: the largest document accepted.
AGREEMENT_DOCUMENT_MAX_BYTES = envint("AGREEMENT_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024))
# Evidence uploads (PDF or image) up to this size.
CREDENTIAL_EVIDENCE_MAX_BYTES = envint("CREDENTIAL_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))
