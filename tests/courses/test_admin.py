from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Course, CourseStatusChange, Lesson
from tests import factories

CHANGELIST = reverse("admin:courses_course_changelist")
Status = Course.Status


def run_action(client, action: str, course: Course, comment: str = "", apply: bool = True):
    data = {"action": action, "_selected_action": [course.pk], "comment": comment}
    if apply:
        data["apply"] = "1"
    return client.post(CHANGELIST, data, follow=True)


def management_form(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def test_publisher_publishes_through_the_admin_action_with_a_comment(client, publisher):
    course = factories.make_ready_course(status=Status.IN_REVIEW, published_at=None)
    client.force_login(publisher)

    response = run_action(client, "publish", course, comment="审核通过")

    assert response.status_code == 200
    course.refresh_from_db()
    assert course.status == Status.PUBLISHED
    change = CourseStatusChange.objects.get(course=course)
    assert (change.changed_by, change.comment) == (publisher, "审核通过")


def test_workflow_action_first_asks_for_a_comment(client, publisher):
    course = factories.make_ready_course(status=Status.IN_REVIEW, published_at=None)
    client.force_login(publisher)

    response = run_action(client, "return_to_draft", course, apply=False)

    assert response.status_code == 200
    assert 'name="comment"' in response.content.decode()
    course.refresh_from_db()
    assert course.status == Status.IN_REVIEW


def test_editor_submits_through_the_admin_but_is_not_offered_publishing(client, editor):
    course = factories.make_ready_course(status=Status.DRAFT, published_at=None)
    client.force_login(editor)

    changelist = client.get(CHANGELIST).content.decode()
    assert 'value="submit_for_review"' in changelist
    assert 'value="publish"' not in changelist
    assert 'value="archive"' not in changelist

    run_action(client, "submit_for_review", course)
    course.refresh_from_db()
    assert course.status == Status.IN_REVIEW

    run_action(client, "publish", course)  # posted anyway
    course.refresh_from_db()
    assert course.status == Status.IN_REVIEW


def test_admin_action_reports_a_refused_transition(client, publisher):
    course = factories.make_ready_course(status=Status.DRAFT, published_at=None)
    client.force_login(publisher)

    response = run_action(client, "archive", course)

    assert "cannot go from" in response.content.decode()
    course.refresh_from_db()
    assert course.status == Status.DRAFT


def test_lesson_saved_in_the_admin_gets_sanitised_html(client, staff):
    module = factories.ModuleFactory()
    client.force_login(staff)
    data = {
        "module": module.pk,
        "order": 1,
        "title": "拍主图",
        "kind": "reading",
        "body": "**自然光** <img src=x onerror=alert(1)>",
        "video_url": "",
        "duration_minutes": 20,
        "is_required": "on",
        **management_form("attachments", 0, 0),
    }

    response = client.post(reverse("admin:courses_lesson_add"), data)

    assert response.status_code == 302, response.content.decode()
    lesson = Lesson.objects.get(module=module)
    assert "<strong>自然光</strong>" in lesson.body_html
    assert "onerror" not in lesson.body_html


def test_lesson_video_url_must_be_http(client, staff):
    module = factories.ModuleFactory()
    client.force_login(staff)
    data = {
        "module": module.pk,
        "order": 1,
        "title": "视频",
        "kind": "video",
        "video_url": "ftp://media.example.cn/a.mp4",
        "duration_minutes": 20,
        **management_form("attachments", 0, 0),
    }
    response = client.post(reverse("admin:courses_lesson_add"), data)
    assert response.status_code == 200
    assert not Lesson.objects.exists()


def _module_form(module, lessons: list[tuple[Lesson, int]]) -> dict:
    data = {"course": module.course_id, "order": module.order, "title": module.title, "summary": ""}
    data.update(management_form("lessons", len(lessons), len(lessons)))
    for index, (lesson, order) in enumerate(lessons):
        data.update(
            {
                f"lessons-{index}-id": lesson.pk,
                f"lessons-{index}-module": module.pk,
                f"lessons-{index}-order": order,
                f"lessons-{index}-title": lesson.title,
                f"lessons-{index}-kind": lesson.kind,
                f"lessons-{index}-duration_minutes": lesson.duration_minutes,
                f"lessons-{index}-is_required": "on",
            }
        )
    return data


def test_editor_swaps_lessons_in_the_module_inline_and_lesson_ids_stay(client, staff):
    module = factories.ModuleFactory()
    first = factories.LessonFactory(module=module, order=1)
    second = factories.LessonFactory(module=module, order=2)
    client.force_login(staff)

    response = client.post(
        reverse("admin:courses_module_change", args=[module.pk]),
        _module_form(module, [(first, 2), (second, 1)]),
    )

    assert response.status_code == 302, response.content.decode()
    assert list(module.lessons.values_list("pk", flat=True)) == [second.pk, first.pk]


def test_duplicate_order_numbers_in_an_inline_are_refused(client, staff):
    module = factories.ModuleFactory()
    first = factories.LessonFactory(module=module, order=1)
    second = factories.LessonFactory(module=module, order=2)
    client.force_login(staff)

    response = client.post(
        reverse("admin:courses_module_change", args=[module.pk]),
        _module_form(module, [(first, 2), (second, 2)]),
    )

    assert response.status_code == 200
    assert "Another row has this number" in response.content.decode()
    assert list(module.lessons.values_list("order", flat=True)) == [1, 2]


def test_single_choice_question_with_two_correct_choices_is_refused(client, staff):
    question = factories.QuestionFactory(kind="single")
    client.force_login(staff)
    data = {"quiz": question.quiz_id, "order": question.order, "text": question.text, "kind": "single"}
    data.update(management_form("choices", 2, 0))
    for index in range(2):
        data.update({f"choices-{index}-order": index + 1, f"choices-{index}-text": f"选项{index}"})
        data[f"choices-{index}-is_correct"] = "on"

    response = client.post(reverse("admin:courses_question_change", args=[question.pk]), data)

    assert response.status_code == 200
    assert "exactly one correct choice" in response.content.decode()
    assert not question.choices.exists()


def test_course_admin_links_to_the_learner_preview(client, staff):
    course = factories.make_ready_course(status=Status.DRAFT)
    client.force_login(staff)
    page = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()
    assert reverse("catalogue:preview", args=[course.slug]) in page


def test_staff_preview_a_draft_with_lesson_bodies_and_quiz(client, staff):
    course = factories.make_ready_course(status=Status.DRAFT)
    client.force_login(staff)
    response = client.get(reverse("catalogue:preview", args=[course.slug]), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>重点</strong>" in page
    assert "Learners cannot see this course until it is published." in page
    assert "correct" in page


@pytest.mark.parametrize("who", ["visitor", "learner", "editor_without_staff"])
def test_preview_is_for_staff_only(client, learner, who):
    course = factories.make_ready_course(status=Status.DRAFT)
    if who == "learner":
        client.force_login(learner)
    elif who == "editor_without_staff":
        client.force_login(factories.UserFactory(is_staff=False))
    response = client.get(reverse("catalogue:preview", args=[course.slug]))
    assert response.status_code == (302 if who == "visitor" else 403)


def test_admin_changelist_filters_by_status_and_track(client, staff):
    factories.make_ready_course(title="已发布课程")
    factories.make_ready_course(title="草稿课程", status=Status.DRAFT)
    client.force_login(staff)
    page = client.get(CHANGELIST, {"status__exact": "draft"}).content.decode()
    assert "草稿课程" in page
    assert "已发布课程" not in page
