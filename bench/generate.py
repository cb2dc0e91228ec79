"""Fill PostgreSQL with a realistic programme for benchmarks.

    DATABASE_URL=postgres://… .venv/bin/python bench/generate.py [--learners 200000] [--reset]

All 2,978 counties (from ../shared/data/divisions), 60 courses with modules, lessons and final
quizzes, 10,000 cohorts, N learners with about 2.5 enrolments each, lesson progress, quiz
attempts, class sessions and attendance, completions and certificates, skewed as real
programmes are (a few large counties, a long tail of small ones). Rows go in with COPY in
chunks; the script prints the time of each step. It also creates the accounts the load driver
signs in with (password ``bench-password``): bench-staff@…, bench-coordinator@… (of the county
of a 2,000-learner cohort) and bench-learner@… (with enrolments).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from counties.models import (  # noqa: E402
    Attendance,
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    County,
    LearnerProfile,
    new_join_code,
)
from courses.models import Choice, Course, Lesson, Module, Question, Quiz, Track  # noqa: E402
from enrollment.models import Enrollment, LessonProgress, QuizAttempt  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 - the benchmark's own accounts
DIVISIONS = Path(os.environ.get("TALENTPORTAL_SHARED_DATA", ROOT.parent / "shared" / "data")) / "divisions"
EMAIL_DOMAIN = "bench.example.com"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "小明丽华建国秀英志强桂兰海燕春梅红霞玉兰文静俊杰晓东佳怡子涵雨欣浩然梓萱一诺宇轩欣怡思远雅琪"
CHUNK = 100_000


def log(message: str, started: float) -> None:
    print(f"{message:<58} {time.perf_counter() - started:7.1f} s", flush=True)


def _encode(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(model: type[models.Model], rows: Iterable[dict], chunk: int = CHUNK) -> int:
    """COPY ``rows`` (dicts keyed by field attname; "id" optional) into ``model``'s table, in
    chunks; a field a row leaves out takes the field's default. Returns the number of rows."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    table = model._meta.db_table
    count = 0
    buffer = io.StringIO()
    columns: list[str] = []
    names: list[str] = []

    def flush() -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    for row in rows:
        if not names:
            with_pk = model._meta.pk.attname in row
            names = ([model._meta.pk.attname] if with_pk else []) + [f.attname for f in fields]
            columns = ([model._meta.pk.column] if with_pk else []) + [f.column for f in fields]
        buffer.write("\t".join(_encode(row.get(name, defaults.get(name))) for name in names) + "\n")
        count += 1
        if count % chunk == 0:
            flush()
            buffer = io.StringIO()
    if buffer.tell():
        flush()
    return count


