"""Reads of the projects app. Authorization lives here: an officer edits the projects of the
counties of their current appointments (staff: every county); the county's coordinators read
them; anything else is not found."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from counties.models import Cohort, CoordinatorAssignment, County, LearnerProfile
from enrollment.models import Enrollment
from officers.models import Appointment, SurveyResponse, Visit
from officers.selectors import officer_counties

from .models import (
    ChecklistItem,
    HandoverFlag,
    HandoverNotice,
    Indicator,
    IndicatorPeriod,
    Milestone,
    Project,
    ProjectUpdate,
    Successor,
)


def editable_counties(user) -> QuerySet[County]:
    """The counties whose projects ``user`` may change: their current officer's counties."""
    return officer_counties(user)


def readable_counties(user) -> QuerySet[County]:
    """The counties whose projects ``user`` may read: their officer's counties and, read only,
    the counties they coordinate (every county for staff)."""
    if not user.is_authenticated:
        return County.objects.none()
    if user.is_staff:
        return County.objects.all()
    coordinated = CoordinatorAssignment.objects.filter(coordinator=user).values("county_id")
    return County.objects.filter(Q(pk__in=officer_counties(user).values("pk")) | Q(pk__in=coordinated))


def projects_for(user, *, edit: bool = False) -> QuerySet[Project]:
    counties = editable_counties(user) if edit else readable_counties(user)
    if user.is_authenticated and user.is_staff:
        return Project.objects.all()
    return Project.objects.filter(county__in=counties.values("pk"))


def listed_counties(user) -> QuerySet[County]:
    """The counties on the projects' home: the user's own; for staff, those with an officer
    today or with a project."""
    counties = readable_counties(user)
    if user.is_staff:
        counties = counties.filter(
            Q(pk__in=Appointment.objects.current().values("county_id"))
            | Q(pk__in=Project.objects.values("county_id"))
        )
    return (
        counties.with_parents()
        .annotate(project_count=_count(Project.objects.filter(county=OuterRef("pk")).values("county_id")))
        .order_by("code")
    )


def appointments_visible_to(user) -> QuerySet[Appointment]:
    """The terms whose report ``user`` may read: their own, those of the counties they
    coordinate, every one for staff."""
    if not user.is_authenticated:
        return Appointment.objects.none()
    appointments = Appointment.objects.select_related("user", "county")
    if user.is_staff:
        return appointments
    coordinated = CoordinatorAssignment.objects.filter(coordinator=user).values("county_id")
    return appointments.filter(Q(user=user) | Q(county_id__in=coordinated))


def _count(subquery: QuerySet) -> Coalesce:
    """A correlated COUNT as a subquery: one per row looked up by index, no join fan-out."""
    counted = subquery.order_by().annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_periods() -> Prefetch:
    return Prefetch("indicators", queryset=Indicator.objects.prefetch_related("periods"))


def county_projects(county: County) -> QuerySet[Project]:
    """The county's projects for the list: owner, milestones done, successors, open checklist
    items, whether a handover flag stands and whether the handover still has a gap (no successor,
    an open or an empty checklist: ``handover_gap``; the badge shows only with both), indicators
    with their periods. A constant number of queries whatever the number of projects."""
    return (
        Project.objects.filter(county=county)
        .select_related("owner")
        .annotate(
            milestones_total=_count(Milestone.objects.filter(project=OuterRef("pk")).values("project_id")),
            milestones_done=_count(
                Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=False).values("project_id")
            ),
            successor_count=_count(Successor.objects.filter(project=OuterRef("pk")).values("project_id")),
            open_items=_count(
                ChecklistItem.objects.filter(project=OuterRef("pk"), done_on__isnull=True).values(
                    "project_id"
                )
            ),
            flagged=Exists(HandoverFlag.objects.filter(project=OuterRef("pk"))),
            handover_gap=~Exists(Successor.objects.filter(project=OuterRef("pk")))
            | Exists(ChecklistItem.objects.filter(project=OuterRef("pk"), done_on__isnull=True))
            | ~Exists(ChecklistItem.objects.filter(project=OuterRef("pk"))),
        )
        .prefetch_related(_with_periods())
        .order_by("-start_date", "pk")
    )


@dataclass(frozen=True)
class IndicatorProgress:
    """How far an indicator went: its latest actual value, the share of the way from baseline to
    target (0–100), whether the target is reached, and whether it is on track — the target
    reached, or at least as far along as the share of the project's time elapsed today (counted
    up to the project's end), so a value left stale for months falls behind. ``on_track`` is None
    before any actual value."""

    indicator: Indicator
    periods: list[IndicatorPeriod]
    latest: IndicatorPeriod | None
    percent: int
    achieved: bool
    on_track: bool | None


