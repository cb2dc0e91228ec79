"""The skills-competition benchmark's driver (bench/contest_rush.py) without a server: its set-up
makes the provincial round it promises (idempotently), its entrant finishes the round through the
real pages and the rebuilt board shows both scores, its visitor reads the board and polls its
JSON, and its check of the board tells a lost or leaked score from a shown one."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from competitions.models import Round, RoundEntry, RoundResult, Tier
from exams.models import ExamAttempt
from practice.models import Run

# At the end of the path: bench/ has modules (figures.py…) named like the project's apps.
BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import contest_rush  # noqa: E402
from workload_flows import Page, judge, local_path  # noqa: E402


class ClientBrowser:
    """The journeys' Browser over Django's test client (CSRF enforced, as in production)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.names: list[str] = []

    def request(
        self, method, path, *, name, data=None, expect=(200,), contains="", goes_to=None, throttled=""
    ):
        if method == "GET":
            response = self.client.get(path)
        else:
            response = self.client.post(
                path, data=urlencode(list(data or [])), content_type="application/x-www-form-urlencoded"
            )
        page = Page(response.status_code, local_path(response.get("Location", "")), response.content.decode())
        _rename, error = judge(page, expect, contains, goes_to, throttled)
        assert not error, f"{name} {path}: {error}"
        self.names.append(name)
        return page


@pytest.fixture
def setup(county):
    """A small round: 20 entrants, half of them with both scores in, 4 scorers."""
    return contest_rush.prepare(20, 0.5, 4, 5, random.Random(7))


def browser_of(user_id: int) -> ClientBrowser:
    from accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(pk=user_id))
    return ClientBrowser(client)


def board(round_id: int) -> dict[int, dict]:
    """Every row of the public board, through its JSON."""
    rows, page, pages = {}, 1, 1
    while page <= pages:
        data = Client().get(f"/competitions/rounds/{round_id}/scoreboard.json?page={page}").json()
        rows.update({row["entry_id"]: row for row in data["rows"]})
        pages, page = data["pages"], page + 1
    return rows


@pytest.mark.django_db
def test_the_setup_makes_one_open_provincial_round_with_scores_already_in_and_runs_again(setup):
    round = Round.objects.select_related("competition").get(pk=setup.round_id)
    assert round.tier == Tier.PROVINCE and round.competition.province_id == round.province_id
    assert round.opens_at <= timezone.now() < round.closes_at
    assert round.exam_id == setup.exam_id and round.item_set_id == setup.item_set_id
    # The 20 entrants and the one the in-process count sits the round with.
    assert len(setup.entrants) == 20 and setup.probe not in setup.entrants
    assert RoundEntry.objects.filter(round=round).count() == 21
    live = RoundResult.objects.filter(round=round, view=RoundResult.View.LIVE)
    assert live.filter(rank__isnull=False, theory_percent__isnull=False).count() == 10
    scored_entries = set(live.filter(rank__isnull=False).values_list("entry_id", flat=True))
    assert not scored_entries & {setup.entry_of[pk] for pk in setup.scorers}
    assert len(setup.scorers) == 4 and len(setup.viewers) == 5

    again = contest_rush.prepare(20, 0.5, 4, 5, random.Random(7))

    assert again.round_id == setup.round_id and again.entrants == setup.entrants
    assert RoundEntry.objects.filter(round=round).count() == 21
    assert ExamAttempt.objects.filter(exam_id=setup.exam_id).count() == 10
    assert Run.objects.filter(item_set_id=setup.item_set_id).count() == 10


@pytest.mark.django_db
def test_the_benchmark_entrant_finishes_the_round_through_the_real_pages_and_the_board_shows_it(setup):
    scorer = setup.scorers[0]
    browser = browser_of(scorer)
    record = contest_rush.ScorerLog(scorer=1)

    contest_rush.finish_round(
        browser,
        item_set_id=setup.item_set_id,
        exam_id=setup.exam_id,
        rng=random.Random(3),
        record=record,
    )

    assert record.practical and record.theory
    assert browser.names.count(contest_rush.RUN_POST) == 1  # 20 items: two pages of ten
    assert browser.names.count(contest_rush.HAND_IN) == 1
    assert Run.objects.get(pk=record.run).submitted_at is not None
    assert ExamAttempt.objects.get(pk=record.attempt).submitted_at is not None
    before = board(setup.round_id)[setup.entry_of[scorer]]
    assert before["practical_percent"] is None  # not until the sweep rebuilds the results

    sweep = contest_rush.sweep_once(setup.round_id, 0.0)

    assert sweep.rows == 21 and sweep.on_board == 11  # live rows only: the round has no freeze
    row = board(setup.round_id)[setup.entry_of[scorer]]
    run, attempt = Run.objects.get(pk=record.run), ExamAttempt.objects.get(pk=record.attempt)
    assert row["rank"] is not None
    assert row["practical_percent"] == float(run.score)
    assert row["theory_percent"] == round(100 * attempt.score / attempt.max_score, 1)


@pytest.mark.django_db
def test_a_visitor_reads_the_board_then_polls_the_json_its_script_polls(setup):
    anonymous, entrant = ClientBrowser(Client()), browser_of(setup.viewers[0])
    slept: list[float] = []

    for browser, who in ((anonymous, contest_rush.VISITOR), (entrant, contest_rush.ENTRANT)):
        made = contest_rush.view_board(
            browser, setup.round_id, random.Random(1), pages=1, who=who, polls=3, sleep=slept.append
        )
        assert made == 4
        polls = 3 * [f"{contest_rush.BOARD_JSON} · {who}"]
        assert browser.names == [f"{contest_rush.BOARD_FIRST} · {who}", *polls]
    assert slept == 6 * [contest_rush.POLL_SECONDS]


def test_the_board_check_tells_a_shown_score_from_a_lost_or_a_leaked_one():
    logs = [contest_rush.ScorerLog(scorer=1, practical=True, theory=True)]
    stored = {10: (80.0, 50.0)}

    shown = contest_rush.check_board(
        logs, {1: 10}, stored, {10: {"practical_percent": 80.0, "theory_percent": 50.0}}, {}, frozen=False
    )
    lost = contest_rush.check_board(
        logs, {1: 10}, stored, {10: {"practical_percent": 80.0, "theory_percent": None}}, {}, frozen=False
    )
    never_stored = contest_rush.check_board(logs, {1: 10}, {}, {}, {}, frozen=False)
    frozen = contest_rush.check_board(
        logs, {1: 10}, stored, {10: {"practical_percent": None}}, {10: (80.0, 50.0)}, frozen=True
    )
    leaked = contest_rush.check_board(
        logs, {1: 10}, stored, {10: {"practical_percent": 80.0}}, {10: (80.0, 50.0)}, frozen=True
    )

    assert (shown.shown, shown.lost) == (2, 0)
    assert (lost.shown, lost.lost) == (1, 1) and "theory" in lost.examples[0]
    assert never_stored.lost == 2  # acknowledged, yet nothing in the database
    assert (frozen.leaked, frozen.lost, frozen.live_shown) == (0, 0, 2)
    assert (leaked.leaked, leaked.lost) == (1, 0)
