"""Each scoreboard view has its own version: scores arriving during a freeze move the live
board on while the frozen board (and its cached fragment) stays; and the rebuild computes
outside the round's row lock, compares and writes under it, so that older rows never overwrite
a newer decision (an upheld appeal, an entrant removed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions import services
from competitions.models import Appeal, Round, RoundResult
from competitions.services import entry_register, round_results_rebuild
from competitions.tasks import refresh_open_rounds
from tests.competitions.conftest import label, learner_in, make_round


def board_order(response) -> list[int]:
    body = response.content.decode().split('id="board-rows"', 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-entry="(\d+)"', body)]


def data_version(response) -> int:
    return int(re.search(r'id="board"[^>]*data-version="(\d+)"', response.content.decode()).group(1))


def enter(competition, county, name):
    learner = learner_in(county, name=name)
    return learner, entry_register(competition=competition, learner=learner)


@pytest.fixture
def frozen_round(province_competition, county, paper, task):
    """Open for another hour, frozen for its last 90 minutes: frozen since 30 minutes ago."""
    return make_round(
        province_competition, county=county, exam=paper, item_set=task, closes=1, freeze_minutes=90
    )


def test_a_score_during_the_freeze_moves_the_live_board_on_and_leaves_the_frozen_one_cached(
    client, django_assert_num_queries, province_competition, county, frozen_round, staff
):
    early, early_entry = enter(province_competition, county, "早交卷")
    late, late_entry = enter(province_competition, county, "晚交卷")
    label(frozen_round, early, percent=80, seconds=100, minutes_ago=60)  # before the freeze
    refresh_open_rounds()  # the minute's sweep (tasks run in-process in the tests)
    cache.clear()
    url = reverse("competitions:scoreboard", args=[frozen_round.pk])
    first = client.get(url)
    assert 'data-frozen="1"' in first.content.decode()
    frozen_round.refresh_from_db()
    frozen_version, live_version = frozen_round.frozen_version, frozen_round.live_version
    assert data_version(first) == frozen_version
    assert board_order(first)[0] == early_entry.pk

    # A score arrives during the freeze; the sweep rebuilds.
    label(frozen_round, late, percent=95, seconds=90, minutes_ago=5)
    refresh_open_rounds()
    frozen_round.refresh_from_db()
    assert frozen_round.live_version == live_version + 1
    assert frozen_round.frozen_version == frozen_version
    assert RoundResult.objects.get(round=frozen_round, view="live", entry=late_entry).rank == 1

    # Another visitor: the same frozen board, from the cache (the round is the only query).
    with django_assert_num_queries(1):
        second = Client().get(url)
    assert data_version(second) == frozen_version
    assert board_order(second)[0] == early_entry.pk
    polled = Client().get(reverse("competitions:scoreboard_json", args=[frozen_round.pk])).json()
    assert (polled["version"], polled["frozen"]) == (frozen_version, True)

    # Revealed: the board is the live one, with the score that came in during the freeze.
    staff_client = Client()
    staff_client.force_login(staff)
    staff_client.post(reverse("competitions:round_reveal", args=[frozen_round.pk]))
    revealed = Client().get(url)
    assert 'data-frozen="0"' in revealed.content.decode()
    assert data_version(revealed) == frozen_round.live_version
    assert board_order(revealed)[0] == late_entry.pk
    polled = Client().get(reverse("competitions:scoreboard_json", args=[frozen_round.pk])).json()
    assert (polled["version"], polled["frozen"]) == (frozen_round.live_version, False)
    assert polled["rows"][0]["entry_id"] == late_entry.pk


def test_a_rebuild_writes_only_the_rows_that_changed(province_competition, county, frozen_round):
    people = [enter(province_competition, county, name) for name in ("甲一", "乙二", "丙三")]
    label(frozen_round, people[0][0], percent=50, seconds=100, minutes_ago=5)  # after the freeze
    label(frozen_round, people[1][0], percent=70, seconds=100, minutes_ago=60)
    label(frozen_round, people[2][0], percent=80, seconds=100, minutes_ago=60)
    round_results_rebuild(round=frozen_round)
    frozen_round.refresh_from_db()
    versions = (frozen_round.live_version, frozen_round.frozen_version)
    before = set(RoundResult.objects.filter(round=frozen_round).values_list("pk", flat=True))
    # The late run is marked again: only that entrant's live row changes (the rank stays 3).
    run = frozen_round.item_set.runs.get(enrollment__learner=people[0][0])
    type(run).objects.filter(pk=run.pk).update(score=55)
    round_results_rebuild(round=frozen_round)
    after = set(RoundResult.objects.filter(round=frozen_round).values_list("pk", flat=True))
    assert len(before - after) == 1
    written = RoundResult.objects.get(pk__in=after - before)
    assert (written.entry_id, written.view, written.practical_percent, written.rank) == (
        people[0][1].pk,
        "live",
        55.0,
        3,
    )
    frozen_round.refresh_from_db()
    assert (frozen_round.live_version, frozen_round.frozen_version) == (versions[0] + 1, versions[1])


def test_the_rebuild_takes_its_turn_before_it_reads_the_scores(province_competition, county, frozen_round):
    learner, _entry = enter(province_competition, county, "选手")
    label(frozen_round, learner, percent=70, seconds=100)
    with CaptureQueriesContext(connection) as captured:
        round_results_rebuild(round=frozen_round)
    sql = [query["sql"] for query in captured.captured_queries]
    turn = next(i for i, text in enumerate(sql) if "competitions_roundrebuild" in text)
    runs = next(i for i, text in enumerate(sql) if "practice_run" in text)
    writes = [i for i, text in enumerate(sql) if text.startswith(('INSERT INTO "competitions_roundresult"',))]
    assert turn < runs < writes[0]


@pytest.fixture
def ended_round(province_competition, county, paper, task):
    """Ended an hour ago: the appeal window is open."""
    return make_round(province_competition, county=county, exam=paper, item_set=task, opens=-3, closes=-1)


def test_an_appeal_upheld_while_a_rebuild_computes_stays_in_the_results(
    client, province_competition, county, ended_round, staff
):
    first, first_entry = enter(province_competition, county, "甲一")
    second, second_entry = enter(province_competition, county, "乙二")
    label(ended_round, first, percent=90, seconds=100, minutes_ago=90)
    label(ended_round, second, percent=60, seconds=100, minutes_ago=90)
    round_results_rebuild(round=ended_round)
    client.force_login(second)
    client.post(
        reverse("competitions:appeal", args=[ended_round.pk]), {"score": "practical", "reason": "金标准错"}
    )
    appeal = Appeal.objects.get()

    # A sweep's rebuild reads the inputs before the decision ...
    computed = services._results_compute(ended_round)
    # ... the appeal is upheld meanwhile (its own rebuild writes the correction) ...
    client.force_login(staff)
    client.post(
        reverse("competitions:appeal_resolve", args=[appeal.pk]),
        {"decision": "uphold", "corrected_percent": "99", "resolution": "金标准有误"},
    )
    assert RoundResult.objects.get(round=ended_round, view="live", entry=second_entry).rank == 1
    # ... and the older rebuild writes last: it notices and computes again under the lock.
    with transaction.atomic():
        services._results_write(round_id=ended_round.pk, computed=computed)
    result = RoundResult.objects.get(round=ended_round, view="live", entry=second_entry)
    assert (result.practical_percent, result.rank) == (99.0, 1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    board = client.get(reverse("competitions:scoreboard", args=[ended_round.pk]))
    assert "Final ranking." in board.content.decode()
    assert board_order(board) == [second_entry.pk, first_entry.pk]


def test_an_entrant_removed_while_a_rebuild_computes_does_not_come_back(
    client, province_competition, county, frozen_round, staff
):
    kept, kept_entry = enter(province_competition, county, "甲一")
    removed, removed_entry = enter(province_competition, county, "乙二")
    label(frozen_round, kept, percent=70, seconds=100, minutes_ago=60)
    label(frozen_round, removed, percent=90, seconds=100, minutes_ago=60)
    round_results_rebuild(round=frozen_round)
    frozen_round.refresh_from_db()
    versions = (frozen_round.live_version, frozen_round.frozen_version)
    computed = services._results_compute(frozen_round)
    client.force_login(staff)
    client.post(
        reverse("competitions:round_adjust", args=[frozen_round.pk]),
        {"entry": removed_entry.pk, "action": "remove", "reason": "违规使用手机"},
    )
    frozen_round.refresh_from_db()
    # Removing an entrant's rows moves both boards on (their caches showed the entrant), and the
    # rebuild that follows moves them again as the others move up.
    assert frozen_round.live_version > versions[0] and frozen_round.frozen_version > versions[1]
    assert RoundResult.objects.get(round=frozen_round, view="live", entry=kept_entry).rank == 1
    with transaction.atomic():
        services._results_write(round_id=frozen_round.pk, computed=computed)
    assert not RoundResult.objects.filter(round=frozen_round, entry=removed_entry).exists()
    assert RoundResult.objects.get(round=frozen_round, view="frozen", entry=kept_entry).rank == 1


def test_a_rebuild_with_nothing_new_keeps_both_versions(province_competition, county, frozen_round):
    learner, _entry = enter(province_competition, county, "选手")
    label(frozen_round, learner, percent=70, seconds=100, minutes_ago=60)
    round_results_rebuild(round=frozen_round)
    frozen_round.refresh_from_db()
    versions = (frozen_round.results_version, frozen_round.live_version, frozen_round.frozen_version)
    assert versions == (1, 1, 1)
    Round.objects.filter(pk=frozen_round.pk).update(results_at=timezone.now() - timedelta(minutes=5))
    round_results_rebuild(round=frozen_round)
    frozen_round.refresh_from_db()
    assert (frozen_round.results_version, frozen_round.live_version, frozen_round.frozen_version) == versions
    assert frozen_round.results_at > timezone.now() - timedelta(minutes=1)
