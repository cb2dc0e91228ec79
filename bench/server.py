"""The portal as deployed, for the load drivers (bench/load.py, bench/workload.py).

Importing this module puts the production settings into the environment (DEBUG off, PostgreSQL
and Redis from DATABASE_URL and REDIS_URL, the baseline page on), so the driver's own Django
(which prepares data and counts queries in-process) runs with the same settings as the server.
Import it before ``django.setup()``.
"""

from __future__ import annotations

import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
HOST = f"http://127.0.0.1:{PORT}"
# The server's PostgreSQL connections carry this name (libpq reads PGAPPNAME), so that a driver
# can tell the server's backends from other clients of a shared PostgreSQL.
APPLICATION_NAME = "talentportal-bench-server"
SERVER_ENV = {
    "DJANGO_DEBUG": "false",
    # The bench signs in coordinators and staff with passwords (two-factor set-up is a person's).
    "MFA_REQUIRED_FOR_STAFF": "false",
    "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_BENCH_BASELINE": "true",
    # The verification page's per-address limit would turn a load test from one address into 429s.
    "VERIFY_RATE_LIMIT": "100000000/m",
    "LOG_LEVEL": "WARNING",
}
# The server and the driver (which counts queries in-process) share one collected static root.
SERVER_ENV["STATIC_ROOT"] = tempfile.mkdtemp(prefix="talentportal-static-")
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")


def start_server(workers: int, threads: int = 1, log: IO | None = None) -> subprocess.Popen:
    """collectstatic, then gunicorn on 127.0.0.1:PORT; returns once /healthz answers.

    ``log``: a file for gunicorn's output (and Django's error log with its tracebacks)."""
    env = {**os.environ, **SERVER_ENV, "PGAPPNAME": APPLICATION_NAME}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "talentportal.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread" if threads > 1 else "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(HOST + "/healthz", timeout=2)  # noqa: S310 - our own loopback server
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and remove the collected static files."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    shutil.rmtree(SERVER_ENV["STATIC_ROOT"], ignore_errors=True)


def machine() -> str:
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = match.group(1) if match else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}, Python {python}"
