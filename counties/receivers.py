"""Cached pages built on counties' rows are invalidated when a row is saved or deleted.

Queryset ``update()`` and bulk writes send no signals: the code doing them bumps the stamps
itself (see talentportal.pagecache for the stamp names).
"""

from __future__ import annotations

from talentportal import pagecache

from .models import (
    Announcement,
    ClassSession,
    Cohort,
    CoordinatorAssignment,
    LearnerProfile,
    PlacementOutcome,
)


def profile_changed(sender, instance: LearnerProfile, **kwargs) -> None:
    pagecache.bump(f"user:{instance.user_id}")


def assignment_changed(sender, instance: CoordinatorAssignment, **kwargs) -> None:
    pagecache.bump(f"user:{instance.coordinator_id}", f"county:{instance.county_id}")


def cohort_changed(sender, instance: Cohort, **kwargs) -> None:
    """A cohort's pages and its county's; ``catalogue`` too, as the courses' pages and learners'
    suggestions list the classes open for joining (cohorts change rarely)."""
    pagecache.bump(f"cohort:{instance.pk}", f"county:{instance.county_id}", "catalogue")


def cohort_part_changed(sender, instance: ClassSession | Announcement, **kwargs) -> None:
    """A class session or an announcement (its learners' dashboards: enrollment.receivers)."""
    pagecache.bump(f"cohort:{instance.cohort_id}")


def placement_changed(sender, instance: PlacementOutcome, **kwargs) -> None:
    names = [f"county:{instance.county_id}", f"user:{instance.learner_id}"]
    if instance.cohort_id:
        names.append(f"cohort:{instance.cohort_id}")
    pagecache.bump(*names)


RECEIVERS = [
    (LearnerProfile, profile_changed),
    (CoordinatorAssignment, assignment_changed),
    (Cohort, cohort_changed),
    (ClassSession, cohort_part_changed),
    (Announcement, cohort_part_changed),
    (PlacementOutcome, placement_changed),
]


def connect() -> None:
    pagecache.connect_receivers("counties", RECEIVERS)
