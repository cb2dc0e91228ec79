"""The competitions lists cost the same number of queries with one row and with many."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, RoundEntry
from competitions.services import entry_register, round_results_rebuild
from tests.competitions.conftest import label, learner_in, make_round


@pytest.fixture
def grow(course, county, task):
    """``grow(n)``: n open competitions, each with a county round the learner entered, and n
    other entrants with results in the first round."""

    def make(n: int, learner):
        now = timezone.now()
        rounds = []
        for index in range(n):
            competition = Competition.objects.create(
                title=f"比赛{index}",
                track=course.track,
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=1 + index),
            )
            round = make_round(competition, county=county, item_set=task)
            entry_register(competition=competition, learner=learner)
            rounds.append(round)
        first = rounds[0]
        for index in range(n):
            other = learner_in(county, name=f"选手{index}")
            entry = entry_register(competition=first.competition, learner=other)
            label(first, other, percent=60 + index, seconds=100)
            assert RoundEntry.objects.filter(entry=entry).exists()
        round_results_rebuild(round=first)
        return first

    return make


@pytest.mark.parametrize("n", [1, 20])
def test_list_pages_cost_the_same_whatever_their_length(
    client, django_assert_num_queries, grow, learner, staff, n
):
    first = grow(n, learner)
    client.force_login(learner)
    for name, args, count in (
        ("competitions:list", [], 3),
        ("competitions:mine", [], 8),
        # With the entrant's runs of the tasks and the rounds they are in.
        ("competitions:detail", [first.competition_id], 6),
    ):
        with django_assert_num_queries(count):
            assert client.get(reverse(name, args=args)).status_code == 200
    client.force_login(staff)
    for name, args, count in (
        ("competitions:manage_list", [], 3),
        ("competitions:manage_round", [first.pk], 12),
    ):
        with django_assert_num_queries(count):
            assert client.get(reverse(name, args=args)).status_code == 200
