"""Settings, read from the environment (django-environ); see README.md, section 设置.

With nothing configured the project runs on embedded defaults: SQLite in ``var/`` and a Celery
broker on the file system (kombu's filesystem transport), so the demo needs no server.
"""

import ipaddress
import sys
import warnings
from datetime import date
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"



class _Env(environ.Env):
    """django-environ, with a Chinese message naming the variable when its value cannot be read."""

    def get_value(self, var, *args, **kwargs):
        try:
            return super().get_value(var, *args, **kwargs)
        except ValueError as exc:
            raise ImproperlyConfigured(f"环境变量 {var} 的值无法解析：{exc}") from exc


env = _Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Without SECRET_KEY the demo key is used; serving processes (wsgi, Celery worker) refuse it unless
# DEBUG is on, so production cannot start with it (config/startup.py).
SECRET_KEY_IS_DEMO = not SECRET_KEY
SECRET_KEY = SECRET_KEY or "insecure-demo-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_celery_beat",
    "accounts",
    "titles",
    "declarations",
    "reviews",
    "committees",
    "certificates",
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.db_router.ReplicaReadsMiddleware",
    "config.csp.CSPMiddleware",  # django-csp's, an ordinary response's headers built once per process
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.error_views.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.LocaleMiddleware",  # Django's, the one language activated without a choice
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, the user's row from the shared cache
    "accounts.middleware.OTPMiddleware",  # django-otp's, the verified device from the shared cache
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffSessionMiddleware",
    "accounts.middleware.SignInCompletionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "config.error_views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"
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
                "accounts.context_processors.notifications",
            ],
        },
    },
    {  # the layout and the busiest pages (config/jinja.py); found after Django's, which has no such names
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.notifications",
                "config.jinja.csrf",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL_DISPLAY = env.str("DATABASE_URL", default="")
if not DATABASE_URL_DISPLAY:  # the embedded default: SQLite in var/
    VAR_DIR.mkdir(exist_ok=True)
    DATABASE_URL_DISPLAY = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    with warnings.catch_warnings():  # an unknown scheme is refused below, in one Chinese line
        warnings.simplefilter("ignore")
        DATABASES = {"default": env.db_url_config(DATABASE_URL_DISPLAY)}
except Exception as exc:  # environ raises several kinds for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL 无法解析：{DATABASE_URL_DISPLAY!r}（{exc}）") from exc
if DATABASES["default"].get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured(
        f"DATABASE_URL 不受支持：{DATABASE_URL_DISPLAY!r}；请使用 postgres://… 或 sqlite:///…（见 README.md）"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
    DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SILENCED_SYSTEM_CHECKS = ["models.W047"]  # nulls_distinct=False is enforced on PostgreSQL, not SQLite

# --- Redis: cache, Celery broker and results -------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# each request's user roles and unread count from the shared cache (accounts/request_cache.py): only when
# the cache is shared by every process, so that a change in one is seen by all
REQUEST_CACHE = env.bool("REQUEST_CACHE", default=bool(REDIS_URL))
# the declaration's page kept as HTML under PostgreSQL's digest of its rows (config/fragments.py): only with a
# shared cache; PAGE_CACHE_TIMEOUT: seconds Redis keeps an entry no request asks for; PAGE_CACHE_ENTRIES: entries
# each process also keeps in its memory (the last used; 3,000 of 3–15 KB: at most ≈ 45 MB a process, measured
# 6–8 % more pages a second than 1,000 on a unit's 2,437 pages: README.md, 速度)
PAGE_CACHE = env.bool("PAGE_CACHE", default=bool(REDIS_URL))
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=600)
PAGE_CACHE_ENTRIES = env.int("PAGE_CACHE_ENTRIES", default=3000)
if REDIS_URL:
    # Fails soft (config/cache.py): while Redis is unreachable a read is a miss and sessions come from
    # the database, so the site keeps answering; the self-check's rate limit then fails open.
    CACHES = {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": REDIS_URL, "OPTIONS": {
        "socket_connect_timeout": 1, "socket_timeout": 2,
        "RETRY_AFTER": env.float("REDIS_RETRY_AFTER", default=5.0)}}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    _visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message taken by a worker that then died without acknowledging it (killed, machine lost) goes
        # back to the queue after this many seconds. It must exceed the longest task (a certificate batch),
        # or a task still running would be handed to a second worker; shorter means faster recovery.
        "visibility_timeout": _visibility_timeout,
        # how often a worker looks for such messages (one sorted-set query; kombu's default is every 100 s)
        "unacked_restore_interval": min(10, _visibility_timeout), "unacked_restore_throttle": 1,
        # a broker that hangs must not hang a request (outbox.services.send tries once after commit)
        "socket_connect_timeout": 2, "socket_timeout": 5,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://localhost//"
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # exchange tables: under var/, not the work tree
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True  # tasks report through the database and the event log
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "Asia/Shanghai"
# A worker that dies in the middle of a task must not lose it (issue 20, faults; bench/faults/worker_kill.sh):
# the message is acknowledged only after the task returns (acks_late), a pool process killed mid-task
# puts its message back at once (reject_on_worker_lost; the tasks are idempotent, so running one again
# is safe: the outbox's row lock and done mark, the handlers' own checks), and a worker takes one message
# at a time (prefetch 1), so a killed worker holds no queue of others' work. After a lost broker
# connection the worker stops its late-acknowledged tasks, whose messages are redelivered anyway,
# instead of running them twice at once.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat schedule lives in the database (django-celery-beat, migration reviews/0005_beat_schedule):
# the outbox sweep every minute, the deadline sweeps after midnight and hourly, reminders at 08:00.
# A file-based beat (CELERY_BEAT_SCHEDULER=celery.beat:PersistentScheduler: the fault tests) runs only
# the outbox sweep, every OUTBOX_SWEEP_SECONDS.
CELERY_BEAT_SCHEDULER = env.str("CELERY_BEAT_SCHEDULER", default="django_celery_beat.schedulers:DatabaseScheduler")
CELERY_BEAT_SCHEDULE: dict = {} if "DatabaseScheduler" in CELERY_BEAT_SCHEDULER else {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=60.0)},
}
OUTBOX_RESEND_AFTER = env.int("OUTBOX_RESEND_AFTER", default=300)  # seconds before an unfinished send is re-sent
# The set-based sweeps (declarations.bulk): a sweep that moves at least SWEEP_PARALLEL_MIN declarations
# does so in SWEEP_WRITERS parts at once, each a transaction on a connection of its own (PostgreSQL only).
SWEEP_WRITERS = env.int("SWEEP_WRITERS", default=2)
SWEEP_PARALLEL_MIN = env.int("SWEEP_PARALLEL_MIN", default=20000)

