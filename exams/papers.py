"""Exam papers by blueprint: checking a blueprint (``blueprint_problems``), publishing an exam
(``exam_publish``), drawing a paper for an attempt (``paper_draw``) and reading it back
(``attempt_paper``).

Guarantees:

- A paper holds, for every rule of the blueprint, ``count`` questions matching it (kind,
  difficulty range, knowledge point), and never the same question twice, even when rules
  overlap: the questions are assigned to the rules' places by a bipartite matching, so a draw
  succeeds whenever the banks can fill every place at all.
- On a retake, the questions the learner has not seen in earlier attempts of the exam come
  first, then the least recently seen ones; among equals the choice is random.
- The paper is stored with the attempt (AttemptQuestion rows: the question, its points, its
  place and the order of its options), so the paper shown and graded later is the one drawn.
- Queries do not grow with the size of the banks nor the number of rules: drawing reads every
  rule's candidate ids in one query. Candidates are sampled in Python, which is fine up to
  tens of thousands of questions per rule.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, IntegerField, Max, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from enrollment.models import Enrollment

from .models import AttemptQuestion, BankChoice, BankQuestion, BlueprintRule, Exam, ExamAttempt, ExamRoom


class PaperError(Exception):
    """An exam whose paper cannot be drawn (or that cannot be published); ``messages`` say why,
    for the editor or the learner."""

    def __init__(self, messages: Sequence[str]):
        self.messages = [str(message) for message in messages]
        super().__init__(" ".join(self.messages))


# --- the blueprint -------------------------------------------------------------------------------


def rule_description(rule: BlueprintRule) -> str:
    """A rule in words, e.g. "5 × Single choice, difficulty 1–2, 商品上架, from the bank 农村电商 题库"."""
    text = _("%(count)d × %(kind)s, difficulty %(low)d–%(high)d") % {
        "count": rule.count,
        "kind": rule.get_kind_display(),
        "low": rule.difficulty_min,
        "high": rule.difficulty_max,
    }
    if rule.knowledge_point_id:
        text += ", " + rule.knowledge_point.name
    return _("%(rule)s, from the bank %(bank)s") % {"rule": text, "bank": rule.bank.title}


def _rules(exam: Exam) -> list[BlueprintRule]:
    return list(exam.rules.select_related("bank", "knowledge_point").order_by("order", "pk"))


def _all_candidates(rules: Sequence[BlueprintRule]) -> dict[int, list[int]]:
    """``_candidates`` of every rule in one query: the questions of the rules' banks and kinds,
    matched to each rule in Python (a start of a timed sitting is the busiest write there is)."""
    if not rules:
        return {}
    rows = BankQuestion.objects.filter(
        bank_id__in={rule.bank_id for rule in rules}, kind__in={rule.kind for rule in rules}
    )
    if any(rule.knowledge_point_id for rule in rules):
        rows = rows.values_list("pk", "bank_id", "kind", "difficulty", "knowledge_points")
    else:
        rows = rows.annotate(no_point=Value(None, output_field=IntegerField())).values_list(
            "pk", "bank_id", "kind", "difficulty", "no_point"
        )
    found: dict[int, list[int]] = {rule.pk: [] for rule in rules}
    for pk, bank_id, kind, difficulty, point in rows.order_by("pk"):
        for rule in rules:
            if (
                rule.bank_id == bank_id
                and rule.kind == kind
                and rule.difficulty_min <= difficulty <= rule.difficulty_max
                and (not rule.knowledge_point_id or rule.knowledge_point_id == point)
                and (not found[rule.pk] or found[rule.pk][-1] != pk)
            ):
                found[rule.pk].append(pk)
    return found


@dataclass(frozen=True)
class _Material:
    """What every draw of an exam reads, the same for every learner: the places of the blueprint
    (one per question, narrowest rules first: ``_plan``) as (rule id, points, kind), each
    rule's candidates, the options of every candidate choice question in their stored order and
    the key of every candidate (its right options, or the accepted answers of a
    fill-in-the-blank)."""

    places: list[tuple[int, int, str]]
    candidates: dict[int, list[int]]
    options: dict[int, list[int]]
    keys: dict[int, list]


MATERIAL_TIMEOUT = 60 * 60


def _material_key(exam: Exam) -> str:
    return f"exams:draw:{exam.pk}:{exam.created_at.timestamp()}:{exam.draw_version}"


def _material(exam: Exam) -> _Material:
    """The exam's draw material, from the cache (keyed by ``Exam.draw_version``, which every
    change to the blueprint or the banks' questions moves on: exams.receivers) or read in four
    queries and cached. Raises PaperError (nothing cached) when the blueprint cannot be filled
    by its rules' candidates."""
    material = cache.get(_material_key(exam))
    if material is not None:
        return material
    rules = list(exam.rules.order_by("order", "pk"))
    candidates = _all_candidates(rules)
    places, problems = _plan(rules, candidates)
    if not rules:
        problems.append(_("The exam has no blueprint rules yet."))
    if problems:
        raise PaperError([_("The question bank no longer has enough questions for this exam."), *problems])
    questions = {question for found in candidates.values() for question in found}
    options: dict[int, list[int]] = {}
    keys: dict[int, list] = {}
    for question_id, choice_id, is_correct in (
        BankChoice.objects.filter(question_id__in=questions)
        .order_by("question_id", "order", "pk")
        .values_list("question_id", "pk", "is_correct")
    ):
        options.setdefault(question_id, []).append(choice_id)
        keys.setdefault(question_id, [])
        if is_correct:
            keys[question_id].append(choice_id)
    fill_ins = {rule.pk for rule in rules if rule.kind == BankQuestion.Kind.FILL_IN}
    fill_in_questions = [question for rule_id in fill_ins for question in candidates[rule_id]]
    if fill_in_questions:
        for question in BankQuestion.objects.filter(pk__in=fill_in_questions).only("pk", "accepted_answers"):
            keys[question.pk] = question.answer_list()
    material = _Material(
        places=[(rule.pk, rule.points, rule.kind) for rule in places],
        candidates=candidates,
        options=options,
        keys=keys,
    )
    cache.set(_material_key(exam), material, MATERIAL_TIMEOUT)
    return material


