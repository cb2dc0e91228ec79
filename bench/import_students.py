"""Student import: 10,000 rows from a school's GBK CSV into one cohort, on PostgreSQL.

    DATABASE_URL=postgres://user:password@host:port/db \
        .venv/bin/python bench/import_students.py [--rows 10000]

Migrates the database, makes a county, a published course and a cohort with room for everyone,
writes a CSV of ``--rows`` students (Chinese names, unique mobiles, an email for three in five,
GBK-encoded as Excel in China saves it) and times, through the same functions the coordinator's
pages and the Celery task call: reading + the dry run, then the commit (accounts, email
addresses, learner profiles and enrolments in one transaction), then a re-import of the same
file (nothing to do). Invitations are queued after commit; with no broker they are rendered
and sent in-process to Django's in-memory mail backend and timed apart. The requirement: under
30 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")
os.environ.setdefault("EMAIL_URL", "consolemail://")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from coordinator import imports, tasks  # noqa: E402
from counties.models import Cohort, County, Prefecture, Province  # noqa: E402
from courses.models import Course, Track  # noqa: E402
from enrollment.models import Enrollment  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = "小明丽华建国秀英志强桂兰海燕春梅红霞玉兰文静俊杰晓东佳怡子涵雨欣浩然梓萱一诺"


def students_csv(rows: int, run: int) -> bytes:
    lines = ["姓名,手机,邮箱,学校,性别,出生年份"]
    rng = random.Random(run)
    for i in range(rows):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        email = f"s{run}-{i}@bench.example.com" if i % 5 < 3 else ""
        gender = "男" if i % 2 else "女"
        lines.append(f"{name},13{run:04d}{i:05d},{email},桐庐县职业技术学校,{gender},{2004 + i % 4}")
    return ("\n".join(lines) + "\n").encode("gbk")


def setup_cohort(rows: int, run: int) -> tuple[Cohort, User]:
    province, _ = Province.objects.get_or_create(code="33", defaults={"name": "浙江省"})
    prefecture, _ = Prefecture.objects.get_or_create(
        code="3301", defaults={"name": "杭州市", "province": province}
    )
    county, _ = County.objects.get_or_create(
        code="330122", defaults={"name": "桐庐县", "prefecture": prefecture, "province": province}
    )
    track, _ = Track.objects.get_or_create(slug="bench-import", defaults={"name": "基准测试"})
    course, _ = Course.objects.get_or_create(
        slug="bench-import-course",
        defaults={
            "track": track,
            "title": "导入基准课程",
            "summary": "基准测试",
            "status": Course.Status.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    coordinator, _ = User.objects.get_or_create(
        email="bench-coordinator@example.com", defaults={"name": "基准"}
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        course=course,
        county=county,
        name=f"导入基准 {run}",
        start_date=today,
        end_date=today.replace(year=today.year + 1),
        capacity=rows + 10,
        status=Cohort.Status.OPEN,
        created_by=coordinator,
    )
    return cohort, coordinator


def timed(label: str, function):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    print(f"  {label:<34} {seconds:7.2f} s  {len(queries):5d} queries")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the figure that counts is PostgreSQL's", file=sys.stderr)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("migrate", verbosity=0)
    run = random.randint(0, 9999)
    cohort, coordinator = setup_cohort(args.rows, run)
    data = students_csv(args.rows, run)
    print(f"import of {args.rows} students ({len(data) / 1024:.0f} KiB GBK CSV) on {connection.vendor}")

    # Invitations are timed apart: in production a Celery worker sends them after the commit.
    queued: list[dict] = []

    real_enqueue_on_commit = imports.enqueue_on_commit
    imports.enqueue_on_commit = lambda _task, **kwargs: queued.append(kwargs)

    def start_and_check():
        upload = SimpleUploadedFile("students.csv", data, content_type="text/csv")
        job = imports.import_job_start(
            cohort=cohort, upload=upload, created_by=coordinator, site_url="http://localhost:8000/"
        )
        return imports.import_job_check(job_id=job.pk)

    job, check_seconds = timed("read + dry run", start_and_check)
    assert job.created_count == args.rows, (job.created_count, job.error)

    def commit():
        assert imports.import_job_claim(job_id=job.pk)
        return imports.import_job_commit(job_id=job.pk)

    job, commit_seconds = timed("commit (one transaction)", commit)
    assert job.enrolled_count == args.rows, (job.enrolled_count, job.error)
    assert Enrollment.objects.filter(cohort=cohort).count() == args.rows

    again, reimport_seconds = timed("re-import: read + dry run", start_and_check)
    assert again.created_count == 0 and again.matched_count == 0, "re-import found work to do"

    imports.enqueue_on_commit = real_enqueue_on_commit

    def send_invitations():
        for batch in queued:
            tasks.invitations_send(**batch)

    _, invite_seconds = timed(f"invitations ({len(queued)} tasks)", send_invitations)
    total = check_seconds + commit_seconds
    print(f"  emails sent: {len(mail.outbox)}")
    print(
        f"RESULT rows={args.rows} dry_run={check_seconds:.2f}s commit={commit_seconds:.2f}s "
        f"total={total:.2f}s (limit 30 s) reimport_dry_run={reimport_seconds:.2f}s "
        f"invitations={invite_seconds:.2f}s"
    )
    sys.exit(0 if total < 30 else 1)


if __name__ == "__main__":
    main()
