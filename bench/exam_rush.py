"""The exam rush of issue 15: 2,000 learners start one exam within a minute, on the real stack.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/exam_rush.py \
        [--learners 2000] [--window 60] [--think 5 15] [--output bench/RESULTS-exam.md]

A province-wide sitting: one published exam (a blueprint of 10 questions drawn from a bank made
here: single and multiple choice, true/false, fill in the blank), learners in 40 county classes
of its course, every one signed in up front (sessions written into the session store, as
bench/workload.py does). The production server (gunicorn, DEBUG off, PostgreSQL, Redis) is driven
by locust (bench/exam_locustfile.py): the learners arrive at an even rate over ``--window``
seconds; each opens the exam's page, presses Start (the page's form), gets the paper, answers its
questions one by one through the autosave endpoint as the page's script does (``position`` and
``answer`` fields, the page's CSRF token), thinking ``--think`` seconds before each answer and
now and then changing their mind, goes to the next page with the paper's form, reviews and
submits. A few locust users fetch the baseline page once a second all along: what any request
waited for a worker meanwhile.

Reported (Markdown to ``--output``, also printed): per endpoint requests, p50/p95/p99/max and
errors, SQL statements, in-process time and CPU time per request and its ratio to the baseline
page's (one sitting run in-process with Django's test client before the rush); the
targets (start p99 ≤ 1 s, save p99 ≤ 300 ms, no answer lost, no error) as PASS/FAIL; the
integrity checks: answers lost (for every answer the server acknowledged, the stored answer must
be the last one that learner sent for that question; locust writes what was sent and
acknowledged), attempts created, learners with more than one attempt; and the CPU share of
gunicorn, PostgreSQL, Redis and locust.

The functions above the Django part import neither Django nor locust (the locust file and
tests/test_bench_exam.py use them); Django is set up by ``main`` with the production settings of
bench/server.py.
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
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from workload_flows import Abort, Browser, Page, require_form  # noqa: E402 - bench/ on the path

EXAM_TITLE = "压测 全省统一考试"
COURSE_SLUG = "bench-exam-course"
EMAIL_PREFIX = "bench-exam-"
CLASS_PREFIX = "压测统考班"  # bench/workload.py leaves classes named 压测… alone
CLASSES = 40
BASELINE = "/bench/baseline/"
ATTEMPT = re.compile(r"^/learn/attempts/\d+/$")
ATTEMPT_PAGE = re.compile(r"^/learn/attempts/\d+/\?page=\d+$")
REVIEW = re.compile(r"^/learn/attempts/\d+/review/$")
AFTER_PAGE = re.compile(r"^/learn/attempts/\d+/(\?page=\d+|review/)$")
RESULT = re.compile(r"^/learn/attempts/\d+/result/$")
SAVED = '"ok": true'
FILL_IN_ANSWERS = ("EC", "E-commerce", "电子商务", "电商", "ＥＣ")
CHOICE_KINDS = ("single", "multiple", "true_false")
START_TARGET_MS = 1000
SAVE_TARGET_MS = 300
# Names of the requests in the tables (locust's and the in-process count).
EXAM_PAGE, START, PAPER, SAVE, PAGE_POST = (
    "exam page",
    "start attempt (POST)",
    "paper page",
    "save answer",
    "page form (POST)",
)
REVIEW_PAGE, SUBMIT, RESULT_PAGE = "review page", "submit (POST)", "result page"
START_SPAN = "start → paper shown (POST + GET)"
BASELINE_NAME = "baseline page"
ORDER = (EXAM_PAGE, START, PAPER, START_SPAN, SAVE, PAGE_POST, REVIEW_PAGE, SUBMIT, RESULT_PAGE)


def log(message: str) -> None:
    print(message, flush=True)


# --- the paper, as the page shows it -----------------------------------------------------------

_FIELDSET = re.compile(r"<fieldset\b([^>]*)>(.*?)</fieldset>", re.S | re.I)
_INPUT = re.compile(r"<(input|textarea)\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w:-]+)(?:\s*=\s*"([^"]*)")?')
_SAVE_URL = re.compile(r'data-save-url="([^"]+)"')


def _attrs(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value) for name, value in _ATTR.findall(text)}


@dataclass
class Question:
    position: int
    kind: str
    name: str  # the name of its inputs in the page's form
    options: list[str] = field(default_factory=list)  # option ids (choice kinds)


def paper_questions(text: str) -> list[Question]:
    """The questions of a paper page: each fieldset's position and kind, its inputs' name and,
    for a choice question, the option ids offered."""
    questions = []
    for raw, body in _FIELDSET.findall(text):
        attrs = _attrs(raw)
        if "data-position" not in attrs:
            continue
        question = Question(int(attrs["data-position"]), attrs.get("data-kind", ""), "")
        for tag, control in _INPUT.findall(body):
            inputs = _attrs(control)
            question.name = question.name or inputs.get("name", "")
            if tag.lower() == "input" and inputs.get("type") in ("radio", "checkbox"):
                question.options.append(inputs.get("value", ""))
        questions.append(question)
    return questions


def save_url(text: str) -> str:
    match = _SAVE_URL.search(text)
    if not match:
        raise LookupError("no autosave address (data-save-url) on the paper page")
    return html.unescape(match.group(1))


def choose_answer(question: Question, rng: random.Random, other_than: Sequence[str] = ()) -> list[str]:
    """An answer as the form sends it: one option id (single, true/false), one to three option
    ids (multiple), a text (fill in the blank, short answer); another one than ``other_than``
    when there is another (a learner changing their mind)."""
    for _try in range(10):
        if question.kind == "multiple" and question.options:
            answer = sorted(rng.sample(question.options, rng.randint(1, min(3, len(question.options)))))
        elif question.options:
            answer = [rng.choice(question.options)]
        elif question.kind == "short_answer":
            answer = [f"讲清卖点、互动、促单 {rng.randint(1, 999)}"]
        else:
            answer = [rng.choice(FILL_IN_ANSWERS)]
        if answer != list(other_than):
            return answer
    return answer


# --- what each learner sent, and what the server acknowledged ----------------------------------


@dataclass
class Sent:
    position: int
    answer: list[str]
    via: str  # "save" (the autosave endpoint) or "page" (the page's form)
    acknowledged: bool = False


@dataclass
class LearnerLog:
    learner: int
    attempt: int | None = None
    finished: bool = False
    sent: list[Sent] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> LearnerLog:
        return cls(
            learner=data["learner"],
            attempt=data["attempt"],
            finished=data["finished"],
            sent=[Sent(**sent) for sent in data["sent"]],
        )


# --- the journey ----------------------------------------------------------------------------------


def sit_exam(
    browser: Browser,
    exam_id: int,
    rng: random.Random,
    record: LearnerLog,
    *,
    think: tuple[float, float] = (0.0, 0.0),
    change_share: float = 0.0,
    sleep: Callable[[float], Any] = lambda seconds: None,
    span: Callable[[str, float], Any] | None = None,
    start_at: float | None = None,
) -> None:
    """One learner sits the exam: the exam's page (if ``start_at``, a time.time() moment, the
    learner waits on it until then, as in a sitting that opens at a fixed time: the page's
    script enables Start at the opening) → Start (its form) → the paper → for every
    question, think, then autosave an answer (sometimes change it after a moment) → the page's
    form to the next page (it carries the page's answers again, as the browser sends them) → …
    → review → Submit → the result. Every answer sent goes into ``record``, acknowledged when
    the server said it was saved. An unexpected answer raises Abort (recorded by the browser)."""
    exam_path = f"/learn/exams/{exam_id}/"
    page = browser.request("GET", exam_path, name=EXAM_PAGE, contains='id="exam-start"')
    start = require_form(page, exam_path, 'id="exam-start"')
    if start_at is not None:
        sleep(max(0.0, start_at - time.time()))
    began = time.perf_counter()
    started = browser.request(
        "POST", start.action, name=START, data=start.data(), expect=(302,), goes_to=ATTEMPT
    )
    record.attempt = int(started.location.rstrip("/").rsplit("/", 1)[1])
    path = started.location
    paper = browser.request("GET", path, name=PAPER, contains='id="exam-paper"')
    if span is not None:
        span(START_SPAN, (time.perf_counter() - began) * 1000)
    while True:
        form = require_form(paper, path, 'id="exam-paper"')
        url = save_url(paper.text)
        token = form.values["csrfmiddlewaretoken"]
        questions = paper_questions(paper.text)
        answers: dict[int, list[str]] = {}
        for question in questions:
            sleep(rng.uniform(*think))
            answers[question.position] = _autosave(browser, url, token, question, rng, record)
            if rng.random() < change_share:
                sleep(rng.uniform(1.0, 3.0))
                answer = choose_answer(question, rng, other_than=answers[question.position])
                answers[question.position] = _autosave(browser, url, token, question, rng, record, answer)
        names = {question.name for question in questions}
        data = [(name, value) for name, value in form.data() if name not in names and name != "go"]
        for question in questions:
            data += [(question.name, value) for value in answers[question.position]]
        last = 'value="next"' not in paper.text
        data.append(("go", "review" if last else "next"))
        sent = [Sent(position, answer, "page") for position, answer in answers.items()]
        record.sent += sent
        moved = browser.request(
            "POST", form.action, name=PAGE_POST, data=data, expect=(302,), goes_to=AFTER_PAGE
        )
        for item in sent:
            item.acknowledged = True
        if REVIEW.match(moved.location):
            break
        path = moved.location
        paper = browser.request("GET", path, name=PAPER, contains='id="exam-paper"')
    review = browser.request("GET", moved.location, name=REVIEW_PAGE, contains='id="submit-form"')
    submit = require_form(review, moved.location, 'id="submit-form"')
    done = browser.request(
        "POST", submit.action, name=SUBMIT, data=submit.data(), expect=(302,), goes_to=RESULT
    )
    browser.request("GET", done.location, name=RESULT_PAGE)
    record.finished = True


def _autosave(
    browser: Browser,
    url: str,
    token: str,
    question: Question,
    rng: random.Random,
    record: LearnerLog,
    answer: list[str] | None = None,
) -> list[str]:
    """One answer through the autosave endpoint, as static/js/exam.js sends it."""
    answer = answer if answer is not None else choose_answer(question, rng)
    sent = Sent(question.position, answer, "save")
    record.sent.append(sent)
    data = [("csrfmiddlewaretoken", token), ("position", str(question.position))]
    data += [("answer", value) for value in answer]
    browser.request("POST", url, name=SAVE, data=data, contains=SAVED)
    sent.acknowledged = True
    return answer


# --- answers lost -------------------------------------------------------------------------------


def stored_form(kind: str, answer: list[str]) -> Any:
    """What ``exams.attempts`` stores for an answer sent: sorted option ids for a choice
    question, the stripped text otherwise; None for nothing."""
    if kind in CHOICE_KINDS:
        ids = sorted({int(value) for value in answer if value})
        return ids or None
    text = answer[0].strip() if answer else ""
    return text or None


@dataclass
class AnswerCheck:
    acknowledged_sends: int = 0
    questions: int = 0  # questions with at least one acknowledged answer
    lost: int = 0
    uncertain: int = 0  # the last send was not acknowledged: either answer may be stored
    examples: list[str] = field(default_factory=list)


def answers_lost(logs: Iterable[LearnerLog], stored: dict[tuple[int, int], tuple[str, Any]]) -> AnswerCheck:
    """For every question a learner got an acknowledgement for, the stored answer must be the
    last one acknowledged, or one sent after it whose answer never came (a timeout: saved or
    not); anything else is a lost answer. ``stored``: {(attempt, position): (kind, answer)}."""
    check = AnswerCheck()
    for record in logs:
        by_position: dict[int, list[Sent]] = {}
        for sent in record.sent:
            by_position.setdefault(sent.position, []).append(sent)
        for position, sends in sorted(by_position.items()):
            acknowledged = [index for index, sent in enumerate(sends) if sent.acknowledged]
            check.acknowledged_sends += len(acknowledged)
            if not acknowledged:
                continue
            check.questions += 1
            kind, answer = stored.get((record.attempt, position), ("", "missing"))
            later = sends[acknowledged[-1] :]
            allowed = [stored_form(kind, sent.answer) for sent in later]
            if len(later) > 1:
                check.uncertain += 1
            if answer not in allowed:
                check.lost += 1
                if len(check.examples) < 5:
                    check.examples.append(
                        f"learner {record.learner}, attempt {record.attempt}, question {position}: "
                        f"sent {allowed[0]!r}, stored {answer!r}"
                    )
    return check


# --- the report (plain data) ---------------------------------------------------------------------


@dataclass
class Integrity:
    learners: int
    with_attempt: int
    attempts: int
    duplicates: int  # learners with more than one attempt
    submitted: int
    finished: int  # learners whose journey went to the end
    check: AnswerCheck

    @property
    def ok(self) -> bool:
        """Every learner has exactly one attempt."""
        return self.with_attempt == self.learners == self.attempts and self.duplicates == 0


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


def locust_stats(data: dict) -> tuple[dict[str, Row], list[tuple], list[tuple]]:
    """The rows per endpoint, the errors and the driver's exceptions of a locust stats file
    (written by bench/locust_common.write_final_stats)."""
    rows = {
        entry["name"]: Row(
            entry["name"],
            entry["requests"],
            entry["failures"],
            entry["rps"],
            entry["p50"],
            entry["p95"],
            entry["p99"],
            entry["max"],
        )
        for entry in data["entries"]
    }
    errors = [(name, error, count) for name, error, count in data["errors"]]
    exceptions = [(message, count) for message, count in data["exceptions"]]
    return rows, errors, exceptions


def ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def targets(rows: dict[str, Row], facts: Integrity, errors: int) -> list[tuple[str, str, str, bool]]:
    """(what, target, measured, met) for the issue's targets."""
    start, save = rows.get(START), rows.get(SAVE)
    start_ok = bool(start and start.requests and start.p99 <= START_TARGET_MS)
    save_ok = bool(save and save.requests and save.p99 <= SAVE_TARGET_MS)
    check = facts.check
    return [
        ("start attempt p99", f"≤ {START_TARGET_MS} ms", f"{ms(start.p99)} ms" if start else "—", start_ok),
        ("save answer p99", f"≤ {SAVE_TARGET_MS} ms", f"{ms(save.p99)} ms" if save else "—", save_ok),
        (
            "answers lost",
            "0",
            f"{check.lost:,} of {check.questions:,}",
            check.lost == 0 and check.questions > 0,
        ),
        ("errors", "0", f"{errors:,}", errors == 0),
        (
            "attempts",
            "one per learner",
            f"{facts.with_attempt:,} of {facts.learners:,} learners, {facts.duplicates:,} with two or more",
            facts.ok,
        ),
    ]


# --- Django from here on: set up by main() with bench/server.py's production settings -------------


def load_django():
    """bench/workload.py (which imports bench/server.py, setting the production environment,
    then sets Django up): its account, session, CPU and log helpers."""
    import workload

    return workload


def prepare(learners: int, rng: random.Random):
    """The course, its 40 county classes, ``learners`` learners enrolled in them (plus one more
    for the in-process count), the bank and the published exam; every earlier attempt at the
    exam deleted, so that runs compare. Idempotent. Returns (exam, learner ids, probe id)."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone
    from workload import EMAIL_DOMAIN, PASSWORD, ensure_users

    from counties.models import Cohort, County, LearnerProfile, Prefecture, Province
    from courses.models import Course, Track
    from enrollment.models import Enrollment
    from exams.models import ExamAttempt

    call_command("migrate", "--noinput", verbosity=0)
    if not County.objects.exists():  # an empty database: one county is enough
        province = Province.objects.create(code="33", name="浙江省")
        prefecture = Prefecture.objects.create(code="3301", name="杭州市", province=province)
        County.objects.create(code="330122", name="桐庐县", prefecture=prefecture, province=province)
    track = Track.objects.order_by("pk").first() or Track.objects.create(slug="bench-exam", name="电商运营")
    now = timezone.now()
    course, _new = Course.objects.get_or_create(
        slug=COURSE_SLUG,
        defaults={
            "track": track,
            "title": "农村电商运营（统考）",
            "summary": "全省统一考试的课程",
            "status": Course.Status.PUBLISHED,
            "published_at": now,
        },
    )
    # A province-wide sitting: the classes are in the counties of the province with the most.
    province = (
        County.objects.values("province_id")
        .annotate(n=Count("code"))
        .order_by("-n", "province_id")
        .values_list("province_id", flat=True)
        .first()
    )
    counties = list(
        County.objects.filter(province_id=province).order_by("code").values_list("code", flat=True)
    )
    cohorts = list(Cohort.objects.filter(course=course, name__startswith=CLASS_PREFIX).order_by("pk"))
    for n in range(len(cohorts), CLASSES):
        cohorts.append(
            Cohort.objects.create(
                course=course,
                county_id=counties[n % len(counties)],
                name=f"{CLASS_PREFIX} {n + 1:02d}",
                start_date=now.date() - timedelta(days=30),
                end_date=now.date() + timedelta(days=30),
                capacity=max(100, learners // CLASSES + 10),
                status=Cohort.Status.RUNNING,
            )
        )
    emails = [f"{EMAIL_PREFIX}{n:04d}@{EMAIL_DOMAIN}" for n in range(1, learners + 1)]
    probe_email = f"{EMAIL_PREFIX}probe@{EMAIL_DOMAIN}"
    users = ensure_users([*emails, probe_email], make_password(PASSWORD), rng)
    ids = [users[email] for email in [*emails, probe_email]]
    placed = {pk: cohorts[n % len(cohorts)] for n, pk in enumerate(ids)}
    LearnerProfile.objects.bulk_create(
        (
            LearnerProfile(user_id=pk, county_id=cohort.county_id, school="县职业学校")
            for pk, cohort in placed.items()
        ),
        ignore_conflicts=True,
    )
    Enrollment.objects.bulk_create(
        (
            Enrollment(
                learner_id=pk, course=course, cohort=cohort, county_id=cohort.county_id, status="active"
            )
            for pk, cohort in placed.items()
        ),
        ignore_conflicts=True,
    )
    Enrollment.objects.filter(course=course, learner_id__in=ids).update(
        status="active",
        completed_at=None,
        withdrawn_at=None,
        final_exam_passed_at=None,
        final_exam_percent=None,
    )
    exam = _exam(course, now)
    with transaction.atomic():
        ExamAttempt.objects.filter(exam=exam).delete()  # papers and events go with them
    return exam, ids[:-1], ids[-1]


def _exam(course, now):
    """The published exam: 5 single choice (商品上架, difficulty 1–2, 2 points), 2 multiple
    choice (客服, difficulty 3, 4 points), 2 true/false, 1 fill in the blank; 30 minutes, one
    attempt, open from an hour ago for three hours, results at once. Its bank: 40 + 20 + 20 + 20
    questions."""
    from datetime import timedelta

    from exams.models import BankChoice, BankQuestion, BlueprintRule, Exam, KnowledgePoint, QuestionBank
    from exams.papers import exam_publish

    kind = BankQuestion.Kind
    bank, created = QuestionBank.objects.get_or_create(title="压测 统考题库", course=course)
    if created:
        listing = KnowledgePoint.objects.create(bank=bank, name="商品上架")
        service = KnowledgePoint.objects.create(bank=bank, name="客服")
        plan = [
            (kind.SINGLE, 40, listing, 4, "商品主图的推荐尺寸是哪一项？"),
            (kind.MULTIPLE, 20, service, 5, "以下哪些属于客服礼貌用语？"),
            (kind.TRUE_FALSE, 20, None, 2, "包邮商品不能设置运费模板。"),
            (kind.FILL_IN, 20, None, 0, "电商的英文缩写是____。"),
        ]
        for question_kind, number, point, options, text in plan:
            questions = BankQuestion.objects.bulk_create(
                BankQuestion(
                    bank=bank,
                    kind=question_kind,
                    text=f"{text}（第{n + 1}题）",
                    difficulty=3 if question_kind == kind.MULTIPLE else 1 + n % 2,
                    explanation="见教材第三章。",
                    accepted_answers="EC\nE-commerce" if question_kind == kind.FILL_IN else "",
                )
                for n in range(number)
            )
            if question_kind == kind.TRUE_FALSE:
                choices = [("对", False), ("错", True)]
            else:
                right = "AB" if question_kind == kind.MULTIPLE else "A"
                choices = [(f"选项内容 {letter}", letter in right) for letter in "ABCDE"[:options]]
            BankChoice.objects.bulk_create(
                BankChoice(question=question, text=label, is_correct=correct, order=order)
                for question in questions
                for order, (label, correct) in enumerate(choices)
            )
            if point is not None:
                point.questions.add(*questions)
    exam = Exam.objects.filter(course=course, title=EXAM_TITLE).first()
    if exam is None:
        exam = Exam.objects.create(course=course, title=EXAM_TITLE, time_limit_minutes=30, max_attempts=1)
        points = {p.name: p for p in KnowledgePoint.objects.filter(bank=bank)}
        rules = [
            (kind.SINGLE, 1, 2, points["商品上架"], 5, 2),
            (kind.MULTIPLE, 3, 3, points["客服"], 2, 4),
            (kind.TRUE_FALSE, 1, 3, None, 2, 1),
            (kind.FILL_IN, 1, 3, None, 1, 2),
        ]
        for order, (rule_kind, low, high, point, count, worth) in enumerate(rules):
            BlueprintRule.objects.create(
                exam=exam,
                order=order,
                bank=bank,
                kind=rule_kind,
                difficulty_min=low,
                difficulty_max=high,
                knowledge_point=point,
                count=count,
                points=worth,
            )
    # Every run: open now, for long enough, one attempt, results at once.
    Exam.objects.filter(pk=exam.pk).update(
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        time_limit_minutes=30,
        max_attempts=1,
        cool_off_minutes=0,
        release=Exam.Release.IMMEDIATELY,
    )
    return exam_publish(exam=exam)


# --- SQL and time per request, in-process ------------------------------------------------------


LOCUST_STARTUP = 3.0  # seconds from starting locust to its first user


def exam_opening_set(exam_id: int, opens: float) -> None:
    """Open the exam at ``opens`` (a time.time() moment)."""
    from datetime import UTC, datetime

    from exams.models import Exam

    Exam.objects.filter(pk=exam_id).update(opens_at=datetime.fromtimestamp(opens, tz=UTC))


def probe(
    exam_id: int, learner: int, rounds: int, seed: int
) -> tuple[dict[str, str], dict[str, tuple[float, float]], list[str]]:
    """One sitting run in-process ``rounds`` times by the probe learner (their attempt deleted
    before each), with Django's test client (CSRF enforced): SQL statements per request (each
    count seen, "a / b") and the median time per request, (wall ms, CPU ms of this process:
    Django's own work, which other load on the machine hardly changes), with the baseline
    page's under BASELINE_NAME. No think time."""
    import statistics

    from django.conf import settings
    from workload import InProcessBrowser, sessions_for

    from exams.models import ExamAttempt

    times: dict[str, list[tuple[float, float]]] = {}

    class TimedBrowser(InProcessBrowser):
        def request(self, method: str, path: str, **kwargs) -> Page:
            began, cpu = time.perf_counter(), time.process_time()
            try:
                return super().request(method, path, **kwargs)
            finally:
                spent = ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000)
                times.setdefault(kwargs["name"], []).append(spent)

    errors: list[str] = []
    seen: dict[str, set[int]] = {}
    # One client throughout: a new one loads the middleware again (whitenoise scans the static
    # files), which would be timed as part of its first request. The first sitting warms up.
    browser = TimedBrowser({settings.SESSION_COOKIE_NAME: sessions_for([learner])[0]})
    for round_ in range(rounds + 1):
        ExamAttempt.objects.filter(exam_id=exam_id, enrollment__learner_id=learner).delete()
        browser.errors = []
        if round_ == 1:
            times.clear()
        with suppress(Abort):
            sit_exam(browser, exam_id, random.Random(seed + round_), LearnerLog(learner=0))
        errors += browser.errors
    for name, counts in browser.queries.items():
        seen.setdefault(name, set()).update(counts)
    ExamAttempt.objects.filter(exam_id=exam_id, enrollment__learner_id=learner).delete()
    baseline = TimedBrowser({})
    for _n in range(max(10, rounds * 5) + 1):
        baseline.request("GET", BASELINE, name=BASELINE_NAME)
    times[BASELINE_NAME] = times[BASELINE_NAME][1:]
    seen[BASELINE_NAME] = set(baseline.queries[BASELINE_NAME])
    medians = {
        name: (
            statistics.median(wall for wall, _cpu in values),
            statistics.median(cpu for _wall, cpu in values),
        )
        for name, values in times.items()
    }
    return {name: " / ".join(map(str, sorted(counts))) for name, counts in seen.items()}, medians, errors


