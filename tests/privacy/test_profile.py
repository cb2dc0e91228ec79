"""A learner edits their profile: name, mobile, county and school, language, reminders."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from counties.models import LearnerProfile
from tests import factories

PROFILE = reverse("privacy:profile")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def profile_data(**changes) -> dict:
    data = {
        "name": "李小梅",
        "mobile": "",
        "county": "330122",
        "school": "桐庐县职业技术学校",
        "preferred_language": "en",
        "remind_by_email": "on",
        "remind_by_sms": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_profile_needs_a_login(client, db):
    assert client.get(PROFILE).url.startswith(reverse("account_login"))


def test_profile_form_shows_current_values_and_allauth_links(client, learner):
    client.force_login(learner)
    page = client.get(PROFILE).content.decode()
    assert f'value="{learner.name}"' in page
    assert 'value="330122 桐庐县"' in page
    assert f'href="{reverse("account_email")}"' in page
    assert f'href="{reverse("account_change_password")}"' in page


def test_learner_saves_name_mobile_school_county_and_reminders(client, learner, other_county):
    client.force_login(learner)
    response = client.post(
        PROFILE,
        profile_data(
            name=" 李小梅 ",
            mobile="+86 138-0013-8000",
            county="万山",
            school="万山区职校",
            remind_by_sms=None,
        ),
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.name, learner.mobile, learner.remind_by_email, learner.remind_by_sms) == (
        "李小梅",
        "13800138000",
        True,
        False,
    )
    profile = LearnerProfile.objects.get(user=learner)
    assert (profile.county_id, profile.school) == (other_county.code, "万山区职校")


def test_mobile_taken_by_another_account_is_refused_next_to_the_field(client, learner):
    factories.UserFactory(mobile="13900139000")
    client.force_login(learner)
    response = client.post(PROFILE, profile_data(mobile="13900139000"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This mobile number is already used by another account." in page
    assert 'id="id_mobile_errors"' in page
    learner.refresh_from_db()
    assert learner.mobile is None


def test_invalid_mobile_and_unknown_county_are_refused(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE, profile_data(mobile="12345", county="不存在县"))
    page = response.content.decode()
    assert "Enter an 11-digit mainland mobile number" in page
    assert "No county matches" in page
    assert LearnerProfile.objects.get(user=learner).county_id == "330122"


def test_invalid_form_does_not_change_the_name_in_the_header(client, learner):
    client.force_login(learner)
    page = client.post(PROFILE, profile_data(name="新名字", mobile="12345")).content.decode()
    header = page.split("<main", 1)[0]
    assert "新名字" not in header


def test_mobile_only_account_must_keep_its_mobile(client, db, county):
    user = factories.UserFactory(email=None, mobile="13700137000")
    factories.LearnerProfileFactory(user=user, county=county)
    client.force_login(user)
    response = client.post(PROFILE, profile_data(mobile=""))
    assert "keep a mobile number" in response.content.decode()
    user.refresh_from_db()
    assert user.mobile == "13700137000"


def test_saving_the_language_sets_the_cookie_too(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE, profile_data(preferred_language="zh-hans"))
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    learner.refresh_from_db()
    assert learner.preferred_language == "zh-hans"
    assert '<html lang="zh-Hans">' in client.get(PROFILE).content.decode()


def test_coordinator_without_a_county_can_save_without_one(client, coordinator):
    client.force_login(coordinator)
    response = client.post(PROFILE, profile_data(county=""))
    assert response.status_code == 302
    assert not LearnerProfile.objects.filter(user=coordinator).exists()


def test_new_name_and_school_show_on_the_coordinators_cached_roster(client, learner, county, coordinator):
    cohort = factories.CohortFactory(county=county, course=factories.course_with_lessons())
    factories.EnrollmentFactory(learner=learner, course=cohort.course, cohort=cohort, county=county)
    roster = reverse("coordinator:roster", args=[cohort.pk])
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    assert learner.name in coordinator_client.get(roster).content.decode()

    client.force_login(learner)
    client.post(PROFILE, profile_data(name="李小梅", school="分水镇中学"))

    content = coordinator_client.get(roster).content.decode()
    assert "李小梅" in content
    assert "分水镇中学" in content


def test_learner_says_their_kind_of_school_and_sees_it_next_time(client, learner):
    client.force_login(learner)
    page = client.get(PROFILE).content.decode()
    assert '<option value="" selected>Not stated</option>' in page
    assert "Some skills competitions are open to one kind of school only." in page

    response = client.post(PROFILE, profile_data(school_type="secondary_vocational"))
    assert response.status_code == 302
    assert LearnerProfile.objects.get(user=learner).school_type == "secondary_vocational"
    page = client.get(PROFILE).content.decode()
    assert (
        '<option value="secondary_vocational" selected>Secondary vocational school (中职, 技校)</option>'
        in page
    )

    # Back to "not stated"; a value that is not a kind of school is refused, nothing saved.
    refused = client.post(PROFILE, profile_data(school_type="prison", school="别的学校"))
    assert refused.status_code == 200 and "school_type" in refused.context["form"].errors
    assert LearnerProfile.objects.get(user=learner).school == "桐庐县职业技术学校"
    client.post(PROFILE, profile_data(school_type=""))
    assert LearnerProfile.objects.get(user=learner).school_type == ""


def test_the_kinds_of_school_are_in_chinese_on_a_chinese_page(client, learner):
    client.force_login(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        page = client.get(PROFILE).content.decode()
    assert "学校类型" in page and "中职（中专、技工学校）" in page and "不在校（务农、务工等）" in page
