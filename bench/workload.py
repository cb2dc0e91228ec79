"""The realistic workload: many accounts at once, clicking through real pages and forms.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/workload.py [--duration 60]

bench/load.py fetches one page over and over as one user, every cache warm after the first
request. This driver starts the same production server (gunicorn, DEBUG off, PostgreSQL, Redis) and
runs locust (bench/locustfile.py, journeys in bench/workload_flows.py) with many distinct
signed-in accounts, one scenario at a time for a bounded time each:

- baseline: a small template, measured the same way in the same run, for the ratios;
- learners: 2,000 learners in turn (dashboard, course, lesson, mark done, next step, a quiz in a
  quarter of the loops, dashboard);
- coordinators: 200 coordinators, each with their own county's class of 25–70 (home, roster,
  roll call saved for the whole class, sessions, roster);
- staff: the programme dashboard and a drill-down by province and prefecture;
- a classroom rush: 60 people signing up through the sign-up form from one address within a
  minute, then 60 signing in through the login form.

The accounts are made here (idempotently) and put back in the same state before each run;
their sessions are created directly in the session store (no password hashing), and locust gets
them through a JSON file. For each scenario it reports requests per second and the ratio to the
baseline, p50/p95/p99 per endpoint, errors, SQL statements per request (one loop run in-process
with the Django test client) and the CPU share of gunicorn, PostgreSQL, Redis and locust. Writes
Markdown to --output (bench/RESULTS-workload.md); `make bench` puts it first in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from server import APPLICATION_NAME, HOST, machine, start_server, stop_server  # noqa: E402 - sets the environment first

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from workload_flows import (  # noqa: E402
    Abort,
    Page,
    baseline_loop,
    coordinator_loop,
    judge,
    learner_loop,
    local_path,
    sign_in,
    sign_up,
    staff_loop,
)

from accounts.models import User  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from counties.models import ClassSession, Cohort, CoordinatorAssignment, County, LearnerProfile  # noqa: E402
from courses.models import Course, Lesson  # noqa: E402
from enrollment.models import Enrollment, LessonProgress, QuizAttempt  # noqa: E402

EMAIL_DOMAIN = "bench.example.com"
PASSWORD = "bench-password"  # noqa: S105 - the benchmark's own accounts (as bench/generate.py)
SIGNUP_PASSWORD = "Tea-Garden-9471"  # noqa: S105 - passes the sign-up form's password validators
OPEN = ("active", "completed")
LOCUSTFILE = BENCH / "locustfile.py"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = "小明丽华建国秀英志强桂兰海燕春梅红霞玉兰文静俊杰晓东佳怡子涵雨欣浩然梓萱一诺宇轩"


def log(message: str) -> None:
    print(message, flush=True)


# --- accounts ---------------------------------------------------------------------------------


@dataclass
class Coordinator:
    user: int
    cohort: int
    county: str
    members: int
    sessions: list[int]


@dataclass
class Accounts:
    learners: list[int]
    coordinators: list[Coordinator]
    staff: list[int]
    login_class: list[str]  # emails
    signup_county: County


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def ensure_users(emails: list[str], password: str, rng: random.Random, **fields) -> dict[str, int]:
    """{email: id}, creating the missing accounts (one password hash for all, computed once)."""
    found = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    missing = [email for email in emails if email not in found]
    now = timezone.now()
    User.objects.bulk_create(
        User(email=email, name=chinese_name(rng), password=password, privacy_consent_at=now, **fields)
        for email in missing
    )
    if missing:
        found.update(User.objects.filter(email__in=missing).values_list("email", "pk"))
    return found


def bench_cohort_counties() -> set[str]:
    """Counties kept out of the coordinators' pick: the 2,000-learner class of bench/generate.py
    and the classes the workload's learners study in."""
    learners = Enrollment.objects.filter(learner__email__startswith="bench-learner-", cohort__isnull=False)
    counties = set(learners.values_list("cohort__county_id", flat=True).distinct())
    counties |= set(Cohort.objects.filter(name__startswith="压测").values_list("county_id", flat=True))
    return counties


