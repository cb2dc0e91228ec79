from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from courses.models import Course

from .models import (
    Attendance,
    ClassSession,
    Cohort,
    County,
    LearnerProfile,
    PlacementOutcome,
    new_join_code,
)
from .signals import attendance_changed


@transaction.atomic
def learner_profile_save(
    *, user: User, county: County, school: str = "", school_type: str | None = None
) -> LearnerProfile:
    """Create or update the learner's county and school (one profile per user), and their kind
    of school unless ``school_type`` is None."""
    defaults = {"county": county, "school": school.strip()}
    if school_type is not None:
        defaults["school_type"] = school_type
    profile, _created = LearnerProfile.objects.update_or_create(user=user, defaults=defaults)
    return profile


# --- cohorts ---------------------------------------------------------------------------------


COHORT_FIELDS = (
    "course",
    "county",
    "name",
    "start_date",
    "end_date",
    "capacity",
    "delivery",
    "requires_approval",
    "min_attendance_percent",
    "status",
)


@transaction.atomic
def cohort_create(*, created_by: User, **fields) -> Cohort:
    """A new cohort with a fresh join code (``fields``: COHORT_FIELDS, validated by the form)."""
    return Cohort.objects.create(created_by=created_by, **{key: fields[key] for key in COHORT_FIELDS})


@transaction.atomic
def cohort_update(*, cohort: Cohort, **fields) -> Cohort:
    """Change a cohort's settings. Lowering the minimum attendance may complete learners who met
    every other requirement: they are re-checked after commit."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    lowered = (
        fields.get("min_attendance_percent", locked.min_attendance_percent) < locked.min_attendance_percent
    )
    changed = [key for key in COHORT_FIELDS if key in fields and getattr(locked, key) != fields[key]]
    for key in changed:
        setattr(locked, key, fields[key])
    if changed:
        locked.save(update_fields=changed)
    if lowered:
        transaction.on_commit(
            lambda: attendance_changed.send(sender=Cohort, cohort_id=locked.pk, learner_ids=None)
        )
    return locked


def cohort_join_code_regenerate(*, cohort: Cohort) -> Cohort:
    """Give the cohort a new join code (the old one stops working at once). Retries on the rare
    clash with another cohort's code."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                Cohort.objects.filter(pk=cohort.pk).update(join_code=new_join_code())
            break
        except IntegrityError:
            continue
    cohort.refresh_from_db(fields=["join_code"])
    return cohort


# --- offline classes ---------------------------------------------------------------------------


def class_session_create(
    *,
    cohort: Cohort,
    date: datetime.date,
    start_time: datetime.time,
    place: str,
    topic: str = "",
    end_time: datetime.time | None = None,
) -> ClassSession:
    return ClassSession.objects.create(
        cohort=cohort, date=date, start_time=start_time, end_time=end_time, place=place, topic=topic
    )


def attendance_record(*, session: ClassSession, statuses: dict[int, str]) -> int:
    """Save a roll call: ``statuses`` maps learner id → present/absent/excused.

    One INSERT … ON CONFLICT (session, learner) DO UPDATE for the whole class, so saving the
    same roll call twice changes nothing and a corrected one overwrites. Afterwards (own
    transactions) learners whose completion waited for attendance are re-checked (through
    attendance_changed). Returns the number of learners recorded.
    """
    now = timezone.now()
    with transaction.atomic():
        Attendance.objects.bulk_create(
            [
                Attendance(session=session, learner_id=learner_id, status=status, recorded_at=now)
                for learner_id, status in statuses.items()
            ],
            update_conflicts=True,
            unique_fields=["session", "learner"],
            update_fields=["status", "recorded_at"],
        )
    if session.cohort.min_attendance_percent:
        attendance_changed.send(sender=Attendance, cohort_id=session.cohort_id, learner_ids=list(statuses))
    return len(statuses)


# --- placement outcomes ------------------------------------------------------------------------


@transaction.atomic
def placement_record(
    *,
    learner: User,
    cohort: Cohort | None,
    course: Course | None,
    recorded_by: User,
    outcome: str,
    outcome_date: datetime.date,
    employer: str = "",
    role: str = "",
    wage_band: str = "",
    county: County | None = None,
    source: str = PlacementOutcome.Source.COORDINATOR,
) -> PlacementOutcome:
    """Record (or replace) a learner's placement after completing ``course`` in ``cohort``.
    Employer, role and wage are kept only for the employed. ``source`` says who vouches for it:
    a coordinator's entry, or an employer confirming the hire (jobs), which has no cohort when
    the learner studied self-paced: ``county`` is then the learner's."""
    employed = outcome == PlacementOutcome.Outcome.EMPLOYED
    placement, _created = PlacementOutcome.objects.update_or_create(
        learner=learner,
        course=course,
        defaults={
            "county_id": cohort.county_id if cohort is not None else county.pk,
            "cohort": cohort,
            "source": source,
            "outcome": outcome,
            "outcome_date": outcome_date,
            "employer": employer.strip()
            if employed or outcome == PlacementOutcome.Outcome.SELF_EMPLOYED
            else "",
            "role": role.strip() if employed else "",
            "wage_band": wage_band if employed else "",
            "recorded_by": recorded_by,
        },
    )
    return placement
