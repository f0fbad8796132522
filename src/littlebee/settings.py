"""Settings read from the environment.

Two modes:
- embedded (default): SQLite under var/, media under var/media/, background jobs in process,
  a secret key generated once into var/. Needs nothing but Python.
- production (LITTLEBEE_MODE=production): everything required comes from the environment and a
  missing or malformed value stops start-up with one sentence.
"""

from __future__ import annotations

import secrets
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()


def _config_error(sentence: str) -> NoReturn:
    # SystemExit rather than ImproperlyConfigured: operators must see one sentence, not a
    # traceback, whether start-up happens in manage.py, gunicorn or celery.
    print(f"Little Bee cannot start: {sentence}", file=sys.stderr)
    raise SystemExit(2)


MODE = env.str("LITTLEBEE_MODE", default="embedded")
if MODE not in {"embedded", "production"}:
    _config_error(f"LITTLEBEE_MODE must be 'embedded' or 'production', not {MODE!r}.")
PRODUCTION = MODE == "production"

VAR_DIR = Path(env.str("LITTLEBEE_VAR_DIR", default=str(PROJECT_DIR / "var")))


def _env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    _config_error(f"{name} must be true or false, not {raw!r}.")


def _secret_key() -> str:
    if PRODUCTION:
        key = env.str("SECRET_KEY", default="")
        if len(key) < 32:
            _config_error("SECRET_KEY must be set to a random string of at least 32 characters.")
        return key
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _env_bool("DEBUG", default=False)
SECRET_KEY = _secret_key()

if PRODUCTION:
    if not env.str("ALLOWED_HOSTS", default=""):
        _config_error("ALLOWED_HOSTS must list the host names this site is served under.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


# --- Database -------------------------------------------------------------------------------
def _database() -> dict[str, Any]:
    url = env.str("DATABASE_URL", default="")
    if PRODUCTION and not url:
        _config_error(
            "DATABASE_URL must point at the PostgreSQL database, e.g. postgres://user:pass@host:5432/littlebee."
        )
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "littlebee.sqlite3"),
            # WAL and a busy timeout let gunicorn's workers and the demo loader share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
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
    config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, background jobs ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not REDIS_URL:
    _config_error("REDIS_URL must point at Redis, e.g. redis://host:6379/0, for jobs and caching.")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    _config_error("REDIS_URL must start with redis://, rediss:// or unix://.")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 3600
# Without Redis (the embedded default) jobs run in process, right after the request commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or _env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Without Redis there is no beat: web processes run due jobs themselves (core/periodic.py).
PERIODIC_JOBS_IN_PROCESS = _env_bool("PERIODIC_JOBS_IN_PROCESS", default=not REDIS_URL)
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
    "littlebee.demo",
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
    "littlebee.core.periodic.InProcessPeriodicJobs",
]

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
                "littlebee.core.context_processors.navigation",
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

SMS_BACKEND = env.str("SMS_BACKEND", default="littlebee.notifications.sms.ConsoleSmsBackend")
SMS_CODE_TTL_SECONDS = env.int("SMS_CODE_TTL_SECONDS", default=300)
SMS_CODE_RESEND_SECONDS = env.int("SMS_CODE_RESEND_SECONDS", default=60)
SMS_CODES_PER_PHONE_PER_DAY = env.int("SMS_CODES_PER_PHONE_PER_DAY", default=10)
SMS_CODES_PER_IP_PER_HOUR = env.int("SMS_CODES_PER_IP_PER_HOUR", default=30)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Front-end libraries come from the npm registry (package.json); only their dist folders are served.
NODE_MODULES_DIR = PROJECT_DIR / "node_modules"
STATICFILES_DIRS: list[Any] = [
    BASE_DIR / "static",
    ("vendor/leaflet", NODE_MODULES_DIR / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES_DIR / "leaflet.markercluster" / "dist"),
]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

_s3_bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if _s3_bucket:
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
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
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# --- Logging --------------------------------------------------------------------------------
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "littlebee.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Product names shown in the chrome; a city deploying Little Bee renames it here.
PLATFORM_NAME = env.str("PLATFORM_NAME", default="")
PLATFORM_NAME_DEFAULT = _("江城小蜜蜂")

# --- Stations (蜂巢) visits -------------------------------------------------------------------
# The station's QR carries a signed token of a time window this long; the current and the
# previous window are accepted, so a photographed poster stops working within two windows.
VISIT_TOKEN_WINDOW_SECONDS = env.int("VISIT_TOKEN_WINDOW_SECONDS", default=10 * 60)
if VISIT_TOKEN_WINDOW_SECONDS < 60:
    _config_error("VISIT_TOKEN_WINDOW_SECONDS must be at least 60.")
