"""The catalogue and the course page run a fixed number of queries, whatever the size of the
curriculum: the same exact count with 1 and with 50 courses, modules and lessons."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courses.models import Choice, Lesson, Module, Question, Quiz
from tests import factories

# Visitor filtering by track: the track, count, page of courses, tracks for the filter's menu.
CATALOGUE_QUERIES_VISITOR = 4
# Learner searching courses with a class in their county: user (with its role flags), learner's
# county, count, page of courses, tracks for the filter's menu (the session is in the cache).
CATALOGUE_QUERIES_LEARNER = 5
# Visitor: course, then the syllabus (modules, lessons, quizzes with question counts) unless it
# is in the cache.
COURSE_QUERIES_VISITOR = 1
# The syllabus and the changelog of published revisions (the fragments the page caches).
SYLLABUS_QUERIES = 4
# Learner: user (with its role flags), course (with their enrolment), their county, upcoming
# cohorts there; the syllabus as for visitors.
COURSE_QUERIES_LEARNER = 4


def _catalogue_of(size: int, county) -> str:
    """``size`` courses in each of two tracks; returns the first track's slug."""
    tracks = [factories.TrackFactory(), factories.TrackFactory()]
    for index in range(size * 2):
        course = factories.CourseFactory(track=tracks[index % 2])
        factories.make_cohort(course=course, county=county)
        module = factories.ModuleFactory(course=course, order=1)
        factories.LessonFactory(module=module, order=1)
    return tracks[0].slug


def _course_of(size: int, county):
    course = factories.CourseFactory()
    modules = Module.objects.bulk_create(
        [Module(course=course, order=order, title=f"单元{order}") for order in range(1, size + 1)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(module=module, order=order, title=f"课时{order}", duration_minutes=10)
            for module in modules
            for order in range(1, size + 1)
        ]
    )
    quizzes = Quiz.objects.bulk_create(
        [Quiz(course=course, module=module, title=f"小测{module.order}") for module in modules]
        + [Quiz(course=course, title="结业测验")]
    )
    questions = Question.objects.bulk_create(
        [
            Quiz and Question(quiz=quiz, order=order, text="?")
            for quiz in quizzes
            for order in range(1, size + 1)
        ]
    )
    Choice.objects.bulk_create(
        [Choice(question=question, order=1, text="对", is_correct=True) for question in questions]
    )
    for index in range(size):
        factories.make_cohort(course=course, county=county, name=f"班级{index}")
    return course


@pytest.mark.parametrize("size", [1, 50])
def test_catalogue_query_count_is_constant_for_visitors(client, county, size, django_assert_num_queries):
    track = _catalogue_of(size, county)
    with django_assert_num_queries(CATALOGUE_QUERIES_VISITOR):
        response = client.get(reverse("catalogue:catalogue"), {"track": track})
    assert response.status_code == 200
    assert response.content.decode().count("<h2><a href=") == min(size, 12)


@pytest.mark.parametrize("size", [1, 50])
def test_catalogue_query_count_is_constant_for_learners(
    client, learner, county, size, django_assert_num_queries
):
    _catalogue_of(size, county)
    client.force_login(learner)
    with django_assert_num_queries(CATALOGUE_QUERIES_LEARNER):
        response = client.get(reverse("catalogue:catalogue"), {"q": "课程", "in_my_county": "on"})
    assert response.status_code == 200
    assert response.content.decode().count('class="badge"') == min(size * 2, 12)


@pytest.mark.parametrize("size", [1, 50])
def test_course_page_query_count_is_constant_for_visitors(client, county, size, django_assert_num_queries):
    course = _course_of(size, county)
    with django_assert_num_queries(COURSE_QUERIES_VISITOR + SYLLABUS_QUERIES):
        response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    # Every lesson title (课时1, 课时2, …) is on the page.
    assert len(re.findall(r"课时\d+", response.content.decode())) == size * size


@pytest.mark.parametrize("size", [1, 50])
def test_course_page_query_count_is_constant_for_learners(
    client, learner, county, size, django_assert_num_queries
):
    course = _course_of(size, county)
    client.force_login(learner)
    with django_assert_num_queries(COURSE_QUERIES_LEARNER + SYLLABUS_QUERIES):
        first = client.get(course.get_absolute_url())
    with django_assert_num_queries(COURSE_QUERIES_LEARNER):
        second = client.get(course.get_absolute_url())
    assert second.status_code == 200
    # The same page from the cached syllabus, but for the forms' tokens.
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", second.content.decode()) == csrf.sub("", first.content.decode())
    assert len(re.findall(r"课时\d+", second.content.decode())) == size * size
    assert len(re.findall(r"班级\d+", second.content.decode())) == min(size, 10)
