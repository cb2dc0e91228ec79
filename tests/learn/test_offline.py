"""Offline study through HTTP: the manifest and the service worker, what a phone saves of a
course (and of no course it may not study), and study sent back from an offline phone recorded
exactly once per key."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation
from PIL import Image

from courses.models import Lesson, Quiz
from enrollment.models import Enrollment, LessonProgress, OfflineAction, QuizAttempt
from tests import factories

Status = Enrollment.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course():
    return factories.course_with_lessons(lessons=2, title="农村电商运营")


@pytest.fixture
def enrollment(learner, course):
    return factories.EnrollmentFactory(learner=learner, course=course)


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def complete_url(course, lesson) -> str:
    return reverse("learn:lesson_complete", args=[course.slug, lesson.pk])


KEY = "k3y-made-on-the-phone_0001"


# --- Installing and the service worker ---------------------------------------------------


def test_manifest_lets_android_install_the_portal(client, db):
    response = client.get(reverse("learn:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] and manifest["short_name"]
    assert manifest["start_url"] == reverse("learn:dashboard")
    assert manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes[icon["sizes"]] = image.format
    assert sizes == {"192x192": "PNG", "512x512": "PNG"}


def test_service_worker_is_served_for_the_learners_pages_and_never_cached(client, db):
    response = client.get(reverse("learn:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert reverse("learn:service_worker").startswith(reverse("learn:dashboard"))  # its scope
    script = response.content.decode()
    assert 'addEventListener("fetch"' in script and "cache.match(" in script
    # Only the signed-in user's copies: the user cookie and the per-user cache names.
    assert '"tp_offline_user"' in script and 'userCopy(request, "course-")' in script
    assert 'var mine = prefix + user + "-";' in script
    assert "{%" not in script and "{{" not in script


def test_learner_pages_link_the_manifest_and_the_offline_panel(client, learner, enrollment, course):
    first, second = lessons_of(course)
    client.force_login(learner)
    page = client.get(reverse("learn:lesson", args=[course.slug, first.pk])).content.decode()
    assert f'<link rel="manifest" href="{reverse("learn:manifest")}">' in page
    assert '<section class="panel offline" id="offline" hidden' in page  # shown by the script only
    assert f'data-bundle="{reverse("learn:offline_bundle", args=[course.slug])}"' in page
    assert 'src="/static/js/offline.js" defer' in page
    form = page.split('<form class="complete"', 1)[1].split(">", 1)[0]
    assert 'data-offline-queue="lesson"' in form
    assert f'data-offline-next="{reverse("learn:lesson", args=[course.slug, second.pk])}"' in form
    dashboard = client.get(reverse("learn:dashboard")).content.decode()
    assert 'id="offline"' in dashboard and 'id="offline-courses"' in dashboard


# --- Saving a course -----------------------------------------------------------------------


def test_course_bundle_lists_the_lessons_quizzes_pictures_and_static_files(
    client, learner, enrollment, course
):
    first, second = lessons_of(course)
    Lesson.objects.filter(pk=first.pk).update(
        body_html='<p><img src="/media/lessons/shop.jpg" alt=""> <img src="https://cdn.example.com/x.png"></p>'
    )
    quiz = Quiz.objects.get(course=course)
    client.force_login(learner)

    response = client.get(reverse("learn:offline_bundle", args=[course.slug]))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    bundle = json.loads(response.content)
    assert bundle["cache"] == f"course-{learner.pk}-{course.slug}"  # per user: a shared phone
    urls = bundle["urls"]
    assert reverse("learn:lesson", args=[course.slug, first.pk]) in urls
    assert reverse("learn:lesson", args=[course.slug, second.pk]) in urls
    assert reverse("learn:quiz", args=[course.slug, quiz.pk]) in urls
    assert "/media/lessons/shop.jpg" in urls
    assert "/static/css/portal.css" in urls and "/static/js/offline.js" in urls
    assert not [url for url in urls if not url.startswith("/")]  # nothing from another site
    assert reverse("learn:calendar") not in urls  # its page shows the feed's secret address
    for url in urls:
        if url.startswith("/learn/"):
            assert client.get(url).status_code == 200, url  # no redirect: a cache keeps it as is


def test_a_course_not_enrolled_in_cannot_be_saved_offline(client, learner, enrollment):
    other = factories.course_with_lessons(lessons=1)
    someone_else = factories.EnrollmentFactory(course=factories.course_with_lessons(lessons=1))
    client.force_login(learner)
    assert client.get(reverse("learn:offline_bundle", args=[other.slug])).status_code == 404
    assert client.get(reverse("learn:offline_bundle", args=[someone_else.course.slug])).status_code == 404


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.APPLIED, Status.DECLINED])
def test_a_course_the_learner_may_not_study_now_cannot_be_saved(client, learner, enrollment, course, status):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
    client.force_login(learner)
    assert client.get(reverse("learn:offline_bundle", args=[course.slug])).status_code == 404


def test_course_bundle_needs_a_login(client, enrollment, course):
    response = client.get(reverse("learn:offline_bundle", args=[course.slug]))
    assert response.url.startswith(reverse("account_login"))


# --- Study sent back from an offline phone -------------------------------------------------


def test_mark_done_sent_twice_with_the_same_key_is_recorded_once(client, learner, enrollment, course):
    first, _second = lessons_of(course)
    client.force_login(learner)

    sent = client.post(complete_url(course, first), {"complete": "1", "offline_key": KEY})
    enrollment.refresh_from_db()
    activity = enrollment.last_activity_at
    replay = client.post(complete_url(course, first), {"complete": "1", "offline_key": KEY})

    assert (sent.status_code, json.loads(sent.content)) == (200, {"recorded": True, "replayed": False})
    assert (replay.status_code, json.loads(replay.content)) == (200, {"recorded": False, "replayed": True})
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    assert OfflineAction.objects.filter(learner=learner).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33
    assert enrollment.last_activity_at == activity  # a replay writes nothing at all


def test_two_lessons_marked_done_offline_record_the_progress(client, learner, enrollment, course):
    first, second = lessons_of(course)
    client.force_login(learner)
    for n, lesson in enumerate([first, second]):
        client.post(complete_url(course, lesson), {"complete": "1", "offline_key": f"{KEY}-{n}"})
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 66
    assert enrollment.last_lesson_id == second.pk


def test_a_key_is_the_learners_own(client, learner, enrollment, course):
    """The same key from another learner's phone is their own action, recorded for them."""
    first, _second = lessons_of(course)
    other = factories.EnrollmentFactory(course=course)
    client.force_login(other.learner)
    client.post(complete_url(course, first), {"complete": "1", "offline_key": KEY})
    client.force_login(learner)
    response = client.post(complete_url(course, first), {"complete": "1", "offline_key": KEY})
    assert json.loads(response.content)["recorded"] is True
    assert LessonProgress.objects.filter(lesson=first).count() == 2


