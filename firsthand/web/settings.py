"""Django settings. Every value that differs between deployments comes from the environment,
or from the data directory's ``site.env`` (written by `firsthand init`), which fills in what the
environment leaves unset. docs/deploy.md has the whole table; in short:

FIRSTHAND_DATA     the data directory (database, keys, media); created on first use
FIRSTHAND_ORIGIN   the log's origin, used only when the data directory is new
FIRSTHAND_DEBUG    "1" for Django's debug pages (never in production)
FIRSTHAND_PUBLIC_URL   the site's address as readers type it (https://firsthand.example)
FIRSTHAND_HOSTS    comma-separated host names the site answers to (default: the public URL's
                   host, and the loopback names)
FIRSTHAND_TRUSTED_PROXIES  addresses or networks of the reverse proxies whose forwarding
                   headers are believed (default: none; web/proxy.py)
FIRSTHAND_PROXY_HEADERS    "x-forwarded" (X-Forwarded-For/-Proto, the default) or "forwarded"
FIRSTHAND_HSTS_SECONDS     Strict-Transport-Security's max-age over HTTPS (default: one year
                   when the public URL is https, else 0)
FIRSTHAND_CONTACT  how readers and authors reach the operator (shown on the about page)
FIRSTHAND_MAX_REQUEST_BYTES     the largest statement file the API accepts (default 1,100,000)
FIRSTHAND_POST_RATE_PER_MINUTE  statements one client may POST per minute (default 30)
FIRSTHAND_MALFORMED_RATE_PER_MINUTE  requests that are not a signed statement one client may
                   POST per minute (default 10), a budget of their own
FIRSTHAND_REPORT_RATE_PER_MINUTE  reader reports one client may send per minute (default 5)
FIRSTHAND_POSTS_AT_ONCE  statement bodies one client may be sending at once (default 4)
FIRSTHAND_CHECK_RATE_PER_MINUTE  texts one client may check per minute (default 600)
FIRSTHAND_MAX_MEDIA_BYTES       the largest photo or video POST /api/v1/media accepts (256 MiB)
FIRSTHAND_READ_RATE_PER_MINUTE  requests of any kind one client may make per minute (6000; 0: off)
FIRSTHAND_READ_BURST            requests one client may make at once before that rate applies (1000)
FIRSTHAND_SCRATCH  the private directory where uploads are cleaned (default: a tmpfs under
                   /dev/shm where there is one, else DATA/scratch); emptied at every start
FIRSTHAND_UNPUBLISHED_MEDIA_HOURS  uploads no statement lists are deleted after this (24)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from firsthand.log.datadir import DATABASE_NAME, ensure_data_dir, write_private_file
from firsthand.web.site_file import SITE_FILE, read_site_file

DATA_DIR = ensure_data_dir(os.environ.get("FIRSTHAND_DATA", "data"))
# What `firsthand init` wrote: defaults under the environment, which always wins.
for _name, _value in read_site_file(DATA_DIR / SITE_FILE).items():
    os.environ.setdefault(_name, _value)
LOG_ORIGIN = os.environ.get("FIRSTHAND_ORIGIN") or None
FIRSTHAND_MAX_REQUEST_BYTES = int(os.environ.get("FIRSTHAND_MAX_REQUEST_BYTES", "1100000"))
FIRSTHAND_POST_RATE_PER_MINUTE = int(os.environ.get("FIRSTHAND_POST_RATE_PER_MINUTE", "30"))
FIRSTHAND_MAX_MEDIA_BYTES = int(os.environ.get("FIRSTHAND_MAX_MEDIA_BYTES", str(256 * 2**20)))
FIRSTHAND_READ_RATE_PER_MINUTE = int(os.environ.get("FIRSTHAND_READ_RATE_PER_MINUTE", "6000"))
FIRSTHAND_READ_BURST = int(os.environ.get("FIRSTHAND_READ_BURST", "1000"))
FIRSTHAND_MALFORMED_RATE_PER_MINUTE = int(
    os.environ.get("FIRSTHAND_MALFORMED_RATE_PER_MINUTE", "10")
)
FIRSTHAND_REPORT_RATE_PER_MINUTE = int(os.environ.get("FIRSTHAND_REPORT_RATE_PER_MINUTE", "5"))
FIRSTHAND_POSTS_AT_ONCE = int(os.environ.get("FIRSTHAND_POSTS_AT_ONCE", "4"))
# "Who said it?" has a budget of its own (api/ratelimit.py), counted in texts.
FIRSTHAND_CHECK_RATE_PER_MINUTE = int(os.environ.get("FIRSTHAND_CHECK_RATE_PER_MINUTE", "600"))
FIRSTHAND_CONTACT = os.environ.get("FIRSTHAND_CONTACT", "").strip()
FIRSTHAND_SCRATCH = os.environ.get("FIRSTHAND_SCRATCH", "").strip()
FIRSTHAND_UNPUBLISHED_MEDIA_HOURS = float(
    os.environ.get("FIRSTHAND_UNPUBLISHED_MEDIA_HOURS", "24")
)
# Witnesses that cosign the log's checkpoints: "<tlog-witness URL>=<cosigner key>", space separated.
FIRSTHAND_WITNESSES = os.environ.get("FIRSTHAND_WITNESSES", "").split()
# Who runs each witness, in the operator's words, shown beside it to readers: a JSON object from
# the witness's key name to a short description, e.g. {"w1.example": "Run by ..., Berlin"}.
FIRSTHAND_WITNESS_ABOUT: dict[str, str] = json.loads(
    os.environ.get("FIRSTHAND_WITNESS_ABOUT", "").strip() or "{}"
)
if not isinstance(FIRSTHAND_WITNESS_ABOUT, dict) or not all(
    isinstance(k, str) and isinstance(v, str) for k, v in FIRSTHAND_WITNESS_ABOUT.items()
):
    raise ValueError('FIRSTHAND_WITNESS_ABOUT is a JSON object: {"witness key name": "who runs"}')
# "here": `firsthand serve` sequences in-process (the default, with one worker);
# "external": a separate `firsthand sequencer` process does, for many web workers.
FIRSTHAND_SEQUENCER = os.environ.get("FIRSTHAND_SEQUENCER", "here")
# PostgreSQL with an external sequencer on this machine: "1" hands each statement to it over
# its intake socket (as SQLite always does) instead of storing the row and NOTIFYing it.
# `firsthand serve --workers N` sets it for its workers; web workers on other machines leave it.
FIRSTHAND_INTAKE = os.environ.get("FIRSTHAND_INTAKE") == "1"


def _secret_key(directory: Path) -> str:
    """A per-instance secret, made on first use and kept in the data directory."""
    path = directory / "django-secret.key"
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            write_private_file(path, secrets.token_urlsafe(50))
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key(DATA_DIR)
DEBUG = os.environ.get("FIRSTHAND_DEBUG") == "1"

# Behind a reverse proxy that ends TLS (docs/deploy.md): who the client is and whether it came
# over HTTPS are read from the proxy's headers, and only from these addresses (web/proxy.py).
FIRSTHAND_PUBLIC_URL = os.environ.get("FIRSTHAND_PUBLIC_URL", "").strip().rstrip("/")
_public = urlsplit(FIRSTHAND_PUBLIC_URL)
FIRSTHAND_TRUSTED_PROXIES = (
    os.environ.get("FIRSTHAND_TRUSTED_PROXIES", "").replace(",", " ").split()
)
FIRSTHAND_PROXY_HEADERS = os.environ.get("FIRSTHAND_PROXY_HEADERS", "x-forwarded").strip().lower()
_LOOPBACK_HOSTS = "127.0.0.1,localhost,[::1]"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "FIRSTHAND_HOSTS",
        f"{_public.hostname},{_LOOPBACK_HOSTS}" if _public.hostname else _LOOPBACK_HOSTS,
    ).split(",")
    if h.strip()
]
# Forms the site posts to itself come from its public origin (Django compares the Origin header
# with it when the proxy's Host differs from what the reader typed).
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"] if _public.netloc else []
_https = _public.scheme == "https"
# Cookies (the operator's console only: readers get none) never travel over plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _https
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_HSTS_SECONDS = int(os.environ.get("FIRSTHAND_HSTS_SECONDS", "31536000" if _https else "0"))

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "csp",
    "firsthand.web.tlog",
    "firsthand.web.api",
    "firsthand.web.pages",
    "firsthand.web.console",  # the operator's console and readers' reports
]

MIDDLEWARE = [
    # First: everything after it sees the real client and scheme behind a trusted proxy.
    "firsthand.web.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the site itself, never a CDN: no third-party request, ever.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "firsthand.web.csp.CachedCSPMiddleware",  # django-csp, its header built once
    "firsthand.web.language.PathLanguageMiddleware",  # Django's LocaleMiddleware, for our URLs
    # After the language is known (its 429 page is translated), before any view's work.
    "firsthand.web.read_limit.ReadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees what the views raise: a database that cannot answer now is a 503.
    "firsthand.web.unavailable.DatabaseUnavailableMiddleware",
]

# Strict: scripts and styles only from this site, no inline script or style, no
# third-party request of any kind. The browser's crypto needs nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],  # cleaned videos, from /media/ only
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

ROOT_URLCONF = "firsthand.web.urls"
WSGI_APPLICATION = "firsthand.web.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / DATABASE_NAME,
        "OPTIONS": {
            # mmap_size: pages are read from the OS's page cache in place, shared by every
            # connection (a thread each), instead of copied into each one's own 2 MB cache.
            # Inserting into a million-row table's indexes reads pages all over the file.
            # wal_autocheckpoint=0: copying the WAL back into the database is left to the
            # log's own thread (log/storage.py, every second, in the process that sequences),
            # not done inside a commit that every other writer of the file is waiting for.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA mmap_size=17179869184; "
                "PRAGMA wal_autocheckpoint=0;"
            ),
            # The sequencer writes the log's tables in the same file. A deferred transaction
            # that reads and then writes fails at once with "database is locked" when another
            # writer got in between; IMMEDIATE takes the write lock first and waits for it.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        # One connection per thread, kept: opening one runs the PRAGMAs above every time.
        "CONN_MAX_AGE": 600,
    }
}
# FIRSTHAND_DATABASE_URL: postgresql://user:password@host:port/name (a socket: ?host=/run/dir)
# keeps the site's tables in PostgreSQL; unset, they stay in the data directory's SQLite file.
FIRSTHAND_DATABASE_URL = os.environ.get("FIRSTHAND_DATABASE_URL", "").strip()


def _postgresql(url: str) -> dict[str, object]:
    """Django's settings for a PostgreSQL URL, read by libpq's own parser."""
    from django.core.exceptions import ImproperlyConfigured
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    if url.partition("://")[0].lower() not in ("postgresql", "postgres"):
        raise ImproperlyConfigured("FIRSTHAND_DATABASE_URL must start with postgresql://")
    try:
        params = conninfo_to_dict(url)
    except ProgrammingError as error:
        raise ImproperlyConfigured(f"FIRSTHAND_DATABASE_URL cannot be read: {error}") from None
    if not params.get("dbname"):
        raise ImproperlyConfigured("FIRSTHAND_DATABASE_URL must name a database: .../NAME")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params.pop("dbname"),
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
        "OPTIONS": params,  # the rest as libpq reads it: sslmode, options, ...
        "CONN_MAX_AGE": 60,  # a new connection per request would cost more than most pages
        "CONN_HEALTH_CHECKS": True,
    }


if FIRSTHAND_DATABASE_URL:
    DATABASES["default"] = _postgresql(FIRSTHAND_DATABASE_URL)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    # The pages (web/pages/jinja2/): Jinja2, for speed (web/pages/jinja.py says why).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "firsthand.web.pages.jinja.environment",
            "context_processors": ["firsthand.web.pages.jinja.page_helpers"],
        },
    },
    # Django's own templates (its error and debug pages), and any app's.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
            ]
        },
    },
]

USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
LANGUAGES_BIDI = ["fa"]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
STATIC_URL = "/static/"
# Files are served from the apps' static folders directly (no collectstatic step for
# `make run`); whitenoise adds caching headers and compressed variants when collected.
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static"]  # the browser's crypto modules
# Served with a long cache life: the whole site's assets are a few files.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security on by default.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
APPEND_SLASH = False

# Nothing in our logs names a reader: Django's request logger would print paths
# only, and the production server is started without an access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        # A 404 for a tile not yet written is routine, not a warning.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
