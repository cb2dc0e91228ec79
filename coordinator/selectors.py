"""Reads for the coordinator's workspace: headline numbers, rosters, at-risk learners, classes
and placements, built from cohorts and their enrolments."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, NullIf
from django.db.models.lookups import LessThan
from django.utils import timezone

from counties.models import Attendance, ClassSession, Cohort, County, PlacementOutcome
from enrollment.models import Enrollment

ACTIVITY_WINDOW = datetime.timedelta(days=7)
# A learner is behind when their progress trails the elapsed share of the cohort's dates by more
# than this many points.
SCHEDULE_SLACK_POINTS = 20


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (both dates), on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _behind_schedule(prefix: str, today: datetime.date, cohort: Cohort | None = None):
    """True when an enrolment's progress is below the cohort's schedule: the elapsed fraction of
    its dates × 100 minus SCHEDULE_SLACK_POINTS. ``prefix`` leads from the row to the enrolment
    (``""`` on Enrollment, ``"enrollments__"`` on Cohort, ``"cohorts__enrollments__"`` on County).
    Computed in integers, without division: progress × length < elapsed × 100 − slack × length.
    Given the ``cohort`` of every row (one cohort's roster), its length and elapsed days are
    numbers here rather than expressions over a join."""
    progress = F(f"{prefix}progress_percent")
    if cohort is not None:
        length = max((cohort.end_date - cohort.start_date).days, 1)
        elapsed = min(max((today - cohort.start_date).days, 0), length)
        return LessThan(progress * length, elapsed * 100 - SCHEDULE_SLACK_POINTS * length)
    path = prefix.removesuffix("enrollments__") if prefix else "cohort__"
    start, end = F(f"{path}start_date"), F(f"{path}end_date")
    length = Greatest(DaysBetween(end, start), Value(1))
    elapsed = Least(Greatest(DaysBetween(Value(today, output_field=DateField()), start), Value(0)), length)
    return LessThan(progress * length, elapsed * 100 - Value(SCHEDULE_SLACK_POINTS) * length)


def at_risk_condition(
    *, prefix: str = "", now: datetime.datetime | None = None, cohort: Cohort | None = None
) -> Q:
    """Q for an active enrolment at risk: no activity for ACTIVITY_WINDOW (or never), or behind
    its cohort's schedule. Waiting, completed and withdrawn enrolments are never at risk.
    ``cohort``: every row's cohort, when they share one (see _behind_schedule)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    inactive = Q(**{f"{prefix}last_activity_at__isnull": True}) | Q(
        **{f"{prefix}last_activity_at__lt": now - ACTIVITY_WINDOW}
    )
    return Q(**{f"{prefix}status": "active"}) & (inactive | Q(_behind_schedule(prefix, today, cohort)))


def headline_counts(*, prefix: str, now: datetime.datetime | None = None) -> dict:
    """Aggregates for the home page: learners (studying or completed), active in the last
    ACTIVITY_WINDOW, completed, at risk. ``prefix`` leads from the annotated model to Enrollment."""
    now = now or timezone.now()
    in_class = Q(**{f"{prefix}status__in": ["active", "completed"]})
    field = f"{prefix}pk"
    return {
        "learner_count": Count(field, filter=in_class, distinct=bool(prefix)),
        "active_count": Count(
            field,
            filter=in_class & Q(**{f"{prefix}last_activity_at__gte": now - ACTIVITY_WINDOW}),
            distinct=bool(prefix),
        ),
        "completed_count": Count(field, filter=Q(**{f"{prefix}status": "completed"}), distinct=bool(prefix)),
        "at_risk_count": Count(
            field, filter=at_risk_condition(prefix=prefix, now=now), distinct=bool(prefix)
        ),
    }


HEADLINES = ("learner_count", "active_count", "completed_count", "at_risk_count")
# A county's numbers sum all its cohorts' enrolments (hundreds of thousands in a large county):
# computed at most once a minute per county, not on every page view.
COUNTY_HEADLINES_SECONDS = 60


def _set_headlines(item, numbers: dict | None) -> None:
    for name in HEADLINES:
        setattr(item, name, (numbers or {}).get(name, 0))


def attach_cohort_headlines(cohorts: list[Cohort]) -> list[Cohort]:
    """Set the headline numbers on a page of cohorts: one grouped query over those cohorts'
    enrolments only, so the cost follows the page, not the county."""
    rows = (
        Enrollment.objects.filter(cohort__in=[cohort.pk for cohort in cohorts])
        .values("cohort_id")
        .annotate(**headline_counts(prefix=""))
    )
    numbers = {row["cohort_id"]: row for row in rows}
    for cohort in cohorts:
        _set_headlines(cohort, numbers.get(cohort.pk))
    return cohorts


