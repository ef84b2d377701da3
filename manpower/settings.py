"""Settings, all from the environment.

MANPOWER_ENV chooses the profile: ``development`` (the default: SQLite under ``var/``, a generated
secret) or ``production`` (refuses to start without a secret or with DEBUG on; secure cookies, HSTS,
SSL redirect). Every variable is listed in the README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("MANPOWER_VAR_DIR", BASE_DIR / "var")).resolve()

MANPOWER_ENV = os.environ.get("MANPOWER_ENV", "development").strip().lower()
if MANPOWER_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("MANPOWER_ENV must be 'development' or 'production'.")
IS_PRODUCTION = MANPOWER_ENV == "production"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _development_secret(name: str) -> str:
    """A secret generated once into var/ so that sessions survive restarts on a developer's machine."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_bool("DEBUG", default=not IS_PRODUCTION)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = _development_secret("secret_key")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "manpower.core",
    "manpower.audit",
    "manpower.registry",
    "manpower.identity",
    "manpower.permits",
    "manpower.payments",
    "manpower.contracts",
    "manpower.notifications",
    "manpower.integrations",
    "manpower.portal",
    "manpower.support",
    "manpower.api",
]

MIDDLEWARE = [
    "manpower.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "manpower.core.middleware.ApiLanguageMiddleware",
    "manpower.core.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# A bulk submission of 1,000 rows of the longest fields, with Arabic written as \u escapes, is about 5 MB of JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000_000

ROOT_URLCONF = "manpower.urls"
WSGI_APPLICATION = "manpower.wsgi.application"
ASGI_APPLICATION = "manpower.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "manpower.portal.context.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "manpower.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (as on PostgreSQL): opening one per request and setting its pragmas cost a
    # request more than its own work on the API's fast paths.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while one of them writes; IMMEDIATE makes a
        # writing transaction take its lock at BEGIN, so concurrent writers queue instead of failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if str(DATABASES["default"]["NAME"]).startswith(str(VAR_DIR)):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("DB_PREPARED_STATEMENTS", "1") == "1":
    # Parameters bound by the server, and a statement prepared once a connection has run it 5 times: PostgreSQL
    # then skips parsing and planning the statements every request repeats (a third of its CPU per submission).
    # Set DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep prepared statements (PgBouncer < 1.21 in
    # transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["manpower.identity.backends.EmailOrCivilIdBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))

# --- Languages, time ------------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Muscat"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "files"))

# --- Background work ------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- E-mail ---------------------------------------------------------------------------------------


def _email_settings(url: str) -> dict[str, object]:
    """EMAIL_URL: smtp://user:pass@host:port[?tls=1|ssl=1], console://, or file:///path."""
    parsed = urlparse(url)
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parsed.path}
    if parsed.scheme in {"smtp", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "127.0.0.1",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps" or query.get("ssl") == "1",
            "EMAIL_USE_TLS": query.get("tls") == "1",
            "EMAIL_TIMEOUT": 10,
        }
    raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme: {parsed.scheme!r}")


EMAIL_URL = os.environ.get("EMAIL_URL", "smtp://127.0.0.1:1025" if IS_PRODUCTION else f"file://{VAR_DIR / 'mail'}")
globals().update(_email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Manpower <no-reply@manpower.example.om>")

# --- Platform keys --------------------------------------------------------------------------------
# The permit credential signing key (EC P-256, PEM). In development it is generated into var/keys/.
CREDENTIAL_SIGNING_KEY_FILE = os.environ.get("CREDENTIAL_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "credential-p256.pem"))

# --- Security -------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with varied characters.")

# --- Logging --------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "manpower.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Every request of the HTTP client and every SMTP command of the sandbox mailbox are noise at INFO.
        "httpx": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
    },
}

WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))