# One counted visit per worker per station within this many hours.
VISIT_COOLDOWN_HOURS = env.int("VISIT_COOLDOWN_HOURS", default=4)
if VISIT_COOLDOWN_HOURS < 0:
    _config_error("VISIT_COOLDOWN_HOURS must not be negative.")

# --- Stations (蜂巢) map ----------------------------------------------------------------------
# Any XYZ tile server. OpenStreetMap's by default; a Chinese provider (AutoNavi, Tencent) draws
# its tiles in GCJ-02, so set HIVES_MAP_COORDINATES=gcj02 with it and the map shifts every
# station and the worker's own position to match. Data stays WGS-84 everywhere else.
HIVES_MAP_TILE_URL = env.str("HIVES_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
HIVES_MAP_TILE_ATTRIBUTION = env.str(
    "HIVES_MAP_TILE_ATTRIBUTION", default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
HIVES_MAP_TILE_SUBDOMAINS = env.str("HIVES_MAP_TILE_SUBDOMAINS", default="abc")
HIVES_MAP_COORDINATES = env.str("HIVES_MAP_COORDINATES", default="wgs84")
if HIVES_MAP_COORDINATES not in ("wgs84", "gcj02"):
    _config_error("HIVES_MAP_COORDINATES must be wgs84 or gcj02.")
# Where the map opens before the worker shares a position: the city's centre (WGS-84).
HIVES_MAP_CENTER = tuple(env.list("HIVES_MAP_CENTER", cast=float, default=[30.5928, 114.3055]))
if len(HIVES_MAP_CENTER) != 2:
    _config_error("HIVES_MAP_CENTER must be two numbers: latitude,longitude.")
# A resolved case whose reporter gives no feedback within this many days is closed by the system.
CASES_AUTO_CLOSE_DAYS = env.int("CASES_AUTO_CLOSE_DAYS", default=7)

# 随手拍: open reports of the same category this close are offered for "me too" (metres).
REPORTS_DUPLICATE_RADIUS_M = env.int("REPORTS_DUPLICATE_RADIUS_M", default=250)
# Fraud flags for the handler (they never change points): a photo whose perceptual hash differs
# from another report's by at most this many bits (-1: off), looked for among photos of the last
# REPORTS_PHASH_SCAN_DAYS days, at most REPORTS_PHASH_SCAN_LIMIT of them.
REPORTS_PHASH_MAX_DISTANCE = env.int("REPORTS_PHASH_MAX_DISTANCE", default=6)
REPORTS_PHASH_SCAN_DAYS = env.int("REPORTS_PHASH_SCAN_DAYS", default=90)
REPORTS_PHASH_SCAN_LIMIT = env.int("REPORTS_PHASH_SCAN_LIMIT", default=5000)
# A photo taken this long before the report, or this far from the reported point, is flagged.
REPORTS_PHOTO_MAX_AGE_HOURS = env.int("REPORTS_PHOTO_MAX_AGE_HOURS", default=72)
REPORTS_PHOTO_MAX_DISTANCE_M = env.int("REPORTS_PHOTO_MAX_DISTANCE_M", default=1000)
# More than REPORTS_BURST_COUNT reports by one worker within REPORTS_BURST_MINUTES is flagged.
REPORTS_BURST_COUNT = env.int("REPORTS_BURST_COUNT", default=5)
REPORTS_BURST_MINUTES = env.int("REPORTS_BURST_MINUTES", default=60)

# The "navigate" link of a station page. {lat}, {lng} (WGS-84) and {name} are filled in, URL-quoted.
# AutoNavi's URI API accepts WGS-84, opens its app when installed and its web page otherwise.
HIVES_NAVIGATION_URL = env.str(
    "HIVES_NAVIGATION_URL",
    default="https://uri.amap.com/navigation?to={lng},{lat},{name}&mode=ride&coordinate=wgs84&callnative=1",
)

# --- Points -------------------------------------------------------------------------------
# Earned points expire after this many months, oldest spent first (0: never, the default).
POINTS_EXPIRY_MONTHS = env.int("POINTS_EXPIRY_MONTHS", default=0)
if POINTS_EXPIRY_MONTHS < 0:
    _config_error("POINTS_EXPIRY_MONTHS must not be negative.")
