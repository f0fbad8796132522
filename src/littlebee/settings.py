"""Settings read from the environment.

Two modes:
- embedded (default): SQLite under var/, media under var/media/, background jobs in process,
  a secret key generated once into var/. Needs nothing but Python.
- production (LITTLEBEE_MODE=production): everything required comes from the environment and a
  missing or malformed value stops start-up with one sentence.
"""

from __future__ import annotations

import os
import secrets
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from littlebee.core.config import ConfigReader

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def _config_error(sentence: str) -> NoReturn:
    # SystemExit rather than ImproperlyConfigured: operators must see one sentence, not a
    # traceback, whether start-up happens in manage.py, gunicorn or celery. Exit status 3 is
    # gunicorn's "worker failed to boot": its master stops instead of forking workers forever.
    print(f"Little Bee cannot start: {sentence}", file=sys.stderr)
    raise SystemExit(3)


# Every variable is read through `cfg`, which checks it (type, range, set of values, URL
# shape, importable path) and stops start-up with one sentence on a bad one (core/config.py).
cfg = ConfigReader(os.environ, on_error=_config_error)

# Production is LITTLEBEE_MODE=production, nothing else: the embedded default is for one machine.
MODE = cfg.choice("LITTLEBEE_MODE", "embedded", ["embedded", "production"])
PRODUCTION = MODE == "production"

VAR_DIR = Path(cfg.text("LITTLEBEE_VAR_DIR", str(PROJECT_DIR / "var")))


