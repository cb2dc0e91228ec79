from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation

from counties.models import Cohort
from tests import factories


@pytest.fixture(autouse=True)
def _english_by_default(settings, client):
    """These tests read the English source texts; rendering in Chinese is tested explicitly
    where it matters. The cookie is what the language switcher sets."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _staff_with(*codenames: str):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    )
    return user


@pytest.fixture
def editor(db):
    """Programme staff who may write courses but not publish them."""
    return _staff_with("view_course", "change_course", "add_course")


@pytest.fixture
def publisher(db):
    """Programme staff who review, publish and archive courses."""
    return _staff_with("view_course", "change_course", "publish_course")


def make_cohort(*, course, county, status=Cohort.Status.OPEN, days_to_end=30, name="2026春季班") -> Cohort:
    today = timezone.localdate()
    return Cohort.objects.create(
        course=course,
        county=county,
        name=name,
        start_date=today + datetime.timedelta(days=days_to_end - 60),
        end_date=today + datetime.timedelta(days=days_to_end),
        capacity=40,
        status=status,
    )


def make_ready_course(**fields):
    """A course with a module, a lesson and a final quiz with one answerable question."""
    course = factories.CourseFactory(**fields)
    module = factories.ModuleFactory(course=course, order=1)
    factories.LessonFactory(module=module, order=1)
    question = factories.QuestionFactory(quiz=factories.QuizFactory(course=course), order=1)
    factories.ChoiceFactory(question=question, order=1, is_correct=True)
    factories.ChoiceFactory(question=question, order=2)
    return course
