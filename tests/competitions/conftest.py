"""Competitions with rounds, entrants and their submissions, for the competitions tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from competitions.models import Competition, Round, Tier
from enrollment.models import Enrollment
from exams.models import Exam, ExamAttempt
from practice.models import ItemSet, Run
from tests import factories


@pytest.fixture
def course(db):
    return factories.CourseFactory(title="AI 数据标注")


@pytest.fixture
def province_competition(course, county):
    now = timezone.now()
    return Competition.objects.create(
        title="浙江省数据标注技能大赛",
        track=course.track,
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=5),
    )


@pytest.fixture
def paper(course):
    return Exam.objects.create(title="理论卷", course=course, status=Exam.Status.PUBLISHED)


@pytest.fixture
def task(course):
    return ItemSet.objects.create(course=course, title="图像分类赛题", task="image_class", published=True)


def make_round(competition, *, tier=Tier.COUNTY, county=None, province=None, opens=-2, closes=2, **fields):
    """A round open from ``opens`` to ``closes`` hours from now."""
    now = timezone.now()
    return Round.objects.create(
        competition=competition,
        tier=tier,
        county=county,
        province=province,
        opens_at=now + timedelta(hours=opens),
        closes_at=now + timedelta(hours=closes),
        **fields,
    )


def learner_in(county, name="张小明", **fields):
    return factories.LearnerProfileFactory(county=county, user__name=name, **fields).user


def enrol(learner, course):
    enrollment = Enrollment.objects.filter(learner=learner, course=course).first()
    return enrollment or factories.EnrollmentFactory(learner=learner, course=course)


def sit(round, learner, *, percent: int, minutes_ago: float = 30):
    """The learner's attempt at the round's paper, submitted ``minutes_ago``."""
    now = timezone.now()
    return ExamAttempt.objects.create(
        exam=round.exam,
        enrollment=enrol(learner, round.exam.course),
        number=ExamAttempt.objects.filter(exam=round.exam, enrollment__learner=learner).count() + 1,
        started_at=now - timedelta(minutes=minutes_ago + 20),
        submitted_at=now - timedelta(minutes=minutes_ago),
        score=percent,
        max_score=100,
    )


def label(round, learner, *, percent: int, seconds: int, minutes_ago: float = 30):
    """The learner's run of the round's practical task: ``percent`` accurate in ``seconds``."""
    submitted = timezone.now() - timedelta(minutes=minutes_ago)
    run = Run.objects.create(
        enrollment=enrol(learner, round.item_set.course), item_set=round.item_set, score=percent
    )
    Run.objects.filter(pk=run.pk).update(
        started_at=submitted - timedelta(seconds=seconds), submitted_at=submitted
    )
    return run
