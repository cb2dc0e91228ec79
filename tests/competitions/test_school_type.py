"""Eligibility by kind of school (中职, 高职, ...): a competition open to some kinds only refuses
the others with a sentence naming them, asks a learner who has not said theirs to add it to their
profile, and says the rule on its page; the form takes only known kinds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, Entry, EntryMember
from counties.models import SchoolType
from tests.competitions.conftest import learner_in, make_round
from tests.competitions.test_registration import english, invite, messages_of, register

VOCATIONAL = [SchoolType.SECONDARY_VOCATIONAL, SchoolType.HIGHER_VOCATIONAL]
ONLY = "Only learners of these kinds of school can enter: "
KINDS = "Secondary vocational school (中职, 技校) / Higher vocational college (高职, 大专)"


@pytest.fixture
def vocational(province_competition, county):
    make_round(province_competition, county=county, opens=24, closes=26)
    province_competition.school_types = VOCATIONAL
    province_competition.save()
    return province_competition


def test_a_learner_of_a_kind_of_school_allowed_registers(client, vocational, county):
    learner = learner_in(county, school_type=SchoolType.HIGHER_VOCATIONAL)
    assert "You are registered." in messages_of(register(english(client, learner), vocational))
    assert Entry.objects.filter(captain=learner).exists()


def test_another_kind_of_school_is_refused_with_the_kinds_named(client, vocational, county):
    learner = learner_in(county, school_type=SchoolType.HIGH_SCHOOL)
    english(client, learner)
    page = client.get(reverse("competitions:detail", args=[vocational.pk])).content.decode()
    assert 'id="not-eligible"' in page
    assert f"{ONLY}{KINDS}; your profile says General high school." in page
    response = register(client, vocational)
    assert messages_of(response)[0].startswith(ONLY)
    assert not Entry.objects.exists()


def test_a_learner_who_has_not_said_is_asked_to_add_it_to_the_profile(client, vocational, county):
    learner = learner_in(county)
    response = register(english(client, learner), vocational)
    assert "add your school type to your profile" in messages_of(response)[0]
    assert not Entry.objects.exists()


def test_the_refusal_is_in_chinese_for_a_chinese_page(client, vocational, county):
    client.force_login(learner_in(county, school_type=SchoolType.UNIVERSITY))
    page = client.get(reverse("competitions:detail", args=[vocational.pk])).content.decode()
    assert (
        "只有以下类型学校的学员可以报名：中职（中专、技工学校） / 高职（大专）；您的个人资料中是本科及以上。"
        in page
    )


def test_a_teammate_of_another_kind_of_school_cannot_be_invited(client, vocational, county):
    vocational.kind, vocational.team_min, vocational.team_max = Competition.Kind.TEAM, 2, 3
    vocational.save()
    captain = learner_in(county, school_type=SchoolType.SECONDARY_VOCATIONAL)
    learner_in(county, name="高中生", school_type=SchoolType.HIGH_SCHOOL, user__mobile="13800138001")
    learner_in(county, name="技校生", school_type=SchoolType.SECONDARY_VOCATIONAL, user__mobile="13800138002")
    register(english(client, captain), vocational, team_name="桐庐一队")
    entry = Entry.objects.get()
    assert messages_of(invite(client, entry, "13800138001")) == [
        "This learner cannot be invited to your team."
    ]
    assert "Invitation sent." in messages_of(invite(client, entry, "13800138002"))[0]
    members = EntryMember.objects.filter(entry=entry).order_by("pk").values_list("learner__name", flat=True)
    assert list(members) == ["张小明", "技校生"]  # the captain, and the one invited


def test_the_page_says_which_kinds_may_enter(client, vocational):
    page = client.get(reverse("competitions:detail", args=[vocational.pk])).content.decode()
    assert "中职（中专、技工学校） / 高职（大专）" in page and 'id="school-types"' in page


def test_a_competition_for_any_kind_of_school_says_nothing_and_takes_everyone(
    client, province_competition, county
):
    make_round(province_competition, county=county, opens=24, closes=26)
    page = client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    assert 'id="school-types"' not in page
    assert "You are registered." in messages_of(
        register(english(client, learner_in(county)), province_competition)
    )


def _form(course, county, **fields) -> dict:
    now = timezone.now()
    return {
        "title": "中职学生数据标注赛",
        "track": course.track.pk,
        "kind": "individual",
        "team_min": 1,
        "team_max": 1,
        "county": county.pk,
        "registration_opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "registration_closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    } | fields


def test_the_form_saves_the_kinds_ticked_and_refuses_an_unknown_one(client, staff, county, course):
    client.force_login(staff)
    page = client.get(reverse("competitions:manage_create")).content.decode()
    assert 'name="school_types" value="secondary_vocational"' in page

    forged = client.post(
        reverse("competitions:manage_create"), _form(course, county, school_types=["prison"])
    )
    assert forged.status_code == 200 and "school_types" in forged.context["form"].errors
    assert not Competition.objects.exists()

    response = client.post(
        reverse("competitions:manage_create"), _form(course, county, school_types=VOCATIONAL)
    )
    assert response.status_code == 302
    assert Competition.objects.get().school_types == VOCATIONAL
    # The edit page shows the kinds ticked; saved with none ticked, it is open to any kind again.
    competition = Competition.objects.get()
    edit = reverse("competitions:manage_competition", args=[competition.pk])
    ticked = re.findall(
        r'<input type="checkbox" name="school_types" value="(\w+)"[^>]* checked',
        client.get(edit).content.decode(),
    )
    assert ticked == VOCATIONAL
    assert client.post(edit, _form(course, county)).status_code == 302
    competition.refresh_from_db()
    assert competition.school_types == []
