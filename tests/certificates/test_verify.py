"""The public verification page: one indexed query, never cached, so whatever changes what it
shows (a revocation by staff, a withdrawal by deleting the account, the learner's name) shows on
the next visit; still rate limited per address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_revoke
from certificates.tasks import issue_certificate
from courses.models import Lesson
from enrollment import services
from tests import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def named_learner(county):
    return factories.LearnerProfileFactory(county=county, user__name="张小明").user


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=1, final_quiz=False, title="农村电商运营")


def complete(learner, course):
    enrollment = services.enrollment_create(learner=learner, course=course)
    for lesson in Lesson.objects.filter(module__course=course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def issued(named_learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete(named_learner, course)
    certificate = enrollment.certificate
    assert certificate.status == Certificate.Status.ISSUED
    return certificate


def verify_url(certificate: Certificate) -> str:
    return reverse("certificates:verify", args=[certificate.verification_code])


def test_a_visit_costs_two_queries(client, issued, django_assert_num_queries):
    url = verify_url(issued)
    for visitor in (client, Client()):
        with django_assert_num_queries(2):  # the certificate, its holder's practice results
            response = visitor.get(url)
        assert response.status_code == 200
        assert "张*明" in response.content.decode()
        assert "该证书真实有效。" in response.content.decode()


def test_unknown_and_pending_codes_are_404_until_issued(
    client, named_learner, course, django_assert_num_queries
):
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get("/certificates/verify/AAAAAAAAAAAA/").status_code == 404
    # Pending: the issuing task is queued after the commit, which never comes in a test.
    certificate = complete(named_learner, course).certificate
    assert client.get(verify_url(certificate)).status_code == 404

    issue_certificate(certificate.pk)

    response = client.get(verify_url(certificate))
    assert response.status_code == 200
    assert "该证书真实有效。" in response.content.decode()


def test_revoking_in_the_admin_shows_on_the_next_visit(client, issued, staff):
    url = verify_url(issued)
    assert "该证书真实有效。" in client.get(url).content.decode()

    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        reverse("admin:certificates_certificate_changelist"),
        {
            "action": "revoke_certificates",
            ACTION_CHECKBOX_NAME: [issued.pk],
            "apply": "1",
            "reason": "考试作弊",
        },
    )
    assert response.status_code == 302

    content = client.get(url).content.decode()
    assert "该证书已被撤销。" in content


def test_any_spelling_of_the_code_shows_the_revocation(client, issued):
    lower = f"/certificates/verify/{issued.verification_code.lower()}/"
    assert "该证书真实有效。" in client.get(lower).content.decode()
    certificate_revoke(certificate=issued, reason="信息有误")
    assert "该证书已被撤销。" in client.get(lower).content.decode()


def test_deleting_the_account_shows_the_certificate_withdrawn_not_revoked(
    client, issued, named_learner, django_capture_on_commit_callbacks
):
    url = verify_url(issued)
    assert "该证书真实有效。" in client.get(url).content.decode()

    learner_client = Client()
    learner_client.force_login(named_learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    assert response.status_code == 302

    content = client.get(url).content.decode()
    assert "该证书已被撤销。" not in content and "该证书真实有效。" not in content
    assert 'id="withdrawn"' in content  # what it says: tests/certificates/test_withdrawn.py
    assert "张*明" not in content


def test_changing_the_name_in_the_profile_shows_the_new_masked_name(client, issued, named_learner):
    url = verify_url(issued)
    assert "张*明" in client.get(url).content.decode()

    learner_client = Client()
    learner_client.force_login(named_learner)
    response = learner_client.post(
        reverse("privacy:profile"),
        {
            "name": "欧阳小明",
            "mobile": "",
            "county": "330122",
            "school": "桐庐县职业技术学校",
            "preferred_language": "zh-hans",
            "remind_by_email": "on",
        },
    )
    assert response.status_code == 302

    content = client.get(url).content.decode()
    assert "欧**明" in content
    assert "张*明" not in content


def test_signed_in_user_sees_their_own_navigation_and_visitors_theirs(client, issued, named_learner):
    url = verify_url(issued)
    assert "我的学习" not in client.get(url).content.decode()

    signed_in = Client()
    signed_in.force_login(named_learner)
    content = signed_in.get(url).content.decode()
    assert "我的学习" in content
    assert reverse("account_logout") in content

    assert "我的学习" not in Client().get(url).content.decode()


def test_the_page_follows_the_visitors_language(client, issued):
    url = verify_url(issued)
    assert "该证书真实有效。" in client.get(url).content.decode()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "This certificate is valid." in english.get(url).content.decode()
    assert "该证书真实有效。" in Client().get(url).content.decode()


def test_the_page_is_rate_limited(client, issued, settings):
    settings.VERIFY_RATE_LIMIT = "3/m"
    url = verify_url(issued)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