def _secret_key() -> str:
    if PRODUCTION:
        key = cfg.text("SECRET_KEY")
        if len(key) < 32:
            _config_error("SECRET_KEY must be set to a random string of at least 32 characters.")
        return key
    key = cfg.text("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = cfg.boolean("DEBUG", default=False)
if PRODUCTION and DEBUG:
    _config_error("DEBUG must be false in production (LITTLEBEE_MODE=production): it shows code and settings.")
SECRET_KEY = _secret_key()

if PRODUCTION:
    if not cfg.strings("ALLOWED_HOSTS", []):
        _config_error("ALLOWED_HOSTS must list the host names this site is served under.")
    ALLOWED_HOSTS = cfg.strings("ALLOWED_HOSTS", [])
else:
    ALLOWED_HOSTS = cfg.strings("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = cfg.origins("CSRF_TRUSTED_ORIGINS")


# --- Database -------------------------------------------------------------------------------
# WAL and a busy timeout let gunicorn's workers, their job threads and the demo loader share the
# file; IMMEDIATE takes the write lock at BEGIN, so a transaction that reads and then writes waits
# for another writer instead of failing at once with "database is locked" (SQLite cannot upgrade a
# deferred reader while someone writes). The same for a SQLite file named by DATABASE_URL (the
# tests' demo city is built so): without them its job threads' writes failed.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database() -> dict[str, Any]:
    url = cfg.text("DATABASE_URL")
    if PRODUCTION and not url:
        _config_error(
            "DATABASE_URL must point at the PostgreSQL database, e.g. postgres://user:pass@host:5432/littlebee."
        )
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "littlebee.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    try:
        # django-environ warns with the whole URL (password included) on an unknown scheme.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
    except Exception:
        _config_error("DATABASE_URL is not a valid database URL.")
    if not config.get("ENGINE"):
        _config_error("DATABASE_URL uses a database scheme Little Bee does not support.")
    if PRODUCTION and "sqlite" in config["ENGINE"]:
        _config_error("DATABASE_URL must be PostgreSQL in production; SQLite is for the embedded mode.")
    if "sqlite" in config["ENGINE"]:
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    config.setdefault("CONN_MAX_AGE", cfg.integer("CONN_MAX_AGE", 60, minimum=0))
    config["CONN_HEALTH_CHECKS"] = True
    if "postgresql" in config["ENGINE"] and cfg.boolean("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters bound on the server and statements prepared on their second use in a
        # connection: PostgreSQL then plans the hot paths' statements once per connection, not
        # once per request (planning /me's answer cost more than running it: 1.5 ms of the
        # server's CPU per request, 0.24 ms prepared). Turn off behind a pooler in transaction
        # mode that does not keep prepared statements (PgBouncer before 1.21).
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, background jobs ----------------------------------------------------------
REDIS_URL = cfg.url(
    "REDIS_URL",
    "",
    schemes=["redis", "rediss", "unix"],
    secret=True,
    required="Redis, e.g. redis://host:6379/0, for jobs and caching" if PRODUCTION else "",
)

# The cache holds what every process must see alike (a report the phone's queue already sent, a
# text waiting for its job): Redis when there is one; in the embedded default a table in the
# database (core migration 0002 creates it), shared by `make run`'s gunicorn workers and kept across
# restarts, which a per-process memory cache is not. No hot read path (/me, /points, lists) uses
# the cache, and the sign-in and submission limits count rows in the database, not cache entries.
CACHE_TABLE = "littlebee_cache"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 3600
# Without Redis (the embedded default) jobs run in process, right after the request commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or cfg.boolean("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Without Redis there is no beat: web processes run due jobs themselves (core/periodic.py).
PERIODIC_JOBS_IN_PROCESS = cfg.boolean("PERIODIC_JOBS_IN_PROCESS", default=not REDIS_URL)
# Without Redis, work that must not hold up the answer (a report photo's processing) runs after
# it on this many threads of the web process (core/background.py).
BACKGROUND_THREADS = cfg.integer("BACKGROUND_THREADS", 2, minimum=1, maximum=16)
# Periodic jobs (Celery beat in production). Each is idempotent, so a second run changes nothing.
CELERY_BEAT_SCHEDULE: dict[str, Any] = {
    "points-expire-due": {"task": "points.expire_due", "schedule": crontab(hour=2, minute=10)},
    "points-warn-expiring": {"task": "points.warn_expiring", "schedule": crontab(hour=10, minute=0)},
    # Unclaimed vouchers past their date: refund points and stock (rewards.services.vouchers_expire_due).
    "rewards-expire-vouchers": {"task": "rewards.expire_vouchers", "schedule": crontab(minute="*/10")},
    # Open cases past their stage deadline: mark overdue, escalate (cases.services.cases_escalate_overdue).
    "cases-escalate-overdue": {"task": "cases.escalate_overdue", "schedule": crontab(minute="*/15")},
    # Resolved cases the reporter never rated: closed by the system (cases.services.cases_close_unrated).
    "cases-close-unrated": {"task": "cases.close_unrated", "schedule": crontab(minute=25)},
    # Report photos whose processing was never queued or never finished are queued again, and
    # leftover originals deleted (reports.services.report_photos_sweep).
    "reports-sweep-photos": {"task": "reports.sweep_photos", "schedule": crontab(minute="*/5")},
    # Files of rolled-back uploads deleted (reports.services.report_orphan_files_delete,
    # appeals.services.appeal_orphan_files_delete).
    "reports-sweep-orphan-files": {"task": "reports.sweep_orphan_files", "schedule": crontab(minute=35)},
    "appeals-sweep-orphan-files": {"task": "appeals.sweep_orphan_files", "schedule": crontab(minute=40)},
    # Volunteer claims past their task's end: no-shows marked, forgotten check-outs closed and
    # flagged (volunteering.services.claims_close_ended).
    "volunteering-close-ended": {"task": "volunteering.close_ended", "schedule": crontab(minute="*/10")},
    # Statistics: rollup rows marked stale by a change computed again (analytics.rollups), and
    # the last weeks recomputed from the source rows each night, which corrects what no save
    # announced (analytics.rollups.rollups_rebuild).
    "analytics-refresh-rollups": {"task": "analytics.refresh_rollups", "schedule": crontab(minute="*")},
    "analytics-rebuild-recent": {"task": "analytics.rebuild_recent", "schedule": crontab(hour=3, minute=20)},
    # Exported files past their download week deleted (analytics.services.exports_expire).
    "analytics-expire-exports": {"task": "analytics.expire_exports", "schedule": crontab(hour=4, minute=5)},
    # Open311 webhook deliveries whose next attempt is due (open311.webhooks.webhooks_deliver_due).
    "open311-deliver-webhooks": {"task": "open311.deliver_due_webhooks", "schedule": crontab(minute="*")},
}

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "ninja",
    "littlebee.core",
    "littlebee.orgs",
    "littlebee.accounts",
    "littlebee.notifications",
    "littlebee.hives",
    "littlebee.points",
    "littlebee.rewards",
    "littlebee.cases",
    "littlebee.reports",
    "littlebee.appeals",
    "littlebee.learning",
    "littlebee.volunteering",
    "littlebee.analytics",
    "littlebee.open311",
    "littlebee.privacy",
    "littlebee.demo",
    "littlebee.web",
]

MIDDLEWARE = [
    # Django's SecurityMiddleware with its constant headers worked out once (core.headers).
    "littlebee.core.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's session, CSRF and messages middleware, minus their work on an API call without
    # cookies (core.browser_state: a phone's bearer request has no session, secret or message).
    "littlebee.core.browser_state.BrowserSessionMiddleware",
    # Django's LocaleMiddleware, minus reading a language off paths that never carry one (core.language).
    "littlebee.core.language.RequestLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "littlebee.core.browser_state.BrowserCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "littlebee.core.browser_state.BrowserMessageMiddleware",
    # Django's XFrameOptionsMiddleware, django-csp's CSPMiddleware (its policy built once) and the
    # Permissions-Policy header in one layer (core.headers).
    "littlebee.core.headers.PageHeadersMiddleware",
    "littlebee.core.error_pages.DomainErrorPagesMiddleware",
    "littlebee.core.periodic.InProcessPeriodicJobs",
]

# Django's fallback storage (cookie, then session), built only when a request reads or adds a
# message rather than for every request (core.message_storage).
MESSAGE_STORAGE = "littlebee.core.message_storage.LazyFallbackStorage"

ROOT_URLCONF = "littlebee.urls"
WSGI_APPLICATION = "littlebee.wsgi.application"

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
                "littlebee.web.context_processors.navigation",
            ],
        },
    },
]

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["littlebee.accounts.backends.PhonePasswordBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["phone", "name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "littlebee.accounts.passwords.LettersAndDigitsValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

SMS_BACKEND = cfg.dotted_path("SMS_BACKEND", "littlebee.notifications.sms.ConsoleSmsBackend")
if PRODUCTION and SMS_BACKEND.startswith("littlebee.notifications.sms."):
    # The console backend prints login codes to stdout, which production collects like a log;
    # the in-memory one is for tests. Neither reaches a phone.
    _config_error(
        f"SMS_BACKEND must name a real SMS provider's backend in production, not {SMS_BACKEND.rpartition('.')[2]}."
    )
SMS_CODE_TTL_SECONDS = cfg.integer("SMS_CODE_TTL_SECONDS", 300, minimum=60, maximum=86_400)
SMS_CODE_RESEND_SECONDS = cfg.integer("SMS_CODE_RESEND_SECONDS", 60, minimum=0, maximum=3_600)
SMS_CODES_PER_PHONE_PER_DAY = cfg.integer("SMS_CODES_PER_PHONE_PER_DAY", 10, minimum=1)
SMS_CODES_PER_IP_PER_HOUR = cfg.integer("SMS_CODES_PER_IP_PER_HOUR", 30, minimum=1)
SMS_CODE_MAX_ATTEMPTS = cfg.integer("SMS_CODE_MAX_ATTEMPTS", 5, minimum=1)
LOGIN_MAX_FAILURES = cfg.integer("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = cfg.integer("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# Past LOGIN_MAX_FAILURES wrong passwords for a phone (LOGIN_MAX_FAILURES_PER_IP / 2 failures
# from one address) each further try waits LOGIN_DELAY_SECONDS, doubling each time, at most
# LOGIN_LOCKOUT_SECONDS. Only password failures slow a phone down: code login stays open.
LOGIN_DELAY_SECONDS = cfg.integer("LOGIN_DELAY_SECONDS", 30, minimum=1)
# The hard limit: this many failures from one address within LOGIN_LOCKOUT_SECONDS stop it.
LOGIN_MAX_FAILURES_PER_IP = cfg.integer("LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
# Sign-up attempts (right code or wrong) per phone and per client address in an hour.
SIGNUP_ATTEMPTS_PER_PHONE_PER_HOUR = cfg.integer("SIGNUP_ATTEMPTS_PER_PHONE_PER_HOUR", 10, minimum=1)
SIGNUP_ATTEMPTS_PER_IP_PER_HOUR = cfg.integer("SIGNUP_ATTEMPTS_PER_IP_PER_HOUR", 20, minimum=1)
# Bearer tokens die after this many days without use (sliding).
API_TOKEN_TTL_DAYS = cfg.integer("API_TOKEN_TTL_DAYS", 30, minimum=1, maximum=3_650)
# How many reverse proxies we run in front of the app, each appending to X-Forwarded-For.
# 0 (the default, gunicorn serving clients directly as `make run` does): the client is
# REMOTE_ADDR and X-Forwarded-For is ignored. Behind one nginx: 1.
TRUSTED_PROXY_COUNT = cfg.integer("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(cfg.text("STATIC_ROOT", str(VAR_DIR / "static")))
# Front-end libraries come from the npm registry (package.json); only their dist folders are served.
NODE_MODULES_DIR = PROJECT_DIR / "node_modules"
STATICFILES_DIRS: list[Any] = [
    BASE_DIR / "static",
    ("vendor/leaflet", NODE_MODULES_DIR / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES_DIR / "leaflet.markercluster" / "dist"),
    # The QR decoder for browsers without BarcodeDetector (static/js/qr-scan.js).
    ("vendor/jsqr", NODE_MODULES_DIR / "jsqr" / "dist"),
    # Reads a report photo's GPS position in the browser (static/js/report-form.js).
    ("vendor/exifr", NODE_MODULES_DIR / "exifr" / "dist"),
    # The statistics dashboard's charts (static/js/stats.js).
    ("vendor/echarts", NODE_MODULES_DIR / "echarts" / "dist"),
]
MEDIA_URL = cfg.text("MEDIA_URL", "/media/")
if not MEDIA_URL.endswith("/") or not (MEDIA_URL.startswith("/") or urlsplit(MEDIA_URL).scheme in ("http", "https")):
    cfg.fail("MEDIA_URL", MEDIA_URL, "a path or http(s) URL ending in a slash, e.g. /media/")
MEDIA_ROOT = Path(cfg.text("MEDIA_ROOT", str(VAR_DIR / "media")))

_s3_bucket = cfg.text("AWS_STORAGE_BUCKET_NAME")
if _s3_bucket:
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": cfg.url("AWS_S3_ENDPOINT_URL", "", schemes=["https", "http"]) or None,
            "region_name": cfg.text("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Pixels one request may have decoded across all its images (a report's or an appeal's photos),
# checked from each image's header before it is decoded: 120 Mpx is nine 12-Mpx phone photos.
UPLOAD_MAX_PIXELS_PER_REQUEST = cfg.integer("UPLOAD_MAX_PIXELS_PER_REQUEST", 120_000_000, minimum=1)
# A file in an upload folder with no row pointing at it (its transaction rolled back) is deleted
# once it is this old, so an upload still inside its transaction is never taken.
UPLOAD_ORPHAN_GRACE_MINUTES = cfg.integer("UPLOAD_ORPHAN_GRACE_MINUTES", 60, minimum=5)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Read in every mode, so a bad value is caught before it reaches production; used there only.
_ssl_redirect = cfg.boolean("SECURE_SSL_REDIRECT", default=True)
_hsts_seconds = cfg.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
if PRODUCTION:
    SECURE_SSL_REDIRECT = _ssl_redirect
    SECURE_HSTS_SECONDS = _hsts_seconds

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = cfg.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], upper=True)
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "littlebee.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    # The filter sits on every handler, so records of any logger (Django's, Celery's, a
    # library's) are redacted on their way out, and on the root for records logged there.
    "root": {"handlers": ["console"], "filters": ["redact"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Celery keeps the handlers above instead of installing its own (see celery.py).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Product names shown in the chrome; a city deploying Little Bee renames it here.
PLATFORM_NAME = cfg.text("PLATFORM_NAME")
PLATFORM_NAME_DEFAULT = _("江城小蜜蜂")

# --- Stations (蜂巢) visits -------------------------------------------------------------------
# The station's QR carries a signed token of a time window this long; the current and the
# previous window are accepted, so a photographed poster stops working within two windows.
VISIT_TOKEN_WINDOW_SECONDS = cfg.integer("VISIT_TOKEN_WINDOW_SECONDS", 10 * 60, minimum=60, maximum=86_400)
# One counted visit per worker per station within this many hours.
VISIT_COOLDOWN_HOURS = cfg.integer("VISIT_COOLDOWN_HOURS", 4, minimum=0, maximum=8_760)

# --- Volunteering (用心做) ---------------------------------------------------------------------
# Check-in opens this long before a task starts; cancelling after the cut-off counts as a no-show.
VOLUNTEERING_CHECKIN_OPENS_MINUTES = cfg.integer("VOLUNTEERING_CHECKIN_OPENS_MINUTES", 15, minimum=0, maximum=1_440)
VOLUNTEERING_CANCEL_CUTOFF_MINUTES = cfg.integer("VOLUNTEERING_CANCEL_CUTOFF_MINUTES", 60, minimum=0, maximum=10_080)
# This many no-shows within the window pause claiming for PAUSE_DAYS after the latest.
VOLUNTEERING_NO_SHOW_LIMIT = cfg.integer("VOLUNTEERING_NO_SHOW_LIMIT", 3, minimum=1, maximum=100)
VOLUNTEERING_NO_SHOW_WINDOW_DAYS = cfg.integer("VOLUNTEERING_NO_SHOW_WINDOW_DAYS", 30, minimum=1, maximum=365)
VOLUNTEERING_NO_SHOW_PAUSE_DAYS = cfg.integer("VOLUNTEERING_NO_SHOW_PAUSE_DAYS", 14, minimum=1, maximum=365)
# Presence under this share of the task window is not credited unless the organiser says so.
VOLUNTEERING_MIN_PRESENCE_PERCENT = cfg.integer("VOLUNTEERING_MIN_PRESENCE_PERCENT", 60, minimum=0, maximum=100)
# The organiser's check-in QR signs a window this long; the current and previous one are accepted.
VOLUNTEERING_TOKEN_WINDOW_SECONDS = cfg.integer("VOLUNTEERING_TOKEN_WINDOW_SECONDS", 120, minimum=30, maximum=86_400)
# A TrueType font with Chinese glyphs embedded in certificate PDFs (Debian: fonts-wqy-microhei);
# without it the PDF names ReportLab's built-in STSong-Light, which readers supply.
VOLUNTEERING_CERTIFICATE_FONT = cfg.text(
    "VOLUNTEERING_CERTIFICATE_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
)

# --- Stations (蜂巢) map ----------------------------------------------------------------------
# Any XYZ tile server. OpenStreetMap's by default; a Chinese provider (AutoNavi, Tencent) draws
# its tiles in GCJ-02, so set HIVES_MAP_COORDINATES=gcj02 with it and the map shifts every
# station and the worker's own position to match. Data stays WGS-84 everywhere else.
HIVES_MAP_TILE_URL = cfg.url(
    "HIVES_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", schemes=["https", "http"]
)
if not all(part in HIVES_MAP_TILE_URL for part in ("{z}", "{x}", "{y}")):
    cfg.fail("HIVES_MAP_TILE_URL", HIVES_MAP_TILE_URL, "a tile URL with {z}, {x} and {y} in it")
HIVES_MAP_TILE_ATTRIBUTION = cfg.text(
    "HIVES_MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
HIVES_MAP_TILE_SUBDOMAINS = cfg.text("HIVES_MAP_TILE_SUBDOMAINS", "abc")
HIVES_MAP_COORDINATES = cfg.choice("HIVES_MAP_COORDINATES", "wgs84", ["wgs84", "gcj02"])
# Where the map opens before the worker shares a position: the city's centre (WGS-84).
HIVES_MAP_CENTER = cfg.coordinates("HIVES_MAP_CENTER", (30.5928, 114.3055))


# --- Content-Security-Policy and Permissions-Policy ------------------------------------------
def _csp_source(url: str) -> str:
    """The CSP source of a URL's origin; a templated host ({s}.tile…, webrd0{s}.…) becomes
    a wildcard for the labels that vary."""
    parts = urlsplit(url)
    host = parts.netloc
    if "{" in host:
        labels = host.split(".")
        last_templated = max(i for i, label in enumerate(labels) if "{" in label)
        host = ".".join(["*", *labels[last_templated + 1 :]])
    return f"{parts.scheme}://{host}"


# Where pictures come from besides this site: map tiles, and media when it lives elsewhere
# (an absolute MEDIA_URL, an S3 bucket's presigned URLs), plus any origins an operator adds.
_IMAGE_ORIGINS = [_csp_source(HIVES_MAP_TILE_URL)]
if urlsplit(MEDIA_URL).scheme:
    _IMAGE_ORIGINS.append(_csp_source(MEDIA_URL))
if _s3_bucket:
    _endpoint = STORAGES["default"]["OPTIONS"]["endpoint_url"]
    if _endpoint:  # path-style and virtual-hosted-style presigned URLs
        _IMAGE_ORIGINS += [_csp_source(_endpoint), _csp_source(_endpoint).replace("://", "://*.", 1)]
    else:
        _IMAGE_ORIGINS.append("https://*.amazonaws.com")
for _origin in cfg.strings("CSP_EXTRA_IMG_SRC", []):
    if urlsplit(_origin).scheme not in ("http", "https") or not urlsplit(_origin).netloc:
        cfg.fail("CSP_EXTRA_IMG_SRC", _origin, "a comma-separated list of origins such as https://img.example.org")
    _IMAGE_ORIGINS.append(_origin)

# No inline script anywhere (no <script> without src, no on…= attributes, no javascript: URLs),
# so script-src is this site alone. Style: stylesheets from this site only, but style=""
# attributes are allowed (style-src-attr): a few bars draw a width computed on the server, and
# an attribute can hold declarations only, no selectors, so it cannot read the page.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *dict.fromkeys(_IMAGE_ORIGINS)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The report form takes a photo (camera) and the position; the station finder the position.
# Nothing else of the browser's is needed by our pages.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": ["self"],
    "geolocation": ["self"],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "midi": [],
    "display-capture": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "fullscreen": ["self"],
}
# A resolved case whose reporter gives no feedback within this many days is closed by the system.
CASES_AUTO_CLOSE_DAYS = cfg.integer("CASES_AUTO_CLOSE_DAYS", 7, minimum=1)
# A new report's office is told after the answer (Celery, or a job thread without Redis); true
# tells it right after the request's commit instead, inside the request (the tests).
CASES_NOTIFY_INLINE = cfg.boolean("CASES_NOTIFY_INLINE", default=False)

# 随手拍: open reports of the same category this close are offered for "me too" (metres).
REPORTS_DUPLICATE_RADIUS_M = cfg.integer("REPORTS_DUPLICATE_RADIUS_M", 250, minimum=1, maximum=50_000)
# Fraud flags for the handler (they never change points): a photo whose perceptual hash differs
# from another report's by at most this many bits (-1: off), looked for among photos of the last
# REPORTS_PHASH_SCAN_DAYS days, at most REPORTS_PHASH_SCAN_LIMIT of them.
REPORTS_PHASH_MAX_DISTANCE = cfg.integer("REPORTS_PHASH_MAX_DISTANCE", 6, minimum=-1, maximum=64)
REPORTS_PHASH_SCAN_DAYS = cfg.integer("REPORTS_PHASH_SCAN_DAYS", 90, minimum=1)
REPORTS_PHASH_SCAN_LIMIT = cfg.integer("REPORTS_PHASH_SCAN_LIMIT", 5000, minimum=1)
# A photo taken this long before the report, or this far from the reported point, is flagged.
REPORTS_PHOTO_MAX_AGE_HOURS = cfg.integer("REPORTS_PHOTO_MAX_AGE_HOURS", 72, minimum=1)
REPORTS_PHOTO_MAX_DISTANCE_M = cfg.integer("REPORTS_PHOTO_MAX_DISTANCE_M", 1000, minimum=1)
# More than REPORTS_BURST_COUNT reports by one worker within REPORTS_BURST_MINUTES is flagged.
REPORTS_BURST_COUNT = cfg.integer("REPORTS_BURST_COUNT", 5, minimum=1)
REPORTS_BURST_MINUTES = cfg.integer("REPORTS_BURST_MINUTES", 60, minimum=1)
# At most REPORTS_RATE_LIMIT_COUNT reports per worker within REPORTS_RATE_LIMIT_MINUTES (429
# beyond); the same for appeals. Counted in the database, so it holds across processes.
REPORTS_RATE_LIMIT_COUNT = cfg.integer("REPORTS_RATE_LIMIT_COUNT", 10, minimum=1)
REPORTS_RATE_LIMIT_MINUTES = cfg.integer("REPORTS_RATE_LIMIT_MINUTES", 10, minimum=1)
# An Open311 partner files for many couriers under one API key: at most
# OPEN311_KEY_RATE_LIMIT_COUNT posts per key within OPEN311_KEY_RATE_LIMIT_MINUTES (429 beyond),
# besides the key's daily quota. A courier its phone names still has the worker's limit above.
OPEN311_KEY_RATE_LIMIT_COUNT = cfg.integer("OPEN311_KEY_RATE_LIMIT_COUNT", 120, minimum=1)
OPEN311_KEY_RATE_LIMIT_MINUTES = cfg.integer("OPEN311_KEY_RATE_LIMIT_MINUTES", 10, minimum=1)
APPEALS_RATE_LIMIT_COUNT = cfg.integer("APPEALS_RATE_LIMIT_COUNT", 10, minimum=1)
APPEALS_RATE_LIMIT_MINUTES = cfg.integer("APPEALS_RATE_LIMIT_MINUTES", 10, minimum=1)
# A report photo still processing this many minutes after it was queued is queued again, at
# most REPORTS_PHOTO_MAX_ATTEMPTS times in all; then it is marked failed.
REPORTS_PHOTO_REQUEUE_MINUTES = cfg.integer("REPORTS_PHOTO_REQUEUE_MINUTES", 5, minimum=1)
REPORTS_PHOTO_MAX_ATTEMPTS = cfg.integer("REPORTS_PHOTO_MAX_ATTEMPTS", 5, minimum=1)
# Without Redis a photo is processed after the answer on a job thread (BACKGROUND_THREADS); true
# processes it eagerly right after the request's commit instead, inside the request (the tests).
REPORTS_PHOTO_INLINE = cfg.boolean("REPORTS_PHOTO_INLINE", default=False)

# The "navigate" link of a station page. {lat}, {lng} (WGS-84) and {name} are filled in, URL-quoted.
# AutoNavi's URI API accepts WGS-84, opens its app when installed and its web page otherwise.
HIVES_NAVIGATION_URL = cfg.url(
    "HIVES_NAVIGATION_URL",
    schemes=["https", "http"],
    default="https://uri.amap.com/navigation?to={lng},{lat},{name}&mode=ride&coordinate=wgs84&callnative=1",
)

# --- Learning (认真学) -----------------------------------------------------------------------
# An article is credited after it was open and visible 3 s per 100 characters, within 10–60 s;
# audio and video after this share of their duration played.
LEARNING_READ_SECONDS_PER_100_CHARS = cfg.integer("LEARNING_READ_SECONDS_PER_100_CHARS", 3, minimum=0, maximum=600)
LEARNING_READ_MIN_SECONDS = cfg.integer("LEARNING_READ_MIN_SECONDS", 10, minimum=0, maximum=3_600)
LEARNING_READ_MAX_SECONDS = cfg.integer("LEARNING_READ_MAX_SECONDS", 60, minimum=1, maximum=3_600)
LEARNING_MEDIA_SHARE_PERCENT = cfg.integer("LEARNING_MEDIA_SHARE_PERCENT", 80, minimum=1, maximum=100)
# A heartbeat counts the time since the previous one up to this gap: a page left hidden earns nothing.
LEARNING_HEARTBEAT_MAX_GAP_SECONDS = cfg.integer("LEARNING_HEARTBEAT_MAX_GAP_SECONDS", 12, minimum=1, maximum=300)
# Uploaded audio and video: the largest file accepted (megabytes).
LEARNING_MEDIA_MAX_MB = cfg.integer("LEARNING_MEDIA_MAX_MB", 50, minimum=1, maximum=2_000)

# --- Points -------------------------------------------------------------------------------
# Earned points expire after this many months, oldest spent first (0: never, the default).
POINTS_EXPIRY_MONTHS = cfg.integer("POINTS_EXPIRY_MONTHS", 0, minimum=0, maximum=1_200)

# --- Statistics (analytics) -------------------------------------------------------------------
# A rate over fewer cases than this is shown as "样本不足" (not enough cases) and never ranked.
ANALYTICS_MIN_SAMPLE = cfg.integer("ANALYTICS_MIN_SAMPLE", 5, minimum=1, maximum=1_000)
# The rollups follow every change (analytics.tracking): after the commit a job (Celery, or without
# Redis this process's job threads) marks the days it touched and the minute's periodic job
# computes them again, so a worker's request pays nothing for them and a busy day is computed
# once a minute, not once per write; true marks and computes right after the commit instead
# (the statistics' tests).
ANALYTICS_TRACK = cfg.boolean("ANALYTICS_TRACK", default=True)
ANALYTICS_REFRESH_INLINE = cfg.boolean("ANALYTICS_REFRESH_INLINE", default=False)
# Exported files are kept for download this many days.
ANALYTICS_EXPORT_DAYS = cfg.integer("ANALYTICS_EXPORT_DAYS", 7, minimum=1, maximum=90)
# Without Redis an export is built on a job thread after the answer; true builds it right after the
# request's commit instead (the tests).
ANALYTICS_EXPORT_INLINE = cfg.boolean("ANALYTICS_EXPORT_INLINE", default=False)
