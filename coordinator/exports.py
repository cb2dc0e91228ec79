"""The coordinator's spreadsheet exports: their columns (a translated header and the value of
each row), the rows and the file names. The views pass them to
talentportal.spreadsheets.spreadsheet_response; the querysets come from coordinator.selectors.

The import report (a CSV written when an import ends) is built in coordinator.imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from counties.models import Cohort, County, PlacementOutcome
from enrollment.models import Enrollment

Columns = list[tuple[Promise, Callable[[Any], Any]]]

# Rows come from the database in chunks of this many: an export may hold a whole county.
CHUNK_SIZE = 2000

_STATUS_LABELS = dict(Enrollment.Status.choices)  # get_status_display() rebuilds this per call


def _school(enrollment: Enrollment) -> str:
    profile = getattr(enrollment.learner, "learner_profile", None)
    return profile.school if profile else ""


def _local(moment):
    return timezone.localtime(moment) if moment else ""


# A roster row is an enrolment of coordinator.selectors.cohort_roster (ROSTER_FIELDS, with the
# attendance rate and the at-risk flag annotated).
ROSTER_COLUMNS: Columns = [
    (gettext_lazy("Name"), lambda enrollment: enrollment.learner.name),
    (gettext_lazy("Mobile"), lambda enrollment: enrollment.learner.mobile or ""),
    (gettext_lazy("Email"), lambda enrollment: enrollment.learner.email or ""),
    (gettext_lazy("School"), _school),
    (gettext_lazy("Status"), lambda enrollment: _STATUS_LABELS[enrollment.status]),
    (gettext_lazy("Progress (%)"), lambda enrollment: enrollment.progress_percent),
    (gettext_lazy("Last activity"), lambda enrollment: _local(enrollment.last_activity_at)),
    (
        gettext_lazy("Attendance (%)"),
        lambda enrollment: "" if enrollment.attendance_rate is None else enrollment.attendance_rate,
    ),
    (gettext_lazy("At risk"), lambda enrollment: _("Yes") if enrollment.at_risk else _("No")),
    (gettext_lazy("Enrolled at"), lambda enrollment: timezone.localtime(enrollment.enrolled_at)),
]

# A placement row is an outcome of coordinator.selectors.county_placements.
PLACEMENT_COLUMNS: Columns = [
    (gettext_lazy("Name"), lambda placement: placement.learner.name),
    (gettext_lazy("Mobile"), lambda placement: placement.learner.mobile or ""),
    (gettext_lazy("Class"), lambda placement: placement.cohort.name if placement.cohort else ""),
    (gettext_lazy("Course"), lambda placement: placement.course.title if placement.course else ""),
    (gettext_lazy("Outcome"), lambda placement: placement.get_outcome_display()),
    (gettext_lazy("Employer"), lambda placement: placement.employer),
    (gettext_lazy("Role"), lambda placement: placement.role),
    (gettext_lazy("Monthly wage"), lambda placement: placement.get_wage_band_display()),
    (gettext_lazy("Date"), lambda placement: placement.outcome_date),
]


def _headers(columns: Columns) -> list[str]:
    return [str(header) for header, _value in columns]


def _rows(columns: Columns, queryset: QuerySet) -> Iterator[list[Any]]:
    for item in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [value(item) for _header, value in columns]


def roster_headers() -> list[str]:
    """The roster export's headers in the active language."""
    return _headers(ROSTER_COLUMNS)


def roster_rows(enrollments: QuerySet[Enrollment]) -> Iterator[list[Any]]:
    return _rows(ROSTER_COLUMNS, enrollments)


def roster_filename(cohort: Cohort) -> str:
    return f"{cohort.name}-{timezone.localdate():%Y%m%d}"


def placement_headers() -> list[str]:
    """The placement export's headers in the active language."""
    return _headers(PLACEMENT_COLUMNS)


def placement_rows(placements: QuerySet[PlacementOutcome]) -> Iterator[list[Any]]:
    return _rows(PLACEMENT_COLUMNS, placements)


def placement_filename(county: County) -> str:
    label = _("placements")  # outside the f-string, where makemessages finds it
    return f"{county.name}-{label}-{timezone.localdate():%Y%m%d}"
