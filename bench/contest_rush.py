"""The skills-competition benchmark of issue 21: 5,000 entrants in one provincial round, the public
scoreboard read by many people while scores arrive, on the real stack.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/contest_rush.py \
        [--entrants 5000] [--scorers 50] [--viewers 200] [--duration 150] \
        [--frozen-duration 100] [--output bench/RESULTS-contest.md]

Set-up (idempotent, bulk writes): the real divisions (``import_divisions`` when the database has
none), one provincial competition of the province with the most counties, its one round open
now with a theory paper (an exam: 10 questions drawn from a bank, as bench/exam_rush.py makes
it) and a practical task (a text classification item set of 20 items scored against gold),
``--entrants`` individual entrants spread over every county of the province, each enrolled in
the round's course; ``--scored-share`` of them (80 %) have already handed in both (attempts and
runs written in bulk, as if earlier in the round), and the results are rebuilt once. Every run
deletes every attempt and run of the round first, so runs compare.

Then, on gunicorn (4 sync workers, DEBUG off, PostgreSQL, Redis), driven by locust
(bench/contest_locustfile.py):

1. *In-process*: SQL statements, time and CPU per request with Django's test client (CSRF
   enforced): the scoreboard (a cache miss after a rebuild and the usual hit, first and later
   page, a visitor and an entrant, the JSON its script polls), one entrant's whole round
   (practical task, then theory paper) and the baseline page.
2. *Baseline page alone* and *scoreboard alone*: 40 users without waiting, 20 s each: the
   throughput ratio (distinct pages and people, no scores arriving).
3. *Live round*: ``--viewers`` people at once on the scoreboard, each a new visitor in turn
   (half of them signed-in entrants, who also see their own live result; half anonymous): the
   first page or a later one, then the JSON refresh every 20 s as the page's script does, now and
   then the next page, for 1–3 minutes; meanwhile ``--scorers`` entrants without a score arrive
   evenly over ``--window`` seconds and finish their round through the real pages: the labelling
   task (task page → Start → each page's form with a label per item → hand in → result), then
   the theory paper (exactly bench/exam_rush.py's sitting: Start, autosave per question, page
   form, review, submit, result), thinking between answers. The results are rebuilt every
   ``--sweep`` seconds by the task the Celery beat schedule runs every minute
   (``competitions.tasks.rebuild_round_results``, called here in a thread of the driver: its
   time is reported apart). Four users fetch the baseline page once a second all along.
4. *Frozen round*: the scorers' work deleted, the round frozen (its freeze window started a
   minute ago), the same load for ``--frozen-duration`` seconds: the public board must not move.

After each run the results are rebuilt once more (the next sweep) and every page of the public
board is read through the server's JSON: every score an entrant handed in must show there (live
round) or must not (frozen round: it shows in the entrant's live result instead).

The functions above the Django part import neither Django nor locust (the locust file and
tests/test_bench_contest.py use them).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from exam_rush import (  # noqa: E402 - bench/ on the path
    EXAM_PAGE,
    PAGE_POST,
    PAPER,
    RESULT_PAGE,
    REVIEW_PAGE,
    SAVE,
    START,
    SUBMIT,
    LearnerLog,
    Row,
    _cpu,
    _ratio,
    locust_stats,
    ms,
    sit_exam,
)
from workload_flows import Abort, Browser, require_form  # noqa: E402

COMPETITION_TITLE = "压测 全省人工智能数据标注技能大赛"
COURSE_SLUG = "bench-contest-course"
ITEM_SET_TITLE = "压测 省赛实操：评论情感分类"
EMAIL_PREFIX = "bench-contest-"
EMAIL_DOMAIN = "bench.example.com"  # bench/workload.py's
PASSWORD = "bench-password"  # noqa: S105 - the benchmark's own accounts (bench/workload.py's)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = "小明丽华建国秀英志强桂兰海燕春梅红霞玉兰文静俊杰晓东佳怡子涵雨欣浩然梓萱一诺宇轩"
LABELS = ["正面", "负面", "中性"]
REVIEWS = ("口感很好，还会回购", "包装破损，很失望", "还行吧")
ITEMS = 20  # two pages of ten (text classification)
PAGE_SIZE = 100  # competitions.selectors.SCOREBOARD_PAGE_SIZE
BASELINE = "/bench/baseline/"
BASELINE_NAME = "baseline page"
POLL_SECONDS = 20.0  # static/js/competitions-scoreboard.js
EXAM_MAX = 22  # exam_rush's blueprint: 5×2 + 2×4 + 2×1 + 1×2 points

RUN = re.compile(r"^/practice/runs/\d+/$")
RUN_NEXT = re.compile(r"^/practice/runs/\d+/\?page=\d+$")
RUN_RESULT = re.compile(r"^/practice/runs/\d+/result/$")
_DATA_URL = re.compile(r'id="board"[^>]*data-url="([^"]+)"')

# Names of the requests in the tables.
BOARD_FIRST, BOARD_LATER, BOARD_JSON = "scoreboard, first page", "scoreboard, later page", "scoreboard.json"
VISITOR, ENTRANT = "visitor", "entrant"
TASK_PAGE, RUN_START, RUN_PAGE = "task page", "start run (POST)", "run page"
RUN_POST, HAND_IN, RUN_RESULT_PAGE = "run page form (POST)", "hand in run (POST)", "run result"
BOARD_ALL = "scoreboard pages, all (HTML)"
BOARD_ALL_JSON = "scoreboard.json, all"
ORDER = (
    BOARD_ALL,
    *(f"{name} · {who}" for name in (BOARD_FIRST, BOARD_LATER) for who in (VISITOR, ENTRANT)),
    BOARD_ALL_JSON,
    *(f"{BOARD_JSON} · {who}" for who in (VISITOR, ENTRANT)),
    TASK_PAGE,
    RUN_START,
    RUN_PAGE,
    RUN_POST,
    HAND_IN,
    RUN_RESULT_PAGE,
    EXAM_PAGE,
    START,
    PAPER,
    SAVE,
    PAGE_POST,
    REVIEW_PAGE,
    SUBMIT,
    RESULT_PAGE,
    BASELINE_NAME,
)


def log(message: str) -> None:
    print(message, flush=True)


def board_path(round_id: int, page: int = 1) -> str:
    return f"/competitions/rounds/{round_id}/scoreboard/" + (f"?page={page}" if page > 1 else "")


# --- the journeys ----------------------------------------------------------------------------------


@dataclass
class ScorerLog:
    """What one entrant handed in and whether the server acknowledged it."""

    scorer: int
    run: int | None = None
    practical: bool = False  # the hand-in POST answered with the run's result
    attempt: int | None = None
    theory: bool = False  # the exam's submit answered with its result
    started: float = 0.0
    finished: float = 0.0

    def as_json(self) -> dict:
        return asdict(self)


def finish_round(
    browser: Browser,
    *,
    item_set_id: int,
    exam_id: int,
    rng: random.Random,
    record: ScorerLog,
    think: tuple[float, float] = (0.0, 0.0),
    page_think: tuple[float, float] = (0.0, 0.0),
    sleep: Callable[[float], Any] = lambda seconds: None,
) -> None:
    """One entrant does the round's work through its pages: the labelling task (its page → Start
    → each page's form, one label per item chosen as a person would by reading it, thinking
    ``page_think`` per page → hand in on the last page → the score), then the theory paper
    (bench/exam_rush.py's sitting, ``think`` per question). Raises Abort on an unexpected answer
    (recorded by the browser)."""
    record.started = time.time()
    set_path = f"/practice/sets/{item_set_id}/"
    page = browser.request("GET", set_path, name=TASK_PAGE, contains=f"/practice/sets/{item_set_id}/start/")
    start = require_form(page, set_path, f"/practice/sets/{item_set_id}/start/")
    started = browser.request(
        "POST", start.action, name=RUN_START, data=start.data(), expect=(302,), goes_to=RUN
    )
    record.run = int(started.location.rstrip("/").rsplit("/", 1)[1])
    path = started.location
    run_page = browser.request("GET", path, name=RUN_PAGE, contains="practice-run")
    while True:
        form = require_form(run_page, path, "practice-run")
        sleep(rng.uniform(*page_think))
        data = list(form.values.items())
        data += [(name, rng.choice(labels)) for name, labels in form.choices.items()]
        last = 'name="next"' not in run_page.text
        data.append(("submit" if last else "next", "1"))
        moved = browser.request(
            "POST",
            form.action,
            name=HAND_IN if last else RUN_POST,
            data=data,
            expect=(302,),
            goes_to=RUN_RESULT if last else RUN_NEXT,
        )
        if last:
            record.practical = True
            break
        path = moved.location
        run_page = browser.request("GET", path, name=RUN_PAGE, contains="practice-run")
    browser.request("GET", moved.location, name=RUN_RESULT_PAGE)
    sitting = LearnerLog(learner=record.scorer)
    try:
        sit_exam(browser, exam_id, rng, sitting, think=think, sleep=sleep)
    finally:
        record.attempt = sitting.attempt
        record.theory = sitting.finished
        record.finished = time.time()


def refresh_url(text: str) -> str:
    """The address the scoreboard page's script polls (its table's ``data-url``)."""
    match = _DATA_URL.search(text)
    if not match:
        raise LookupError("no refresh address (data-url) on the scoreboard page")
    return html.unescape(match.group(1))


def view_board(
    browser: Browser,
    round_id: int,
    rng: random.Random,
    *,
    pages: int,
    who: str,
    polls: int,
    next_share: float = 0.15,
    sleep: Callable[[float], Any] = lambda seconds: None,
) -> int:
    """One visit to the public scoreboard: the first page (six in ten) or a later one, then
    ``polls`` times, 20 s apart as the page's script does, its JSON; now and then
    (``next_share``) the visitor follows the next-page link instead. Returns the requests made."""
    number = 1 if rng.random() < 0.6 or pages < 2 else rng.randint(2, pages)
    requests = 1
    page = browser.request(
        "GET",
        board_path(round_id, number),
        name=f"{BOARD_FIRST if number == 1 else BOARD_LATER} · {who}",
        contains='id="board"',
    )
    url = refresh_url(page.text)
    for _poll in range(polls):
        sleep(POLL_SECONDS)
        requests += 1
        if number < pages and rng.random() < next_share:
            number += 1
            page = browser.request(
                "GET", board_path(round_id, number), name=f"{BOARD_LATER} · {who}", contains='id="board"'
            )
            url = refresh_url(page.text)
        else:
            browser.request("GET", url, name=f"{BOARD_JSON} · {who}", contains='"version"')
    return requests


# --- the report (plain data) ------------------------------------------------------------------------


@dataclass
class Run:
    rows: dict[str, Row]
    errors: list[tuple[str, str, int]]
    exceptions: list[tuple[str, int]]
    cpu: dict[str, float]
    seconds: float
    extra: dict = field(default_factory=dict)  # what the locust file counted (visits…)


@dataclass
class Sweep:
    at: float  # seconds into the run
    seconds: float
    cpu_seconds: float
    queries: int
    rows: int
    version: int
    on_board: int  # live rows with a theory score after it


@dataclass
class BoardCheck:
    scorers: int = 0
    practical_acknowledged: int = 0
    theory_acknowledged: int = 0
    practical_stored: int = 0  # runs of the scorers submitted in the database
    theory_stored: int = 0
    shown: int = 0  # of the stored scores, shown on the public board as stored
    live_shown: int = 0  # of the stored scores, in the entrant's live result as stored
    lost: int = 0  # acknowledged (or stored) but not shown where it should be
    leaked: int = 0  # frozen round: a score handed in after the freeze shown on the public board
    board_rows: int = 0
    board_pages: int = 0
    late: int = 0  # handed in after the server went idle and the last sweep began (never expected)
    examples: list[str] = field(default_factory=list)


def check_board(
    logs: list[ScorerLog],
    entry_of: dict[int, int],
    stored: dict[int, tuple[float | None, float | None]],
    board: dict[int, dict],
    live: dict[int, tuple[float | None, float | None]],
    *,
    frozen: bool,
) -> BoardCheck:
    """Every score a scorer handed in (acknowledged by the server, or stored in the database) must
    show on the public board as stored (live round), or must not show there but in the entrant's
    live result (frozen round). ``entry_of``: {scorer: entry id}; ``stored``: {entry: (practical,
    theory)} from the database; ``board``: {entry: row} read from the public board; ``live``:
    {entry: (practical, theory)} of the live results."""
    check = BoardCheck(scorers=len(logs))
    for record in logs:
        entry = entry_of[record.scorer]
        practical, theory = stored.get(entry, (None, None))
        check.practical_acknowledged += record.practical
        check.theory_acknowledged += record.theory
        row = board.get(entry, {})
        for what, acknowledged, value, key, index in (
            ("practical", record.practical, practical, "practical_percent", 0),
            ("theory", record.theory, theory, "theory_percent", 1),
        ):
            if value is None:
                if acknowledged:
                    check.lost += 1
                    _example(check, f"scorer {record.scorer}: {what} acknowledged but not stored")
                continue
            if what == "practical":
                check.practical_stored += 1
            else:
                check.theory_stored += 1
            in_live = live.get(entry, (None, None))[index] == value
            check.live_shown += in_live
            if frozen:
                if row.get(key) is not None:
                    check.leaked += 1
                    _example(check, f"scorer {record.scorer}: {what} {row.get(key)} on the frozen board")
                if not in_live:
                    check.lost += 1
                    _example(check, f"scorer {record.scorer}: {what} {value} not in the live result")
            elif row.get(key) == value:
                check.shown += 1
            else:
                check.lost += 1
                _example(
                    check, f"scorer {record.scorer}: {what} stored {value}, board shows {row.get(key)!r}"
                )
    return check


def _example(check: BoardCheck, text: str) -> None:
    if len(check.examples) < 5:
        check.examples.append(text)


# --- Django from here on: set up by main() with bench/server.py's production settings -------------


def templates_first(directory: Path) -> None:
    """Make the server (a settings module written next to the collected static files, on the
    server's path) and this process look up templates in ``directory`` first."""
    shim = Path(tempfile.mkdtemp(prefix="talentportal-contest-settings-"))
    (shim / "contest_settings.py").write_text(
        "from talentportal.settings import *  # noqa: F403\n"
        f"TEMPLATES[0]['DIRS'] = [{str(directory)!r}, *TEMPLATES[0]['DIRS']]  # noqa: F405\n",
        encoding="utf-8",
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "contest_settings"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(shim), str(ROOT), os.environ.get("PYTHONPATH")])
    )
    sys.path.insert(0, str(shim))


