"""Programme staff see enrolments, attempts and certificates in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Lesson
from enrollment import services
from enrollment.quizzes import quiz_submit
from tests import factories


@pytest.mark.parametrize(
    "model", ["enrollment_enrollment", "enrollment_quizattempt", "certificates_certificate"]
)
def test_enrollment_admin_pages_open(client, staff, learner, model):
    course = factories.course_with_lessons(lessons=1)
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    question = course.quizzes.get().questions.get()
    quiz_submit(
        enrollment=enrollment,
        quiz=course.quizzes.get(),
        token="admin-test-token-1234",
        answers={question.pk: {question.choices.get(is_correct=True).pk}},
    )
    client.force_login(staff)
    changelist = client.get(reverse(f"admin:{model}_changelist"))
    assert changelist.status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert client.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200
