"""Drive the portal as deployed and report each page's speed beside a baseline.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/load.py [--duration 10]

Starts gunicorn on 127.0.0.1 with production settings (DEBUG off, whitenoise, PostgreSQL,
Redis), signs in the accounts bench/generate.py made, and runs wrk with 16 connections for a
bounded time against each page and against a baseline (a small template through the same
server and middleware). For each page it reports requests per second and the ratio to the
baseline, p50 and p99 latency, errors, queries per request and the compressed weight of the
page with its CSS and JS. Writes the table to --output (bench/RESULTS.md by default) and prints it.

This is one account fetching one page over and over (every cache warm after the first request):
the table is labelled "single page, one user, repeated". bench/workload.py measures the realistic
workload; `make bench` (bench/run.sh) puts its tables first in bench/RESULTS.md, then this one.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from server import HOST, machine, start_server, stop_server  # noqa: E402 - sets the environment first

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from counties.models import Cohort  # noqa: E402
from courses.models import Course  # noqa: E402
from enrollment.models import Enrollment  # noqa: E402

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
        Page("catalogue", reverse("catalogue:catalogue"), None, anonymous_page=True),
        Page("course page", reverse("catalogue:detail", args=[course.slug]), None, anonymous_page=True),
        Page("sign-in page", reverse("account_login"), None, anonymous_page=True),
        Page(
            "verification page",
            reverse("certificates:verify", args=[certificate.verification_code]),
            None,
            True,
        ),
    ]
    roll_call = roll_call_class()
    optional = [
        ("learner dashboard", "learn:dashboard", [], "learner"),
        ("course player", "learn:lesson", [enrollment.course.slug, lesson.pk], "learner"),
        ("coordinator home", "coordinator:coordinator_home", [], "coordinator"),
        ("roster (2,000 learners)", "coordinator:roster", [cohort.pk], "coordinator"),
        (f"roll-call page ({roll_call[2]} learners)", "coordinator:roll_call", roll_call[:2], "coordinator"),
        ("programme dashboard", "figures:dashboard", [], "staff"),
    ]
    for name, url_name, args, user in optional:
        try:
            found.append(Page(name, reverse(url_name, args=args), user))
        except NoReverseMatch as error:  # a page a later issue adds: reported, not fatal
            print(f"skipping {name}: {error}")
    return found


def roll_call_class() -> tuple[int, int, int]:
    """(cohort, class session, learners) of the class closest to 71 active learners with class
    sessions; the bench coordinator is made its county's coordinator too (idempotent)."""
    from django.db.models import Count, Exists, OuterRef, Q

    from counties.models import ClassSession, CoordinatorAssignment

    cohort = (
        Cohort.objects.annotate(
            learners=Count("enrollments", filter=Q(enrollments__status__in=["active", "completed"])),
        )
        .filter(Exists(ClassSession.objects.filter(cohort=OuterRef("pk"))), learners__lte=71)
        .order_by("-learners", "pk")
        .first()
    )
    coordinator = User.objects.get(email=f"bench-coordinator@{EMAIL_DOMAIN}")
    CoordinatorAssignment.objects.get_or_create(coordinator=coordinator, county_id=cohort.county_id)
    session = ClassSession.objects.filter(cohort=cohort).order_by("date", "pk").first()
    return cohort.pk, session.pk, cohort.learners


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


def report(results: list[Result], args, learners: int, enrollments: int) -> str:
    baseline = next(r for r in results if r.page.name == "baseline")
    lines = [
        "## Single page, one user, repeated (wrk)",
        "",
        "Each page fetched over and over by one signed-in account (or one visitor): every cache on "
        "the way is warm after the first request, so this is the fastest path, not a workload. The "
        "workload tables (many accounts, real forms) are the ones to judge the portal by.",
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
        stop_server(server)
    table = report(results, args, learners, enrollments)
    args.output.write_text(table, encoding="utf-8")
    print()
    print(table)


if __name__ == "__main__":
    main()