# --- running locust -------------------------------------------------------------------------------


@dataclass
class Run:
    rows: dict[str, Row]
    errors: list[tuple[str, str, int]]
    exceptions: list[tuple[str, int]]
    cpu: dict[str, float]  # the whole run
    cpu_arrivals: dict[str, float]  # while the learners start
    seconds: float
    requests: int  # of the learners (the baseline page apart)


def run_locust(
    user_classes: list[str],
    users: int,
    rate: float,
    limit: int,
    env: dict[str, str],
    work: Path,
    key: str,
    roots: dict[str, int],
    busy: tuple[float, float] = (0.0, 0.0),
) -> Run:
    """One locust run of ``user_classes`` (bench/exam_locustfile.py), CPU sampled every half
    second while it runs (``busy``: also from its first to its second number of seconds in,
    while learners start)."""
    import workload

    stats = work / f"{key}.json"
    command = [
        sys.executable, "-m", "locust", "-f", str(BENCH / "exam_locustfile.py"), "--headless",
        "-u", str(users), "-r", f"{rate:g}", "-t", f"{limit}s", "--host", workload.HOST,
        "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "0", "--exit-code-on-error", "0",
        *user_classes,
    ]  # fmt: skip
    env = {**os.environ, **env, "BENCH_EXAM_STATS": str(stats)}
    snapshots: list[tuple[float, Any]] = []
    with open(work / f"{key}.locust.log", "w") as output:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if elapsed >= 1.0:
                snapshot = workload.cpu_snapshot()
                if process.pid in snapshot[0]:
                    snapshots.append((elapsed, snapshot))
            time.sleep(0.5)
        seconds = time.monotonic() - started
    if process.returncode or not stats.exists():
        sys.exit(f"locust failed for {key}: see {work / (key + '.locust.log')}")
    groups = {**roots, "locust": process.pid}
    cpu = workload.cpu_shares(snapshots[0][1], snapshots[-1][1], groups) if len(snapshots) > 1 else {}
    during = [
        snapshot for elapsed, snapshot in snapshots if busy[0] <= elapsed <= max(busy[1], busy[0] + 2.0)
    ]
    cpu_arrivals = workload.cpu_shares(during[0], during[-1], groups) if len(during) > 1 else {}
    data = json.loads(stats.read_text(encoding="utf-8"))
    rows, errors, exceptions = locust_stats(data)
    learners = sum(row.requests for name, row in rows.items() if name not in (BASELINE_NAME, START_SPAN))
    return Run(rows, errors, exceptions, cpu, cpu_arrivals, seconds, learners)


