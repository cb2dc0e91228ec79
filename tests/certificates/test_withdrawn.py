"""A holder who deletes their account withdraws their certificates: the public verification
page says so truthfully (not "revoked", which reads as misconduct), the privacy notice explains
it, and figures do not count a withdrawn certificate as issued."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from certificates.services import certificate_revoke
from courses.models import Lesson
from enrollment import services
from tests import factories

Status = Certificate.Status
WITHDRAWN_TEXT = "The holder withdrew this certificate when deleting their account."


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def holder(county):
    return factories.LearnerProfileFactory(county=county, user__name="张小明").user


def complete(learner) -> Certificate:
    course = factories.course_with_lessons(lessons=1, final_quiz=False, title="农村电商运营")
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    return Certificate.objects.get(enrollment=enrollment)


@pytest.fixture
def issued(holder, django_capture_on_commit_callbacks) -> Certificate:
    with django_capture_on_commit_callbacks(execute=True):
        certificate = complete(holder)
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    return certificate


def delete_account(user, django_capture_on_commit_callbacks) -> None:
    browser = Client()
    browser.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    assert response.status_code == 302


def verify(client, certificate: Certificate):
    return client.get(reverse("certificates:verify", args=[certificate.verification_code]))


def test_verification_says_the_holder_withdrew_it_not_that_it_was_revoked(
    client, issued, holder, django_capture_on_commit_callbacks
):
    delete_account(holder, django_capture_on_commit_callbacks)

    response = verify(client, issued)

    assert response.status_code == 200
    page = response.content.decode()
    assert WITHDRAWN_TEXT in page
    assert "This certificate has been revoked." not in page and "Revoked on" not in page
    assert "This certificate is valid." not in page
    assert "农村电商运营" in page
    assert f"Withdrawn on</dt><dd>{timezone.localdate():%Y-%m-%d}" in page
    # The holder's name is gone with their account.
    assert "张*明" not in page and "Learner</dt>" not in page
    issued.refresh_from_db()
    assert (issued.status, issued.revoked_at, issued.file.name) == (Status.WITHDRAWN, None, "")


def test_a_certificate_revoked_by_staff_stays_revoked_when_the_holder_leaves(
    client, issued, holder, django_capture_on_commit_callbacks
):
    certificate_revoke(certificate=issued, reason="信息有误")
    delete_account(holder, django_capture_on_commit_callbacks)

    page = verify(client, issued).content.decode()

    assert "This certificate has been revoked." in page
    assert WITHDRAWN_TEXT not in page
    issued.refresh_from_db()
    assert (issued.status, issued.revoked_reason) == (Status.REVOKED, "信息有误")


def test_a_certificate_withdrawn_before_it_was_issued_is_not_found(
    client, holder, django_capture_on_commit_callbacks
):
    pending = complete(holder)  # the PDF task never ran: still pending
    delete_account(holder, django_capture_on_commit_callbacks)

    response = verify(client, pending)

    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == Status.WITHDRAWN


def test_the_privacy_notice_explains_what_happens_to_certificates(client, db):
    page = client.get(reverse("privacy")).content.decode()
    assert "Deleting your account withdraws your certificates" in page
    assert "not that it was revoked" in page


def test_certificates_revoked_by_an_earlier_account_deletion_become_withdrawn(issued):
    """The data migration: what user_delete_account used to write (revoked, "account
    deleted") was a withdrawal; a revocation by staff stays one."""
    other = complete(factories.LearnerProfileFactory().user)
    when = timezone.now()
    Certificate.objects.filter(pk=issued.pk).update(
        status=Status.REVOKED, revoked_at=when, revoked_reason="account deleted"
    )
    Certificate.objects.filter(pk=other.pk).update(
        status=Status.REVOKED, revoked_at=when, revoked_reason="作弊"
    )
    migration = importlib.import_module("certificates.migrations.0002_certificate_withdrawn_by_holder")

    migration.withdraw_certificates_of_deleted_accounts(apps, None)

    issued.refresh_from_db()
    other.refresh_from_db()
    assert (issued.status, issued.withdrawn_at, issued.revoked_at) == (Status.WITHDRAWN, when, None)
    assert (other.status, other.revoked_reason) == (Status.REVOKED, "作弊")
