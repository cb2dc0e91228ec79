"""Creating competitions and rounds through the managers' forms, each in its scope."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, Round


def moment(hours: int) -> str:
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def competition_data(track, **fields):
    return {
        "title": "桐庐县直播电商技能赛",
        "description": "",
        "track": track.pk,
        "kind": "team",
        "team_min": 2,
        "team_max": 3,
        "county": "330122",
        "registration_opens_at": moment(-1),
        "registration_closes_at": moment(48),
        **fields,
    }


def test_a_coordinator_creates_a_county_competition_and_its_round(client, coordinator, county, paper, task):
    client.force_login(coordinator)
    track = paper.course.track
    response = client.post(reverse("competitions:manage_create"), competition_data(track))
    competition = Competition.objects.get()
    assert response.url == reverse("competitions:manage_competition", args=[competition.pk])
    assert (competition.county, competition.created_by, competition.team_max) == (county, coordinator, 3)
    round_data = {
        "tier": "county",
        "county": "330122",
        "opens_at": moment(72),
        "closes_at": moment(74),
        "freeze_minutes": 30,
        "exam": paper.pk,
        "item_set": task.pk,
        "rule": "practical_first",
    }
    response = client.post(reverse("competitions:round_create", args=[competition.pk]), round_data)
    round = Round.objects.get()
    assert response.url == reverse("competitions:manage_round", args=[round.pk])
    paper.refresh_from_db()
    assert (paper.opens_at, paper.closes_at) == (round.opens_at, round.closes_at)  # the paper's window


def test_a_coordinator_cannot_create_in_another_county_or_a_province_round(
    client, coordinator, other_county, course
):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(reverse("competitions:manage_create"), competition_data(course.track, county="520603"))
    assert "Choose one of the counties you coordinate." in page.content.decode()
    assert not Competition.objects.exists()
    client.post(reverse("competitions:manage_create"), competition_data(course.track))
    competition = Competition.objects.get()
    response = client.post(
        reverse("competitions:round_create", args=[competition.pk]),
        {
            "tier": "province",
            "province": "33",
            "opens_at": moment(72),
            "closes_at": moment(74),
            "freeze_minutes": 0,
            "rule": "theory_first",
        },
    )
    assert response.status_code == 200 and not Round.objects.exists()
    assert "Select a valid choice." in response.content.decode()  # a county round is all they may choose


def test_staff_create_a_provincial_competition_with_tiers(client, staff, county, course):
    client.force_login(staff)
    data = competition_data(course.track, county="", province=county.province_id, kind="individual")
    client.post(reverse("competitions:manage_create"), data)
    competition = Competition.objects.get()
    assert competition.province_id == "33" and competition.team_max == 1
    create = reverse("competitions:round_create", args=[competition.pk])
    client.post(
        create,
        {
            "tier": "province",
            "province": "33",
            "opens_at": moment(100),
            "closes_at": moment(102),
            "freeze_minutes": 0,
            "rule": "practical_first",
        },
    )
    province_round = Round.objects.get()
    response = client.post(
        create,
        {
            "tier": "county",
            "county": "桐庐县",
            "opens_at": moment(72),
            "closes_at": moment(74),
            "freeze_minutes": 30,
            "rule": "practical_first",
            "advance_to": province_round.pk,
            "advance_top_percent": 20,
        },
    )
    county_round = Round.objects.get(tier="county")
    assert response.url == reverse("competitions:manage_round", args=[county_round.pk])
    assert (county_round.advance_to, county_round.advance_top_percent) == (province_round, 20)
