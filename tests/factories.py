"""factory_boy factories for every app: one module, imported by all tests."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from counties.models import (
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    County,
    LearnerProfile,
    Prefecture,
    Province,
)
from courses.models import Choice, Course, Lesson, Module, Question, Quiz, Track
from courses.rendering import render_markdown
from enrollment.models import Enrollment

PASSWORD = "Correct-Horse-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"学员{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "33"
    name = "浙江省"


class PrefectureFactory(DjangoModelFactory):
    class Meta:
        model = Prefecture
        django_get_or_create = ["code"]

    code = "3301"
    name = "杭州市"
    province = factory.SubFactory(ProvinceFactory)


class CountyFactory(DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"3301{n % 100:02d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    prefecture = factory.SubFactory(PrefectureFactory)
    province = factory.SelfAttribute("prefecture.province")


class LearnerProfileFactory(DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    county = factory.SubFactory(CountyFactory)
    school = "桐庐县职业技术学校"


class CoordinatorAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = CoordinatorAssignment

    coordinator = factory.SubFactory(UserFactory)
    county = factory.SubFactory(CountyFactory)


# --- courses ------------------------------------------------------------------------------


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"track-{n}")
    name = factory.Sequence(lambda n: f"方向{n}")


class CourseFactory(DjangoModelFactory):
    """A published course by default; ``status=Course.Status.DRAFT`` for a draft."""

    class Meta:
        model = Course

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"课程{n}")
    summary = "一门测试课程。"
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"单元{n}")


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"课时{n}")
    body = "正文 **重点**"
    body_html = factory.LazyAttribute(lambda lesson: render_markdown(lesson.body))
    duration_minutes = 15


class QuizFactory(DjangoModelFactory):
    """The course's final quiz unless ``module`` is given."""

    class Meta:
        model = Quiz

    course = factory.SubFactory(CourseFactory)
    module = None
    title = factory.Sequence(lambda n: f"测验{n}")
    pass_mark = 60


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"问题{n}？")
    kind = Question.Kind.SINGLE


class ChoiceFactory(DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"选项{n}")
    is_correct = False


# --- cohorts and enrolments ---------------------------------------------------------------


class CohortFactory(DjangoModelFactory):
    """An open cohort that started a month ago and ends in two months."""

    class Meta:
        model = Cohort

    course = factory.SubFactory(CourseFactory)
    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"2026春季{n}班")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    capacity = 40
    status = Cohort.Status.OPEN


class ClassSessionFactory(DjangoModelFactory):
    class Meta:
        model = ClassSession

    cohort = factory.SubFactory(CohortFactory)
    date = factory.LazyFunction(timezone.localdate)
    start_time = datetime.time(14, 0)
    place = "县职校多媒体教室"
    topic = "实操课"


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    status = Enrollment.Status.ACTIVE


def course_with_lessons(*, lessons: int = 2, final_quiz: bool = True, **fields) -> Course:
    """A published course: one module with ``lessons`` required lessons and, if asked, a final
    quiz of one single-choice question whose first choice is right."""
    course = CourseFactory(**fields)
    module = ModuleFactory(course=course, order=1)
    for order in range(1, lessons + 1):
        LessonFactory(module=module, order=order)
    if final_quiz:
        question = QuestionFactory(quiz=QuizFactory(course=course), order=1)
        ChoiceFactory(question=question, order=1, is_correct=True)
        ChoiceFactory(question=question, order=2)
    return course


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
    course = CourseFactory(**fields)
    module = ModuleFactory(course=course, order=1)
    LessonFactory(module=module, order=1)
    question = QuestionFactory(quiz=QuizFactory(course=course), order=1)
    ChoiceFactory(question=question, order=1, is_correct=True)
    ChoiceFactory(question=question, order=2)
    return course
