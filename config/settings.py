"""Artel Billiards settings: one module, every value from the environment.

The defaults give the embedded mode of `make run` (SQLite under var/, in-memory channel layer,
local-memory cache, eager Celery). Production sets DATABASE_URL, REDIS_URL and a real SECRET_KEY;
see .env.example for the full list.
"""

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env (copied from .env.example by `make`) fills in what the real environment leaves unset.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-artel-billiards-key-change-me"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or is the development default while DEBUG is off. "
        "Set SECRET_KEY to a long random value (e.g. `python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'`) or set DEBUG=1 for local development."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL of the site (used in bot messages and QR codes).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "accounts.apps.ArtelAdminConfig",  # the admin, with two-factor sign-in (accounts/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "social_django",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_prometheus",
    "channels",
    "accounts",
    "realtime",
    "games",
    "stats",
    "notifications",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.logs.RequestIdMiddleware",
    "core.api.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.audit.AuditContextMiddleware",
    "core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "accounts.middleware.SocialAuthExceptionMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "social_django.context_processors.backends",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # ASGI serves requests from a thread pool: keep connections short-lived but health-checked.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
    # A `SELECT 1` before a request reuses its connection. A sync WSGI worker (make serve,
    # compose `web`) serves one request at a time on one persistent connection, where the check
    # was a third of a cached read's time (profile in bench/http_layouts.py): those workers run with
    # DB_CONN_HEALTH_CHECKS=0, and a connection PostgreSQL dropped costs one 503, after which
    # Django closes it (errors_occurred) and the next request reconnects.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Optional connection pool (psycopg_pool, Django 5.1+): daphne serves each request in its own
    # thread, so under a burst every thread opens a connection and PostgreSQL runs out of them
    # ("too many clients"). With DB_POOL_MAX_SIZE set, a process holds at most that many and
    # requests wait up to DB_POOL_TIMEOUT seconds for one (then 503 JSON). Admission control lets
    # no more HTTP requests run than the pool holds, so in normal running nobody waits for the
    # pool: the wait is what a request spends before its 503 when the database is gone.
    _pool_max = env.int("DB_POOL_MAX_SIZE", default=0)
    if _pool_max:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": min(2, _pool_max),
            "max_size": _pool_max,
            "timeout": env.float("DB_POOL_TIMEOUT", default=3.0),
        }
else:
    # SQLite: writers take the lock at BEGIN (IMMEDIATE) so two bookings serialise instead of
    # failing on lock upgrade; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Admission control (core/admission.py): requests running Django at once per process; the rest
# queue on the event loop, and after HTTP_QUEUE_TIMEOUT seconds get 503 `server_busy`. The default
# matches the database: the pool size on PostgreSQL, a few on SQLite (one writer at a time).
HTTP_MAX_CONCURRENCY = env.int(
    "HTTP_MAX_CONCURRENCY",
    default=(env.int("DB_POOL_MAX_SIZE", default=0) or 16) if IS_POSTGRES else 4,
)
HTTP_QUEUE_TIMEOUT = env.float("HTTP_QUEUE_TIMEOUT", default=30.0)
# The floor and slot reads are cached per floor version; what changes with the clock alone is at
# most this old (games.selectors.floor_cached).
FLOOR_CACHE_SECONDS = env.int("FLOOR_CACHE_SECONDS", default=5)
# How long a process reuses a signed-in user's row between requests (accounts/authentication.py);
# 0 loads it on every request.
AUTH_USER_CACHE_SECONDS = env.float("AUTH_USER_CACHE_SECONDS", default=5.0)

# Under pytest every run gets its own test database and Redis key space, so that several runs
# (CI, a developer's shell) on one PostgreSQL/Redis never trample each other. The SQLite test
# database is a file so that the daphne subprocess of the browser tests can share it.
TESTING = "pytest" in sys.modules
TEST_RUN_ID = os.environ.setdefault("ARTEL_TEST_RUN", str(os.getpid())) if TESTING else ""
if TESTING:
    if IS_POSTGRES:
        DATABASES["default"]["TEST"] = {
            "NAME": f"test_{DATABASES['default']['NAME']}_{TEST_RUN_ID}"
        }
    else:
        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_{TEST_RUN_ID}.sqlite3")}

