"""A hand-built programme for the figures: five learners in three counties of two provinces.

浙江省 (33) › 杭州市 (3301) › 桐庐县 330122: L1, L2          淳安县 330127 (priority): L3
贵州省 (52) › 铜仁市 (5206) › 万山区 520603: L4, L5 — no completion there

L1 female, 22 (18–24): course A in an offline class of 桐庐, completed, certificate
   issued, placed (employed); studied 5 days ago.
L2 male, 36 (35–44): course A alone, studying (last seen 60 days ago); course B alone,
   withdrawn (enrolled 100 days ago).
L3 female, no birth year: course B alone in 淳安, completed, certificate issued, outcome
   "seeking"; then deleted her account (anonymised, certificate revoked, never active).
L4 gender not given, 16 (under 18): course A in a blended class of 万山, studying
   (2 days ago); a request for course B waiting for approval (not an enrolment). Registered
   30 days ago; everyone else 150 days ago.
L5 female, 51 (45+): registered, never enrolled.
Plus a staff member enrolled in course A without a learner profile (not a learner).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from counties.models import Cohort, County, PlacementOutcome
from courses.models import Course
from enrollment.models import Enrollment
from figures.services import figures_refresh
from privacy.services import user_delete_account
from tests import factories

NOW = timezone.now()
DAY = datetime.timedelta(days=1)
YEAR = timezone.localdate(NOW).year  # age bands count from the snapshot's (local) year


@pytest.fixture(autouse=True)
def _target_and_media(settings, tmp_path):
    settings.PROGRAMME_TARGET_LEARNERS = 100
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Programme:
    tonglu: County
    chun_an: County
    wanshan: County
    course_a: Course
    course_b: Course
    learners: list[User]


def _learner(county, *, gender, birth_year, joined_days_ago=150) -> User:
    user = factories.LearnerProfileFactory(
        county=county, user__gender=gender, user__birth_year=birth_year
    ).user
    User.objects.filter(pk=user.pk).update(date_joined=NOW - joined_days_ago * DAY)
    return user


def _enrol(learner, course, county, *, status="active", cohort=None, enrolled_days_ago=20, **times):
    enrollment = factories.EnrollmentFactory(
        learner=learner, course=course, county=county, cohort=cohort, status=status, **times
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=NOW - enrolled_days_ago * DAY)
    return enrollment


def _certificate(enrollment, days_ago: int) -> Certificate:
    return Certificate.objects.create(
        enrollment=enrollment, status=Certificate.Status.ISSUED, issued_at=NOW - days_ago * DAY
    )


def _placement(learner, enrollment, outcome: str) -> None:
    PlacementOutcome.objects.create(
        learner=learner,
        county=enrollment.county,
        cohort=enrollment.cohort,
        course=enrollment.course,
        outcome=outcome,
        employer="桐庐快递" if outcome == "employed" else "",
        outcome_date=timezone.localdate() - 3 * DAY,
    )


@pytest.fixture
def programme(db, county, other_county) -> Programme:
    tonglu, wanshan = county, other_county
    chun_an = factories.CountyFactory(
        code="330127", name="淳安县", prefecture=tonglu.prefecture, is_priority=True
    )
    course_a = factories.CourseFactory(
        title="农村电商运营", track=factories.TrackFactory(slug="ecommerce", name="电商")
    )
    course_b = factories.CourseFactory(
        title="AI数据标注", track=factories.TrackFactory(slug="data", name="数据标注")
    )

    l1 = _learner(tonglu, gender="female", birth_year=YEAR - 22)
    offline = factories.CohortFactory(course=course_a, county=tonglu, delivery=Cohort.Delivery.OFFLINE)
    done = _enrol(
        l1, course_a, tonglu, status="completed", cohort=offline, completed_at=NOW - 10 * DAY,
        last_activity_at=NOW - 5 * DAY, progress_percent=100,
    )  # fmt: skip
    _certificate(done, days_ago=9)
    _placement(l1, done, "employed")

    l2 = _learner(tonglu, gender="male", birth_year=YEAR - 36)
    _enrol(l2, course_a, tonglu, last_activity_at=NOW - 60 * DAY)
    _enrol(l2, course_b, tonglu, status="withdrawn", enrolled_days_ago=100, withdrawn_at=NOW - 95 * DAY)

    l3 = _learner(chun_an, gender="female", birth_year=None)
    done_b = _enrol(
        l3, course_b, chun_an, status="completed", completed_at=NOW - 3 * DAY, last_activity_at=NOW - 3 * DAY,
        progress_percent=100,
    )  # fmt: skip
    _certificate(done_b, days_ago=2)
    _placement(l3, done_b, "seeking")
    user_delete_account(user=l3)

    l4 = _learner(wanshan, gender="", birth_year=YEAR - 16, joined_days_ago=30)
    blended = factories.CohortFactory(course=course_a, county=wanshan, delivery=Cohort.Delivery.BLENDED)
    _enrol(l4, course_a, wanshan, cohort=blended, last_activity_at=NOW - 2 * DAY)
    _enrol(l4, course_b, wanshan, status="applied")

    l5 = _learner(wanshan, gender="female", birth_year=YEAR - 51)

    staff = factories.StaffFactory()
    _enrol(staff, course_a, tonglu, status="completed", completed_at=NOW - DAY)
    return Programme(tonglu, chun_an, wanshan, course_a, course_b, [l1, l2, l3, l4, l5])


@pytest.fixture
def refreshed(programme) -> Programme:
    figures_refresh(now=NOW)
    return programme


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client
