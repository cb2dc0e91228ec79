"""Skills competitions (赛): a competition with its eligibility and registration window, the
entries (one learner, or a team whose members accepted the captain's invitation), the rounds of
each tier (county → province → nation) with their theory paper, practical task, scoring rule and
advancement rule, the results rebuilt per round, and the audit of staff adjustments.

A round's results are derived rows (``RoundResult``), rebuilt as a whole by
``competitions.services.round_results_rebuild`` from the exams attempts and the practice runs of
the round's entrants: never edited by hand.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import new_verification_code
from counties.models import County, Province, SchoolType
from courses.models import Course, Track
from exams.models import Exam
from practice.models import Assignment, ItemSet, Submission
from talentportal.validators import validate_single_line


class Tier(models.TextChoices):
    COUNTY = "county", _("County round")
    PROVINCE = "province", _("Province round")
    NATIONAL = "national", _("National round")


TIER_ORDER = {Tier.COUNTY: 0, Tier.PROVINCE: 1, Tier.NATIONAL: 2}


class Competition(models.Model):
    """A skills competition. Its ``county`` (a county competition, run by that county's
    coordinators) or ``province`` (a provincial one) or neither (national) say who manages it:
    a county's coordinators manage a county competition, staff manage every one."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        TEAM = "team", _("Team")

    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, related_name="competitions", verbose_name=_("track")
    )
    kind = models.CharField(_("entries"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    team_min = models.PositiveSmallIntegerField(_("smallest team"), default=1)
    team_max = models.PositiveSmallIntegerField(_("largest team"), default=1)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competitions",
        verbose_name=_("county"),
        help_text=_("A county competition: only learners of this county may enter."),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competitions",
        verbose_name=_("province"),
        help_text=_("A provincial competition: only learners of this province may enter."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens at"))
    registration_closes_at = models.DateTimeField(_("registration closes at"))
    required_course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled in"),
        help_text=_("Optional: entrants must be enrolled in this course."),
    )
    certificate_course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate held for"),
        help_text=_("Optional: entrants must hold the certificate of this course."),
    )
    min_age = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    school_types = models.JSONField(
        _("kinds of school"),
        default=list,
        blank=True,
        help_text=_("Optional: only learners of these kinds of school may enter (none ticked: any)."),
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

    class Meta:
        ordering = ["-registration_opens_at", "-pk"]
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        indexes = [
            models.Index(fields=["county"], name="competition_county"),
            models.Index(fields=["province"], name="competition_province"),
            models.Index(fields=["registration_closes_at"], name="competition_reg_closes"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_opens_at__lt=models.F("registration_closes_at")),
                name="competition_registration_order",
                violation_error_message=_("Registration closes after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(team_min__gte=1) & Q(team_min__lte=models.F("team_max")),
                name="competition_team_sizes",
                violation_error_message=_(
                    "A team has at least one member, the smallest no larger than the largest."
                ),
            ),
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(province__isnull=True),
                name="competition_county_or_province",
                violation_error_message=_("A competition belongs to a county or to a province, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def school_types_display(self) -> str:
        """The kinds of school that may enter, by name, in the order of SchoolType ("" for any)."""
        labels = dict(SchoolType.choices)
        return " / ".join(str(labels[value]) for value in SchoolType.values if value in self.school_types)

    @property
    def is_team(self) -> bool:
        return self.kind == self.Kind.TEAM

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.registration_opens_at <= now < self.registration_closes_at


class Entry(models.Model):
    """An entrant of a competition: one learner, or a team (``name``) led by its ``captain``.
    Its people are its accepted ``EntryMember`` rows; ``county`` is the captain's at
    registration, and decides the county round the entry starts in."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="entries", verbose_name=_("competition")
    )
    name = models.CharField(_("team name"), max_length=60, blank=True, validators=[validate_single_line])
    # SET_NULL: deleting a captain's row must not delete the team's entry, its results and
    # awards (an erased account keeps its row anyway; see user_competition_data_erase).
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="competition_entries",
        verbose_name=_("captain"),
    )
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["competition", "pk"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["competition", "county"], name="entry_competition_county")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The team's name, else its captain; a captain whose account was deleted (``captain``
        SET_NULL) shows as such, never as "None"."""
        if self.name:
            return self.name
        return str(self.captain) if self.captain_id else str(_("(account deleted)"))

    @property
    def captain_label(self) -> str:
        return str(self.captain) if self.captain_id else str(_("(account deleted)"))


class EntryMember(models.Model):
    """A learner in an entry: accepted (``accepted_at``) or invited by the captain. A learner is
    in one entry per competition at most (a database constraint on the accepted rows)."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="members", verbose_name=_("entry")
    )
    # Denormalised from the entry: the constraint "one team per competition" needs it.
    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="+", verbose_name=_("competition")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="competition_memberships",
        verbose_name=_("learner"),
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        ordering = ["entry", "pk"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["entry", "learner"], name="entrymember_once_per_entry"),
            models.UniqueConstraint(
                fields=["competition", "learner"],
                condition=Q(accepted_at__isnull=False),
                name="entrymember_one_entry_per_competition",
                violation_error_message=_("A learner is in one team per competition."),
            ),
        ]
        indexes = [models.Index(fields=["learner", "accepted_at"], name="entrymember_learner")]

    def __str__(self) -> str:
        return f"{self.entry} · {self.learner}"


class Round(models.Model):
    """A round of one tier: a county's round, a province's or the national one. Entrants sit its
    theory paper (an exam whose window is the round's) and do its practical task (a labelling
    item set scored against gold) between ``opens_at`` and ``closes_at``; the first submitted
    attempt and run in the window count. ``advance_to`` with ``advance_top_n`` or
    ``advance_top_percent`` is the advancement rule to the next tier."""

    class Rule(models.TextChoices):
        PRACTICAL_FIRST = "practical_first", _("Practical accuracy, then time taken, then theory score")
        THEORY_FIRST = "theory_first", _("Theory score, then practical accuracy, then time taken")

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("competition")
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("county")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    freeze_minutes = models.PositiveIntegerField(
        _("scoreboard frozen for the last (minutes)"),
        default=0,
        help_text=_("The public scoreboard stops changing this long before the round ends; 0: never frozen."),
    )
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)
    exam = models.ForeignKey(
        Exam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("theory paper"),
    )
    item_set = models.ForeignKey(
        ItemSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practical task"),
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judged task"),
        help_text=_("Optional: a practical assignment marked by the round's judges with its rubric."),
    )
    judge_gap = models.PositiveSmallIntegerField(
        _("third judge when two marks differ by more than (points of 100)"), default=20
    )
    rule = models.CharField(
        _("scoring rule"), max_length=20, choices=Rule.choices, default=Rule.PRACTICAL_FIRST
    )
    advance_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feeders",
        verbose_name=_("advance to"),
    )
    advance_top_n = models.PositiveIntegerField(_("top N advance"), null=True, blank=True)
    advance_top_percent = models.PositiveSmallIntegerField(_("top % advance"), null=True, blank=True)
    appeal_hours = models.PositiveIntegerField(
        _("appeals accepted for (hours after the round ends)"), default=48
    )
    prize_first_to = models.PositiveIntegerField(_("first prize (一等奖) up to rank"), null=True, blank=True)
    prize_second_to = models.PositiveIntegerField(
        _("second prize (二等奖) up to rank"), null=True, blank=True
    )
    prize_third_to = models.PositiveIntegerField(_("third prize (三等奖) up to rank"), null=True, blank=True)
    # Bumped by a rebuild that changed any of the results (what figures and benchmarks follow).
    results_version = models.PositiveIntegerField(_("results version"), default=0, editable=False)
    # One version per view, bumped only when that view's rows changed: the scoreboard a visitor
    # sees is cached by its own view's version, so new scores during a freeze (which change the
    # live rows only) leave the frozen board's cache warm.
    live_version = models.PositiveIntegerField(_("live results version"), default=0, editable=False)
    frozen_version = models.PositiveIntegerField(_("frozen results version"), default=0, editable=False)
    results_at = models.DateTimeField(_("results computed at"), null=True, blank=True, editable=False)
    advanced_at = models.DateTimeField(_("advancement computed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["competition", "opens_at", "pk"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        indexes = [
            models.Index(fields=["competition", "tier"], name="round_competition_tier"),
            models.Index(fields=["county"], name="round_county"),
            models.Index(fields=["opens_at", "closes_at"], name="round_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="round_window_order",
                violation_error_message=_("A round closes after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(advance_top_percent__isnull=True) | Q(advance_top_percent__lte=100),
                name="round_advance_percent",
            ),
            models.UniqueConstraint(
                fields=["competition", "county"],
                condition=Q(tier="county"),
                name="round_one_per_county",
                violation_error_message=_("The competition already has a round for this county."),
            ),
            models.UniqueConstraint(
                fields=["competition", "province"],
                condition=Q(tier="province"),
                name="round_one_per_province",
                violation_error_message=_("The competition already has a round for this province."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competition} · {self.place_name}"

    @property
    def place_name(self) -> str:
        if self.tier == Tier.COUNTY and self.county_id:
            return self.county.name
        if self.tier == Tier.PROVINCE and self.province_id:
            return self.province.name
        return str(Tier(self.tier).label)

    @property
    def freeze_at(self):
        if not self.freeze_minutes:
            return None
        return self.closes_at - timedelta(minutes=self.freeze_minutes)

    def is_frozen(self, now=None) -> bool:
        """Whether the public sees the ranking as of the freeze: in the last ``freeze_minutes``
        of the round and afterwards, until the round ends or staff reveal it."""
        now = now or timezone.now()
        if self.revealed_at or self.freeze_at is None:
            return False
        return self.freeze_at <= now < self.closes_at

    def board_version(self, view: str) -> int:
        """The version of the results of ``view`` (``RoundResult.View``): what its cache is keyed by."""
        return self.frozen_version if view == RoundResult.View.FROZEN else self.live_version

    def appeals_open(self, now=None) -> bool:
        """Whether entrants may appeal now: from the end of the round for ``appeal_hours``."""
        now = now or timezone.now()
        return self.closes_at <= now < self.closes_at + timedelta(hours=self.appeal_hours)

    def prize_for(self, rank: int | None) -> str | None:
        """The prize a rank wins by the round's bands (None: no prize)."""
        if rank is None:
            return None
        for prize, up_to in (
            (Award.Prize.FIRST, self.prize_first_to),
            (Award.Prize.SECOND, self.prize_second_to),
            (Award.Prize.THIRD, self.prize_third_to),
        ):
            if up_to and rank <= up_to:
                return prize
        return None

    def advance_count(self, ranked: int) -> int:
        """How many ranks advance out of ``ranked`` ranked entries (ties at the cut go along)."""
        if self.advance_top_n:
            return min(self.advance_top_n, ranked)
        if self.advance_top_percent:
            return min(ranked, math.ceil(ranked * self.advance_top_percent / 100))
        return 0


class RoundEntry(models.Model):
    """An entry taking part in a round: registered into its first round, advanced from a round
    of the tier below (``from_round``), or added by staff."""

    class Source(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ADVANCED = "advanced", _("Advanced")
        STAFF = "staff", _("Added by staff")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="entries", verbose_name=_("round")
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="round_entries", verbose_name=_("entry")
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.REGISTERED)
    from_round = models.ForeignKey(
        Round,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("advanced from"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = _("round entrant")
        verbose_name_plural = _("round entrants")
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="roundentry_once")]
        indexes = [
            models.Index(fields=["entry"], name="roundentry_entry"),
            models.Index(fields=["from_round", "source"], name="roundentry_from_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.entry_id}"


class RoundResult(models.Model):
    """An entry's result in a round, as of the last rebuild. Two views: ``live`` (every
    submission) and ``frozen`` (only what was submitted before the freeze: what the public sees
    while the scoreboard is frozen). ``display_name`` is masked (张*明) or the team's name;
    ``rank`` is empty for an entrant with nothing submitted."""

    class View(models.TextChoices):
        LIVE = "live", _("Live")
        FROZEN = "frozen", _("Frozen")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="results", verbose_name=_("round")
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="results", verbose_name=_("entry")
    )
    view = models.CharField(_("view"), max_length=6, choices=View.choices, default=View.LIVE)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    practical_percent = models.FloatField(_("practical accuracy (%)"), null=True, blank=True)
    practical_seconds = models.PositiveIntegerField(_("time taken (seconds)"), null=True, blank=True)
    theory_percent = models.FloatField(_("theory score (%)"), null=True, blank=True)
    display_name = models.CharField(_("shown as"), max_length=60, blank=True)
    county_name = models.CharField(_("county"), max_length=50, blank=True)

    class Meta:
        ordering = ["round", "view", "rank", "pk"]
        verbose_name = _("round result")
        verbose_name_plural = _("round results")
        constraints = [
            models.UniqueConstraint(fields=["round", "view", "entry"], name="roundresult_once"),
        ]
        indexes = [models.Index(fields=["round", "view", "rank"], name="roundresult_board")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.entry_id} · {self.rank}"


class RoundRebuild(models.Model):
    """The turn of a round's results rebuild: one row per round, locked by
    ``competitions.services.round_results_rebuild`` for its whole run, so that two rebuilds of a
    round run one after the other while the round's own row, which appeals, round edits,
    advancement and registration lock, stays free until the short compare-and-write at the end.
    No database constraint to the round: inserting the row must not lock the round's row."""

    round = models.OneToOneField(
        Round,
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("round"),
    )

    class Meta:
        verbose_name = _("results rebuild turn")
        verbose_name_plural = _("results rebuild turns")

    def __str__(self) -> str:
        return str(self.round_id)


class AdvancementAdjustment(models.Model):
    """Staff adding an entry to a round or removing it, with the reason: the audit of
    advancement. The latest row per round and entry also tells a recomputed advancement not to
    undo it."""

    class Action(models.TextChoices):
        ADD = "add", _("Added")
        REMOVE = "remove", _("Removed")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("round")
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+", verbose_name=_("entry"))
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("advancement adjustment")
        verbose_name_plural = _("advancement adjustments")
        indexes = [models.Index(fields=["round", "entry"], name="adjustment_round_entry")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.action} {self.entry_id}"


class Appeal(models.Model):
    """An entrant's appeal against one of their scores in a round, filed within the round's
    appeal window with a reason, and resolved by the round's managers: rejected, or upheld with
    the corrected score, which the results then use (and advancement follows)."""

    class Score(models.TextChoices):
        PRACTICAL = "practical", _("Practical accuracy")
        THEORY = "theory", _("Theory score")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("round")
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("entry")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="competition_appeals",
        verbose_name=_("filed by"),
    )
    score = models.CharField(_("score appealed"), max_length=10, choices=Score.choices)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    previous_percent = models.FloatField(_("score before"), null=True, blank=True)
    corrected_percent = models.FloatField(_("corrected score (%)"), null=True, blank=True)
    resolution = models.CharField(_("decision"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [
            models.Index(fields=["round", "status"], name="appeal_round_status"),
            models.Index(fields=["entry"], name="appeal_entry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry", "score"],
                condition=Q(status="open"),
                name="appeal_one_open_per_score",
                violation_error_message=_("This score is already under appeal."),
            ),
            models.CheckConstraint(
                condition=Q(corrected_percent__isnull=True)
                | Q(corrected_percent__gte=0, corrected_percent__lte=100),
                name="appeal_corrected_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.entry_id} · {self.score}"


class RoundJudge(models.Model):
    """A judge of a round's judged task, with the county they come from: a judge never marks the
    work of an entry of their own county (the declared conflict of interest)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="judges", verbose_name=_("round"))
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judging", verbose_name=_("judge")
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judge's county"),
        help_text=_("The judge does not mark entries of this county."),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        constraints = [models.UniqueConstraint(fields=["round", "judge"], name="roundjudge_once")]
        indexes = [models.Index(fields=["judge"], name="roundjudge_judge")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.judge}"


class JudgeMark(models.Model):
    """A judge's mark of one submission of a round's judged task: assigned (``marked_at``
    empty), then marked with a level per rubric criterion. Two per submission; a third when
    the two differ by more than the round's ``judge_gap``. The judge sees neither the name nor
    the county of the entrant."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="marks", verbose_name=_("round"))
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+", verbose_name=_("entry"))
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="+", verbose_name=_("submission")
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("judge")
    )
    position = models.PositiveSmallIntegerField(_("judge number"))
    levels = models.JSONField(_("levels"), default=list, blank=True)
    percent = models.FloatField(_("mark (%)"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)

    class Meta:
        ordering = ["submission", "position"]
        verbose_name = _("judge's mark")
        verbose_name_plural = _("judges' marks")
        constraints = [
            models.UniqueConstraint(fields=["submission", "judge"], name="judgemark_once_per_judge"),
            models.UniqueConstraint(fields=["round", "submission", "position"], name="judgemark_position"),
        ]
        indexes = [
            models.Index(fields=["judge", "marked_at"], name="judgemark_queue"),
            models.Index(fields=["round", "entry"], name="judgemark_round_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.position}"


class Award(models.Model):
    """A prize won in a round (一等奖/二等奖/三等奖 by the round's rank bands), with its award
    certificate: created ``pending`` by ``competitions.services.awards_grant``, rendered to PDF
    by a task, verifiable on a public page by its code; ``revoked`` when a later change of the
    results (an upheld appeal) takes the prize away."""

    class Prize(models.TextChoices):
        FIRST = "first", _("First prize")
        SECOND = "second", _("Second prize")
        THIRD = "third", _("Third prize")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="awards", verbose_name=_("round"))
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="awards", verbose_name=_("entry"))
    prize = models.CharField(_("prize"), max_length=6, choices=Prize.choices)
    rank = models.PositiveIntegerField(_("rank"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    verification_code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_verification_code
    )
    file = models.FileField(_("PDF file"), upload_to="awards/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "rank", "pk"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [models.UniqueConstraint(fields=["round", "entry"], name="award_once_per_round")]
        indexes = [models.Index(fields=["status", "created_at"], name="award_status_created")]

    def __str__(self) -> str:
        return self.verification_code
