"""What the frozen board must not show (a paper handed in, or a mark given, during the freeze),
a staff addition that a recomputed advancement keeps, and the erasure of a revoked award's PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.awards import award_issue
from competitions.models import Award, JudgeMark, RoundEntry, RoundJudge, RoundResult, Tier
from competitions.services import (
    appeal_file,
    appeal_resolve,
    awards_grant,
    entry_register,
    judge_mark_save,
    judging_assign,
    round_adjust,
    round_advance,
    round_results_rebuild,
    user_competition_data_erase,
)
from exams.models import ExamAttempt
from practice.models import Assignment, Run, Submission
from tests import factories

from .conftest import enrol, label, learner_in, make_round, sit

CRITERIA = [{"title": "卖点", "levels": ["无", "部分", "完整"]}]


def _frozen_row(round, entry) -> RoundResult:
    return RoundResult.objects.get(round=round, view=RoundResult.View.FROZEN, entry=entry)


def test_a_paper_handed_in_during_the_freeze_waits_for_the_reveal(
    client, province_competition, county, paper, task
):
    """Started before the freeze, handed in during it: the frozen board leaves it out, the live
    view (the entrant's own result, the board once revealed) has it."""
    round = make_round(
        province_competition, county=county, exam=paper, item_set=task, closes=1, freeze_minutes=90
    )
    learner = learner_in(county, name="王小二")
    entry = entry_register(competition=province_competition, learner=learner)
    now = timezone.now()
    ExamAttempt.objects.create(
        exam=paper,
        enrollment=enrol(learner, paper.course),
        number=1,
        started_at=now - timedelta(minutes=40),
        submitted_at=now - timedelta(minutes=5),
        score=87,
        max_score=100,
    )
    round_results_rebuild(round=round)

    assert _frozen_row(round, entry).theory_percent is None
    live = RoundResult.objects.get(round=round, view=RoundResult.View.LIVE, entry=entry)
    assert live.theory_percent == 87.0
    data = client.get(reverse("competitions:scoreboard_json", args=[round.pk])).json()
    assert data["frozen"] is True and data["rows"][0]["theory_percent"] is None


def test_a_paper_handed_in_before_the_freeze_is_on_the_frozen_board(
    province_competition, county, paper, task
):
    round = make_round(
        province_competition, county=county, exam=paper, item_set=task, closes=1, freeze_minutes=90
    )
    learner = learner_in(county)
    entry = entry_register(competition=province_competition, learner=learner)
    sit(round, learner, percent=60, minutes_ago=35)  # the freeze began 30 minutes ago
    round_results_rebuild(round=round)
    assert _frozen_row(round, entry).theory_percent == 60.0


def test_marks_given_during_the_freeze_do_not_move_the_frozen_board(province_competition, county, course):
    assignment = Assignment.objects.create(
        course=course, title="商品详情", brief="写", criteria=CRITERIA, published=True
    )
    round = make_round(
        province_competition, county=county, assignment=assignment, judge_gap=30, closes=1, freeze_minutes=90
    )
    learner = learner_in(county)
    entry = entry_register(competition=province_competition, learner=learner)
    Submission.objects.create(
        assignment=assignment,
        enrollment=enrol(learner, course),
        text="卖点：耐用",
        submitted_at=timezone.now() - timedelta(minutes=40),  # before the freeze (30 minutes ago)
    )
    elsewhere = factories.CountyFactory(code="330127", name="淳安县")
    for name in ("评委一", "评委二"):
        RoundJudge.objects.create(round=round, judge=factories.UserFactory(name=name), county=elsewhere)
    judging_assign(round=round)
    round_results_rebuild(round=round)
    assert _frozen_row(round, entry).practical_percent is None

    for mark in JudgeMark.objects.filter(round=round):  # marked now, during the freeze
        judge_mark_save(mark=mark, judge=mark.judge, levels=[2])
    round_results_rebuild(round=round)

    assert _frozen_row(round, entry).practical_percent is None
    live = RoundResult.objects.get(round=round, view=RoundResult.View.LIVE, entry=entry)
    assert live.practical_percent == 100.0


def test_a_staff_addition_survives_an_appeal_that_recomputes_the_advancement(
    province_competition, county, task, staff
):
    """The rule advanced A; staff then added A with a reason (it must go through whatever the
    ranks say); B's upheld appeal puts B first: A stays, as the adjustment says."""
    province_round = make_round(
        province_competition, tier=Tier.PROVINCE, province=county.province, opens=24, closes=26
    )
    county_round = make_round(
        province_competition, county=county, item_set=task, opens=-4, closes=2, advance_to=province_round,
        advance_top_n=1,
    )  # fmt: skip
    a, b = learner_in(county, name="甲"), learner_in(county, name="乙")
    entry_a = entry_register(competition=province_competition, learner=a)
    entry_b = entry_register(competition=province_competition, learner=b)
    label(county_round, a, percent=90, seconds=100, minutes_ago=60)
    label(county_round, b, percent=80, seconds=100, minutes_ago=60)
    county_round.closes_at = timezone.now() - timedelta(minutes=5)
    county_round.save(update_fields=["closes_at"])
    round_results_rebuild(round=county_round)
    round_advance(round=county_round)
    round_adjust(round=province_round, entry=entry_a, action="add", reason="专家组决定保留", by=staff)

    appeal = appeal_file(round=county_round, learner=b, score="practical", reason="判分有误")
    appeal_resolve(appeal=appeal, by=staff, uphold=True, resolution="复核", corrected_percent=95)

    inside = set(RoundEntry.objects.filter(round=province_round).values_list("entry_id", flat=True))
    assert inside == {entry_a.pk, entry_b.pk}
    assert RoundEntry.objects.get(round=province_round, entry=entry_a).source == RoundEntry.Source.STAFF


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_erasure_deletes_a_revoked_awards_pdf_and_does_not_issue_it_again(
    province_competition, county, task, media, django_capture_on_commit_callbacks
):
    round = make_round(
        province_competition, county=county, item_set=task, opens=-5, closes=-1, prize_first_to=1
    )
    a, b = learner_in(county, name="李大明"), learner_in(county, name="赵小红")
    entry_a = entry_register(competition=province_competition, learner=a)
    entry_register(competition=province_competition, learner=b)
    label(round, a, percent=90, seconds=100, minutes_ago=120)
    label(round, b, percent=80, seconds=100, minutes_ago=120)
    round_results_rebuild(round=round)
    awards_grant(round=round)
    award = Award.objects.get(round=round, entry=entry_a)
    award_issue(award_id=award.pk)
    award.refresh_from_db()
    name = award.file.name
    assert name and award.file.storage.exists(name)
    Run.objects.filter(enrollment__learner=b).update(score=99)  # b is first now: a's prize is revoked
    round_results_rebuild(round=round)
    awards_grant(round=round)
    award.refresh_from_db()
    assert award.status == Award.Status.REVOKED

    a.name = ""
    a.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        user_competition_data_erase(user=a)

    award.refresh_from_db()
    assert award.status == Award.Status.REVOKED and not award.file
    assert not award.file.storage.exists(name)


def test_marks_given_after_the_round_reach_the_results_by_the_minute_sweep(
    province_competition, county, course
):
    """Judging goes on after a round: the beat's sweep (refresh_open_rounds) rebuilds a round
    closed hours ago once a judge's mark is newer than its results, and leaves it alone after."""
    from competitions.tasks import refresh_open_rounds

    assignment = Assignment.objects.create(
        course=course, title="商品详情", brief="写", criteria=CRITERIA, published=True
    )
    round = make_round(
        province_competition, county=county, assignment=assignment, judge_gap=30, opens=-8, closes=-3
    )
    learner = learner_in(county)
    entry = entry_register(competition=province_competition, learner=learner)
    Submission.objects.create(
        assignment=assignment,
        enrollment=enrol(learner, course),
        text="卖点：耐用",
        submitted_at=timezone.now() - timedelta(hours=4),
    )
    elsewhere = factories.CountyFactory(code="330127", name="淳安县")
    for name in ("评委一", "评委二"):
        RoundJudge.objects.create(round=round, judge=factories.UserFactory(name=name), county=elsewhere)
    judging_assign(round=round)
    round_results_rebuild(round=round)
    assert refresh_open_rounds() == 0  # closed three hours ago, nothing new

    for mark in JudgeMark.objects.filter(round=round):
        judge_mark_save(mark=mark, judge=mark.judge, levels=[2])
    assert refresh_open_rounds() == 1  # tasks run in-process in the tests
    live = RoundResult.objects.get(round=round, view=RoundResult.View.LIVE, entry=entry)
    assert live.practical_percent == 100.0
    assert refresh_open_rounds() == 0


def test_removing_an_entry_re_ranks_the_round_and_revokes_its_prize(
    province_competition, county, task, staff
):
    round = make_round(
        province_competition, county=county, item_set=task, opens=-5, closes=-1, prize_first_to=1
    )
    a, b = learner_in(county, name="李大明"), learner_in(county, name="赵小红")
    entry_a = entry_register(competition=province_competition, learner=a)
    entry_b = entry_register(competition=province_competition, learner=b)
    label(round, a, percent=90, seconds=100, minutes_ago=120)
    label(round, b, percent=80, seconds=100, minutes_ago=120)
    round_results_rebuild(round=round)
    awards_grant(round=round)
    assert Award.objects.get(round=round, entry=entry_a).status != Award.Status.REVOKED

    round_adjust(round=round, entry=entry_a, action="remove", reason="违规使用外部工具", by=staff)

    assert Award.objects.get(round=round, entry=entry_a).status == Award.Status.REVOKED
    assert Award.objects.get(round=round, entry=entry_b).prize == Award.Prize.FIRST
    live = RoundResult.objects.get(round=round, view=RoundResult.View.LIVE, entry=entry_b)
    assert live.rank == 1


def test_short_answers_marked_and_marks_changed_during_the_freeze_wait_for_the_reveal(
    client, province_competition, county, course, staff
):
    """A paper handed in before the freeze: its short answers marked by hand, or its marks
    changed, during the freeze leave the frozen board as it stood at the freeze; a mark given
    before it, and changed during it, shows its old points until the reveal."""
    from exams.marking import answer_mark, answer_mark_change
    from exams.models import BankQuestion
    from tests.coordinator.test_exam_rooms import make_exam
    from tests.coordinator.test_exam_rooms import sit as sit_exam  # a paper of questions

    exam = make_exam(course, singles=1, short_answers=2)  # 2 + 5 + 5 points
    # Frozen since 30 minutes ago.
    round = make_round(province_competition, county=county, exam=exam, closes=1, freeze_minutes=90)
    learner = learner_in(county)
    entry = entry_register(competition=province_competition, learner=learner)
    attempt = sit_exam(exam, enrol(learner, course))
    now = timezone.now()
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        started_at=now - timedelta(minutes=50), submitted_at=now - timedelta(minutes=40)
    )
    first, second = attempt.paper.filter(question__kind=BankQuestion.Kind.SHORT_ANSWER).order_by("position")
    single = attempt.paper.get(question__kind=BankQuestion.Kind.SINGLE)
    answer_mark(answer_id=first.pk, points=5, by=staff, now=now - timedelta(minutes=35))  # 7 of 12
    round_results_rebuild(round=round)
    assert _frozen_row(round, entry).theory_percent == 58.3

    # During the freeze: the second answer marked (then changed), the first and the automatic
    # mark of the single choice changed.
    answer_mark(answer_id=second.pk, points=5, by=staff)
    answer_mark_change(answer_id=first.pk, points=1, reason="复核", by=staff)
    answer_mark_change(answer_id=single.pk, points=0, reason="题目有歧义", by=staff)
    answer_mark_change(answer_id=second.pk, points=4, reason="复核", by=staff)
    round_results_rebuild(round=round)

    assert _frozen_row(round, entry).theory_percent == 58.3  # 2 + 5 + (awaiting marking)
    live = RoundResult.objects.get(round=round, view=RoundResult.View.LIVE, entry=entry)
    assert live.theory_percent == 41.7  # 0 + 1 + 4 of 12
    data = client.get(reverse("competitions:scoreboard_json", args=[round.pk])).json()
    assert data["frozen"] is True and data["rows"][0]["theory_percent"] == 58.3