def _elapsed_percent(project: Project, on: datetime.date) -> int:
    days = (project.end_date - project.start_date).days
    if days <= 0:
        return 100
    return max(0, min(100, (on - project.start_date).days * 100 // days))


def indicator_progress(
    indicator: Indicator, project: Project, *, today: datetime.date | None = None
) -> IndicatorProgress:
    """Needs ``indicator.periods`` prefetched (or costs a query). ``today`` defaults to the
    local date."""
    periods = sorted(indicator.periods.all(), key=lambda period: (period.period_end, period.pk))
    latest = periods[-1] if periods else None
    if latest is None:
        return IndicatorProgress(indicator, periods, None, 0, False, None)
    baseline, target, actual = indicator.baseline, indicator.target, latest.actual
    rising = target >= baseline
    achieved = actual >= target if rising else actual <= target
    if target == baseline:
        percent = 100 if achieved else 0
    else:
        percent = int(max(Decimal(0), min(Decimal(100), (actual - baseline) * 100 / (target - baseline))))
    on = min(today or timezone.localdate(), project.end_date)
    on_track = achieved or percent >= _elapsed_percent(project, on)
    return IndicatorProgress(indicator, periods, latest, percent, achieved, on_track)


def project_indicators(project: Project) -> list[IndicatorProgress]:
    return [indicator_progress(indicator, project) for indicator in project.indicators.all()]


def project_detail(project: Project) -> dict[str, Any]:
    """Everything the project page shows, in a fixed number of queries."""
    indicators = Indicator.objects.filter(project=project).prefetch_related("periods")
    return {
        "milestones": list(project.milestones.all()),
        "updates": list(project.updates.select_related("author")[:50]),
        "indicators": [indicator_progress(indicator, project) for indicator in indicators],
        "successors": list(project.successors.select_related("user")),
        "checklist": list(project.checklist.select_related("done_by")),
        "flags": list(project.handover_flags.select_related("appointment__user")),
        "responses": list(project.survey_responses.select_related("survey")),
        "cohorts": list(project.cohorts.select_related("course")),
    }


def handover_gaps(project: Project) -> list[str]:
    """What keeps ``project`` from being handed over (empty: ready)."""
    gaps = []
    if not project.successors.exists():
        gaps.append(gettext("Name at least one local successor before handing the project over."))
    items = project.checklist.aggregate(total=Count("pk"), open=Count("pk", filter=Q(done_on__isnull=True)))
    if not items["total"]:
        gaps.append(gettext("Add the handover checklist before handing the project over."))
    elif items["open"]:
        gaps.append(gettext("Close every item of the handover checklist before handing the project over."))
    return gaps


def local_people(county_id: str) -> QuerySet[User]:
    """Who may carry a project of the county on: its active learners and coordinators."""
    return User.objects.filter(
        Q(pk__in=LearnerProfile.objects.filter(county_id=county_id).values("user_id"))
        | Q(pk__in=CoordinatorAssignment.objects.filter(county_id=county_id).values("coordinator_id")),
        is_active=True,
    )


def successor_candidate(project: Project, contact: str) -> User | None:
    """The learner or coordinator of the project's county with the email address or mobile
    number ``contact``, or None."""
    contact = contact.strip()
    if not contact:
        return None
    return (
        local_people(project.county_id)
        .filter(Q(email__iexact=contact) | Q(mobile=contact))
        .order_by("pk")
        .first()
    )


def project_linkable(county: County, *, owner_id: int | None = None) -> dict[str, QuerySet]:
    """What a project of ``county`` may link to: its survey responses and cohorts, and its
    current officers for the owner (and ``owner_id``, the owner a project already has, even if
    their term is over)."""
    return {
        "responses": SurveyResponse.objects.filter(county=county)
        .select_related("survey")
        .order_by("-submitted_at"),
        "cohorts": Cohort.objects.filter(county=county)
        .select_related("course")
        .order_by("-start_date", "name"),
        "owners": User.objects.filter(
            Q(pk__in=Appointment.objects.current().filter(county=county).values("user_id")) | Q(pk=owner_id)
        ).order_by("name", "pk"),
    }


# --- the officer's term report ------------------------------------------------------------------


@dataclass
class TermReport:
    appointment: Appointment
    start: datetime.date
    end: datetime.date
    visits: int = 0
    hours: Decimal = Decimal(0)
    townships: list[str] = field(default_factory=list)
    villages: int = 0
    surveys: int = 0
    projects: list[Project] = field(default_factory=list)
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    indicators: int = 0
    achieved: int = 0
    on_track: int = 0
    talents: int = 0
    talents_by_project: dict[int, int] = field(default_factory=dict)


def term_end(appointment: Appointment) -> datetime.date:
    """The last day of the term: its end, or the day staff ended it early (the day before)."""
    if appointment.ended_on is not None and appointment.ended_on <= appointment.term_end:
        return max(appointment.term_start, appointment.ended_on - datetime.timedelta(days=1))
    return appointment.term_end


def term_report(appointment: Appointment) -> TermReport:
    """The officer's term in figures: visits in the county within the term (how many, hours,
    townships and villages), needs surveys filled in, the projects they own there that overlap the
    term (by status), their indicators achieved (the target reached) and on track, and the local
    talents trained — the projects' successors and the learners of their linked cohorts who
    completed, each person once. A fixed number of queries."""
    start, end = appointment.term_start, term_end(appointment)
    report = TermReport(appointment=appointment, start=start, end=end)
    officer_id, county_id = appointment.user_id, appointment.county_id

    visits = Visit.objects.filter(officer_id=officer_id, county_id=county_id, visited_on__range=(start, end))
    totals = visits.aggregate(count=Count("pk"), minutes=Sum("minutes_spent"))
    report.visits = totals["count"]
    report.hours = (Decimal(totals["minutes"] or 0) / 60).quantize(Decimal("0.1"))
    report.townships = sorted(set(visits.exclude(township=None).values_list("township__name", flat=True)))
    report.villages = len(set(visits.exclude(village="").values_list("village", flat=True)))
    report.surveys = SurveyResponse.objects.filter(
        officer_id=officer_id, county_id=county_id, submitted_at__date__range=(start, end)
    ).count()

    report.projects = list(
        Project.objects.filter(
            owner_id=officer_id, county_id=county_id, start_date__lte=end, end_date__gte=start
        )
        .prefetch_related(_with_periods())
        .order_by("start_date", "pk")
    )
    statuses = Counter(project.status for project in report.projects)
    report.by_status = [(value, label, statuses[value]) for value, label in Project.Status.choices]
    for project in report.projects:
        for progress in project_indicators(project):
            report.indicators += 1
            report.achieved += progress.achieved
            report.on_track += bool(progress.on_track)

    people = project_talents([project.pk for project in report.projects])
    report.talents_by_project = {pk: len(users) for pk, users in people.items()}
    report.talents = len(set().union(*people.values())) if people else 0
    return report


# --- personal data ------------------------------------------------------------------------------


def user_projects_data(user) -> dict[str, Any]:
    """The projects' part of a person's data export (PIPL): the projects they own, where they are
    a successor (and their role), the checklist items they ticked, the updates they wrote and the
    handover notices sent to them."""
    return {
        "owned_projects": [
            {"title": project.title, "county": project.county.name, "status": project.status}
            for project in Project.objects.filter(owner=user).select_related("county")
        ],
        "successions": [
            {
                "project": successor.project.title,
                "role": successor.role,
                "added_at": successor.added_at.isoformat(),
            }
            for successor in Successor.objects.filter(user=user).select_related("project")
        ],
        "checklist_items_done": [
            {"project": item.project.title, "item": item.text, "done_on": item.done_on.isoformat()}
            for item in ChecklistItem.objects.filter(done_by=user, done_on__isnull=False).select_related(
                "project"
            )
        ],
        "updates": [
            {
                "project": update.project.title,
                "date": update.written_on.isoformat(),
                "text": update.text,
                "photo": update.image.name or None,
            }
            for update in project_updates_by(user)
        ],
        "handover_notices": [
            {
                "project": notice.flag.project.title,
                "channel": notice.channel,
                "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
            }
            for notice in HandoverNotice.objects.filter(recipient=user).select_related("flag__project")
        ],
    }


def project_updates_by(user) -> QuerySet[ProjectUpdate]:
    return ProjectUpdate.objects.filter(author=user).select_related("project")


def project_talents(project_ids: list[int]) -> dict[int, set[int]]:
    """The local talents each project trained: its successors and the learners of its linked
    cohorts who completed, as sets of user ids per project id (two queries)."""
    people: dict[int, set[int]] = {pk: set() for pk in project_ids}
    for project_id, user_id in Successor.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "user_id"
    ):
        people[project_id].add(user_id)
    cohorts = Project.cohorts.through.objects.filter(project_id__in=project_ids)
    by_cohort: dict[int, set[int]] = {}
    completed = Enrollment.objects.filter(
        cohort_id__in=cohorts.values("cohort_id"), status=Enrollment.Status.COMPLETED
    ).values_list("cohort_id", "learner_id")
    for cohort_id, learner_id in completed:
        by_cohort.setdefault(cohort_id, set()).add(learner_id)
    for project_id, cohort_id in cohorts.values_list("project_id", "cohort_id"):
        people[project_id] |= by_cohort.get(cohort_id, set())
    return people
