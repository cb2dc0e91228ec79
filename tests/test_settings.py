"""Settings come from the environment: each case imports them in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': s.DATABASES['default']['NAME'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], "
    "'email': s.EMAIL_BACKEND, 'acks_late': s.CELERY_TASK_ACKS_LATE, "
    "'visibility': s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
    "'time_limit': s.CELERY_TASK_TIME_LIMIT, 'prefetch': s.CELERY_WORKER_PREFETCH_MULTIPLIER, "
    "'hashers': s.PASSWORD_HASHERS}))"
)
CONFIG_VARS = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "EMAIL_", "CACHE_URL")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_VARS)}
    base["DJANGO_SETTINGS_MODULE"] = "talentportal.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env: str) -> dict:
    result = run_python(SHOW, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_means_embedded_default():
    s = settings_with()
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    # The tests swap in a fast hasher (tests/conftest.py); the portal itself never does.
    assert s["hashers"] == ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def test_database_and_redis_urls_select_postgresql_and_a_real_broker():
    s = settings_with(
        DATABASE_URL="postgres://tp:secret@db.internal:5432/talentportal", REDIS_URL="redis://r:6379/0"
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "talentportal"
    assert s["eager"] is False
    assert s["broker"] == "redis://r:6379/0"
    assert s["cache"] == "talentportal.cache.RedisCache"


def test_celery_is_configured_for_safe_redelivery():
    s = settings_with(REDIS_URL="redis://r:6379/0")
    assert s["acks_late"] is True
    assert s["prefetch"] == 1
    assert s["visibility"] > s["time_limit"]


def test_production_refuses_to_start_without_secret_key():
    result = run_python(
        "import django; django.setup()", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="portal.example.cn"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_python("import django; django.setup()", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def deploy_check(**environ):
    return run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        DJANGO_ALLOWED_HOSTS="portal.example.cn",
        **environ,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = deploy_check(REDIS_URL="redis://r:6379/0")
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_with_a_cache_per_process_is_warned_about():
    """Rate limits and sessions would be counted and kept per gunicorn worker."""
    result = deploy_check()
    assert result.returncode != 0
    assert "talentportal.W001" in result.stderr + result.stdout


def test_cache_and_broker_use_different_redis_databases():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL)",
        REDIS_URL="redis://r:6379/0",
    )
    assert result.stdout.split() == ["redis://r:6379/1", "redis://r:6379/0"]