def draw_version_bump(*, exam_ids: Sequence[int] = (), bank_ids: Sequence[int] = ()) -> None:
    """Move on the draw version of the exams given and of every exam whose blueprint draws from
    the banks given: their next draw reads the banks again. Call it after changing a blueprint
    or a bank's questions, options or knowledge points by a bulk write (exams.receivers call it
    on every save and delete)."""
    exams = Exam.objects.none()
    if exam_ids:
        exams |= Exam.objects.filter(pk__in=list(exam_ids))
    if bank_ids:
        exams |= Exam.objects.filter(
            pk__in=BlueprintRule.objects.filter(bank_id__in=list(bank_ids)).values("exam_id")
        )
    if exam_ids or bank_ids:
        exams.update(draw_version=F("draw_version") + 1)


def _candidates(rule: BlueprintRule) -> list[int]:
    """The ids of the questions matching ``rule``, in id order (one query)."""
    questions = BankQuestion.objects.filter(
        bank_id=rule.bank_id,
        kind=rule.kind,
        difficulty__gte=rule.difficulty_min,
        difficulty__lte=rule.difficulty_max,
    )
    if rule.knowledge_point_id:
        questions = questions.filter(knowledge_points=rule.knowledge_point_id)
    return list(questions.order_by("pk").values_list("pk", flat=True))


def _assign(places: Sequence[Sequence[int]]) -> list[int | None]:
    """A different question for every place, each from the place's candidates (in its order of
    preference): the first free candidate when there is one, otherwise an augmenting path that
    moves other places to other questions (Kuhn's matching), so that as many places as possible
    are filled. Returns the question of every place, None where none could be found."""
    chosen: list[int | None] = [None] * len(places)
    holder: dict[int, int] = {}

    def augment(place: int, visited: set[int]) -> bool:
        # Iterative depth-first search: stack[i]'s place would take edges[i], a question held
        # by stack[i + 1]'s place, and so on to a free question.
        stack = [(place, iter(places[place]))]
        edges: list[int] = []
        while stack:
            current, candidates = stack[-1]
            for question in candidates:
                if question in visited:
                    continue
                visited.add(question)
                if question not in holder:
                    moves = [(stack[i][0], edges[i]) for i in range(len(edges))] + [(current, question)]
                    for slot, taken in moves:
                        holder[taken] = slot
                        chosen[slot] = taken
                    return True
                edges.append(question)
                stack.append((holder[question], iter(places[holder[question]])))
                break
            else:
                stack.pop()
                if edges:
                    edges.pop()
        return False

    for place, candidates in enumerate(places):
        free = next((question for question in candidates if question not in holder), None)
        if free is not None:
            holder[free] = place
            chosen[place] = free
        else:
            augment(place, set())
    return chosen


