"""An employer on a 360 px phone, from sign-up (then staff verify the organisation) to hiring a
learner who applied: the post written and sent for review, published by staff, found and
applied for by the learner after the consent page, then moved along the pipeline to "hired",
which records the learner's placement as confirmed by the employer."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from counties.models import PlacementOutcome
from jobs.models import Employer, JobApplication, JobPost
from tests import factories
from tests.browser.conftest import snap
from tests.jobs.conftest import complete, credit_code

pytestmark = pytest.mark.browser

WIDTH = 360


@pytest.fixture
def programme(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    county = factories.CountyFactory(code="330122", name="桐庐县")
    course = factories.CourseFactory(title="农村电商运营")
    learner = factories.LearnerProfileFactory(county=county, user__name="李小梅").user
    complete(learner, course, percent=86)
    return {
        "county": county,
        "course": course,
        "learner": learner,
        "employer": factories.UserFactory(name="赵丽"),
        "staff": factories.StaffFactory(),
    }


def sign_in_as(page, user, base: str) -> None:
    """The browser carries a session of ``user`` only (signing in through the form is another test's)."""
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def look(page, artifact_dir, name: str) -> None:
    """No server error, no English on the Chinese page, no sideways scroll at 360 px; a
    screenshot for people to look at."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    snap(page, artifact_dir / f"hiring-{name}-360.png")


def test_an_employer_signs_up_posts_and_hires_a_learner_who_applied(
    page_360, live_server, artifact_dir, programme
):
    page, base = page_360, live_server.url
    code = credit_code()

    # The employer signs up the organisation.
    sign_in_as(page, programme["employer"], base)
    page.goto(f"{base}/jobs/employer/signup/")
    page.fill("#id_name", "桐庐县富春电子商务有限公司")
    page.fill("#id_credit_code", code)
    page.fill("#id_county", "330122")
    page.fill("#id_address", "桐庐县城南街道迎春南路 88 号")
    page.fill("#id_contact_name", "赵丽")
    page.fill("#id_contact_phone", "13800138000")
    look(page, artifact_dir, "signup")
    page.click("#employer-signup button[type=submit]")
    page.wait_for_selector("#employer-status")
    assert Employer.objects.get().status == Employer.Status.PENDING
    look(page, artifact_dir, "pending")

    # Staff verify it from their queue.
    sign_in_as(page, programme["staff"], base)
    page.goto(f"{base}/jobs/staff/employers/")
    page.click("#employers a")
    page.click("#review button[value=verify]")
    page.wait_for_selector("#employers, .empty")
    assert Employer.objects.get().status == Employer.Status.VERIFIED

    # The employer writes a post and sends it for review.
    sign_in_as(page, programme["employer"], base)
    page.goto(f"{base}/jobs/employer/")
    assert page.locator("#nav-employer").count() == 1
    page.goto(f"{base}/jobs/employer/posts/new/")
    page.fill("#id_title", "电商客服（网店）")
    page.fill("#id_description", "负责网店售前售后咨询，提供岗前培训。")
    page.fill("#id_county", "330122")
    page.select_option("#id_hours", "full_time")
    page.fill("#id_pay_min", "3200")
    page.fill("#id_pay_max", "4500")
    page.fill("#id_openings", "3")
    page.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=20)).isoformat())
    page.check(f"#id_required_courses input[value='{programme['course'].pk}']")
    look(page, artifact_dir, "post-form")
    page.click("#post-form button[type=submit]")
    page.click("#posts form[action$='/submit/'] button")
    page.wait_for_selector("#posts [data-status=pending]")
    post = JobPost.objects.get()

    # Staff publish it.
    sign_in_as(page, programme["staff"], base)
    page.goto(f"{base}/jobs/staff/posts/{post.pk}/")
    page.click("#moderate button[value=publish]")
    page.wait_for_selector(".empty, #posts")
    post.refresh_from_db()
    assert post.status == JobPost.Status.PUBLISHED

    # The learner finds it among the jobs they qualify for, sees what will be shared, applies.
    sign_in_as(page, programme["learner"], base)
    page.goto(f"{base}/jobs/")
    assert page.locator(f"[data-post='{post.pk}'] [data-qualified=yes]").count() == 1
    look(page, artifact_dir, "board")
    page.click(f"[data-post='{post.pk}'] a")
    page.click("#apply")
    assert page.locator("[data-shared=name]").inner_text() == "李小梅"
    assert "86%" in page.locator("[data-shared=exam_results]").inner_text()
    look(page, artifact_dir, "consent")
    page.click("#consent-apply")
    page.wait_for_selector("#applications [data-status=applied]")
    application = JobApplication.objects.get()

    # The employer opens the application and moves it along to "hired".
    sign_in_as(page, programme["employer"], base)
    page.goto(f"{base}/jobs/employer/posts/{post.pk}/applicants/")
    page.click(f"[data-application='{application.pk}'] a")
    assert page.locator("[data-shared=name]").inner_text() == "李小梅"
    look(page, artifact_dir, "applicant")
    for status, note in (
        ("interview", "周三上午 10 点到店面试"),
        ("offer", "月薪 3800 元"),
        ("hired", "下周一入职"),
    ):
        page.select_option("#id_to", status)
        page.fill("#id_note", note)
        page.click("#move button[type=submit]")
        page.wait_for_selector(f"#application-status[data-status={status}]")
    look(page, artifact_dir, "hired")

    placement = PlacementOutcome.objects.get(learner=programme["learner"])
    assert (placement.source, placement.employer) == (
        PlacementOutcome.Source.EMPLOYER,
        "桐庐县富春电子商务有限公司",
    )