def prepare_coordinators(count: int, password: str, rng: random.Random) -> list[Coordinator]:
    """``count`` coordinators, each of one county, with a class there of 25–70 studying learners
    that holds class sessions: real cohorts of the generated data, one per county, running ones
    first. Small data sets have too few such classes; the smaller classes picked then are
    topped up to 25–45 with new learners of their county."""
    excluded = bench_cohort_counties()
    has_sessions = Exists(ClassSession.objects.filter(cohort=OuterRef("pk")))
    running_first = Case(
        When(status=Cohort.Status.RUNNING, then=Value(0)), default=1, output_field=IntegerField()
    )
    cohorts = (
        Cohort.objects.filter(has_sessions, course__status=Course.Status.PUBLISHED)
        .exclude(county_id__in=excluded)
        .annotate(members=Count("enrollments", filter=Q(enrollments__status__in=OPEN)), first=running_first)
        .order_by("first", "pk")
        .values_list("pk", "county_id", "course_id", "members")
    )
    chosen: dict[str, tuple[int, str, int, int]] = {}
    smaller: dict[str, tuple[int, str, int, int]] = {}
    for row in cohorts:
        if 25 <= row[3] <= 70:
            chosen.setdefault(row[1], row)
        elif row[3] < 25:
            best = smaller.get(row[1])
            if best is None or row[3] > best[3]:
                smaller[row[1]] = row
    picked = sorted(chosen.values(), key=lambda row: row[0])[:count]
    if len(picked) < count:
        spare = sorted((row for county, row in smaller.items() if county not in chosen), key=lambda r: -r[3])
        for pk, county, course, members in spare[: count - len(picked)]:
            picked.append((pk, county, course, top_up(pk, county, course, members, password, rng)))
        log(f"  {len(chosen)} classes of 25–70 in distinct counties; topped up {len(picked) - len(chosen)}")
    if len(picked) < count:
        log(f"  warning: only {len(picked)} counties have a class with sessions: {len(picked)} coordinators")
    emails = [f"bench-coordinator-{n:03d}@{EMAIL_DOMAIN}" for n in range(1, len(picked) + 1)]
    users = ensure_users(emails, password, rng)
    today = timezone.localdate()
    coordinators = []
    for email, (pk, county, _course, members) in zip(emails, picked, strict=True):
        user = users[email]
        CoordinatorAssignment.objects.filter(coordinator_id=user).exclude(county_id=county).delete()
        CoordinatorAssignment.objects.get_or_create(coordinator_id=user, county_id=county)
        sessions = ClassSession.objects.filter(cohort_id=pk).order_by("-date")
        held = list(sessions.filter(date__lte=today).values_list("pk", flat=True)[:6])
        coordinators.append(
            Coordinator(user, pk, county, members, held or list(sessions.values_list("pk", flat=True)[:6]))
        )
    return coordinators


def top_up(cohort: int, county: str, course: int, members: int, password: str, rng: random.Random) -> int:
    target = 25 + cohort % 21
    emails = [f"bench-class-{cohort}-{n:02d}@{EMAIL_DOMAIN}" for n in range(target - members)]
    users = ensure_users(emails, password, rng)
    LearnerProfile.objects.bulk_create(
        (LearnerProfile(user_id=pk, county_id=county, school="县职业学校") for pk in users.values()),
        ignore_conflicts=True,
    )
    Enrollment.objects.bulk_create(
        (
            Enrollment(learner_id=pk, course_id=course, cohort_id=cohort, county_id=county, status="active")
            for pk in users.values()
        ),
        ignore_conflicts=True,
    )
    return target


