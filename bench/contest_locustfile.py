"""Locust users of the skills-competition benchmark; bench/contest_rush.py runs them:

    locust -f bench/contest_locustfile.py --headless -u 904 -r 904 -t 180s --host http://127.0.0.1:8765 \
        ViewerUser ScorerUser BaselineDuringRunUser

The round, its paper and task, the signed-in entrants (session keys made up front by
bench/contest_rush.py) and the pace come from the JSON file named by BENCH_CONTEST_CONFIG.

- ViewerUser: one person on the public scoreboard at a time, then the next (half signed-in
  entrants, half anonymous), each visit ``contest_rush.view_board``;
- ScorerUser: one entrant without a score, who sets to work at their own moment of the window
  (the scorers arrive evenly) and finishes the round once (``contest_rush.finish_round``);
- BoardUser: the scoreboard without waiting (random pages, visitors and entrants in turn): its
  throughput beside BaselineUser's;
- BaselineUser / BaselineDuringRunUser: the baseline page, without waiting / once a second.

What each scorer handed in is written as JSON to the config's ``results`` path when locust
quits, the final figures to BENCH_CONTEST_STATS (bench/locust_common.py's format, plus the
scoreboard's rows merged: "scoreboard pages, all (HTML)", "scoreboard.json, all", and the visits).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from contextlib import suppress
from pathlib import Path

import gevent
from contest_rush import (
    BASELINE,
    BASELINE_NAME,
    BOARD_ALL,
    BOARD_ALL_JSON,
    BOARD_FIRST,
    BOARD_JSON,
    BOARD_LATER,
    ENTRANT,
    POLL_SECONDS,
    VISITOR,
    ScorerLog,
    board_path,
    finish_round,
    view_board,
)
from locust import constant, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.stats import StatsEntry
from locust_common import CookieBrowser, write_final_stats
from workload_flows import Abort

CONFIG = json.loads(Path(os.environ["BENCH_CONTEST_CONFIG"]).read_text(encoding="utf-8"))
SESSION_COOKIE = CONFIG["session_cookie"]
SIGNED = CONFIG["signed"]
SCORERS = CONFIG["scorers"]
LOGS: list[ScorerLog] = []
ENVIRONMENT: list[Environment] = []
VISITS = itertools.count()
STARTED_AT = time.time()
SIGNED_SEEN: set[int] = set()
ANONYMOUS_VISITS = itertools.count()


@events.init.add_listener
def remember(environment: Environment, **_kwargs) -> None:
    ENVIRONMENT.append(environment)


@events.quit.add_listener
def write_results(**_kwargs) -> None:
    """The scorers' records and the final figures, with the scoreboard's rows merged."""
    if LOGS:
        Path(CONFIG["results"]).write_text(
            json.dumps([record.as_json() for record in LOGS]), encoding="utf-8"
        )
    path = os.environ.get("BENCH_CONTEST_STATS")
    environment = ENVIRONMENT[0] if ENVIRONMENT else None
    write_final_stats(environment, path)
    if not path or environment is None or environment.runner is None or not Path(path).exists():
        return
    stats = environment.runner.stats
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for name, prefixes in (
        (BOARD_ALL, (BOARD_FIRST, BOARD_LATER)),
        (BOARD_ALL_JSON, (BOARD_JSON,)),
    ):
        merged = StatsEntry(stats, name, "GET", use_response_times_cache=False)
        for entry in stats.entries.values():
            if entry.name.startswith(prefixes) and not entry.name.startswith(BOARD_ALL):
                merged.extend(entry)
        if merged.num_requests:
            data["entries"].append(
                {
                    "name": name,
                    "requests": merged.num_requests,
                    "failures": merged.num_failures,
                    "rps": merged.total_rps,
                    **{
                        f"p{round(q * 100)}": merged.get_response_time_percentile(q)
                        for q in (0.5, 0.95, 0.99)
                    },
                    "max": merged.max_response_time or 0,
                }
            )
    anonymous = next(ANONYMOUS_VISITS)
    visits = next(VISITS)
    data["extra"] = {"visits": visits, "distinct": len(SIGNED_SEEN) + anonymous}
    Path(path).write_text(json.dumps(data), encoding="utf-8")


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 60.0


class BaselineUser(PortalUser):
    """The baseline page alone, as fast as it comes (bench/locustfile.py's yardstick)."""

    @task
    def loop(self) -> None:
        with suppress(Abort):
            CookieBrowser(self.client, {}, self.environment).request("GET", BASELINE, name=BASELINE_NAME)


class BaselineDuringRunUser(PortalUser):
    """The baseline page once a second during the run: what any request waits for meanwhile."""

    fixed_count = int(CONFIG.get("baseline_users", 0))
    wait_time = constant_pacing(1.0)

    @task
    def loop(self) -> None:
        with suppress(Abort):
            CookieBrowser(self.client, {}, self.environment).request("GET", BASELINE, name=BASELINE_NAME)


def _visitor() -> tuple[dict[str, str], str]:
    """The next person at the board: a signed-in entrant or an anonymous visitor, in turn."""
    number = next(VISITS)
    if number % 2 == 0 and SIGNED:
        index = (number // 2) % len(SIGNED)
        SIGNED_SEEN.add(index)
        return {SESSION_COOKIE: SIGNED[index]}, ENTRANT
    next(ANONYMOUS_VISITS)
    return {}, VISITOR


class BoardUser(PortalUser):
    """The scoreboard without waiting: a random page, a new person each time."""

    @task
    def loop(self) -> None:
        cookies, who = _visitor()
        pages = CONFIG["pages"]
        number = random.randint(1, pages)
        name = f"{BOARD_FIRST if number == 1 else BOARD_LATER} · {who}"
        with suppress(Abort):
            CookieBrowser(self.client, cookies, self.environment).request(
                "GET", board_path(CONFIG["round"], number), name=name, contains='id="board"'
            )


class ViewerUser(PortalUser):
    """One person on the scoreboard for 3–9 polls of its script, then the next person."""

    fixed_count = int(CONFIG.get("viewers", 0))

    def on_start(self) -> None:
        gevent.sleep(random.uniform(0.0, POLL_SECONDS))  # the visitors do not all come in the same second

    @task
    def visit(self) -> None:
        cookies, who = _visitor()
        rng = random.Random()
        try:
            view_board(
                CookieBrowser(self.client, cookies, self.environment),
                CONFIG["round"],
                rng,
                pages=CONFIG["pages"],
                who=who,
                polls=rng.randint(3, 9),
                sleep=gevent.sleep,
            )
        except Abort:
            gevent.sleep(POLL_SECONDS)  # an error ends the visit; the next person comes later
        except Exception as error:  # noqa: BLE001 - a bug of the benchmark: listed as a driver exception
            self.environment.events.user_error.fire(
                user_instance=self, exception=error, tb=error.__traceback__
            )
            gevent.sleep(POLL_SECONDS)


NEXT_SCORER = itertools.count()


class ScorerUser(PortalUser):
    """One entrant without a score, who finishes the round once at their moment of the window."""

    fixed_count = len(SCORERS)

    @task
    def finish(self) -> None:
        number = next(NEXT_SCORER)
        if number < len(SCORERS):
            record = ScorerLog(scorer=number + 1)
            LOGS.append(record)
            gevent.sleep(max(0.0, STARTED_AT + 3.0 + number * CONFIG["window"] / len(SCORERS) - time.time()))
            browser = CookieBrowser(self.client, {SESSION_COOKIE: SCORERS[number]}, self.environment)
            try:
                with suppress(Abort):
                    finish_round(
                        browser,
                        item_set_id=CONFIG["item_set"],
                        exam_id=CONFIG["exam"],
                        rng=random.Random(CONFIG["seed"] * 100_003 + number),
                        record=record,
                        think=tuple(CONFIG["think"]),
                        page_think=tuple(CONFIG["page_think"]),
                        sleep=gevent.sleep,
                    )
            except Exception as error:  # noqa: BLE001 - a bug of the benchmark: listed as a driver exception
                self.environment.events.user_error.fire(
                    user_instance=self, exception=error, tb=error.__traceback__
                )
        gevent.sleep(3600)  # done; one round each