# --- Redis: channel layer, cache, Celery broker ----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNELS_PREFIX", default=f"artel{TEST_RUN_ID}"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_PREFIX", default=f"artel{TEST_RUN_ID}"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Channels' in-memory layer with its per-receive expiry sweep rate-limited (realtime/layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# The queue the app sends to and the worker reads: another name keeps two layouts on one Redis
# database apart (the layout test does this).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Embedded mode (`make run`): daphne runs the beat schedule itself (config/embedded.py), since an
# in-memory channel layer cannot carry a separate beat process's broadcasts to daphne's sockets.
EMBEDDED_BEAT = env.bool("EMBEDDED_BEAT", default=False)
EMBEDDED_NEEDS_EAGER = (
    "make run is the embedded one-process mode: no Celery worker runs there, so with REDIS_URL set "
    "(environment or .env) its tasks would queue in Redis and never run (no stats, no bot messages). "
    "Unset REDIS_URL, or run the production layout with a worker: make serve."
)
if EMBEDDED_BEAT and not CELERY_TASK_ALWAYS_EAGER:
    raise ImproperlyConfigured(EMBEDDED_NEEDS_EAGER)
# With eager Celery (no worker), deliver Telegram notifications from a background thread of the
# process rather than inside the request that wrote them. On in the embedded mode of `make run`.
NOTIFICATIONS_DELIVER_IN_BACKGROUND = env.bool(
    "NOTIFICATIONS_DELIVER_IN_BACKGROUND", default=EMBEDDED_BEAT and CELERY_TASK_ALWAYS_EAGER
)
# Periodic tasks; later features add theirs here.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "realtime.tasks.heartbeat",
        "schedule": env.float("BEAT_HEARTBEAT_SECONDS", default=30.0),
    },
    # Notifications: deliver what is due (deferred, retried, lost enqueues); write reminders.
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 30.0},
    "notifications-reminders": {
        "task": "notifications.schedule_reminders",
        "schedule": 60.0,
    },
    # No-shows after the grace period, and the running bills pushed to players.
    "games-sweep-no-shows": {"task": "games.tasks.sweep_no_shows", "schedule": 60.0},
    "flush-expired-tokens": {
        "task": "accounts.tasks.flush_expired_tokens",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "social_core.backends.google.GoogleOAuth2",
    "accounts.backends.TelegramWidgetAuth",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
# The admin lives on a configurable path (harder to find for scanners).
ADMIN_PATH = env.str("ADMIN_PATH", default="admin/").strip("/") + "/"
LOGIN_REDIRECT_URL = "/"
# Staff sign in to the admin with a TOTP code (accounts/admin_site.py). Off by default in DEBUG (and under
# pytest) so the `make run` demo login staff / artel-staff-demo works without an authenticator.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG and not TESTING)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Artel Billiards")
# The admin login locks after this many failures per username + IP (and per IP) in the window.
ADMIN_LOGIN_FAILURES = env.int("ADMIN_LOGIN_FAILURES", default=5)
ADMIN_LOGIN_FAILURES_PER_IP = env.int("ADMIN_LOGIN_FAILURES_PER_IP", default=30)
ADMIN_LOGIN_LOCKOUT = env.int("ADMIN_LOGIN_LOCKOUT", default=15 * 60)
# A staff member sets up the authenticator only through a one-time link a manager issues
# (accounts/two_factor.py); it works for this many hours.
ADMIN_ENROL_LINK_HOURS = env.int("ADMIN_ENROL_LINK_HOURS", default=24)
# Staff changes to money and results leave an audit record (accounts/audit.py): model label →
# watched fields, or {"fields": [...], "create_when": {field: [values]}} to record only such
# creations. Missing models or fields are skipped.
AUDIT_WATCH = {
    "games.Tariff": ["price_per_hour", "weekdays", "start_time", "end_time", "is_active"],
    "games.Club": ["minimum_charge", "rounding"],
    "games.TableSession": [
        "ended_at",
        "minutes",
        "amount",
        "adjustment",
        "paid",
        "paid_at",
        "table_id",
        "discount_percent",
        "discount_amount",
        "discount_reason",
    ],
    # Money at the table (issue 18): the bill's lines, payments and refunds, the till.
    "games.SessionItem": ["name", "price", "quantity", "removed_at", "removal_reason"],
    "games.Payment": ["session_id", "method", "kind", "amount", "change", "refund_of_id"],
    "games.Shift": ["opening_cash", "closed_at", "counted_cash", "expected_cash"],
    "games.CatalogueItem": ["name", "price", "is_available"],
    "games.Booking": ["status"],
    "games.Match": ["status", "winner_side", "state"],
    "games.MatchEvent": {
        "fields": ["type", "payload", "voids"],
        "create_when": {"type": ["correction", "abandon"]},
    },
    # Two-factor sign-in: links issued, authenticators set up and removed (a manager's reset).
    "accounts.EnrolmentLink": ["user", "expires_at", "used_at"],
    "otp_totp.TOTPDevice": ["user", "name", "confirmed"],
}

TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_API_BASE = env.str("TELEGRAM_API_BASE", default="https://api.telegram.org").rstrip("/")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
# The payment provider's token from @BotFather (Payments): empty turns "Pay in Telegram" off.
TELEGRAM_PAYMENT_PROVIDER_TOKEN = env.str("TELEGRAM_PAYMENT_PROVIDER_TOKEN", default="")
TELEGRAM_AUTH_MAX_AGE = env.int("TELEGRAM_AUTH_MAX_AGE", default=3600)
TELEGRAM_MINIAPP_SHORT_NAME = env.str("TELEGRAM_MINIAPP_SHORT_NAME", default="app")
# Bot send limits shared by all workers (Telegram: ~30 msg/s overall, ~1 msg/s per chat).
TELEGRAM_RATE_GLOBAL = env.float("TELEGRAM_RATE_GLOBAL", default=30.0)
TELEGRAM_RATE_PER_CHAT = env.float("TELEGRAM_RATE_PER_CHAT", default=1.0)
# Booking reminders go this many minutes before the start.
NOTIFY_REMINDER_LEAD_MINUTES = env.int("NOTIFY_REMINDER_LEAD_MINUTES", default=60)

SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = env.str("GOOGLE_CLIENT_ID", default="")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_URL_NAMESPACE = "social"
# Google accounts are matched by their stable `sub`, never by e-mail (no associate_by_email step).
SOCIAL_AUTH_GOOGLE_OAUTH2_USE_UNIQUE_USER_ID = True
SOCIAL_AUTH_TELEGRAM_BOT_TOKEN = TELEGRAM_BOT_TOKEN
# Failures become a message on /login/ or /profile/ (accounts.middleware), in DEBUG too.
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_LOGIN_ERROR_URL = "/login/"
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/"
# A name the player already has (from Telegram or the profile) is not overwritten by Google's.
SOCIAL_AUTH_IMMUTABLE_USER_FIELDS = ["first_name", "last_name"]
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_names",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "accounts.pipeline.telegram_identity",
    "accounts.pipeline.social_user",
    "social_core.pipeline.user.get_username",
    "social_core.pipeline.user.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
    "accounts.pipeline.refuse_inactive",
    "accounts.pipeline.record_sign_in",
)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CachedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # JSON with a depth limit and no NUL / lone surrogates in text (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["rest_framework.filters.OrderingFilter"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        # Per address only against floods: a club's 200 players share its Wi-Fi's one address.
        "auth_ip": env.str("THROTTLE_AUTH_IP", default="600/min"),
        "auth_user": env.str("THROTTLE_AUTH_USER", default="20/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Artel Billiards API",
    "DESCRIPTION": "The club floor, bookings, live scoring, statistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

from datetime import timedelta  # noqa: E402

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
}

