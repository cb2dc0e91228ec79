"""The programme figures' summary tables: one snapshot of small cubes, refreshed by a task.

The dashboard never reads the learner or enrolment tables: ``figures.services.figures_refresh``
aggregates them (GROUP BY inside the database) into the cubes below, every 15 minutes. Each cube
holds rows at three levels: per county, rolled up per province, and for the whole programme. A
request reads the coarsest level its filters allow (the programme's few thousand rows when nothing
is filtered, one province's rows, or the rows of a coordinator's counties), through the indexes
below. Weeks are Mondays (ISO weeks, in the portal's time zone).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counties.models import County, Prefecture, Province
from courses.models import Course, Track

__all__ = [
    "FigureActivity",
    "FigureContest",
    "FigureCountyReach",
    "FigureDemographic",
    "FigureFieldwork",
    "FigureLearners",
    "FigurePerson",
    "FigurePlacement",
    "FigureProject",
    "FiguresSnapshot",
]


class FiguresSnapshot(models.Model):
    """One refresh of the figures. Readers use the newest; the one before stays until the next
    refresh, so a page that started reading it finishes on consistent numbers."""

    taken_at = models.DateTimeField(_("figures as of"))
    duration_ms = models.PositiveIntegerField(_("refresh time (ms)"), default=0)

    class Meta:
        db_table = "enrollment_figuressnapshot"  # the table predates the app
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("figures snapshot")
        verbose_name_plural = _("figures snapshots")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.taken_at):%Y-%m-%d %H:%M}"


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    PROVINCE = "province", _("Province")
    PROGRAMME = "programme", _("Programme")


def _ref(model, **extra):
    # Cube rows point at counties, courses… without a constraint: the snapshot is rebuilt from
    # scratch, and a constraint check per inserted row would only slow the refresh down.
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        **extra,
    )


class CubeRow(models.Model):
    snapshot = models.ForeignKey(FiguresSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.CharField(max_length=10, choices=Level.choices)
    province = _ref(Province)
    prefecture = _ref(Prefecture)
    county = _ref(County)
    track = _ref(Track)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.level} {self.county_id or self.province_id or ''}"


def _indexes(prefix: str) -> list[models.Index]:
    return [
        models.Index(fields=["snapshot", "level", "province"], name=f"{prefix}_province"),
        models.Index(fields=["snapshot", "level", "prefecture"], name=f"{prefix}_prefecture"),
        models.Index(fields=["snapshot", "level", "county"], name=f"{prefix}_county"),
    ]


class FigureActivity(CubeRow):
    """Enrolments, completions and certificates per (area, course, week of the event).

    ``enrolled`` counts enrolments admitted (studying, completed or withdrawn) by the week they
    started; ``enrolled_completed`` and ``enrolled_withdrawn`` how many of those are now completed
    or withdrawn (the completion rate of the enrolments started in a period); ``completed`` counts
    completions by the week of completion, ``certified`` issued certificates by the week of issue.
    """

    course = _ref(Course)
    week = models.DateField()
    enrolled = models.PositiveIntegerField(default=0)
    enrolled_completed = models.PositiveIntegerField(default=0)
    enrolled_withdrawn = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "enrollment_figureactivity"  # the table predates the app
        indexes = _indexes("figact")


class FigureDemographic(CubeRow):
    """The same measures as FigureActivity per (area, track, week, gender, age band, delivery)."""

    week = models.DateField()
    gender = models.CharField(max_length=12, blank=True)
    age_band = models.CharField(max_length=8)
    delivery = models.CharField(max_length=10)
    enrolled = models.PositiveIntegerField(default=0)
    enrolled_completed = models.PositiveIntegerField(default=0)
    enrolled_withdrawn = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "enrollment_figuredemographic"  # the table predates the app
        indexes = _indexes("figdem")


class FigureLearners(CubeRow):
    """People, per (area of the learner's county, week they registered, gender, age band).

    Rows with no ``track`` count every learner; rows of a track count the learners with an
    enrolment in it (and their completions, certificates and placements in that track).
    ``trained``: completed at least one course; ``active``: the account is open and studied in
    the 30 days before the snapshot; ``applied``: applied for at least one job (whether or not
    the consent was withdrawn later); ``hired``: an employer moved one of those applications to
    "hired".
    """

    week = models.DateField()
    gender = models.CharField(max_length=12, blank=True)
    age_band = models.CharField(max_length=8)
    learners = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    trained = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)
    placed = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    # The hiring end of the funnel (jobs): applied for at least one job; hired by an employer.
    applied = models.PositiveIntegerField(default=0)
    hired = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "enrollment_figurelearners"  # the table predates the app
        indexes = _indexes("figlrn")


class FigurePlacement(CubeRow):
    """Placement outcomes recorded per (area, course, week of the outcome, outcome)."""

    course = _ref(Course)
    week = models.DateField()
    outcome = models.CharField(max_length=16)
    recorded = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "enrollment_figureplacement"  # the table predates the app
        indexes = _indexes("figplc")


class FigureCountyReach(models.Model):
    """The week a county (in a track, or in any track when ``track`` is empty) had its first
    enrolment: "counties reached by a date" without reading the enrolments."""

    snapshot = models.ForeignKey(FiguresSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False)
    county = _ref(County)
    province = _ref(Province)
    prefecture = _ref(Prefecture)
    track = _ref(Track)
    is_priority = models.BooleanField(default=False)
    first_week = models.DateField()

    class Meta:
        db_table = "enrollment_figurecountyreach"  # the table predates the app
        indexes = [
            models.Index(fields=["snapshot", "province"], name="figreach_province"),
            models.Index(fields=["snapshot", "county"], name="figreach_county"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.first_week}"


class FigureFieldwork(CubeRow):
    """The technology officers' work per area, to date at the snapshot (no week, no track).

    ``counties_covered``: 1 for a county with an officer in a current appointment; ``visits``,
    ``visit_minutes`` and ``surveys`` (needs survey responses) since the start; the projects by
    their status now and their indicators (with an actual value: achieved, on track). People
    (officers, local talents) are counted in FigurePerson, each person once in any area.
    """

    counties_covered = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    visit_minutes = models.PositiveIntegerField(default=0)
    surveys = models.PositiveIntegerField(default=0)
    projects = models.PositiveIntegerField(default=0)
    projects_planned = models.PositiveIntegerField(default=0)
    projects_running = models.PositiveIntegerField(default=0)
    projects_handed_over = models.PositiveIntegerField(default=0)
    projects_ended = models.PositiveIntegerField(default=0)
    projects_stalled = models.PositiveIntegerField(default=0)
    indicators = models.PositiveIntegerField(default=0)
    indicators_achieved = models.PositiveIntegerField(default=0)
    indicators_on_track = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = _indexes("figfld")


class FigureContest(CubeRow):
    """Skills competitions per (area, track of the competition), to date at the snapshot:
    ``entries`` (individual or team) by the county they entered from, ``teams`` among them,
    ``rounds`` held for the county (county rounds), ``awards`` won and not revoked. People
    (entrants, winners) are counted in FigurePerson."""

    entries = models.PositiveIntegerField(default=0)
    teams = models.PositiveIntegerField(default=0)
    rounds = models.PositiveIntegerField(default=0)
    awards = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = _indexes("figcon")


class FigurePerson(models.Model):
    """A person the figures count as distinct people, once per county (and track, and kind):
    an officer in a current appointment there; a local talent one of its projects trained (a
    successor, or a learner of a linked cohort who completed); a learner who entered a
    competition from there (``entrant``, with the competition's track) or won a prize
    (``winner``). The dashboard counts distinct people over the counties of an area, so one
    officer of two counties, or one successor of two projects, is one."""

    class Kind(models.TextChoices):
        OFFICER = "officer"
        TALENT = "talent"
        ENTRANT = "entrant"
        WINNER = "winner"

    snapshot = models.ForeignKey(FiguresSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False)
    province = _ref(Province)
    prefecture = _ref(Prefecture)
    county = _ref(County)
    track = _ref(Track)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    person_id = models.PositiveBigIntegerField()
    gender = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "kind", "province"], name="figper_province"),
            models.Index(fields=["snapshot", "kind", "prefecture"], name="figper_prefecture"),
            models.Index(fields=["snapshot", "kind", "county"], name="figper_county"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} @ {self.county_id}"


class FigureProject(models.Model):
    """One county digital project as the snapshot saw it: its status, indicators and the local
    talents it trained (the "per project" table; the title is the one at the snapshot)."""

    snapshot = models.ForeignKey(FiguresSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False)
    province = _ref(Province)
    prefecture = _ref(Prefecture)
    county = _ref(County)
    project_id = models.PositiveIntegerField()
    title = models.CharField(max_length=100)
    status = models.CharField(max_length=12)
    indicators = models.PositiveIntegerField(default=0)
    indicators_achieved = models.PositiveIntegerField(default=0)
    indicators_on_track = models.PositiveIntegerField(default=0)
    talents = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "province"], name="figprj_province"),
            models.Index(fields=["snapshot", "prefecture"], name="figprj_prefecture"),
            models.Index(fields=["snapshot", "county"], name="figprj_county"),
        ]

    def __str__(self) -> str:
        return self.title
