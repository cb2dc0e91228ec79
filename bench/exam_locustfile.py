"""Locust users of the exam rush; bench/exam_rush.py runs them:

    locust -f bench/exam_locustfile.py --headless -u 2004 -r 33.4 --host http://127.0.0.1:8765 \
        ExamLearnerUser BaselineDuringRushUser

The learners, the exam and the think time come from the JSON file named by BENCH_EXAM_CONFIG
(signed-in learners as session keys, made up front by bench/exam_rush.py). Each ExamLearnerUser
is one learner who sits the exam once (``exam_rush.sit_exam``, think time between answers); the
run ends when the last learner is through. What every learner sent and which answers the server
acknowledged is written as JSON to the config's ``answers`` path when locust quits, and the
final figures to BENCH_EXAM_STATS (bench/locustfile.py's format).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from contextlib import suppress
from pathlib import Path

import gevent
from exam_rush import BASELINE, BASELINE_NAME, LearnerLog, sit_exam
from locust import constant, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust_common import CookieBrowser, write_final_stats
from workload_flows import Abort

CONFIG = json.loads(Path(os.environ["BENCH_EXAM_CONFIG"]).read_text(encoding="utf-8"))
SESSION_COOKIE = CONFIG["session_cookie"]
LEARNERS = CONFIG["learners"]
LOGS: list[LearnerLog] = []
# A sitting that opens at a fixed time (exam_rush.py --waiting): when, and over how long the
# learners press Start after it.
OPENS_AT = float(os.environ["BENCH_EXAM_OPENS_AT"]) if os.environ.get("BENCH_EXAM_OPENS_AT") else None
WINDOW = float(os.environ.get("BENCH_EXAM_WINDOW", "60"))
ENVIRONMENT: list[Environment] = []


@events.init.add_listener
def remember(environment: Environment, **_kwargs) -> None:
    ENVIRONMENT.append(environment)


@events.quit.add_listener
def write_results(**_kwargs) -> None:
    """The answers sent (at the config's ``answers`` path) and the final figures (at
    BENCH_EXAM_STATS: locust's CSV files miss the last moments of a run)."""
    if LOGS:
        Path(CONFIG["answers"]).write_text(
            json.dumps([record.as_json() for record in LOGS]), encoding="utf-8"
        )
    write_final_stats(ENVIRONMENT[0] if ENVIRONMENT else None, os.environ.get("BENCH_EXAM_STATS"))


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    # A learner waits this long for an answer, then gives up (an error: "no answer").
    network_timeout = float(CONFIG.get("timeout", 60.0))
    connection_timeout = float(CONFIG.get("timeout", 60.0))


class BaselineUser(PortalUser):
    """The baseline page alone, as fast as it comes (bench/locustfile.py's yardstick)."""

    @task
    def loop(self) -> None:
        with suppress(Abort):
            CookieBrowser(self.client, {}, self.environment).request("GET", BASELINE, name=BASELINE_NAME)


class BaselineDuringRushUser(PortalUser):
    """The baseline page once a second during the rush: what any request waits for meanwhile."""

    fixed_count = int(CONFIG.get("baseline_users", 0))
    wait_time = constant_pacing(1.0)

    @task
    def loop(self) -> None:
        with suppress(Abort):
            CookieBrowser(self.client, {}, self.environment).request("GET", BASELINE, name=BASELINE_NAME)


NEXT_LEARNER = itertools.count()
FINISHED = itertools.count(1)


class ExamLearnerUser(PortalUser):
    """One learner, who sits the exam once; the run ends when every learner is through."""

    @task
    def sit(self) -> None:
        number = next(NEXT_LEARNER)
        try:
            if number < len(LEARNERS):
                record = LearnerLog(learner=number + 1)
                LOGS.append(record)
                browser = CookieBrowser(self.client, {SESSION_COOKIE: LEARNERS[number]}, self.environment)
                rng = random.Random(CONFIG["seed"] * 100_003 + number)
                start_at = None
                if OPENS_AT is not None:  # they wait on the exam's page; each presses Start in the window
                    start_at = OPENS_AT + random.Random(-number).uniform(0.0, WINDOW)
                with suppress(Abort):
                    sit_exam(
                        browser,
                        CONFIG["exam"],
                        rng,
                        record,
                        think=tuple(CONFIG["think"]),
                        change_share=CONFIG["change_share"],
                        sleep=gevent.sleep,
                        span=browser.span,
                        start_at=start_at,
                    )
        except Exception as error:  # noqa: BLE001 - a bug of the benchmark: listed as a driver exception
            self.environment.events.user_error.fire(
                user_instance=self, exception=error, tb=error.__traceback__
            )
        finally:
            if next(FINISHED) == len(LEARNERS):  # the last learner is through: end the run now
                gevent.spawn_later(0.5, self.environment.runner.quit)
        gevent.sleep(3600)  # done; one sitting each