def load_django():
    """bench/workload.py (which imports bench/server.py, setting the production environment,
    then sets Django up): its account, session, CPU and log helpers."""
    import workload

    return workload


DIVISIONS = Path(os.environ.get("TALENTPORTAL_SHARED_DATA", ROOT.parent / "shared" / "data")) / "divisions"


@dataclass
class Setup:
    round_id: int
    exam_id: int
    item_set_id: int
    entrants: list[int]  # user ids, in order
    scorers: list[int]  # user ids without a score, who finish their round during the run
    viewers: list[int]  # user ids of entrants who look at the board signed in
    probe: int  # one more entrant for the in-process count
    entry_of: dict[int, int]  # user id → entry id
    counties: int
    province: str


def prepare(entrants: int, scored_share: float, scorers: int, viewers: int, rng: random.Random) -> Setup:
    """The competition, its round, the entrants and the scores already in (see the module's
    docstring). Idempotent; every attempt at the round's paper and run of its task deleted and
    the scores already in written again, so that runs compare."""
    import io
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count, F
    from django.utils import timezone
    from exam_rush import _exam

    from competitions.models import Competition, Entry, EntryMember, Round, RoundEntry, Tier
    from competitions.services import round_results_rebuild
    from counties.models import County, LearnerProfile, Province
    from courses.models import Course, Track
    from enrollment.models import Enrollment
    from exams.models import ExamAttempt
    from practice.models import Item, ItemSet
    from practice.models import Run as PracticeRun

    call_command("migrate", "--noinput", verbosity=0)
    if not County.objects.exists():
        if DIVISIONS.exists():
            call_command("import_divisions", str(DIVISIONS), stdout=io.StringIO())
        else:  # no data at hand: a province of a few counties
            province = Province.objects.create(code="33", name="浙江省")
            for n in range(1, 21):
                County.objects.create(code=f"3301{n:02d}", name=f"测试县{n}", province=province)
    province_id = (
        County.objects.values("province_id")
        .annotate(n=Count("code"))
        .order_by("-n", "province_id")
        .values_list("province_id", flat=True)
        .first()
    )
    province = Province.objects.get(pk=province_id)
    counties = list(County.objects.filter(province=province).order_by("code").values_list("code", flat=True))
    now = timezone.now()
    track, _new = Track.objects.get_or_create(slug="bench-contest", defaults={"name": "人工智能数据标注"})
    course, _new = Course.objects.get_or_create(
        slug=COURSE_SLUG,
        defaults={
            "track": track,
            "title": "人工智能数据标注（省赛）",
            "summary": "省赛的理论卷和实操赛题",
            "status": Course.Status.PUBLISHED,
            "published_at": now,
        },
    )
    item_set, created = ItemSet.objects.get_or_create(
        course=course,
        title=ITEM_SET_TITLE,
        defaults={"task": ItemSet.Task.TEXT_CLASS, "labels": LABELS, "published": True, "min_score": 60},
    )
    if created:
        Item.objects.bulk_create(
            Item(
                item_set=item_set,
                order=n + 1,
                text=f"第{n + 1}条评论：这款农产品{REVIEWS[n % 3]}。",
                gold={"labels": [LABELS[n % 3]]},
            )
            for n in range(ITEMS)
        )
    exam = _exam(course, now)  # published, open from an hour ago for three hours
    competition, _new = Competition.objects.get_or_create(
        title=COMPETITION_TITLE,
        defaults={
            "track": track,
            "province": province,
            "description": "压测用的省赛：实操准确率优先，其次用时，理论成绩作为并列时的依据。",
            "registration_opens_at": now - timedelta(days=10),
            "registration_closes_at": now - timedelta(days=1),
        },
    )
    round, _new = Round.objects.get_or_create(
        competition=competition,
        tier=Tier.PROVINCE,
        province=province,
        defaults={"opens_at": exam.opens_at, "closes_at": exam.closes_at},
    )
    # Every run: open now as the paper is, never frozen (the frozen run sets its window later).
    Round.objects.filter(pk=round.pk).update(
        opens_at=exam.opens_at,
        closes_at=exam.closes_at,
        freeze_minutes=0,
        revealed_at=None,
        exam=exam,
        item_set=item_set,
        rule=Round.Rule.PRACTICAL_FIRST,
    )
    emails = [f"{EMAIL_PREFIX}{n:05d}@{EMAIL_DOMAIN}" for n in range(1, entrants + 2)]
    users = _ensure_users(emails, rng)
    ids = [users[email] for email in emails]
    county_of = {pk: counties[n % len(counties)] for n, pk in enumerate(ids)}
    LearnerProfile.objects.bulk_create(
        (
            LearnerProfile(user_id=pk, county_id=county, school="县职业学校")
            for pk, county in county_of.items()
        ),
        ignore_conflicts=True,
    )
    entries = dict(Entry.objects.filter(competition=competition).values_list("captain_id", "pk"))
    Entry.objects.bulk_create(
        Entry(competition=competition, captain_id=pk, county_id=county_of[pk])
        for pk in ids
        if pk not in entries
    )
    entries = dict(Entry.objects.filter(competition=competition).values_list("captain_id", "pk"))
    EntryMember.objects.bulk_create(
        (
            EntryMember(entry_id=entries[pk], competition=competition, learner_id=pk, accepted_at=now)
            for pk in ids
        ),
        ignore_conflicts=True,
    )
    RoundEntry.objects.bulk_create(
        (RoundEntry(round=round, entry_id=entries[pk]) for pk in ids), ignore_conflicts=True
    )
    Enrollment.objects.bulk_create(
        (Enrollment(learner_id=pk, course=course, county_id=county_of[pk], status="active") for pk in ids),
        ignore_conflicts=True,
    )
    Enrollment.objects.filter(course=course, learner_id__in=ids).update(
        status="active", completed_at=None, withdrawn_at=None
    )
    enrollment_of = dict(
        Enrollment.objects.filter(course=course, learner_id__in=ids).values_list("learner_id", "pk")
    )
    entrant_ids, probe = ids[:-1], ids[-1]
    scored = entrant_ids[: int(len(entrant_ids) * scored_share)]
    unscored = entrant_ids[len(scored) :]
    with transaction.atomic():
        ExamAttempt.objects.filter(exam=exam).delete()  # papers and events go with them
        PracticeRun.objects.filter(item_set=item_set).delete()  # answers go with them
        attempts, runs = [], []
        for pk in scored:
            started = now - timedelta(seconds=rng.randint(900, 3000))
            attempts.append(
                ExamAttempt(
                    exam=exam,
                    enrollment_id=enrollment_of[pk],
                    number=1,
                    started_at=started,
                    deadline=started + timedelta(minutes=30),
                    submitted_at=started + timedelta(seconds=rng.randint(400, 850)),
                    score=rng.randint(4, EXAM_MAX),
                    max_score=EXAM_MAX,
                )
            )
            score = rng.randint(40, 100)
            runs.append(
                PracticeRun(
                    enrollment_id=enrollment_of[pk],
                    item_set=item_set,
                    submitted_at=now - timedelta(seconds=rng.randint(60, 2000)),
                    score=score,
                    passed=score >= 60,
                    metrics={"answered": ITEMS, "items": ITEMS},
                )
            )
        ExamAttempt.objects.bulk_create(attempts, batch_size=2000)
        PracticeRun.objects.bulk_create(runs, batch_size=2000)
        # started_at is auto_now_add: each run took 4–19 minutes (ten groups, so times differ).
        for group in range(10):
            PracticeRun.objects.filter(
                item_set=item_set, enrollment_id__in=[enrollment_of[pk] for pk in scored[group::10]]
            ).update(started_at=F("submitted_at") - timedelta(seconds=240 + 90 * group + group % 7))
    round.refresh_from_db()
    round_results_rebuild(round=round)
    return Setup(
        round_id=round.pk,
        exam_id=exam.pk,
        item_set_id=item_set.pk,
        entrants=entrant_ids,
        scorers=unscored[:scorers],
        viewers=scored[:viewers],
        probe=probe,
        entry_of={pk: entries[pk] for pk in ids},
        counties=len(counties),
        province=province.name,
    )


