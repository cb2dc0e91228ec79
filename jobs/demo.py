"""Demo hiring data for ``manage.py seed_demo``: two verified employers in the demo counties,
each with a person who acts for it (a demo login) and published posts that ask for the demo
courses, and a job fair in 桐庐县 with the first one. Idempotent: a second run finds what the
first one made."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TextIO

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from counties.models import CoordinatorAssignment, County
from courses.models import Course

from .models import Employer, EmployerMember, JobFair, JobPost
from .validators import credit_code_check_character


def _code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


# (login, person, organisation, 17 first characters of its code, county, address, posts)
DEMO_EMPLOYERS = [
    (
        "employer@example.com",
        "赵丽",
        "桐庐县富春电子商务有限公司",
        "91330122MA2CE0001",
        "330122",
        "桐庐县城南街道迎春南路 88 号",
        [
            ("电商客服（网店）", JobPost.Hours.FULL_TIME, "3200", "4500", JobPost.PayPeriod.MONTH, 3,
             ["rural-ecommerce-operations"], None, False),
            ("直播带货助理", JobPost.Hours.PART_TIME, "120", "200", JobPost.PayPeriod.DAY, 2,
             ["livestream-selling"], 70, False),
        ],
    ),
    (
        "employer2@example.com",
        "杨帆",
        "铜仁万山智能数据标注服务中心",
        "52520603MJ9DL0002",
        "520603",
        "万山区谢桥街道数字产业园 3 号楼",
        [
            ("图片数据标注员（居家计件）", JobPost.Hours.PIECE_RATE, "0.15", "0.40",
             JobPost.PayPeriod.PIECE, 20, ["ai-data-labelling-basics"], None, True),
            ("标注质检员", JobPost.Hours.FULL_TIME, "3000", "4000", JobPost.PayPeriod.MONTH, 2,
             ["ai-data-labelling-basics"], 80, False),
        ],
    ),
]  # fmt: skip


@transaction.atomic
def seed_demo_jobs(*, password: str, stdout: TextIO | None = None) -> list[Employer]:
    """The demo employers, their logins (``password``) and their published posts (deadline a
    month from today, moved on at each run so the demo never expires)."""
    employers = []
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    for login, person, name, first17, county_code, address, posts in DEMO_EMPLOYERS:
        user, created = User.objects.get_or_create(email=login, defaults={"name": person})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=login, defaults={"verified": True, "primary": True}
        )
        county = County.objects.get(code=county_code)
        employer, _created = Employer.objects.update_or_create(
            credit_code=_code(first17),
            defaults={
                "name": name,
                "county": county,
                "address": address,
                "contact_name": person,
                "contact_phone": "0571-6000" + first17[-4:],
                "status": Employer.Status.VERIFIED,
                "reviewed_at": timezone.now(),
            },
        )
        EmployerMember.objects.get_or_create(
            user=user, defaults={"employer": employer, "role": EmployerMember.Role.OWNER}
        )
        for title, hours, low, high, period, openings, slugs, min_exam, remote in posts:
            post, _created = JobPost.objects.update_or_create(
                employer=employer,
                title=title,
                defaults={
                    "description": f"{name}招聘{title}。完成相关课程的学员优先，提供岗前培训。",
                    "county": None if remote else county,
                    "is_remote": remote,
                    "hours": hours,
                    "pay_min": Decimal(low),
                    "pay_max": Decimal(high),
                    "pay_period": period,
                    "openings": openings,
                    "deadline": deadline,
                    "min_exam_percent": min_exam,
                    "status": JobPost.Status.PUBLISHED,
                    "published_at": timezone.now(),
                },
            )
            post.required_courses.set(Course.objects.filter(slug__in=slugs))
        employers.append(employer)
        if stdout is not None:
            stdout.write(f"Demo employer: {name} ({login}), {len(posts)} posts")
    _seed_fair(employers[0])
    return employers


def _seed_fair(employer: Employer) -> JobFair:
    """A job fair in the first employer's county in two weeks, with that employer and its posts,
    organised by the county's demo coordinator."""
    assignment = (
        CoordinatorAssignment.objects.filter(county=employer.county).select_related("coordinator").first()
    )
    fair, _created = JobFair.objects.update_or_create(
        county=employer.county,
        title=f"{employer.county.name}春季就业双选会",
        defaults={
            "date": timezone.localdate() + datetime.timedelta(days=14),
            "place": f"{employer.county.name}职业技术学校体育馆",
            "organised_by": assignment.coordinator if assignment else None,
        },
    )
    fair.employers.set([employer])
    fair.posts.set(JobPost.objects.filter(employer=employer))
    return fair
