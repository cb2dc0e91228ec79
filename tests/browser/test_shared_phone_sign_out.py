"""A shared phone after a sign-out from a page without the offline scripts: the service worker's
record of who is signed in says nobody. Workers without cookieStore (Firefox, older WebViews)
go by that record alone, so without it they would serve the previous learner's saved lessons
(static/js/sw-user.js, on every page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Lesson
from tests import factories
from tests.browser.conftest import signed_in_phone

pytestmark = pytest.mark.browser

# The learner's worker keeps the id the pages posted here (templates/learn/sw.js).
POSTED_USER = (
    "caches.open('talentportal-offline-state')"
    ".then((cache) => cache.match('/learn/sw-user'))"
    ".then((kept) => (kept ? kept.text() : null))"
)


def posted_user(page, expected: str, seconds: float = 5) -> str | None:
    """What the worker keeps as the signed-in user, once it is ``expected`` or after ``seconds``
    (the page's message reaches the worker asynchronously)."""
    kept = None
    for _ in range(int(seconds * 10)):
        kept = page.evaluate(POSTED_USER)
        if kept == expected:
            break
        page.wait_for_timeout(100)
    return kept


def test_signing_out_from_a_page_without_offline_scripts_tells_the_worker(
    _chromium, live_server, transactional_db
):
    learner = factories.LearnerProfileFactory().user
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    factories.EnrollmentFactory(learner=learner, course=course)
    lesson = Lesson.objects.get(module__course=course)
    context, page = signed_in_phone(_chromium, live_server.url, learner)
    try:
        page.goto(live_server.url + reverse("learn:lesson", args=[course.slug, lesson.pk]))
        page.locator("#offline-save").click()
        page.locator('#offline[data-state="saved"]').wait_for()
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        assert posted_user(page, str(learner.pk)) == str(learner.pk)

        # The profile page carries no offline script: its sign-out button is a plain form.
        page.goto(live_server.url + reverse("privacy:profile"))
        assert page.locator("#offline").count() == 0
        page.locator("form[action$='/accounts/logout/'] button").click()
        page.wait_for_url(lambda url: "/privacy/" not in url)

        assert posted_user(page, "") == ""
    finally:
        context.close()
