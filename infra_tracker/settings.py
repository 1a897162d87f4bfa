"""Settings for the infrastructure attack tracker.

Every value that differs between machines comes from the environment (or a
`.env` file beside manage.py); `.env.example` lists them all. Nothing secret
has a production default: without DEBUG=true, SECRET_KEY must be set.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from infra_tracker.env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)
# A development machine without SECRET_KEY gets a random key per process,
# never a fixed one that could leak into production.
SECRET_KEY = env_str("SECRET_KEY", secrets.token_urlsafe(50) if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PUBLIC_READ = env_bool("PUBLIC_READ", False)
SITE_NAME = env_str("SITE_NAME", "Infrastructure attack tracker")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "leaflet",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "incidents",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records request.user as the author of every change in the history tables.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "infra_tracker.urls"
WSGI_APPLICATION = "infra_tracker.wsgi.application"

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
                "incidents.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgis://infra_tracker@127.0.0.1:5432/infra_tracker"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiler spends about a second compiling each large map-layer
# query, several times what the query itself takes; web requests are short.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DATABASE_URL must use the postgis:// scheme (PostgreSQL + PostGIS)."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# API throttle counters live in the cache: with several web processes they must share
# one (Redis); a single development process is fine with local memory.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Times are stored in UTC and shown in Kyiv time.
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
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

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

# Debian 12 ships GDAL 3.6, which Django 5.2 reports as unsupported (gis.W001)
# although every GDAL call this project makes (GeoJSON parsing) works with it.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Region boundaries: a GeoJSON path for `load_regions`, and where to download
# geoBoundaries' file from when no path is given and the machine is online.
REGIONS_GEOJSON = env_str("REGIONS_GEOJSON", "")
REGIONS_DOWNLOAD_URL = env_str(
    "REGIONS_DOWNLOAD_URL",
    "https://www.geoboundaries.org/api/current/gbOpen/UKR/ADM1/",
)
REGIONS_DOWNLOAD_TIMEOUT = env_int("REGIONS_DOWNLOAD_TIMEOUT", 10, minimum=1)
# How far (metres) a point may lie outside the region it is filed under before it
# is rejected; the boundaries are simplified, so points near a border need slack.
REGION_TOLERANCE_M = env_int("REGION_TOLERANCE_M", 5000, minimum=0)

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (48.6, 31.2),
    "DEFAULT_ZOOM": 6,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    "TILES": [
        (
            "Map",
            env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {
                "attribution": env_str(
                    "MAP_TILES_ATTRIBUTION",
                    '&copy; <a href="https://www.openstreetmap.org/copyright">'
                    "OpenStreetMap</a> contributors",
                ),
                "maxZoom": 18,
            },
        )
    ],
}

REST_FRAMEWORK = {
    # Token first, so an unauthenticated request gets a 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["incidents.api.permissions.ReadOrModelPermissions"],
    "DEFAULT_SCHEMA_CLASS": "incidents.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "incidents.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Infrastructure attack tracker API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # 3.1 describes nullable values in plain JSON Schema, which validators understand.
    "OAS_VERSION": "3.1.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "incidents.models.Source.Kind",
        "RegionKindEnum": "incidents.models.Region.Kind",
        "FacilityKindEnum": "incidents.models.Facility.Kind",
        "ResponseMeasureKindEnum": "incidents.models.ResponseMeasure.Kind",
        "FacilityStatusEnum": "incidents.models.Facility.Status",
        "ImportJobStatusEnum": "incidents.models.ImportJob.Status",
    },
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
# Without a broker (a laptop with no Redis), tasks run in the web process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Imports: the queue their tasks go to, and how long (seconds) a running import
# may go without committing a batch before another worker may take it over.
IMPORT_QUEUE = env_str("IMPORT_QUEUE", "celery")
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 120, minimum=1)
# Alerts: the queue their tasks go to; webhook timeout (seconds); how often a
# delivery is tried in all; the retry backoff base (the wait before try n+1 is
# 2**n times the base); how old (hours) an open outage's latest figure may get
# before it is flagged as stale; the address that links in messages start with.
ALERTS_QUEUE = env_str("ALERTS_QUEUE", "celery")
ALERTS_WEBHOOK_TIMEOUT = env_int("ALERTS_WEBHOOK_TIMEOUT", 10, minimum=1)
ALERTS_MAX_ATTEMPTS = env_int("ALERTS_MAX_ATTEMPTS", 6, minimum=1)
ALERTS_RETRY_BASE_MS = env_int("ALERTS_RETRY_BASE_MS", 30_000, minimum=1)
ALERTS_STALE_OUTAGE_HOURS = env_int("ALERTS_STALE_OUTAGE_HOURS", 24, minimum=1)
# The whole of one webhook attempt (lookup, connecting, the answer) in seconds,
# however slowly a receiver answers; the timeout above bounds each operation.
ALERTS_WEBHOOK_DEADLINE = env_int("ALERTS_WEBHOOK_DEADLINE", 15, minimum=1)
# Webhooks to loopback, private, link-local, shared (CGNAT) and cloud metadata
# addresses are refused, so an endpoint cannot reach into the tracker's own
# network; true allows them, for receivers on the same private network.
ALERTS_ALLOW_PRIVATE_WEBHOOKS = env_bool("ALERTS_ALLOW_PRIVATE_WEBHOOKS", False)
# Alert e-mails go to registered users' addresses and to addresses in these
# domains only (comma-separated, e.g. "example.org,ministry.example"): alerts
# carry unpublished data and must not be sent to an address anyone could type.
ALERTS_EMAIL_DOMAINS = [domain.lower().lstrip("@") for domain in env_list("ALERTS_EMAIL_DOMAINS")]
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Every periodic task, in one place (crontab times are UTC: CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes: deliveries whose retry message was lost or whose worker died.
    "alerts-requeue-deliveries": {
        "task": "alerts.tasks.requeue_deliveries",
        "schedule": crontab(minute="*/5"),
        "options": {"queue": ALERTS_QUEUE},
    },
    # Daily at 04:00 UTC (06:00/07:00 in Kyiv): open outages whose figure is stale.
    "alerts-flag-stale-outages": {
        "task": "alerts.tasks.flag_stale_outages",
        "schedule": crontab(minute=0, hour=4),
        "options": {"queue": ALERTS_QUEUE},
    },
    # Daily at 04:10 UTC: damages whose expected restoration date has passed.
    "alerts-flag-overdue-restorations": {
        "task": "alerts.tasks.flag_overdue_restorations",
        "schedule": crontab(minute=10, hour=4),
        "options": {"queue": ALERTS_QUEUE},
    },
    # Daily at 05:00 UTC (07:00/08:00 in Kyiv): the digest e-mail of the last day.
    "alerts-send-digests": {
        "task": "alerts.tasks.send_digests",
        "schedule": crontab(minute=0, hour=5),
        "options": {"queue": ALERTS_QUEUE},
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tracker@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
