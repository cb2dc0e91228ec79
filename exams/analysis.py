"""Item analysis for editors: how every question of an exam (``exam_item_analysis``) or of a
bank (``bank_item_analysis``) did in the submitted attempts, so that bad questions are found.

Per question used in the attempts analysed (submitted, not entered from a paper sheet):

- **times drawn**: the papers it was on;
- **difficulty index**: the share of its points earned, the mean of points awarded / points
  over its marked uses (a short answer awaiting marking is left out until marked); 1 is easy;
- **discrimination**: the upper–lower index with 27 % groups (not the point-biserial
  correlation). The attempts that drew the question are ranked by their total percentage (the
  points awarded over the points of the marked questions of the whole paper; ties by attempt
  id); the difficulty index of the question among the top 27 % (at least one attempt) minus
  that among the bottom 27 %. From -1 to 1: near 0 it does not separate stronger from weaker
  learners, below 0 the weaker ones do better (often a wrong answer key);
- **most-chosen wrong option** (choice questions) and its share of the times drawn;
- **blank rate**: the share of the times drawn left unanswered.

A question is flagged, with a reason for the editor, when its difficulty index is below
``HARD`` or above ``EASY``, its discrimination below ``LOW_DISCRIMINATION``, or a wrong option
was chosen more often than every right one. Measures on a handful of attempts are noise: the
discrimination is computed, and flags raised, from ``MIN_ATTEMPTS`` marked uses on.

Four queries, whatever the number of attempts and questions: the paper rows (``values_list``),
the questions, their options and their knowledge points; everything else is aggregated in
Python, which is fine up to a few hundred thousand paper rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import AttemptQuestion, BankChoice, BankQuestion, Exam, ExamAttempt, QuestionBank

HARD = 0.2
EASY = 0.95
LOW_DISCRIMINATION = 0.1
GROUP_SHARE = 0.27
MIN_ATTEMPTS = 5


@dataclass
class ItemStats:
    """How one question did. Shares and indexes are fractions (0.25, not 25)."""

    question_id: int
    text: str
    kind: str
    kind_label: str
    bank: str
    level: int
    knowledge_points: list[str]
    drawn: int
    marked: int
    difficulty: float | None
    discrimination: float | None
    blank_rate: float
    top_wrong: str = ""
    top_wrong_share: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        """Whether there are marked uses enough for the discrimination and the flags."""
        return self.marked >= MIN_ATTEMPTS

    @property
    def blank_percent(self) -> int:
        return round(self.blank_rate * 100)

    @property
    def top_wrong_percent(self) -> int | None:
        return None if self.top_wrong_share is None else round(self.top_wrong_share * 100)


@dataclass
class ItemAnalysis:
    """The questions analysed (flagged ones first, then the hardest), over ``attempts`` attempts
    whose mean score is ``mean_score`` (a fraction; None before anything is marked)."""

    attempts: int
    mean_score: float | None
    items: list[ItemStats]

    @property
    def flagged(self) -> int:
        return sum(1 for item in self.items if item.flags)

    @property
    def mean_percent(self) -> int | None:
        return None if self.mean_score is None else round(self.mean_score * 100)


@dataclass
class _Use:
    attempt_id: int
    success: float | None  # points awarded / points; None while awaiting marking
    answer: object
    key: list


def _blank(answer) -> bool:
    return answer is None or answer == "" or answer == []


def _groups_difference(uses: Sequence[_Use], percents: dict[int, float]) -> float | None:
    marked = [use for use in uses if use.success is not None]
    if len(marked) < MIN_ATTEMPTS:
        return None
    marked.sort(key=lambda use: (percents[use.attempt_id], use.attempt_id))
    size = max(1, math.floor(len(marked) * GROUP_SHARE + 0.5))
    lower, upper = marked[:size], marked[-size:]
    return sum(use.success for use in upper) / size - sum(use.success for use in lower) / size


def _options(uses: Sequence[_Use]) -> tuple[Counter, Counter]:
    """How often each right option (of the key stored with the paper) and each wrong one was
    chosen."""
    right, wrong = Counter(), Counter()
    for use in uses:
        key = set(use.key or [])
        chosen = set(use.answer) if isinstance(use.answer, list) else set()
        for option in key:
            right[option] += option in chosen
        for option in chosen - key:
            wrong[option] += 1
    return right, wrong


def _flags(item: ItemStats, *, wrong_beats_right: bool) -> list[str]:
    if not item.enough:
        return []
    flags = []
    if item.difficulty is not None and item.difficulty < HARD:
        flags.append(
            _("Very hard: fewer than %(percent)d%% of its points were earned.") % {"percent": HARD * 100}
        )
    if item.difficulty is not None and item.difficulty > EASY:
        flags.append(
            _("Very easy: more than %(percent)d%% of its points were earned.") % {"percent": EASY * 100}
        )
    if item.discrimination is not None and item.discrimination < 0:
        flags.append(_("Weaker learners did better on it than stronger ones: check the answer key."))
    elif item.discrimination is not None and item.discrimination < LOW_DISCRIMINATION:
        flags.append(_("It hardly separates stronger learners from weaker ones."))
    if wrong_beats_right:
        flags.append(
            _("The wrong option “%(option)s” was chosen more often than the right one: check the answer key.")
            % {"option": item.top_wrong}
        )
    return flags


def _analyse(attempts: QuerySet[ExamAttempt], *, bank_id: int | None = None) -> ItemAnalysis:
    rows = AttemptQuestion.objects.filter(attempt__in=attempts)
    attempt_ids: set[int] = set()
    percents_sum: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    uses: dict[int, list[_Use]] = defaultdict(list)
    for attempt_id, question_id, question_bank_id, points, awarded, answer, key in rows.values_list(
        "attempt_id", "question_id", "question__bank_id", "points", "points_awarded", "answer", "key"
    ):
        attempt_ids.add(attempt_id)
        if awarded is not None:
            totals = percents_sum[attempt_id]
            totals[0] += awarded
            totals[1] += points
        if bank_id is None or question_bank_id == bank_id:
            success = awarded / points if awarded is not None and points else None
            uses[question_id].append(_Use(attempt_id, success, answer, key))
    percents = {
        attempt_id: (awarded / points if points else 0.0)
        for attempt_id, (awarded, points) in percents_sum.items()
    }
    questions = BankQuestion.objects.filter(pk__in=list(uses)).select_related("bank")
    choices = dict(BankChoice.objects.filter(question_id__in=list(uses)).values_list("pk", "text"))
    points: dict[int, list[str]] = defaultdict(list)
    for question_id, name in (
        BankQuestion.knowledge_points.through.objects.filter(bankquestion_id__in=list(uses))
        .order_by("knowledgepoint__name")
        .values_list("bankquestion_id", "knowledgepoint__name")
    ):
        points[question_id].append(name)
    items = [
        _item(question, uses[question.pk], percents, choices, points[question.pk]) for question in questions
    ]
    items.sort(
        key=lambda item: (
            not item.flags,
            item.difficulty if item.difficulty is not None else math.inf,
            item.question_id,
        )
    )
    mean = sum(percents.values()) / len(percents) if percents else None
    return ItemAnalysis(attempts=len(attempt_ids), mean_score=mean, items=items)


def _item(
    question: BankQuestion,
    uses: list[_Use],
    percents: dict[int, float],
    choices: dict[int, str],
    knowledge_points: list[str],
) -> ItemStats:
    marked = [use.success for use in uses if use.success is not None]
    item = ItemStats(
        question_id=question.pk,
        text=question.text,
        kind=question.kind,
        kind_label=question.get_kind_display(),
        bank=question.bank.title,
        level=question.difficulty,
        knowledge_points=knowledge_points,
        drawn=len(uses),
        marked=len(marked),
        difficulty=sum(marked) / len(marked) if marked else None,
        discrimination=_groups_difference(uses, percents),
        blank_rate=sum(1 for use in uses if _blank(use.answer)) / len(uses),
    )
    wrong_beats_right = False
    if question.kind in BankQuestion.CHOICE_KINDS:
        right, wrong = _options(uses)
        if wrong:
            option, count = max(wrong.items(), key=lambda pair: (pair[1], -pair[0]))
            item.top_wrong = choices.get(option, "—")
            item.top_wrong_share = count / len(uses)
            wrong_beats_right = count > max(right.values(), default=0)
    item.flags = _flags(item, wrong_beats_right=wrong_beats_right)
    return item


def _submitted(attempts: QuerySet[ExamAttempt]) -> QuerySet[ExamAttempt]:
    return attempts.filter(submitted_at__isnull=False, on_paper=False)


def exam_item_analysis(exam: Exam) -> ItemAnalysis:
    """The analysis of every question drawn in ``exam``'s submitted attempts (four queries)."""
    return _analyse(_submitted(ExamAttempt.objects.filter(exam=exam)))


