"""Eligibility, registration windows and team rules, through the competition's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from competitions.models import Competition, Entry, EntryMember, RoundEntry, Tier
from enrollment.models import Enrollment
from tests import factories
from tests.competitions.conftest import enrol, learner_in, make_round


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def register(client, competition, **data):
    return client.post(reverse("competitions:register", args=[competition.pk]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def county_round(province_competition, county):
    return make_round(province_competition, county=county, opens=24, closes=26)


def test_a_learner_registers_into_their_county_round(client, province_competition, county_round, learner):
    page = client.get(reverse("competitions:detail", args=[province_competition.pk]))
    assert page.status_code == 200 and 'id="register"' not in page.content.decode()  # a visitor logs in
    english(client, learner)
    assert (
        'id="register"'
        in client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    )
    response = register(client, province_competition)
    assert "You are registered." in messages_of(response)
    entry = Entry.objects.get(competition=province_competition)
    assert entry.captain == learner and entry.county_id == learner.learner_profile.county_id
    assert RoundEntry.objects.filter(round=county_round, entry=entry, source="registered").exists()
    assert (
        'id="entered"'
        in client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    )


def test_a_second_registration_is_refused(client, province_competition, county_round, learner):
    english(client, learner)
    register(client, province_competition)
    # The page no longer offers the form; a forged POST is refused all the same.
    response = register(client, province_competition)
    assert "You are already entered in this competition." in messages_of(response)
    assert EntryMember.objects.filter(learner=learner).count() == 1


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(1, 5, "Registration has not opened yet."), (-5, -1, "Registration has closed.")],
)
def test_registration_outside_its_window_is_refused(client, county, learner, course, opens, closes, message):
    now = timezone.now()
    competition = Competition.objects.create(
        title="窗口外",
        track=course.track,
        registration_opens_at=now + timedelta(days=opens),
        registration_closes_at=now + timedelta(days=closes),
    )
    make_round(competition, county=county)
    response = register(english(client, learner), competition)
    assert message in messages_of(response)
    assert not Entry.objects.exists()
    assert (
        'id="registration-closed"'
        in client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    )


def test_each_failing_condition_is_named(client, province_competition, county_round, other_county, course):
    other = course.__class__.objects.create(
        track=course.track, slug="cert-course", title="电商基础", summary="x", status="published"
    )
    province_competition.required_course = course
    province_competition.certificate_course = other
    province_competition.min_age = 16
    province_competition.save()
    outsider = learner_in(other_county, name="李四")
    english(client, outsider)
    page = client.get(reverse("competitions:detail", args=[province_competition.pk])).content.decode()
    assert 'id="not-eligible"' in page
    assert "Only learners of 浙江省 can enter." in page
    assert "You need to be enrolled in “AI 数据标注”." in page
    assert "You need the certificate of “电商基础”." in page
    assert "add your birth year" in page
    response = register(client, province_competition)
    assert "Only learners of 浙江省 can enter." in messages_of(response)[0]
    assert not Entry.objects.exists()


def test_a_learner_meeting_every_condition_may_enter(
    client, province_competition, county_round, course, county
):
    other = course.__class__.objects.create(
        track=course.track, slug="cert-course", title="电商基础", summary="x", status="published"
    )
    province_competition.required_course = course
    province_competition.certificate_course = other
    province_competition.min_age, province_competition.max_age = 16, 35
    province_competition.save()
    learner = learner_in(county, user__birth_year=timezone.now().year - 20)
    enrol(learner, course)
    completed = factories.EnrollmentFactory(
        learner=learner, course=other, status=Enrollment.Status.COMPLETED, completed_at=timezone.now()
    )
    Certificate.objects.create(
        enrollment=completed, status=Certificate.Status.ISSUED, issued_at=timezone.now()
    )
    assert "You are registered." in messages_of(register(english(client, learner), province_competition))

    too_old = learner_in(county, name="王老", user__birth_year=timezone.now().year - 50)
    enrol(too_old, course)
    response = register(english(client, too_old), province_competition)
    assert "You need to be at most 35 years old." in messages_of(response)[0]


def test_no_round_for_the_learners_county_is_refused(client, province_competition, learner, other_county):
    make_round(province_competition, county=factories.CountyFactory(code="330127", name="淳安县"))
    response = register(english(client, learner), province_competition)
    assert "The competition has no round for your county yet." in messages_of(response)


# --- teams ---------------------------------------------------------------------------------------------


@pytest.fixture
def team_competition(province_competition, county_round):
    province_competition.kind = Competition.Kind.TEAM
    province_competition.team_min, province_competition.team_max = 2, 3
    province_competition.save()
    return province_competition


def invite(client, entry, who):
    return client.post(reverse("competitions:invite", args=[entry.pk]), {"who": who}, follow=True)


def test_a_captain_builds_a_team_of_three(client, team_competition, county):
    captain = learner_in(county, name="张小明")
    english(client, captain)
    assert "Give your team a name." in messages_of(register(client, team_competition))
    register(client, team_competition, team_name="桐庐一队")
    entry = Entry.objects.get()
    assert entry.name == "桐庐一队"
    detail = reverse("competitions:detail", args=[team_competition.pk])
    assert 'id="team-incomplete"' in client.get(detail).content.decode()  # one of at least two
    mates = [learner_in(county, name=f"队员{n}", user__mobile=f"1380013800{n}") for n in range(3)]
    assert "Invitation sent." in messages_of(invite(client, entry, "13800138000"))[0]
    invite(client, entry, mates[1].email)
    response = invite(client, entry, "13800138002")
    assert "The team is full: at most 3 members." in messages_of(response)

    english(client, mates[0])
    mine = client.get(reverse("competitions:mine")).content.decode()
    member = EntryMember.objects.get(learner=mates[0])
    assert f'data-invitation="{member.pk}"' in mine
    response = client.post(
        reverse("competitions:invitation_answer", args=[member.pk]), {"answer": "accept"}, follow=True
    )
    assert "You joined the team." in messages_of(response)
    english(client, mates[1])
    other = EntryMember.objects.get(learner=mates[1])
    client.post(reverse("competitions:invitation_answer", args=[other.pk]), {"answer": "decline"})
    assert not EntryMember.objects.filter(pk=other.pk).exists()
    assert set(entry.members.filter(accepted_at__isnull=False).values_list("learner__name", flat=True)) == {
        "张小明",
        "队员0",
    }
    client.force_login(captain)
    assert 'id="team-incomplete"' not in client.get(detail).content.decode()
    # Someone else's invitation is a 404.
    assert client.post(reverse("competitions:invitation_answer", args=[member.pk])).status_code == 404


def test_one_learner_is_in_one_team_per_competition(client, team_competition, county):
    first, second = learner_in(county, name="甲队长"), learner_in(county, name="乙队长")
    mate = learner_in(county, name="丙", user__mobile="13900139000")
    register(english(client, first), team_competition, team_name="一队")
    invite(client, Entry.objects.get(captain=first), "13900139000")
    register(english(client, second), team_competition, team_name="二队")
    invite(client, Entry.objects.get(captain=second), "13900139000")
    english(client, mate)
    invitations = list(EntryMember.objects.filter(learner=mate).order_by("pk"))
    assert len(invitations) == 2
    client.post(reverse("competitions:invitation_answer", args=[invitations[0].pk]), {"answer": "accept"})
    # Joining one team withdrew the other invitation; a new one is refused.
    assert not EntryMember.objects.filter(pk=invitations[1].pk).exists()
    response = invite(english(client, second), Entry.objects.get(captain=second), "13900139000")
    assert "This learner cannot be invited to your team." in messages_of(response)
    # And a member cannot register a team of their own.
    response = register(english(client, mate), team_competition, team_name="三队")
    assert "You are already entered in this competition." in messages_of(response)


def test_a_teammate_from_another_county_or_unknown_is_refused(client, team_competition, county, other_county):
    captain = learner_in(county)
    learner_in(other_county, name="外县", user__mobile="13700137000")
    register(english(client, captain), team_competition, team_name="一队")
    entry = Entry.objects.get()
    # One neutral answer: it tells nothing about the person named.
    refused = "This learner cannot be invited to your team."
    assert messages_of(invite(client, entry, "13700137000")) == [refused]
    assert messages_of(invite(client, entry, "13100000000")) == [refused]
    # Only the captain invites.
    stranger = learner_in(county, name="路人")
    client.force_login(stranger)
    assert client.post(reverse("competitions:invite", args=[entry.pk]), {"who": "x"}).status_code == 404


def test_a_county_competition_admits_its_county_only(client, course, county, other_county):
    now = timezone.now()
    competition = Competition.objects.create(
        title="桐庐县赛",
        track=course.track,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    make_round(competition, tier=Tier.COUNTY, county=county)
    outsider = learner_in(other_county, name="外县")
    response = register(english(client, outsider), competition)
    assert "Only learners of 桐庐县 can enter; your profile says 万山区." in messages_of(response)[0]
