from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests import factories
from tests.browser import conftest as browser_fixtures

SHARED_DATA = Path(
    os.environ.get("TALENTPORTAL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
DIVISIONS_DIR = SHARED_DATA / "divisions"


# Headless Chromium for every browser test, wherever it lives (tests/browser and the apps'
# test_browser files): one session-wide Playwright.
_chromium = pytest.fixture(scope="session", name="_chromium")(browser_fixtures.chromium_session)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's 1,000,000 iterations are the point in production and more than half the suite's
    # time in tests, where passwords are set by the hundred and never under attack. The
    # production hashers are checked in tests/test_settings.py.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mfa_not_required(settings):
    # Staff, coordinators and officers sign in with force_login here, which allauth's two-factor
    # step never sees; tests/accounts/test_mfa.py turns the requirement on and checks it.
    settings.MFA_REQUIRED_FOR_STAFF = False


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits count in the cache: every test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _one_rate_window(monkeypatch):
    # django-ratelimit's windows follow the clock: a minute ending between two requests of a
    # test would start its count again (seen in CI). Every test counts in one window of its own.
    window = int(time.time()) + 3600
    monkeypatch.setattr("django_ratelimit.core._get_window", lambda value, period: window)


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves English active in the test's thread (LocaleMiddleware activates
    # the request's language and nothing deactivates it): every test starts in the default one.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def county(db):
    return factories.CountyFactory(code="330122", name="桐庐县")


@pytest.fixture
def other_county(db):
    prefecture = factories.PrefectureFactory(
        code="5206", name="铜仁市", province=factories.ProvinceFactory(code="52", name="贵州省")
    )
    return factories.CountyFactory(code="520603", name="万山区", prefecture=prefecture)


@pytest.fixture
def learner(county):
    return factories.LearnerProfileFactory(county=county).user


@pytest.fixture
def coordinator(county):
    return factories.CoordinatorAssignmentFactory(county=county).coordinator


@pytest.fixture
def staff(db):
    return factories.StaffFactory()


REAL_STACK = os.environ.get("REAL_STACK") == "1"
REDIS_DOWN = os.environ.get("REDIS_DOWN") == "1"


def pytest_report_header(config):
    from django.conf import settings

    broker = "eager (in-process)" if settings.CELERY_TASK_ALWAYS_EAGER else settings.CELERY_BROKER_URL
    return [
        f"talentportal database: {settings.DATABASES['default']['ENGINE']}",
        f"talentportal celery broker: {broker}",
        f"talentportal real stack tests: {'on' if REAL_STACK else 'off (set REAL_STACK=1)'}",
    ]


def pytest_collection_modifyitems(config, items):
    skip_real = pytest.mark.skip(
        reason="needs PostgreSQL + Redis + a Celery worker: CI's second run (REAL_STACK=1)"
    )
    skip_down = pytest.mark.skip(
        reason="needs PostgreSQL with Redis stopped: CI's outage step (REDIS_DOWN=1)"
    )
    for item in items:
        if "real_stack" in item.keywords and not REAL_STACK:
            item.add_marker(skip_real)
        if "redis_down" in item.keywords and not REDIS_DOWN:
            item.add_marker(skip_down)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run tasks in-process even when a broker is configured; real-stack and
    Redis-outage tests talk to the real (or stopped) broker."""
    from talentportal.celery import app

    eager = "real_stack" not in request.keywords and "redis_down" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or previous
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def worker_env(tmp_path, settings):
    """Where a real worker writes: mail and SMS to files, certificates under a media root
    shared with the test process."""
    env = {
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SMS_BACKEND": "talentportal.sms.FileSmsBackend",
        "SMS_FILE_PATH": str(tmp_path / "sms.log"),
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    return env


@pytest.fixture
def start_worker(transactional_db, tmp_path, worker_env):
    """Start real `celery worker` processes on the configured broker and the test database."""
    from tests.real_stack import WorkerProcess

    workers = []

    def start(**env):
        worker = WorkerProcess(tmp_path / f"worker-{len(workers)}.log", **{**worker_env, **env})
        worker.mail_dir = Path(worker_env["EMAIL_FILE_PATH"])
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker):
    """One real worker process."""
    return start_worker()
