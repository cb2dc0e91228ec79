"""Applying: the learner sees exactly what the employer will receive, consents for this
application only, and may revoke it (the employer then gets a 404)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from jobs.models import ApplicationEvent, JobApplication
from practice.models import Run
from tests import factories
from tests.jobs.conftest import complete, make_post

pytestmark = pytest.mark.django_db


def shown(page: str, key: str) -> str:
    match = re.search(rf'data-shared="{key}"[^>]*>(.*?)</(?:dd|ul)>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


@pytest.fixture
def qualified(learner, course):
    learner.name = "张小花"
    learner.mobile = "13912345678"
    learner.save()
    cohort = factories.CohortFactory(county=learner.learner_profile.county, course=course)
    first = complete(learner, course, percent=88, cohort=cohort)
    second = complete(learner, factories.CourseFactory(title="短视频剪辑"), percent=61)
    return first, second


def test_consent_page_shows_exactly_what_is_recorded(
    client, learner, employer, employer_user, course, qualified
):
    first, _second = qualified
    post = make_post(employer, courses=[course])
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk])).content.decode()
    certificate = first.certificate.verification_code
    assert shown(page, "name") == "张小花"
    assert shown(page, "county").endswith("桐庐县")
    assert certificate in shown(page, "certificates")
    assert reverse("certificates:verify", args=[certificate]) in page
    assert "88%" in shown(page, "exam_results") and "61%" in shown(page, "exam_results")
    assert 'data-shared="contact"' not in page  # not chosen: not shared
    assert "13912345678" not in page

    # The learner keeps only one exam result, shows the page again, and applies.
    page = client.get(reverse("jobs:apply", args=[post.pk]), {"shown": "1", "exam": [str(first.pk)]})
    html = page.content.decode()
    assert "61%" not in shown(html, "exam_results")
    digest = page.context["digest"]
    response = client.post(reverse("jobs:apply", args=[post.pk]), {"exam": [str(first.pk)], "digest": digest})
    assert response.status_code == 302
    application = JobApplication.objects.get()
    assert application.shared == page.context["shared"]
    assert application.shared["exam_results"] == [{"course": course.title, "percent": 88}]
    assert "contact" not in application.shared
    assert application.consented_at is not None
    assert ApplicationEvent.objects.get(application=application).status == JobApplication.Status.APPLIED

    # The employer sees what was shown, nothing else.
    client.force_login(employer_user)
    detail = client.get(reverse("jobs:application_detail", args=[application.pk])).content.decode()
    assert shown(detail, "name") == "张小花"
    assert shown(detail, "exam_results") == shown(html, "exam_results")
    assert shown(detail, "certificates") == shown(html, "certificates")
    assert "13912345678" not in detail and "短视频剪辑 · 61%" not in detail


def test_contact_is_shared_only_when_chosen(client, learner, employer, employer_user, qualified):
    post = make_post(employer)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]), {"shown": "1", "contact": "on"})
    assert "13912345678" in shown(page.content.decode(), "contact")
    client.post(reverse("jobs:apply", args=[post.pk]), {"contact": "on", "digest": page.context["digest"]})
    application = JobApplication.objects.get()
    assert application.shared["contact"]["mobile"] == "13912345678"


def test_what_changed_since_it_was_shown_is_shown_again(client, learner, employer, qualified):
    first, _second = qualified
    post = make_post(employer)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    Certificate.objects.filter(pk=first.certificate.pk).update(status=Certificate.Status.REVOKED)
    data = {"exam": list(page.context["choices"]["exam"]), "digest": page.context["digest"]}
    response = client.post(reverse("jobs:apply", args=[post.pk]), data)
    assert response.status_code == 200
    assert not JobApplication.objects.exists()


def test_revoking_hides_the_application_from_the_employer(
    client, learner, employer, employer_user, qualified
):
    post = make_post(employer)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    client.post(
        reverse("jobs:apply", args=[post.pk]),
        {"exam": list(page.context["choices"]["exam"]), "digest": page.context["digest"]},
    )
    application = JobApplication.objects.get()
    client.force_login(employer_user)
    assert client.get(reverse("jobs:application_detail", args=[application.pk])).status_code == 200

    client.force_login(learner)
    assert client.get(reverse("jobs:application_revoke", args=[application.pk])).status_code == 200
    client.post(reverse("jobs:application_revoke", args=[application.pk]))
    application.refresh_from_db()
    assert application.revoked_at is not None and application.shared == {}

    client.force_login(employer_user)
    assert client.get(reverse("jobs:application_detail", args=[application.pk])).status_code == 404
    listing = client.get(reverse("jobs:post_applicants", args=[post.pk])).content.decode()
    assert f'data-application="{application.pk}"' not in listing
    response = client.post(reverse("jobs:application_move", args=[application.pk]), {"to": "interview"})
    assert response.status_code == 404


def test_a_learner_cannot_revoke_someone_elses_application(client, learner, employer, qualified):
    post = make_post(employer)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    client.post(
        reverse("jobs:apply", args=[post.pk]),
        {"digest": page.context["digest"], "exam": list(page.context["choices"]["exam"])},
    )
    application = JobApplication.objects.get()
    client.force_login(factories.LearnerProfileFactory().user)
    assert client.post(reverse("jobs:application_revoke", args=[application.pk])).status_code == 404
    application.refresh_from_db()
    assert application.revoked_at is None


def test_applying_twice_keeps_one_application(client, learner, employer, qualified):
    post = make_post(employer)
    client.force_login(learner)
    page = client.get(reverse("jobs:apply", args=[post.pk]))
    data = {"exam": list(page.context["choices"]["exam"]), "digest": page.context["digest"]}
    client.post(reverse("jobs:apply", args=[post.pk]), data)
    client.post(reverse("jobs:apply", args=[post.pk]), data)
    assert JobApplication.objects.count() == 1
    mine = client.get(reverse("jobs:my_applications")).content.decode()
    assert 'data-status="applied"' in mine


def test_a_practice_result_is_shared_only_when_ticked(
    client, learner, employer, employer_user, course, qualified
):
    from tests.practice.conftest import make_set

    first, _second = qualified
    item_set = make_set(course, task="image_class")
    Run.objects.create(
        enrollment=first,
        item_set=item_set,
        submitted_at=timezone.now(),
        score=96,
        items_per_minute=14,
        passed=True,
    )
    post = make_post(employer, courses=[course])
    client.force_login(learner)
    url = reverse("jobs:apply", args=[post.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'name="practice" value="{item_set.pk}"' in page.content.decode()
    assert 'data-shared="practice_results"' not in page.content.decode()  # offered, not ticked

    page = client.get(url, {"shown": "1", "exam": [str(first.pk)], "practice": [str(item_set.pk)]})
    assert re.search(r"96 %.+14", shown(page.content.decode(), "practice_results"))
    data = {"exam": [str(first.pk)], "practice": [str(item_set.pk)], "digest": page.context["digest"]}
    assert client.post(url, data).status_code == 302
    application = JobApplication.objects.get()
    assert application.shared["practice_results"] == page.context["shared"]["practice_results"]
    client.force_login(employer_user)
    detail = client.get(reverse("jobs:application_detail", args=[application.pk])).content.decode()
    assert re.search(r"96 %.+14", shown(detail, "practice_results"))