def test_a_malformed_key_is_refused(client, learner, enrollment, course):
    first, _second = lessons_of(course)
    client.force_login(learner)
    for key in ("", "short", "spaces are not allowed here!", "x" * 65):
        response = client.post(complete_url(course, first), {"complete": "1", "offline_key": key})
        assert response.status_code == 400
    assert not LessonProgress.objects.exists()


def test_mark_done_sent_for_a_course_closed_since_is_refused_and_leaves_no_key(
    client, learner, enrollment, course
):
    first, _second = lessons_of(course)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Status.WITHDRAWN)
    client.force_login(learner)
    response = client.post(complete_url(course, first), {"complete": "1", "offline_key": KEY})
    assert response.status_code == 409
    assert not OfflineAction.objects.exists() and not LessonProgress.objects.exists()


def test_mark_done_sent_for_another_learners_course_is_a_404(client, learner, enrollment):
    other_course = factories.course_with_lessons(lessons=1)
    factories.EnrollmentFactory(course=other_course)
    [lesson] = lessons_of(other_course)
    client.force_login(learner)
    response = client.post(complete_url(other_course, lesson), {"complete": "1", "offline_key": KEY})
    assert response.status_code == 404
    assert not OfflineAction.objects.exists()


def test_quiz_answers_sent_twice_from_an_offline_phone_make_one_attempt(client, learner, enrollment, course):
    quiz = Quiz.objects.get(course=course)
    question = quiz.questions.get()
    right = question.choices.get(is_correct=True)
    client.force_login(learner)
    url = reverse("learn:quiz", args=[course.slug, quiz.pk])
    answers = {"token": KEY, f"q{question.pk}": str(right.pk)}
    page = client.get(url).content.decode()
    assert 'data-offline-queue="quiz"' in page
    assert f'name="q{question.pk}"' in page

    first = client.post(url, answers)
    replay = client.post(url, answers)

    assert first.status_code == replay.status_code == 302
    assert first.url == replay.url == reverse("learn:quiz_result", args=[course.slug, quiz.pk, 1])
    assert QuizAttempt.objects.filter(enrollment=enrollment).count() == 1