# --- Security (production) -------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS is a one-way commitment for the whole domain; the operator opts in with
# SECURE_HSTS_PRELOAD=1, so its reminder (W021) is silenced (README, "Security").
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page may be framed by another site, except the Mini App pages by Telegram's web clients
# (core/security.py: frame-ancestors replaces X-Frame-Options there).
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (core/security.py): this origin plus Telegram's scripts, nothing else.
CSP_ENABLED = env.bool("CSP_ENABLED", default=True)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
CSP_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "https://telegram.org"],
    "style-src": ["'self'"],
    # Avatars come from Telegram (t.me/i/userpic/...); data: for small inline images.
    "img-src": ["'self'", "data:", *env.list("CSP_IMG_SRC", default=["https://t.me"])],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# (view-name regex, extra sources): the only places the policy is widened.
CSP_EXCEPTIONS = [
    # Django admin and the staff pages built on it use inline style attributes.
    (r"^admin:", {"style-src": ["'unsafe-inline'"]}),
    # Swagger UI (local sidecar assets) styles itself inline; its script is a separate file.
    (r"^api-docs$", {"style-src": ["'unsafe-inline'"]}),
    # Sign-in pages: the Telegram Login Widget's iframe, the redirect to Google after the form.
    (
        r"^accounts:(login|profile)$",
        {
            "style-src": ["'unsafe-inline'"],
            "frame-src": ["https://oauth.telegram.org"],
            "form-action": ["https://accounts.google.com"],
        },
    ),
    # The Mini App positions tables and colours legend swatches with style attributes set from
    # script. Attributes only: <style> elements must be files or CSSOM; scripts stay strict.
    (r"^miniapp(-route)?$", {"style-src-attr": ["'unsafe-inline'"]}),
]
# The Mini App may be embedded by Telegram's web clients (web.telegram.org/k/, /a/).
CSP_FRAMEABLE_VIEWS = [r"^miniapp(-route)?$"]
CSP_FRAME_ANCESTORS = env.list("CSP_FRAME_ANCESTORS", default=["https://web.telegram.org"])

