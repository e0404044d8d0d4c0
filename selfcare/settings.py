"""SelfCare settings: one file, driven by environment variables (one file on purpose, however
long: every setting an operator can change is found here, next to its default and its reason).

The defaults run anywhere with no set-up (SQLite under var/, a Celery broker on the local
filesystem, console SMS, DEBUG on). Production sets DJANGO_DEBUG=False and the variables listed
in README.md; the settings refuse to start in production with the development secret key.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets generic admin and queryset classes be subscripted at runtime, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# Not a secret: it only signs sessions of the embedded development run, and production refuses it.
DEV_SECRET_KEY = "selfcare-development-key-never-use-in-production"  # noqa: S105

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is False but DJANGO_SECRET_KEY is the development key: "
        "set DJANGO_SECRET_KEY to a long random value."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# The URL Twilio and patients use to reach us. Twilio signs requests with it, so webhook
# signatures are validated against it rather than against the internal host a proxy forwards to.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "sesame",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "accounts",
    "programs",
    "messaging",
    "checkins",
    "escalations",
    "care",
    "patients",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.sessions.absolute_lifetime",
    "accounts.middleware.clinician_time_zone",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "selfcare.middleware.api_no_store",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "selfcare.urls"
WSGI_APPLICATION = "selfcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # SMS texts: plain text, so no HTML escaping.
        "NAME": "sms",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "sms"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'selfcare.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web process and the worker write to one file: take the write lock when a transaction
    # starts, and wait for it, instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # New connections cost a TCP handshake and SCRAM auth; reusing them is a 5x throughput gain
    # on the webhook (research/reliability-security-perf-anchors.md §0.10).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A Redis that accepts connections and never answers must not hold a request: every socket to
# it (cache, broker, results) has connect and read timeouts, and publishing gives up quickly
# (the outbox sweeper and the drain pick up what was not queued). Seconds.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
    )

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "patients:link"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
# Staff sign-in: five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "selfcare.net.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.sessions.locked_out"
# How many proxies of ours append to X-Forwarded-For in front of gunicorn (the TLS proxy: 1).
# 0 (the default) never reads the header, which any client can write (selfcare/net.py).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES must be 0 or more.")
# django-ratelimit: per real client address; a cache that fails refuses (fail closed) unless a
# view says otherwise. Limits are counted in the shared cache (Redis in production).
RATELIMIT_IP_META_KEY = "selfcare.net.client_address"
RATELIMIT_FAIL_OPEN = False
# TOTP for clinicians (the admin is django-otp's OTPAdminSite); the issuer shown in their app.
OTP_TOTP_ISSUER = "SelfCare"
# Patient sign-in links: single use (any sign-in invalidates outstanding links), ten minutes.
SESAME_MAX_AGE = 10 * 60
SESAME_ONE_TIME = True
SESAME_TOKEN_NAME = "t"  # noqa: S105 (the query parameter's name, not a secret)
# Patient sessions also end this long after sign-in, however active (ASVS V7.3.2).
PATIENT_SESSION_MAX_AGE = 12 * 60 * 60
# A clinician's session ends this long after sign-in (a shift), however active (ASVS V7.3.2).
STAFF_SESSION_MAX_AGE = env.int("STAFF_SESSION_MAX_AGE", default=10 * 60 * 60)
# "Send me a link" requests allowed per number and per client address (django-ratelimit rate).
LINK_REQUESTS_RATE = env.str("LINK_REQUESTS_RATE", default="3/15m")
# Bad or used-up sign-in links one client address may open before it is told to wait.
LOGIN_FAILURES_RATE = env.str("LOGIN_FAILURES_RATE", default="20/15m")

# The clinic's time zone: what "today" means for the clinic (selfcare/clock.py).
CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="UTC")
if CLINIC_TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"CLINIC_TIME_ZONE {CLINIC_TIME_ZONE!r} is not an IANA time zone.")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
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

# Reverting a patient to an old version would bypass consent events and read-only facts.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Phone numbers are stored in E.164; numbers typed without a country code use this region.
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="US")
PHONENUMBER_DB_FORMAT = "E164"

# --- Security -----------------------------------------------------------------------------------
# HTTPS-only protections follow the public URL, not DEBUG: a deployment behind TLS gets them
# whatever its debug setting, and the plain-http embedded run keeps usable cookies.
HTTPS = PUBLIC_BASE_URL.startswith("https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Email (Django 6.1 MAILERS) -----------------------------------------------------------------
# EMAIL_URL in django-environ's form: smtp://user:pass@host:587 (STARTTLS with smtp+tls://,
# TLS with smtp+ssl://), consolemail:// to print. Production must set it: `check --deploy`
# fails without it (escalations/checks.py), and until then alerts wait, unsent, in the email
# outbox. The development run prints email to the console.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "")
SMTP_TIMEOUT_SECONDS = 10  # a mail server that hangs must not hold a worker
_email = environ.Env.email_url_config(EMAIL_URL or "smtp://localhost:25")
_smtp = _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            key: value
            for key, value in {
                "host": _email["EMAIL_HOST"],
                "port": _email["EMAIL_PORT"],
                "username": _email["EMAIL_HOST_USER"],
                "password": _email["EMAIL_HOST_PASSWORD"],
                "use_tls": _email.get("EMAIL_USE_TLS"),
                "use_ssl": _email.get("EMAIL_USE_SSL"),
                "timeout": SMTP_TIMEOUT_SECONDS,
            }.items()
            if value not in (None, "")
        }
        if _smtp
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="selfcare@localhost")

# /healthz names its dependencies (database, broker, cache) only to staff and to a monitor that
# sends `Authorization: Bearer <HEALTHZ_TOKEN>`; everyone else learns up or down.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its challenge makes a missing or bad token a 401 with WWW-Authenticate
    # (DRF takes the header from the first class), as the API documents.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsClinicianOrSuperuser"],
    # JSON only: form and multipart parsers read a missing boolean as False, which would turn a
    # missing red-flag answer into "no".
    "DEFAULT_PARSER_CLASSES": ["accounts.drf.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (django-rest-knox): only a digest is stored; each expires, and a clinician holds
# a few at most. Issued for password + TOTP code (accounts/api.py).
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "TOKEN_LIMIT_PER_USER": 5,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SelfCare API",
    "DESCRIPTION": "Enroll and stratify patients, read check-ins, messages and escalations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RiskGroupEnum": "programs.stratification.RISK_GROUPS",
        "EscalationOutputStatusEnum": "escalations.api.STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.drf.document_errors",
    ],
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A broker that needs no server: queues are folders under var/broker.
    _queue = VAR_DIR / "broker" / "queue"
    _processed = VAR_DIR / "broker" / "processed"
    _control = VAR_DIR / "broker" / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": REDIS_TIMEOUT,
        "socket_connect_timeout": REDIS_TIMEOUT,
        "max_retries": 1,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
# One quick retry, then the publish fails and the caller's fallback (sweeper, drain) takes over.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only after it ran, and re-queued if its worker dies: with acks_late
# alone a SIGKILLed worker loses the task (research/reliability-security-perf-anchors.md §0.6).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# How often the outbox sweeper runs (sends whose task was lost, retries, stuck sends).
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # expires: a drain not started within its period is dropped; the next one does its work.
    "drain-inbound": {
        "task": "messaging.inbound_drain",
        "schedule": 2.0,
        "options": {"expires": 2.0},
    },
    "sweep-outbox": {"task": "messaging.outbox_sweep", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    "tick": {"task": "care.tick", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- SMS and clinical settings ------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
# Segments per second per sender: 1 for a US long code, 3 toll-free, ~100 short code; 0 = unpaced.
SMS_RATE_PER_SECOND = env.float("SMS_RATE_PER_SECOND", default=1.0)
# A send claimed this long ago with no answer recorded (its worker died) is tried again, unless a
# status callback has shown that it went out; keep it well above the provider's callback delay.
SMS_STUCK_AFTER_SECONDS = env.int("SMS_STUCK_AFTER_SECONDS", default=600)
# Local time at which scheduled check-ins go out (moved out of a patient's quiet hours).
CHECKIN_LOCAL_TIME = env.str("CHECKIN_LOCAL_TIME", default="10:00")
# Local time at which program steps due that day are nudged by SMS.
NUDGE_LOCAL_TIME = env.str("NUDGE_LOCAL_TIME", default="18:00")
EMERGENCY_NUMBER = env.str("EMERGENCY_NUMBER", default="911")
CRISIS_LINE = env.str("CRISIS_LINE", default="988")
# The escalation chain (escalations.notifications): how long an open escalation waits for an
# acknowledgement before its next step tells more of the care team.
ESCALATION_STEP_EMERGENCY_MINUTES = env.int("ESCALATION_STEP_EMERGENCY_MINUTES", default=15)
ESCALATION_STEP_SAME_DAY_MINUTES = env.int("ESCALATION_STEP_SAME_DAY_MINUTES", default=120)
ESCALATION_STEP_OTHER_HOURS = env.int("ESCALATION_STEP_OTHER_HOURS", default=24)

# --- Logging ------------------------------------------------------------------------------------
# LOG_FORMAT=json gives one JSON object per line for a log collector. Log lines carry ids and
# the last digits of numbers only: never message bodies, names or full numbers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "selfcare.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
