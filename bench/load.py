"""Drive the portal as deployed and report each page's speed beside a baseline.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/load.py [--duration 10]

Starts gunicorn on 127.0.0.1 with production settings (DEBUG off, whitenoise, PostgreSQL,
Redis), signs in the accounts bench/generate.py made, and runs wrk with 16 connections for a
bounded time against each page and against a baseline (a small template through the same
server and middleware). For each page it reports requests per second and the ratio to the
baseline, p50 and p99 latency, errors, queries per request and the compressed weight of the
page with its CSS and JS. Writes the table to bench/RESULTS.md and prints it.
"""

from __future__ import annotations

import argparse
import gzip
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PORT = 8765
HOST = f"http://127.0.0.1:{PORT}"
SERVER_ENV = {
    "DJANGO_DEBUG": "false",
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
# The server and this process (which counts queries in-process) share one collected static root.
SERVER_ENV["STATIC_ROOT"] = tempfile.mkdtemp(prefix="talentportal-static-")
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from counties.models import Cohort  # noqa: E402
from courses.models import Course  # noqa: E402
from enrollment.models import Certificate, Enrollment  # noqa: E402

EMAIL_DOMAIN = "bench.example.com"


@dataclass
class Page:
    name: str
    path: str
    user: str | None  # bench account signed in, or None for a visitor
    anonymous_page: bool = False


@dataclass
class Result:
    page: Page
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    queries: int
    weight_kb: float


def pages() -> list[Page]:
    """The pages to drive, resolved against the benchmark data."""
    from django.urls import NoReverseMatch, reverse

    course = Course.objects.filter(slug__startswith="bench-course-").order_by("pk").first()
    learner = User.objects.get(email=f"bench-learner@{EMAIL_DOMAIN}")
    enrollment = Enrollment.objects.filter(learner=learner).select_related("course").order_by("pk").first()
    lesson = enrollment.course.modules.order_by("order").first().lessons.order_by("order").first()
    cohort = Cohort.objects.get(name="压测大班（2000人）")
    certificate = Certificate.objects.filter(status="issued").order_by("pk").first()
    found = [
        Page("baseline", "/bench/baseline/", None, anonymous_page=True),
        Page("catalogue", reverse("courses:catalogue"), None, anonymous_page=True),
        Page("course page", reverse("courses:detail", args=[course.slug]), None, anonymous_page=True),
        Page("sign-in page", reverse("account_login"), None, anonymous_page=True),
        Page(
            "verification page",
            reverse("certificates:verify", args=[certificate.verification_code]),
            None,
            True,
        ),
    ]
    optional = [
        ("learner dashboard", "enrollment:dashboard", [], "learner"),
        ("course player", "enrollment:lesson", [enrollment.course.slug, lesson.pk], "learner"),
        ("coordinator home", "counties:coordinator_home", [], "coordinator"),
        ("roster (2,000 learners)", "counties:roster", [cohort.pk], "coordinator"),
        ("programme dashboard", "figures:dashboard", [], "staff"),
    ]
    for name, url_name, args, user in optional:
        try:
            found.append(Page(name, reverse(url_name, args=args), user))
        except NoReverseMatch as error:  # a page a later issue adds: reported, not fatal
            print(f"skipping {name}: {error}")
    return found


def session_cookies() -> dict[str, str]:
    cookies = {}
    for role in ("learner", "coordinator", "staff"):
        client = Client()
        client.force_login(User.objects.get(email=f"bench-{role}@{EMAIL_DOMAIN}"))
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def count_queries(page: Page, cookies: dict[str, str]) -> int:
    client = Client(HTTP_HOST="127.0.0.1")
    if page.user:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[page.user]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.path)
    if response.status_code != 200:
        print(f"warning: {page.name} answered {response.status_code} in-process")
    return len(captured)


def fetch(path: str, cookie: str | None) -> tuple[bytes, bytes]:
    """(compressed body as sent, decompressed body)."""
    request = urllib.request.Request(HOST + path, headers={"Accept-Encoding": "gzip"})  # noqa: S310
    if cookie:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback server
        raw = response.read()
        body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
    return raw, body


def page_weight(page: Page, cookies: dict[str, str]) -> float:
    """Compressed bytes of the HTML and of every stylesheet and script it loads (first visit)."""
    cookie = cookies.get(page.user) if page.user else None
    raw, body = fetch(page.path, cookie)
    total = len(raw)
    assets = re.findall(rb'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', body)
    assets += re.findall(rb'<script[^>]+src="([^"]+)"', body)
    for asset in {a.decode() for a in assets}:
        total += len(fetch(asset, None)[0])
    return total / 1024


def wrk(
    page: Page, cookies: dict[str, str], duration: int, connections: int
) -> tuple[float, float, float, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    command += ["-H", "Accept-Encoding: gzip"]
    if page.user:
        command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={cookies[page.user]}"]
    output = subprocess.run([*command, HOST + page.path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def latency(percent: str) -> float:
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = 0
    patterns = (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    )
    for pattern in patterns:
        match = re.search(pattern, output)
        if match:
            errors += sum(int(n) for n in match.groups())
    return rps, latency("50"), latency("99"), errors


def start_server(workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "talentportal.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread" if threads > 1 else "sync", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(HOST + "/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def machine() -> str:
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = match.group(1) if match else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}, Python {python}"


def report(results: list[Result], args, learners: int, enrollments: int) -> str:
    baseline = next(r for r in results if r.page.name == "baseline")
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}",
        f"- Data: {learners:,} learners, {enrollments:,} enrolments (bench/generate.py)",
        f"- Server: gunicorn, {args.workers} workers × {args.threads} threads, DEBUG off, whitenoise, "
        f"PostgreSQL{', Redis cache' if os.environ.get('REDIS_URL') else ''}",
        f"- Load: wrk, {args.connections} connections, {args.duration} s per page, on the same machine",
        f"- Command: `{' '.join(sys.argv)}`",
        "",
        "| page | req/s | × baseline | p50 ms | p99 ms | errors | queries | KB (gzip, HTML+CSS+JS) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.page.name} | {r.rps:.0f} | {r.rps / baseline.rps:.2f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.errors} | {r.queries} | {r.weight_kb:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/load.py measures the production stack: set DATABASE_URL=postgres://…")
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    learners = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
    enrollments = Enrollment.objects.count()
    cookies = session_cookies()
    todo = pages()
    server = start_server(args.workers, args.threads)
    try:
        results = []
        for page in todo:
            fetch(page.path, cookies.get(page.user) if page.user else None)  # warm caches
            rps, p50, p99, errors = wrk(page, cookies, args.duration, args.connections)
            queries, weight = count_queries(page, cookies), page_weight(page, cookies)
            results.append(Result(page, rps, p50, p99, errors, queries, weight))
            print(f"{page.name:<26} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {errors}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(SERVER_ENV["STATIC_ROOT"], ignore_errors=True)
    table = report(results, args, learners, enrollments)
    args.output.write_text(table, encoding="utf-8")
    print()
    print(table)


if __name__ == "__main__":
    main()
