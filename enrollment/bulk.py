"""A coordinator's work on many enrolments of a cohort at once: enrolling a school's class list
(the import), approving and withdrawing the learners selected on the roster."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from counties.models import Cohort
from courses.models import Course

from .models import Enrollment
from .services import EnrollmentError

Status = Enrollment.Status


@dataclass
class BulkEnrolment:
    """What ``cohort_enrol_bulk`` did, by learner id."""

    created: set[int] = field(default_factory=set)
    # Learners who already had an enrolment in the course, left as it was: learner id → enrolment.
    existing: dict[int, Enrollment] = field(default_factory=dict)


@transaction.atomic
def cohort_enrol_bulk(*, cohort: Cohort, learners: Iterable[User | int]) -> BulkEnrolment:
    """Enrol ``learners`` in ``cohort`` with the rules of ``cohort_join``, in a constant number of
    queries.

    Locks the cohort row, so concurrent joins and imports are counted one after another and the
    capacity holds: if the new enrolments do not all fit, none is made (EnrollmentError "full").
    The coordinator's list is their approval: new enrolments are active even in a cohort that
    requires approval, and a listed learner whose own request to join this cohort is waiting is
    approved. Otherwise idempotent: a learner who already has an enrolment in the course (in this
    cohort, another, on their own, withdrawn) is left as it was and reported in ``existing``.
    Unlike a learner's own join, a coordinator may fill a cohort that is still being planned; a
    closed or ended one is refused.
    """
    cohort = Cohort.objects.select_for_update().select_related("county").get(pk=cohort.pk)
    if cohort.status == Cohort.Status.CLOSED or cohort.end_date < timezone.localdate():
        raise EnrollmentError(_("This class is closed: learners cannot be added to it."), code="closed")
    if not Course.objects.enrollable().filter(pk=cohort.course_id).exists():
        raise EnrollmentError(_("This course is closed to new enrolment."), code="closed")

    learner_ids = list(dict.fromkeys(getattr(learner, "pk", learner) for learner in learners))
    result = BulkEnrolment()
    if not learner_ids:
        return result
    result.existing = {
        enrollment.learner_id: enrollment
        for enrollment in Enrollment.objects.filter(course_id=cohort.course_id, learner_id__in=learner_ids)
    }
    waiting = [
        enrollment.pk
        for enrollment in result.existing.values()
        if enrollment.cohort_id == cohort.pk and enrollment.status == Status.APPLIED
    ]
    if waiting:
        Enrollment.objects.filter(pk__in=waiting, status=Status.APPLIED).update(status=Status.ACTIVE)
        for enrollment in result.existing.values():
            if enrollment.pk in waiting:
                enrollment.status = Status.ACTIVE
    new_ids = [pk for pk in learner_ids if pk not in result.existing]
    if not new_ids:
        return result
    taken = cohort.enrollments.current().count()
    if taken + len(new_ids) > cohort.capacity:
        raise EnrollmentError(
            _(
                "This class has %(free)d free places but %(wanted)d learners to add. "
                "Raise the capacity or import fewer learners."
            )
            % {"free": max(cohort.capacity - taken, 0), "wanted": len(new_ids)},
            code="full",
        )
    status = Status.ACTIVE
    # A learner enrolling in the course at this very moment on their own meets the unique
    # (learner, course) constraint: their own enrolment wins and is reported as existing.
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                learner_id=pk, course_id=cohort.course_id, cohort=cohort, county=cohort.county, status=status
            )
            for pk in new_ids
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    for enrollment in Enrollment.objects.filter(course_id=cohort.course_id, learner_id__in=new_ids):
        if enrollment.cohort_id == cohort.pk and enrollment.status == status:
            result.created.add(enrollment.learner_id)
        else:
            result.existing[enrollment.learner_id] = enrollment
    return result


@transaction.atomic
def cohort_enrollments_approve(*, cohort: Cohort, enrollment_ids: Iterable[int]) -> int:
    """Accept the join requests among ``enrollment_ids`` of ``cohort`` in one UPDATE; ids of
    another cohort and enrolments not waiting for approval are left alone. A request already
    holds its place, so the capacity does not change. Idempotent; returns how many were approved.
    """
    return Enrollment.objects.filter(
        cohort=cohort, pk__in=list(enrollment_ids), status=Status.APPLIED
    ).update(status=Status.ACTIVE)


@transaction.atomic
def cohort_enrollments_withdraw(*, cohort: Cohort, enrollment_ids: Iterable[int], reason: str) -> int:
    """Withdraw the learners of ``enrollment_ids`` of ``cohort`` (studying or waiting) in one
    UPDATE, keeping ``reason`` as ``enrollment_withdraw`` does; ids of another cohort are left
    alone, and so are completed enrolments (their certificate stands) and those already
    withdrawn or declined. Progress rows are kept. Idempotent; returns how many were withdrawn.
    """
    return Enrollment.objects.filter(
        cohort=cohort, pk__in=list(enrollment_ids), status__in=[Status.APPLIED, Status.ACTIVE]
    ).update(status=Status.WITHDRAWN, withdrawn_at=timezone.now(), withdrawal_reason=reason.strip()[:300])
