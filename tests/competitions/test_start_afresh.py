"""An entrant who opened the round's labelling task before the round starts afresh inside it:
the early run is left alone and never counts; the round scores the fresh run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.models import Round, RoundResult
from competitions.services import round_results_rebuild
from practice.models import ItemSet, Run
from tests.competitions.conftest import enrol, learner_in, make_round
from tests.competitions.test_review_fixes import _county_competition, _entrant


@pytest.fixture
def opened(county, course, task):
    """A county round open now, an entrant and the run of its task they started before it."""
    competition = _county_competition(county, course)
    round = make_round(competition, county=county, item_set=task)
    learner = learner_in(county)
    _entrant(competition, round, learner)
    early = Run.objects.create(enrollment=enrol(learner, course), item_set=task)
    Run.objects.filter(pk=early.pk).update(started_at=round.opens_at - timedelta(minutes=10))
    return competition, round, learner, early


def test_an_entrant_with_an_early_run_starts_afresh_and_only_the_fresh_run_counts(client, opened):
    competition, round, learner, early = opened
    client.force_login(learner)
    page = client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    start = reverse("competitions:round_task_start", args=[round.pk])
    assert f'data-early-run="{round.pk}"' in page and f'action="{start}"' in page

    response = client.post(start)
    fresh = Run.objects.exclude(pk=early.pk).get(enrollment__learner=learner)
    assert response.status_code == 302 and response.url == reverse("practice:run", args=[fresh.pk])
    assert fresh.started_at >= round.opens_at
    assert client.post(start).url == response.url  # a second click resumes the fresh run
    early.refresh_from_db()
    assert early.submitted_at is None  # left as it was

    # Until the fresh run is handed in, the page leads back to it (the practice page of a job
    # handed in before the round would not): the same button now carries on.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    assert f'action="{start}"' in page and "Carry on" in page and "Start afresh" not in page

    # Both runs handed in: the flag is gone and the round scores only the fresh one.
    now = timezone.now()
    Run.objects.filter(pk=early.pk).update(submitted_at=now - timedelta(minutes=2), score=99)
    Run.objects.filter(pk=fresh.pk).update(submitted_at=now - timedelta(minutes=1), score=70)
    page = client.get(reverse("competitions:detail", args=[competition.pk])).content.decode()
    assert f'data-early-run="{round.pk}"' not in page
    round_results_rebuild(round=round)
    assert RoundResult.objects.get(round=round, view="live").practical_percent == 70.0


def test_a_job_handed_in_before_the_round_does_not_refuse_the_fresh_run(client, opened, task):
    _competition, round, learner, early = opened
    ItemSet.objects.filter(pk=task.pk).update(mode=ItemSet.Mode.JOB)
    Run.objects.filter(pk=early.pk).update(submitted_at=round.opens_at - timedelta(minutes=1), score=90)
    client.force_login(learner)
    # The practice page itself still refuses a second go at a job handed in.
    client.post(reverse("practice:run_start", args=[task.pk]))
    assert Run.objects.filter(enrollment__learner=learner).count() == 1
    response = client.post(reverse("competitions:round_task_start", args=[round.pk]))
    fresh = Run.objects.exclude(pk=early.pk).get(enrollment__learner=learner)
    assert response.url == reverse("practice:run", args=[fresh.pk])


def test_only_an_entrant_starts_and_only_while_the_round_is_open(client, opened, county):
    _competition, round, learner, early = opened
    start = reverse("competitions:round_task_start", args=[round.pk])
    client.force_login(learner_in(county, name="旁观者"))
    assert client.post(start).status_code == 404
    assert client.get(start).status_code == 405

    Round.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(start, follow=True)
    assert "The round is not open." in [str(message) for message in response.context["messages"]]
    assert list(Run.objects.filter(enrollment__learner=learner)) == [early]
    page = response.content.decode()
    assert f'action="{start}"' not in page
