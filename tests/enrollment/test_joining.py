"""Joining a county class with its join code or QR link."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from counties.models import Cohort
from enrollment import services
from enrollment.models import Enrollment
from tests import factories

Status = Enrollment.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(course=factories.course_with_lessons(lessons=2), county=county, capacity=2)


def join_url(cohort: Cohort) -> str:
    return reverse("learn:join_code", args=[cohort.join_code])


def test_typed_code_leads_to_the_class_page(client, learner, cohort):
    client.force_login(learner)
    typed = f" {cohort.join_code[:4].lower()}-{cohort.join_code[4:]} "
    response = client.get(reverse("learn:join"), {"code": typed})
    assert response.url == join_url(cohort)


def test_wrong_code_is_explained_next_to_the_field(client, learner, cohort):
    client.force_login(learner)
    page = client.get(reverse("learn:join"), {"code": "NOPE2345"}).content.decode()
    assert "No class has this join code" in page
    assert 'id="id_code_errors"' in page
    response = client.get(reverse("learn:join_code", args=["NOPE2345"]))
    assert response.status_code == 404
    assert "No class has this join code" in response.content.decode()


def test_qr_link_shows_the_class_and_never_joins_on_get(client, learner, cohort):
    client.force_login(learner)
    page = client.get(join_url(cohort)).content.decode()
    assert cohort.name in page and cohort.course.title in page
    assert f'<form method="post" action="{join_url(cohort)}">' in page
    assert not Enrollment.objects.exists()


def test_joining_puts_the_learner_in_the_class_and_the_player(client, learner, cohort):
    client.force_login(learner)
    response = client.post(join_url(cohort), follow=True)
    enrollment = Enrollment.objects.get(learner=learner)
    assert (enrollment.status, enrollment.cohort, enrollment.county) == (Status.ACTIVE, cohort, cohort.county)
    assert response.redirect_chain[0][0] == reverse("learn:player", args=[cohort.course.slug])
    assert f"You joined {cohort.name}." in response.content.decode()

    # Joining again (back button, second tab) keeps one enrolment; the page says so.
    client.post(join_url(cohort))
    assert Enrollment.objects.filter(learner=learner).count() == 1
    assert "You are in this class." in client.get(join_url(cohort)).content.decode()


def test_class_needing_approval_puts_the_learner_on_hold(client, learner, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(requires_approval=True)
    client.force_login(learner)
    response = client.post(join_url(cohort), follow=True)
    assert response.redirect_chain[-1][0] == reverse("learn:dashboard")
    page = response.content.decode()
    assert "is waiting for your coordinator" in page
    assert Enrollment.objects.get(learner=learner).status == Status.APPLIED


def test_full_class_says_so_and_refuses(client, learner, cohort):
    for _ in range(2):
        services.cohort_join(learner=factories.UserFactory(), cohort=cohort)
    client.force_login(learner)
    page = client.get(join_url(cohort)).content.decode()
    assert "This class is full." in page
    assert 'method="post"' not in page.split("<main", 1)[1]

    response = client.post(join_url(cohort), follow=True)
    assert "This class is full." in response.content.decode()
    assert not Enrollment.objects.filter(learner=learner).exists()


def test_expired_class_says_so_and_refuses(client, learner, cohort):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Cohort.objects.filter(pk=cohort.pk).update(start_date=yesterday, end_date=yesterday)
    client.force_login(learner)
    assert "no longer open for joining" in client.get(join_url(cohort)).content.decode()
    response = client.post(join_url(cohort), follow=True)
    assert "no longer open for joining" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_planned_class_says_it_has_not_opened_yet(client, learner, cohort):
    # A code handed out before the coordinator opened the class: not "no longer open".
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.PLANNED)
    client.force_login(learner)
    assert "not open for joining yet" in client.get(join_url(cohort)).content.decode()
    response = client.post(join_url(cohort), follow=True)
    assert "not open for joining yet" in response.content.decode()
    assert "no longer open" not in response.content.decode()
    assert not Enrollment.objects.exists()


def test_visitor_is_sent_to_sign_up_or_log_in_and_back(client, cohort):
    page = client.get(join_url(cohort)).content.decode()
    assert f'href="{reverse("account_signup")}?next={join_url(cohort)}"' in page
    assert f'href="{reverse("account_login")}?next={join_url(cohort)}"' in page
    response = client.post(join_url(cohort))
    assert response.url == f"{reverse('account_login')}?next={join_url(cohort)}"
    assert not Enrollment.objects.exists()


def test_visitor_signs_up_from_the_join_link_and_comes_back(client, cohort, county):
    signup = reverse("account_signup")
    response = client.post(
        f"{signup}?next={join_url(cohort)}",
        {
            "county": county.code,
            "name": "新学员",
            "email": "new@example.com",
            "password1": factories.PASSWORD,
            "password2": factories.PASSWORD,
            "privacy_consent": "on",
            "next": join_url(cohort),
        },
    )
    assert response.status_code == 302
    # Sign-up answers every address alike (no account enumeration): check your mailbox, then
    # sign in, and the join page comes back.
    back = urlencode({"next": join_url(cohort)})
    assert response.url == f"{reverse('account_email_verification_sent')}?{back}"
    login = f"{reverse('account_login')}?{back}"
    assert f'href="{login}"' in client.get(response.url).content.decode()
    credentials = {"login": "new@example.com", "password": factories.PASSWORD, "next": join_url(cohort)}
    assert client.post(login, credentials).url == join_url(cohort)


def test_course_page_links_to_the_join_page(client, learner, cohort):
    client.force_login(learner)
    page = client.get(cohort.course.get_absolute_url()).content.decode()
    assert f'href="{reverse("learn:join")}"' in page