def reset_sequence(model: type[models.Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"  # noqa: S608
        )


def max_id(model: type[models.Model]) -> int:
    return model.objects.aggregate(m=models.Max("id"))["m"] or 0


def zipf_weights(n: int, exponent: float = 1.05) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# --- steps ----------------------------------------------------------------------------------


def make_courses(rng: random.Random, count: int = 60) -> list[dict]:
    """``count`` published courses across the tracks, each with 3–5 modules of 3–6 lessons and a
    final quiz of 5 questions. Returns [{id, lessons: [ids], required: [ids], final_quiz, …}]."""
    call_command("seed_demo", "--allow-production", stdout=io.StringIO())
    tracks = list(Track.objects.order_by("order"))
    now = timezone.now()
    courses = []
    for n in range(count):
        track = tracks[n % len(tracks)]
        course = Course.objects.create(
            track=track,
            slug=f"bench-course-{n}",
            title=f"{track.name}实务 第{n + 1}期",
            summary=f"{track.name}方向的实用课程，面向县域学员。",
            description="本课程用于性能测试。",
            level=rng.choice(list(Course.Level.values)),
            language="zh-hans",
            estimated_hours=rng.choice([16, 24, 32, 40]),
            status=Course.Status.PUBLISHED,
            published_at=now - timedelta(days=rng.randint(30, 400)),
        )
        lessons, required = [], []
        for m in range(rng.randint(3, 5)):
            module = Module.objects.create(course=course, order=m + 1, title=f"单元{m + 1}")
            for k in range(rng.randint(3, 6)):
                lesson = Lesson.objects.create(
                    module=module,
                    order=k + 1,
                    title=f"第{m + 1}.{k + 1}课",
                    body="课程正文。" * 20,
                    body_html="<p>" + "课程正文。" * 20 + "</p>",
                    duration_minutes=rng.choice([10, 15, 20, 30]),
                    is_required=rng.random() > 0.1,
                )
                lessons.append(lesson.pk)
                if lesson.is_required:
                    required.append(lesson.pk)
        quiz = Quiz.objects.create(course=course, title="结业测验", pass_mark=60)
        for q in range(5):
            question = Question.objects.create(quiz=quiz, order=q + 1, text=f"第{q + 1}题？")
            Choice.objects.bulk_create(
                Choice(question=question, order=c + 1, text=f"选项{c + 1}", is_correct=c == 0)
                for c in range(4)
            )
        courses.append({"id": course.pk, "lessons": lessons, "required": required, "final_quiz": quiz.pk})
    return courses


def make_cohorts(rng, courses, county_codes, weights, count: int) -> list[dict]:
    today = timezone.localdate()
    rows = []
    picks = rng.choices(county_codes, weights=weights, k=count)
    for n, county in enumerate(picks):
        start = today - timedelta(days=rng.randint(-30, 330))
        end = start + timedelta(days=rng.choice([60, 90, 120]))
        status = (
            Cohort.Status.CLOSED if end < today else (Cohort.Status.RUNNING if start <= today else "open")
        )
        rows.append(
            {
                "course_id": rng.choice(courses)["id"],
                "county_id": county,
                "name": f"{county}-{n}班",
                "start_date": start,
                "end_date": end,
                "capacity": 60,
                "delivery": rng.choice(list(Cohort.Delivery.values)),
                "requires_approval": rng.random() < 0.2,
                "min_attendance_percent": rng.choice([0, 0, 60, 80]),
                "status": status,
                "join_code": new_join_code(),
                "created_at": timezone.now(),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Fill PostgreSQL with a benchmark programme.")
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--cohorts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="Flush the database first.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    if args.reset:
        call_command("flush", "--noinput", verbosity=0)
        log("flushed the database", started)

    call_command("import_divisions", str(DIVISIONS), stdout=io.StringIO())
    county_codes = list(County.objects.order_by("code").values_list("code", flat=True))
    rng.shuffle(county_codes)
    weights = zipf_weights(len(county_codes))
    County.objects.filter(code__in=county_codes[::7]).update(is_priority=True)
    log(f"divisions: {len(county_codes)} counties", started)

    courses = make_courses(rng)
    log(f"courses: {len(courses)} with modules, lessons and quizzes", started)

    copy_rows(Cohort, make_cohorts(rng, courses, county_codes, weights, args.cohorts))
    reset_sequence(Cohort)
    cohorts_by_county: dict[str, list[tuple[int, int]]] = {}
    bench_courses = [c["id"] for c in courses]
    for pk, county, course in Cohort.objects.filter(course__in=bench_courses).values_list(
        "id", "county_id", "course_id"
    ):
        cohorts_by_county.setdefault(county, []).append((pk, course))
    log(f"cohorts: {args.cohorts}", started)

    # Learners: one password hash for all (hashing a million passwords would take hours).
    password = make_password(PASSWORD)
    first_user = max_id(User) + 1
    now = timezone.now()
    learner_counties = rng.choices(county_codes, weights=weights, k=args.learners)

    def users() -> Iterator[dict]:
        for n in range(args.learners):
            yield {
                "id": first_user + n,
                "password": password,
                "email": f"learner{n}@{EMAIL_DOMAIN}",
                "mobile": None,
                "name": chinese_name(rng),
                "gender": rng.choices(["female", "male", "undisclosed", ""], weights=[52, 40, 3, 5])[0],
                "birth_year": rng.randint(1975, 2008) if rng.random() > 0.1 else None,
                "preferred_language": "zh-hans" if rng.random() > 0.03 else "en",
                "privacy_consent_at": now,
                "date_joined": now - timedelta(days=rng.randint(0, 540), seconds=rng.randint(0, 86_400)),
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
                "remind_by_email": True,
                "remind_by_sms": True,
            }

    copy_rows(User, users())
    reset_sequence(User)
    copy_rows(
        LearnerProfile,
        (
            {"user_id": first_user + n, "county_id": county, "school": f"{county}职业学校"}
            for n, county in enumerate(learner_counties)
        ),
    )
    log(f"learners: {args.learners}", started)

    # Enrolments, with their lesson progress, quiz attempts and certificates, a batch of
    # learners at a time: each batch's enrolments go in before the rows that point at them.
    course_index = {c["id"]: c for c in courses}
    cohort_members: dict[int, list[int]] = {}
    next_id = max_id(Enrollment) + 1
    total = 0
    batch = 20_000
    for first in range(0, args.learners, batch):
        rows, progress, attempts, certificates = [], [], [], []
        for n in range(first, min(first + batch, args.learners)):
            for row in learner_enrollments(
                rng, first_user + n, learner_counties[n], courses, course_index, cohorts_by_county, now
            ):
                row["id"] = next_id
                next_id += 1
                rows.append(row)
                child_rows(row, course_index[row["course_id"]], progress, attempts, certificates)
                if row["cohort_id"] is not None and row["status"] in ("active", "completed"):
                    cohort_members.setdefault(row["cohort_id"], []).append(row["learner_id"])
        total += copy_rows(Enrollment, rows)
        copy_rows(LessonProgress, progress)
        copy_rows(QuizAttempt, attempts)
        copy_rows(Certificate, certificates)
    for model in (Enrollment, LessonProgress, QuizAttempt, Certificate):
        reset_sequence(model)
    log(f"enrolments: {total} with progress, attempts, certificates", started)

    # Offline classes: past sessions of each cohort, with attendance of its members.
    today = timezone.localdate()
    sessions = []
    for pk, start, end in Cohort.objects.values_list("id", "start_date", "end_date"):
        for k in range(rng.randint(3, 6)):
            day = start + timedelta(days=7 * k)
            if day <= end:
                sessions.append(
                    {
                        "cohort_id": pk,
                        "date": day,
                        "start_time": "14:00",
                        "place": "县职校多媒体教室",
                        "topic": f"第{k + 1}次线下课",
                    }
                )
    copy_rows(ClassSession, sessions)
    reset_sequence(ClassSession)

    def attendance() -> Iterator[dict]:
        for session_id, cohort, day in ClassSession.objects.filter(date__lte=today).values_list(
            "id", "cohort_id", "date"
        ):
            for learner in cohort_members.get(cohort, ()):
                yield {
                    "session_id": session_id,
                    "learner_id": learner,
                    "status": rng.choices(["present", "absent", "excused"], weights=[85, 10, 5])[0],
                    "recorded_at": datetime.combine(
                        day, datetime.min.time(), tzinfo=timezone.get_current_timezone()
                    ),
                }

    copy_rows(Attendance, attendance())
    reset_sequence(Attendance)
    log(f"class sessions: {len(sessions)} with attendance", started)

    make_bench_accounts(rng, courses, password, county_codes[0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log("bench accounts, ANALYZE", started)
    call_command("refresh_figures", stdout=io.StringIO())
    log("programme figures refreshed", started)
    print(f"total: {time.perf_counter() - started:.1f} s for {args.learners} learners")


def learner_enrollments(rng, learner: int, county: str, courses, courses_by_id, cohorts_by_county, now):
    """1–4 enrolments (2.5 on average) in distinct courses; 60% in a cohort of the county."""
    rows, taken = [], set()
    for _ in range(rng.choices([1, 2, 3, 4], weights=[20, 30, 30, 20])[0]):
        local = cohorts_by_county.get(county)
        cohort, course = None, rng.choice(courses)
        if local and rng.random() < 0.6:
            cohort, course_id = rng.choice(local)
            course = courses_by_id[course_id]
        if course["id"] in taken:
            continue
        taken.add(course["id"])
        status = rng.choices(["active", "completed", "withdrawn", "applied"], weights=[55, 30, 10, 5])[0]
        required = course["required"]
        done = len(required) if status == "completed" else rng.randint(0, max(0, len(required) - 1))
        enrolled_at = now - timedelta(days=rng.randint(1, 400))
        completed_at = (
            min(now, enrolled_at + timedelta(days=rng.randint(10, 90))) if status == "completed" else None
        )
        last_activity = completed_at or (
            min(now, enrolled_at + timedelta(days=rng.randint(0, 60))) if done else None
        )
        rows.append(
            {
                "learner_id": learner,
                "course_id": course["id"],
                "cohort_id": cohort,
                "county_id": county,
                "status": status,
                "progress_percent": 100 if status == "completed" else done * 100 // (len(required) + 1),
                "last_activity_at": last_activity,
                "last_lesson_id": required[done - 1] if done else None,
                "enrolled_at": enrolled_at,
                "completed_at": completed_at,
                "withdrawn_at": enrolled_at + timedelta(days=5) if status == "withdrawn" else None,
                "withdrawal_reason": "外出务工" if status == "withdrawn" else "",
                "_done": done,
            }
        )
    return rows


def child_rows(row: dict, course: dict, progress: list, attempts: list, certificates: list) -> None:
    """The lesson progress, final-quiz attempt and certificate of one generated enrolment."""
    for lesson in course["required"][: row.pop("_done")]:
        progress.append({"enrollment_id": row["id"], "lesson_id": lesson, "completed_at": row["enrolled_at"]})
    if row["status"] == "completed":
        attempts.append(
            {
                "enrollment_id": row["id"],
                "quiz_id": course["final_quiz"],
                "token": f"bench-{row['id']}",
                "number": 1,
                "score": 80,
                "passed": True,
                "answers": "{}",
                "submitted_at": row["completed_at"],
            }
        )
        certificates.append(
            {
                "enrollment_id": row["id"],
                "status": "issued",
                "verification_code": f"B{row['id']:012d}",
                "file": "",
                "created_at": row["completed_at"],
                "issued_at": row["completed_at"],
                "attempts": 1,
            }
        )


def make_bench_accounts(rng, courses, password, big_county: str) -> None:
    """The accounts the load driver uses, and a 2,000-learner cohort for the roster page."""
    today = timezone.localdate()
    User.objects.update_or_create(
        email=f"bench-staff@{EMAIL_DOMAIN}",
        defaults={"name": "压测管理员", "is_staff": True, "is_superuser": True, "password": password},
    )
    coordinator, _ = User.objects.update_or_create(
        email=f"bench-coordinator@{EMAIL_DOMAIN}", defaults={"name": "压测协调员", "password": password}
    )
    CoordinatorAssignment.objects.get_or_create(coordinator=coordinator, county_id=big_county)
    big = Cohort.objects.create(
        course_id=courses[0]["id"],
        county_id=big_county,
        name="压测大班（2000人）",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=60),
        capacity=2500,
        status=Cohort.Status.RUNNING,
    )
    members = list(
        LearnerProfile.objects.filter(county_id=big_county)
        .exclude(user__enrollments__course_id=courses[0]["id"])
        .values_list("user_id", flat=True)[:2000]
    )
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(
            learner_id=learner,
            course_id=courses[0]["id"],
            cohort=big,
            county_id=big_county,
            status="active",
            progress_percent=rng.randint(0, 95),
            last_activity_at=now - timedelta(days=rng.randint(0, 20)),
        )
        for learner in members
    )
    learner, _ = User.objects.update_or_create(
        email=f"bench-learner@{EMAIL_DOMAIN}", defaults={"name": "压测学员", "password": password}
    )
    LearnerProfile.objects.update_or_create(user=learner, defaults={"county_id": big_county})
    for info in courses[1:4]:
        Enrollment.objects.get_or_create(
            learner=learner, course_id=info["id"], defaults={"status": "active", "county_id": big_county}
        )
    print(f"bench cohort {big.pk} in county {big_county}: {len(members)} learners")


if __name__ == "__main__":
    main()
