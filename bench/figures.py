"""Time the programme figures over the benchmark database: the refresh, then the dashboard.

    DATABASE_URL=postgres://… .venv/bin/python bench/figures.py [--requests 20] [--no-refresh]

Run after bench/generate.py. Times ``refresh_figures`` (the Celery task's work: the summary tables
rebuilt with GROUP BY queries inside PostgreSQL), then the dashboard's server time in-process
(django.test.Client signed in as bench-staff@…, then as bench-coordinator@…): the median and the
slowest of ``--requests`` requests after one warm-up, with the number of queries per request,
for the unfiltered page and filtered ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from counties.models import County, LearnerProfile  # noqa: E402
from courses.models import Track  # noqa: E402
from enrollment.models import Enrollment  # noqa: E402
from figures.services import latest_snapshot  # noqa: E402

EMAIL_DOMAIN = "bench.example.com"


def measure(client: Client, path: str, requests: int) -> tuple[float, float, int]:
    """(median ms, slowest ms, queries) of ``requests`` GETs of ``path`` after a warm-up."""
    response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}")
    times = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the figures' refresh and the dashboard.")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-refresh", action="store_true", help="Time the pages on the current snapshot.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/figures.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", "--noinput", verbosity=0)
    learners = LearnerProfile.objects.count()
    enrolments = Enrollment.objects.count()
    print(f"learners: {learners:,}  enrolments: {enrolments:,}")
    if not args.no_refresh:
        started = time.perf_counter()
        call_command("refresh_figures", stdout=sys.stdout)
        print(f"refresh_figures: {time.perf_counter() - started:.1f} s")
    print(f"snapshot: {latest_snapshot()}")

    url = reverse("figures:dashboard")
    big_county = County.objects.filter(
        coordinator_assignments__coordinator__email=f"bench-coordinator@{EMAIL_DOMAIN}"
    )
    county = big_county.select_related("prefecture").first()
    track = Track.objects.order_by("order").first()
    pages = [
        ("staff", "programme, no filter", url),
        ("staff", "one province", f"{url}?province={county.province_id}"),
        ("staff", "one prefecture (counties)", f"{url}?prefecture={county.prefecture_id}"),
        ("staff", "dates + track", f"{url}?date_from=2026-01-01&date_to=2026-06-30&track={track.pk}"),
        ("staff", "export of courses (CSV)", reverse("figures:export", args=["courses", "csv"])),
        ("coordinator", "coordinator's counties", url),
    ]
    clients = {}
    for role in ("staff", "coordinator"):
        clients[role] = Client()
        clients[role].force_login(User.objects.get(email=f"bench-{role}@{EMAIL_DOMAIN}"))
    print("\n| page | user | median | slowest | queries |\n| --- | --- | --- | --- | --- |")
    for role, name, path in pages:
        median, slowest, queries = measure(clients[role], path, args.requests)
        print(f"| {name} | {role} | {median:.0f} ms | {slowest:.0f} ms | {queries} |")


if __name__ == "__main__":
    main()
