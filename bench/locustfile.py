"""Locust users for the workload benchmark; bench/workload.py runs them, one class per scenario:

    locust -f bench/locustfile.py --headless -u 40 -r 40 -t 60s --host http://127.0.0.1:8765 LearnerUser

The accounts come from the JSON file named by BENCH_WORKLOAD_CONFIG, which bench/workload.py
writes (signed-in accounts as session keys, made up front: signing 2,000 learners in through the
login form would cost the server ~0.27 CPU-s of password hashing each). The journeys themselves
are in bench/workload_flows.py. Users never wait between requests: the point is throughput with
this many people on the site at once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from contextlib import suppress
from pathlib import Path

import gevent
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust_common import CookieBrowser, write_final_stats
from workload_flows import (
    Abort,
    baseline_loop,
    coordinator_loop,
    learner_loop,
    sign_in,
    sign_up,
    staff_loop,
)

CONFIG = json.loads(Path(os.environ["BENCH_WORKLOAD_CONFIG"]).read_text(encoding="utf-8"))
RNG = random.Random(CONFIG["seed"])  # one process, one gevent loop: users share it safely
SESSION_COOKIE = CONFIG["session_cookie"]


ENVIRONMENT: list[Environment] = []


@events.init.add_listener
def remember(environment: Environment, **_kwargs) -> None:
    ENVIRONMENT.append(environment)


@events.quit.add_listener
def write_stats(**_kwargs) -> None:
    """The final figures, as JSON at BENCH_WORKLOAD_STATS."""
    write_final_stats(ENVIRONMENT[0] if ENVIRONMENT else None, os.environ.get("BENCH_WORKLOAD_STATS"))


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 30.0
    connection_timeout = 30.0


class BaselineUser(PortalUser):
    """The yardstick: a small template through the same server and middleware."""

    @task
    def loop(self) -> None:
        with suppress(Abort):
            baseline_loop(CookieBrowser(self.client, {}))


LEARNERS = [{SESSION_COOKIE: key} for key in CONFIG["learners"]]
NEXT_LEARNER = itertools.count()


class LearnerUser(PortalUser):
    """Each loop is another of the signed-in learners, in turn (their cookies persist)."""

    @task
    def loop(self) -> None:
        cookies = LEARNERS[next(NEXT_LEARNER) % len(LEARNERS)]
        with suppress(Abort):
            learner_loop(CookieBrowser(self.client, cookies), RNG, CONFIG["quiz_share"])


COORDINATORS = [
    ({SESSION_COOKIE: account["session"]}, account["cohort"], account["sessions"])
    for account in CONFIG["coordinators"]
]
NEXT_COORDINATOR = itertools.count()


class CoordinatorUser(PortalUser):
    @task
    def loop(self) -> None:
        cookies, cohort, sessions = COORDINATORS[next(NEXT_COORDINATOR) % len(COORDINATORS)]
        with suppress(Abort):
            coordinator_loop(CookieBrowser(self.client, cookies), RNG, cohort, sessions)


STAFF = [{SESSION_COOKIE: key} for key in CONFIG["staff"]]
NEXT_STAFF = itertools.count()


class StaffUser(PortalUser):
    @task
    def loop(self) -> None:
        cookies = STAFF[next(NEXT_STAFF) % len(STAFF)]
        with suppress(Abort):
            staff_loop(CookieBrowser(self.client, cookies), RNG)


# --- the classroom rush: each locust user is one person, who signs up or in once -----------------

NEXT_PERSON = itertools.count()
FINISHED = itertools.count(1)


class RushUser(PortalUser):
    abstract = True
    people: list[dict] = []

    @task
    def once(self) -> None:
        number = next(NEXT_PERSON)
        if number < len(self.people):
            with suppress(Abort):
                self.act(self.people[number])
        if next(FINISHED) >= len(self.people):  # the whole class is through: end the run now
            gevent.spawn_later(0.2, self.environment.runner.quit)
        gevent.sleep(3600)  # done; the run ends when the last person is (or at its time limit)

    def act(self, person: dict) -> None:
        raise NotImplementedError


class SignupRushUser(RushUser):
    people = CONFIG["signup"]

    def act(self, person: dict) -> None:
        sign_up(CookieBrowser(self.client, {}), RNG, person)


class LoginRushUser(RushUser):
    people = CONFIG["login"]

    def act(self, person: dict) -> None:
        sign_in(CookieBrowser(self.client, {}), person["email"], person["password"])
