"""The competitions part of "my data" (export and deletion), and the demo competitions."""

from __future__ import annotations

import io
import json

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from competitions.demo import CONTEST, ENTRANTS
from competitions.models import Appeal, Award, Competition, EntryMember, Round, RoundEntry, RoundResult
from competitions.services import entry_register, round_results_rebuild
from tests import factories
from tests.competitions.conftest import label, learner_in, make_round


def test_my_entries_and_results_are_exported_and_my_name_leaves_the_scoreboard(
    client, province_competition, county, task, django_capture_on_commit_callbacks
):
    round = make_round(province_competition, county=county, item_set=task)
    learner = learner_in(county, name="张小明")
    entry = entry_register(competition=province_competition, learner=learner)
    label(round, learner, percent=88, seconds=120)
    other_team = Competition.objects.create(
        title="团队赛",
        track=province_competition.track,
        kind=Competition.Kind.TEAM,
        team_max=3,
        registration_opens_at=province_competition.registration_opens_at,
        registration_closes_at=province_competition.registration_closes_at,
    )
    make_round(other_team, county=county)
    team = entry_register(competition=other_team, learner=learner_in(county, name="队长"), team_name="一队")
    EntryMember.objects.create(entry=team, competition=other_team, learner=learner)  # invited
    round_results_rebuild(round=round)
    Appeal.objects.create(
        round=round, entry=entry, filed_by=learner, score="practical", reason="我的身体不适"
    )

    client.force_login(learner)
    exported = json.loads(client.get(reverse("privacy:data_export")).content)["competitions"]
    assert [(row["competition"], row["accepted_at"] is not None) for row in exported] == [
        ("浙江省数据标注技能大赛", True),
        ("团队赛", False),
    ]
    assert exported[0]["results"] == [
        {
            "round": "桐庐县",
            "tier": "county",
            "rank": 1,
            "practical_percent": 88.0,
            "practical_seconds": 120,
            "theory_percent": None,
        }
    ]

    assert exported[0]["appeals"][0]["reason"] == "我的身体不适"

    board = reverse("competitions:scoreboard", args=[round.pk])
    assert "张*明" in Client().get(board).content.decode()  # the rows are cached with the name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    assert Appeal.objects.get().reason == "account deleted"
    assert not EntryMember.objects.filter(learner=learner, accepted_at__isnull=True).exists()
    result = RoundResult.objects.get(round=round, view="live")
    assert result.display_name == "" and result.rank == 1  # the figures keep the rank
    assert "张*明" not in Client().get(board).content.decode()  # the cache was left behind


def test_the_demo_advances_the_top_three_of_tonglu_to_the_province_round(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())  # idempotent
    contest = Competition.objects.get(title=CONTEST)
    county_round = Round.objects.get(competition=contest, tier="county")
    province_round = Round.objects.get(competition=contest, tier="province")
    assert RoundEntry.objects.filter(round=county_round).count() == len(ENTRANTS)
    ranked = list(
        RoundResult.objects.filter(round=county_round, view="live")
        .order_by("rank")
        .values_list("display_name", "rank")
    )
    # 96 % in 11 minutes beats 96 % in 14: accuracy, then time.
    assert ranked[:3] == [("林*雨", 1), ("陈*远", 2), ("周*华", 3)]
    advanced = RoundEntry.objects.filter(round=province_round, source="advanced")
    assert set(advanced.values_list("entry__captain__name", flat=True)) == {"林晓雨", "陈思远", "周建华"}
    assert list(Award.objects.filter(round=county_round).values_list("rank", "prize")) == [
        (1, "first"),
        (2, "second"),
        (3, "third"),
    ]
