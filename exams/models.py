"""Question banks: the questions an exam draws its papers from.

A bank belongs to a track or to a course (exactly one: a database constraint). Its questions are
of five kinds; the rules a question must meet to be usable (the right options of a choice
question, the accepted answers of a fill-in-the-blank) are checked by ``exams.services`` before
anything is written, since they span several rows.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Track


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