# --- after the run: what the database holds -------------------------------------------------------


def integrity(exam_id: int, learners: list[int], logs: list[LearnerLog]) -> Integrity:
    from django.db.models import Count

    from exams.models import AttemptQuestion, ExamAttempt

    attempts = ExamAttempt.objects.filter(exam_id=exam_id, enrollment__learner_id__in=learners)
    per_learner = list(attempts.values("enrollment_id").annotate(n=Count("pk")).values_list("n", flat=True))
    stored = {
        (attempt, position): (kind, answer)
        for attempt, position, kind, answer in AttemptQuestion.objects.filter(
            attempt__in=attempts
        ).values_list("attempt_id", "position", "question__kind", "answer")
    }
    return Integrity(
        learners=len(learners),
        with_attempt=len(per_learner),
        attempts=sum(per_learner),
        duplicates=sum(1 for n in per_learner if n > 1),
        submitted=attempts.filter(submitted_at__isnull=False).count(),
        finished=sum(1 for record in logs if record.finished),
        check=answers_lost(logs, stored),
    )


# --- the report -----------------------------------------------------------------------------------


def _cpu(shares: dict[str, float], group: str) -> str:
    if group not in shares:
        return "—"
    value = max(0.0, shares[group])
    return f"{value:.0f} %" if value >= 10 else f"{value:.1f} %"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}" if base else "—"


