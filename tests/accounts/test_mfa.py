"""Two-factor authentication (allauth.mfa: authenticator app and recovery codes): required of
staff, publishers, coordinators and officers before any other page; learners may turn it on."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, RoundJudge
from courses.models import TrackRole
from tests import factories
from tests.competitions.conftest import make_round
from tests.factories import PASSWORD
from tests.jobs.conftest import make_employer
from tests.officers.conftest import appoint

LOGIN = "/accounts/login/"
ACTIVATE = reverse("mfa_activate_totp")
AUTHENTICATE = reverse("mfa_authenticate")
REAUTHENTICATE = reverse("account_reauthenticate")


def open_activation(client):
    """The authenticator app's set-up page, after the password asked once more."""
    response = client.get(ACTIVATE)
    if response.status_code == 302 and response.url.startswith(REAUTHENTICATE):
        client.post(response.url, {"password": PASSWORD})
        response = client.get(ACTIVATE)
    assert response.status_code == 200
    return response


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def totp_code(secret: str, *, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def publisher_user():
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="publish_course"))
    return user


def group_publisher_user():
    group = Group.objects.create(name="出版")
    group.permissions.add(Permission.objects.get(codename="publish_course"))
    user = factories.UserFactory()
    user.groups.add(group)
    return user


def officer_user(county):
    user = factories.UserFactory()
    appoint(user, county)
    return user


def track_role_user(role):
    user = factories.UserFactory()
    TrackRole.objects.create(user=user, track=factories.TrackFactory(), role=role)
    return user


def employer_user(county):
    user = factories.UserFactory()
    make_employer(county, user=user)
    return user


def judge_user(county):
    user = factories.UserFactory()
    competition = Competition.objects.create(
        title="技能大赛",
        track=factories.TrackFactory(),
        province=county.province,
        registration_opens_at=timezone.now(),
        registration_closes_at=timezone.now() + timedelta(days=5),
    )
    RoundJudge.objects.create(round=make_round(competition, county=county), judge=user)
    return user


ROLES = {
    "staff": lambda county: factories.StaffFactory(),
    "publisher": lambda county: publisher_user(),
    "publisher by group": lambda county: group_publisher_user(),
    "coordinator": lambda county: factories.CoordinatorAssignmentFactory(county=county).coordinator,
    "officer": officer_user,
    "studio editor": lambda county: track_role_user("editor"),
    "studio publisher": lambda county: track_role_user("publisher"),
    "employer": lambda county: employer_user(county),
    "judge": lambda county: judge_user(county),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_staff_role_is_sent_to_set_up_two_factor_authentication(client, county, role):
    user = ROLES[role](county)
    client.force_login(user)

    for path in ("/", "/learn/", "/me/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(ACTIVATE), path
    # The set-up page asks for the password again first (allauth's reauthentication), then opens.
    response = client.get(ACTIVATE)
    assert response.url.startswith(REAUTHENTICATE)
    response = client.post(response.url, {"password": PASSWORD})
    assert response.url == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200


@pytest.mark.parametrize("role", list(ROLES))
def test_a_staff_role_with_an_authenticator_app_goes_on(client, county, role):
    user = ROLES[role](county)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get("/").status_code == 200


def test_learner_is_not_forced(client, learner):
    client.force_login(learner)
    assert client.get("/").status_code == 200


def test_the_setting_switches_enforcement_off(client, staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(staff)
    assert client.get("/").status_code == 200


def test_staff_may_sign_out_before_setting_it_up(client, staff):
    client.force_login(staff)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_staff_sets_up_the_app_then_signs_in_with_its_code(client, staff, settings):
    # One step of clock drift allowed, so the sign-in uses the next code (a code is used once).
    settings.MFA_TOTP_TOLERANCE = 1
    client.post(LOGIN, {"login": staff.email, "password": PASSWORD})
    response = client.get("/figures/")
    assert response.url.startswith(ACTIVATE)

    page = open_activation(client)
    secret = page.context["form"].secret
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")

    response = client.post(LOGIN, {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == AUTHENTICATE
    assert not client.get("/").context["user"].is_authenticated  # the password alone is not enough
    response = client.post(
        AUTHENTICATE, {"code": "000000" if totp_code(secret, step=1) != "000000" else "111111"}
    )
    assert not client.get("/").context["user"].is_authenticated

    client.post(LOGIN, {"login": staff.email, "password": PASSWORD})
    response = client.post(AUTHENTICATE, {"code": totp_code(secret, step=1)})
    assert response.status_code == 302
    assert client.get("/").context["user"] == staff


def test_recovery_code_signs_in_once(client, coordinator):
    TOTP.activate(coordinator, generate_totp_secret())
    codes = RecoveryCodes.activate(coordinator).get_unused_codes()

    client.post(LOGIN, {"login": coordinator.email, "password": PASSWORD})
    response = client.post(AUTHENTICATE, {"code": codes[0]})

    assert response.status_code == 302
    assert client.get("/").context["user"] == coordinator
    client.post("/accounts/logout/")
    client.post(LOGIN, {"login": coordinator.email, "password": PASSWORD})
    response = client.post(AUTHENTICATE, {"code": codes[0]})
    assert response.status_code == 200  # a used recovery code is refused
    assert not client.get("/").context["user"].is_authenticated


def test_learner_may_turn_it_on(client, learner):
    client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    page = open_activation(client)
    response = client.post(ACTIVATE, {"code": totp_code(page.context["form"].secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=learner, type=Authenticator.Type.TOTP).exists()


def test_two_factor_page_uses_the_portal_layout(client, learner):
    client.force_login(learner)
    content = client.get(reverse("mfa_index")).content.decode()
    assert 'class="brand"' in content


def test_mfa_check_costs_no_query_of_its_own(client, coordinator, settings):
    TOTP.activate(coordinator, generate_totp_secret())
    client.force_login(coordinator)
    client.get("/")  # the session is cached after the first request

    def queries_for_home() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    # The roles and "has an authenticator app" come with the session's user in its one query.
    checked = queries_for_home()
    settings.MFA_REQUIRED_FOR_STAFF = False
    assert checked == queries_for_home()


def test_recovery_codes_and_deactivation_pages_for_a_user_with_the_app(client, learner):
    TOTP.activate(learner, generate_totp_secret())
    codes = RecoveryCodes.activate(learner).get_unused_codes()
    client.force_login(learner)
    page = client.get(reverse("mfa_view_recovery_codes"))
    if page.status_code == 302:  # the password once more first
        client.post(page.url, {"password": PASSWORD})
        page = client.get(reverse("mfa_view_recovery_codes"))
    assert page.status_code == 200
    assert codes[0] in page.content.decode()
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200


def test_the_set_up_page_says_why_in_words(client, coordinator, settings):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/learn/", follow=True)
    assert "Your role needs two-factor authentication" in response.content.decode()
