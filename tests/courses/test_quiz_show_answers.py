"""A quiz says when learners see its right answers (``show_answers``): edited in the admin,
carried by the course export; a document written before the field imports with the default."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Course, Quiz
from courses.portability import CourseFileError, course_export, course_import
from tests import factories
from tests.courses.test_admin import management_form

ShowAnswers = Quiz.ShowAnswers


@pytest.fixture
def course(db):
    course = factories.make_ready_course(status=Course.Status.DRAFT)
    Quiz.objects.filter(course=course).update(show_answers=ShowAnswers.NEVER)
    return course


def imported_rule(document: dict) -> str:
    return Quiz.objects.get(course=course_import(document=document)).show_answers


def test_export_carries_the_rule_and_import_keeps_it(course):
    document = course_export(course=course)
    assert document["course"]["final_quiz"]["show_answers"] == "never"
    assert imported_rule(document) == ShowAnswers.NEVER


def test_a_document_without_the_rule_imports_the_default(course):
    document = course_export(course=course)
    del document["course"]["final_quiz"]["show_answers"]
    assert document["format_version"] == 1
    assert imported_rule(document) == ShowAnswers.AFTER_LAST_ATTEMPT


def test_an_unknown_rule_is_refused(course):
    document = course_export(course=course)
    document["course"]["final_quiz"]["show_answers"] = "always"
    with pytest.raises(CourseFileError) as error:
        course_import(document=document)
    assert "course.final_quiz.show_answers: must be one of" in str(error.value)


def test_staff_set_the_rule_in_the_quiz_admin(client, staff, course):
    quiz = Quiz.objects.get(course=course)
    client.force_login(staff)
    page = client.get(reverse("admin:courses_quiz_change", args=[quiz.pk])).content.decode()
    assert 'name="show_answers"' in page
    data = {
        "course": course.pk,
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "show_answers": ShowAnswers.AFTER_PASSING,
        **management_form("questions", 0, 0),
    }

    response = client.post(reverse("admin:courses_quiz_change", args=[quiz.pk]), data)

    assert response.status_code == 302, response.content.decode()
    quiz.refresh_from_db()
    assert quiz.show_answers == ShowAnswers.AFTER_PASSING


def test_the_course_admin_lists_the_rule_with_its_quizzes(client, staff, course):
    client.force_login(staff)
    page = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()
    assert 'name="quizzes-0-show_answers"' in page