def attach_county_headlines(counties: list[County]) -> list[County]:
    """Set the headline numbers (over all their cohorts' enrolments) on a page of counties, from
    the cache or, for the counties missing there, from one grouped query."""
    keys = {f"counties:headlines:{county.code}": county for county in counties}
    numbers = cache.get_many(list(keys))
    missing = [county.code for key, county in keys.items() if key not in numbers]
    if missing:
        rows = (
            Enrollment.objects.filter(cohort__county_id__in=missing)
            .values("cohort__county_id")
            .annotate(**headline_counts(prefix=""))
        )
        fresh = {f"counties:headlines:{code}": dict.fromkeys(HEADLINES, 0) for code in missing}
        for row in rows:
            fresh[f"counties:headlines:{row['cohort__county_id']}"] = {name: row[name] for name in HEADLINES}
        cache.set_many(fresh, COUNTY_HEADLINES_SECONDS)
        numbers.update(fresh)
    for key, county in keys.items():
        _set_headlines(county, numbers[key])
    return counties


def cohorts_with_headlines(user) -> QuerySet[Cohort]:
    """The cohorts ``user`` manages with headline numbers annotated (for one cohort's page;
    lists use attach_cohort_headlines on their page instead)."""
    return (
        Cohort.objects.visible_to(user)
        .select_related("course", "county")
        .annotate(**headline_counts(prefix="enrollments__"))
        .order_by("-start_date", "name")
    )


# What coordinator/_cohort_items.html shows of a cohort.
COHORT_ITEM_FIELDS = ("name", "status", "start_date", "end_date", "course__title", "county__name")


def cohorts_listed(user) -> QuerySet[Cohort]:
    """The cohorts ``user`` manages as the cohort lists show them (COHORT_ITEM_FIELDS only),
    newest first; attach_cohort_headlines adds the numbers to a page of them."""
    return (
        Cohort.objects.visible_to(user)
        .select_related("course", "county")
        .only(*COHORT_ITEM_FIELDS)
        .order_by("-start_date", "name")
    )


class RosterFilters:
    STATUSES = ("applied", "active", "completed", "withdrawn", "declined")
    SORTS = {
        "name": ("learner__name", "pk"),
        "-name": ("-learner__name", "-pk"),
        "progress": ("progress_percent", "pk"),
        "-progress": ("-progress_percent", "pk"),
        "activity": (F("last_activity_at").asc(nulls_first=True), "pk"),
        "-activity": (F("last_activity_at").desc(nulls_last=True), "pk"),
    }

    def __init__(self, *, status: str = "", at_risk: bool = False, sort: str = "name"):
        self.status = status if status in self.STATUSES else ""
        self.at_risk = at_risk
        self.sort = sort if sort in self.SORTS else "name"


def _count_subquery(queryset: QuerySet, group_by: str) -> Subquery:
    return Subquery(
        queryset.values(group_by).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )


# What the roster page and its export read: no model field more.
ROSTER_FIELDS = (
    "status",
    "progress_percent",
    "last_activity_at",
    "enrolled_at",
    "learner",
    "learner__name",
    "learner__mobile",
    "learner__email",
    "learner__learner_profile__school",
)


def cohort_roster(*, cohort: Cohort, filters: RosterFilters | None = None, now=None) -> QuerySet:
    """The cohort's enrolments with the learner and their profile (ROSTER_FIELDS only), the
    attendance rate (percent of the sessions held so far as sessions_held counts them, excused
    ones left out; None before any) and the at-risk flag, in one query whatever the number of learners."""
    filters = filters or RosterFilters()
    now = now or timezone.now()
    today = timezone.localdate(now)
    held = sessions_held(cohort=cohort, today=today)
    learner_attendance = Attendance.objects.filter(session__in=held, learner=OuterRef("learner_id"))
    held_count = Coalesce(_count_subquery(held, "cohort"), 0)
    present = Coalesce(
        _count_subquery(learner_attendance.filter(status=Attendance.Status.PRESENT), "learner"), 0
    )
    excused = Coalesce(
        _count_subquery(learner_attendance.filter(status=Attendance.Status.EXCUSED), "learner"), 0
    )
    roster = (
        Enrollment.objects.filter(cohort=cohort)
        .select_related("learner", "learner__learner_profile")
        .only(*ROSTER_FIELDS)
        # Aliases, not annotations, and NULLIF rather than CASE: each subquery appears once in
        # the SQL (an annotation repeats its expression wherever it is referenced).
        .alias(sessions_counted=held_count - excused, sessions_present=present)
        .annotate(
            # None while no session counts: a division by NULL is NULL.
            attendance_rate=F("sessions_present") * 100 / NullIf(F("sessions_counted"), 0),
            at_risk=ExpressionWrapper(at_risk_condition(now=now, cohort=cohort), output_field=BooleanField()),
        )
    )
    if filters.status:
        roster = roster.filter(status=filters.status)
    if filters.at_risk:
        roster = roster.filter(at_risk=True)
    return roster.order_by(*RosterFilters.SORTS[filters.sort])


