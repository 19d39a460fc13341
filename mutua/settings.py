"""Mutua's one settings file. Everything that differs between machines comes from the environment.

Safe defaults: an embedded SQLite database, console email, the database as task queue, DEBUG off.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("MUTUA_DEBUG")
# Under pytest: tasks run inline and the development encryption key is allowed.
TESTING = env_bool("MUTUA_TESTING", "pytest" in sys.modules)
# The development key is only usable with DEBUG on; production must set MUTUA_SECRET_KEY.
SECRET_KEY = os.environ.get("MUTUA_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        SECRET_KEY = "unsafe-" + os.urandom(24).hex()  # sessions won't survive a restart
    else:
        SECRET_KEY = "mutua-development-only-secret-key-not-for-production"

# Keys for encrypting exact addresses and private notes at rest. Comma-separated Fernet keys,
# newest first: new rows use the first, old rows stay readable with any of them (key rotation).
# Deliberately separate from SECRET_KEY so rotating one does not lose the other.
FIELD_ENCRYPTION_KEYS = env_list(
    "MUTUA_FIELD_ENCRYPTION_KEYS",
    # A fixed development key, refused when DEBUG is off (see mutua/lib/crypto.py).
    "ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZCEhISE=",
)
DEVELOPMENT_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZCEhISE="

ALLOWED_HOSTS = env_list("MUTUA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("MUTUA_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("MUTUA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's scripts locally instead of from a CDN
    "mutua.audit",
    "mutua.members",
    "mutua.exchange",
    "mutua.notifications",
    "mutua.deliveries",
    "mutua.decisions",
    "mutua.agreements",
    "mutua.schedules",
    "mutua.groups",
    "mutua.orientation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mutua.members.middleware.MemberLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mutua.urls"
WSGI_APPLICATION = "mutua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mutua" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mutua.members.context_processors.current_member",
            ],
        },
    },
]

# Database: embedded SQLite by default (WAL, IMMEDIATE transactions so writers queue instead of
# failing); PostgreSQL or any other through DATABASE_URL.
SQLITE_PATH = os.environ.get("MUTUA_SQLITE_PATH", str(BASE_DIR / "mutua.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            # A file, not Django's default in-memory database: the claim-race tests open one
            # connection per thread, and those only share a database that lives in a file. The
            # pid keeps concurrent runs apart; pytest-django adds the xdist worker suffix.
            "TEST": {
                "NAME": os.environ.get("MUTUA_SQLITE_TEST_PATH")
                or str(Path(tempfile.gettempdir()) / f"mutua-test-{os.getpid()}.sqlite3")
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("MUTUA_CACHE") == "redis" and os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mutua_cache"}
    )
}

# Background work (email now, SMS later) goes through Django's tasks API. The default queue is the
# database itself, so nothing but the web process and `manage.py db_worker` is needed. Set
# MUTUA_TASKS=redis (with REDIS_URL) to use Redis through RQ; MUTUA_TASKS=immediate runs tasks
# inline (tests, tiny installs).
MUTUA_TASKS = os.environ.get("MUTUA_TASKS", "immediate" if TESTING else "database")
if MUTUA_TASKS == "redis":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif MUTUA_TASKS == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "members:sign_in"
LOGIN_REDIRECT_URL = "exchange:request_list"

# One-time sign-in codes.
SIGN_IN_CODE_TTL_MINUTES = int(os.environ.get("MUTUA_SIGN_IN_CODE_TTL_MINUTES", "15"))
SIGN_IN_CODES_PER_HOUR = int(os.environ.get("MUTUA_SIGN_IN_CODES_PER_HOUR", "5"))
SIGN_IN_ATTEMPTS_PER_CODE = int(os.environ.get("MUTUA_SIGN_IN_ATTEMPTS_PER_CODE", "5"))
# The demo's "sign in as" shortcut; never available with DEBUG off.
DEMO_SIGN_IN = DEBUG and env_bool("MUTUA_DEMO_SIGN_IN", True)

# Email: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get(
    "MUTUA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("MUTUA_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("MUTUA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MUTUA_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("MUTUA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MUTUA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MUTUA_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("MUTUA_FROM_EMAIL", "Mutua <mutua@localhost>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "mutua" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("MUTUA_TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "mutua" / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MUTUA_SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Matching weights (documented in README): every cost is an integer so the solver stays exact.
MATCHING_WEIGHTS = {
    "per_km": int(os.environ.get("MUTUA_MATCH_PER_KM", "10")),
    "per_waiting_hour": int(os.environ.get("MUTUA_MATCH_PER_WAITING_HOUR", "2")),
    "per_recent_help": int(os.environ.get("MUTUA_MATCH_PER_RECENT_HELP", "15")),
    "other_pod": int(os.environ.get("MUTUA_MATCH_OTHER_POD", "20")),
    "unmatched": int(os.environ.get("MUTUA_MATCH_UNMATCHED", "1000")),
}
ROUTING_ENGINE_URL = os.environ.get("MUTUA_ROUTING_ENGINE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MUTUA_LOG_LEVEL", "WARNING")},
}
