"""Blind double judging of a round's judged task, with a third judge on a large disagreement
and no judge from the entrant's county."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import JudgeMark, RoundEntry, RoundJudge, RoundResult, Tier
from competitions.services import entry_register, round_results_rebuild
from practice.models import Assignment, Submission
from tests import factories
from tests.competitions.conftest import enrol, learner_in, make_round

CRITERIA = [
    {"title": "卖点", "levels": ["无", "部分", "完整"]},
    {"title": "合规", "levels": ["违规", "基本合规", "合规"]},
]


@pytest.fixture
def judged(province_competition, county, course):
    """A province round with a judged assignment and two entrants from two counties."""
    assignment = Assignment.objects.create(
        course=course, title="商品详情", brief="为本县的茶写商品详情。", criteria=CRITERIA, published=True
    )
    round = make_round(
        province_competition,
        tier=Tier.PROVINCE,
        province=county.province,
        assignment=assignment,
        judge_gap=30,
    )
    make_round(province_competition, county=county)
    chunan = factories.CountyFactory(code="330127", name="淳安县")
    make_round(province_competition, county=chunan)
    people = {}
    for name, home in (("张小明", county), ("王芳芳", chunan)):
        learner = learner_in(home, name=name)
        entry = entry_register(competition=province_competition, learner=learner)
        RoundEntry.objects.create(round=round, entry=entry, source="staff")
        Submission.objects.create(
            assignment=assignment,
            enrollment=enrol(learner, course),
            text=f"{home.name}高山云雾茶 250g",
            submitted_at=timezone.now(),
        )
        people[name] = entry
    return round, people, chunan


def add_judge(client, round, who, county=""):
    return client.post(
        reverse("competitions:round_judge_add", args=[round.pk]), {"who": who, "county": county}
    )


def mark(client, mark_row, levels):
    data = {f"c{index}": level for index, level in enumerate(levels)}
    return client.post(reverse("competitions:judge_mark", args=[mark_row.pk]), data)


def test_two_blind_judges_none_from_the_entrants_county_and_a_third_on_disagreement(
    client, judged, staff, county
):
    round, people, chunan = judged
    judges = {
        "桐庐评委": factories.UserFactory(name="桐庐评委"),
        "淳安评委": factories.UserFactory(name="淳安评委"),
        "省评委": factories.UserFactory(name="省评委"),
    }
    client.force_login(staff)
    add_judge(client, round, judges["桐庐评委"].email, county.code)
    add_judge(client, round, judges["淳安评委"].email, chunan.code)
    jiande = factories.CountyFactory(code="330182", name="建德市")
    add_judge(client, round, judges["省评委"].email, jiande.code)
    assert RoundJudge.objects.filter(round=round).count() == 3
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))  # again: nothing more
    assert JudgeMark.objects.filter(round=round).count() == 4
    tonglu_marks = JudgeMark.objects.filter(entry=people["张小明"]).order_by("position")
    assert {m.judge for m in tonglu_marks} == {judges["淳安评委"], judges["省评委"]}
    chunan_marks = JudgeMark.objects.filter(entry=people["王芳芳"]).order_by("position")
    assert {m.judge for m in chunan_marks} == {judges["桐庐评委"], judges["省评委"]}

    # Blind: the judge sees the work, not the name nor the county.
    first, second = tonglu_marks
    client.force_login(first.judge)
    page = client.get(reverse("competitions:judge_mark", args=[first.pk])).content.decode()
    assert "高山云雾茶" in page and "张小明" not in page and "张*明" not in page
    queue = client.get(reverse("competitions:judge_queue")).content.decode()
    assert f'data-mark="{first.pk}"' in queue and "张" not in queue
    # Another judge's mark is a 404.
    other = chunan_marks.exclude(judge=first.judge).first()
    assert client.get(reverse("competitions:judge_mark", args=[other.pk])).status_code == 404

    assert mark(client, first, [2, 2]).status_code == 302  # 100 %
    client.force_login(second.judge)
    mark(client, second, [1, 0])  # 25 %: 75 points apart, more than 30
    third = JudgeMark.objects.filter(entry=people["张小明"], position=3).first()
    # The only judge left is from the entrant's county: no third judge rather than a conflict.
    assert third is None


def test_the_judged_mark_counts_as_practical_accuracy(client, judged, staff):
    round, people, _chunan = judged
    outsiders = [factories.UserFactory(name=f"评委{n}") for n in range(3)]
    for judge in outsiders:
        RoundJudge.objects.create(round=round, judge=judge)
    client.force_login(staff)
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    first, second = JudgeMark.objects.filter(entry=people["张小明"]).order_by("position")
    client.force_login(first.judge)
    mark(client, first, [2, 2])  # 100
    client.force_login(second.judge)
    mark(client, second, [2, 1])  # 75: within 30, no third judge
    assert not JudgeMark.objects.filter(entry=people["张小明"], position=3).exists()
    round_results_rebuild(round=round)
    result = RoundResult.objects.get(round=round, view="live", entry=people["张小明"])
    assert result.practical_percent == 87.5
    # The other entrant's marking is unfinished: no result yet.
    assert RoundResult.objects.get(round=round, view="live", entry=people["王芳芳"]).rank is None


def test_a_third_judge_settles_with_the_nearer_mark(client, judged):
    round, people, _chunan = judged
    judges = [factories.UserFactory(name=f"评委{n}") for n in range(3)]
    for judge in judges:
        RoundJudge.objects.create(round=round, judge=judge)
    client.force_login(factories.StaffFactory())
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    first, second = JudgeMark.objects.filter(entry=people["王芳芳"]).order_by("position")
    for row, levels in ((first, [2, 2]), (second, [0, 1])):  # 100 and 25
        client.force_login(row.judge)
        mark(client, row, levels)
    third = JudgeMark.objects.get(entry=people["王芳芳"], position=3)
    client.force_login(third.judge)
    mark(client, third, [2, 1])  # 75: nearer to 100
    # The first two may no longer change their mark.
    client.force_login(first.judge)
    mark(client, first, [0, 0])
    first.refresh_from_db()
    assert first.percent == 100.0
    round_results_rebuild(round=round)
    assert RoundResult.objects.get(round=round, view="live", entry=people["王芳芳"]).practical_percent == 87.5
