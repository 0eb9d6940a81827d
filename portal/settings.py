"""Settings for the liên thông portal.

One module; every value comes from the environment (or a `.env` file beside manage.py) through
django-environ. No secret has a default unless DEBUG is on.

The embedded default: with no DATABASE_URL the portal runs on SQLite, and with no CELERY_BROKER_URL
its tasks run in-process, so a new machine needs nothing but Python. It is there only when asked
for: EMBEDDED=true, which DEBUG=true implies (`make run`) and the tests set (pyproject.toml's pytest
settings, tests/environment.py). Otherwise a missing DATABASE_URL or CELERY_BROKER_URL stops the
portal at start (ImproperlyConfigured, naming it), never a production server quietly on a file
database with its tasks in the web process.
"""

import datetime
import urllib.parse
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")
# `make run HOST=… PORT=…` exports DEV_BASE_URL (http://HOST:PORT): under DEBUG the portal answers
# on that host and prints it in its links unless ALLOWED_HOSTS and PUBLIC_BASE_URL say otherwise.
_DEV_BASE_URL = env.str("DEV_BASE_URL", default="http://127.0.0.1:8000")
_DEV_HOST = urllib.parse.urlsplit(_DEV_BASE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=sorted({"127.0.0.1", "localhost", _DEV_HOST}) if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_fsm",
    "csp",
    "axes",
    "agencies",
    "cases",
    "reporting",
    "citizens",
    "health",
    "signing",
    "outbound",
    "mozilla_django_oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.NulByteMiddleware",  # after auth: the 400 page shows who is signed in
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.DomainErrorMiddleware",
    "portal.middleware.PortalNotFoundMiddleware",  # the portal's 404 under DEBUG too (tracebacks stay)
    "portal.middleware.DatabaseUnavailableMiddleware",  # sees the views' errors before the others
    # Last: turns a sign-in refused for too many failures into the page or JSON that says so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
    {  # the rows of the busiest lists (portal/jinja2.py), rendered inside the Django templates
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "portal.jinja2.environment"},
    },
]

# Form widgets through Django's own Jinja2 templates for them: the same HTML, several times faster
# (the list pages' filters render a template per option); the admin's own widgets as before.
FORM_RENDERER = "portal.jinja2.FormRenderer"

# --- Database -------------------------------------------------------------------------------
# The embedded default (module docstring): SQLite beside manage.py and tasks in-process for what
# DATABASE_URL and CELERY_BROKER_URL leave unset, only with EMBEDDED=true (the default under DEBUG).
EMBEDDED = env.bool("EMBEDDED", default=DEBUG)
_unset = [name for name in ("DATABASE_URL", "CELERY_BROKER_URL") if not env.str(name, default="")]
if _unset and not EMBEDDED:
    raise ImproperlyConfigured(
        f"Set {' and '.join(_unset)}: {'EMBEDDED is false' if DEBUG else 'DEBUG is off'}, so the portal needs"
        " a PostgreSQL database (DATABASE_URL) and a Celery broker (CELERY_BROKER_URL) and does not fall back"
        " to SQLite and in-process tasks. To run on SQLite with tasks in-process (one machine, no services),"
        " set EMBEDDED=true."
    )
# PostgreSQL through psycopg 3 with Django's native connection pool when DATABASE_URL names one;
# SQLite beside manage.py otherwise.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=1),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Through PgBouncer in transaction mode (docs/deployment.md): a server connection is lent for a
    # transaction only, so nothing may outlive one: no server-side cursor, no prepared statement,
    # and no pool of our own (DATABASE_POOL=false with it).
    if env.bool("DATABASE_PGBOUNCER", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing: a transaction takes SQLite's write lock when it begins
    # (IMMEDIATE), so two officers on one step wait for each other (up to SQLITE_TIMEOUT seconds)
    # and the second sees the first's change and gets a 409, not "database is locked". WAL lets
    # pages read while a write is under way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
# The reports read a streaming replica when DATABASE_REPLICA_URL names one (portal/db_router.py):
# only the reads that ask for it, and only while it answers within 2 s and is less than
# DATABASE_REPLICA_MAX_LAG seconds behind, asked at most every DATABASE_REPLICA_CHECK_SECONDS;
# else they read the primary. Its pool as the primary's, but waiting no longer than its connect.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"]["OPTIONS"]["pool"] = {**DATABASES["default"]["OPTIONS"]["pool"], "timeout": 2}
    elif "CONN_MAX_AGE" in DATABASES["default"]:
        DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=30)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5)
DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in guessing (django-axes): after AXES_FAILURE_LIMIT failed attempts for one account, or from
# one client address (portal/client.py), sign-in is refused for AXES_COOLOFF_MINUTES, on the login
# page, the admin's login and POST /api/v1/auth/token/ alike, even with the right password. An
# administrator unlocks earlier: admin > Axes > Access attempts, or `manage.py axes_reset_username`.
AUTHENTICATION_BACKENDS = [
    "portal.authentication.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "citizens.oidc.CitizenBackend",  # citizens: e-ID over OpenID Connect, never a password of ours
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account; per address: SIGN_IN_ADDRESS_LIMIT
# django-axes warns without "ip_address" among its parameters (axes.W006): the per-address limit is
# the guard's own ceiling (an office's NAT address must not be locked at five typos), and adding it
# would count e-ID refusals, which have no user name, against one shared empty name again.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no INCLUDE columns (models.W040): the queue's covering index is a plain one there,
    # which the embedded default's few rows do not miss (PostgreSQL's plan needs them: Step.Meta).
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Per address only at a ceiling a whole office behind one address never reaches in a day of typos
# (failures within an hour, any account, e-ID refusals included); per account, slowing down before
# the lock: after SIGN_IN_SLOW_AFTER failures each try waits 2, 4, 8… s (portal/authentication.py).
SIGN_IN_ADDRESS_LIMIT = env.int("SIGN_IN_ADDRESS_LIMIT", default=100)
SIGN_IN_SLOW_AFTER = env.int("SIGN_IN_SLOW_AFTER", default=2)
AXES_CLIENT_IP_CALLABLE = "portal.client.client_address"
AXES_LOCKOUT_CALLABLE = "portal.client.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused try (locked, too soon) is not a new failure
AXES_RESET_ON_SUCCESS = True  # a success starts the account's count again
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy on every page, in English too (portal/formats/); the API keeps ISO dates.
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static files (served by WhiteNoise: no CDN, the offices' network may not reach one) ------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Scans, signed documents and extracts: under MEDIA_ROOT unless STORAGE_S3_BUCKET names a bucket of
# an S3-compatible store (django-storages). Never public: objects get no ACL (the bucket's private
# default), the portal reads them back and serves them through its own scoped views, and any URL
# the storage makes is a signed one that expires. Keys left unset come from boto's own chain.
if env.str("STORAGE_S3_BUCKET", default=""):
    _s3_options = {
        "bucket_name": env.str("STORAGE_S3_BUCKET"),
        "endpoint_url": env.str("STORAGE_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("STORAGE_S3_REGION", default="") or None,
        "access_key": env.str("STORAGE_S3_ACCESS_KEY", default="") or None,
        "secret_key": env.str("STORAGE_S3_SECRET_KEY", default="") or None,
        "location": env.str("STORAGE_S3_PREFIX", default="").strip("/"),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}

# --- Security when served for real ----------------------------------------------------------
# Outside DEBUG the portal is HTTPS only: plain HTTP is redirected (except /healthz, which the
# container's health check asks over plain HTTP), browsers are told to keep to HTTPS for a year
# (HSTS, sent on HTTPS responses only), cookies travel over HTTPS only. Behind a proxy that
# terminates TLS, the proxy must set X-Forwarded-Proto (https or http) and strip it from clients;
# where the proxy itself redirects plain HTTP, SECURE_SSL_REDIRECT=false. `make deploy-check`
# runs `check --deploy` with such an environment.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day
# Sessions are written to the database and read from the cache: one query fewer on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The pages load only their own scripts, styles and images (no inline script, no style attribute,
# no CDN); the API docs page (Swagger UI) widens style-src and img-src for itself (portal/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Request sizes ----------------------------------------------------------------------------
# The largest legitimate request is the desk's filing page: four scans (cases/views/clerk.py,
# DOCUMENT_ROWS) of at most 10 MB each (the rule attachment.max_bytes) and the form. A body
# larger than MAX_REQUEST_BYTES is refused with 413 before it is read (portal.middleware); the
# proxy in front should refuse it too (nginx: client_max_body_size 45m). Uploaded files above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not memory; the fields of a request other
# than its files may take DATA_UPLOAD_MAX_MEMORY_SIZE (the API's JSON bodies are a few kB; an
# intake form has well under a hundred fields; four scans are the most one request carries).
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=45 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Proxies (addresses or networks) whose X-Forwarded-For is believed, right to left: the client is
# the right-most forwarded address that is not one of them. None by default: REMOTE_ADDR is the
# client. Used by the API throttles, the tracking page and the sign-in lockout (portal/client.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- The portal's public address -------------------------------------------------------------
# Printed on the receipts (the tracking link and its QR code): the address citizens reach from
# outside, never the address of whoever printed the paper. Required when DEBUG is off: the system
# check cases.E001 stops `manage.py migrate` and `check` without an absolute http(s) address.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=_DEV_BASE_URL if DEBUG else "").rstrip("/")

# --- Notices to citizens ----------------------------------------------------------------------
# E-mail through Django's mail (EMAIL_URL, django-environ's form: "smtp://user:password@host:587/?tls=True",
# "smtp+ssl://...:465"); by default written to the console, so nothing leaves a laptop.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng liên thông <no-reply@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; a server that hangs is retried later
# Texts through an SMS gateway's HTTP API (portal/sms.py): "console" (the default: logged only) or "http".
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="LIENTHONG")  # the brand name the gateway registered
# The escalation ladder (cases/ladder.py) also texts the office's (or desk's) phone of a rung 1 or 2.
LADDER_SMS = env.bool("LADDER_SMS", default=False)

# --- Background work ------------------------------------------------------------------------
# With a broker, tasks go to Celery workers; without one (EMBEDDED only, see above) they run
# in-process (eagerly), which is how the portal runs on a laptop with nothing installed.
# The cache: shared by every worker when CACHE_URL names a Redis database (the computed reports,
# the tracking page's attempt counter); per process otherwise.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
    if env("CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The outbox sweeper publishes again, every OUTBOX_SWEEP_INTERVAL seconds, what was written at least
# OUTBOX_SWEEP_AGE seconds ago and is still undelivered (a broker that was down, a lost task).
OUTBOX_SWEEP_INTERVAL = env.float("OUTBOX_SWEEP_INTERVAL", default=60.0)
OUTBOX_SWEEP_AGE = env.float("OUTBOX_SWEEP_AGE", default=60.0)
# Beat climbs the escalation ladder (cases/services/ladder.py) every this many seconds.
LADDER_INTERVAL = env.float("LADDER_INTERVAL", default=900.0)
# Beat sends the deliveries that are due (retries, lost publications) every this many seconds.
OUTBOUND_SWEEP_INTERVAL = env.float("OUTBOUND_SWEEP_INTERVAL", default=30.0)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "outbox-sweep": {"task": "cases.tasks.outbox_sweep_task", "schedule": OUTBOX_SWEEP_INTERVAL},
    "supplements-expire": {"task": "cases.tasks.supplements_expire_task", "schedule": 3600.0},
    "lateness-record": {"task": "cases.tasks.lateness_record_task", "schedule": 3600.0},
    "ladder-climb": {"task": "cases.tasks.ladder_climb_task", "schedule": LADDER_INTERVAL},
    # The report summaries: today and yesterday every 30 s; every day from the start each night.
    "summaries-update": {"task": "reporting.tasks.summaries_update_task", "schedule": 30.0},
    "summaries-rebuild": {"task": "reporting.tasks.summaries_rebuild_task", "schedule": crontab(hour=1, minute=30)},
    "health-notices-purge": {"task": "health.tasks.notices_purge_task", "schedule": crontab(hour=2, minute=15)},
    "documents-sweep": {"task": "signing.tasks.documents_sweep_task", "schedule": 60.0},
    "reports-due": {"task": "reporting.tasks.reports_due_task", "schedule": crontab(hour=7, minute=0)},
    "deliveries-due": {"task": "outbound.tasks.deliveries_due_task", "schedule": OUTBOUND_SWEEP_INTERVAL},
}
# A queue per kind of work, so a slow report or a burst of documents never delays a hand-off:
# "default" the hand-offs (and the sweepers), "notices" the e-mails and texts to citizens,
# "signing" the documents, "outbound" the deliveries to other systems, "reports" the summaries and
# the scheduled reports. A worker started without --queues takes them all.
WORKER_QUEUES = ("default", "notices", "signing", "outbound", "reports")
CELERY_TASK_QUEUES = [Queue(name) for name in WORKER_QUEUES]
CELERY_TASK_ROUTES = {
    "signing.tasks.document_sign_task": {"queue": "signing"},
    "outbound.tasks.deliveries_send_task": {"queue": "outbound"},
    "reporting.tasks.*": {"queue": "reports"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# With no broker, the process that serves the pages runs that schedule itself (portal/beat.py).
LOCAL_BEAT = env.bool("LOCAL_BEAT", default=True)
# ... and runs these queues' tasks in a thread of its own, not inside the request (portal/local_worker.py).
LOCAL_WORKER = env.bool("LOCAL_WORKER", default=True)
LOCAL_WORKER_QUEUES = ("signing",)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "portal.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A health facility's client may call only the endpoint of hospital notices (and its token's).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "agencies.permissions.NotHealthFacility",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.CursorPagination",
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "track": env("TRACK_THROTTLE", default="30/minute"),
        "verify": env("VERIFY_THROTTLE", default="30/minute"),
    },
    "NUM_PROXIES": 0,  # the throttles count portal.client.client_address(), never X-Forwarded-For as sent
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Failed tracking look-ups per dossier code (page and API together) before that code answers 429,
# the right digits included, until TRACK_CODE_WINDOW seconds after the first failure (cases/tracking.py).
TRACK_CODE_FAILURES = env.int("TRACK_CODE_FAILURES", default=10)
TRACK_CODE_WINDOW = env.int("TRACK_CODE_WINDOW", default=3600)
# API tokens are valid for this many days from when they were issued; then POST /api/v1/auth/token/
# again issues a new one.
API_TOKEN_LIFETIME = env.int("API_TOKEN_LIFETIME", default=30)
# A token and its holder's row are remembered in the cache this many seconds after a request used
# them (portal.authentication): a revocation or a change of the holder applies at once all the same,
# in every process when the cache is shared (CACHE_URL; a per-process cache would not hear another
# process's revocation, so without one the default is 0: always read the database); only a change
# made by QuerySet.update() or raw SQL waits for it.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=60 if env("CACHE_URL", default="") else 0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Liên thông API",
    "DESCRIPTION": "Linked birth and death procedure bundles (contract: API v1).",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",  # served from this server: the offices may not reach a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema is exact (issue 11 §4, `make fuzz`): a text field that refuses "" says minLength 1.
    "ENFORCE_NON_BLANK_FIELDS": True,
    "ENUM_NAME_OVERRIDES": {
        "BundleStateEnum": "cases.choices.BundleState",
        "StepStateEnum": "cases.choices.StepState",
        "AgencyRoleEnum": "agencies.choices.AgencyRole",
        "UserRoleEnum": "agencies.choices.UserRole",
        "AccessChannelEnum": "cases.choices.AccessChannel",
        "ReadKindEnum": "cases.choices.ReadKind",
        "KindEnum": "cases.kinds.choices",  # the bundle kinds (birth, death): "kind" names two choice sets
        "ChannelEnum": "cases.choices.Channel",
        "FuneralCategoryEnum": "cases.kinds.death.FuneralCategory",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each step of every PDF at INFO ("Step 2 - Fetching and parsing CSS").
    "loggers": {"weasyprint": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Citizens' e-ID sign-in (OpenID Connect): the assurance levels (`acr` of the ID token) that may
# file a dossier; a sign-in at a lower level may only track its dossiers.
# Offline capture at the desk (cases/offline.py): how old a dossier captured offline may be when it
# is sent and still be taken as received when it was captured; how long a device keeps the line of
# a dossier it sent (its number and code, never its data, which go as soon as the server holds them).
OFFLINE_CAPTURE_DAYS = env.int("OFFLINE_CAPTURE_DAYS", default=7)
OFFLINE_SENT_KEEP_HOURS = env.int("OFFLINE_SENT_KEEP_HOURS", default=24)
OIDC_ACR_FILING = frozenset(env.list("OIDC_ACR_FILING", default=["2", "3"]))
# The provider (mozilla-django-oidc reads the OIDC_* names; citizens.oidc and citizens.provider
# the rest): by default the development provider (idp/) that `make run` starts on port 8001. The
# endpoints come from the issuer's discovery document (/.well-known/openid-configuration) unless
# set here; the ID token's algorithms are those it announces that OIDC_SIGN_ALGORITHMS admits
# (`none` and HS* never are).
OIDC_ISSUER = env("OIDC_ISSUER", default="http://127.0.0.1:8001/o")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="lien-thong")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="dev-secret")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT", default="")
OIDC_SIGN_ALGORITHMS = env.list("OIDC_SIGN_ALGORITHMS", default=["RS256", "PS256", "ES256"])
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": env("OIDC_ACR_VALUES", default="2")}  # asks; the provider decides
# How the portal authenticates at the token endpoint: client_secret_basic, client_secret_post, or
# private_key_jwt (a JWT signed with the PEM key OIDC_CLIENT_PRIVATE_KEY, whose public half the
# provider holds under OIDC_CLIENT_KEY_ID).
OIDC_TOKEN_AUTH_METHOD = env("OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic")
OIDC_CLIENT_PRIVATE_KEY = env("OIDC_CLIENT_PRIVATE_KEY", default="")
OIDC_CLIENT_KEY_ID = env("OIDC_CLIENT_KEY_ID", default="")
OIDC_CLIENT_ASSERTION_ALGORITHM = env("OIDC_CLIENT_ASSERTION_ALGORITHM", default="RS256")
# The claims (ID token or userinfo) that carry the personal ID number, the level, the name and the
# birth date (VNeID's names unverified).
OIDC_CLAIM_PERSONAL_ID = env("OIDC_CLAIM_PERSONAL_ID", default="personal_id")
OIDC_CLAIM_LEVEL = env("OIDC_CLAIM_LEVEL", default="acr")
OIDC_CLAIM_NAME = env("OIDC_CLAIM_NAME", default="name")
OIDC_CLAIM_BIRTHDATE = env("OIDC_CLAIM_BIRTHDATE", default="birthdate")
OIDC_TIMEOUT = 10  # seconds for each request to the provider
OIDC_AUTHENTICATE_CLASS = "citizens.oidc.SignIn"
OIDC_CALLBACK_CLASS = "citizens.oidc.Callback"
LOGIN_REDIRECT_URL_FAILURE = "/citizen/sign-in/refused/"  # a path: the library does not resolve names

# Hospital notices (health/): where the facility's XML signature must sit in the envelope
# (signxml's `location`), and how many days a notice no dossier cites is kept (Decree 13/2023).
HEALTH_NOTICE_SIGNATURE_LOCATION = env("HEALTH_NOTICE_SIGNATURE_LOCATION", default="./CHUKYDONVI/")
HEALTH_NOTICE_KEEP_DAYS = env.int("HEALTH_NOTICE_KEEP_DAYS", default=90)

# Signed documents (signing/). Keys: SIGNING_KEY_STORE names the key store (pkcs12: one file per key
# under SIGNING_KEY_DIR, opened with SIGNING_PKCS12_PASSPHRASE; pkcs11: a hardware token; csc: a
# remote signing service; signing/keys.py).
# Every document gets an RFC 3161 timestamp from SIGNING_TSA_URL (PAdES B-T); with
# SIGNING_LONG_TERM the chain's revocation data is embedded too (B-LT). The PDFs people bring
# to /verify/ and the extracts officers upload are checked against the roots in SIGNING_TRUST_DIR.
SIGNING_KEY_STORE = env("SIGNING_KEY_STORE", default="pkcs12")
SIGNING_KEY_DIR = env.path("SIGNING_KEY_DIR", default=BASE_DIR / "var" / "signing" / "keys")
SIGNING_PKCS12_PASSPHRASE = env("SIGNING_PKCS12_PASSPHRASE", default="")
SIGNING_CSC_URL = env("SIGNING_CSC_URL", default="")  # the part before /csc/v1/...
SIGNING_CSC_TOKEN = env("SIGNING_CSC_TOKEN", default="")
SIGNING_CSC_PIN = env("SIGNING_CSC_PIN", default="")
SIGNING_PKCS11_MODULE = env("SIGNING_PKCS11_MODULE", default="")  # e.g. /usr/lib/softhsm/libsofthsm2.so
SIGNING_PKCS11_TOKEN = env("SIGNING_PKCS11_TOKEN", default="")
SIGNING_PKCS11_PIN = env("SIGNING_PKCS11_PIN", default="")
# Under DEBUG, the demo authority of `make run` (DEV_TSA_URL: the Makefile's PKI_PORT).
_DEV_TSA_URL = env("DEV_TSA_URL", default="http://127.0.0.1:8002/demo/tsa/tsa")
SIGNING_TSA_URL = env("SIGNING_TSA_URL", default=_DEV_TSA_URL if DEBUG else "")
SIGNING_LONG_TERM = env.bool("SIGNING_LONG_TERM", default=True)
# Checking a document someone brings fetches revocation data and issuer certificates only from
# these address prefixes (the province's CAs' OCSP, CRL and certificate addresses) and the TSA's
# origin, never from an address written in the file (signing/fetching.py); a few requests, short.
SIGNING_FETCH_FROM = env.list("SIGNING_FETCH_FROM", default=[])
SIGNING_FETCH_TIMEOUT = env.float("SIGNING_FETCH_TIMEOUT", default=3.0)
SIGNING_FETCH_MAX_REQUESTS = env.int("SIGNING_FETCH_MAX_REQUESTS", default=6)
SIGNING_TRUST_DIR = env.path("SIGNING_TRUST_DIR", default=BASE_DIR / "var" / "signing" / "trust")
# The sweeper hands out again the documents still unsigned after this many seconds.
SIGNING_SWEEP_AGE = env.float("SIGNING_SWEEP_AGE", default=60.0)
# Checks on the public /verify/ page per address and minute (each fetches revocation data).
VERIFY_PAGE_ATTEMPTS = env.int("VERIFY_PAGE_ATTEMPTS", default=30)
# Checks of uploaded PDFs (page and API) running at once: per address, and from everyone, so that
# the public never holds every web worker the desk and the officers need (portal.client.in_flight).
VERIFY_RUNNING_PER_ADDRESS = env.int("VERIFY_RUNNING_PER_ADDRESS", default=2)
VERIFY_RUNNING = env.int("VERIFY_RUNNING", default=2)
# Whether a civil-status step completes only with its electronic extract attached (off until the
# civil-status system issues signed extracts; an attached extract is always checked).
CIVIL_STATUS_EXTRACT_REQUIRED = env.bool("CIVIL_STATUS_EXTRACT_REQUIRED", default=False)

# Connections out (outbound/). The national public-service portal's integration service, as
# OpenCPS calls it (outbound/national.py): the login URL (OpenCPS's adapter_url + auth_endpoint)
# and the service URL (adapter_url + integration_endpoint), the account, the dstcode header, the
# unit code (madonvi) and how long a session is kept (OpenCPS: 10 minutes). Nothing is sent while
# NATIONAL_PORTAL_URL is empty. NATIONAL_PORTAL_STATUS_URL and NATIONAL_PORTAL_TOKEN (the bearer
# call before issue 27) are no longer read: see docs/integrations.md. A failed delivery is tried again after
# OUTBOUND_RETRY_BASE seconds, doubling up to OUTBOUND_RETRY_MAX, for OUTBOUND_GIVE_UP seconds;
# then it waits in the dead-letter list.
NATIONAL_PORTAL_URL = env("NATIONAL_PORTAL_URL", default="")
NATIONAL_PORTAL_AUTH_URL = env("NATIONAL_PORTAL_AUTH_URL", default="")
NATIONAL_PORTAL_USERNAME = env("NATIONAL_PORTAL_USERNAME", default="")
NATIONAL_PORTAL_PASSWORD = env("NATIONAL_PORTAL_PASSWORD", default="")
NATIONAL_PORTAL_DSTCODE = env("NATIONAL_PORTAL_DSTCODE", default="")
NATIONAL_PORTAL_MADONVI = env("NATIONAL_PORTAL_MADONVI", default="")
NATIONAL_PORTAL_SESSION_TTL = env.float("NATIONAL_PORTAL_SESSION_TTL", default=600.0)
OUTBOUND_TIMEOUT = env.float("OUTBOUND_TIMEOUT", default=10.0)
OUTBOUND_RETRY_BASE = env.float("OUTBOUND_RETRY_BASE", default=30.0)
OUTBOUND_RETRY_MAX = env.float("OUTBOUND_RETRY_MAX", default=3600.0)
OUTBOUND_GIVE_UP = env.float("OUTBOUND_GIVE_UP", default=86400.0)
# Partners' webhooks: switched off after this many failed deliveries in a row; private or
# reserved addresses only in these networks (comma-separated CIDRs, e.g. the province's gateway).
WEBHOOK_MAX_FAILURES = env.int("WEBHOOK_MAX_FAILURES", default=20)
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
