"""Newsroom settings, read from the environment.

No configuration at all gives a working local site on SQLite with DEBUG on. Production sets
DJANGO_DEBUG=0, and then SECRET_KEY and ALLOWED_HOSTS must be given (start-up stops otherwise).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django_prose_editor import config as prose_config
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (DJANGO_DEBUG is off).")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (local only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in the environment (DJANGO_DEBUG is off).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    # django-taggit, django-axes and django-otp's devices, under readable names in the admin.
    "newsroom.app_names.TagsConfig",
    "django_prose_editor",
    "newsroom.app_names.LoginLockoutsConfig",
    "django_otp",
    "newsroom.app_names.AuthenticatorAppsConfig",
    "newsroom.app_names.BackupCodesConfig",
    "accounts",
    "csp",
    "articles",
    "authors",
    "demo",
    "pagecache",
]

MIDDLEWARE = [
    # First: a hit leaves from here, with the headers every middleware below gave the page
    # when it was stored (security headers and the Content-Security-Policy included), before
    # anything else runs. A request the SecurityMiddleware would redirect to HTTPS is not
    # served from the cache.
    "pagecache.middleware.PageCacheMiddleware",
    # Anonymous readers' pages read from a replica when there is one (after the page cache:
    # a hit needs no database; and a miss's purge position is read after its lookup).
    "common.db_routing.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (SVGs included) get the Content-Security-Policy header too.
    "newsroom.security.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "pagecache.middleware.PublicCacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave a two-factor code.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Staff who owe a two-factor code reach only the two-factor page until they give it.
    "accounts.middleware.TwoFactorMiddleware",
    "articles.middleware.LegacyRedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins from a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, two limits: accounts/throttling.py): 5 failures lock that
# account from that address; only 50 (credential stuffing, not one person's typos behind a
# newsroom's shared NAT) lock every account from the address. For an hour.
AXES_HANDLER = "accounts.throttling.NewsroomAxesHandler"
AXES_FAILURE_LIMIT = int(env_str("LOGIN_FAILURE_LIMIT", "5"))
NEWSROOM_ADDRESS_FAILURE_LIMIT = int(env_str("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_COOLOFF_TIME = float(env_str("LOGIN_COOLOFF_HOURS", "1"))
# What attempts are recorded and cleared by (the handler applies the two limits itself).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
# No "AXES: BEGIN version ..." banner on stderr at the start of every manage.py command.
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# Failed attempts are stored with the form data: never the password or a two-factor code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# Behind a load balancer every request comes from its address: read the client's from
# X-Forwarded-For, trusting only as many hops as PROXY_COUNT says there are.
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
NEWSROOM_PROXY_COUNT = int(env_str("PROXY_COUNT", "0"))

# Two-factor login (django-otp: an authenticator app plus backup codes, accounts/). Anyone on
# the staff may turn it on; with REQUIRE_2FA=1 superusers and these groups must, before they
# can use the admin. A wrong or missing code at login counts as a failed login for axes.
NEWSROOM_REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
NEWSROOM_2FA_GROUPS = ["Editor"]
# The django-otp device admin (superusers, to remove a lost phone) never shows secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
            ],
        },
    },
    # The story card, repeated dozens of times a page (articles/reading/cards.py): Jinja2
    # renders it about three times faster than the Django template language (and a format string
    # made from it once per shape, five times: common/jinja2.py). Every value escaped there.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "common.jinja2.environment",
            "autoescape": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]

# SQLite when nothing is configured; PostgreSQL (or anything dj-database-url reads) through
# DATABASE_URL. Persistent connections so a request does not pay for a reconnect; each is
# checked before its first query in a request (CONN_HEALTH_CHECKS), so a connection the server
# dropped (a database restart) is replaced at once instead of failing the request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env_str("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# SQLite (local runs): a write transaction takes the write lock when it begins (IMMEDIATE) and
# waits up to 20 s for it, and readers do not block the writer (WAL). With SQLite's default
# (DEFERRED) a transaction that read first fails at once with "database is locked" when it
# tries to write while another holds the lock: an editor's save racing the story page's lock
# heartbeat gave a 500.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A database that does not answer (a network partition, a host being replaced) must cost a
# request a few seconds and a clean error page, not a worker stuck in connect() until gunicorn
# kills it. A restart refuses connections at once and needs no timeout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(env_str("DB_CONNECT_TIMEOUT", "5"))
    )
# Read replicas (PostgreSQL streaming replicas of the primary): DATABASE_REPLICA_URLS, comma-
# separated, adds "replica1", "replica2"... with the primary's options. Reader pages read from
# them, everything else from the primary (common/db_routing.py; README, "Scaling out"). In tests
# each mirrors "default", so the suite runs on one database (tests/conftest.py also turns the
# routing off; tests/test_replica.py starts a real replica).
NEWSROOM_DB_REPLICAS = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    alias = f"replica{number}"
    DATABASES[alias] = dj_database_url.parse(
        url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES[alias]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                   **DATABASES[alias].get("OPTIONS", {})}  # fmt: skip
    DATABASES[alias]["TEST"] = {"MIRROR": "default"}
    NEWSROOM_DB_REPLICAS.append(alias)
DATABASE_ROUTERS = ["common.db_routing.ReplicaRouter"]
# A replica that failed is left alone this long by each process (reads go to the primary).
NEWSROOM_DB_REPLICA_RETRY_SECONDS = float(env_str("DB_REPLICA_RETRY_SECONDS", "5"))
# A browser that just wrote (any POST...) reads from the primary this long: its own writes.
NEWSROOM_DB_REPLICA_PIN_SECONDS = int(env_str("DB_REPLICA_PIN_SECONDS", "10"))
# Never from a replica, whoever asks: the admin, shared previews of unpublished drafts, and the
# load balancer's health check (it asks about the primary).
NEWSROOM_PRIMARY_PATHS = ["/admin/", "/preview/", "/healthz"]
# The hot reader queries are PREPAREd once per connection (common/prepared.py), on every database. Turn off
# behind a pooler in transaction mode that moves sessions between clients (PgBouncer < 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set; otherwise a file cache that every process on the machine shares,
# so a purge made by one process (the admin, the publish_due worker) reaches all the others.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "newsroom"),
            # A Redis that drops packets must cost readers half a second, not a TCP timeout:
            # the site serves uncached pages when the cache fails.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            # The default culls a third of all entries at 300, purge stamps included.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-gb")
# The newsroom's time zone: every time a reader or editor sees is shown in it; storage is UTC.
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
# Times everywhere (the admin too) as the site shows them: "5 Dec 2026, 06:30 GMT".
FORMAT_MODULE_PATH = ["newsroom.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# The story body's Figure, Caption and Image (static/admin_extra/body_editor.js) replace
# django-prose-editor's: a caption only inside a figure, a figure only around a picture with a
# source, Enter after a picture starts a paragraph. Same HTML as the package's, so the same
# allowlists (articles/sanitize.py has the server's).
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("admin_extra/body_editor.js")],
        "extensions": {
            "Figure": prose_config.process_figure,
            "Caption": prose_config.html_tags(["figcaption"]),
            "Image": prose_config.process_image,
        },
    }
]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    # Local disk, written atomically (newsroom/storage.py); S3-compatible storage below.
    "default": {"BACKEND": "common.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "common.storage.StaticStorage"
        )
    },
}
# Media on S3-compatible object storage (AWS S3, MinIO, Cloudflare R2...) through
# django-storages when a bucket is named, so web containers keep no state of their own. Objects
# are public (no signed query strings): the bucket policy must allow anonymous reads, or a CDN
# (AWS_S3_CUSTOM_DOMAIN) must front it. Names are never reused (an upload with the name of
# another gets a new one), so one picture never replaces another.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Unset: boto3 finds credentials itself (instance role, ~/.aws, its own variables).
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "url_protocol": env_str("AWS_S3_URL_PROTOCOL", "https:"),
            "location": env_str("AWS_LOCATION"),
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,  # The bucket's policy decides; many providers refuse ACLs.
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
# Media is served by Django itself only when SERVE_MEDIA is on (local runs); production puts a
# web server or object storage in front.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
# Image renditions already stored: answered by Django from storage, or (object storage) with a
# redirect to the storage's public URL so the bytes never pass through the app again.
NEWSROOM_MEDIA_REDIRECT = env_bool("MEDIA_REDIRECT", bool(AWS_STORAGE_BUCKET_NAME))

# Uploads: the image validator enforces its own limits, these keep request bodies sane.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only our own origin, no inline script or style, no
# plugins, no framing. Public pages need no nonce (JSON-LD is a data block, not a script), so a
# cached page never carries one; the admin's story editor adds a nonce for its import map and
# the hash of the one <style> its editor library injects (articles/admin.py). Extra origins for
# a CDN, hot-linked pictures or analytics come from the environment (README, "Content Security
# Policy").
CSP_EXTRA_SOURCES = {
    directive: env_list(f"CSP_{directive.upper().replace('-', '_')}", [])
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src", "media-src")
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE, *CSP_EXTRA_SOURCES["script-src"]],
        "style-src": ["'self'", *CSP_EXTRA_SOURCES["style-src"]],
        "img-src": ["'self'", *CSP_EXTRA_SOURCES["img-src"]],
        "font-src": ["'self'", *CSP_EXTRA_SOURCES["font-src"]],
        "connect-src": ["'self'", *CSP_EXTRA_SOURCES["connect-src"]],
        "media-src": ["'self'", *CSP_EXTRA_SOURCES["media-src"]],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "frame-src": ["'none'"],
        "worker-src": ["'none'"],
        "manifest-src": ["'self'"],
        **({"report-uri": env_str("CSP_REPORT_URI")} if env_str("CSP_REPORT_URI") else {}),
    }
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "newsroom@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- The outlet -----------------------------------------------------------------------------
# What the site chrome shows. Kept in settings (not templates) so one deployment can rebrand
# without touching code; each value can be overridden from the environment.
NEWSROOM_SITE_NAME = env_str("SITE_NAME", "The Daily Ledger")
NEWSROOM_SITE_TAGLINE = env_str("SITE_TAGLINE", "Independent news, every day")
NEWSROOM_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
NEWSROOM_LOGO = env_str("SITE_LOGO", "img/logo.png")  # a static file: publisher logo for Google
NEWSROOM_LOGO_SIZE = (600, 60)
# The account name authenticator apps show next to the code.
OTP_TOTP_ISSUER = NEWSROOM_SITE_NAME
NEWSROOM_SOCIAL_LINKS = [
    ("X", env_str("SOCIAL_X", "https://x.com/dailyledger")),
    ("Bluesky", env_str("SOCIAL_BLUESKY", "https://bsky.app/profile/dailyledger.example")),
    ("Facebook", env_str("SOCIAL_FACEBOOK", "https://www.facebook.com/dailyledger")),
    ("Instagram", env_str("SOCIAL_INSTAGRAM", "https://www.instagram.com/dailyledger")),
    ("YouTube", env_str("SOCIAL_YOUTUBE", "https://www.youtube.com/@dailyledger")),
]
# Related stories: automatic candidates come from this many days either side of the story's
# own publication, so years-old stories never crowd out this week's.
NEWSROOM_RELATED_WINDOW_DAYS = int(env_str("RELATED_WINDOW_DAYS", "45"))
NEWSROOM_SEARCH_RANK_LIMIT = int(env_str("SEARCH_RANK_LIMIT", "1000"))
NEWSROOM_RELATED_COUNT = 6
NEWSROOM_PAGE_SIZE = 20

# Page cache for anonymous readers (the pagecache app): purged exactly on every public change.
NEWSROOM_PAGE_CACHE = env_bool("PAGE_CACHE", True)
NEWSROOM_PAGE_CACHE_SECONDS = int(env_str("PAGE_CACHE_SECONDS", "600"))
# When the clock alone next changes what readers see (a scheduled publish or unpublish): cached
# pages expire then. Kept per process until a purge of pagecache.NEXT_CHANGE_KEY.
NEWSROOM_PAGE_CACHE_NEXT_CHANGE = "articles.purging.next_scheduled_change"
# With Redis, each process keeps the pages it served (and their keys' purge stamps) in memory,
# kept coherent by Redis's client tracking, so a hit needs no round trip: at most this many
# bytes of pages per process, oldest dropped first; 0 turns the mirror off.
NEWSROOM_PAGE_MIRROR_BYTES = int(env_str("PAGE_MIRROR_MB", "32")) * 1024 * 1024
# Purges (pagecache/outbox.py, pagecache/tiers.py): every public change records its purges in
# the database with the change, sends them at once to every cache tier (the page cache, each
# Varnish, Fastly, Cloudflare) and the worker retries a tier until it confirms.
PURGE_VARNISH_URLS = [u.strip() for u in env_str("PURGE_VARNISH_URLS").split(",") if u.strip()]
PURGE_TIMEOUT = float(env_str("PURGE_TIMEOUT", "3"))
# An HTTP cache's purge is sent again this long after it was confirmed: a page rendered before
# the change may have reached it just after the first (pagecache/outbox.py, REPEAT).
PURGE_REPEAT_SECONDS = float(env_str("PURGE_REPEAT_SECONDS", "10"))
FASTLY_SERVICE_ID = env_str("FASTLY_SERVICE_ID")
FASTLY_API_TOKEN = env_str("FASTLY_API_TOKEN")
CLOUDFLARE_ZONE_ID = env_str("CLOUDFLARE_ZONE_ID")
CLOUDFLARE_API_TOKEN = env_str("CLOUDFLARE_API_TOKEN")
# What a CDN in front may do with public pages.
NEWSROOM_CDN_MAX_AGE = int(env_str("CDN_MAX_AGE", "60"))
NEWSROOM_CDN_STALE_SECONDS = int(env_str("CDN_STALE_SECONDS", "300"))
# HTTP caches the outbox purges by key (Varnish, Fastly, Cloudflare: README "Scaling out"). Public
# pages name what they show in this header ("xkey" for Varnish, "Surrogate-Key" for Fastly,
# "Cache-Tag" for Cloudflare), and when such a tier is configured it may keep them this long
# (Surrogate-Control; every change purges them there at once), serving a stale copy while the
# site is down for up to CDN_STALE_IF_ERROR.
SURROGATE_KEY_HEADER = env_str("SURROGATE_KEY_HEADER", "xkey")
NEWSROOM_PURGED_CACHE_MAX_AGE = int(env_str("PURGED_CACHE_MAX_AGE", "86400"))
NEWSROOM_CDN_STALE_IF_ERROR = int(env_str("CDN_STALE_IF_ERROR", "21600"))
# Sitemaps: URLs per page of the articles sitemap (50,000 is the sitemaps.org maximum), and the
# publication language the Google News sitemap gives (ISO 639: "en", or "zh-cn"/"zh-tw").
NEWSROOM_SITEMAP_PAGE_SIZE = 50000
NEWSROOM_NEWS_LANGUAGE = env_str("NEWS_LANGUAGE", LANGUAGE_CODE[:2].lower())

# Images: refused above these limits (huge uploads, decompression bombs, absurd shapes).
NEWSROOM_IMAGE_MAX_BYTES = int(env_str("IMAGE_MAX_MB", "15")) * 1024 * 1024
NEWSROOM_IMAGE_MAX_PIXELS = int(env_str("IMAGE_MAX_MEGAPIXELS", "50")) * 1_000_000
NEWSROOM_IMAGE_MAX_SIDE = int(env_str("IMAGE_MAX_SIDE", "20000"))

TAGGIT_CASE_INSENSITIVE = True
