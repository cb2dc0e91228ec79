"""Talent Portal settings.

Every setting that differs between a laptop and production comes from the environment
(12-factor). With nothing set the portal runs embedded: SQLite, Celery tasks in-process,
email to the console, DEBUG on. See README.md for the production variables.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The development key only ever works with DEBUG on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-talentportal-development-only"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the portal refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. With DJANGO_DEBUG off, list the host names the "
        "portal answers to, comma-separated (e.g. portal.example.cn)."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_ratelimit",
    "talentportal",
    "accounts",
    "courses",
    "counties",
    "enrollment",
    "certificates",
    "reminders",
    "figures",
    "exams",
    "practice",
    "jobs",
    "officers",
    "projects",
    "competitions",
    "privacy",
    "studio",
    "coordinator",
    "learn",
    "catalogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "talentportal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "accounts.middleware.RateLimitedMiddleware",
    "accounts.middleware.OfflineUserMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "talentportal.urls"
WSGI_APPLICATION = "talentportal.wsgi.application"

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
                "counties.context_processors.roles",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the development server read while a command writes; IMMEDIATE transactions
    # take the write lock up front instead of failing with "database is locked" mid-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # A health check costs a "SELECT 1" on nearly every request; only a deployment whose
    # connections are cut behind its back (a proxy such as PgBouncer restarting) needs it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (sessions, rate limits, visitors' pages) and Redis ---------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# django-ratelimit 4.1 knows only a list of cache backends by name and warns about others; the
# atomic add and incr are all its limits need.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# A cache outage lets rate-limited requests through uncounted rather than refusing them all.
RATELIMIT_FAIL_OPEN = True
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL:
    # The cache gets its own Redis database: clearing a cache flushes its whole database,
    # which must never take the broker's queued tasks with it.
    _redis = urlsplit(REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "talentportal.cache.RedisCache",
            "LOCATION": urlunsplit(_redis._replace(path=f"/{env.int('REDIS_CACHE_DB', default=1)}")),
            "KEY_PREFIX": "tp",
            "OPTIONS": {
                # Redis down: every cache call answers as an empty cache would (talentportal.cache).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process on a laptop: a local-memory cache counts rate limits correctly there.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No broker configured: the embedded default runs every task in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# A message is acknowledged only once its task finished; a worker that dies mid-task
# leaves it to be delivered again (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis re-delivers an unacknowledged message after the visibility timeout: it must be
# longer than any task may run, or a slow task would be run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 12}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Verification codes an employer may check in bulk: requests per user (django-ratelimit).
JOBS_CERTIFICATE_CHECK_RATE = env.str("JOBS_CERTIFICATE_CHECK_RATE", default="30/h")

CELERY_BEAT_SCHEDULE = {
    # The daily scan writes the day's reminders; the send sweep delivers whatever is queued.
    "reminders-daily-scan": {
        "task": "reminders.tasks.scan_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "reminders-send-queued": {"task": "reminders.tasks.send_queued_reminders", "schedule": 15 * 60},
    "certificates-sweep-pending": {
        "task": "certificates.tasks.sweep_pending_certificates",
        "schedule": 5 * 60,
    },
    # The programme dashboard reads summary tables; the page says they are refreshed every 15 minutes.
    "figures-refresh": {"task": "figures.tasks.refresh_figures", "schedule": 15 * 60},
    # Student imports and announcement emails whose message was lost or whose worker died.
    "coordinator-sweep-import-jobs": {"task": "coordinator.tasks.sweep_import_jobs", "schedule": 5 * 60},
    "coordinator-sweep-announcements": {
        "task": "coordinator.tasks.sweep_announcements",
        "schedule": 5 * 60,
    },
    # Timed exam attempts end on the server: whatever was saved is graded soon after the deadline.
    # A sweep still queued when the next one is due is dropped: the next one does its work.
    "exams-close-overdue-attempts": {
        "task": "exams.tasks.close_overdue_attempts",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Job applications whose step the learner was not told of (a lost message or a failed send).
    "jobs-sweep-application-events": {"task": "jobs.tasks.sweep_application_events", "schedule": 5 * 60},
    # The SMS counts behind the daily SMS caps are kept two days, no longer (accounts.smslimits).
    "accounts-purge-sms-sends": {
        "task": "accounts.tasks.purge_sms_sends",
        "schedule": crontab(hour=4, minute=0),
    },
    # Projects at handover risk as their officer's term nears its end: flagged once per term;
    # each notice sent at most once, a refused send tried again the next day.
    "projects-flag-handover-risks": {
        "task": "projects.tasks.flag_handover_risks",
        "schedule": crontab(hour=8, minute=30),
    },
    # Competitions: open rounds' results rebuilt every minute (scoreboards), awards left pending.
    "competitions-refresh-open-rounds": {"task": "competitions.tasks.refresh_open_rounds", "schedule": 60},
    "competitions-sweep-pending-awards": {
        "task": "competitions.tasks.sweep_pending_awards",
        "schedule": 5 * 60,
    },
    # Lesson media no row or open/published revision names, older than a day (studio.media_sweep).
    "studio-media-sweep": {"task": "studio.tasks.media_sweep", "schedule": crontab(hour=3, minute=30)},
}

# --- Email ------------------------------------------------------------------------------
# EMAIL_URL: consolemail:// (default), smtp+tls://user:password@host:587, filemail://...
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# django-environ reads filemail:///var/mail as a relative path; EMAIL_FILE_PATH is explicit.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=_email["EMAIL_FILE_PATH"] or "")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Talent Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, loading the signed-in user with its role flags in one query
# (accounts.backends, accounts.roles).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
# PBKDF2-SHA256 at Django's 1,000,000 iterations, deliberately: about 0.27 CPU-seconds per
# sign-in or sign-up on one core of the benchmark machine, so a class of 60 signing in within a
# minute costs some 16 CPU-seconds, while each guess at a stolen hash costs an attacker as much.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's, with an error message this project translates (see accounts.validators).
    {"NAME": "accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "counties.forms.LearnerSignupForm",
    "login": "accounts.forms.LoginForm",
    "request_login_code": "accounts.forms.RequestLoginCodeForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
}
# Phone-first: sign up and sign in with a mainland mobile number and an SMS code (or an email
# address and a password). "email*" stays listed as required for allauth's mandatory email
# verification; the portal's sign-up form makes it optional when a mobile number is given
# (accounts.forms.PortalSignupForm), and so the password.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# Six digits, as Chinese SMS codes are; a village's SMS may take a while to arrive.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "dashed": False, "length": 6}
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# SMS codes actually sent, counted in the database (accounts.smslimits; README "SMS limits"):
# per number and per client address in any 24 hours, and for the whole portal per day (0: none).
SMS_CODES_PER_NUMBER_PER_DAY = env.int("SMS_CODES_PER_NUMBER_PER_DAY", default=10)
SMS_CODES_PER_ADDRESS_PER_DAY = env.int("SMS_CODES_PER_ADDRESS_PER_DAY", default=300)
SMS_CODES_PER_DAY = env.int("SMS_CODES_PER_DAY", default=20_000)
# Behind a reverse proxy the client's address is the last of X-Forwarded-For that the proxies
# added: allauth's limits per address and the SMS caps per address read it (README "SMS limits").
ALLAUTH_TRUSTED_PROXY_COUNT = env.int(
    "ALLAUTH_TRUSTED_PROXY_COUNT", default=1 if env.bool("DJANGO_BEHIND_PROXY", default=False) else 0
)
# The one-tap link in the SMS inviting a learner imported with only a mobile number works this
# many days, once (accounts.invitations).
ACCOUNT_INVITATION_LINK_DAYS = env.int("ACCOUNT_INVITATION_LINK_DAYS", default=7)
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up never tells whether an address already has an account: it always answers "check your
# mailbox", and mails an address that has one "you already have an account" instead of a
# confirmation link. allauth needs mandatory verification for that answer; the portal requires it
# at sign-up only: signing in with the password stays open to accounts whose address is not
# confirmed, so a rural learner with an unreliable mailbox is not locked out of their course
# (accounts.stages). Sign-in and password reset answer the same for unknown addresses.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_USER_DISPLAY = "accounts.models.user_display"
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    # A classroom signs up and signs in at once from one school address (NAT): the limits per
    # address leave room for several classes, while mass sign-up stays limited per hour and
    # password guessing per account (5 failures in 5 minutes) and per address.
    "signup": "200/h/ip",
    "login": "300/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
    # SMS codes (key: the number): one a minute per number, a classroom's worth per address.
    "request_login_code": "100/m/ip,1/m/key",
    "verify_phone": "1/m/key,100/m/ip",
}

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) and recovery codes.
# Staff, publishers, coordinators and officers must set it up before any other page
# (accounts.middleware.MfaRequiredMiddleware); learners may turn it on. On by default in
# production (DEBUG off); off with DEBUG on, so that the demo (`make run`) signs in with the
# password alone (README, "Two-factor authentication").
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "数字人才学习平台"
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Sessions ---------------------------------------------------------------------------
# Read from the cache (Redis in production), written through to the database: a signed-in page
# costs no session query, and a cache flush, eviction or outage only falls back to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: to stderr, one line per record --------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Certificates and reminders ---------------------------------------------------------
# Absolute links in certificates' QR codes and in reminders sent by workers (no request there).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Names the deployed code in the keys of visitors' cached pages (talentportal.visitorcache): set
# it to the commit on each deploy so no page rendered by the previous release is served after it.
PORTAL_RELEASE = env.str("PORTAL_RELEASE", default="")
CERTIFICATE_SWEEP_AFTER_MINUTES = env.int("CERTIFICATE_SWEEP_AFTER_MINUTES", default=10)
# The coordinator's background work: an import job that has not moved for this long is queued
# again (at most IMPORT_SWEEP_MAX_REQUEUES times, then failed); an announcement not emailed to
# every learner is queued again after ANNOUNCEMENT_SWEEP_AFTER_MINUTES, for up to
# ANNOUNCEMENT_SWEEP_WITHIN_HOURS after it was posted.
IMPORT_SWEEP_AFTER_MINUTES = env.int("IMPORT_SWEEP_AFTER_MINUTES", default=10)
IMPORT_SWEEP_MAX_REQUEUES = env.int("IMPORT_SWEEP_MAX_REQUEUES", default=3)
ANNOUNCEMENT_SWEEP_AFTER_MINUTES = env.int("ANNOUNCEMENT_SWEEP_AFTER_MINUTES", default=10)
ANNOUNCEMENT_SWEEP_WITHIN_HOURS = env.int("ANNOUNCEMENT_SWEEP_WITHIN_HOURS", default=48)
CERTIFICATE_SWEEP_BATCH = 5000
CERTIFICATE_MAX_RETRIES = 5
# SMS_BACKEND: talentportal.sms.ConsoleSmsBackend (default), talentportal.sms.FileSmsBackend (with
# SMS_FILE_PATH), or a provider's backend (see README).
SMS_BACKEND = env.str("SMS_BACKEND", default="talentportal.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="【数字人才学习平台】")
REMINDER_BATCH_SIZE = 500
# A project (neither handed over nor ended) is flagged when its officer's term ends within this
# many days and its handover is not ready (no successor, or an open checklist).
PROJECTS_HANDOVER_WARNING_DAYS = env.int("PROJECTS_HANDOVER_WARNING_DAYS", default=30)
# Programme mailboxes told of every handover flag by email; empty: staff see the flags on the
# project lists and pages only (the officer and the county's coordinators are always told).
PROJECTS_HANDOVER_STAFF_EMAILS = env.list("PROJECTS_HANDOVER_STAFF_EMAILS", default=[])
RATELIMIT_VIEW = "talentportal.views.rate_limited"
VERIFY_RATE_LIMIT = env.str("VERIFY_RATE_LIMIT", default="30/m")
# Unknown join codes tried per address (learn.views): a class opening its own code never counts.
JOIN_RATE_LIMIT = env.str("JOIN_RATE_LIMIT", default="30/m")

# The load benchmark's baseline page (bench/load.py); never on in a real deployment.
BENCH_BASELINE = env.bool("DJANGO_BENCH_BASELINE", default=False)

# --- The programme ----------------------------------------------------------------------
PROGRAMME_NAME = _("County Digital Talent Programme")
PROGRAMME_TARGET_LEARNERS = env.int("PROGRAMME_TARGET_LEARNERS", default=200_000)