# --- Rate limits (core/ratelimit.py) ---------------------------------------------------------
# (method or None, path regex, key: user | ip | ip-anon, rate "<count>/<period>"); every matching
# rule counts. Off for load tests (RATE_LIMITS_ENABLED=0) and, unless asked, under pytest (other
# apps' tests make many calls from one client); the rate-limit tests switch them on.
if TESTING:
    os.environ.setdefault("RATE_LIMITS_ENABLED", "0")  # the browser tests' daphne inherits it
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = [
    ("POST", r"^/api/bookings/$", "user", env.str("RATE_BOOKINGS", default="20/m")),
    (
        "POST",
        r"^/api/matches/\d+/(events|undo)/$",
        "user",
        env.str("RATE_MATCH_EVENTS", default="120/m"),
    ),
    ("POST", r"^/api/matches/$", "user", env.str("RATE_MATCH_CREATE", default="30/m")),
    ("POST", r"^/api/invites/$", "user", env.str("RATE_INVITES", default="20/m")),
    (None, r"^/api/auth/", "ip", env.str("RATE_AUTH_IP", default="600/m")),
    ("GET", r"^/api/", "ip-anon", env.str("RATE_ANON_READS", default="300/m")),
]
# WebSocket handshakes per client IP (over the limit: accepted and closed with 4429). Generous: 100
# phones of one club Wi-Fi reconnect at once after a restart; each needs a ticket, which is limited
# per signed-in user (60/min) and works once.
WS_CONNECT_RATE = env.str("WS_CONNECT_RATE", default="600/m")

# --- Errors: Sentry (optional; unset SENTRY_DSN = off) -----------------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
from core.security import init_sentry  # noqa: E402