# --- Speed (issue 14): kept database connections, sessions on Redis --------------------------
# Chosen by measurement with bench/pages/ (README.md, 速度): opening a PostgreSQL connection per request
# cost about 11 ms. Persistent connections (CONN_MAX_AGE, checked before reuse) are the default in
# production; DB_POOL=true uses Django's psycopg 3 pool instead. Sessions are read from Redis
# (cached_db: written through to the database) only when Redis is shared by every process; a per-process
# memory cache would keep a signed-out session alive in the other workers. Templates: Django's cached
# loader is on by default (no "loaders" option above).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DB_POOL", default=False):
        # timeout: a request waits at most this long for a connection, then answers 503 (psycopg's default
        # of 30 s held every request that long while the database was down)
        DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": env.int("DB_POOL_MAX", 10),
                                                   "timeout": env.float("DB_POOL_TIMEOUT", default=5.0)}
        # the pool checks a connection before lending it, so one broken by a database restart is replaced
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    else:
        # not kept under pytest: the browser tests' live-server threads would hold the test database open
        kept = 0 if DEBUG or "pytest" in sys.modules else 600
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=kept)
        # a "SELECT 1" before the first query of each request, so that the first request after a database
        # restart reconnects instead of answering 503 once per worker (README.md, 故障测试); off: one round
        # trip less per request (README.md, 速度)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_HEALTH_CHECKS", default=True)
if REDIS_URL:
    SESSION_ENGINE = "accounts.session_cached_db"  # Django's cached_db, read with the user in one round trip
# --- end of speed (issue 14) -----------------------------------------------------------------

# --- Read replicas (issue 20; config/db_router.py) ----------------------------------------------
# DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of streaming replicas of DATABASE_URL. Safe
# requests outside transactions read them (at random), unless the browser changed something within
# REPLICA_PIN_SECONDS; everything else, and every write and migration, uses the primary.
DATABASE_REPLICAS: list[str] = []
for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS 仅在 DATABASE_URL 为 PostgreSQL 时可用（见 README.md）")
    try:
        replica = env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS 第 {number} 项无法解析：{url!r}（{exc}）") from exc
    if replica.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS 第 {number} 项不是 postgres:// 地址：{url!r}")
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS"):
        if key in DATABASES["default"]:
            replica[key] = DATABASES["default"][key]
    replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **replica.get("OPTIONS", {})}
    replica["TEST"] = {"MIRROR": "default"}  # tests have no replica: the alias reads the test database
    DATABASES[f"replica_{number}"] = replica
    DATABASE_REPLICAS.append(f"replica_{number}")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)