def report(
    args: argparse.Namespace,
    data: str,
    baseline: Run,
    rush: Run,
    facts: Integrity,
    queries: dict[str, str],
    timings: dict[str, tuple[float, float]],
    probe_errors: list[str],
    problems: list,
    log_path: Path,
) -> str:
    """The Markdown report."""
    import workload

    alone = baseline.rows.get(BASELINE_NAME)
    errors = sum(count for name, _error, count in rush.errors if name != BASELINE_NAME)
    verdicts = targets(rush.rows, facts, errors + sum(c for _m, c in rush.exceptions))
    think = f"{args.think[0]:g}–{args.think[1]:g} s"
    starts = args.learners / args.window
    sitting = facts.learners - facts.finished - errors  # an error ends a learner's sitting
    ending = (
        f"stopped at its time limit ({args.limit} s) with {sitting:,} learners still sitting (an answer "
        "in flight then counts as uncertain below)"
        if sitting > 0
        else "until the last learner was through"
    )
    saves = args.learners * (1 + args.change_share) / (sum(args.think) / 2)

    def cpu(name: str) -> float:
        return timings.get(name, (0.0, 0.0))[1]

    in_minute = (START, PAPER) if args.waiting else (EXAM_PAGE, START, PAPER)

    lines = [
        "# Exam rush: 2,000 learners start one exam in the same minute"
        if args.learners == 2000
        else f"# Exam rush: {args.learners:,} learners start one exam within {args.window} s",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {workload.machine()}",
        f"- Data: {data}",
        f"- Exam: 10 questions drawn per attempt from a bank of 100 (5 single choice, 2 multiple choice, "
        f"2 true/false, 1 fill in the blank; 2 pages of 5), 30 minutes, one attempt; {args.learners:,} "
        f"learners in {CLASSES} county classes of one province, signed in up front (sessions written "
        "to the session store)",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG off, whitenoise, PostgreSQL, Redis "
        "(cache cleared before the run)",
        "- Load: locust (FastHttpUser, one process) on the same machine; "
        + (
            f"a sitting that opens at a fixed time: the learners open the exam's page evenly over the "
            f"{args.waiting} s before it opens and wait on it (its script enables Start at the opening), "
            f"then press Start at moments spread evenly over the first {args.window} s"
            if args.waiting
            else f"learners arrive evenly over {args.window} s and press Start at once"
        )
        + f"; each: exam page → Start → paper → per question think {think} then autosave "
        f"({args.change_share:.0%} of answers changed 1–3 s later) → page form to page 2 → … → review → "
        f"submit → result; {args.baseline_users} users fetch the baseline page once a second throughout",
        f"- Offered: {starts:.0f} learners starting per second for {args.window} s ("
        + (
            "start and paper: 2 requests each, the exam pages before"
            if args.waiting
            else "exam page, start, paper: 3 requests each"
        )
        + f"); once all are answering, about {saves:.0f} saves per second. At the "
        "in-process CPU times below, Django alone needs "
        f"{starts * sum(cpu(name) for name in in_minute) / 1000:.1f} cores for the "
        f"starts and {saves * cpu(SAVE) / 1000:.1f} for the saves (PostgreSQL apart); the machine has "
        f"{os.cpu_count()}",
        f"- Run: {rush.seconds:.0f} s, {rush.requests:,} requests; " + ending,
        f"- Command: `{' '.join(sys.argv)}`",
        "",
        "## Targets (issue 15)",
        "",
        "| | target | measured | |",
        "| --- | --- | ---: | --- |",
    ]
    lines += [
        f"| {what} | {target} | {measured} | {verdict(met)} |" for what, target, measured, met in verdicts
    ]
    lines += [
        "",
        "## Requests",
        "",
        "Latency as locust saw it (percentiles rounded to two significant digits above 100 ms); the "
        "baseline page fetched once a second during the rush shows what any request waited for a "
        "worker meanwhile. *SQL* and *in-process ms*: one sitting run with Django's test client before "
        f"the rush (median of {args.probe_rounds}), no queueing; *CPU ms*: the Django process's own CPU "
        "time in it (the database's apart), which other load on the machine hardly changes; "
        "*× baseline*: its ratio to the baseline page's, timed the same way: what the endpoint costs.",
        "",
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors | SQL | in-process ms "
        "| CPU ms | × baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = sorted(rush.rows, key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    base_cpu = timings.get(BASELINE_NAME, (0.0, 0.0))[1]
    for name in [*names, *[n for n in ORDER if n not in rush.rows and n in timings]]:
        row = rush.rows.get(name)
        own = timings.get(name)
        cells = (
            [
                f"{row.requests:,}",
                ms(row.p50),
                ms(row.p95),
                ms(row.p99),
                ms(row.max),
                f"{row.failures:,}",
            ]
            if row
            else ["—"] * 6
        )
        label = f"{name} (during the rush)" if name == BASELINE_NAME else name
        cells += (
            [queries.get(name, "—"), ms(own[0]), ms(own[1]), _ratio(own[1], base_cpu)] if own else ["—"] * 4
        )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if alone:
        lines += [
            "",
            f"Baseline page alone before the rush ({args.baseline_users_alone} users, no wait, "
            f"{args.baseline_duration} s): {alone.rps:.0f} req/s, p50 {ms(alone.p50)} ms, "
            f"p99 {ms(alone.p99)} ms.",
        ]
    for name, error, count in rush.errors:
        lines.append(f"\n- error on {name}: {error} ×{count}")
    for message, count in rush.exceptions:
        lines.append(f"\n- driver exception: {message} ×{count}")
    for error in probe_errors:
        lines.append(f"\n- in-process sitting: {error}")
    check = facts.check
    lines += [
        "",
        "## Integrity",
        "",
        "| check | result |",
        "| --- | ---: |",
        f"| learners | {facts.learners:,} |",
        f"| learners with an attempt | {facts.with_attempt:,} |",
        f"| attempts created | {facts.attempts:,} |",
        f"| learners with more than one attempt | {facts.duplicates:,} |",
        f"| attempts submitted | {facts.submitted:,} |",
        f"| learners through to the result page | {facts.finished:,} |",
        f"| answers sent and acknowledged (autosave and page form) | {check.acknowledged_sends:,} |",
        f"| questions with an acknowledged answer | {check.questions:,} |",
        f"| of which the last send was never answered (either answer may stand) | {check.uncertain:,} |",
        f"| **answers lost** (stored ≠ the last acknowledged) | **{check.lost:,}** |",
    ]
    lines += [f"\n- lost: {example}" for example in check.examples]
    cost = _cpu_cost(rush, baseline)
    lines += [
        "",
        "## CPU",
        "",
        f"Share of the whole machine ({os.cpu_count()} cores = 100 %).",
        "",
        "| part | gunicorn | postgres | redis | locust | other | system | idle |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for title, shares in (
        ("baseline page alone", baseline.cpu),
        (f"learners starting ({args.window} s)", rush.cpu_arrivals),
        ("whole rush", rush.cpu),
    ):
        lines.append(f"| {title} | " + " | ".join(_cpu(shares, group) for group in workload.GROUPS) + " |")
    if cost:
        lines += ["", cost]
    lines += ["", "## Server log", ""]
    lines += workload.server_log_lines(problems, log_path)
    return "\n".join(lines) + "\n"


def _cpu_cost(rush: Run, baseline: Run) -> str:
    """Server CPU milliseconds per request during the rush and for the baseline page alone."""

    def per_request(run: Run, requests: float) -> float:
        share = sum(max(0.0, run.cpu.get(group, 0.0)) for group in ("gunicorn", "postgres", "redis")) / 100
        return share * (os.cpu_count() or 1) * run.seconds * 1000 / requests if requests else 0.0

    alone = baseline.rows.get(BASELINE_NAME)
    total = sum(row.requests for name, row in rush.rows.items() if name != START_SPAN)
    if not (alone and total and rush.cpu and baseline.cpu):
        return ""
    exam = per_request(rush, total)
    base = per_request(baseline, alone.requests)
    return (
        f"Server CPU (gunicorn + PostgreSQL + Redis) per request: {exam:.1f} ms over the rush's mix, "
        f"{base:.1f} ms for the baseline page alone: an exam request costs {_ratio(exam, base)} × the "
        "baseline page."
    )


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--window", type=int, default=60, help="seconds over which the learners press Start")
    parser.add_argument(
        "--waiting",
        type=int,
        default=300,
        help="seconds before the exam opens over which the learners open its page and wait (0: no "
        "opening time, each learner starts on arrival, the arrivals spread over --window)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(30.0, 90.0),
        metavar=("MIN", "MAX"),
        help="seconds a learner thinks before each answer (a Chinese question read and answered)",
    )
    parser.add_argument(
        "--change-share", type=float, default=0.1, help="share of answers changed after a moment"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a learner waits for an answer before giving up"
    )
    parser.add_argument(
        "--baseline-users", type=int, default=4, help="baseline fetchers during the rush (1/s each)"
    )
    parser.add_argument("--baseline-users-alone", type=int, default=40)
    parser.add_argument(
        "--baseline-duration", type=int, default=20, help="seconds of the baseline page alone"
    )
    parser.add_argument("--probe-rounds", type=int, default=3)
    parser.add_argument(
        "--limit", type=int, default=0, help="seconds the rush may last (default: twice the sitting, +3 min)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS-exam.md")
    args = parser.parse_args()

    workload = load_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from server import start_server, stop_server

    if connection.vendor != "postgresql":
        sys.exit("bench/exam_rush.py measures the production stack: set DATABASE_URL=postgres://…")
    began = time.monotonic()
    rng = random.Random(args.seed)
    exam, learners, probe_learner = prepare(args.learners, rng)
    log(f"exam {exam.pk} published; {len(learners):,} learners ready ({time.monotonic() - began:.0f} s)")
    cache.clear()  # no page, session or rate-limit count left from before: every run starts alike
    work = Path(tempfile.mkdtemp(prefix="talentportal-exam-"))
    config = {
        "seed": args.seed,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "exam": exam.pk,
        "learners": workload.sessions_for(learners),
        "think": list(args.think),
        "change_share": args.change_share,
        "baseline_users": args.baseline_users,
        "timeout": args.timeout,
        "answers": str(work / "answers.json"),
    }
    config_path = work / "exam.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    config_path.chmod(0o600)
    log(f"sessions made; locust and server logs in {work}")
    data = workload.data_size()

    log_path = work / "gunicorn.log"
    with open(log_path, "w") as server_log:
        server = start_server(args.workers, log=server_log)
    try:
        roots = workload.service_pids(server.pid)
        queries, timings, probe_errors = probe(exam.pk, probe_learner, args.probe_rounds, args.seed)
        log(
            "in-process: "
            + ", ".join(f"{name} {ms(wall)} ms ({ms(cpu)} CPU)" for name, (wall, cpu) in timings.items())
        )
        env = {"BENCH_EXAM_CONFIG": str(config_path)}
        users = args.baseline_users_alone
        baseline = run_locust(
            ["BaselineUser"], users, users, args.baseline_duration, env, work, "baseline", roots
        )
        row = baseline.rows.get(BASELINE_NAME)
        log(f"baseline page alone: {row.rps if row else 0:.0f} req/s")
        journey = 10 * (sum(args.think) / 2 + args.change_share * 2) + 30  # 10 questions, pages
        args.limit = args.limit or int(args.waiting + args.window + 2 * journey + 120)
        total = args.learners + args.baseline_users
        if args.waiting:
            # The exam opens once every learner has had the waiting time to open its page (locust
            # takes a few seconds to start); each presses Start at their own moment of the window.
            opens = time.time() + args.waiting + LOCUST_STARTUP
            exam_opening_set(exam.pk, opens)
            env |= {"BENCH_EXAM_OPENS_AT": f"{opens:.3f}", "BENCH_EXAM_WINDOW": str(args.window)}
            log(
                f"the rush: {args.learners:,} learners open the exam's page over {args.waiting} s, "
                f"the exam opens at {time.strftime('%H:%M:%S', time.localtime(opens))}, they start "
                f"over {args.window} s (at most {args.limit} s)"
            )
        else:
            log(f"the rush: {args.learners:,} learners over {args.window} s (at most {args.limit} s)")
        arriving = args.waiting or args.window
        busy = (
            (args.waiting + LOCUST_STARTUP, args.waiting + LOCUST_STARTUP + args.window)
            if args.waiting
            else (0, args.window)
        )
        rush = run_locust(
            ["ExamLearnerUser", "BaselineDuringRushUser"],
            total,
            total / arriving,
            args.limit,
            env,
            work,
            "rush",
            roots,
            busy=busy,
        )
    finally:
        stop_server(server)
    answers = Path(config["answers"])
    logs = (
        [LearnerLog.from_json(item) for item in json.loads(answers.read_text())] if answers.exists() else []
    )
    facts = integrity(exam.pk, learners, logs)
    problems = workload.server_problems(log_path)
    text = report(args, data, baseline, rush, facts, queries, timings, probe_errors, problems, log_path)
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    log(f"exam rush: {time.monotonic() - began:.0f} s in all")


if __name__ == "__main__":
    main()
