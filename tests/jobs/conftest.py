"""Employers, posts and learners with something to show, for the hiring tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.models import Certificate
from enrollment.models import Enrollment
from jobs.models import Employer, EmployerMember, JobPost
from jobs.selectors import consent_snapshot, learner_record
from jobs.services import application_submit
from jobs.validators import credit_code_check_character
from tests import factories

_codes = iter(range(10_000_000))


def credit_code(division: str = "330122") -> str:
    """A well-formed unified social credit code, different at each call."""
    first17 = f"91{division}MA{next(_codes):07d}"
    return first17 + credit_code_check_character(first17)


def make_employer(county, *, status=Employer.Status.VERIFIED, name="桐庐电商有限公司", user=None):
    employer = Employer.objects.create(
        name=name,
        credit_code=credit_code(county.code),
        county=county,
        address="桐庐县城南街道 1 号",
        contact_name="王经理",
        contact_phone="0571-12345678",
        status=status,
    )
    user = user or factories.UserFactory(name="王经理")
    EmployerMember.objects.create(employer=employer, user=user, role=EmployerMember.Role.OWNER)
    return employer


def make_post(employer, *, county=None, status=JobPost.Status.PUBLISHED, courses=(), **fields):
    defaults = {
        "title": "电商客服",
        "description": "负责网店客服。",
        "county": county if county is not None else (None if fields.get("is_remote") else employer.county),
        "hours": JobPost.Hours.FULL_TIME,
        "pay_min": Decimal(3000),
        "pay_max": Decimal(4500),
        "openings": 2,
        "deadline": timezone.localdate() + datetime.timedelta(days=14),
        "status": status,
    }
    post = JobPost.objects.create(employer=employer, **(defaults | fields))
    post.required_courses.set(courses)
    return post


def complete(learner, course, *, percent=None, certificate=True, cohort=None):
    """The learner completed ``course`` (with a final exam score and an issued certificate)."""
    enrollment = factories.EnrollmentFactory(
        learner=learner,
        course=course,
        cohort=cohort,
        county=cohort.county if cohort else None,
        status=Enrollment.Status.COMPLETED,
        completed_at=timezone.now(),
        final_exam_percent=percent,
    )
    if certificate:
        Certificate.objects.create(
            enrollment=enrollment, status=Certificate.Status.ISSUED, issued_at=timezone.now()
        )
    return enrollment


def apply(post, learner):
    record = learner_record(learner)
    shared = consent_snapshot(
        record, exam_keys={r["key"] for r in record.exam_results}, practice_keys=set(), share_contact=False
    )
    return application_submit(post=post, learner=learner, shared=shared)


@pytest.fixture
def employer(county):
    return make_employer(county)


@pytest.fixture
def employer_user(employer):
    return employer.members.get().user


@pytest.fixture
def other_employer(other_county):
    return make_employer(other_county, name="万山数据标注中心")


@pytest.fixture
def course(db):
    return factories.CourseFactory(title="农村电商运营")


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client
