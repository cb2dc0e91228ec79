"""An account without a password (it signs in by SMS code) deletes itself with a code sent to its
number; a wrong code refuses (review of issue 20)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests import factories
from tests.accounts.conftest import sms_code

DELETE = reverse("privacy:delete")


def phone_only(county):
    user = factories.UserFactory(
        email=None, mobile="13800138000", mobile_verified_at=timezone.now(), password=None
    )
    factories.LearnerProfileFactory(user=user, county=county)
    return user


def test_phone_only_account_deletes_itself_with_an_sms_code(client, county, sms_outbox):
    user = phone_only(county)
    client.force_login(user)
    page = client.get(DELETE)
    assert 'name="code"' in page.content.decode()
    assert 'name="password"' not in page.content.decode()

    assert client.post(DELETE, {"send_code": "1"}).status_code == 302
    response = client.post(DELETE, {"code": sms_code(sms_outbox, "13800138000")})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile is None
    assert not client.get("/").context["user"].is_authenticated


def test_wrong_code_refuses_and_three_wrong_codes_void_the_code(client, county, sms_outbox):
    user = phone_only(county)
    client.force_login(user)
    client.post(DELETE, {"send_code": "1"})
    code = sms_code(sms_outbox, "13800138000")
    wrong = "000000" if code != "000000" else "111111"

    for _attempt in range(3):
        response = client.post(DELETE, {"code": wrong})
        assert response.status_code == 200
        assert response.context["form"].has_error("code")
    # The right code no longer works after three wrong ones.
    assert client.post(DELETE, {"code": code}).status_code == 200
    user.refresh_from_db()
    assert user.mobile == "13800138000"


def test_code_without_sending_one_is_refused(client, county):
    user = phone_only(county)
    client.force_login(user)

    response = client.post(DELETE, {"code": "123456"})

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).mobile == "13800138000"


def test_account_with_a_password_still_confirms_with_it(client, learner):
    client.force_login(learner)
    assert 'name="password"' in client.get(DELETE).content.decode()
    assert client.post(DELETE, {"code": "123456"}).status_code == 200
    learner.refresh_from_db()
    assert learner.email is not None