def _ensure_users(emails: list[str], rng: random.Random) -> dict[str, int]:
    """{email: id}, creating the missing accounts in bulk (one password hash for all, the
    workload's ``bench-password``; a Chinese name each, which the board shows masked)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User

    found = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    missing = [email for email in emails if email not in found]
    password, now = make_password(PASSWORD), timezone.now()
    User.objects.bulk_create(
        (
            User(
                email=email,
                name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                password=password,
                privacy_consent_at=now,
            )
            for email in missing
        ),
        batch_size=2000,
    )
    if missing:
        found.update(User.objects.filter(email__in=missing).values_list("email", "pk"))
    return found


def scorers_reset(setup: Setup) -> None:
    """The scorers' (and the probe's) attempts and runs deleted, the results rebuilt."""
    from competitions.models import Round
    from competitions.services import round_results_rebuild
    from exams.models import ExamAttempt
    from practice.models import Run as PracticeRun

    learners = [*setup.scorers, setup.probe]
    ExamAttempt.objects.filter(exam_id=setup.exam_id, enrollment__learner_id__in=learners).delete()
    PracticeRun.objects.filter(item_set_id=setup.item_set_id, enrollment__learner_id__in=learners).delete()
    round_results_rebuild(round=Round.objects.get(pk=setup.round_id))


def freeze(setup: Setup) -> None:
    """The round's freeze window started a minute or two ago and lasts until it ends."""
    import math

    from django.utils import timezone

    from competitions.models import Round
    from competitions.services import round_results_rebuild

    round = Round.objects.get(pk=setup.round_id)
    minutes = math.ceil((round.closes_at - timezone.now()).total_seconds() / 60) + 1
    Round.objects.filter(pk=round.pk).update(freeze_minutes=minutes)
    round.refresh_from_db()
    round_results_rebuild(round=round)


