"""The course player: lessons in order, mark complete, resume, video and attachments."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from certificates.models import Certificate
from courses.models import Course, Lesson, LessonAttachment, Module
from enrollment import services
from enrollment.models import Enrollment, LessonProgress
from tests import factories

Status = Enrollment.Status

# User (with its role flags: the navigation's is-coordinator check), enrolment + course, the
# lesson with its attachments, modules with their lessons (and done flags), quizzes (and passed
# flags). The session is in the cache.
LESSON_PAGE_QUERIES = 5
# User, enrolment + course, the lesson with its module; in the transaction (BEGIN, COMMIT): the
# locked enrolment, the progress row (INSERT … ON CONFLICT), required lessons done, the final
# quiz passed, the UPDATE of the enrolment; then the outline for the next step (2).
MARK_DONE_QUERIES = 12


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=3)


def lessons_of(course: Course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def lesson_url(course: Course, lesson: Lesson) -> str:
    return reverse("learn:lesson", args=[course.slug, lesson.pk])


def complete_url(course: Course, lesson: Lesson) -> str:
    return reverse("learn:lesson_complete", args=[course.slug, lesson.pk])


@pytest.fixture
def studying(client, learner, course):
    client.force_login(learner)
    return services.enrollment_create(learner=learner, course=course)


def test_learner_enrols_from_the_course_page_and_lands_in_the_player(client, learner, course):
    client.force_login(learner)
    response = client.post(reverse("learn:enrol", args=[course.slug]))
    assert response.status_code == 302
    assert response.url == reverse("learn:player", args=[course.slug])
    assert client.get(response.url).url == lesson_url(course, lessons_of(course)[0])
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert (enrollment.status, enrollment.cohort, enrollment.county_id) == (Status.ACTIVE, None, "330122")

    page = client.get(course.get_absolute_url()).content.decode()
    assert f'href="{reverse("learn:player", args=[course.slug])}"' in page
    assert "Continue" in page


def test_enrolling_twice_keeps_one_enrolment(client, learner, course):
    client.force_login(learner)
    for _ in range(2):
        client.post(reverse("learn:enrol", args=[course.slug]))
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1


def test_enrolling_needs_a_post_and_a_login(client, learner, course):
    url = reverse("learn:enrol", args=[course.slug])
    assert client.post(url).url.startswith(reverse("account_login"))
    client.force_login(learner)
    assert client.get(url).status_code == 405
    assert not Enrollment.objects.exists()


def test_draft_course_cannot_be_enrolled_in(client, learner):
    draft = factories.CourseFactory(status=Course.Status.DRAFT)
    client.force_login(learner)
    assert client.post(reverse("learn:enrol", args=[draft.slug])).status_code == 404
    assert not Enrollment.objects.exists()


def test_lesson_page_shows_body_video_attachments_and_neighbours(
    client, studying, course, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first, second, third = lessons_of(course)
    second.kind = Lesson.Kind.VIDEO
    second.video_file.save("intro.mp4", ContentFile(b"\x00" * 16), save=True)
    LessonAttachment.objects.create(
        lesson=second, title="练习表格", file=ContentFile(b"x", name="sheet.xlsx")
    )
    third.video_url = "https://media.example.cn/videos/3.mp4"
    third.save()

    page = client.get(lesson_url(course, second)).content.decode()
    assert second.title in page
    assert "<strong>重点</strong>" in page
    assert f'<video class="video" controls preload="none" src="{second.video_file.url}"' in page
    assert "练习表格" in page and "download>" in page
    assert f'rel="prev" href="{lesson_url(course, first)}"' in page
    assert f'rel="next" href="{lesson_url(course, third)}"' in page
    assert f'action="{complete_url(course, second)}"' in page

    page = client.get(lesson_url(course, third)).content.decode()
    assert 'href="https://media.example.cn/videos/3.mp4"' in page
    final_quiz = course.quizzes.get()
    assert f'rel="next" href="{reverse("learn:quiz", args=[course.slug, final_quiz.pk])}"' in page


def test_mark_complete_updates_progress_and_goes_to_the_next_lesson(client, studying, course):
    first, second, _third = lessons_of(course)
    response = client.post(complete_url(course, first))
    assert response.url == lesson_url(course, second)
    studying.refresh_from_db()
    assert studying.progress_percent == 25  # one of four steps: three lessons and the final quiz
    assert studying.last_lesson == first

    # Safe to repeat: a second POST (double click, reload) changes nothing.
    assert client.post(complete_url(course, first)).url == lesson_url(course, second)
    assert LessonProgress.objects.filter(enrollment=studying).count() == 1
    studying.refresh_from_db()
    assert studying.progress_percent == 25


def test_mark_complete_is_a_post_only(client, studying, course):
    first = lessons_of(course)[0]
    assert client.get(complete_url(course, first)).status_code == 405
    assert not LessonProgress.objects.exists()


def test_player_resumes_after_the_last_completed_lesson(client, studying, course):
    first, second, third = lessons_of(course)
    player = reverse("learn:player", args=[course.slug])
    assert client.get(player).url == lesson_url(course, first)
    client.post(complete_url(course, second))
    assert client.get(player).url == lesson_url(course, third)
    client.post(complete_url(course, third))
    # Nothing left after the last lesson but the final quiz… which comes before going back.
    assert client.get(player).url == reverse("learn:quiz", args=[course.slug, course.quizzes.get().pk])


def test_last_lesson_leads_to_the_final_quiz(client, studying, course):
    *_rest, last = lessons_of(course)
    response = client.post(complete_url(course, last))
    assert response.url == reverse("learn:quiz", args=[course.slug, course.quizzes.get().pk])


def test_completing_the_last_step_completes_the_course(client, learner, db):
    course = factories.course_with_lessons(lessons=2, final_quiz=False)
    client.force_login(learner)
    services.enrollment_create(learner=learner, course=course)
    first, second = lessons_of(course)
    client.post(complete_url(course, first))
    response = client.post(complete_url(course, second), follow=True)
    assert response.redirect_chain[-1][0] == reverse("learn:dashboard")
    assert "You completed the course" in response.content.decode()
    enrollment = Enrollment.objects.get(learner=learner)
    assert (enrollment.status, enrollment.progress_percent) == (Status.COMPLETED, 100)
    assert enrollment.certificate.status == Certificate.Status.PENDING


def test_another_learners_player_is_404(client, learner, course):
    other = factories.LearnerProfileFactory().user
    services.enrollment_create(learner=other, course=course)
    client.force_login(learner)
    first = lessons_of(course)[0]
    assert client.get(reverse("learn:player", args=[course.slug])).status_code == 404
    assert client.get(lesson_url(course, first)).status_code == 404
    assert client.post(complete_url(course, first)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_lesson_of_another_course_is_404(client, studying, course):
    other_lesson = lessons_of(factories.course_with_lessons(lessons=1))[0]
    assert client.get(lesson_url(course, other_lesson)).status_code == 404
    assert client.post(complete_url(course, other_lesson)).status_code == 404


def test_player_needs_a_login(client, course):
    url = lesson_url(course, lessons_of(course)[0])
    assert client.get(url).url.startswith(reverse("account_login"))


def test_enrolled_learner_keeps_studying_an_archived_course(client, studying, course):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)
    first = lessons_of(course)[0]
    assert client.get(lesson_url(course, first)).status_code == 200
    client.post(complete_url(course, first))
    assert LessonProgress.objects.filter(enrollment=studying).count() == 1


def test_learner_not_enrolled_in_an_archived_course_gets_404(client, learner, course):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)
    client.force_login(learner)
    assert client.get(reverse("learn:player", args=[course.slug])).status_code == 404
    assert client.post(reverse("learn:enrol", args=[course.slug])).status_code == 404


def test_learner_waiting_for_approval_cannot_study_yet(client, learner, course, county):
    cohort = factories.CohortFactory(course=course, county=county, requires_approval=True)
    services.cohort_join(learner=learner, cohort=cohort)
    client.force_login(learner)
    first = lessons_of(course)[0]
    response = client.get(lesson_url(course, first), follow=True)
    assert response.redirect_chain[-1][0] == reverse("learn:dashboard")
    assert "waiting for your coordinator" in response.content.decode()
    client.post(complete_url(course, first))
    assert not LessonProgress.objects.exists()


def test_withdrawing_asks_first_then_keeps_progress_for_re_enrolling(client, studying, course):
    first = lessons_of(course)[0]
    client.post(complete_url(course, first))
    url = reverse("learn:withdraw", args=[course.slug])

    page = client.get(url).content.decode()
    assert 'name="reason"' in page
    studying.refresh_from_db()
    assert studying.status == Status.ACTIVE  # the GET only asks

    response = client.post(url, {"reason": "去外地打工"})
    assert response.url == reverse("learn:dashboard")
    studying.refresh_from_db()
    assert (studying.status, studying.withdrawal_reason) == (Status.WITHDRAWN, "去外地打工")
    assert client.get(lesson_url(course, first)).url == reverse("learn:dashboard")
    dashboard = client.get(reverse("learn:dashboard")).content.decode()
    assert "Enrol again" in dashboard

    client.post(reverse("learn:enrol", args=[course.slug]))
    studying.refresh_from_db()
    assert (studying.status, studying.progress_percent) == (Status.ACTIVE, 25)


def test_completed_course_cannot_be_withdrawn_from(client, learner, db):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    client.force_login(learner)
    enrollment = services.enrollment_create(learner=learner, course=course)
    client.post(complete_url(course, lessons_of(course)[0]))
    response = client.post(reverse("learn:withdraw", args=[course.slug]), follow=True)
    assert "cannot be withdrawn" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


def _course_of(size: int) -> Course:
    """A course of ``size`` modules with ``size`` lessons in all, a module quiz each, a final quiz."""
    course = factories.CourseFactory()
    modules = Module.objects.bulk_create(
        [Module(course=course, order=order, title=f"单元{order}") for order in range(1, size + 1)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(module=module, order=1, title=f"课时{module.order}", body_html="<p>正文</p>")
            for module in modules
        ]
    )
    for module in modules:
        factories.QuizFactory(course=course, module=module)
    factories.QuizFactory(course=course)
    return course


@pytest.mark.parametrize("size", [1, 50])
def test_lesson_page_query_count_is_constant(client, learner, size, django_assert_num_queries):
    course = _course_of(size)
    enrollment = services.enrollment_create(learner=learner, course=course)
    lessons = lessons_of(course)
    for lesson in lessons[: size // 2 + 1]:
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    client.force_login(learner)
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        response = client.get(lesson_url(course, lessons[-1]))
    assert response.status_code == 200
    assert response.content.decode().count('class="done"') == size // 2 + 1


@pytest.mark.parametrize("size", [1, 50])
def test_mark_done_query_count_is_constant(client, learner, size, django_assert_num_queries):
    course = _course_of(size)
    enrollment = services.enrollment_create(learner=learner, course=course)
    lessons = lessons_of(course)
    for lesson in lessons[: size // 2]:
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    client.force_login(learner)
    current = lessons[size // 2]
    with django_assert_num_queries(MARK_DONE_QUERIES):
        response = client.post(complete_url(course, current))
    # The module's quiz comes next.
    assert response.url == reverse("learn:quiz", args=[course.slug, current.module.quiz.pk])
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == size // 2 + 1
