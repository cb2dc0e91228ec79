"""A learner on a 360 px phone saves a course for offline study, loses the network, opens two
lessons and marks them done; the phone keeps both and says so ("2 study records waiting to
upload"); when the network returns they are sent, and the server records the progress once.
A quiz answered offline is sent once too; the class schedule and its calendar link fit 360 px.

In English: the offline strings are new, and the Chinese page guard would read them as
untranslated until the catalogue has them."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from counties.models import Attendance
from courses.models import Lesson, Quiz
from enrollment.models import Enrollment, LessonProgress, OfflineAction, QuizAttempt
from tests import factories
from tests.browser.conftest import signed_in_phone, snap

pytestmark = pytest.mark.browser

WIDTH = 360


def test_two_lessons_marked_done_offline_are_recorded_once_back_online(
    _chromium, live_server, transactional_db, artifact_dir
):
    learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=3, final_quiz=False, title="农村电商运营")
    enrollment = factories.EnrollmentFactory(learner=learner, course=course)
    first, second, third = Lesson.objects.filter(module__course=course).order_by("order")
    lesson_url = {
        lesson.pk: live_server.url + reverse("learn:lesson", args=[course.slug, lesson.pk])
        for lesson in (first, second, third)
    }
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(lesson_url[first.pk])
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()
        assert "saved on this phone" in page.inner_text("#offline-state")
        assert "MB on this phone" in page.inner_text("#offline-storage")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

        context.set_offline(True)
        page.goto(live_server.url + reverse("learn:exams"))  # a page that was not saved
        assert page.inner_text("h1") == "You are offline"
        page.goto(lesson_url[first.pk])  # answered by the service worker from the saved copy
        assert page.inner_text("h1") == first.title
        # The page's offline script is running (it keeps the sync state) before "mark done" is
        # pressed: Chromium lets a service worker's own requests out even with the context offline,
        # so a press the script did not catch would reach the server through the worker.
        page.locator("#offline-sync[data-pending]").wait_for(state="attached")
        page.locator("form.complete button[type=submit]").click()
        page.wait_for_url(lesson_url[second.pk])  # on to the next lesson, still offline
        assert page.inner_text("h1") == second.title
        page.locator("#offline-sync").wait_for(state="visible")
        assert page.inner_text("#offline-sync") == "1 study record waiting to upload"
        page.locator("#offline-sync[data-pending]").wait_for(state="attached")
        page.locator("form.complete button[type=submit]").click()
        page.wait_for_url(lesson_url[third.pk])
        page.locator('#offline-sync[data-pending="2"]').wait_for()
        assert page.inner_text("#offline-sync") == "2 study records waiting to upload"
        assert LessonProgress.objects.count() == 0  # kept on the phone, nothing sent
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "learn-offline-queued-360.png")

        context.set_offline(False)
        page.locator('#offline-sync[data-pending="0"]').wait_for()
        assert page.inner_text("#offline-sync") == "All study records are uploaded."
        assert set(LessonProgress.objects.values_list("enrollment", "lesson")) == {
            (enrollment.pk, first.pk),
            (enrollment.pk, second.pk),
        }
        assert OfflineAction.objects.filter(learner=learner).count() == 2
        enrollment.refresh_from_db()
        assert enrollment.progress_percent == 66

        # Nothing is left on the phone: opening pages again sends nothing more.
        page.goto(lesson_url[third.pk])
        page.wait_for_load_state("networkidle")
        assert page.evaluate(f"localStorage.getItem('talentportal.offline.queue.{learner.pk}')") == "[]"
        assert LessonProgress.objects.count() == 2 and OfflineAction.objects.count() == 2

        # The offline copy can be removed.
        page.locator("#offline-remove").click()
        page.locator('#offline[data-state="removed"]').wait_for()
        assert [name for name in page.evaluate("caches.keys()") if name.startswith("course-")] == []
        assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE
    finally:
        context.close()


def test_class_schedule_and_calendar_link_fit_a_360_px_phone(
    _chromium, live_server, transactional_db, artifact_dir
):
    learner = factories.LearnerProfileFactory().user
    cohort = factories.CohortFactory(name="桐庐电商一班")
    factories.EnrollmentFactory(learner=learner, course=cohort.course, cohort=cohort)
    today = timezone.localdate()
    factories.ClassSessionFactory(
        cohort=cohort,
        date=today + datetime.timedelta(days=2),
        place="县职校302多媒体教室",
        topic="直播带货实操",
    )
    held = factories.ClassSessionFactory(cohort=cohort, date=today - datetime.timedelta(days=3))
    Attendance.objects.create(session=held, learner=learner, status=Attendance.Status.PRESENT)
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(live_server.url + reverse("learn:dashboard"))
        page.click("#calendar-link")
        page.click("#feed-create")
        feed_url = page.input_value("#feed-url")
        assert feed_url.startswith(live_server.url + "/learn/calendar/") and feed_url.endswith(".ics")
        assert page.get_attribute("#feed-subscribe", "href").startswith("webcal://")
        assert page.inner_text(f"#session-{held.pk} .badge") == "Present"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        snap(page, artifact_dir / "learn-calendar-360.png")
    finally:
        context.close()


def test_a_quiz_answered_offline_is_sent_once_back_online(_chromium, live_server, transactional_db):
    learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=1, final_quiz=True)
    enrollment = factories.EnrollmentFactory(learner=learner, course=course)
    quiz = Quiz.objects.get(course=course)
    right = quiz.questions.get().choices.get(is_correct=True)
    lesson = Lesson.objects.get(module__course=course)
    quiz_url = live_server.url + reverse("learn:quiz", args=[course.slug, quiz.pk])
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(live_server.url + reverse("learn:lesson", args=[course.slug, lesson.pk]))
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()

        context.set_offline(True)
        page.goto(quiz_url)
        page.check(f'input[value="{right.pk}"]')
        page.locator("form.quiz button[type=submit]").click()
        page.locator('#offline-sync[data-pending="1"]').wait_for()
        assert QuizAttempt.objects.count() == 0

        context.set_offline(False)
        page.locator('#offline-sync[data-pending="0"]').wait_for()
        page.reload()
        page.wait_for_load_state("networkidle")
        [attempt] = QuizAttempt.objects.all()
        assert (attempt.enrollment_id, attempt.quiz_id, attempt.passed) == (enrollment.pk, quiz.pk, True)
    finally:
        context.close()


def _sign_in_on(context, base: str, user) -> None:
    """Another person signs in on the same phone (same browser context): their session cookie."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )


def test_a_shared_phone_shows_nobody_the_previous_users_saved_pages(_chromium, live_server, transactional_db):
    first_learner = factories.LearnerProfileFactory().user
    second_learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=2, final_quiz=False, title="农村电商运营")
    factories.EnrollmentFactory(learner=first_learner, course=course)
    first = Lesson.objects.filter(module__course=course).order_by("order").first()
    lesson_url = live_server.url + reverse("learn:lesson", args=[course.slug, first.pk])
    context, page = signed_in_phone(_chromium, live_server.url, first_learner)
    try:
        page.goto(lesson_url)
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()
        assert page.evaluate("caches.keys()").count(f"course-{first_learner.pk}-{course.slug}") == 1
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        # Another learner signs in on this phone (no sign-out): the worker serves them nothing of
        # the first learner's copy.
        _sign_in_on(context, live_server.url, second_learner)
        page.goto(live_server.url + reverse("learn:dashboard"))
        page.wait_for_load_state("networkidle")
        context.set_offline(True)
        page.goto(lesson_url)
        assert page.inner_text("h1") == "You are offline"
        context.set_offline(False)

        # Back to the first learner: their copy works offline for them...
        _sign_in_on(context, live_server.url, first_learner)
        page.goto(lesson_url)
        page.wait_for_load_state("networkidle")
        context.set_offline(True)
        page.goto(lesson_url)
        assert page.inner_text("h1") == first.title
        context.set_offline(False)

        # ...until they sign out: their copies go, and offline nobody sees the lesson.
        page.goto(lesson_url)
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_load_state("networkidle")
        assert "/learn/" not in page.url
        assert [name for name in page.evaluate("caches.keys()") if name.startswith("course-")] == []
        context.set_offline(True)
        page.goto(lesson_url)
        assert page.inner_text("h1") == "You are offline"
        page.goto(live_server.url + reverse("learn:calendar"))
        assert page.inner_text("h1") == "You are offline"
    finally:
        context.close()