def _plan(
    rules: Sequence[BlueprintRule], candidates: dict[int, list[int]]
) -> tuple[list[BlueprintRule], list[str]]:
    """The rules' places (one per question to draw; narrowest rules first, which keeps each
    rule's preferred questions when rules overlap) and the problems found rule by rule."""
    problems = []
    for number, rule in enumerate(rules, start=1):
        found = len(candidates[rule.pk])
        if found < rule.count:
            problems.append(
                _("Rule %(number)d (%(rule)s): the bank has only %(found)d matching questions.")
                % {"number": number, "rule": rule_description(rule), "found": found}
            )
    places = [
        rule for rule in sorted(rules, key=lambda rule: len(candidates[rule.pk])) for _n in range(rule.count)
    ]
    return places, problems


def _overlap_problem(needed: int, found: int) -> str:
    return _(
        "The rules together need %(needed)d different questions, but the banks can give only "
        "%(found)d: rules that draw from the same questions need more of them."
    ) % {"needed": needed, "found": found}


def blueprint_problems(exam: Exam) -> list[str]:
    """What keeps papers from being drawn for ``exam``, for the editor; [] if nothing.

    Each rule needs a bank of the exam's course or of its track, a knowledge point of that bank,
    and at least ``count`` matching questions; all rules together need enough different
    questions when they overlap. Two queries plus one per rule."""
    rules = _rules(exam)
    if not rules:
        return [_("The exam has no blueprint rules yet.")]
    track_id = exam.course.track_id
    problems = []
    for number, rule in enumerate(rules, start=1):
        if rule.bank.course_id != exam.course_id and not (track_id and rule.bank.track_id == track_id):
            problems.append(
                _("Rule %(number)d: the bank %(bank)s belongs to neither this course nor its track.")
                % {"number": number, "bank": rule.bank.title}
            )
        if rule.knowledge_point_id and rule.knowledge_point.bank_id != rule.bank_id:
            problems.append(
                _("Rule %(number)d: the knowledge point %(point)s is not of the bank %(bank)s.")
                % {"number": number, "point": rule.knowledge_point.name, "bank": rule.bank.title}
            )
    candidates = {rule.pk: _candidates(rule) for rule in rules}
    places, shortages = _plan(rules, candidates)
    problems += shortages
    if not shortages:
        chosen = _assign([candidates[rule.pk] for rule in places])
        filled = sum(1 for question in chosen if question is not None)
        if filled < len(places):
            problems.append(_overlap_problem(len(places), filled))
    return problems


def exam_publish(*, exam: Exam, by: User | None = None) -> Exam:
    """Publish ``exam`` (its row locked, in one transaction). Raises PaperError, changing
    nothing, when ``blueprint_problems`` finds anything. Publishing a published exam changes
    nothing."""
    with transaction.atomic():
        exam = Exam.objects.select_for_update(of=("self",)).select_related("course").get(pk=exam.pk)
        problems = blueprint_problems(exam)
        if problems:
            raise PaperError(problems)
        if exam.status != Exam.Status.PUBLISHED:
            exam.status = Exam.Status.PUBLISHED
            exam.save(update_fields=["status", "updated_at"])
    return exam


# --- drawing a paper -----------------------------------------------------------------------------