def prepare_learners(count: int, password: str, rng: random.Random, avoid: set[str], seed: int) -> list[int]:
    """``count`` learners, each enrolled in two published courses: one in a running class of
    their county (outside the coordinators' counties), one self-paced. Put back each run to the
    same progress (a few lessons done), so that runs compare."""
    emails = [f"bench-learner-{n:04d}@{EMAIL_DOMAIN}" for n in range(1, count + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    users = ensure_users(emails, password, rng)
    new = [email for email in emails if email not in existing]
    if new:
        classes = list(
            Cohort.objects.filter(status=Cohort.Status.RUNNING, course__status=Course.Status.PUBLISHED)
            .exclude(county_id__in=avoid)
            .exclude(name__startswith="压测")
            .order_by("pk")
            .values_list("pk", "county_id", "course_id")
        )
        courses = list(
            Course.objects.filter(status=Course.Status.PUBLISHED).order_by("pk").values_list("pk", flat=True)
        )
        profiles, enrollments = [], []
        for n, email in enumerate(new):
            cohort, county, course = classes[(n * 7919) % len(classes)]
            own = courses[(n * 31) % len(courses)]
            own = own if own != course else courses[(n * 31 + 1) % len(courses)]
            profiles.append(LearnerProfile(user_id=users[email], county_id=county, school="县职业学校"))
            enrollments.append(
                Enrollment(learner_id=users[email], course_id=course, cohort_id=cohort, county_id=county)
            )
            enrollments.append(Enrollment(learner_id=users[email], course_id=own, county_id=county))
        LearnerProfile.objects.bulk_create(profiles, ignore_conflicts=True)
        Enrollment.objects.bulk_create(enrollments, ignore_conflicts=True)
    ids = [users[email] for email in emails]
    reset_progress(ids, random.Random(seed))  # its own generator: the same start every run
    return ids


@transaction.atomic
def reset_progress(learners: list[int], rng: random.Random) -> None:
    """Every workload enrolment active again with its first few required lessons done (up to
    half; the same for the same seed), no quiz attempt and no certificate."""
    enrollments = list(Enrollment.objects.filter(learner_id__in=learners).order_by("pk"))
    ids = [e.pk for e in enrollments]
    LessonProgress.objects.filter(enrollment_id__in=ids).delete()
    QuizAttempt.objects.filter(enrollment_id__in=ids).delete()
    Certificate.objects.filter(enrollment_id__in=ids).delete()
    required: dict[int, list[int]] = {}
    for course, lesson in (
        Lesson.objects.filter(module__course_id__in={e.course_id for e in enrollments}, is_required=True)
        .order_by("module__order", "order")
        .values_list("module__course_id", "pk")
    ):
        required.setdefault(course, []).append(lesson)
    now = timezone.now()
    progress = []
    for enrollment in enrollments:
        lessons = required.get(enrollment.course_id, [])
        done = rng.randint(0, max(0, len(lessons) // 2))
        progress += [
            LessonProgress(enrollment_id=enrollment.pk, lesson_id=lesson) for lesson in lessons[:done]
        ]
        enrollment.status = "active"
        enrollment.progress_percent = done * 100 // (len(lessons) + 1)
        enrollment.last_lesson_id = lessons[done - 1] if done else None
        enrollment.last_activity_at = now - timedelta(days=rng.randint(0, 20)) if done else None
        enrollment.completed_at = enrollment.withdrawn_at = None
    LessonProgress.objects.bulk_create(progress)
    Enrollment.objects.bulk_update(
        enrollments,
        ["status", "progress_percent", "last_lesson_id", "last_activity_at", "completed_at", "withdrawn_at"],
        batch_size=2000,
    )


def prepare_login_class(count: int, password: str, rng: random.Random, county: str) -> list[str]:
    """The class that signs in through the login form: accounts with a verified address."""
    emails = [f"bench-rush-login-{n:02d}@{EMAIL_DOMAIN}" for n in range(1, count + 1)]
    users = ensure_users(emails, password, rng)
    EmailAddress.objects.bulk_create(
        (EmailAddress(user_id=pk, email=email, verified=True, primary=True) for email, pk in users.items()),
        ignore_conflicts=True,
    )
    LearnerProfile.objects.bulk_create(
        (LearnerProfile(user_id=pk, county_id=county) for pk in users.values()), ignore_conflicts=True
    )
    return emails


def signup_county(coordinators: list[Coordinator]) -> County:
    """The county of the class that signs up: a coordinator's, one the picker finds by its name."""
    for coordinator in coordinators:
        county = County.objects.with_parents().get(code=coordinator.county)
        found = County.objects.search(county.name).order_by("code").values_list("code", flat=True)[:30]
        if county.code in found:
            return county
    return County.objects.with_parents().order_by("code").first()


def prepare(args: argparse.Namespace, rng: random.Random) -> Accounts:
    password = make_password(PASSWORD)
    started = time.perf_counter()
    coordinators = prepare_coordinators(args.coordinators, password, rng)
    counties = {c.county for c in coordinators}
    learners = prepare_learners(args.learners, password, rng, avoid=counties, seed=args.seed)
    staff_emails = [f"bench-staff-{n:02d}@{EMAIL_DOMAIN}" for n in range(1, args.staff + 1)]
    staff = ensure_users(staff_emails, password, rng, is_staff=True)
    User.objects.filter(pk__in=staff.values()).update(is_staff=True)
    county = signup_county(coordinators)
    login_class = prepare_login_class(args.rush_size, password, rng, county.code)
    log(
        f"accounts: {len(learners)} learners, {len(coordinators)} coordinators, {len(staff)} staff, "
        f"{len(login_class)} to sign in ({time.perf_counter() - started:.1f} s)"
    )
    return Accounts(learners, coordinators, [staff[e] for e in staff_emails], login_class, county)


def sessions_for(user_ids: list[int]) -> list[str]:
    """A signed-in session per user, written straight to the session store (as a login would,
    without its password check): the session keys, in order."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    users = User.objects.in_bulk(user_ids)
    keys = []
    for pk in user_ids:
        store = store_class()
        store[SESSION_KEY] = str(pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = users[pk].get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def locust_config(accounts: Accounts, args: argparse.Namespace, rng: random.Random) -> dict:
    """What the locust users need: session keys, classes and sessions, the rush's people."""
    run = time.strftime("%Y%m%d%H%M%S")
    county = accounts.signup_county
    signup = [
        {
            "email": f"bench-signup-{run}-{n:02d}@{EMAIL_DOMAIN}",
            "name": chinese_name(rng),
            "password": SIGNUP_PASSWORD,
            "school": f"{county.name}职业学校",
            "county_name": county.name,
            "county_code": county.code,
        }
        for n in range(1, args.rush_size + 1)
    ]
    coordinator_sessions = sessions_for([c.user for c in accounts.coordinators])
    return {
        "seed": args.seed,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "quiz_share": args.quiz_share,
        "learners": sessions_for(accounts.learners),
        "coordinators": [
            {"session": key, "cohort": c.cohort, "sessions": c.sessions}
            for key, c in zip(coordinator_sessions, accounts.coordinators, strict=True)
        ],
        "staff": sessions_for(accounts.staff),
        "signup": signup,
        "login": [{"email": email, "password": PASSWORD} for email in accounts.login_class],
    }


# --- SQL per request: one loop in-process ----------------------------------------------------


class InProcessBrowser:
    """The journeys' Browser over Django's test client (CSRF enforced, as in production),
    counting the SQL statements each request runs."""

    def __init__(self, cookies: dict[str, str], address: str = "127.0.0.1") -> None:
        self.client = Client(
            enforce_csrf_checks=True,
            raise_request_exception=False,
            HTTP_HOST="127.0.0.1",
            REMOTE_ADDR=address,
        )
        for key, value in cookies.items():
            self.client.cookies[key] = value
        self.queries: dict[str, list[int]] = {}
        self.errors: list[str] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        data: Sequence[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
        contains: str = "",
        goes_to: re.Pattern[str] | None = None,
        throttled: str = "",
    ) -> Page:
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = self.client.get(path)
            else:
                body = urlencode(list(data or []))
                response = self.client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        text = b"" if response.streaming else response.content
        page = Page(
            response.status_code, local_path(response.get("Location", "")), text.decode("utf-8", "replace")
        )
        rename, error = judge(page, expect, contains, goes_to, throttled)
        self.queries.setdefault(rename or name, []).append(len(captured))
        if error:
            self.errors.append(f"{name}: {error}")
            raise Abort(error)
        return page


def count_queries(
    journey: Callable[[InProcessBrowser], None], cookies: dict[str, str], address: str = "127.0.0.1"
) -> tuple[dict[str, str], list[str]]:
    """SQL statements per request name over one run of ``journey`` ("a / b" when a page comes twice)."""
    browser = InProcessBrowser(cookies, address)
    with suppress(Abort):
        journey(browser)
    counts = {name: " / ".join(map(str, values)) for name, values in browser.queries.items()}
    return counts, browser.errors


# --- CPU per process group ---------------------------------------------------------------------

Snapshot = tuple[dict[int, tuple[int, int]], int, int, set[int]]


def other_backends() -> set[int]:
    """PostgreSQL backends serving anyone but our server (a shared PostgreSQL has other clients,
    and this driver is one): counted as "other", not as the server's database work."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND application_name <> %s",
            [APPLICATION_NAME],
        )
        return {pid for (pid,) in cursor.fetchall()}


def cpu_snapshot() -> Snapshot:
    """({pid: (parent pid, CPU ticks of it and its reaped children)}, machine ticks, idle ticks,
    other clients' PostgreSQL backends)."""
    foreign = other_backends()
    processes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (int(fields[1]), sum(int(value) for value in fields[11:15]))
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return processes, sum(ticks), ticks[3] + ticks[4], foreign


def cpu_shares(before: Snapshot, after: Snapshot, roots: dict[str, int]) -> dict[str, float]:
    """Each group's share of the machine's CPU between two snapshots (all cores = 100 %).

    A process belongs to the group of the nearest root among its ancestors (gunicorn's arbiter,
    PostgreSQL's postmaster, redis-server, locust); children that exited in between are counted
    through their parent's reaped-children ticks. Everything else is "other" (with PostgreSQL
    backends of other clients); what no process accounts for (kernel, interrupts) is "system"."""
    by_pid = {pid: group for group, pid in roots.items() if pid}

    def totals(snapshot: Snapshot) -> dict[str, int]:
        processes, _machine, _idle, foreign = snapshot
        sums: dict[str, int] = {}
        for pid, (_parent, ticks) in processes.items():
            group, cursor, seen = "other", pid, 0
            while cursor > 1 and seen < 64 and pid not in foreign:
                if cursor in by_pid:
                    group = by_pid[cursor]
                    break
                cursor, seen = processes.get(cursor, (0, 0))[0], seen + 1
            sums[group] = sums.get(group, 0) + ticks
        return sums

    start, end = totals(before), totals(after)
    machine_ticks = after[1] - before[1] or 1
    groups = [*roots, "other"]
    shares = {group: 100 * (end.get(group, 0) - start.get(group, 0)) / machine_ticks for group in groups}
    shares["idle"] = 100 * (after[2] - before[2]) / machine_ticks
    shares["system"] = max(0.0, 100 - shares["idle"] - sum(shares[group] for group in groups))
    return shares


def _local_process(pid: int, name: str) -> tuple[int, int]:
    """(pid, its parent) when ``pid`` is a process called ``name`` on this machine, else (0, 0):
    a server in a container or on another host reports a pid that means nothing here."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0, 0
    if not stat[stat.index("(") + 1 : stat.rindex(")")].startswith(name):
        return 0, 0
    return pid, int(stat[stat.rindex(")") + 2 :].split()[1])


def service_pids(server_pid: int) -> dict[str, int]:
    """The roots of the process groups: gunicorn's arbiter, PostgreSQL's postmaster (parent of
    our backend) and redis-server (as it reports itself); 0 when not on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    postmaster = _local_process(backend, "postgres")[1]
    redis_pid = 0
    if os.environ.get("REDIS_URL"):
        import redis

        reported = int(redis.Redis.from_url(os.environ["REDIS_URL"]).info("server").get("process_id", 0))
        redis_pid = _local_process(reported, "redis")[0]
    return {"gunicorn": server_pid, "postgres": postmaster, "redis": redis_pid}


# --- running locust ----------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    title: str
    user_class: str
    accounts: str = ""
    rush: bool = False


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


@dataclass
class Outcome:
    scenario: Scenario
    rows: list[Row]
    total: Row
    failures: list[tuple[str, str, int]]  # (name, error, occurrences)
    exceptions: list[tuple[str, int]]
    cpu: dict[str, float]
    seconds: float
    users: int
    queries: dict[str, str] = field(default_factory=dict)
    probe_errors: list[str] = field(default_factory=list)


def read_stats(path: Path) -> tuple[list[Row], Row, list[tuple[str, str, int]], list[tuple[str, int]]]:
    """Rows per request name and in total, errors and driver exceptions (see locustfile.write_stats)."""
    stats = json.loads(path.read_text(encoding="utf-8"))

    def row(entry: dict) -> Row:
        return Row(
            entry["name"] if entry["name"] != "Aggregated" else "total",
            entry["requests"],
            entry["failures"],
            entry["rps"],
            entry["p50"],
            entry["p95"],
            entry["p99"],
            entry["max"],
        )

    rows = sorted((row(entry) for entry in stats["entries"]), key=lambda r: r.name)
    errors = [(name, error, count) for name, error, count in stats["errors"]]
    return rows, row(stats["total"]), errors, [(message, count) for message, count in stats["exceptions"]]


def run_locust(
    scenario: Scenario,
    users: int,
    duration: int,
    rate: float,
    work: Path,
    config: Path,
    roots: dict[str, int],
) -> Outcome:
    """One bounded locust run; CPU is sampled over its steady part (after the start-up, before
    the end) while locust itself is still running, so its process can be measured."""
    stats = work / f"{scenario.key}.json"
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
        "-r", f"{rate:g}", "-t", f"{duration}s", "--host", HOST, "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "0", "--exit-code-on-error", "0", scenario.user_class,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_WORKLOAD_CONFIG": str(config), "BENCH_WORKLOAD_STATS": str(stats)}
    warmup = 2.0 if scenario.rush else min(5.0, duration / 4)
    first = last = None
    with open(work / f"{scenario.key}.locust.log", "w") as output:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if elapsed >= warmup and (scenario.rush or elapsed <= duration - 0.5):
                snapshot = cpu_snapshot()
                if process.pid in snapshot[0]:
                    first, last = first or snapshot, snapshot
            time.sleep(0.5)
        seconds = time.monotonic() - started
    if process.returncode:
        sys.exit(f"locust failed for {scenario.key}: see {work / (scenario.key + '.locust.log')}")
    cpu = (
        cpu_shares(first, last, {**roots, "locust": process.pid})
        if first and last and first is not last
        else {}
    )
    if not stats.exists():
        sys.exit(f"locust wrote no figures for {scenario.key}: see {work / (scenario.key + '.locust.log')}")
    rows, total, failures, exceptions = read_stats(stats)
    return Outcome(scenario, rows, total, failures, exceptions, cpu, seconds, users)


# --- server log -------------------------------------------------------------------------------

RECORD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \w+ \S+ .*|\[\d{4}-\d\d-\d\d .*)$", re.M)


def server_problems(path: Path) -> list[tuple[int, str, str, str]]:
    """(count, first line, last line of the traceback, the first such record in full) for each
    kind of warning or error the server logged: 500s with their exception, CSRF refusals,
    worker timeouts. Numbers in the first line are masked, so that one bug is one kind."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    starts = [match.start() for match in RECORD.finditer(text)] + [len(text)]
    kinds: dict[tuple[str, str], list] = {}
    for begin, end in itertools.pairwise(starts):
        record = text[begin:end].strip()
        lines = record.splitlines()
        if not re.search(r"WARNING|ERROR|CRITICAL", lines[0]):
            continue
        head = re.sub(r"\d+", "N", re.sub(r"^\[[^\]]*\] \[\d+\] |^\S+ \S+ ", "", lines[0]))
        exception = lines[-1].strip() if len(lines) > 1 else ""
        kinds.setdefault((head, exception), [0, record])[0] += 1
    found = [(count, head, exc, record) for (head, exc), (count, record) in kinds.items()]
    return sorted(found, key=lambda kind: -kind[0])


# --- report -------------------------------------------------------------------------------------

GROUPS = ("gunicorn", "postgres", "redis", "locust", "other", "system", "idle")


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _cpu(shares: dict[str, float], group: str) -> str:
    if group not in shares:
        return "—"
    value = max(0.0, shares[group])
    return f"{value:.0f} %" if value >= 10 else f"{value:.1f} %"


def cpu_ms_per_request(outcome: Outcome, group: str) -> float:
    """CPU milliseconds that ``group`` spent per request: its share of all cores over req/s."""
    if not outcome.total.rps:
        return 0.0
    share = max(0.0, outcome.cpu.get(group, 0.0)) / 100
    return share * (os.cpu_count() or 1) * 1000 / outcome.total.rps


def report(outcomes: list[Outcome], args, data: str, accounts: Accounts, problems, log_path: Path) -> str:
    baseline = next((o for o in outcomes if o.scenario.key == "baseline"), None)
    base_rps = baseline.total.rps if baseline else 0
    fixed = [o for o in outcomes if not o.scenario.rush]
    rushes = [o for o in outcomes if o.scenario.rush]
    lines = [
        "# Benchmark results",
        "",
        "## Workload: many accounts at once, real pages and forms (locust)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}",
        f"- Data: {data}",
        f"- Accounts: {len(accounts.learners):,} learners, {len(accounts.coordinators)} coordinators "
        f"(classes of {min((c.members for c in accounts.coordinators), default=0)}–"
        f"{max((c.members for c in accounts.coordinators), default=0)}), {len(accounts.staff)} staff; "
        "signed in up front by writing their sessions to the session store",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG off, whitenoise, PostgreSQL, Redis "
        "(cache cleared before the run)",
        f"- Load: locust (FastHttpUser, one process, no wait between requests) on the same machine, "
        f"{args.users} users for {args.duration} s per scenario; the rush: {args.rush_size} people "
        f"arriving over {args.rush_window} s, each once",
        f"- Command: `{' '.join(sys.argv)}`",
        "",
        "Requests per second over the whole scenario; × baseline is the ratio to the baseline page "
        "measured the same way in this run. Errors are answers the journey did not expect "
        "(non-2xx/3xx, redirects to sign-in, wrong page). CPU is the share of the whole machine "
        f"({os.cpu_count()} cores = 100 %) during the steady part of the scenario.",
        "",
        "| scenario | req/s | × baseline | p50 ms | p95 ms | p99 ms | requests | errors "
        "| CPU gunicorn | postgres | redis | locust | other | system | idle |",
        "| --- " + "| ---: " * 14 + "|",
    ]
    for o in fixed:
        ratio = f"{o.total.rps / base_rps:.2f}" if base_rps else "—"
        cpu = " | ".join(_cpu(o.cpu, group) for group in GROUPS)
        lines.append(
            f"| {o.scenario.title} | {o.total.rps:.0f} | {ratio} | {_ms(o.total.p50)} | {_ms(o.total.p95)} "
            f"| {_ms(o.total.p99)} | {o.total.requests:,} | {o.total.failures:,} | {cpu} |"
        )
    lines += [
        "",
        "CPU milliseconds per request (each process group's share of the machine during the "
        "scenario, over its requests per second): what capacity planning multiplies "
        "(bench/README.md).",
        "",
        "| scenario | gunicorn | postgres | redis | total |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for o in fixed:
        cost = {group: cpu_ms_per_request(o, group) for group in ("gunicorn", "postgres", "redis")}
        lines.append(
            f"| {o.scenario.title} | {cost['gunicorn']:.1f} | {cost['postgres']:.1f} | {cost['redis']:.2f} "
            f"| {sum(cost.values()):.1f} |"
        )
    if rushes:
        limits = getattr(settings, "ACCOUNT_RATE_LIMITS", {}) or {}
        lines += [
            "",
            "### Classroom rush (one address, 127.0.0.1)",
            "",
            f"Limits now (ACCOUNT_RATE_LIMITS): sign-up {limits.get('signup', '—')}, "
            f"login {limits.get('login', '—')}. A throttled person got the 429 page.",
            "",
            "| class | people | took s | succeeded | throttled | errors | POST p50 ms | POST p99 ms "
            "| throttled p50 ms | CPU gunicorn | postgres | locust | idle |",
            "| --- " + "| ---: " * 12 + "|",
        ]
        for o in rushes:
            post = next((r for r in o.rows if r.name.endswith("POST")), Row("", 0, 0, 0, 0, 0, 0, 0))
            limited = next(
                (r for r in o.rows if r.name.endswith("(throttled)")), Row("", 0, 0, 0, 0, 0, 0, 0)
            )
            people = args.rush_size
            failed = sum(count for _name, _error, count in o.failures)
            cpu = " | ".join(_cpu(o.cpu, group) for group in ("gunicorn", "postgres", "locust", "idle"))
            lines.append(
                f"| {o.scenario.title} | {people} | {o.seconds:.0f} | {post.requests - post.failures} "
                f"| {limited.requests} | {failed} | {_ms(post.p50)} | {_ms(post.p99)} "
                f"| {_ms(limited.p50) if limited.requests else '—'} | {cpu} |"
            )
    for o in outcomes:
        lines += [
            "",
            f"### {o.scenario.title}" + (f" ({o.scenario.accounts})" if o.scenario.accounts else ""),
            "",
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | SQL (one loop) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        order = list(o.queries)  # the journey's order, as the in-process loop met the pages
        rows = sorted(o.rows, key=lambda r: (order.index(r.name) if r.name in order else len(order), r.name))
        for r in rows:
            lines.append(
                f"| {r.name} | {r.requests:,} | {r.rps:.1f} | {_ms(r.p50)} | {_ms(r.p95)} | {_ms(r.p99)} "
                f"| {_ms(r.max)} | {r.failures:,} | {o.queries.get(r.name, '—')} |"
            )
        for name, counts in o.queries.items():
            if name not in {r.name for r in o.rows}:
                lines.append(f"| {name} (in-process only) | | | | | | | | {counts} |")
        for name, error, count in o.failures:
            lines.append(f"\n- error on {name}: {error} ×{count}")
        for message, count in o.exceptions:
            lines.append(f"\n- driver exception: {message} ×{count}")
        for error in o.probe_errors:
            lines.append(f"\n- in-process loop: {error}")
    lines += [
        "",
        "SQL (one loop): statements per request in one loop run in-process with Django's test client "
        "(first account of the scenario, just before its load; there the learner's loop always takes "
        'the quiz; "a / b" when the loop requests the page twice).',
        "",
        "### Server log",
        "",
    ]
    lines += server_log_lines(problems, log_path)
    return "\n".join(lines) + "\n"


def server_log_lines(problems, log_path) -> list[str]:
    """A report's server-log part: each kind of warning or error gunicorn logged with its count,
    the last lines of the first three errors, and where the whole log is."""
    lines: list[str] = []
    if problems:
        lines += ["| count | logged | exception |", "| ---: | --- | --- |"]
        lines += [f"| {count} | {head[:120]} | {exc[:120]} |" for count, head, exc, _record in problems[:15]]
        for _count, head, _exc, record in [kind for kind in problems if "WARNING" not in kind[1]][:3]:
            tail = "\n".join(record.splitlines()[-40:])
            lines += ["", f"First `{head[:100]}`:", "", "```", tail, "```"]
    else:
        lines.append("No warning or error in gunicorn's log.")
    lines.append(f"\n(gunicorn's log of this run: `{log_path}`)")
    return lines


# --- main -------------------------------------------------------------------------------------

SCENARIOS = [
    Scenario("baseline", "baseline page", "BaselineUser"),
    Scenario("learners", "learners", "LearnerUser"),
    Scenario("coordinators", "coordinators", "CoordinatorUser"),
    Scenario("staff", "staff: figures", "StaffUser"),
    Scenario("signup", "sign-up rush", "SignupRushUser", rush=True),
    Scenario("login", "sign-in rush", "LoginRushUser", rush=True),
]


def probe(scenario: Scenario, config: dict, seed: int) -> tuple[dict[str, str], list[str]]:
    """One loop of the scenario in-process, with its first account, counting SQL per request."""
    rng = random.Random(seed)
    cookie = config["session_cookie"]
    journeys: dict[str, tuple[Callable[[InProcessBrowser], None], dict[str, str], str]] = {
        "baseline": (baseline_loop, {}, "127.0.0.1"),
        "learners": (lambda b: learner_loop(b, rng, 1.0), {cookie: config["learners"][0]}, "127.0.0.1"),
        "coordinators": (
            lambda b: coordinator_loop(
                b, rng, config["coordinators"][0]["cohort"], config["coordinators"][0]["sessions"]
            ),
            {cookie: config["coordinators"][0]["session"]},
            "127.0.0.1",
        ),
        "staff": (lambda b: staff_loop(b, rng), {cookie: config["staff"][0]}, "127.0.0.1"),
        # Another address than the rush's, so that the probe does not eat into its rate limit.
        "signup": (
            lambda b: sign_up(
                b,
                rng,
                {**config["signup"][0], "email": config["signup"][0]["email"].replace("-01@", "-probe@")},
            ),
            {},
            "127.0.0.2",
        ),
        "login": (
            lambda b: sign_in(b, config["login"][0]["email"], config["login"][0]["password"]),
            {},
            "127.0.0.2",
        ),
    }
    journey, cookies, address = journeys[scenario.key]
    return count_queries(journey, cookies, address)


def data_size() -> str:
    learners = LearnerProfile.objects.count()
    enrollments = Enrollment.objects.count()
    cohorts = Cohort.objects.count()
    return f"{learners:,} learners, {enrollments:,} enrolments, {cohorts:,} cohorts (bench/generate.py)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per scenario")
    parser.add_argument("--users", type=int, default=40, help="concurrent locust users")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--coordinators", type=int, default=200)
    parser.add_argument("--staff", type=int, default=40)
    parser.add_argument("--rush-size", type=int, default=60, help="people in each rushing class")
    parser.add_argument("--rush-window", type=int, default=60, help="seconds over which they arrive")
    parser.add_argument("--quiz-share", type=float, default=0.25, help="share of learner loops with a quiz")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--scenarios",
        default=",".join(s.key for s in SCENARIOS),
        help="comma-separated subset (baseline always runs)",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS-workload.md")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/workload.py measures the production stack: set DATABASE_URL=postgres://…")
    wanted = {"baseline", *args.scenarios.split(",")}
    scenarios = [s for s in SCENARIOS if s.key in wanted]
    rng = random.Random(args.seed)
    started = time.monotonic()

    accounts = prepare(args, rng)
    for scenario in scenarios:
        scenario.accounts = {
            "learners": f"{len(accounts.learners):,} learners in turn",
            "coordinators": f"{len(accounts.coordinators)} coordinators in turn",
            "staff": f"{len(accounts.staff)} staff in turn",
        }.get(scenario.key, "")
    data = data_size()
    cache.clear()  # no page, session or rate-limit count left from before: every run starts alike
    config = locust_config(accounts, args, rng)
    work = Path(tempfile.mkdtemp(prefix="talentportal-workload-"))
    config_path = work / "accounts.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    config_path.chmod(0o600)
    log_path = work / "gunicorn.log"
    log(f"sessions made; locust and server logs in {work}")

    with open(log_path, "w") as server_log:
        server = start_server(args.workers, log=server_log)
    try:
        roots = service_pids(server.pid)
        outcomes = []
        for scenario in scenarios:
            queries, probe_errors = probe(scenario, config, args.seed)
            if scenario.rush:
                outcome = run_locust(
                    scenario, args.rush_size, args.rush_window + 60, args.rush_size / args.rush_window,
                    work, config_path, roots,
                )  # fmt: skip
            else:
                outcome = run_locust(
                    scenario, args.users, args.duration, args.users, work, config_path, roots
                )
            outcome.queries, outcome.probe_errors = queries, probe_errors
            outcomes.append(outcome)
            t = outcome.total
            log(
                f"{scenario.title:<18} {t.rps:7.1f} req/s  p50 {_ms(t.p50):>5} ms  p95 {_ms(t.p95):>5} ms  "
                f"p99 {_ms(t.p99):>5} ms  requests {t.requests:>6}  errors {t.failures}"
            )
    finally:
        stop_server(server)
    problems = server_problems(log_path)
    text = report(outcomes, args, data, accounts, problems, log_path)
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    log(f"workload: {time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
