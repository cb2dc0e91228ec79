"""A new learner on a phone (360 px): sign up, join the demo class with its code, study a short
course to the end, pass its final quiz, and find it completed on the dashboard."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from counties.models import Cohort
from courses.models import Course
from enrollment.models import Enrollment
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser


def fits_360(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_new_learner_joins_studies_passes_and_completes_at_360px(
    page_360, live_server, artifact_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the certificate task writes its PDF here
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    demo_cohort = Cohort.objects.get(name="桐庐县职校 农村电商运营 示范班")
    short_course = Course.objects.get(slug="livestream-selling")
    page = page_360
    url = live_server.url

    # Sign up (selectors by field name: the labels are translated).
    page.goto(f"{url}/accounts/signup/")
    page.locator("input[name=county]").fill("330122")
    page.locator("input[name=name]").fill("王小丽")
    page.locator("input[name=email]").fill("xiaoli@example.com")
    page.locator("input[name=password1]").fill("Correct-Horse-42")
    page.locator("input[name=password2]").fill("Correct-Horse-42")
    page.locator("input[name=privacy_consent]").check()
    page.locator("form.form button[type=submit]").click()
    # Check your mailbox (every address gets this answer); signing in does not wait for it.
    page.wait_for_url(f"{url}/accounts/confirm-email/")
    page.locator("main a.btn.primary").click()
    page.wait_for_url(f"{url}/accounts/login/")
    page.locator("input[name=login]").fill("xiaoli@example.com")
    page.locator("input[name=password]").fill("Correct-Horse-42")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{url}/")

    # The dashboard of a new learner leads to the catalogue and the join page.
    page.goto(f"{url}/learn/")
    assert page.locator(".welcome a[href='/learn/join/']").count() == 1
    snap(page, artifact_dir / "journey-1-empty-dashboard-360.png")

    # Join the demo class with the code the coordinator wrote on the blackboard.
    page.locator(".welcome a[href='/learn/join/']").click()
    code = demo_cohort.join_code
    page.locator("input[name=code]").fill(f"{code[:4].lower()} {code[4:].lower()}")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{url}/learn/join/{code}/")
    assert demo_cohort.name in page.locator("h1").inner_text()
    assert fits_360(page)
    snap(page, artifact_dir / "journey-2-join-class-360.png")
    page.locator("button[name=join]").click()
    page.wait_for_url(f"{url}/learn/courses/rural-ecommerce-operations/lessons/*/")
    assert Enrollment.objects.get(learner__email="xiaoli@example.com", cohort=demo_cohort).status == "active"

    # Enrol in a short course on one's own and study every lesson.
    page.goto(f"{url}/courses/{short_course.slug}/")
    page.locator(f"form[action='/learn/courses/{short_course.slug}/enrol/'] button").click()
    page.wait_for_url(f"{url}/learn/courses/{short_course.slug}/lessons/*/")
    assert fits_360(page)
    snap(page, artifact_dir / "journey-3-lesson-360.png")
    lessons = 0
    while "/lessons/" in page.url:
        lessons += 1
        page.locator("button[name=complete]").click()
        page.wait_for_load_state()
    assert lessons == 4
    assert "/quizzes/" in page.url

    # The final quiz: choose the right answers (shuffled on the page; found by choice id).
    quiz = short_course.quizzes.get(module__isnull=True)
    assert fits_360(page)
    for question in quiz.questions.prefetch_related("choices"):
        for choice in question.choices.all():
            if choice.is_correct:
                page.locator(f"input[name=q{question.pk}][value='{choice.pk}']").check()
    snap(page, artifact_dir / "journey-4-quiz-360.png")
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(f"{url}/learn/courses/{short_course.slug}/quizzes/{quiz.pk}/attempts/1/")
    assert "pass" in page.locator("#score").get_attribute("class")
    assert fits_360(page)
    snap(page, artifact_dir / "journey-5-quiz-result-360.png")

    # The dashboard shows the course completed, the class joined, and the certificate coming.
    page.goto(f"{url}/learn/")
    enrollment = Enrollment.objects.get(learner__email="xiaoli@example.com", course=short_course)
    assert enrollment.status == "completed"
    item = page.locator(f"#enrollment-{enrollment.pk}")
    assert item.get_attribute("data-status") == "completed"
    assert item.locator("progress").get_attribute("value") == "100"
    assert page.locator("[data-status=active]").count() == 1  # the demo class
    assert fits_360(page)
    snap(page, artifact_dir / "journey-6-dashboard-completed-360.png")
