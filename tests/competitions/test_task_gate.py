"""A round's practical task is not reachable through the practice pages outside the round:
closed to everyone but the round's entrants while a round that uses it has not ended, and to
them until it opens; staff, the track's editors and the round's judges keep access; after the
round it is an ordinary practice task again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions.errors import CompetitionError
from competitions.models import Round, RoundJudge
from competitions.services import entry_register, round_save
from courses.models import TrackRole
from practice import gates
from practice.models import Assignment, ItemSet, Run
from tests import factories
from tests.competitions.conftest import enrol, learner_in, make_round
from tests.competitions.test_review_fixes import _county_competition, _round_post


def english(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def item_set_page(client, task):
    return client.get(reverse("practice:item_set", args=[task.pk]))


@pytest.fixture
def outsider(county, course):
    learner = learner_in(county, name="局外人")
    enrol(learner, course)
    return learner


def entrant_of(competition, county, name="选手"):
    learner = learner_in(county, name=name)
    entry_register(competition=competition, learner=learner)
    return learner


def test_a_learner_who_did_not_enter_is_refused_while_the_round_is_on(
    province_competition, county, task, outsider
):
    round = make_round(province_competition, county=county, item_set=task)
    client = english(outsider)
    page = item_set_page(client, task)
    assert page.status_code == 403
    body = page.content.decode()
    assert 'id="task-refused"' in body and "entrants open it, during the round" in body
    assert f'href="{reverse("competitions:detail", args=[round.competition_id])}"' in body
    assert client.post(reverse("practice:run_start", args=[task.pk])).status_code == 403
    assert not Run.objects.exists()


def test_an_entrant_is_refused_before_the_round_and_let_in_during_it(province_competition, county, task):
    round = make_round(province_competition, county=county, item_set=task, opens=2, closes=4)
    learner = entrant_of(province_competition, county)
    client = english(learner)
    before = item_set_page(client, task)
    assert before.status_code == 403
    assert "it opens with the round at" in before.content.decode()
    assert client.post(reverse("practice:run_start", args=[task.pk])).status_code == 403
    assert not Run.objects.exists()

    Round.objects.filter(pk=round.pk).update(opens_at=timezone.now() - timedelta(minutes=5))
    assert item_set_page(client, task).status_code == 200
    started = client.post(reverse("competitions:round_task_start", args=[round.pk]))
    run = Run.objects.get(enrollment__learner=learner)
    assert started.url == reverse("practice:run", args=[run.pk])
    assert client.get(started.url).status_code == 200


def test_a_run_opened_early_shows_neither_its_pages_nor_its_review_before_the_round(
    province_competition, county, task
):
    make_round(province_competition, county=county, item_set=task, opens=2, closes=4)
    learner = entrant_of(province_competition, county)
    # A run from before the task was a round's (the gate did not exist then), handed in.
    early = Run.objects.create(enrollment=enrol(learner, task.course), item_set=task, score=80)
    client = english(learner)
    assert client.get(reverse("practice:run", args=[early.pk])).status_code == 403
    Run.objects.filter(pk=early.pk).update(submitted_at=timezone.now())
    assert client.get(reverse("practice:run_result", args=[early.pk])).status_code == 403


def test_an_entrant_who_hands_in_during_the_round_sees_the_review_only_after_it(
    province_competition, county, task
):
    """The review shows the expected answers: while the round is on, others still work on the
    task, so an entrant who handed in is told their work counts and when the review opens."""
    round = make_round(province_competition, county=county, item_set=task, opens=-1, closes=2)
    learner = entrant_of(province_competition, county)
    run = Run.objects.create(
        enrollment=enrol(learner, task.course), item_set=task, score=80, submitted_at=timezone.now()
    )
    client = english(learner)

    during = client.get(reverse("practice:run_result", args=[run.pk]))

    assert during.status_code == 200
    body = during.content.decode()
    assert "Handed in" in body and "Its review, with the expected answers, opens when the round ends" in body
    assert f'href="{reverse("competitions:detail", args=[round.competition_id])}"' in body
    assert 'id="practice-score"' not in body and 'id="review-' not in body

    Round.objects.filter(pk=round.pk).update(
        opens_at=timezone.now() - timedelta(hours=3), closes_at=timezone.now() - timedelta(minutes=1)
    )
    after = client.get(reverse("practice:run_result", args=[run.pk])).content.decode()
    assert 'id="practice-score"' in after and "Handed in" not in after


def test_after_the_round_the_task_is_open_again_unless_another_round_still_uses_it(
    province_competition, county, other_county, task, outsider
):
    ended = make_round(province_competition, county=county, item_set=task, opens=-4, closes=-2)
    client = english(outsider)
    assert item_set_page(client, task).status_code == 200
    # Another county's round of the competition uses the same task tomorrow: closed again.
    make_round(province_competition, county=other_county, item_set=task, opens=20, closes=22)
    assert item_set_page(client, task).status_code == 403
    assert ended.closes_at < timezone.now()


def test_staff_judges_and_the_tracks_editors_keep_access(province_competition, county, task, staff):
    round = make_round(province_competition, county=county, item_set=task, opens=2, closes=4)
    judge = learner_in(county, name="评委")
    RoundJudge.objects.create(round=round, judge=judge)
    editor = factories.UserFactory()
    TrackRole.objects.create(user=editor, track=province_competition.track, role=TrackRole.Role.EDITOR)
    for user in (staff, judge, editor):
        enrol(user, task.course)
        assert item_set_page(english(user), task).status_code == 200, user


def test_a_rounds_judged_assignment_is_closed_too(province_competition, county, course, outsider):
    assignment = Assignment.objects.create(
        course=course, title="商品详情页", brief="写标题和卖点。", criteria=[], published=True
    )
    make_round(province_competition, county=county, assignment=assignment)
    client = english(outsider)
    page = client.get(reverse("practice:assignment", args=[assignment.pk]))
    assert page.status_code == 403 and 'id="task-refused"' in page.content.decode()
    staff_user = factories.StaffFactory()
    enrol(staff_user, course)
    assert english(staff_user).get(reverse("practice:assignment", args=[assignment.pk])).status_code == 200


@pytest.mark.parametrize("rounds", [1, 3])
def test_the_gate_costs_one_query_on_the_practice_page(
    monkeypatch, django_assert_num_queries, province_competition, county, task, rounds
):
    for n in range(rounds):
        make_round(
            province_competition,
            county=county if n == 0 else factories.CountyFactory(code=f"33019{n}"),
            item_set=task,
            opens=-1,
            closes=2 + n,
        )
    learner = entrant_of(province_competition, county)  # in the first round only, which is open
    client = english(learner)
    with monkeypatch.context() as patched:
        patched.setattr(gates, "_GATES", {})
        with CaptureQueriesContext(connection) as ungated:
            assert item_set_page(client, task).status_code == 200
    with django_assert_num_queries(len(ungated.captured_queries) + 1):
        assert item_set_page(client, task).status_code == 200


def test_the_competition_page_links_the_task_only_for_those_it_opens_to(
    province_competition, county, task, outsider
):
    round = make_round(province_competition, county=county, item_set=task)
    entrant = entrant_of(province_competition, county)
    url = reverse("competitions:detail", args=[province_competition.pk])
    link = f'data-task="{task.pk}"'
    assert link in english(entrant).get(url).content.decode()
    outsider_page = english(outsider).get(url).content.decode()
    assert link not in outsider_page and task.title in outsider_page
    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert link in english(outsider).get(url).content.decode()  # open again after the round


def test_a_lessons_exercise_cannot_be_a_rounds_task(client, county, coordinator, course, paper, task):
    """The gate closes a round's task to everyone but its entrants until the round ends: a
    lesson's exercise would lock the course's learners out of finishing that lesson."""
    lesson = factories.LessonFactory(module__course=course, kind="practice")
    exercise = ItemSet.objects.create(
        course=course, lesson=lesson, title="课时练习", task="image_class", published=True
    )
    competition = _county_competition(county, course)
    client.force_login(coordinator)
    url = reverse("competitions:round_create", args=[competition.pk])
    form = client.get(url).content.decode()
    assert f'value="{task.pk}"' in form and f'value="{exercise.pk}"' not in form

    response = client.post(url, {**_round_post(county, paper), "item_set": exercise.pk})

    assert response.status_code == 200 and "item_set" in response.context["form"].errors
    assert not Round.objects.filter(competition=competition).exists()
    now = timezone.now()
    unsaved = Round(
        competition=competition,
        tier="county",
        county=county,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=1, hours=1),
        item_set=exercise,
    )
    with pytest.raises(CompetitionError):
        round_save(round=unsaved)
    assert not Round.objects.filter(competition=competition).exists()
