"""Join codes cannot be guessed without limit: unknown codes tried from one address are rate
limited (settings.JOIN_RATE_LIMIT) with the portal's translated 429 page, by the form and by the
code's own link, GET and POST; a class behind one school address opening its own code is not."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from counties.models import JOIN_CODE_ALPHABET, Cohort
from enrollment.models import Enrollment
from tests import factories

ATTACKER = "10.66.0.1"
SCHOOL = "10.20.30.40"
TRIES = 80
LIMIT = 30  # the default: "30/m"


def guess() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


def code_url(code: str) -> str:
    return reverse("learn:join_code", args=[code])


@pytest.fixture
def cohort(county):
    return factories.CohortFactory(
        course=factories.course_with_lessons(lessons=1), county=county, capacity=100
    )


def statuses(requests) -> list[int]:
    return [request().status_code for request in requests]


@pytest.mark.parametrize("how", ["link GET", "link POST", "form"])
def test_eighty_guesses_from_one_address_are_refused_with_429(cohort, how):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    attacker.cookies["django_language"] = "en"
    if how == "link GET":
        tries = [lambda: attacker.get(code_url(guess())) for _ in range(TRIES)]
    elif how == "link POST":
        tries = [lambda: attacker.post(code_url(guess())) for _ in range(TRIES)]
    else:
        tries = [lambda: attacker.get(reverse("learn:join"), {"code": guess()}) for _ in range(TRIES)]

    answers = statuses(tries)

    assert answers[:LIMIT] == [404 if how != "form" else 200] * LIMIT
    assert answers[LIMIT:] == [429] * (TRIES - LIMIT)
    # Once refused, not even a real code is looked up; the page says why.
    response = attacker.get(code_url(cohort.join_code))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Another address is not affected.
    assert Client(REMOTE_ADDR="10.66.0.2").get(code_url(cohort.join_code)).status_code == 200


def test_the_429_page_is_in_the_visitors_language(cohort, settings):
    settings.JOIN_RATE_LIMIT = "2/m"
    attacker = Client(REMOTE_ADDR=ATTACKER, HTTP_ACCEPT_LANGUAGE="zh-hans")
    answers = [attacker.get(code_url(guess())).status_code for _ in range(3)]
    assert answers == [404, 404, 429]
    assert "尝试次数过多" in attacker.get(code_url(guess())).content.decode()


def test_a_class_of_sixty_opens_and_joins_its_code_from_one_school_address(cohort):
    for pupil in range(60):
        phone = Client(REMOTE_ADDR=SCHOOL)
        phone.force_login(factories.LearnerProfileFactory(county=cohort.county).user)
        if pupil % 10 == 0:  # a few typos on the way
            assert phone.get(reverse("learn:join"), {"code": "TYPO" + str(pupil)}).status_code == 200
        assert phone.get(reverse("learn:join"), {"code": cohort.join_code}).status_code == 302
        assert phone.get(code_url(cohort.join_code)).status_code == 200
        assert phone.post(code_url(cohort.join_code)).status_code == 302
    assert Enrollment.objects.filter(cohort=cohort).count() == 60
    assert Cohort.objects.get(pk=cohort.pk).enrollments.current().count() == 60
