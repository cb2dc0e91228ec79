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
import re
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlencode

import gevent
from exam_rush import BASELINE, BASELINE_NAME, LearnerLog, sit_exam
from locust import constant, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser
from locust.env import Environment
from locust.stats import StatsEntry, StatsError
from workload_flows import Abort, Page, judge, local_path

CONFIG = json.loads(Path(os.environ["BENCH_EXAM_CONFIG"]).read_text(encoding="utf-8"))
SESSION_COOKIE = CONFIG["session_cookie"]
LEARNERS = CONFIG["learners"]
LOGS: list[LearnerLog] = []
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
    if not (path := os.environ.get("BENCH_EXAM_STATS")) or not ENVIRONMENT or ENVIRONMENT[0].runner is None:
        return
    runner = ENVIRONMENT[0].runner

    def entry(stats: StatsEntry) -> dict:
        return {
            "name": stats.name,
            "requests": stats.num_requests,
            "failures": stats.num_failures,
            "rps": stats.total_rps,
            **{f"p{round(q * 100)}": stats.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)},
            "max": stats.max_response_time or 0,
        }

    result = {
        "entries": [entry(stats) for stats in runner.stats.entries.values() if stats.num_requests],
        "total": entry(runner.stats.total),
        "errors": [
            [error.name, StatsError.parse_error(error.error), error.occurrences]
            for error in runner.stats.errors.values()
        ],
        "exceptions": [[item["msg"], item["count"]] for item in runner.exceptions.values()],
    }
    Path(path).write_text(json.dumps(result), encoding="utf-8")


class CookieBrowser:
    """One learner's browser: their cookies over the locust user's HTTP client, which times and
    records every request (as in bench/locustfile.py)."""

    def __init__(self, client: FastHttpSession, cookies: dict[str, str], environment: Environment) -> None:
        self.client = client
        self.cookies = cookies
        self.environment = environment

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        data: Sequence[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
        contains: str = "",
        goes_to: re.Pattern[str] | None = None,
        throttled: str = "",
    ) -> Page:
        headers = {"Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(list(data))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method, path, name=name, data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.headers is not None:
                self._keep_cookies(response.headers.get_all("set-cookie") or [])
            page = Page(
                response.status_code,
                local_path(response.headers.get("location", "") if response.headers is not None else ""),
                (response.text or "") if response.status_code else "",
            )
            rename, error = judge(page, expect, contains, goes_to, throttled)
            if rename:
                response.request_meta["name"] = rename
            if error:
                response.failure(error)
                raise Abort(error)
            response.success()
            return page

    def span(self, name: str, milliseconds: float) -> None:
        """A time that spans several requests (start → paper shown), as a row of its own."""
        self.environment.events.request.fire(
            request_type="SPAN", name=name, response_time=milliseconds, response_length=0, exception=None,
            context={},
        )  # fmt: skip

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, _, attributes = header.partition(";")
            key, _, value = pair.strip().partition("=")
            if not value or "max-age=0" in attributes.lower():
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value


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
                with suppress(Abort):
                    sit_exam(
                        browser,
                        CONFIG["exam"],
                        random.Random(CONFIG["seed"] * 100_003 + number),
                        record,
                        think=tuple(CONFIG["think"]),
                        change_share=CONFIG["change_share"],
                        sleep=gevent.sleep,
                        span=browser.span,
                    )
        except Exception as error:  # noqa: BLE001 - a bug of the benchmark: listed as a driver exception
            self.environment.events.user_error.fire(
                user_instance=self, exception=error, tb=error.__traceback__
            )
        finally:
            if next(FINISHED) == len(LEARNERS):  # the last learner is through: end the run now
                gevent.spawn_later(0.5, self.environment.runner.quit)
        gevent.sleep(3600)  # done; one sitting each
