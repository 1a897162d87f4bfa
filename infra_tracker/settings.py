"""Settings for the infrastructure attack tracker.

Every value that differs between machines comes from the environment (or a
`.env` file beside manage.py); `.env.example` lists them all. Nothing secret
has a production default: without DEBUG=true, SECRET_KEY must be set.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from infra_tracker import formats
from infra_tracker.env import env_bool, env_int, env_list, env_str, load_dotenv
from infra_tracker.security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)
# A development machine without SECRET_KEY gets a random key per process,
# never a fixed one that could leak into production.
SECRET_KEY = env_str("SECRET_KEY", secrets.token_urlsafe(50) if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PUBLIC_READ = env_bool("PUBLIC_READ", False)
# The public view (anonymous visitors with PUBLIC_READ, and ?view=public): published
# records only, attacks once this many hours have passed since they started, and
# coordinates rounded to this many decimals (2 is about 1 km).
PUBLIC_DELAY_HOURS = env_int("PUBLIC_DELAY_HOURS", 12, minimum=0)
PUBLIC_COORDINATE_DECIMALS = env_int("PUBLIC_COORDINATE_DECIMALS", 2, minimum=0)
if PUBLIC_COORDINATE_DECIMALS > 5:
    raise ImproperlyConfigured(
        f"PUBLIC_COORDINATE_DECIMALS={PUBLIC_COORDINATE_DECIMALS} would publish exact "
        "locations: use 0 to 5 (2 is about 1 km)."
    )
# Whoever last changed a record may not publish it, unless this is true (one-person teams).
REVIEW_SELF_PUBLISH = env_bool("REVIEW_SELF_PUBLISH", False)
# Without SITE_NAME, the name in the interface's language.
SITE_NAME = env_str("SITE_NAME", "") or gettext_lazy("Infrastructure attack tracker")

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
    # Django's own widget templates, for the project-wide FORM_RENDERER below.
    "django.forms",
    "leaflet",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "incidents",
    "alerts",
    "preferences",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Whether this request's reads may go to the read replica (DATABASE_REPLICA_URL).
    "incidents.database.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language: the language cookie (the header's switch sets it, and a login
    # sets it from the user's saved choice), else Accept-Language, else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language cookie a login sets from the user's saved choice.
    "preferences.language.LanguageCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Records request.user as the author of every change in the history tables.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Anonymous visitors and ?view=public read the public view's tables only.
    "incidents.public.middleware.PublicViewMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "incidents.context_processors.site",
            ],
        },
    },
]

# Widgets render through the project's templates, so templates/leaflet/ replaces
# django-leaflet's map widget (which carries inline script) in the admin too.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
    raise ImproperlyConfigured(
        "DATABASE_URL must use the postgis:// scheme (PostgreSQL + PostGIS)."
    )
# A read replica of that database (PostgreSQL streaming replication), optional: web
# requests that only read send their queries there; writes, reads after a write, the
# admin and everything outside web requests stay on the primary (incidents.database).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"]}
    # Tests read the replica from the primary's test database: same rows, no copy.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the postgis:// scheme too.")
DATABASE_ROUTERS = ["incidents.database.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# API throttle counters live in the cache: with several web processes they must share
# one (Redis); a single development process is fine with local memory. Sessions live
# in the database and login lockouts too (django-axes' database handler): no web
# process keeps anything another one needs (README, "Scaling out").
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Map layers and statistics are cached until a write changes the data (incidents.api.caching);
# entries no request can reach any more are dropped after this many seconds. 0: no caching.
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 86400, minimum=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface is complete in both; locale/ holds the Ukrainian catalogues (README, "Languages").
LANGUAGES = [("en", "English"), ("uk", "Українська")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own number and date formats per language (formats/uk: 1 100 with a no-break space).
FORMAT_MODULE_PATH = ["infra_tracker.formats"]
# Times are stored in UTC and shown in Kyiv time.
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# The date formats forms accept, per language: ISO and day first (12.11.2026) in every
# language. Django always localises formats, so the settings' DATE_INPUT_FORMATS would
# be ignored for any language Django ships formats for; format modules are the way.
FORMAT_MODULE_PATH = ["infra_tracker.formats"]

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
            else "infra_tracker.staticfiles.ModuleAwareStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

# Debian 12 ships GDAL 3.6, which Django 5.2 reports as unsupported (gis.W001)
# although every GDAL call this project makes (GeoJSON parsing) works with it.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Transport and headers --------------------------------------------------------
# Without DEBUG the site is HTTPS only: cookies, a redirect from plain HTTP, and HSTS
# (browsers then refuse plain HTTP for the site for SECURE_HSTS_SECONDS). A trial over
# plain HTTP sets SECURE_COOKIES=false, which turns the redirect off too.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading puts the domain into the browsers' built-in HTTPS-only lists, which
        # takes months to undo and binds every subdomain: the domain's owner opts in with
        # SECURE_HSTS_PRELOAD=true, so its absence is not a warning (security.W021).
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a reverse proxy that terminates HTTPS, the proxy says in X-Forwarded-Proto
# whether the client used HTTPS. Only a proxy that sets (not passes on) that header may
# be trusted with it: otherwise any client could claim HTTPS and dodge the redirect.
TRUSTED_PROXY = env_bool("TRUSTED_PROXY", False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Other sites (the tile server, a source's web page) learn nothing of the page that
# linked to them: its address holds the filters an analyst was looking at.
SECURE_REFERRER_POLICY = "same-origin"
# No page of the app is meant to be framed by another site (clickjacking).
X_FRAME_OPTIONS = "DENY"

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

MAP_TILES_URL = env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (48.6, 31.2),
    "DEFAULT_ZOOM": 6,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    "TILES": [
        (
            "Map",
            MAP_TILES_URL,
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

# --- Bounded reads ----------------------------------------------------------------
# A map layer answers at most this many features and an export at most this many rows;
# past that the request is refused with a 400 asking to narrow the bbox or the filters.
MAP_MAX_FEATURES = env_int("MAP_MAX_FEATURES", 50_000, minimum=1)
# A map layer asked for at a zoom (?zoom=) answers with clusters on the tile grid when its
# box and filters hold more features than this; at or below it, with the features.
MAP_CLUSTER_ABOVE = env_int("MAP_CLUSTER_ABOVE", 5_000, minimum=0)
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 1_000_000, minimum=1)
# Milliseconds any one statement of a web request may run (0: no limit); the API answers
# a statement cut short with a 503 asking to narrow the filters. Only web requests pass
# through this middleware: Celery workers, management commands and migrations keep the
# database's own default. It only has to run before the view, so it goes last.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 15_000, minimum=0)
MIDDLEWARE += ["infra_tracker.middleware.StatementTimeoutMiddleware"]

# --- Client addresses behind proxies ---------------------------------------------
# How many proxies in front of the app append to X-Forwarded-For. The client's address
# is the one the outermost trusted proxy saw; with 0 it is the connection's own address,
# so a client cannot pick its address (and escape the throttle or the login lockout)
# by sending a forged X-Forwarded-For.
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)

# Scripts only from the site's own files; images also from the tile server.
CONTENT_SECURITY_POLICY = content_security_policy(tiles_url=MAP_TILES_URL)

REST_FRAMEWORK = {
    # Token first, so an unauthenticated request gets a 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication; a client that sends neither a language cookie nor
        # Accept-Language gets its user's saved language.
        "preferences.language.LanguageFromUserTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["incidents.api.permissions.ReadOrModelPermissions"],
    "DEFAULT_SCHEMA_CLASS": "incidents.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "incidents.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    # Records written through the API take ISO 8601 and, as the admin does, day-first
    # dates (12.11.2026 14:30, read as Kyiv time); an error lists the formats.
    "DATE_INPUT_FORMATS": ["iso-8601", *formats.DAY_FIRST_DATES],
    "DATETIME_INPUT_FORMATS": ["iso-8601", *formats.DAY_FIRST_DATETIMES],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Infrastructure attack tracker API",
    "VERSION": "1.0.0",
    # The schema and its docs pages (every drf-spectacular view) follow the API's read
    # rule: without PUBLIC_READ, the map of every endpoint is for logged-in users only.
    "SERVE_PERMISSIONS": ["incidents.api.permissions.ReadAccess"],
    # The schema describes the API, not the page that serves the schema.
    "SERVE_INCLUDE_SCHEMA": False,
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
# Imports: the queue their tasks go to; how long (seconds) a running import may
# go without committing a batch before another worker may take it over; the
# largest file (bytes) the admin, the API and the command accept; how many times
# a job is started before it is given up (a file that kills its worker must not
# kill worker after worker).
IMPORT_QUEUE = env_str("IMPORT_QUEUE", "celery")
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 120, minimum=1)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024, minimum=1)
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 3, minimum=1)
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

# --- Login protection -----------------------------------------------------------
# django-axes refuses logins for an account, and separately for a client address,
# once LOGIN_FAILURE_LIMIT logins failed within LOGIN_LOCKOUT_MINUTES; the lock
# lasts that long after the last failure (an administrator can lift it sooner),
# and a successful login clears the count. incidents/logins.py has the page a
# locked-out person sees and the log of failed logins.
# The client's address is read with NUM_PROXIES, as the API throttles read it.
INSTALLED_APPS += ["axes"]
# Axes must run first to refuse a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Last, so it turns a refused login into the lockout page whatever the view returned.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock are refused without extending it, so it ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "incidents.logins.client_address"
AXES_LOCKOUT_CALLABLE = "incidents.logins.lockout_response"
# No start-up banner on every management command; failures are logged as warnings.
AXES_VERBOSE = False