# --- Contracts and e-signature ----------------------------------------------------------------------
# The signing CA (EC P-256). In development `manpower setup` creates it under PKI_DIR; in production the
# certificate and key files are provisioned and their paths given here, and nothing is generated.
PKI_DIR = Path(os.environ.get("PKI_DIR", VAR_DIR / "pki"))
PKI_CA_CERT_FILE = os.environ.get("PKI_CA_CERT_FILE", str(PKI_DIR / "ca-cert.pem"))
PKI_CA_KEY_FILE = os.environ.get("PKI_CA_KEY_FILE", str(PKI_DIR / "ca-key.pem"))
# More trust roots for validating contract signatures (PEM files), e.g. an external time-stamping authority's.
PKI_EXTRA_TRUST_ROOTS = _env_list("PKI_EXTRA_TRUST_ROOTS", "")
# Key-encryption key for signers' private keys: 32 bytes, base64. Required in production; in development
# it is derived from SECRET_KEY.
SIGNING_KEY_KEK = os.environ.get("SIGNING_KEY_KEK", "")
SIGNER_CERTIFICATE_DAYS = int(os.environ.get("SIGNER_CERTIFICATE_DAYS", "730"))
# RFC 3161 time-stamping authority; the sandbox's in development.
TSA_URL = os.environ.get("TSA_URL", f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8100')}/tsa")
TSA_TIMEOUT_SECONDS = float(os.environ.get("TSA_TIMEOUT_SECONDS", "10"))
# One-time codes that authorise a signature or an account claim.
SIGNING_CODE_VALID_SECONDS = int(os.environ.get("SIGNING_CODE_VALID_SECONDS", "600"))
SIGNING_CODE_MAX_FAILURES = int(os.environ.get("SIGNING_CODE_MAX_FAILURES", "5"))
SIGNING_LOCK_MINUTES = int(os.environ.get("SIGNING_LOCK_MINUTES", "30"))
# Reminders to the worker before a contract offer ends, in days before its deadline.
CONTRACT_REMINDER_DAYS = [int(days) for days in _env_list("CONTRACT_REMINDER_DAYS", "3,1")]
CONTRACT_VERIFY_MAX_BYTES = int(os.environ.get("CONTRACT_VERIFY_MAX_BYTES", str(10 * 1024 * 1024)))

# --- Payments -------------------------------------------------------------------------------------
# The online payment gateway. "sandbox" is our simulator (`manpower sandbox`, started by `manpower run`);
# a real provider's adapter sits beside it in manpower/payments/gateway.py. The API key authenticates our
# calls; the secret signs the gateway's callbacks (HMAC-SHA256). In development both are generated into var/.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "sandbox")
PAYMENT_GATEWAY_URL = os.environ.get("PAYMENT_GATEWAY_URL", "http://127.0.0.1:8100/pay").rstrip("/")
PAYMENT_GATEWAY_API_KEY = os.environ.get("PAYMENT_GATEWAY_API_KEY", "")
PAYMENT_GATEWAY_SECRET = os.environ.get("PAYMENT_GATEWAY_SECRET", "")
if not IS_PRODUCTION:  # in production, unset means online payment is off: no checkout, every callback refused
    PAYMENT_GATEWAY_API_KEY = PAYMENT_GATEWAY_API_KEY or _development_secret("payment_gateway_api_key")
    PAYMENT_GATEWAY_SECRET = PAYMENT_GATEWAY_SECRET or _development_secret("payment_gateway_secret")
# Where the gateway sends its callbacks; by default this site's API.
PAYMENT_CALLBACK_URL = os.environ.get("PAYMENT_CALLBACK_URL", "")
PAYMENT_GATEWAY_TIMEOUT = float(os.environ.get("PAYMENT_GATEWAY_TIMEOUT", "10"))
PAYMENT_CHECKOUT_EXPIRES_SECONDS = int(os.environ.get("PAYMENT_CHECKOUT_EXPIRES_SECONDS", "900"))
# A started payment whose callback has not come is asked about after this many seconds, then less and less often.
PAYMENT_POLL_SECONDS = int(os.environ.get("PAYMENT_POLL_SECONDS", "30"))
PAYMENT_CALLBACK_TOLERANCE_SECONDS = int(os.environ.get("PAYMENT_CALLBACK_TOLERANCE_SECONDS", "300"))
# Finance officers who receive the daily reconciliation report by e-mail (comma-separated).
PAYMENT_FINANCE_EMAILS = _env_list("PAYMENT_FINANCE_EMAILS", "")

# --- Other authorities ----------------------------------------------------------------------------
# The Ministry of Health's medical-examination results, asked by passport; "sandbox" is our simulator
# (`manpower sandbox`, under /moh). The API key authenticates our calls; in development it is generated into var/.
HEALTH_AUTHORITY_URL = os.environ.get("HEALTH_AUTHORITY_URL",
                                      f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8100')}/moh").rstrip("/")
HEALTH_AUTHORITY_API_KEY = os.environ.get("HEALTH_AUTHORITY_API_KEY", "")
if not IS_PRODUCTION:
    HEALTH_AUTHORITY_API_KEY = HEALTH_AUTHORITY_API_KEY or _development_secret("health_authority_api_key")
AUTHORITY_TIMEOUT_SECONDS = float(os.environ.get("AUTHORITY_TIMEOUT_SECONDS", "10"))
# A question an authority cannot answer yet is asked again after this many seconds, then less and less often
# (at most hourly); after AUTHORITY_GIVE_UP_DAYS the request is closed as unanswered and an officer is told.
AUTHORITY_RETRY_SECONDS = int(os.environ.get("AUTHORITY_RETRY_SECONDS", "5"))
AUTHORITY_GIVE_UP_DAYS = int(os.environ.get("AUTHORITY_GIVE_UP_DAYS", "30"))

# --- Notifications --------------------------------------------------------------------------------
# The SMS gateway: "sandbox" is our simulator (`manpower sandbox`, under /sms); the API key authenticates our
# calls, the secret signs its delivery receipts (HMAC-SHA256). A second gateway, when configured, is failed over to.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8100')}/sms"
                                 ).rstrip("/")
SMS_GATEWAY_API_KEY = os.environ.get("SMS_GATEWAY_API_KEY", "")
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "")
if not IS_PRODUCTION:
    SMS_GATEWAY_API_KEY = SMS_GATEWAY_API_KEY or _development_secret("sms_gateway_api_key")
    SMS_GATEWAY_SECRET = SMS_GATEWAY_SECRET or _development_secret("sms_gateway_secret")