def cohort_pending_requests(*, cohort: Cohort) -> QuerySet:
    return (
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.APPLIED)
        .select_related("learner", "learner__learner_profile")
        .order_by("enrolled_at", "pk")
    )


def cohort_class_learners(*, cohort: Cohort) -> list[tuple[int, str]]:
    """The learners a roll call lists, studying or completed in the cohort, by name: (learner id,
    the name pages show, as accounts.models.user_display), without a model instance per row."""
    rows = (
        Enrollment.objects.filter(cohort=cohort, status__in=["active", "completed"])
        .order_by("learner__name", "pk")
        .values_list("learner_id", "learner__name", "learner__email", "learner__mobile")
    )
    return [(pk, name or email or mobile or str(pk)) for pk, name, email, mobile in rows]


def sessions_held(*, cohort: Cohort, today: datetime.date | None = None) -> QuerySet[ClassSession]:
    """The cohort's class sessions that count for attendance (ClassSession's held())."""
    return ClassSession.objects.filter(cohort=cohort).held(today)


def sessions_with_attendance(*, cohort: Cohort, today: datetime.date | None = None) -> QuerySet[ClassSession]:
    """A cohort's class sessions with how many were present, absent and excused: today's and the
    coming ones first, soonest first, then the past ones, latest first."""
    today = today or timezone.localdate()
    coming = Q(date__gte=today)
    return cohort.class_sessions.annotate(
        present_count=Count("attendances", filter=Q(attendances__status=Attendance.Status.PRESENT)),
        absent_count=Count("attendances", filter=Q(attendances__status=Attendance.Status.ABSENT)),
        excused_count=Count("attendances", filter=Q(attendances__status=Attendance.Status.EXCUSED)),
    ).order_by(
        Case(When(coming, then=Value(0)), default=Value(1)),
        Case(When(coming, then=F("date")), output_field=DateField()).asc(),
        F("date").desc(),
        "start_time",
        "pk",
    )


def county_placement_summary(*, county: County) -> dict:
    """A county's placement figures: learners who completed a course there, the outcomes recorded
    and the placement rate (employed, self-employed or in further study, over completed)."""
    # One enrolment per learner and course, so this counts completed (learner, course) pairs.
    completed = Enrollment.objects.filter(county=county, status=Enrollment.Status.COMPLETED).count()
    outcomes = PlacementOutcome.objects.filter(county=county).aggregate(
        recorded=Count("pk"),
        placed=Count("pk", filter=Q(outcome__in=PlacementOutcome.PLACED)),
        **{value: Count("pk", filter=Q(outcome=value)) for value in PlacementOutcome.Outcome.values},
    )
    rate = outcomes["placed"] * 100 // completed if completed else None
    return {"completed": completed, "rate": rate, **outcomes}


def county_placements(*, county: County) -> QuerySet[PlacementOutcome]:
    return (
        PlacementOutcome.objects.filter(county=county)
        .select_related("learner", "cohort", "course")
        .order_by("-outcome_date", "pk")
    )


def cohort_completed_with_outcomes(*, cohort: Cohort) -> QuerySet:
    """The cohort's completed enrolments, each with its placement outcome if one is recorded."""
    outcome = PlacementOutcome.objects.filter(learner=OuterRef("learner_id"), course=OuterRef("course_id"))
    return (
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.COMPLETED)
        .select_related("learner")
        .annotate(
            outcome=Subquery(outcome.values("outcome")[:1]),
            outcome_date=Subquery(outcome.values("outcome_date")[:1]),
        )
        .order_by("learner__name", "pk")
    )
