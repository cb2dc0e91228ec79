"""The defects a reviewer confirmed in the competitions app, each through the user's path."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from competitions import services
from competitions.errors import CompetitionError
from competitions.models import (
    Appeal,
    Award,
    Competition,
    Entry,
    EntryMember,
    JudgeMark,
    Round,
    RoundEntry,
    RoundJudge,
    RoundResult,
    Tier,
)
from exams.models import Exam, ExamAttempt
from practice.models import Assignment, Submission
from tests import factories
from tests.competitions.conftest import enrol, learner_in, make_round

_MOMENT = "%Y-%m-%dT%H:%M"


def _county_competition(county, course, **fields):
    now = timezone.now()
    return Competition.objects.create(
        title="县赛",
        track=course.track,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
        **fields,
    )


def _entrant(competition, round, learner):
    entry = Entry.objects.create(competition=competition, captain=learner, county=round.county)
    EntryMember.objects.create(
        entry=entry, competition=competition, learner=learner, accepted_at=timezone.now()
    )
    RoundEntry.objects.create(round=round, entry=entry)
    return entry


def _round_post(county, exam, *, days=1):
    now = timezone.now()
    return {
        "tier": "county",
        "county": county.pk,
        "opens_at": (now + timedelta(days=days)).strftime(_MOMENT),
        "closes_at": (now + timedelta(days=days, hours=1)).strftime(_MOMENT),
        "exam": exam.pk,
        "rule": "practical_first",
    }


# --- 1. a round never rewrites the window of an unrelated exam -------------------------------------


@pytest.mark.parametrize("which", ["final", "other_track"])
def test_coordinator_cannot_take_an_unrelated_exam_for_a_round(client, county, coordinator, course, which):
    opens, closes = timezone.now() - timedelta(days=30), timezone.now() + timedelta(days=30)
    if which == "final":
        unrelated = Exam.objects.create(
            title="期末",
            course=course,
            status=Exam.Status.PUBLISHED,
            is_final=True,
            opens_at=opens,
            closes_at=closes,
        )
    else:
        unrelated = Exam.objects.create(
            title="别的课程",
            course=factories.CourseFactory(),
            status=Exam.Status.PUBLISHED,
            opens_at=opens,
            closes_at=closes,
        )
    competition = _county_competition(county, course)
    client.force_login(coordinator)
    response = client.post(
        reverse("competitions:round_create", args=[competition.pk]), _round_post(county, unrelated)
    )
    assert response.status_code == 200
    assert "exam" in response.context["form"].errors
    assert not Round.objects.filter(competition=competition).exists()
    unrelated.refresh_from_db()
    assert (unrelated.opens_at, unrelated.closes_at) == (opens, closes)


def test_coordinator_round_takes_a_track_exam_and_gives_it_the_round_window(
    client, county, coordinator, course, paper
):
    competition = _county_competition(county, course)
    client.force_login(coordinator)
    response = client.post(
        reverse("competitions:round_create", args=[competition.pk]), _round_post(county, paper)
    )
    assert response.status_code == 302
    round = Round.objects.get(competition=competition)
    paper.refresh_from_db()
    assert (paper.opens_at, paper.closes_at) == (round.opens_at, round.closes_at)


def test_exam_of_another_round_is_refused(client, county, coordinator, course, paper):
    first = _county_competition(county, course)
    taken = make_round(first, county=county, exam=paper)
    second = _county_competition(county, course)
    client.force_login(coordinator)
    response = client.post(
        reverse("competitions:round_create", args=[second.pk]), _round_post(county, paper, days=5)
    )
    assert response.status_code == 200
    assert "exam" in response.context["form"].errors
    with pytest.raises(CompetitionError):
        services.round_save(
            round=Round(
                competition=second,
                tier="county",
                county=county,
                exam=paper,
                opens_at=taken.opens_at,
                closes_at=taken.closes_at,
            )
        )
    paper.refresh_from_db()
    assert paper.closes_at is None or paper.closes_at == taken.closes_at


# --- 2. an invitation reveals nothing about the person invited -------------------------------------


@pytest.fixture
def team_competition(county, course):
    now = timezone.now()
    competition = Competition.objects.create(
        title="队赛",
        track=course.track,
        kind="team",
        team_max=3,
        team_min=1,
        province=county.province,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    make_round(competition, tier=Tier.PROVINCE, province=county.province)
    return competition


def _invite(client, entry, who):
    return client.post(reverse("competitions:invite", args=[entry.pk]), {"who": who}, follow=True)


def test_every_refusal_about_the_person_invited_is_one_neutral_message(
    client, county, other_county, team_competition
):
    captain = learner_in(county, name="队长")
    entry = services.entry_register(competition=team_competition, learner=captain, team_name="一队")
    elsewhere = learner_in(factories.CountyFactory(code="330127", name="淳安县"), name="王秘密")
    services.entry_register(competition=team_competition, learner=elsewhere, team_name="二队")
    taken = learner_in(county, name="李已报")
    services.entry_register(competition=team_competition, learner=taken, team_name="三队")
    far = learner_in(other_county, name="赵远方")
    client.force_login(captain)
    answers = set()
    for who in (elsewhere.email, taken.email, far.email, "nobody@example.com", "13800000000"):
        response = _invite(client, entry, who)
        body = response.content.decode()
        assert "王秘密" not in body and "李已报" not in body and "赵远方" not in body
        answers.update(m.message for m in response.context["messages"])
    assert answers == {services.invite_refused_message()}
    with translation.override("en"):
        assert services.invite_refused_message() == "This learner cannot be invited to your team."
    assert EntryMember.objects.filter(entry=entry).count() == 1


def test_captain_invites_a_teammate_and_withdraws_the_invitation(client, county, team_competition):
    captain = learner_in(county, name="队长")
    entry = services.entry_register(competition=team_competition, learner=captain, team_name="一队")
    mate = learner_in(county, name="李同学")
    client.force_login(captain)
    _invite(client, entry, mate.email)
    member = EntryMember.objects.get(entry=entry, learner=mate, accepted_at__isnull=True)
    page = client.get(reverse("competitions:detail", args=[team_competition.pk])).content.decode()
    assert reverse("competitions:invitation_withdraw", args=[member.pk]) in page
    # Someone else cannot withdraw it.
    client.force_login(mate)
    assert client.post(reverse("competitions:invitation_withdraw", args=[member.pk])).status_code == 404
    client.force_login(captain)
    assert client.post(reverse("competitions:invitation_withdraw", args=[member.pk])).status_code == 302
    assert not EntryMember.objects.filter(pk=member.pk).exists()


def test_invitations_are_rate_limited_per_captain(client, county, team_competition):
    from competitions.views import INVITE_RATE

    limit = int(INVITE_RATE.split("/")[0])
    captain = learner_in(county, name="队长")
    entry = services.entry_register(competition=team_competition, learner=captain, team_name="一队")
    client.force_login(captain)
    url = reverse("competitions:invite", args=[entry.pk])
    statuses = [client.post(url, {"who": f"x{n}@example.com"}).status_code for n in range(limit + 1)]
    assert statuses[:limit] == [302] * limit
    assert statuses[limit] == 429


# --- 3. judges' conflicts of interest ----------------------------------------------------------------


@pytest.fixture
def judged_round(county, other_county, course):
    """A county round of ``county`` with a judged assignment and one entrant who submitted."""
    competition = _county_competition(county, course)
    assignment = Assignment.objects.create(
        course=course,
        title="t",
        brief="b",
        criteria=[{"title": "c", "levels": ["0", "1", "2", "3", "4"]}],
        published=True,
    )
    round = make_round(competition, county=county, opens=-3, closes=-1, assignment=assignment, judge_gap=20)
    learner = learner_in(county, name="张小明")
    entry = _entrant(competition, round, learner)
    Submission.objects.create(
        assignment=assignment,
        enrollment=enrol(learner, course),
        text="x",
        submitted_at=round.closes_at - timedelta(minutes=30),
    )
    return round, entry, learner


def _add_judge(client, round, who, county=""):
    return client.post(
        reverse("competitions:round_judge_add", args=[round.pk]), {"who": who, "county": county}
    )


def test_judge_county_is_required_or_taken_from_the_portal_and_entrants_never_judge(
    client, staff, county, other_county, judged_round
):
    round, _entry, learner = judged_round
    client.force_login(staff)
    nobody = factories.UserFactory(name="无县评委")
    _add_judge(client, round, nobody.email)
    assert not RoundJudge.objects.filter(round=round, judge=nobody).exists()
    # The entrant declares another county: still refused.
    _add_judge(client, round, learner.email, other_county.code)
    assert not RoundJudge.objects.filter(round=round, judge=learner).exists()
    # A learner of the entrant's county without a declared county: their profile's county counts.
    neighbour = learner_in(county, name="李四")
    _add_judge(client, round, neighbour.email)
    assert RoundJudge.objects.get(round=round, judge=neighbour).county_id == county.pk
    # A coordinator of the county declaring another county: the county they coordinate counts.
    coordinator = factories.CoordinatorAssignmentFactory(county=county).coordinator
    _add_judge(client, round, coordinator.email, other_county.code)
    assert RoundJudge.objects.get(round=round, judge=coordinator).county_id == other_county.pk
    outsider = factories.UserFactory(name="外县评委")
    _add_judge(client, round, outsider.email, other_county.code)
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    judges = set(JudgeMark.objects.filter(round=round).values_list("judge_id", flat=True))
    assert judges == {outsider.pk}


def test_changing_a_judges_county_and_removing_a_judge_reassign_their_unmarked_marks(
    client, staff, county, other_county, judged_round
):
    round, _entry, _learner = judged_round
    third = factories.CountyFactory(code="330182", name="建德市")
    a, b, c = (factories.UserFactory(name=f"评委{n}") for n in range(3))
    client.force_login(staff)
    _add_judge(client, round, a.email, other_county.code)
    _add_judge(client, round, b.email, other_county.code)
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    assert set(JudgeMark.objects.filter(round=round).values_list("judge_id", flat=True)) == {a.pk, b.pk}
    _add_judge(client, round, c.email, third.code)
    # a now declares the entrant's county: their unmarked mark goes to c.
    _add_judge(client, round, a.email, county.code)
    assert set(JudgeMark.objects.filter(round=round).values_list("judge_id", flat=True)) == {b.pk, c.pk}
    assert sorted(JudgeMark.objects.filter(round=round).values_list("position", flat=True)) == [1, 2]
    # b is removed: their unmarked mark has no one left to take it, and the round says so.
    response = client.post(reverse("competitions:round_judge_remove", args=[round.pk, b.pk]))
    assert response.status_code == 302
    assert not RoundJudge.objects.filter(round=round, judge=b).exists()
    assert set(JudgeMark.objects.filter(round=round).values_list("judge_id", flat=True)) == {c.pk}
    page = client.get(reverse("competitions:manage_round", args=[round.pk])).content.decode()
    assert 'id="judging-pending" data-count="1"' in page


def test_a_coordinator_cannot_remove_a_judge_of_another_countys_round(client, other_county, judged_round):
    round, _entry, _learner = judged_round
    judge = factories.UserFactory()
    RoundJudge.objects.create(round=round, judge=judge, county=other_county)
    client.force_login(factories.CoordinatorAssignmentFactory(county=other_county).coordinator)
    response = client.post(reverse("competitions:round_judge_remove", args=[round.pk, judge.pk]))
    assert response.status_code == 404
    assert RoundJudge.objects.filter(round=round, judge=judge).exists()


# --- 4. the frozen scoreboard uses no judged mark on work sent after the freeze -------------------------


def test_frozen_view_leaves_out_judged_work_sent_after_the_freeze(county, course):
    competition = _county_competition(county, course)
    assignment = Assignment.objects.create(
        course=course,
        title="t",
        brief="b",
        criteria=[{"title": "c", "levels": ["0", "1", "2"]}],
        published=True,
    )
    round = make_round(
        competition, county=county, opens=-3, closes=1, freeze_minutes=120, assignment=assignment
    )
    learners = [learner_in(county, name=name) for name in ("张早交", "李晚交")]
    entries = [_entrant(competition, round, learner) for learner in learners]
    # The freeze began an hour ago: the early work was marked before it, the late work now.
    for learner, entry, sent, marked in zip(learners, entries, (150, 5), (100, 0), strict=True):
        submission = Submission.objects.create(
            assignment=assignment,
            enrollment=enrol(learner, course),
            text="x",
            submitted_at=timezone.now() - timedelta(minutes=sent),
        )
        for position in (1, 2):
            JudgeMark.objects.create(
                round=round,
                entry=entry,
                submission=submission,
                judge=factories.UserFactory(),
                position=position,
                percent=80,
                marked_at=timezone.now() - timedelta(minutes=marked),
            )
    services.round_results_rebuild(round=round)
    round.refresh_from_db()
    assert round.is_frozen()
    early, late = entries
    frozen = {r.entry_id: r for r in RoundResult.objects.filter(round=round, view="frozen")}
    live = {r.entry_id: r for r in RoundResult.objects.filter(round=round, view="live")}
    assert frozen[early.pk].practical_percent == 80.0 and frozen[early.pk].rank == 1
    assert frozen[late.pk].practical_percent is None and frozen[late.pk].rank is None
    assert live[late.pk].practical_percent == 80.0


# --- 5. theory papers handed in at the round's end count ------------------------------------------


def test_theory_paper_closed_at_the_rounds_end_counts_and_the_frozen_board_waits_for_it(
    county, course, paper
):
    """Live, a paper counts by its start (one closed at the round's end counts); the frozen board
    shows only papers handed in before the freeze (the rest show when it is revealed)."""
    competition = _county_competition(county, course)
    round = make_round(competition, county=county, opens=-3, closes=-1, exam=paper, freeze_minutes=30)
    learners = [learner_in(county, name=n) for n in ("赵提前", "张准时", "李冻后", "王迟到")]
    early, on_time, after_freeze, late = learners
    entries = {learner.pk: _entrant(competition, round, learner) for learner in learners}
    # The exams app closes an attempt at its deadline plus a grace of some seconds.
    at_the_end = round.closes_at + timedelta(seconds=15)
    sittings = {
        early: (round.closes_at - timedelta(minutes=90), round.closes_at - timedelta(minutes=40)),
        on_time: (round.closes_at - timedelta(minutes=60), at_the_end),
        after_freeze: (round.closes_at - timedelta(minutes=10), at_the_end),
        late: (round.closes_at + timedelta(minutes=1), at_the_end),
    }
    for learner, (started_at, submitted_at) in sittings.items():
        ExamAttempt.objects.create(
            exam=paper,
            enrollment=enrol(learner, course),
            number=1,
            started_at=started_at,
            submitted_at=submitted_at,
            score=90,
            max_score=100,
        )
    services.round_results_rebuild(round=round)
    live = {r.entry_id: r for r in RoundResult.objects.filter(round=round, view="live")}
    frozen = {r.entry_id: r for r in RoundResult.objects.filter(round=round, view="frozen")}
    assert live[entries[early.pk].pk].theory_percent == 90.0
    assert live[entries[on_time.pk].pk].theory_percent == 90.0
    assert live[entries[after_freeze.pk].pk].theory_percent == 90.0
    assert live[entries[late.pk].pk].theory_percent is None
    assert frozen[entries[early.pk].pk].theory_percent == 90.0
    assert frozen[entries[on_time.pk].pk].theory_percent is None  # handed in during the freeze
    assert frozen[entries[after_freeze.pk].pk].theory_percent is None


# --- 7. a double "File the appeal" never fails -------------------------------------------------------------


def test_second_appeal_racing_past_the_check_is_a_message_not_a_500(client, county, course):
    competition = _county_competition(county, course)
    round = make_round(competition, county=county, opens=-3, closes=-1)
    learner = learner_in(county)
    _entrant(competition, round, learner)
    client.force_login(learner)
    url = reverse("competitions:appeal", args=[round.pk])
    assert client.post(url, {"score": "theory", "reason": "x"}).status_code == 302
    # The second click's check ran before the first insert committed (READ COMMITTED): the
    # check sees no open appeal and the constraint refuses the insert.
    real = Appeal.objects.filter

    def check_sees_nothing(*args, **kwargs):
        if kwargs.get("status") == Appeal.Status.OPEN:
            return real(pk=-1)
        return real(*args, **kwargs)

    client.raise_request_exception = False
    with mock.patch.object(services.Appeal.objects, "filter", side_effect=check_sees_nothing):
        response = client.post(url, {"score": "theory", "reason": "x"}, follow=True)
    assert response.status_code == 200
    assert [m.message for m in response.context["messages"]][-1] == gettext(
        "This score is already under appeal."
    )
    assert Appeal.objects.filter(round=round).count() == 1


# --- 8. the third judge under concurrent saves ------------------------------------------------------


def test_gap_without_a_free_third_judge_stays_pending_and_a_new_judge_completes_it(
    client, staff, county, other_county, judged_round
):
    round, entry, _learner = judged_round
    a, b = factories.UserFactory(name="评委甲"), factories.UserFactory(name="评委乙")
    for judge in (a, b):
        RoundJudge.objects.create(round=round, judge=judge, county=other_county)
    client.force_login(staff)
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    first, second = JudgeMark.objects.filter(round=round).order_by("position")
    for row, level in ((first, 4), (second, 0)):  # 100 and 0: far apart, nobody free for a third
        client.force_login(row.judge)
        client.post(reverse("competitions:judge_mark", args=[row.pk]), {"c0": level})
    assert not JudgeMark.objects.filter(round=round, position=3).exists()
    services.round_results_rebuild(round=round)
    assert RoundResult.objects.get(round=round, entry=entry, view="live").practical_percent is None
    client.force_login(staff)
    page = client.get(reverse("competitions:manage_round", args=[round.pk])).content.decode()
    assert 'id="judging-pending" data-count="1"' in page
    third = factories.UserFactory(name="评委丙")
    _add_judge(client, round, third.email, factories.CountyFactory(code="330182", name="建德市").code)
    client.post(reverse("competitions:round_judging_assign", args=[round.pk]))
    assert JudgeMark.objects.get(round=round, position=3).judge_id == third.pk
    page = client.get(reverse("competitions:manage_round", args=[round.pk])).content.decode()
    assert 'id="judging-pending"' not in page


def test_mark_save_locks_every_mark_of_the_submission_in_pk_order(
    staff, other_county, judged_round, django_assert_num_queries
):
    round, _entry, _learner = judged_round
    a, b = factories.UserFactory(), factories.UserFactory()
    for judge in (a, b):
        RoundJudge.objects.create(round=round, judge=judge, county=other_county)
    services.judging_assign(round=round)
    first = JudgeMark.objects.get(round=round, position=1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.judge_mark_save(mark=first, judge=first.judge, levels=[2])
    sqls = [q["sql"] for q in queries]
    update = next(n for n, sql in enumerate(sqls) if sql.startswith('UPDATE "competitions_judgemark"'))
    together = [
        n
        for n, sql in enumerate(sqls)
        if 'WHERE "competitions_judgemark"."submission_id" =' in sql
        and 'ORDER BY "competitions_judgemark"."id" ASC' in sql
    ]
    assert together and together[0] < update, "every mark of the submission is read (locked) first"
    if connection.vendor == "postgresql":  # SQLite has no row locks: its writes queue instead
        assert 'FOR UPDATE OF "competitions_judgemark"' in sqls[together[0]]


# --- 10. forms refuse nonsense ---------------------------------------------------------------------------


def test_competition_form_refuses_a_youngest_age_above_the_oldest(client, staff, county, course):
    now = timezone.now()
    client.force_login(staff)
    data = {
        "title": "x",
        "track": course.track.pk,
        "kind": "individual",
        "team_min": 1,
        "team_max": 1,
        "county": county.pk,
        "registration_opens_at": now.strftime(_MOMENT),
        "registration_closes_at": (now + timedelta(days=1)).strftime(_MOMENT),
        "min_age": 60,
        "max_age": 16,
    }
    response = client.post(reverse("competitions:manage_create"), data)
    assert response.status_code == 200 and "max_age" in response.context["form"].errors
    data["max_age"] = 70
    assert client.post(reverse("competitions:manage_create"), data).status_code == 302


def _edit_round(client, round, **fields):
    data = {
        "tier": round.tier,
        "county": round.county_id or "",
        "province": round.province_id or "",
        "opens_at": timezone.localtime(round.opens_at).strftime(_MOMENT),
        "closes_at": timezone.localtime(round.closes_at).strftime(_MOMENT),
        "rule": "practical_first",
    }
    data.update({key: value for key, value in fields.items() if value is not None})
    return client.post(reverse("competitions:round_edit", args=[round.pk]), data)


def test_round_form_refuses_cycles_downward_advancement_long_freezes_and_early_windows(
    client, staff, county, course, province_competition
):
    chunan = factories.CountyFactory(code="330127", name="淳安县")
    a = make_round(province_competition, county=county)
    b = make_round(province_competition, county=chunan, advance_to=a, advance_top_n=3)
    province = make_round(province_competition, tier=Tier.PROVINCE, province=county.province)
    client.force_login(staff)
    cases = {
        "advance_to": {"advance_to": b.pk, "advance_top_n": 3},  # county A → county B → A
        "freeze_minutes": {"freeze_minutes": 100000},  # longer than the round
        "opens_at": {
            "opens_at": (province_competition.registration_opens_at - timedelta(days=2)).strftime(_MOMENT)
        },
    }
    for field, change in cases.items():
        response = _edit_round(client, a, **change)
        assert response.status_code == 200 and field in response.context["form"].errors, field
    # A province round advancing back down to a county round.
    response = _edit_round(client, province, advance_to=a.pk, advance_top_percent=10)
    assert "advance_to" in response.context["form"].errors
    # A second round for the same province.
    response = client.post(
        reverse("competitions:round_create", args=[province_competition.pk]),
        {
            "tier": "province",
            "province": county.province.pk,
            "rule": "practical_first",
            "opens_at": timezone.localtime(province.opens_at).strftime(_MOMENT),
            "closes_at": timezone.localtime(province.closes_at).strftime(_MOMENT),
        },
    )
    assert response.status_code == 200 and "province" in response.context["form"].errors
    assert Round.objects.filter(competition=province_competition, tier="province").count() == 1
    # Upwards, with a freeze shorter than the round: saved.
    # Round A itself is fed by county round B: A's tier is refused until B advances elsewhere.
    assert "tier" in _edit_round(client, a, advance_to=province.pk, advance_top_n=3).context["form"].errors
    response = _edit_round(client, b, advance_to=province.pk, advance_top_n=3, freeze_minutes=30)
    assert response.status_code == 302, response.context["form"].errors
    response = _edit_round(client, a, advance_to=province.pk, advance_top_n=3, freeze_minutes=30)
    assert response.status_code == 302, response.context["form"].errors
    a.refresh_from_db()
    assert (a.advance_to_id, a.freeze_minutes) == (province.pk, 30)


# --- 9. privacy: awards, judging and adjustments exported; award PDFs and team names erased --------------


def test_export_has_awards_adjustments_and_judging_and_erasure_rerenders_the_award_pdf(
    client, county, other_county, course, staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    from competitions.awards import award_issue

    settings.MEDIA_ROOT = tmp_path
    competition = _county_competition(county, course, kind="team", team_max=3)
    round = make_round(competition, county=county, opens=-3, closes=-1)
    captain = learner_in(county, name="张小明")
    mate = learner_in(county, name="李小红")
    entry = _entrant(competition, round, captain)
    Entry.objects.filter(pk=entry.pk).update(name="张小明队")
    EntryMember.objects.create(entry=entry, competition=competition, learner=mate, accepted_at=timezone.now())
    award = Award.objects.create(round=round, entry=entry, prize="first", rank=1)
    award_issue(award_id=award.pk)
    award.refresh_from_db()
    with award.file.open("rb") as pdf:
        old_pdf = pdf.read()
    services.round_adjust(round=round, entry=entry, action="add", reason="补录", by=staff)
    other_round = make_round(_county_competition(other_county, course), county=other_county)
    RoundJudge.objects.create(round=other_round, judge=captain, county=county)

    client.force_login(captain)
    exported = json.loads(client.get(reverse("privacy:data_export")).content)
    row = exported["competitions"][0]
    assert [(a["prize"], a["rank"], a["verification_code"]) for a in row["awards"]] == [
        ("first", 1, award.verification_code)
    ]
    assert [(a["action"], a["reason"]) for a in row["adjustments"]] == [("add", "补录")]
    assert [r["county"] for r in exported["competition_judging"]["rounds"]] == [county.name]
    assert exported["competition_judging"]["marks"] == []

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    award.refresh_from_db()
    entry.refresh_from_db()
    assert entry.name == "" and Entry.objects.filter(pk=entry.pk).exists()
    assert award.status == "issued" and award.file  # rendered again, without the erased names
    with award.file.open("rb") as pdf:
        assert pdf.read() != old_pdf
    assert len(list((tmp_path / "awards").rglob("*.pdf"))) == 1  # the old file is gone
    assert (
        award.verification_code
        in client.get(reverse("competitions:award_verify", args=[award.verification_code])).content.decode()
    )
    assert not RoundJudge.objects.filter(judge=captain).exists()


def test_deleting_a_captains_row_keeps_the_teams_entry(county, course):
    competition = _county_competition(county, course)
    round = make_round(competition, county=county)
    captain = learner_in(county, name="张小明")
    entry = _entrant(competition, round, captain)
    captain.delete()
    entry.refresh_from_db()
    assert entry.captain_id is None
    services.round_results_rebuild(round=round)
    assert RoundResult.objects.get(round=round, entry=entry, view="live").display_name == ""


# --- 11. registering enrols the entrant where the round's paper and task are sat -----------------------


def test_registering_and_joining_a_team_enrol_in_the_rounds_courses(client, county, course, paper, task):
    from enrollment.models import Enrollment

    task_course = factories.CourseFactory(title="标注实训", track=course.track)
    task.course = task_course
    task.save()
    now = timezone.now()
    competition = Competition.objects.create(
        title="队赛",
        track=course.track,
        kind="team",
        team_max=3,
        county=county,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    make_round(competition, county=county, exam=paper, item_set=task)
    captain, mate = learner_in(county, name="队长"), learner_in(county, name="队员")
    client.force_login(captain)
    client.post(reverse("competitions:register", args=[competition.pk]), {"team_name": "一队"})
    entry = Entry.objects.get(competition=competition)
    client.post(reverse("competitions:invite", args=[entry.pk]), {"who": mate.email})
    client.force_login(mate)
    invitation = EntryMember.objects.get(learner=mate)
    client.post(reverse("competitions:invitation_answer", args=[invitation.pk]), {"answer": "accept"})
    for learner in (captain, mate):
        assert set(
            Enrollment.objects.filter(learner=learner, status="active").values_list("course_id", flat=True)
        ) == {course.pk, task_course.pk}


# --- 6. a labelling run started before the round never counts, and the page says so ---------------------


def test_task_is_linked_only_once_the_round_opens_and_an_early_run_is_flagged(client, county, course, task):
    from practice.models import Run

    competition = _county_competition(county, course)
    later = make_round(competition, county=county, opens=2, closes=4, item_set=task)
    learner = learner_in(county)
    _entrant(competition, later, learner)
    client.force_login(learner)
    task_url = reverse("practice:item_set", args=[task.pk])
    page = client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    assert task_url not in page
    # The round opens; the learner's run of the task had started before it.
    Round.objects.filter(pk=later.pk).update(
        opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(hours=1)
    )
    later.refresh_from_db()
    run = Run.objects.create(enrollment=enrol(learner, course), item_set=task, score=95)
    Run.objects.filter(pk=run.pk).update(
        started_at=later.opens_at - timedelta(minutes=5), submitted_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    assert task_url in page and f'data-early-run="{later.pk}"' in page
    services.round_results_rebuild(round=later)
    assert RoundResult.objects.get(round=later, view="live").practical_percent is None


# --- lesser remarks ------------------------------------------------------------------------------------


def test_scoreboard_cache_is_keyed_by_the_page_shown(client, county, course, task, django_assert_num_queries):
    from django.core.cache import cache

    competition = _county_competition(county, course)
    round = make_round(competition, county=county, item_set=task)
    _entrant(competition, round, learner_in(county))
    services.round_results_rebuild(round=round)
    round.refresh_from_db()
    url = reverse("competitions:scoreboard_json", args=[round.pk])
    assert client.get(url, {"page": 999}).json()["page"] == 1
    prefix = f"competitions:board:{round.pk}:live:{round.live_version}"
    assert cache.get(f"{prefix}:1") is not None and cache.get(f"{prefix}:999") is None
    with django_assert_num_queries(1):  # the round; the board comes from the cache
        assert client.get(url, {"page": 12345}).json()["page"] == 1


def test_the_minutes_sweep_bumps_the_results_version_only_when_results_change(county, course, task):
    from competitions.tasks import refresh_open_rounds
    from tests.competitions.conftest import label

    competition = _county_competition(county, course)
    round = make_round(competition, county=county, item_set=task)
    learner = learner_in(county)
    _entrant(competition, round, learner)
    refresh_open_rounds()
    round.refresh_from_db()
    version = round.results_version
    refresh_open_rounds()
    round.refresh_from_db()
    assert round.results_version == version
    label(round, learner, percent=90, seconds=60)
    refresh_open_rounds()
    round.refresh_from_db()
    assert round.results_version == version + 1
    assert RoundResult.objects.get(round=round, view="live").practical_percent == 90.0


@pytest.mark.django_db(transaction=True)
def test_withdrawing_an_invitation_outside_a_test_transaction(client, county, team_competition):
    """The views run in autocommit: a service that locks rows must open its own transaction
    (on PostgreSQL a row lock outside one is a TransactionManagementError, a 500)."""
    captain = learner_in(county, name="队长")
    entry = services.entry_register(competition=team_competition, learner=captain, team_name="一队")
    mate = learner_in(county, name="李同学")
    client.force_login(captain)
    _invite(client, entry, mate.email)
    member = EntryMember.objects.get(entry=entry, learner=mate, accepted_at__isnull=True)
    assert client.post(reverse("competitions:invitation_withdraw", args=[member.pk])).status_code == 302
    assert not EntryMember.objects.filter(pk=member.pk).exists()
