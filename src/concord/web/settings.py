"""Django settings for Concord, read from environment variables (docs/configuration.md).

Modes: ``development`` (default; DEBUG on), ``demo`` (the synthetic demo clinic on the
embedded SQLite database) and ``production`` (refuses to start when insecure).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from concord.web.database_url import parse_database_url, sqlite_database
from concord.web.env import env_bool, env_choice, env_int, env_list, env_secret, env_str
from concord.web.security import check_production_settings

BASE_DIR = Path(__file__).resolve().parent

MODE = env_choice("CONCORD_MODE", "development", ("development", "demo", "production"))
PRODUCTION = MODE == "production"
DEBUG = env_bool("CONCORD_DEBUG", MODE == "development")
DATA_DIR = Path(env_str("CONCORD_DATA_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    configured = env_secret("CONCORD_SECRET_KEY")
    if configured:
        return configured
    if PRODUCTION:
        return ""  # check_production_settings refuses to start
    # Development and demo: a random key kept in the data directory, never a default one.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "CONCORD_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CONCORD_CSRF_TRUSTED_ORIGINS", [])

SECURE_COOKIES = env_bool("CONCORD_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("CONCORD_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env_bool("CONCORD_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("CONCORD_HSTS_SECONDS", 0, minimum=0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("CONCORD_BEHIND_TLS_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REQUIRE_TWO_FACTOR = env_bool("CONCORD_REQUIRE_2FA", PRODUCTION)

check_production_settings(
    production=PRODUCTION,
    debug=DEBUG,
    secret_key=SECRET_KEY,
    secure_cookies=SECURE_COOKIES,
    require_two_factor=REQUIRE_TWO_FACTOR,
    allowed_hosts=ALLOWED_HOSTS,
)

INSTALLED_APPS = [
    "concord.web.admin_apps.ConcordAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "concord.web.accounts",
    "concord.web.audit",
    "concord.web.clinic",
    "concord.web.jobs",
    "concord.web.measures",
    "concord.web.medications",
    "concord.web.alerts",
    "concord.web.plans",
    "concord.web.consent",
    "concord.web.barriers",
    "concord.web.decisions",
    "concord.web.materials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "concord.web.accounts.language.PatientLanguageMiddleware",
    "concord.web.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "concord.web.urls"
WSGI_APPLICATION = "concord.web.wsgi.application"

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
                "concord.web.accounts.context.concord_context",
            ],
        },
    },
]

SQLITE_BUSY_TIMEOUT_MS = env_int("CONCORD_SQLITE_BUSY_TIMEOUT_MS", 20000, minimum=0)
_database_url = env_secret("DATABASE_URL")
if _database_url:
    _default_db = parse_database_url(_database_url, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
else:
    _default_db = sqlite_database(
        DATA_DIR / "concord.sqlite3", busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS
    )
DATABASES = {"default": _default_db}
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("CONCORD_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CONCORD_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock by account, not by address: clinics often share one public address, and an address
# lock would let one mistyped password lock the whole clinic out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("CONCORD_TOTP_ISSUER", "Concord")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # the translation catalogues (docs/translations.md)
FORMAT_MODULE_PATH = ["concord.web.formats"]  # dates per language (web/formats/__init__.py)
TIME_ZONE = env_str("CONCORD_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

LOG_LEVEL = env_str("CONCORD_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"CONCORD_LOG_LEVEL={LOG_LEVEL!r} is not a logging level.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Site-installed licensed instrument wording (`concord instruments install-text`).
INSTRUMENT_TEXT_DIR = Path(
    env_str("CONCORD_INSTRUMENT_TEXT_DIR", str(DATA_DIR / "instrument-texts"))
).resolve()

WORKER_LEASE_SECONDS = env_int("CONCORD_WORKER_LEASE_SECONDS", 300, minimum=5)
WORKER_POLL_SECONDS = env_int("CONCORD_WORKER_POLL_SECONDS", 2, minimum=1)
SESSION_RECORD_GRACE_MINUTES = 60
JOB_MODULES = env_list("CONCORD_JOB_MODULES", [])
