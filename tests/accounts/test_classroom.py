"""A classroom behind one school address (NAT) signs up and signs in at once, at the first
offline class, without being throttled; mass sign-up and password guessing stay limited."""

from __future__ import annotations

from django.test import Client

from accounts.models import User
from tests import factories
from tests.accounts.test_signup import SIGNUP, signup_data
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
SCHOOL_ADDRESS = "10.20.30.40"
CLASS_SIZE = 60


def from_school(address: str = SCHOOL_ADDRESS) -> Client:
    """A pupil's own phone: its own cookies, the school's address."""
    return Client(REMOTE_ADDR=address)


def sign_up(n: int, address: str = SCHOOL_ADDRESS):
    return from_school(address).post(SIGNUP, signup_data(email=f"pupil{n}@example.com", name=f"学生{n}"))


def test_a_class_of_sixty_signs_up_from_one_address_then_signs_in(county):
    statuses = [sign_up(n).status_code for n in range(CLASS_SIZE)]
    assert statuses == [302] * CLASS_SIZE
    assert User.objects.filter(email__startswith="pupil").count() == CLASS_SIZE
    # Sign-up answers "check your mailbox"; the pupils sign in with their new passwords at once.
    for n in range(CLASS_SIZE):
        phone = from_school()
        response = phone.post(LOGIN, {"login": f"pupil{n}@example.com", "password": PASSWORD})
        assert response.status_code == 302, (n, response.status_code)
        assert phone.get("/").context["user"].email == f"pupil{n}@example.com"


def test_a_class_of_sixty_signs_in_from_one_address(county):
    pupils = [factories.LearnerProfileFactory(county=county).user for _ in range(CLASS_SIZE)]
    signed_in = 0
    for pupil in pupils:
        phone = from_school()
        response = phone.post(LOGIN, {"login": pupil.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        signed_in += phone.get("/").context["user"] == pupil
    assert signed_in == CLASS_SIZE


def test_a_classroom_of_typos_does_not_lock_the_school_out(county):
    """Twenty pupils each mistype once, then sign in: the school's address is not blocked."""
    pupils = [factories.LearnerProfileFactory(county=county).user for _ in range(20)]
    for pupil in pupils:
        assert from_school().post(LOGIN, {"login": pupil.email, "password": "typo"}).status_code == 200
    for pupil in pupils:
        assert from_school().post(LOGIN, {"login": pupil.email, "password": PASSWORD}).status_code == 302


def test_password_guessing_is_limited_per_account_from_any_address(learner):
    for n in range(5):
        from_school(f"10.0.0.{n}").post(LOGIN, {"login": learner.email, "password": f"guess-{n}"})
    phone = from_school("10.0.0.99")
    response = phone.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert not response.context or not response.context["user"].is_authenticated
    assert not phone.get("/").context["user"].is_authenticated


def test_mass_sign_up_from_one_address_is_refused_after_two_hundred_an_hour(county):
    for n in range(200):
        assert sign_up(n).status_code == 302
    assert sign_up(200).status_code == 429
    assert not User.objects.filter(email="pupil200@example.com").exists()
    # Another school is not affected.
    assert sign_up(201, address="10.99.0.1").status_code == 302
