"""A learner imported with only a mobile number is invited by SMS with a one-tap link that signs
them in and confirms the number."""

from __future__ import annotations

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.invitations import invitation_path
from accounts.models import User
from counties.models import ImportJob, InvitationLog
from tests import factories

CSV = "姓名,手机,邮箱\n李四,13900139000,\n"
LINK = re.compile(r"http://testserver(/accounts/welcome/[^\s]+/)")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(county=county, course=factories.course_with_lessons(), capacity=60)


def _import(client, cohort, coordinator, capture):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("students.csv", CSV.encode(), content_type="text/csv")
    client.post(f"/counties/coordinator/cohorts/{cohort.pk}/import/", {"file": upload})
    job = ImportJob.objects.get()
    with capture(execute=True):
        client.post(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/commit/")
    client.logout()


def _link(outbox) -> str:
    match = LINK.search(outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_imported_mobile_only_learner_signs_in_with_one_tap(
    client, cohort, coordinator, sms_outbox, django_capture_on_commit_callbacks
):
    _import(client, cohort, coordinator, django_capture_on_commit_callbacks)
    learner = User.objects.get(mobile="13900139000")
    assert [message.to for message in sms_outbox] == ["13900139000"]
    assert InvitationLog.objects.filter(user=learner, channel="sms").count() == 1
    link = _link(sms_outbox)
    assert len(link) < 70  # an SMS is short

    # Opening the link (an SMS app's preview too) changes nothing.
    response = client.get(link)
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    learner.refresh_from_db()
    assert learner.mobile_verified_at is None

    response = client.post(link)

    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
    learner.refresh_from_db()
    assert learner.mobile_verified_at is not None


def test_invitation_link_works_once(client, county, sms_outbox):
    learner = factories.UserFactory(email=None, mobile="13900139000", password=None)
    link = invitation_path(learner)
    client.post(link)
    client.logout()

    response = client.post(link)

    assert response.status_code == 404
    assert not client.get("/").context["user"].is_authenticated


def test_invitation_link_expires(client, county, settings, monkeypatch):
    learner = factories.UserFactory(email=None, mobile="13900139000", password=None)
    link = invitation_path(learner)
    later = time.time() + settings.ACCOUNT_INVITATION_LINK_DAYS * 24 * 3600 + 1
    monkeypatch.setattr("accounts.invitations.time.time", lambda: later)

    response = client.post(link)

    assert response.status_code == 404
    assert not client.get("/").context["user"].is_authenticated


def test_tampered_link_is_refused(client, county):
    learner = factories.UserFactory(email=None, mobile="13900139000", password=None)
    other = factories.UserFactory(email=None, mobile="13900139001", password=None)
    link = invitation_path(learner)
    forged = link.replace(f"/welcome/{link.split('/')[3]}/", f"/welcome/{int(other.pk):x}/")
    for bad in (forged, link[:-3] + "00/", "/accounts/welcome/zz/not-a-token/"):
        assert client.post(bad).status_code == 404
    assert not client.get("/").context["user"].is_authenticated


def test_learner_who_signed_in_is_not_invited_again(
    client, cohort, coordinator, sms_outbox, django_capture_on_commit_callbacks
):
    from coordinator.services import invitations_send

    _import(client, cohort, coordinator, django_capture_on_commit_callbacks)
    client.post(_link(sms_outbox))
    learner = User.objects.get(mobile="13900139000")
    InvitationLog.objects.all().delete()  # the interval between invitations is not what is tested

    assert invitations_send(user_ids=[learner.pk], site_url="http://testserver") == 0
    assert len(sms_outbox) == 1


def test_invitation_page_in_english(client, county):
    learner = factories.UserFactory(email=None, mobile="13900139000", password=None, name="Li Si")
    response = client.get(invitation_path(learner), HTTP_ACCEPT_LANGUAGE="en")
    assert "Welcome, Li Si" in response.content.decode()
    assert 'method="post"' in response.content.decode()


def test_learner_in_by_the_link_may_set_a_password(client, county):
    learner = factories.UserFactory(email=None, mobile="13900139000", password=None)
    client.post(invitation_path(learner))

    response = client.post(
        "/accounts/password/set/", {"password1": "Correct-Horse-43", "password2": "Correct-Horse-43"}
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("Correct-Horse-43")