def test_a_refused_quiz_shows_its_reason_and_a_failed_send_stays_queued(
    _chromium, live_server, transactional_db
):
    from enrollment.quizzes import quiz_submit

    learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=1, final_quiz=True)
    enrollment = factories.EnrollmentFactory(learner=learner, course=course)
    quiz = Quiz.objects.get(course=course)
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)
    question = quiz.questions.get()
    right = question.choices.get(is_correct=True)
    lesson = Lesson.objects.get(module__course=course)
    quiz_path = reverse("learn:quiz", args=[course.slug, quiz.pk])
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(live_server.url + reverse("learn:lesson", args=[course.slug, lesson.pk]))
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()

        # A weak signal: the phone believes it is online, the send fails. The answers stay queued.
        page.goto(live_server.url + quiz_path)
        page.route(
            f"**{quiz_path}",
            lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
        )
        page.check(f'input[value="{right.pk}"]')
        page.locator("form.quiz button[type=submit]").click()
        page.locator('#offline-sync[data-pending="1"]').wait_for()
        assert QuizAttempt.objects.count() == 0

        # Meanwhile the one attempt is used on another device: the queued answers are refused.
        quiz_submit(enrollment=enrollment, quiz=quiz, token="another_device_0123456789", answers={})
        page.unroute(f"**{quiz_path}")
        page.goto(live_server.url + reverse("learn:lesson", args=[course.slug, lesson.pk]))
        page.locator('#offline-refused[data-count="1"]').wait_for()
        assert page.get_attribute("#offline-sync", "data-pending") == "0"
        assert "You have used all your attempts at this quiz." in page.inner_text("#offline-refused")
        assert page.inner_text("#offline-sync") != "All study records are uploaded."
        assert QuizAttempt.objects.count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    finally:
        context.close()


def test_signing_out_warns_when_study_records_wait_to_upload(_chromium, live_server, transactional_db):
    learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=2, final_quiz=False)
    factories.EnrollmentFactory(learner=learner, course=course)
    first = Lesson.objects.filter(module__course=course).order_by("order").first()
    lesson_url = live_server.url + reverse("learn:lesson", args=[course.slug, first.pk])
    complete_path = reverse("learn:lesson_complete", args=[course.slug, first.pk])
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(lesson_url)
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()
        context.set_offline(True)
        page.locator("form.complete button[type=submit]").click()  # queued on the phone
        page.locator('#offline-sync[data-pending="1"]').wait_for()
        # Back online, but the upload does not get through (a weak signal): still waiting.
        page.route(f"**{complete_path}", lambda route: route.abort())
        context.set_offline(False)
        page.goto(lesson_url)
        page.locator('#offline-sync[data-pending="1"]').wait_for()

        warnings = []

        def answer(dialog, accept):
            warnings.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda dialog: answer(dialog, False))
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_timeout(500)
        assert "Study records waiting to upload on this phone: 1." in warnings[0]
        assert page.url == lesson_url  # stayed: still signed in
        assert page.inner_text("h1") == first.title

        page.once("dialog", lambda dialog: answer(dialog, True))
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_url(lambda url: "/learn/" not in url)
        assert len(warnings) == 2
        # The records stay queued for this learner's next sign-in on this phone.
        assert (
            page.evaluate(
                f"JSON.parse(localStorage.getItem('talentportal.offline.queue.{learner.pk}')).length"
            )
            == 1
        )
    finally:
        context.close()
