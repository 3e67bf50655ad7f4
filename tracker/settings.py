"""Settings for the peace-plan clause tracker, read from the environment.

DATABASE_URL          database (default: SQLite file db.sqlite3 beside manage.py)
DJANGO_SECRET_KEY     required when DJANGO_DEBUG is off
DJANGO_DEBUG          "1"/"true" for local development (default off)
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names when debugging)
REDIS_URL             Redis cache (default: local-memory cache)
REDIS_TIMEOUT         seconds a Redis command may take before the page is built from the database (default 0.25)
DJANGO_CSRF_TRUSTED_ORIGINS  comma-separated https origins the site is served from behind a proxy
DJANGO_SECURE_SSL_REDIRECT   redirect http to https (default on when DJANGO_DEBUG is off)
DJANGO_HSTS_SECONDS          Strict-Transport-Security max-age (default one year when DJANGO_DEBUG is off)
DJANGO_PAGE_CACHE_SECONDS    how long anonymous readers' pages are kept; 0 turns the page cache off (default 600)
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

# Behind a TLS-terminating proxy (load balancer, nginx): it talks plain http to the app servers and
# says in X-Forwarded-Proto what the reader used. Only trust that header when a proxy sets it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the app servers over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: translated content fields (tracker/translation.py) get their admin widgets.
    "modeltranslation",
    "tracker.admin_site.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # sitemap.xml (tracker/sitemaps.py): its templates.
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "tracker",
]

MIDDLEWARE = [
    # Outermost: a cached page for an anonymous reader skips all the others, and what it stores carries
    # every header they add (security headers, ETag), so tracker.wsgi can send it without Django.
    "tracker.cache.AnonymousPageCacheMiddleware",
    "tracker.middleware.RejectNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language from the address (/uk/..., /ru/..., English unprefixed); the page cache keys
    # pages by their path, so each language's copy is stored apart. The admin follows the editor's browser.
    "tracker.middleware.LocaleMiddleware",
    # The API's one address per object answers in the language asked for: ?lang= or Accept-Language.
    "tracker.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: an editor's ?preview=drafts shows the public pages with drafts included.
    "tracker.preview.DraftPreviewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tracker.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# PostgreSQL: parameters are bound on the server, and a query a connection has run this many times is
# kept prepared there, so the pages' many-join queries are planned once per connection rather than on
# every request (planning took as long as running them). Needs persistent connections
# (DJANGO_CONN_MAX_AGE) to pay off. "off" for a pooler that cannot keep prepared statements, such as
# PgBouncer before 1.21 in transaction mode.
DB_PREPARE_THRESHOLD = os.environ.get("DJANGO_DB_PREPARE_THRESHOLD", "5")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARE_THRESHOLD != "off":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(DB_PREPARE_THRESHOLD)
    )
# PostgreSQL away (restarting, unreachable): a connection attempt gives up after this many seconds and the
# reader gets the 503 page (tracker/views/health.py) rather than a hung request; each request checks its
# persistent connection first (conn_health_checks above), so workers reconnect by themselves once it is back.
# A statement that runs longer than DJANGO_DB_STATEMENT_TIMEOUT milliseconds is cancelled: the app servers
# set it (gunicorn.conf.py) below their worker timeout; commands (migrate, load_dataset, backup) have none.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "3")))
    if os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT"):
        _db_options["options"] = f"-c statement_timeout={int(os.environ['DJANGO_DB_STATEMENT_TIMEOUT'])}"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English is the default and unprefixed (every existing address keeps working); Ukrainian and Russian pages
# live under /uk/ and /ru/ (tracker/urls.py). The interface's catalogues are in locale/; numbers and dates
# follow each language's convention (tracker/formats/: English keeps the British forms it always had).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("uk", "Українська"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tracker.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Translated content (django-modeltranslation, tracker/translation.py): each translated field has a column
# per language (heading_en, heading_uk, heading_ru). English is the record; a missing translation falls
# back to it, and the page says so (tracker.translated).
MODELTRANSLATION_LANGUAGES = ("en", "uk", "ru")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"  # slugs come from the English name

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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


def redis_cache(url):
    """The cache settings for the Redis server at ``url`` (tracker/redis_cache.py)."""
    timeout = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
    return {
        "BACKEND": "tracker.redis_cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "tracker",
        # With Redis down or hung, pages come from the database and saves land: a command gives up after
        # `timeout` seconds, and Redis is left alone for RETRY_AFTER seconds after a failure.
        "OPTIONS": {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "RETRY_AFTER": 1.0,
            # After an outage, start a new page generation and epoch (tracker.cache.GENERATION_KEY and
            # EPOCH_KEY): a change saved while Redis was unreachable could not make the pages stored before
            # the outage stale, and without the epoch every one of them is.
            "FORGET_AFTER_OUTAGE": ["pages:generation", "pages:epoch"],
        },
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # Per process: with several app servers or workers, set REDIS_URL so an editor's change reaches them all.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The dataset zip and the whole-list CSVs, stored as files (tracker/exports.py). Every app server needs the
# same directory (a shared volume), or each builds its own copies.
EXPORTS_STORED = True
EXPORT_DIR = os.environ.get("DJANGO_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))
# A stored download is rebuilt at most this often, so a burst of saves costs one build.
EXPORT_REBUILD_SECONDS = int(os.environ.get("DJANGO_EXPORT_REBUILD_SECONDS", "60"))
# The longest one build may take before another process may start one.
EXPORT_LOCK_SECONDS = int(os.environ.get("DJANGO_EXPORT_LOCK_SECONDS", "300"))

# Public pages and API responses for anonymous readers (tracker/cache.py).
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600"))
# Stale pages are rebuilt off the readers' requests, by this many background threads per process (0: in the
# request that found the page stale, after its response is made), while readers get the previous page.
PAGE_CACHE_REBUILD_THREADS = int(os.environ.get("DJANGO_PAGE_CACHE_REBUILD_THREADS", "1"))
# Past this many rebuilds waiting in a process, a stale page is served without queueing its rebuild.
PAGE_CACHE_REBUILD_QUEUE = int(os.environ.get("DJANGO_PAGE_CACHE_REBUILD_QUEUE", "50"))
# The longest one rebuild may wait and run before another may start: a queued rebuild older than this is dropped.
PAGE_CACHE_LOCK_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_LOCK_SECONDS", "30"))
# The rebuilder rebuilds a page at most once per this many seconds: a page built more recently is rebuilt once it
# is this old, with every change saved meanwhile (so readers see a change within this, plus the rebuilds queued).
PAGE_CACHE_REBUILD_INTERVAL = int(os.environ.get("DJANGO_PAGE_CACHE_REBUILD_INTERVAL", "30"))
# Headers for a CDN in front of the site, and the hook that purges it on save (tracker/cdn.py).
CDN_S_MAXAGE = int(os.environ.get("DJANGO_CDN_S_MAXAGE", "60"))
CDN_STALE_WHILE_REVALIDATE = int(os.environ.get("DJANGO_CDN_STALE_WHILE_REVALIDATE", "60"))
CDN_STALE_IF_ERROR = int(os.environ.get("DJANGO_CDN_STALE_IF_ERROR", "86400"))
CDN_PURGE = os.environ.get("DJANGO_CDN_PURGE", "")  # "package.module.function", called with a list of tags

# On a page that does not show the edited row, an edit of a row's wording, and the date of the newest change
# every page shows, may lag by this long (rather than every save making every page that read the table stale).
# Each page that read the table is rebuilt about once per this many seconds while edits go on: the edit storm's cost.
PAGE_CACHE_LAG_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_LAG_SECONDS", "300"))
# How long past its soft expiry an entry is kept, to be served while it is rebuilt.
PAGE_CACHE_STALE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_STALE_SECONDS", "600"))
# Count the page cache's work past the plain hit in Redis (tracker.cache.STATS_KEY; the edit-storm benchmark).
PAGE_CACHE_STATS = os.environ.get("DJANGO_PAGE_CACHE_STATS") == "1"

# The audit trail keeps every change; editors may revert from the admin.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Errors are reported to Sentry (or any service that speaks its protocol) when SENTRY_DSN is set. No reader's
# personal data is sent; SENTRY_TRACES_SAMPLE_RATE (0 to 1) turns on performance tracing for that share.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# --- Open data: the read-only API, its schema and docs, feeds and the dataset download ---
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]

# ETag on every page and 304 for a matching If-None-Match / If-Modified-Since. Just inside the page
# cache, so stored pages keep their ETag; the cache answers conditional requests for them itself.
_page_cache = "tracker.cache.AnonymousPageCacheMiddleware"
MIDDLEWARE.insert(
    MIDDLEWARE.index(_page_cache) + 1 if _page_cache in MIDDLEWARE else len(MIDDLEWARE),
    "django.middleware.http.ConditionalGetMiddleware",
)

# Anonymous clients are throttled per address; behind a reverse proxy set DJANGO_NUM_PROXIES to the number
# of proxies in front of the site, or every client shares the proxy's address (or forges X-Forwarded-For).
API_ANON_THROTTLE_RATE = os.environ.get("API_ANON_THROTTLE_RATE", "120/minute")

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.AnonymousReaderThrottle"],
    "NUM_PROXIES": int(os.environ.get("DJANGO_NUM_PROXIES", "0")),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.TrackerAutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Peace-plan clause tracker API",
    "DESCRIPTION": (
        "Read-only access to the published content of the tracker: plans, versions, clauses with their "
        "lineage and numeric targets, parties, actors, positions, indicators, figures with computed gaps, "
        "sources and events. Drafts never appear. Anonymous use is rate-limited."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# Atom entry ids are tag URIs under this authority; keep it fixed once feeds are public, or readers
# see every entry again as new.
FEED_TAG_AUTHORITY = os.environ.get("FEED_TAG_AUTHORITY", "peace-plan-tracker.org,2025")
# --- end of open data settings ---

# --- The editors' login: throttled per user name and address (django-axes) ---
# After AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that pair is locked out
# for AXES_COOLOFF_TIME, whatever the password; other editors, and the same editor elsewhere, still log in.
# Unlock early from the admin (Axes > Access attempts: delete the rows) or with `manage.py axes_reset`
# (`axes_reset_username NAME`, `axes_reset_ip ADDRESS`).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_ENABLED = env_flag("DJANGO_LOGIN_THROTTLE", default=True)
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client's address: behind DJANGO_NUM_PROXIES proxies, the one the nearest proxy appended to
# X-Forwarded-For (the left-most entries are whatever the client sent); otherwise REMOTE_ADDR.
AXES_IPWARE_PROXY_COUNT = REST_FRAMEWORK["NUM_PROXIES"] or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if REST_FRAMEWORK["NUM_PROXIES"] else ["REMOTE_ADDR"]
)

# --- Content-Security-Policy and Permissions-Policy (django-csp, tracker/middleware.py) ---
# Strict for the public pages: everything from the site itself, no inline code, no plugins, no framing.
# The admin also allows inline styles; the API documentation relaxes its own view (tracker/api/urls.py).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "tracker.middleware.ContentSecurityPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
