"""The skills competitions on the programme dashboard: entrants, teams, county rounds and prize
winners, by area (with the drill-down), gender and track; people counted once in an area."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Award, Competition, Entry, EntryMember, Round, Tier
from figures.services import figures_refresh

from .conftest import NOW

HOUR = datetime.timedelta(hours=1)


def _competition(programme, *, kind, course):
    return Competition.objects.create(
        title=f"{course.title} 技能大赛",
        track=course.track,
        province=programme.tonglu.province,
        kind=kind,
        team_min=1 if kind == Competition.Kind.INDIVIDUAL else 2,
        team_max=1 if kind == Competition.Kind.INDIVIDUAL else 3,
        registration_opens_at=NOW - 48 * HOUR,
        registration_closes_at=NOW + 48 * HOUR,
    )


def _round(competition, county):
    return Round.objects.create(
        competition=competition,
        tier=Tier.COUNTY,
        county=county,
        opens_at=NOW - 2 * HOUR,
        closes_at=NOW - HOUR,
    )


def _entry(competition, county, members, name=""):
    entry = Entry.objects.create(competition=competition, captain=members[0], county=county, name=name)
    for learner in members:
        EntryMember.objects.create(entry=entry, competition=competition, learner=learner, accepted_at=NOW)
    return entry


@pytest.fixture
def contests(programme):
    l1, l2, _l3, l4, l5 = programme.learners
    solo = _competition(programme, kind=Competition.Kind.INDIVIDUAL, course=programme.course_a)
    teams = _competition(programme, kind=Competition.Kind.TEAM, course=programme.course_b)
    tonglu_round = _round(solo, programme.tonglu)
    _round(solo, programme.wanshan)
    _round(teams, programme.tonglu)
    first = _entry(solo, programme.tonglu, [l1])
    _entry(solo, programme.tonglu, [l2])
    _entry(solo, programme.wanshan, [l4])
    team = _entry(teams, programme.tonglu, [l1, l2], name="桐庐一队")
    # An invitation not accepted is no entrant.
    EntryMember.objects.create(entry=team, competition=teams, learner=l5)
    Award.objects.create(
        round=tonglu_round, entry=first, prize=Award.Prize.FIRST, rank=1, verification_code="A1"
    )
    revoked = Award.objects.create(
        round=tonglu_round, entry=team, prize=Award.Prize.SECOND, rank=2, verification_code="A2"
    )
    Award.objects.filter(pk=revoked.pk).update(status=Award.Status.REVOKED)
    figures_refresh(now=timezone.now())
    return programme


def test_staff_see_the_competitions_with_each_person_once(english, staff, contests):
    english.force_login(staff)
    response = english.get(reverse("figures:dashboard"))
    page = response.content.decode()
    # l1 and l2 entered both competitions: three entrants, four entries, one a team.
    assert '<dd id="kpi-entrants">3</dd>' in page
    assert '<dd id="kpi-teams">1</dd>' in page
    assert '<dd id="kpi-rounds">3</dd>' in page
    assert '<dd id="kpi-winners">1</dd>' in page  # the revoked prize does not count
    contest = response.context["page"].contests
    assert (contest["entries"], contest["awards"]) == (4, 1)
    areas = {row["key"]: row for row in response.context["page"].contest_tables[0]["rows"]}
    assert (areas["33"]["entrants"], areas["33"]["entries"], areas["52"]["entrants"]) == (2, 3, 1)
    genders = {row["key"]: row["entrants"] for row in response.context["page"].contest_tables[1]["rows"]}
    assert (genders["female"], genders["male"], genders[""]) == (1, 1, 1)
    tracks = {row["name"]: row for row in response.context["page"].contest_tables[2]["rows"]}
    assert (tracks["电商"]["entrants"], tracks["电商"]["rounds"], tracks["数据标注"]["teams"]) == (3, 2, 1)


def test_a_track_and_a_county_narrow_the_competitions(english, staff, contests):
    english.force_login(staff)
    page = english.get(
        reverse("figures:dashboard"), {"track": contests.course_b.track.pk, "county": contests.tonglu.pk}
    )
    contest = page.context["page"].contests
    assert (contest["entrants"], contest["entries"], contest["teams"], contest["winners"]) == (2, 1, 1, 0)


def test_a_coordinator_sees_their_counties_competitions_only(english, contests):
    from tests import factories

    coordinator = factories.CoordinatorAssignmentFactory(county=contests.wanshan).coordinator
    english.force_login(coordinator)
    contest = english.get(reverse("figures:dashboard")).context["page"].contests
    assert (contest["entrants"], contest["entries"], contest["rounds"], contest["winners"]) == (1, 1, 1, 0)


def test_the_competitions_tables_export(english, staff, contests):
    english.force_login(staff)
    response = english.get(reverse("figures:export", args=["contest_tracks", "csv"]))
    assert response.status_code == 200
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Key,Track,Entrants,Prize winners")