# Django's PostgreSQL backend, with a health check of kept connections that polls the socket instead of
# sending SELECT 1 on every request (config/postgresql/base.py; README 速度)
for _alias in ["default", *DATABASE_REPLICAS]:
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES[_alias]["ENGINE"] = "config.postgresql"
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# GB/T 22239-2019 level 3 (8.1.4.1 a): at least 8 characters of 3 of the 4 classes, not like the username.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=8)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username", "real_name", "phone", "id_number", "email"]}},
    {"NAME": "accounts.validators.MinimumLengthValidator",  # Django's, with a Chinese message
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.PasswordComplexityValidator", "OPTIONS": {"min_classes": 3}},
]
# Staff (every role but 申报人) are signed out after this many idle minutes and when the browser closes;
# department, bureau, committee-office and system-admin roles sign in with a TOTP code as well.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
OTP_TOTP_ISSUER = "职称申报评审平台"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
ELIGIBILITY_ANON_RATE = env("ELIGIBILITY_ANON_RATE", default="30/min")  # public self-check, per address
RESULT_OBJECTION_RATE = env("RESULT_OBJECTION_RATE", default="5/hour")  # public results objections, per address
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one account from one address, never the whole site
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Proxies whose X-Forwarded-For is believed (addresses or networks, e.g. 10.0.0.0/8); see README.md.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy.strip(), strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES 无法解析：{_proxy!r}（应为 IP 地址或网段，如 10.0.0.0/8）") from exc
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# History pages are read-only: nothing is reverted behind the services' backs (accounts/admin_base.py).
SIMPLE_HISTORY_REVERT_DISABLED = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# a browser-session cookie, as the staff's sessions are: gone when the browser closes (the next page sets a new one),
# and not sent again with every page to renew an expiry (config.jinja.masked_token)
CSRF_COOKIE_AGE = None
# --- HTTPS and security headers (GB/T 22239-2019 8.1.4 and 8.1.3) -----------------------------
# HTTPS=true: served behind a TLS-terminating proxy that sets X-Forwarded-Proto; turns on the
# redirect to https, HSTS and secure cookies (what `manage.py check --deploy` asks for).
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Django's cookie-then-session storage, made only when a request has messages (config/messages.py)
MESSAGE_STORAGE = "config.messages.FallbackStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# django-csp: scripts, styles and everything else from this site only; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Demo clock: the demo may pretend today is another date (config/clock.py; DEBUG only) ---------
try:
    ZC_TODAY = date.fromisoformat(env.str("ZC_TODAY")) if env.str("ZC_TODAY", default="") else None
except ValueError as exc:
    raise ImproperlyConfigured(f"ZC_TODAY 应为日期 YYYY-MM-DD：{env.str('ZC_TODAY')!r}") from exc

# --- E-mail (notifications are sent from the outbox by the worker) ----------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@zhicheng.localhost")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # for the file-based backend
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- E-certificates (certificates/) ----------------------------------------------------------------
# The public address the certificate's QR code points to (the verification page), e.g. https://zc.example.gov.cn
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="") or SITE_URL
# The PAdES signing key and certificate (PEM files); ``manage.py make_signing_cert`` makes a demo pair.
CERT_SIGNING_KEY = Path(env.str("CERT_SIGNING_KEY", default=str(VAR_DIR / "signing" / "signing-key.pem")))
CERT_SIGNING_CERT = Path(env.str("CERT_SIGNING_CERT", default=str(VAR_DIR / "signing" / "signing-cert.pem")))
CERT_SIGNING_PASSPHRASE = env.str("CERT_SIGNING_PASSPHRASE", default="")
CERTIFICATE_VERIFY_RATE = env("CERTIFICATE_VERIFY_RATE", default="30/min")  # public look-ups per address
CERTIFICATE_ISSUE_CHUNK = env.int("CERTIFICATE_ISSUE_CHUNK", default=20)  # declarations per worker task
if CERTIFICATE_ISSUE_CHUNK <= 0:
    raise ImproperlyConfigured("CERTIFICATE_ISSUE_CHUNK 必须是正整数")

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # Chinese labels for libraries without them (django-axes)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and "pytest" not in sys.modules
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded materials (declarations/uploads.py): per file, per declaration, pixels per image.
# how a material's bytes reach the browser after the permission check (declarations.views.material_file):
# django (streamed by Django), x-accel (nginx X-Accel-Redirect to an internal location), signed-url (the
# storage's short-lived signed URL, e.g. S3 with querystring_auth)
MATERIALS_DELIVERY = env.str("MATERIALS_DELIVERY", default="django")
if MATERIALS_DELIVERY not in ("django", "x-accel", "signed-url"):
    raise ImproperlyConfigured(f"MATERIALS_DELIVERY 不受支持：{MATERIALS_DELIVERY!r}；可选 django、x-accel、signed-url")
MATERIALS_ACCEL_PREFIX = env.str("MATERIALS_ACCEL_PREFIX", default="/protected-media/")
UPLOAD_MAX_FILE_MB = env.int("UPLOAD_MAX_FILE_MB", default=10)
UPLOAD_MAX_DECLARATION_MB = env.int("UPLOAD_MAX_DECLARATION_MB", default=100)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
if min(UPLOAD_MAX_FILE_MB, UPLOAD_MAX_DECLARATION_MB, UPLOAD_MAX_PIXELS) <= 0:
    raise ImproperlyConfigured("UPLOAD_MAX_FILE_MB、UPLOAD_MAX_DECLARATION_MB、UPLOAD_MAX_PIXELS 必须是正整数")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.api_input.ChineseSessionAuthentication"],
    "DEFAULT_PARSER_CLASSES": ["config.api_input.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api_input.ContentNegotiation",  # DRF's, Accept from META
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "职称申报评审平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.document_refusals"],
    "ENUM_NAME_OVERRIDES": {"ScoreKindEnum": "committees.models.ScoreKind"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "config.log_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

if "pytest" in sys.modules:  # tests only: fast password hashing, no lockout noise between tests
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
