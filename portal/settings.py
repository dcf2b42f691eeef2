"""Settings, read from the environment.

Two shapes share this file: the embedded default (SQLite, a broker that needs no server,
local secrets generated on first run) and production (`PORTAL_ENV=production`), where
every secret must come from the environment and a missing one stops the process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
PRODUCTION = os.environ.get("PORTAL_ENV", "embedded") == "production"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def required(name: str) -> str:
    """Return an environment variable that production cannot run without."""
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when PORTAL_ENV=production.")
    return value


def local_secret(name: str) -> str:
    """Return a secret kept in var/, generated on first use (embedded default only)."""
    path = VAR_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = required("SECRET_KEY") if PRODUCTION else (env("SECRET_KEY") or local_secret("django"))
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = (env("ALLOWED_HOSTS") or ("" if PRODUCTION else "*")).split(",")
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]
if PRODUCTION and ALLOWED_HOSTS == [""]:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when PORTAL_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
    "portal.core",
    "portal.odoo",
    "portal.projects",
    "portal.approvals",
    "portal.commercial",
    "portal.staffing",
    "portal.milestones",
    "portal.clients",
    "portal.dashboards",
    "portal.api",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.core.htmx.HtmxVaryMiddleware",
    "portal.core.htmx.HtmxLoginRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.core.context_processors.navigation",
            ],
        },
    }
]

# Database: PostgreSQL when DATABASE_URL is set, SQLite in the embedded default. SQLite
# runs in WAL mode with immediate transactions and a busy timeout so that the web
# process and the one worker do not fail on "database is locked"; concurrency
# guarantees (row locks, skip_locked) are claimed for PostgreSQL only.
DATABASE_URL = required("DATABASE_URL") if PRODUCTION else env("DATABASE_URL")
# DATABASE_POOL=<n>: each process borrows connections from a pool of at most n, and a
# request gives its connection back when it ends. Needed under gevent workers, where
# every request is a new greenlet and a persistent connection per greenlet would pile
# up; without it, a thread keeps its connection for a minute.
DATABASE_POOL = int(env("DATABASE_POOL") or 0)
if DATABASE_URL:
    DATABASES: dict[str, Any] = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if DATABASE_POOL else 60,
            conn_health_checks=not DATABASE_POOL,
        )
    }
    if DATABASE_POOL:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL),
            "max_size": DATABASE_POOL,
            "timeout": 10,  # seconds a request waits for a free connection before failing
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH") or str(VAR_DIR / "portal.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so that a real worker process started by a test sees
            # the same test database.
            "TEST": {"NAME": str(VAR_DIR / "test-portal.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email and password; TOTP through allauth.mfa. Sign-up is closed except
# through a client invitation (see portal.core.adapters).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "portal.core.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Delivery portal"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE") or "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT") or VAR_DIR / "staticfiles")

# Uploaded evidence lives outside the web root and is served only by views that check
# access first. Production needs shared storage here when several machines serve.
PRIVATE_FILES_ROOT = Path(env("PRIVATE_FILES_ROOT") or VAR_DIR / "private")
MEDIA_ROOT = PRIVATE_FILES_ROOT
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES") or 250 * 1024 * 1024)
UPLOAD_MAX_FILES = int(env("UPLOAD_MAX_FILES") or 10)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES

# Mail: files in the embedded default (an operator page lists them), SMTP in production.
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = str(VAR_DIR / "sent-mail")
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(env("EMAIL_PORT") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "portal@localhost"
PORTAL_BASE_URL = (env("PORTAL_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery: Redis (or RabbitMQ) when CELERY_BROKER_URL is set; otherwise kombu's filesystem
# transport, which needs no server, so the embedded demo still runs a real worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    # CELERY_BROKER_FOLDER lets a test session and its worker share a private queue.
    _broker_dir = Path(env("CELERY_BROKER_FOLDER") or VAR_DIR / "broker")
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "odoo-sync": {"task": "portal.odoo.tasks.sync_all", "schedule": 300.0},
    # Hourly, though drafts are weekly: idempotent per project and ISO week, so a beat
    # that was down on Monday morning still drafts the week's summaries when it returns.
    "clients-weekly-drafts": {
        "task": "portal.clients.tasks.create_weekly_drafts",
        "schedule": 3600.0,
    },
    "approvals-escalate": {"task": "portal.approvals.tasks.escalate", "schedule": 300.0},
    "approvals-digests": {"task": "portal.approvals.tasks.send_digests", "schedule": 900.0},
    "odoo-outbox-sweep": {"task": "portal.odoo.tasks.deliver_outbox", "schedule": 60.0},
    "odoo-inbound-sweep": {"task": "portal.odoo.tasks.sweep_inbound_events", "schedule": 30.0},
    "odoo-reconcile": {"task": "portal.odoo.tasks.reconcile", "schedule": 3600.0},
    "milestones-check": {"task": "portal.milestones.tasks.check_milestones", "schedule": 300.0},
    "milestones-sweep-files": {
        "task": "portal.milestones.tasks.sweep_orphan_files",
        "schedule": 3600.0,
    },
    # Dashboards: the current risk ratings the risk page reads (precomputed.REFRESH_EVERY),
    # this week's risk snapshot (overwritten hourly until the week ends) and the worker
    # heartbeat the operations page reads (stale after 90 s).
    "dashboards-risk": {"task": "portal.dashboards.tasks.refresh_risk", "schedule": 300.0},
    "dashboards-snapshot": {"task": "portal.dashboards.tasks.snapshot", "schedule": 3600.0},
    "dashboards-heartbeat": {"task": "portal.dashboards.tasks.heartbeat", "schedule": 30.0},
}

# The Odoo connection. The embedded default talks to the sandbox started by `make demo`.
ODOO_URL = env("ODOO_URL") or "http://127.0.0.1:8069"
ODOO_DB = env("ODOO_DB") or "sandbox"
ODOO_USER = env("ODOO_USER") or "admin"
ODOO_PASSWORD = (required("ODOO_PASSWORD") if PRODUCTION else env("ODOO_PASSWORD")) or "admin"
ODOO_TRANSPORT = env("ODOO_TRANSPORT") or "auto"  # auto, jsonrpc or json2
ODOO_TIMEOUT = float(env("ODOO_TIMEOUT") or 30)
# How long a worker holds an outbox row it is delivering; a worker killed mid-delivery
# leaves the row to the next worker after this many seconds.
ODOO_OUTBOX_LEASE_SECONDS = float(env("ODOO_OUTBOX_LEASE_SECONDS") or 300)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing login a 401.
        "portal.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.permissions.HasScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.Cursor",
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api.throttling.TokenRateThrottle",
        "portal.api.throttling.SessionRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_TOKEN_RATE") or "1200/hour",
        "session": env("API_SESSION_RATE") or "3600/hour",
        "anon": env("API_ANON_RATE") or "120/hour",
    },
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Delivery portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApprovalStatusEnum": "portal.approvals.models.Status",
        "ApprovalOutcomeEnum": "portal.approvals.models.Decision.Outcome",
        "StaffingRequestStatusEnum": "portal.staffing.models.RequestStatus",
        "BookingStatusEnum": "portal.staffing.models.BookingStatus",
        "ClientRequestStatusEnum": "portal.clients.models.RequestStatus",
        "HealthStatusEnum": "portal.clients.models.HealthStatus",
        "SignOffDecisionEnum": "portal.milestones.models.Decision",
    },
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
