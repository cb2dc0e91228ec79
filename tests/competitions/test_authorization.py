"""Every competitions URL, requested by everyone who might try it.

anonymous → the public pages (list, competition, scoreboard and its JSON), login for the rest;
a learner → their own entry and invitation, 404 on the managers' pages; the county's coordinator
→ their county's competition and rounds; a coordinator of another county → 404 on them; staff →
everything, and only staff reveal a scoreboard or adjust advancement. A new URL in the
competitions namespace without an entry in MATRIX fails the test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.utils import timezone

from competitions.models import Appeal, Award, Competition, EntryMember, JudgeMark, RoundJudge, Tier
from competitions.services import entry_register
from practice.models import Assignment, Submission
from tests import factories
from tests.competitions.conftest import learner_in, make_round

ROLES = ("anonymous", "learner", "coordinator", "other_coordinator", "staff")
_ = 404
L = "login"

# name → (method, objects, statuses for anonymous, learner, coordinator, other coordinator, staff)
MATRIX = {
    "list": ("get", [], (200, 200, 200, 200, 200)),
    "detail": ("get", ["competition"], (200, 200, 200, 200, 200)),
    "scoreboard": ("get", ["round"], (200, 200, 200, 200, 200)),
    "scoreboard_json": ("get", ["round"], (200, 200, 200, 200, 200)),
    "register": ("post", ["competition"], (L, 302, 302, 302, 302)),
    "mine": ("get", [], (L, 200, 200, 200, 200)),
    "invite": ("post", ["entry"], (L, 302, _, _, _)),
    "invitation_answer": ("post", ["invitation"], (L, 302, _, _, _)),
    # The team's captain only (none of these roles captains the invitation's team).
    "invitation_withdraw": ("post", ["invitation"], (L, _, _, _, _)),
    # A member of the entry (the learner's own team: it has a captain, so a message and back).
    "captain_take_over": ("post", ["entry"], (L, 302, _, _, _)),
    # The round's entrants only (none of these roles is in it; tests/competitions/test_start_afresh).
    "round_task_start": ("post", ["round"], (L, _, _, _, _)),
    "manage_list": ("get", [], (L, _, 200, 200, 200)),
    "manage_create": ("get", [], (L, _, 200, 200, 200)),
    "manage_competition": ("get", ["competition"], (L, _, 200, _, 200)),
    "round_create": ("get", ["competition"], (L, _, 200, _, 200)),
    "manage_round": ("get", ["round"], (L, _, 200, _, 200)),
    "round_edit": ("get", ["round"], (L, _, 200, _, 200)),
    "round_compute": ("post", ["round"], (L, _, 302, _, 302)),
    "round_advance": ("post", ["round"], (L, _, 302, _, 302)),
    "round_reveal": ("post", ["round"], (L, _, _, _, 302)),
    "round_adjust": ("post", ["round"], (L, _, _, _, 302)),
    "appeal": ("post", ["round"], (L, 302, 302, 302, 302)),
    "appeal_resolve": ("post", ["appeal"], (L, _, 302, _, 302)),
    "round_judge_add": ("post", ["round"], (L, _, 302, _, 302)),
    "round_judging_assign": ("post", ["round"], (L, _, 302, _, 302)),
    "round_judge_remove": ("post", ["round", "judge"], (L, _, 302, _, 302)),
    # Judges only (none of these roles judges here; tests/competitions/test_judging has the judge).
    "judge_queue": ("get", [], (L, _, _, _, _)),
    "round_awards": ("post", ["round"], (L, _, 302, _, 302)),
    "award_verify": ("get", ["award"], (200, 200, 200, 200, 200)),
    # The entry's members and the round's managers (the learner here is not in the winning team).
    "award_download": ("get", ["award"], (L, _, 200, _, 200)),
    "judge_mark": ("get", ["mark"], (L, _, _, _, _)),
}


def test_every_competitions_url_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["competitions"][1]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names - MATRIX.keys() == set(), "add the new competitions URL to MATRIX"
    assert MATRIX.keys() - names == set(), "MATRIX names a URL that no longer exists"


@pytest.fixture
def scene(county, other_county, learner, coordinator, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    track = factories.TrackFactory()
    competition = Competition.objects.create(
        title="桐庐县电商技能赛",
        track=track,
        kind=Competition.Kind.TEAM,
        team_min=2,
        team_max=3,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    round = make_round(competition, county=county)
    captain = learner_in(county, name="队长")
    other_entry = entry_register(competition=competition, learner=captain, team_name="一队")
    invitation = EntryMember.objects.create(entry=other_entry, competition=competition, learner=learner)
    own = Competition.objects.create(
        title="另一场",
        track=track,
        kind=Competition.Kind.TEAM,
        team_max=3,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    make_round(own, county=county)
    mark = _judged_mark(round, other_entry, captain)
    return {
        "anonymous": None,
        "learner": learner,
        "coordinator": coordinator,
        "other_coordinator": factories.CoordinatorAssignmentFactory(county=other_county).coordinator,
        "staff": staff,
        "objects": {
            "competition": competition,
            "round": round,
            "entry": entry_register(competition=own, learner=learner, team_name="我的队"),
            "invitation": invitation,
            "appeal": Appeal.objects.create(round=round, entry=other_entry, score="practical", reason="不服"),
            "mark": mark,
            "judge": mark.judge,
            "award": _issued_award(round, other_entry),
        },
    }


def _judged_mark(round, entry, learner) -> JudgeMark:
    course = factories.CourseFactory()
    assignment = Assignment.objects.create(
        course=course, title="详情页", brief="写详情", criteria=[{"title": "卖点", "levels": ["无", "有"]}]
    )
    round.assignment = assignment
    round.save()
    submission = Submission.objects.create(
        assignment=assignment,
        enrollment=factories.EnrollmentFactory(learner=learner, course=course),
        text="作品",
        submitted_at=timezone.now(),
    )
    judge = factories.UserFactory(name="评委")
    RoundJudge.objects.create(round=round, judge=judge)
    return JudgeMark.objects.create(round=round, entry=entry, submission=submission, judge=judge, position=1)


def _issued_award(round, entry) -> Award:
    award = Award(round=round, entry=entry, prize="first", rank=1, status="issued", issued_at=timezone.now())
    award.file.save("award.pdf", ContentFile(b"%PDF-1.4"), save=False)
    award.save()
    return award


def url_for(name: str, scene: dict) -> str:
    objects = [scene["objects"][key] for key in MATRIX[name][1]]
    return reverse(
        f"competitions:{name}",
        args=[obj.verification_code if isinstance(obj, Award) else obj.pk for obj in objects],
    )


def request(client, name: str, scene: dict):
    method = MATRIX[name][0]
    data = {"answer": "accept"} if name == "invitation_answer" else {"who": "nobody@example.com"}
    if name == "round_judge_add":
        data = {"who": "nobody@example.com", "county": ""}
    if name == "appeal_resolve":
        data = {"decision": "reject", "resolution": "复核无误"}
    if name == "round_adjust":
        data = {"entry": scene["objects"]["entry"].pk, "action": "remove", "reason": "测试"}
    return getattr(client, method)(url_for(name, scene), data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(client, scene, role, name):
    if scene[role] is not None:
        client.force_login(scene[role])
    response = request(client, name, scene)
    expected = MATRIX[name][2][ROLES.index(role)]
    if expected == L:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == expected


def test_post_only_urls_refuse_get(client, scene):
    client.force_login(scene["staff"])
    for name, (method, _objects, _statuses) in MATRIX.items():
        if method == "post":
            assert client.get(url_for(name, scene)).status_code == 405, name


def test_a_coordinator_manages_their_countys_round_of_a_provincial_competition_only(
    client, county, other_county, coordinator
):
    now = timezone.now()
    competition = Competition.objects.create(
        title="浙江省赛",
        track=factories.TrackFactory(),
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    own = make_round(competition, county=county)
    other = make_round(competition, county=factories.CountyFactory(code="330127", name="淳安县"))
    province = make_round(competition, tier=Tier.PROVINCE, province=county.province)
    client.force_login(coordinator)
    assert client.get(reverse("competitions:manage_round", args=[own.pk])).status_code == 200
    for round in (other, province):
        assert client.get(reverse("competitions:manage_round", args=[round.pk])).status_code == 404
        assert client.post(reverse("competitions:round_compute", args=[round.pk])).status_code == 404
    # They see the competition (their round is in it) but cannot change it or add rounds.
    page = client.get(reverse("competitions:manage_competition", args=[competition.pk]))
    assert page.status_code == 200 and 'id="competition-form"' not in page.content.decode()
    assert (
        client.post(reverse("competitions:manage_competition", args=[competition.pk]), {}).status_code == 404
    )
    assert client.get(reverse("competitions:round_create", args=[competition.pk])).status_code == 404
    assert client.get(reverse("competitions:round_edit", args=[own.pk])).status_code == 404
