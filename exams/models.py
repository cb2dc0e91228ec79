"""Question banks, and the exams whose papers are drawn from them.

A bank belongs to a track or to a course (exactly one: a database constraint). Its questions are
of five kinds; the rules a question must meet to be usable (the right options of a choice
question, the accepted answers of a fill-in-the-blank) are checked by ``exams.services`` before
anything is written, since they span several rows.

An exam is a blueprint: rules such as "10 single-choice questions of 商品上架 at difficulty 1–2".
Every attempt draws its own paper by the rules (``exams.papers``) and stores it, questions,
points and the order of the options, so that grading it again gives the same result.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counties.models import ClassSession, Cohort
from courses.models import Course, Track
from enrollment.models import Enrollment


class QuestionBank(models.Model):
    title = models.CharField(_("title"), max_length=200)
    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="question_banks",
        verbose_name=_("track"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="question_banks",
        verbose_name=_("course"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        constraints = [
            models.CheckConstraint(
                condition=(Q(track__isnull=False) & Q(course__isnull=True))
                | (Q(track__isnull=True) & Q(course__isnull=False)),
                name="exams_bank_track_or_course",
                violation_error_message=_("A question bank belongs to a track or to a course, not both."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class KnowledgePoint(models.Model):
    """A skill or knowledge point (商品上架, 客服…) a bank's questions are tagged with; papers
    are drawn by knowledge point and difficulty."""

    bank = models.ForeignKey(
        QuestionBank,
        on_delete=models.CASCADE,
        related_name="knowledge_points",
        verbose_name=_("question bank"),
    )
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("knowledge point")
        verbose_name_plural = _("knowledge points")
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="exams_knowledge_point_unique")]

    def __str__(self) -> str:
        return self.name


_SPACES = re.compile(r"\s+")


def normalize_answer(text: str) -> str:
    """An answer as fill-in-the-blank answers are compared: full-width characters as half-width
    (NFKC: "ＡＢＣ１" is "ABC1", "，" is ","), without case, runs of spaces as one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


class BankQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        FILL_IN = "fill_in", _("Fill in the blank")
        SHORT_ANSWER = "short_answer", _("Short answer")

    CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE})

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="questions", verbose_name=_("question bank")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("question"))
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=2, help_text=_("1 (easy) to 3 (hard).")
    )
    knowledge_points = models.ManyToManyField(
        KnowledgePoint, blank=True, related_name="questions", verbose_name=_("knowledge points")
    )
    explanation = models.TextField(_("explanation"), blank=True)
    accepted_answers = models.TextField(
        _("accepted answers"),
        blank=True,
        help_text=_(
            "Fill in the blank: every accepted answer on a line of its own; compared without case and "
            "full-width characters as half-width."
        ),
    )
    rubric = models.TextField(_("marking rubric"), blank=True, help_text=_("Short answer: how to mark it."))
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("bank question")
        verbose_name_plural = _("bank questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1) & Q(difficulty__lte=3),
                name="exams_question_difficulty_1_3",
                violation_error_message=_("The difficulty is 1, 2 or 3."),
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def answer_list(self) -> list[str]:
        """The accepted answers of a fill-in-the-blank, as written."""
        return [line.strip() for line in self.accepted_answers.splitlines() if line.strip()]

    def accepts(self, answer: str) -> bool:
        """Whether ``answer`` is one of the accepted answers (see ``normalize_answer``)."""
        given = normalize_answer(answer)
        return bool(given) and any(normalize_answer(accepted) == given for accepted in self.answer_list())


class BankChoice(models.Model):
    question = models.ForeignKey(
        BankQuestion, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("option"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.text


class BankImport(models.Model):
    """A spreadsheet checked for a bank (the dry run): every row's outcome, and the questions it
    would add, so that the commit imports exactly what the editor saw."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked")
        DONE = "done", _("Imported")

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="imports", verbose_name=_("question bank")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKED)
    results = models.JSONField(_("row results"), default=list)
    questions = models.JSONField(_("questions to import"), default=list)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("question import")
        verbose_name_plural = _("question imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.CHECKED and not self.error_count and bool(self.questions)


class Exam(models.Model):
    """An exam of a course; its papers are drawn by its blueprint rules. Published by
    ``exams.papers.exam_publish`` only when the banks can give every rule its questions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class ScorePolicy(models.TextChoices):
        BEST = "best", _("The best attempt")
        LAST = "last", _("The last attempt")

    class Release(models.TextChoices):
        IMMEDIATELY = "immediately", _("Immediately after submitting")
        AFTER_CLOSE = "after_close", _("When the exam window closes")
        MANUAL = "manual", _("By hand")

    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="exams", verbose_name=_("course")
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, help_text=_("The share of the points needed to pass, 0 to 100.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty: no time limit.")
    )
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("Empty: open from publication.")
    )
    closes_at = models.DateTimeField(
        _("closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: never closes. An attempt in progress ends at this time at the latest."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, help_text=_("Empty: as many as the learner wants.")
    )
    cool_off_minutes = models.PositiveIntegerField(
        _("cool-off between attempts (minutes)"),
        default=0,
        help_text=_("How long after submitting an attempt the next one may start; 0: at once."),
    )
    score_policy = models.CharField(
        _("score that counts"), max_length=10, choices=ScorePolicy.choices, default=ScorePolicy.BEST
    )
    release = models.CharField(
        _("results released"), max_length=12, choices=Release.choices, default=Release.IMMEDIATELY
    )
    results_released_at = models.DateTimeField(
        _("results released at"),
        null=True,
        blank=True,
        help_text=_("Results released by hand: when they were released; empty: not yet."),
    )
    is_final = models.BooleanField(
        _("final exam of the course"),
        default=False,
        help_text=_("Passing it counts towards completion when the course requires its final exam."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Counts the changes to what papers are drawn from (the blueprint, the banks' questions, their
    # options and knowledge points; exams.receivers): the cached draw material is keyed by it.
    draw_version = models.PositiveIntegerField(_("draw version"), default=0, editable=False)
    # Its place among the course's exams: set only by publishing a studio revision
    # (courses.revisions), so not editable here.
    position = models.PositiveIntegerField(_("outline position"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "title", "pk"]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        indexes = [models.Index(fields=["course", "status", "position"], name="exam_course_status_position")]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark_percent__lte=100),
                name="exams_exam_pass_mark_0_100",
                violation_error_message=_("The pass mark is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="exams_exam_time_limit_positive",
                violation_error_message=_("A time limit is at least one minute."),
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1),
                name="exams_exam_max_attempts_positive",
                violation_error_message=_("An exam allows at least one attempt."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=models.F("closes_at")),
                name="exams_exam_window_order",
                violation_error_message=_("An exam closes after it opens."),
            ),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(is_final=True),
                name="exams_one_final_exam_per_course",
                violation_error_message=_("A course has one final exam."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def deadline_for(self, started_at: datetime) -> datetime | None:
        """When an attempt started at ``started_at`` ends: at the time limit or when the exam
        closes, whichever comes first; None if neither is set."""
        ends = [self.closes_at] if self.closes_at else []
        if self.time_limit_minutes:
            ends.append(started_at + timedelta(minutes=self.time_limit_minutes))
        return min(ends) if ends else None


class BlueprintRule(models.Model):
    """``count`` questions of one kind, at a difficulty from ``difficulty_min`` to
    ``difficulty_max``, from one bank (and, if given, tagged with one of its knowledge points),
    each worth ``points``."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="rules", verbose_name=_("exam"))
    order = models.PositiveIntegerField(_("order"), default=0)
    bank = models.ForeignKey(
        QuestionBank,
        on_delete=models.PROTECT,
        related_name="blueprint_rules",
        verbose_name=_("question bank"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=BankQuestion.Kind.choices)
    difficulty_min = models.PositiveSmallIntegerField(_("lowest difficulty"), default=1)
    difficulty_max = models.PositiveSmallIntegerField(_("highest difficulty"), default=3)
    knowledge_point = models.ForeignKey(
        KnowledgePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blueprint_rules",
        verbose_name=_("knowledge point"),
        help_text=_("Optional: only questions tagged with this knowledge point of the bank."),
    )
    count = models.PositiveSmallIntegerField(_("number of questions"), default=1)
    points = models.PositiveSmallIntegerField(_("points per question"), default=1)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("blueprint rule")
        verbose_name_plural = _("blueprint rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty_min__gte=1)
                & Q(difficulty_max__lte=3)
                & Q(difficulty_min__lte=models.F("difficulty_max")),
                name="exams_rule_difficulty_range",
                violation_error_message=_(
                    "The difficulties are 1, 2 or 3, the lowest no higher than the highest."
                ),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="exams_rule_count_positive",
                violation_error_message=_("A rule draws at least one question."),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=1),
                name="exams_rule_points_positive",
                violation_error_message=_("A question is worth at least one point."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_kind_display()}"

    def clean(self):
        super().clean()
        if self.knowledge_point_id and self.bank_id and self.knowledge_point.bank_id != self.bank_id:
            raise ValidationError(
                {"knowledge_point": _("Choose a knowledge point of the rule's question bank.")}
            )


class ExamAttempt(models.Model):
    """A learner's attempt at an exam: the ``number``-th of this enrolment. Its paper is its
    AttemptQuestion rows, drawn when the attempt is created. Its ``deadline`` (None: untimed)
    is fixed when it starts; ``exams.attempts`` refuses answers after it and closes the attempt.
    Submitted, ``score`` counts the points marked so far and ``passed`` stays None while a
    short answer awaits marking."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("exam"))
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="exam_attempts", verbose_name=_("enrolment")
    )
    number = models.PositiveIntegerField(_("attempt number"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    max_score = models.PositiveIntegerField(
        _("points possible"), null=True, blank=True, help_text=_("The paper's total points.")
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    room = models.ForeignKey(
        "ExamRoom",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("exam room"),
    )
    # In an exam room the attempt answers only on the phone that started it, until the
    # coordinator lets the learner resume on another one (the token is then cleared).
    device_token = models.CharField(_("device"), max_length=64, blank=True)
    on_paper = models.BooleanField(
        _("sat on paper"), default=False, help_text=_("The score was entered from a paper sheet.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        ordering = ["exam", "enrollment", "number"]
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "enrollment", "number"], name="exams_attempt_number_unique"
            )
        ]
        indexes = [
            # The sweep that closes overdue attempts reads only the open ones.
            models.Index(
                fields=["deadline"],
                condition=Q(submitted_at__isnull=True),
                name="exams_attempt_open_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exam} #{self.number}"

    @property
    def awaiting_marking(self) -> bool:
        """Submitted, with a short answer not marked yet."""
        return self.submitted_at is not None and self.passed is None


class AttemptQuestion(models.Model):
    """A question of an attempt's paper, at its place, with its points and the order its options
    were shown in (BankChoice ids); the learner's answer and, once graded, the points awarded."""

    attempt = models.ForeignKey(
        ExamAttempt, on_delete=models.CASCADE, related_name="paper", verbose_name=_("exam attempt")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.ForeignKey(
        BankQuestion, on_delete=models.PROTECT, related_name="attempt_uses", verbose_name=_("question")
    )
    points = models.PositiveSmallIntegerField(_("points"))
    choice_order = models.JSONField(_("option order"), default=list, blank=True)
    # The answer key as it was when the paper was drawn: a later edit of the bank (a right option
    # changed, a variant added) does not change how this attempt is graded or re-graded.
    key = models.JSONField(
        _("answer key"),
        null=True,
        blank=True,
        help_text=_(
            "When the paper was drawn: the right option ids (choice questions) or the accepted "
            "answers (fill in the blank); empty for a short answer."
        ),
    )
    answer = models.JSONField(
        _("answer"),
        null=True,
        blank=True,
        help_text=_("The chosen option ids (choice questions) or the text written; empty if unanswered."),
    )
    points_awarded = models.PositiveSmallIntegerField(
        _("points awarded"), null=True, blank=True, help_text=_("Empty until graded or marked.")
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    marker_comment = models.TextField(_("marker's comment"), blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("paper question")
        verbose_name_plural = _("paper questions")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="exams_paper_position_unique"),
            models.UniqueConstraint(fields=["attempt", "question"], name="exams_paper_question_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} {self.position}"


class ExamWindow(models.Model):
    """When a cohort sits an exam, set by its coordinator: for the cohort's learners it replaces
    the exam's own opening and closing times."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="windows", verbose_name=_("exam"))
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="exam_windows", verbose_name=_("cohort")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["opens_at", "pk"]
        verbose_name = _("cohort exam window")
        verbose_name_plural = _("cohort exam windows")
        constraints = [
            models.UniqueConstraint(fields=["exam", "cohort"], name="exams_window_one_per_cohort"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="exams_window_order",
                violation_error_message=_("An exam closes after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.cohort}"


class ExamException(models.Model):
    """An exception for one learner (accessibility, an emergency): extra time on every attempt,
    extra attempts, and/or a window of their own. Always with a reason; granting it writes an
    ExamAuditEntry."""

    exam = models.ForeignKey(
        Exam, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("exam")
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="exam_exceptions", verbose_name=_("enrolment")
    )
    extra_minutes = models.PositiveIntegerField(_("extra time (minutes)"), default=0)
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts"), default=0)
    opens_at = models.DateTimeField(_("own window opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("own window closes at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("exam exception")
        verbose_name_plural = _("exam exceptions")
        constraints = [
            models.UniqueConstraint(fields=["exam", "enrollment"], name="exams_exception_one_per_learner"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=models.F("closes_at")),
                name="exams_exception_window_order",
                violation_error_message=_("An exam closes after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.enrollment_id}"


class ExamRoom(models.Model):
    """An exam sat in an offline class session: learners join with a room code that changes
    every minute (``exams.rooms``); the coordinator sees the seats, pauses everyone on a power
    cut and lets a learner resume on another phone."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("exam"))
    session = models.ForeignKey(
        ClassSession, on_delete=models.CASCADE, related_name="exam_rooms", verbose_name=_("class session")
    )
    secret = models.CharField(_("code secret"), max_length=64)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(
        _("paused at"),
        null=True,
        blank=True,
        help_text=_("Paused for everyone: no answer is saved, no time runs."),
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("exam room")
        verbose_name_plural = _("exam rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "session"],
                condition=Q(closed_at__isnull=True),
                name="exams_room_one_open_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.session}"


class AttemptEvent(models.Model):
    """What happened to an attempt, when and from which device: started, resumed, an answer
    saved, paused, submitted. The integrity log; kept as long as the attempt."""

    class Kind(models.TextChoices):
        START = "start", _("Started")
        RESUME = "resume", _("Resumed")
        SAVE = "save", _("Answer saved")
        REFUSED = "refused", _("Answer refused")
        SUBMIT = "submit", _("Submitted")
        CLOSED = "closed", _("Closed at the deadline")
        DEVICE_RELEASED = "device_released", _("Allowed on another phone")

    attempt = models.ForeignKey(
        ExamAttempt, on_delete=models.CASCADE, related_name="events", verbose_name=_("exam attempt")
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    position = models.PositiveSmallIntegerField(_("question"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)

    class Meta:
        ordering = ["attempt", "at", "pk"]
        verbose_name = _("attempt event")
        verbose_name_plural = _("attempt events")

    def __str__(self) -> str:
        return f"{self.attempt} {self.kind}"


class ExamAuditEntryManager(models.Manager):
    def record(self, *, exam_id: int, actor, action: str, reason: str = "", **fields) -> ExamAuditEntry:
        """Write one entry: ``fields`` are the entry's own (``attempt_id``, ``enrollment_id``,
        ``at``) or go into ``detail`` (dates as ISO text); the reason on one line, cut to fit."""
        own = {name: fields.pop(name) for name in ("attempt_id", "enrollment_id", "at") if name in fields}
        return self.create(
            exam_id=exam_id,
            actor=actor,
            action=action,
            reason=" ".join((reason or "").split())[:300],
            detail={
                key: (value.isoformat() if isinstance(value, datetime) else value)
                for key, value in fields.items()
            },
            **own,
        )


class ExamAuditEntry(models.Model):
    """A staff action on an exam that changes what a learner may do or what they scored: an
    exception granted, a cohort window set, a mark or a score changed by hand, a paper score
    entered, a room paused, results released. Who, when, what and why. Written with
    ``ExamAuditEntry.objects.record``."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="audit", verbose_name=_("exam"))
    attempt = models.ForeignKey(
        ExamAttempt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit",
        verbose_name=_("exam attempt"),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exam_audit",
        verbose_name=_("enrolment"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    objects = ExamAuditEntryManager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("exam audit entry")
        verbose_name_plural = _("exam audit entries")

    def __str__(self) -> str:
        return f"{self.exam} {self.action}"
