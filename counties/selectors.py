from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from .models import Attendance, ClassSession, Cohort, County

MAX_MATCHES = 20
_LEADING_CODE = re.compile(r"^\s*(\d{6})\b")


class CountyLookup:
    """The outcome of looking a county up from what a learner typed."""

    def __init__(self, county: County | None = None, matches: list[County] | None = None):
        self.county = county
        self.matches = matches or []


def county_lookup(text: str) -> CountyLookup:
    """Resolve typed text to one county: a 6-digit code (alone or leading, as the picker fills
    it in), a unique name match, or else the candidates to choose from (at most MAX_MATCHES)."""
    text = (text or "").strip()
    counties = County.objects.with_parents()
    code = _LEADING_CODE.match(text)
    if code:
        return CountyLookup(county=counties.filter(code=code.group(1)).first())
    if not text:
        return CountyLookup()
    matches = list(counties.search(text)[: MAX_MATCHES + 1])
    exact = [county for county in matches if county.name == text]
    if len(matches) == 1:
        return CountyLookup(county=matches[0])
    if len(exact) == 1:
        return CountyLookup(county=exact[0])
    return CountyLookup(matches=matches[:MAX_MATCHES])


def attendance_percent(*, learner_id: int, cohort=None, cohort_ids: Sequence[int] = ()) -> int | None:
    """A learner's attendance at the class sessions held so far (ClassSession's held()) of a
    cohort, or of several (``cohort_ids``: all the cohorts a learner was in), in percent. Excused
    absences count neither for nor against. None when no session has been held yet."""
    held = ClassSession.objects.filter(
        cohort_id__in=[cohort.pk] if cohort is not None else list(cohort_ids)
    ).held()
    counts = Attendance.objects.filter(session__in=held, learner_id=learner_id).aggregate(
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
    )
    sessions = held.count() - counts["excused"]
    if sessions <= 0:
        return None
    return counts["present"] * 100 // sessions


def workspace_counties(user) -> QuerySet[County]:
    """The counties whose cohorts ``user`` manages: their assignments (every county for staff)."""
    if not user.is_authenticated:
        return County.objects.none()
    if user.is_staff:
        return County.objects.all()
    return County.objects.coordinated_by(user)


def workspace_counties_listed(user) -> QuerySet[County]:
    """The counties on the coordinator's home: their own (staff: those with cohorts)."""
    counties = workspace_counties(user)
    if user.is_staff:
        counties = counties.filter(Exists(Cohort.objects.filter(county=OuterRef("pk"))))
    return counties.with_parents().order_by("code")
