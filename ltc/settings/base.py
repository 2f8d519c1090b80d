"""Settings shared by every environment. Everything variable comes from the environment."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from ltc.settings.env import BASE_DIR, celery_broker_url, env, redis_url

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "csp",
    "ltc",
    "org",
    "customers",
    "leads",
    "opportunities",
    "contracts",
    "receivables",
    "activities",
    "insights",
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
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "ltc.urls"
WSGI_APPLICATION = "ltc.wsgi.application"

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
                "csp.context_processors.nonce",
                "ltc.context_processors.shell",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres:///ltc")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

REDIS_URL = redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ltc",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Stored in UTC, shown in China Standard Time.
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "ltc_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Money: Decimal end to end; CNY unless a record says otherwise.
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="CNY")
# A quote line discounted beyond this percentage waits for the owner's manager to approve it.
QUOTE_DISCOUNT_APPROVAL_PERCENT = env.int("QUOTE_DISCOUNT_APPROVAL_PERCENT", default=15)
QUOTE_VALID_DAYS = env.int("QUOTE_VALID_DAYS", default=30)
# Contract numbers: {year}, {month} and {seq} (counted per prefix, e.g. per year).
CONTRACT_NUMBER_PATTERN = env.str("CONTRACT_NUMBER_PATTERN", default="HT{year}-{seq:04d}")
# Invoice and credit note numbers, the same way; an invoice without a due date is due this many days after issue.
INVOICE_NUMBER_PATTERN = env.str("INVOICE_NUMBER_PATTERN", default="FP{year}-{seq:05d}")
CREDIT_NOTE_NUMBER_PATTERN = env.str("CREDIT_NOTE_NUMBER_PATTERN", default="HC{year}-{seq:05d}")
INVOICE_DUE_DAYS = env.int("INVOICE_DUE_DAYS", default=30)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy: no inline script or style anywhere, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated API call answers 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ltc.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ltc.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LTC CRM API",
    "DESCRIPTION": _("Lead-to-cash CRM: leads, opportunities, quotes, contracts, orders and cash collection."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets that share a field name get their own component names
    "ENUM_NAME_OVERRIDES": {"TargetKindEnum": "insights.models.TargetKind"},
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Retries of a task that met a broker or database error: exponential backoff, capped (see activities/tasks.py).
CELERY_TASK_RETRY_MAX = env.int("CELERY_TASK_RETRY_MAX", default=5)
CELERY_TASK_RETRY_BACKOFF_MAX = env.int("CELERY_TASK_RETRY_BACKOFF_MAX", default=300)

# Reminders (activities/notify.py). Each minute the beat asks every source for what became due in the last
# REMINDER_LOOKBACK, so a beat that was down for less than that loses nothing (the table is unique, so looking
# back again creates nothing twice).
REMINDER_LOOKBACK = timedelta(hours=env.int("REMINDER_LOOKBACK_HOURS", default=24))
# A planned activity not done this long after its due time reminds again ("overdue").
REMINDER_OVERDUE_AFTER = timedelta(minutes=env.int("REMINDER_OVERDUE_AFTER_MINUTES", default=60))
# A worker holds a claimed delivery this long; after that another worker may take it (the first one died).
REMINDER_LEASE = timedelta(seconds=env.int("REMINDER_LEASE_SECONDS", default=120))
REMINDER_CLAIM_BATCH = env.int("REMINDER_CLAIM_BATCH", default=100)
# A failing channel is tried again after 1, 2, 4 … minutes (at most REMINDER_BACKOFF_MAX), then marked failed.
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)
REMINDER_BACKOFF_BASE = timedelta(seconds=env.int("REMINDER_BACKOFF_BASE_SECONDS", default=60))
REMINDER_BACKOFF_MAX = timedelta(seconds=env.int("REMINDER_BACKOFF_MAX_SECONDS", default=3600))
# The morning digest: from this local hour, within the window (a digest after lunch helps nobody).
REMINDER_DIGEST_HOUR = env.int("REMINDER_DIGEST_HOUR", default=9)
REMINDER_DIGEST_WINDOW = timedelta(hours=env.int("REMINDER_DIGEST_WINDOW_HOURS", default=4))
# The right-hand side of each reminder email's Message-ID: <delivery-{id}@{domain}>.
REMINDER_MESSAGE_ID_DOMAIN = env.str("REMINDER_MESSAGE_ID_DOMAIN", default="ltc.localhost")
# Put before a record's path in reminder emails, e.g. https://crm.example.com
REMINDER_SITE_URL = env.str("REMINDER_SITE_URL", default="")
# Drain tasks the beat enqueues each minute (each claims its own batches; more spread work across workers).
REMINDER_DRAIN_TASKS = env.int("REMINDER_DRAIN_TASKS", default=2)

# A worker writes this key every few seconds; /healthz reads its age.
WORKER_HEARTBEAT_KEY = "ltc:celery:worker-heartbeat"
WORKER_HEARTBEAT_SECONDS = 10
WORKER_HEARTBEAT_STALE_AFTER = env.int("WORKER_HEARTBEAT_STALE_AFTER", default=60)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LTC CRM <crm@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Audit event tables: foreign keys to the tracked rows' related records are kept as plain columns
# (no index, no constraint). Each index costs every insert, and history is read per record (pgh_obj)
# or per context, which keep theirs. Measured on the lead import: see README, benchmark.
import pghistory  # noqa: E402

PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)

# Activities on any record (activities/): how a record of each kind is fetched for a person, through its app's
# visibility selector (a record they may not see raises Http404 or DoesNotExist), and where its page lives.
# Wiring like ltc/urls.py: activities itself imports no stage app.
ACTIVITY_TARGETS = {
    "leads.lead": "leads.selectors.lead_get_for_user",
    "customers.account": "customers.selectors.account_get_for_user",
    "opportunities.opportunity": "opportunities.selectors.opportunity_get_for_user",
    "opportunities.quote": "opportunities.selectors.quote_get_for_user",
    "contracts.contract": "contracts.selectors.contract_get_for_user",
    "contracts.order": "contracts.selectors.order_get_for_user",
    "receivables.invoice": "receivables.selectors.invoice_get_for_user",
}
ACTIVITY_TARGET_PAGES = {
    "leads.lead": "leads:lead_detail",
    "customers.account": "customers:account_detail",
    "opportunities.opportunity": "opportunities:opportunity_detail",
    "opportunities.quote": "opportunities:quote_detail",
    "contracts.contract": "contracts:contract_detail",
    "contracts.order": "contracts:order_detail",
    "receivables.invoice": "receivables:invoice_detail",
}
# Records whose stage moves have their own history table, shown on the timeline as stage changes: the table,
# the field pointing at the record, the before / after / time / actor fields, and the record's field the moves
# change (left out of the audit entries, which would repeat them). Other records' status changes come from their
# audit history (a change of "status").
ACTIVITY_STAGE_HISTORY = {
    "opportunities.opportunity": {
        "model": "opportunities.StageChange", "record": "opportunity", "before": "from_stage", "after": "to_stage",
        "at": "at", "actor": "actor", "covers": ["stage_id", "stage", "probability", "stage_entered_at", "version"],
    },
    "contracts.order": {
        "model": "contracts.OrderChange", "record": "order", "before": "from_status", "after": "to_status",
        "at": "at", "actor": "actor", "note": "note", "covers": ["status"],
    },
}  # fmt: skip

# Reminder sources of the stage apps (leads/, opportunities/, contracts/, receivables/ reminders.py). A reminder
# about a date (a due date, a validity date, N days of silence) fires at REMINDER_DAY_STARTS_AT on that day in
# TIME_ZONE, never at midnight. Per-status and per-stage days come as JSON, e.g.
# REMINDER_DEAL_STALE_DAYS='{"open": 14, "谈判": 7}'; 0 turns that status or stage off.
from datetime import time  # noqa: E402

REMINDER_DAY_STARTS_AT = time.fromisoformat(env.str("REMINDER_DAY_STARTS_AT", default="08:00"))
# A lead's owner is warned this long before its first-contact deadline.
REMINDER_FIRST_CONTACT_WARN = timedelta(minutes=env.int("REMINDER_FIRST_CONTACT_WARN_MINUTES", default=120))
# An open lead with no contact (call, email, meeting, visit, demo) for this many days, by lead status.
REMINDER_LEAD_STALE_DAYS: dict[str, int] = env.json(
    "REMINDER_LEAD_STALE_DAYS", default={"new": 7, "contacted": 7, "qualified": 7, "nurturing": 7}
)
# An open deal with no activity and no stage change for this many days: by stage name (Chinese or English), else
# by stage category ("open"), else "default".
REMINDER_DEAL_STALE_DAYS: dict[str, int] = env.json("REMINDER_DEAL_STALE_DAYS", default={"open": 14})
# A sent quote's deal owner is warned this many days before its last valid day.
REMINDER_QUOTE_EXPIRY_WARN_DAYS = env.int("REMINDER_QUOTE_EXPIRY_WARN_DAYS", default=3)
# Installments and invoices remind their owner this many days before they are due (each once).
REMINDER_DUE_DAYS: tuple[int, ...] = tuple(env.list("REMINDER_DUE_DAYS", cast=int, default=[7, 1]))
# An overdue invoice escalates this many days after its due date: level 1 its owner, level 2 the owner's
# managers, level 3 finance; each level once, none once the invoice is paid, credited, written off or void.
REMINDER_ESCALATION_DAYS: tuple[int, ...] = tuple(env.list("REMINDER_ESCALATION_DAYS", cast=int, default=[1, 15, 30]))
