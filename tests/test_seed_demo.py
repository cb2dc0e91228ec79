from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from counties.models import Cohort, CoordinatorAssignment, County, LearnerProfile


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # seed_demo runs on the embedded default (DEBUG on); pytest-django turns DEBUG off.
    settings.DEBUG = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot():
    return (
        sorted(County.objects.values_list("code", "name", "prefecture__name", "province__name")),
        sorted(User.objects.values_list("email", "name", "is_staff")),
        sorted(CoordinatorAssignment.objects.values_list("coordinator__email", "county_id")),
        sorted(LearnerProfile.objects.values_list("user__email", "county_id")),
    )


def test_seed_demo_creates_the_first_sites_and_three_logins(db):
    output = seed()
    counties, users, assignments, profiles = snapshot()
    assert counties == [
        ("140602", "朔城区", "朔州市", "山西省"),
        ("330122", "桐庐县", "杭州市", "浙江省"),
        ("520603", "万山区", "铜仁市", "贵州省"),
        ("610830", "清涧县", "榆林市", "陕西省"),
    ]
    assert [email for email, _name, _staff in users] == [
        "admin@example.com",
        "coordinator@example.com",
        "learner@example.com",
    ]
    assert assignments == [("coordinator@example.com", "330122")]
    assert profiles == [("learner@example.com", "330122")]
    assert User.objects.get(email="admin@example.com").is_staff
    for email in ("learner@example.com", "coordinator@example.com", "admin@example.com"):
        assert email in output
    assert "TalentDemo-2026" in output


def test_seed_demo_is_idempotent(db):
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_demo_logins_work(client, db):
    seed()
    response = client.post(
        "/accounts/login/", {"login": "coordinator@example.com", "password": "TalentDemo-2026"}
    )
    assert response.status_code == 302
    assert client.get("/counties/coordinator/").status_code == 200


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        seed()
    assert not User.objects.exists()


def test_seed_demo_opens_a_cohort_in_tonglu_with_a_join_code(db):
    output = seed()
    cohort = Cohort.objects.get()
    assert cohort.county_id == "330122"
    assert cohort.status == Cohort.Status.OPEN
    assert cohort.course.slug == "rural-ecommerce-operations"
    assert cohort.join_code in output
    seed()
    assert Cohort.objects.get().join_code == cohort.join_code