def paper_draw(
    *,
    exam: Exam,
    enrollment: Enrollment,
    rng: random.Random | None = None,
    now: datetime | None = None,
    deadline: datetime | bool | None = False,
    room: ExamRoom | None = None,
    device_token: str = "",
    earlier_attempts: int | None = None,
) -> ExamAttempt:
    """Create the enrolment's next attempt at ``exam`` (number n + 1) with its own paper.

    In one transaction, the enrolment row locked (two clicks make two numbered attempts, never a
    clash). For every rule, ``count`` different matching questions, none twice in the paper;
    unseen questions first, then the least recently seen (by the number of the last attempt
    that showed them), ties broken at random; then the questions and the options of every
    choice question are shuffled (true/false keeps 对 before 错). The paper is stored as
    AttemptQuestion rows in one bulk insert.

    Raises PaperError, writing nothing, when the exam is not published, the enrolment is in
    another course, or the banks no longer hold enough questions. ``rng`` makes a draw
    repeatable in tests. The attempt starts at ``now`` (default: the current time) and its
    deadline is ``deadline`` if given, else ``exam.deadline_for`` that time; ``room`` and
    ``device_token`` are stored with it (an attempt sat in an exam room). A caller that holds
    the enrolment's lock and has counted its attempts passes ``earlier_attempts``: the draw then
    skips what it already knows (the lock, the count, and the questions seen on a first try).
    It checks no window nor attempt limit: a learner starts an attempt with
    ``exams.attempts.attempt_start``. A fixed number of queries, whatever the number of rules
    and the size of the banks."""
    now = now or timezone.now()
    rng = rng or random.SystemRandom()  # unpredictable: a learner cannot work out the paper
    if exam.status != Exam.Status.PUBLISHED:
        raise PaperError([_("This exam is not published.")])
    if enrollment.course_id != exam.course_id:
        raise PaperError([_("This exam belongs to another course.")])
    # A caller that holds the enrolment's lock is in its own transaction: no savepoint needed.
    with transaction.atomic(savepoint=earlier_attempts is None):
        if earlier_attempts is None:
            Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk").get()
        material = _material(exam)
        earlier = ExamAttempt.objects.filter(exam=exam, enrollment_id=enrollment.pk)
        last_seen: dict[int, int] = {}
        if earlier_attempts != 0:
            for question_id, number in AttemptQuestion.objects.filter(attempt__in=earlier).values_list(
                "question_id", "attempt__number"
            ):
                last_seen[question_id] = max(number, last_seen.get(question_id, 0))
        preferences = {}
        for rule_id, ids in material.candidates.items():
            ids = list(ids)
            rng.shuffle(ids)
            ids.sort(key=lambda question_id: last_seen.get(question_id, 0))  # stable: shuffled ties
            preferences[rule_id] = ids
        chosen = _assign([preferences[rule_id] for rule_id, _points, _kind in material.places])
        filled = sum(1 for question in chosen if question is not None)
        if filled < len(material.places):
            raise PaperError(
                [
                    _("The question bank no longer has enough questions for this exam."),
                    _overlap_problem(len(material.places), filled),
                ]
            )
        paper = [
            (question, points)
            for question, (_rule, points, _kind) in zip(chosen, material.places, strict=True)
        ]
        rng.shuffle(paper)
        kinds = {
            question: kind for question, (_rule, _points, kind) in zip(chosen, material.places, strict=True)
        }
        options = {question: list(material.options.get(question, [])) for question in chosen}
        keys = {question: material.keys.get(question, []) for question in chosen}
        for question_id, ids in sorted(options.items()):
            if kinds[question_id] != BankQuestion.Kind.TRUE_FALSE:
                rng.shuffle(ids)
        last = 0 if earlier_attempts == 0 else earlier.aggregate(last=Max("number"))["last"] or 0
        number = last + 1
        attempt = ExamAttempt.objects.create(
            exam=exam,
            enrollment=enrollment,
            number=number,
            started_at=now,
            deadline=exam.deadline_for(now) if deadline is False else deadline,
            max_score=sum(points for _question, points in paper),
            room=room,
            device_token=device_token,
        )
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt,
                position=position,
                question_id=question_id,
                points=points,
                choice_order=options[question_id],
                key=None if kinds[question_id] == BankQuestion.Kind.SHORT_ANSWER else keys[question_id],
            )
            for position, (question_id, points) in enumerate(paper, start=1)
        )
    return attempt


# --- reading a paper -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperQuestion:
    position: int
    question: BankQuestion
    points: int
    choices: list[BankChoice]


def attempt_paper(attempt: ExamAttempt) -> list[PaperQuestion]:
    """The attempt's paper in its order, every question's options in the order stored when it
    was drawn (an option deleted since is left out; one added since is not shown). Two
    queries."""
    rows = list(attempt.paper.select_related("question").order_by("position"))
    choices = BankChoice.objects.in_bulk({choice_id for row in rows for choice_id in row.choice_order})
    return [
        PaperQuestion(
            position=row.position,
            question=row.question,
            points=row.points,
            choices=[choices[choice_id] for choice_id in row.choice_order if choice_id in choices],
        )
        for row in rows
    ]