SMS_FALLBACK_GATEWAY_URL = os.environ.get("SMS_FALLBACK_GATEWAY_URL", "").rstrip("/")
SMS_FALLBACK_GATEWAY_API_KEY = os.environ.get("SMS_FALLBACK_GATEWAY_API_KEY", SMS_GATEWAY_API_KEY)
SMS_FALLBACK_GATEWAY_SECRET = os.environ.get("SMS_FALLBACK_GATEWAY_SECRET", SMS_GATEWAY_SECRET)
SMS_SENDER_ID = os.environ.get("SMS_SENDER_ID", "MOL-OMAN")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
# Messages per second each provider accepts from us (per worker process).
SMS_RATE_PER_SECOND = float(os.environ.get("SMS_RATE_PER_SECOND", "1000"))
EMAIL_RATE_PER_SECOND = float(os.environ.get("EMAIL_RATE_PER_SECOND", "1000"))
# Where gateways send delivery receipts; by default this site.
NOTIFY_RECEIPT_BASE_URL = os.environ.get("NOTIFY_RECEIPT_BASE_URL", "").rstrip("/")
NOTIFY_RECEIPT_TOLERANCE_SECONDS = int(os.environ.get("NOTIFY_RECEIPT_TOLERANCE_SECONDS", "300"))
# Sending attempts before a message is a technical failure; the first retry after NOTIFY_RETRY_SECONDS, then doubling.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "10"))
NOTIFY_RETRY_SECONDS = float(os.environ.get("NOTIFY_RETRY_SECONDS", "5"))
# Non-urgent SMS wait for the morning between these local (Asia/Muscat) hours.
NOTIFY_QUIET_HOURS = os.environ.get("NOTIFY_QUIET_HOURS", "22-7")
NOTIFY_POLL_SECONDS = float(os.environ.get("NOTIFY_POLL_SECONDS", "0.2"))
NOTIFY_BATCH_SIZE = int(os.environ.get("NOTIFY_BATCH_SIZE", "200"))
