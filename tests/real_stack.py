"""A real Celery worker process for tests on PostgreSQL + Redis (CI's second run).

The worker is a separate `celery worker` process consuming from Redis, using the same test
database as the test process, so a test can see what the worker did and the worker sees what
the test committed (tests using it need ``transactional_db``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.db import connection

from talentportal.celery import app

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, log_path: Path, **env: str):
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = log_path
        self.env = {**os.environ, "DATABASE_URL": test_database_url(), **env}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "talentportal", "worker", "--pool=solo",
             "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", self.name],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}:\n{self.log()}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return self
        self.stop()
        raise RuntimeError(f"celery worker did not answer within {timeout} s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


def redis_port() -> int:
    from django.conf import settings

    return urlsplit(settings.CELERY_BROKER_URL).port or 6379


def redis_stop() -> None:
    subprocess.run(
        ["redis-cli", "-p", str(redis_port()), "shutdown", "nosave"], check=False, capture_output=True
    )
    if not wait_for(lambda: not redis_answers(), timeout=10):
        raise RuntimeError("Redis did not stop")


def redis_start() -> None:
    options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"]
    subprocess.run(["redis-server", "--port", str(redis_port()), *options], check=True, capture_output=True)
    if not wait_for(redis_answers, timeout=10):
        raise RuntimeError("Redis did not start again")


def redis_answers() -> bool:
    result = subprocess.run(["redis-cli", "-p", str(redis_port()), "ping"], check=False, capture_output=True)
    return result.stdout.strip() == b"PONG"


def publish(task, *args) -> None:
    """Send a task from the test process, riding out a broker that has just come back."""
    task.apply_async(
        args=args, retry=True, retry_policy={"max_retries": 10, "interval_start": 0.5, "interval_step": 0.5}
    )