# --- SQL and time per request, in-process ------------------------------------------------------------


def probe(
    setup: Setup, rounds: int, seed: int
) -> tuple[dict[str, str], dict[str, tuple[float, float]], list[str]]:
    """SQL statements and median (wall ms, CPU ms of this process) per request, in-process with
    Django's test client: the scoreboard as visitors and entrants see it (a cache miss right
    after a rebuild, then hits), the probe entrant's whole round (``rounds`` times, their work
    deleted before each) and the baseline page."""
    import statistics

    from django.conf import settings
    from django.db.models import F
    from workload import InProcessBrowser, sessions_for

    from competitions.models import Round
    from exams.models import ExamAttempt
    from practice.models import Run as PracticeRun

    times: dict[str, list[tuple[float, float]]] = {}

    class TimedBrowser(InProcessBrowser):
        def request(self, method: str, path: str, **kwargs):
            began, cpu = time.perf_counter(), time.process_time()
            try:
                return super().request(method, path, **kwargs)
            finally:
                spent = ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000)
                times.setdefault(kwargs["name"], []).append(spent)

    errors: list[str] = []
    seen: dict[str, set[int]] = {}
    cookie = settings.SESSION_COOKIE_NAME
    entrant = TimedBrowser({cookie: sessions_for([setup.viewers[0]])[0]})
    visitor = TimedBrowser({})
    round = Round.objects.get(pk=setup.round_id)
    pages = max(1, -(-len(setup.entrants) // PAGE_SIZE))
    miss = f"{BOARD_FIRST} · {VISITOR}, cache miss"
    miss_later = f"{BOARD_LATER} · {VISITOR}, cache miss"
    for n in range(rounds * 5 + 1):
        # A rebuild moves the version on, and every cache keyed by it misses: the first visitor
        # after it reads the database (and renders the rows).
        Round.objects.filter(pk=round.pk).update(
            results_version=F("results_version") + 1,
            live_version=F("live_version") + 1,
            frozen_version=F("frozen_version") + 1,
        )
        with suppress(Abort):
            visitor.request("GET", board_path(round.pk), name=miss, contains='id="board"')
            visitor.request(
                "GET", board_path(round.pk), name=f"{BOARD_FIRST} · {VISITOR}", contains='id="board"'
            )
            later = board_path(round.pk, 2 + n % max(1, pages - 1))
            visitor.request("GET", later, name=miss_later, contains='id="board"')
            visitor.request("GET", later, name=f"{BOARD_LATER} · {VISITOR}", contains='id="board"')
            page = entrant.request(
                "GET", board_path(round.pk), name=f"{BOARD_FIRST} · {ENTRANT}", contains='id="board"'
            )
            entrant.request("GET", later, name=f"{BOARD_LATER} · {ENTRANT}", contains='id="board"')
            url = refresh_url(page.text)
            visitor.request("GET", url, name=f"{BOARD_JSON} · {VISITOR}", contains='"version"')
            entrant.request("GET", url, name=f"{BOARD_JSON} · {ENTRANT}", contains='"version"')
        if n == 0:
            times.clear()  # the first round warms up
    errors += visitor.errors + entrant.errors
    scorer = TimedBrowser({cookie: sessions_for([setup.probe])[0]})
    for n in range(rounds + 1):
        ExamAttempt.objects.filter(exam_id=setup.exam_id, enrollment__learner_id=setup.probe).delete()
        PracticeRun.objects.filter(item_set_id=setup.item_set_id, enrollment__learner_id=setup.probe).delete()
        scorer.errors = []
        with suppress(Abort):
            finish_round(
                scorer,
                item_set_id=setup.item_set_id,
                exam_id=setup.exam_id,
                rng=random.Random(seed + n),
                record=ScorerLog(scorer=0),
            )
        errors += scorer.errors
        if n == 0:
            for name in list(times):
                if not name.startswith("scoreboard"):
                    del times[name]
    ExamAttempt.objects.filter(exam_id=setup.exam_id, enrollment__learner_id=setup.probe).delete()
    PracticeRun.objects.filter(item_set_id=setup.item_set_id, enrollment__learner_id=setup.probe).delete()
    baseline = TimedBrowser({})
    for _n in range(rounds * 5 + 1):
        baseline.request("GET", BASELINE, name=BASELINE_NAME)
    times[BASELINE_NAME] = times[BASELINE_NAME][1:]
    for browser in (visitor, entrant, scorer, baseline):
        for name, counts in browser.queries.items():
            seen.setdefault(name, set()).update(counts)
    medians = {
        name: (statistics.median(w for w, _c in values), statistics.median(c for _w, c in values))
        for name, values in times.items()
    }
    return {name: " / ".join(map(str, sorted(counts))) for name, counts in seen.items()}, medians, errors


# --- the results rebuilt while the run goes on -----------------------------------------------------


class Sweeper(threading.Thread):
    """The beat's sweep, every ``every`` seconds: the rebuild task of the round (what a Celery
    worker runs), timed, with its SQL statements counted, and how many live results carry a
    theory score after it."""

    def __init__(self, round_id: int, every: float) -> None:
        super().__init__(daemon=True)
        self.round_id, self.every = round_id, every
        self.sweeps: list[Sweep] = []
        self.stop = threading.Event()
        self.began = time.monotonic()
        self.failure = ""

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(self.every):
                self.sweeps.append(sweep_once(self.round_id, time.monotonic() - self.began))
        except Exception as error:  # noqa: BLE001 - reported, never silent
            self.failure = repr(error)
        finally:
            connection.close()


def sweep_once(round_id: int, at: float) -> Sweep:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions.models import Round, RoundResult
    from competitions.tasks import rebuild_round_results

    began, cpu = time.perf_counter(), time.thread_time()
    with CaptureQueriesContext(connection) as captured:
        rows = rebuild_round_results(round_id)
    seconds, cpu_seconds = time.perf_counter() - began, time.thread_time() - cpu
    version = Round.objects.filter(pk=round_id).values_list("results_version", flat=True).first() or 0
    on_board = RoundResult.objects.filter(
        round_id=round_id, view=RoundResult.View.LIVE, theory_percent__isnull=False
    ).count()
    return Sweep(at, seconds, cpu_seconds, len(captured), rows, version, on_board)


def arrival_window(window: int, duration: int) -> int:
    """Seconds over which the scorers arrive: early enough to finish within the run (the work
    takes about a minute)."""
    return max(10, min(window, duration - 80))


# --- running locust ----------------------------------------------------------------------------------


def run_locust(
    user_classes: list[str],
    users: int,
    limit: int,
    env: dict[str, str],
    work: Path,
    key: str,
    roots: dict[str, int],
) -> Run:
    """One locust run of ``user_classes`` (bench/contest_locustfile.py) for ``limit`` seconds,
    every user started within a few seconds; CPU sampled every half second."""
    import workload

    stats = work / f"{key}.json"
    command = [
        sys.executable, "-m", "locust", "-f", str(BENCH / "contest_locustfile.py"), "--headless",
        "-u", str(users), "-r", str(max(50, users)), "-t", f"{limit}s", "--host", workload.HOST,
        "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "0", "--exit-code-on-error", "0",
        *user_classes,
    ]  # fmt: skip
    env = {**os.environ, **env, "BENCH_CONTEST_STATS": str(stats)}
    snapshots: list[Any] = []
    with open(work / f"{key}.locust.log", "w") as output:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        while process.poll() is None:
            if time.monotonic() - started >= 3.0:
                snapshot = workload.cpu_snapshot()
                if process.pid in snapshot[0]:
                    snapshots.append(snapshot)
            time.sleep(0.5)
        seconds = time.monotonic() - started
    if process.returncode or not stats.exists():
        sys.exit(f"locust failed for {key}: see {work / (key + '.locust.log')}")
    groups = {**roots, "locust": process.pid}
    cpu = workload.cpu_shares(snapshots[0], snapshots[-1], groups) if len(snapshots) > 1 else {}
    data = json.loads(stats.read_text(encoding="utf-8"))
    rows, errors, exceptions = locust_stats(data)
    return Run(rows, errors, exceptions, cpu, seconds, data.get("extra", {}))


# --- after a run: what the public board shows -------------------------------------------------------


def read_board(round_id: int) -> tuple[dict[int, dict], int]:
    """Every row of the public board, read page by page through the server's JSON (as anyone
    may): ({entry id: row}, pages)."""
    import urllib.request

    import workload

    rows: dict[int, dict] = {}
    page, pages = 1, 1
    while page <= pages:
        url = f"{workload.HOST}/competitions/rounds/{round_id}/scoreboard.json?page={page}"
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - our own loopback server
            data = json.loads(answer.read())
        pages = data["pages"]
        rows.update({row["entry_id"]: row for row in data["rows"]})
        page += 1
    return rows, pages


def board_check(setup: Setup, logs: list[ScorerLog], *, frozen: bool) -> BoardCheck:
    """After the run: the next sweep, then the public board against the database (see
    ``check_board``)."""
    from django.utils import timezone

    from competitions.models import RoundResult
    from competitions.services import round_half
    from exams.models import ExamAttempt
    from practice.models import Run as PracticeRun

    wait_until_idle()
    cutoff = timezone.now()
    sweep_once(setup.round_id, 0.0)
    scorer_ids = {n + 1: pk for n, pk in enumerate(setup.scorers)}
    entry_of = {number: setup.entry_of[pk] for number, pk in scorer_ids.items()}
    by_learner = {pk: setup.entry_of[pk] for pk in setup.scorers}
    stored: dict[int, list[float | None]] = {}
    for learner, score in (
        PracticeRun.objects.filter(
            item_set_id=setup.item_set_id,
            enrollment__learner_id__in=setup.scorers,
            submitted_at__lt=cutoff,
        )
        .order_by("-submitted_at")
        .values_list("enrollment__learner_id", "score")
    ):
        stored.setdefault(by_learner[learner], [None, None])[0] = round_half(float(score or 0))
    for learner, score, maximum in (
        ExamAttempt.objects.filter(
            exam_id=setup.exam_id, enrollment__learner_id__in=setup.scorers, submitted_at__lt=cutoff
        )
        .order_by("-submitted_at")
        .values_list("enrollment__learner_id", "score", "max_score")
    ):
        stored.setdefault(by_learner[learner], [None, None])[1] = round_half(100 * (score or 0) / maximum)
    live = {
        entry: (practical, theory)
        for entry, practical, theory in RoundResult.objects.filter(
            round_id=setup.round_id, view=RoundResult.View.LIVE, entry_id__in=list(by_learner.values())
        ).values_list("entry_id", "practical_percent", "theory_percent")
    }
    board, pages = read_board(setup.round_id)
    check = check_board(
        logs,
        entry_of,
        {entry: (values[0], values[1]) for entry, values in stored.items()},
        board,
        live,
        frozen=frozen,
    )
    check.board_rows, check.board_pages = len(board), pages
    check.late = (
        PracticeRun.objects.filter(
            item_set_id=setup.item_set_id, enrollment__learner_id__in=setup.scorers, submitted_at__gte=cutoff
        ).count()
        + ExamAttempt.objects.filter(
            exam_id=setup.exam_id, enrollment__learner_id__in=setup.scorers, submitted_at__gte=cutoff
        ).count()
    )
    return check


def wait_until_idle(limit: float = 180.0) -> float:
    """Wait until the server has answered the requests still queued when locust stopped (the
    baseline page answers within half a second): the last sweep must come after every hand-in.
    Returns the seconds waited."""
    import urllib.request

    import workload

    began = time.monotonic()
    while time.monotonic() - began < limit:
        sent = time.perf_counter()
        with suppress(OSError):
            urllib.request.urlopen(workload.HOST + BASELINE, timeout=60).read()  # noqa: S310 - loopback
            if time.perf_counter() - sent < 0.5:
                break
        time.sleep(1.0)
    return time.monotonic() - began


# --- the report ------------------------------------------------------------------------------------


def _row_cells(row: Row | None, seconds: float) -> list[str]:
    if row is None:
        return ["—"] * 7
    return [
        f"{row.requests:,}",
        f"{row.requests / seconds:.1f}" if seconds else "—",
        ms(row.p50),
        ms(row.p95),
        ms(row.p99),
        ms(row.max),
        f"{row.failures:,}",
    ]


def _cpu_cost(run: Run) -> float:
    """Server CPU (gunicorn + PostgreSQL + Redis) milliseconds per request over a run."""
    requests = sum(row.requests for name, row in run.rows.items() if name not in (BOARD_ALL, BOARD_ALL_JSON))
    share = sum(max(0.0, run.cpu.get(group, 0.0)) for group in ("gunicorn", "postgres", "redis")) / 100
    return share * (os.cpu_count() or 1) * run.seconds * 1000 / requests if requests else 0.0


@dataclass
class Phase:
    title: str
    run: Run
    sweeps: list[Sweep]
    check: BoardCheck
    logs: list[ScorerLog]
    sweep_failure: str = ""


def report(
    args: argparse.Namespace,
    setup: Setup,
    data: str,
    alone: Run,
    board_alone: Run,
    phases: list[Phase],
    queries: dict[str, str],
    timings: dict[str, tuple[float, float]],
    probe_errors: list[str],
    problems: list,
    log_path: Path,
) -> str:
    import workload

    base_alone = alone.rows.get(BASELINE_NAME)
    board_all = board_alone.rows.get(BOARD_ALL)
    lines = [
        f"# Skills competition: {len(setup.entrants):,} entrants in one provincial round, the scoreboard "
        "while scores arrive",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {workload.machine()} (what else ran: *other* and *idle* in the CPU table)",
        f"- Data: {data}",
        f"- Round: one provincial round of {setup.province} ({setup.counties} counties), "
        f"{len(setup.entrants):,} individual entrants spread over all of them, open now; theory paper: "
        "10 questions drawn from a bank of 100 (bench/exam_rush.py's), practical task: 20 texts to "
        "classify (two pages of ten); scoring rule: practical accuracy, then time, then theory; "
        f"{args.scored_share:.0%} of the entrants had handed in both before the run (written in bulk), "
        f"so the board has {len(setup.entrants) // PAGE_SIZE} pages of {PAGE_SIZE}",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG off, whitenoise, PostgreSQL, Redis "
        "(cache cleared before the runs)",
        f"- Load (locust, FastHttpUser, one process on the same machine): {args.viewers} people on the "
        "scoreboard at once, each a new visitor in turn (half of them signed-in entrants, who also see "
        "their own live result, half anonymous): the first page (6 in 10) or a later one, then the "
        f"page's JSON every {POLL_SECONDS:.0f} s as its script polls, 15 % of the time the next page "
        f"instead, for 3–9 polls; meanwhile {len(setup.scorers)} entrants without a score arrive "
        f"evenly over the first {arrival_window(args.window, args.duration)} s of the live run "
        f"({arrival_window(args.window, args.frozen_duration)} s of the frozen one) and finish their "
        "round through the real pages: the labelling task "
        f"(task page → Start → page form → hand in → score, {args.page_think[0]:g}–{args.page_think[1]:g} s "
        f"per page) then the theory paper (Start → paper → autosave per question after "
        f"{args.think[0]:g}–{args.think[1]:g} s → page form → review → submit → result); the results "
        f"rebuilt every {args.sweep:g} s by the rebuild task (`competitions.tasks.rebuild_round_results`, "
        "in a thread of the driver, as the beat's minute sweep has a worker do); "
        f"{args.baseline_users} users fetch the baseline page once a second throughout",
        f"- Command: `{' '.join(sys.argv)}`",
        "",
        "## Headline",
        "",
        "| | scoreboard | baseline page | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for phase in phases:
        row, base = phase.run.rows.get(BOARD_ALL), phase.run.rows.get(BASELINE_NAME)
        json_row = phase.run.rows.get(BOARD_ALL_JSON)
        if row and base:
            lines.append(
                f"| {phase.title}: p99 of the scoreboard pages (HTML, every page and visitor) and of the "
                f"baseline page in the same run | {ms(row.p99)} ms | {ms(base.p99)} ms | "
                f"{_ratio(row.p99, base.p99)} |"
            )
        if json_row and base:
            lines.append(
                f"| {phase.title}: p99 of the JSON refresh | {ms(json_row.p99)} ms | {ms(base.p99)} ms | "
                f"{_ratio(json_row.p99, base.p99)} |"
            )
    if board_all and base_alone:
        lines.append(
            f"| throughput, 40 users without waiting, 20 s each (scoreboard: random pages, half entrants) "
            f"| {board_all.requests / board_alone.seconds:.0f} req/s | "
            f"{base_alone.requests / alone.seconds:.0f} req/s | "
            f"{_ratio(board_all.requests / board_alone.seconds, base_alone.requests / alone.seconds)} |"
        )
    for phase in phases:
        check = phase.check
        lines.append(
            f"| {phase.title}: scores handed in during the run (practical + theory) / lost | "
            f"{check.practical_stored + check.theory_stored:,} / **{check.lost}** | | |"
        )
    lines += [
        "",
        "Latency as locust saw it (percentiles rounded to two significant digits above 100 ms). The "
        "ratio of p99s compares what a scoreboard reader waited with what any request waited in the "
        "same seconds on the same machine.",
    ]
    base_cpu = timings.get(BASELINE_NAME, (0.0, 0.0))[1]
    for phase in phases:
        run = phase.run
        lines += [
            "",
            f"## {phase.title}: requests ({run.seconds:.0f} s, {run.extra.get('visits', 0):,} visits to the "
            f"board by {run.extra.get('distinct', 0):,} distinct people)",
            "",
            "*SQL*, *in-process ms* and *CPU ms* (the Django process's own, the database's apart): "
            "Django's test client before the runs, medians, no queueing; *× baseline*: CPU as a "
            "multiple of the baseline page's, timed the same way.",
            "",
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | SQL "
            "| in-process ms | CPU ms | × baseline |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        names = [name for name in ORDER if name in run.rows]
        names += sorted(name for name in run.rows if name not in ORDER)
        for name in names:
            own = timings.get(name)
            cells = _row_cells(run.rows.get(name), run.seconds)
            cells += (
                [queries.get(name, "—"), ms(own[0]), ms(own[1]), _ratio(own[1], base_cpu)]
                if own
                else ["—"] * 4
            )
            label = f"**{name}**" if name in (BOARD_ALL, BOARD_ALL_JSON) else name
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        for name, error, count in run.errors:
            lines.append(f"\n- error on {name}: {error} ×{count}")
        for message, count in run.exceptions:
            lines.append(f"\n- driver exception: {message} ×{count}")
    for page, miss in (
        ("the first page", f"{BOARD_FIRST} · {VISITOR}, cache miss"),
        ("a later page", f"{BOARD_LATER} · {VISITOR}, cache miss"),
    ):
        if miss in timings:
            lines += [
                "",
                f"In-process, {page} right after a rebuild (every cache keyed by the results version "
                f"empty): {queries.get(miss, '—')} SQL statements, {ms(timings[miss][0])} ms "
                f"({ms(timings[miss][1])} ms CPU); every later reader of that version and page gets "
                "it from the cache (the rows above).",
            ]
    for error in probe_errors:
        lines.append(f"\n- in-process: {error}")
    lines += [
        "",
        "Before the runs, alone: baseline page "
        + (
            f"{base_alone.requests / alone.seconds:.0f} req/s, p99 {ms(base_alone.p99)} ms"
            if base_alone
            else "—"
        )
        + "; scoreboard pages "
        + (
            f"{board_all.requests / board_alone.seconds:.0f} req/s, p99 {ms(board_all.p99)} ms"
            if board_all
            else "—"
        )
        + " (40 users each, no wait, 20 s).",
    ]
    for phase in phases:
        check = phase.check
        finished = sum(1 for record in phase.logs if record.theory)
        in_flight = sum(1 for record in phase.logs if record.started and not record.theory)
        lines += [
            "",
            f"## {phase.title}: scores arriving",
            "",
            "| | |",
            "| --- | ---: |",
            f"| entrants who set to work | {sum(1 for r in phase.logs if r.started):,} of "
            f"{len(setup.scorers):,} |",
            f"| practical runs handed in (acknowledged / stored) | {check.practical_acknowledged:,} / "
            f"{check.practical_stored:,} |",
            f"| theory papers submitted (acknowledged / stored) | {check.theory_acknowledged:,} / "
            f"{check.theory_stored:,} |",
            f"| entrants through both | {finished:,} |",
            f"| still at work when the run ended | {in_flight:,} |",
            f"| public board read after the next sweep | {check.board_rows:,} rows, "
            f"{check.board_pages} pages |",
        ]
        if "Frozen" in phase.title:
            lines += [
                f"| scores in the entrants' live results (they see their own) | {check.live_shown:,} |",
                f"| **scores handed in after the freeze shown on the public board** | **{check.leaked}** |",
            ]
        else:
            lines.append(f"| scores shown on the public board as stored | {check.shown:,} |")
        lines.append(
            f"| **scores lost** (acknowledged or stored, not shown where they should be) | **{check.lost}** |"
        )
        lines.append(f"| handed in after the last sweep began (not checked) | {check.late} |")
        lines += [f"\n- {example}" for example in check.examples]
        if phase.sweeps:
            lines += [
                "",
                "Sweeps during the run (the rebuild task; its time is the driver thread's, counted under "
                "*other* in the CPU table):",
                "",
                "| at s | wall ms | CPU ms (Python) | SQL | rows written | results version "
                "| live results with a theory score |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            lines += [
                f"| {s.at:.0f} | {s.seconds * 1000:.0f} | {s.cpu_seconds * 1000:.0f} | {s.queries} | "
                f"{s.rows:,} | {s.version} | {s.on_board:,} |"
                for s in phase.sweeps
            ]
        if phase.sweep_failure:
            lines.append(f"\n- the sweep failed: {phase.sweep_failure}")
    lines += [
        "",
        "## CPU",
        "",
        f"Share of the whole machine ({os.cpu_count()} cores = 100 %); *other* includes the driver "
        "(the sweeps' rebuilds) and anything else on the machine.",
        "",
        "| part | gunicorn | postgres | redis | locust | other | system | idle | server CPU ms per request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for title, run in (
        ("baseline page alone", alone),
        ("scoreboard alone", board_alone),
        *((phase.title, phase.run) for phase in phases),
    ):
        cost = _cpu_cost(run)
        lines.append(
            f"| {title} | "
            + " | ".join(_cpu(run.cpu, group) for group in workload.GROUPS)
            + f" | {cost:.1f} |"
        )
    lines += ["", "## Server log", ""]
    lines += workload.server_log_lines(problems, log_path)
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entrants", type=int, default=5000)
    parser.add_argument(
        "--scored-share", type=float, default=0.8, help="entrants with both scores before the run"
    )
    parser.add_argument(
        "--scorers", type=int, default=50, help="entrants who finish their round during a run"
    )
    parser.add_argument("--viewers", type=int, default=200, help="people on the scoreboard at once")
    parser.add_argument("--signed-viewers", type=int, default=1500, help="entrants who look at it signed in")
    parser.add_argument("--duration", type=int, default=150, help="seconds of the live round's run")
    parser.add_argument(
        "--frozen-duration", type=int, default=100, help="seconds of the frozen run (0: none)"
    )
    parser.add_argument("--window", type=int, default=100, help="seconds over which the scorers arrive")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--page-think", type=float, nargs=2, default=(5.0, 10.0), metavar=("MIN", "MAX"))
    parser.add_argument("--sweep", type=float, default=60.0, help="seconds between rebuilds (the beat's)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--baseline-users", type=int, default=4)
    parser.add_argument("--alone-duration", type=int, default=20)
    parser.add_argument("--probe-rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS-contest.md")
    parser.add_argument(
        "--templates",
        type=Path,
        help="a directory of templates looked up before the project's (server and in-process): to "
        "measure a proposed template change without making it",
    )
    args = parser.parse_args()
    if args.templates:
        templates_first(args.templates.resolve())

    workload = load_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from server import start_server, stop_server

    if connection.vendor != "postgresql":
        sys.exit("bench/contest_rush.py measures the production stack: set DATABASE_URL=postgres://…")
    began = time.monotonic()
    rng = random.Random(args.seed)
    setup = prepare(args.entrants, args.scored_share, args.scorers, args.signed_viewers, rng)
    log(
        f"round {setup.round_id}: {len(setup.entrants):,} entrants in {setup.counties} counties of "
        f"{setup.province}, {len(setup.scorers)} scorers ({time.monotonic() - began:.0f} s)"
    )
    cache.clear()  # no page, session or rate-limit count left from before: every run starts alike
    work = Path(tempfile.mkdtemp(prefix="talentportal-contest-"))
    config = {
        "seed": args.seed,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "round": setup.round_id,
        "exam": setup.exam_id,
        "item_set": setup.item_set_id,
        "pages": max(1, -(-len(setup.entrants) // PAGE_SIZE)),
        "viewers": args.viewers,
        "signed": workload.sessions_for(setup.viewers),
        "scorers": workload.sessions_for(setup.scorers),
        "think": list(args.think),
        "page_think": list(args.page_think),
        "window": args.window,
        "baseline_users": args.baseline_users,
    }
    log(f"sessions made; locust and server logs in {work}")
    data = workload.data_size()
    log_path = work / "gunicorn.log"
    with open(log_path, "w") as server_log:
        server = start_server(args.workers, log=server_log)
    phases: list[Phase] = []
    try:
        roots = workload.service_pids(server.pid)
        queries, timings, probe_errors = probe(setup, args.probe_rounds, args.seed)
        log(
            "in-process: " + ", ".join(f"{name} {ms(w)} ms ({ms(c)} CPU)" for name, (w, c) in timings.items())
        )
        scorers_reset(setup)

        def write_config(key: str, duration: int = 0) -> dict[str, str]:
            path = work / f"{key}.config.json"
            # The scorers arrive early enough to finish within the run (a sitting takes about a minute).
            window = arrival_window(args.window, duration) if duration else args.window
            values = {**config, "window": window, "results": str(work / f"{key}.scorers.json")}
            path.write_text(json.dumps(values), encoding="utf-8")
            path.chmod(0o600)
            return {"BENCH_CONTEST_CONFIG": str(path)}

        users = 40
        alone = run_locust(
            ["BaselineUser"], users, args.alone_duration, write_config("alone"), work, "alone", roots
        )
        board_alone = run_locust(
            ["BoardUser"], users, args.alone_duration, write_config("board"), work, "board", roots
        )
        log(
            f"alone: baseline {alone.rows[BASELINE_NAME].requests / alone.seconds:.0f} req/s, scoreboard "
            f"{board_alone.rows[BOARD_ALL].requests / board_alone.seconds:.0f} req/s"
        )
        for title, duration, frozen in (
            ("Live round", args.duration, False),
            ("Frozen round", args.frozen_duration, True),
        ):
            if not duration:
                continue
            key = "frozen" if frozen else "live"
            if frozen:
                scorers_reset(setup)
                freeze(setup)
            env = write_config(key, duration)
            log(f"{title}: {args.viewers} viewers, {len(setup.scorers)} scorers, {duration} s")
            sweeper = Sweeper(setup.round_id, args.sweep)
            sweeper.start()
            run = run_locust(
                ["ViewerUser", "ScorerUser", "BaselineDuringRunUser"],
                args.viewers + len(setup.scorers) + args.baseline_users,
                duration,
                env,
                work,
                key,
                roots,
            )
            sweeper.stop.set()
            sweeper.join()
            results = work / f"{key}.scorers.json"
            logs = [ScorerLog(**item) for item in json.loads(results.read_text())] if results.exists() else []
            check = board_check(setup, logs, frozen=frozen)
            phases.append(Phase(title, run, sweeper.sweeps, check, logs, sweeper.failure))
            log(
                f"{title}: {check.practical_stored + check.theory_stored} scores handed in, "
                f"{check.lost} lost, {check.leaked} leaked"
            )
    finally:
        stop_server(server)
    problems = workload.server_problems(log_path)
    text = report(
        args, setup, data, alone, board_alone, phases, queries, timings, probe_errors, problems, log_path
    )
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    log(f"contest bench: {time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