def bank_item_analysis(bank: QuestionBank) -> ItemAnalysis:
    """The analysis of ``bank``'s questions over every submitted attempt, of any exam, that drew
    one of them; the attempts' totals count their whole papers (four queries)."""
    attempts = _submitted(
        ExamAttempt.objects.filter(
            pk__in=AttemptQuestion.objects.filter(question__bank=bank).values("attempt_id")
        )
    )
    return _analyse(attempts, bank_id=bank.pk)


def _index(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def analysis_headers() -> list[str]:
    """The columns of the analysis as a spreadsheet, in the language of the request."""
    return [
        _("Question"),
        _("Kind"),
        _("Question bank"),
        _("Difficulty level"),
        _("Knowledge points"),
        _("Times drawn"),
        _("Difficulty index"),
        _("Discrimination"),
        _("Top wrong option"),
        _("Chosen by (%)"),
        _("Left blank (%)"),
        _("Why flagged"),
    ]


def analysis_rows(analysis: ItemAnalysis) -> Iterable[list]:
    """The analysis as spreadsheet rows (see ``analysis_headers``)."""
    for item in analysis.items:
        yield [
            item.text,
            item.kind_label,
            item.bank,
            item.level,
            "、".join(item.knowledge_points),
            item.drawn,
            _index(item.difficulty),
            _index(item.discrimination),
            item.top_wrong,
            "" if item.top_wrong_percent is None else item.top_wrong_percent,
            item.blank_percent,
            " ".join(item.flags),
        ]