SENTRY_ENABLED = init_sentry(
    dsn=SENTRY_DSN,
    environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
    release=env.str("SENTRY_RELEASE", default="") or None,
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "core.logs.make_formatter",
            "fmt": LOG_FORMAT,
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Readiness: the beat heartbeat is reported stale after this many seconds.
BEAT_STALE_AFTER = env.int("BEAT_STALE_AFTER", default=120)

# Prometheus scrapes each web/worker process on this port (docker-compose.yml sets it): a plain
# exporter thread outside Django, so no ALLOWED_HOSTS check on the replica's IP and never proxied.
# Unset = only the /metrics view. A busy port (e.g. `manage.py shell` in a container) only warns.
METRICS_PORT = env.int("METRICS_PORT", default=0)
PROMETHEUS_METRICS_EXPORT_PORT_RANGE = (
    range(METRICS_PORT, METRICS_PORT + 1) if METRICS_PORT else None
)

# --- Realtime (WebSocket /ws/) ------------------------------------------------------------------
# Seconds between server pings; a socket silent (no message, no pong) for WS_IDLE_TIMEOUT is closed.
WS_PING_INTERVAL = env.float("WS_PING_INTERVAL", default=30.0)
WS_IDLE_TIMEOUT = env.float("WS_IDLE_TIMEOUT", default=120.0)
# Lifetime of a one-time connection ticket, and topics one socket may watch at once.
WS_TICKET_TTL = env.int("WS_TICKET_TTL", default=30)
# Table check-in codes change this often (seconds); a code lives one to two periods. They are shown
# on the club's check-in screen (games/selectors.py: checkin_screen_url).
CHECKIN_CODE_SECONDS = env.int("CHECKIN_CODE_SECONDS", default=60)
WS_MAX_SUBSCRIPTIONS = env.int("WS_MAX_SUBSCRIPTIONS", default=50)
# Client messages: at most this size (bytes; larger ones are not parsed, the socket is closed),
# WS_MESSAGE_BURST at once and then WS_MESSAGE_RATE per second per connection; open sockets per
# signed-in user and per address (a club's players share one address). Limits apply with
# RATE_LIMITS_ENABLED (realtime/consumers.py).
WS_MAX_MESSAGE_BYTES = env.int("WS_MAX_MESSAGE_BYTES", default=4096)
WS_MESSAGE_BURST = env.int("WS_MESSAGE_BURST", default=30)
WS_MESSAGE_RATE = env.float("WS_MESSAGE_RATE", default=5.0)
WS_MAX_SOCKETS_PER_USER = env.int("WS_MAX_SOCKETS_PER_USER", default=10)
WS_MAX_SOCKETS_PER_IP = env.int("WS_MAX_SOCKETS_PER_IP", default=500)
# How long an update that arrives ahead of its predecessor waits before a fresh snapshot is sent.
WS_REORDER_TIMEOUT = env.float("WS_REORDER_TIMEOUT", default=2.0)
# The per-process fan-out hub (realtime/hub.py): a socket with more than WS_SEND_BUFFER_BYTES unsent
# (daphne) or WS_SEND_QUEUE frames queued (other servers) is closed with 1013 (the client reconnects
# and re-snapshots); the hub keeps the last WS_HUB_RING updates of each topic for sockets whose
# snapshot is older, and reuses a shared snapshot for WS_SNAPSHOT_MAX_AGE seconds at most (and only
# while no newer update came; an update lost in the layer is healed within that time).
WS_SEND_BUFFER_BYTES = env.int("WS_SEND_BUFFER_BYTES", default=256 * 1024)
WS_SEND_QUEUE = env.int("WS_SEND_QUEUE", default=256)
WS_HUB_RING = env.int("WS_HUB_RING", default=128)
WS_SNAPSHOT_MAX_AGE = env.float("WS_SNAPSHOT_MAX_AGE", default=1.0)

# Tests run against PostgreSQL and Redis when set; with REQUIRE_SERVICES=1 their absence is a failure.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
