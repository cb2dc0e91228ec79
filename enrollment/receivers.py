"""Cached pages built on enrolments, progress and certificates are invalidated when a row is
saved or deleted. Queryset ``update()`` and bulk writes send no signals: the code doing them
bumps the stamps itself (see talentportal.pagecache for the stamp names)."""

from __future__ import annotations

from counties.models import Announcement, ClassSession, Cohort
from talentportal import pagecache

from .models import Certificate, Enrollment, LessonProgress, QuizAttempt


def enrollment_changed(sender, instance: Enrollment, **kwargs) -> None:
    pagecache.bump(
        *pagecache.enrollment_stamps(
            learner_id=instance.learner_id, cohort_id=instance.cohort_id, county_id=instance.county_id
        )
    )


def _bump_enrollment_by_id(enrollment_id: int, *extra: str) -> None:
    row = Enrollment.objects.filter(pk=enrollment_id).values("learner_id", "cohort_id", "county_id").first()
    names = list(extra)
    if row is not None:
        names += pagecache.enrollment_stamps(**row)
    pagecache.bump(*names)


def study_changed(sender, instance: LessonProgress | QuizAttempt, **kwargs) -> None:
    _bump_enrollment_by_id(instance.enrollment_id)


def certificate_changed(sender, instance: Certificate, **kwargs) -> None:
    _bump_enrollment_by_id(instance.enrollment_id, f"certificate:{instance.verification_code}")


def certificates_changed(certificates) -> None:
    """Bump the stamps of certificates changed by a queryset ``update()`` (call it with the same
    filter, before or after the update)."""
    rows = certificates.values_list(
        "verification_code", "enrollment__learner_id", "enrollment__cohort_id", "enrollment__county_id"
    )
    names = []
    for code, learner_id, cohort_id, county_id in rows:
        names.append(f"certificate:{code}")
        names += pagecache.enrollment_stamps(learner_id=learner_id, cohort_id=cohort_id, county_id=county_id)
    pagecache.bump(*set(names))


def enrollments_changed(enrollments) -> None:
    """Bump the stamps of enrolments changed by a queryset ``update()``."""
    names = set()
    for row in enrollments.values("learner_id", "cohort_id", "county_id"):
        names.update(pagecache.enrollment_stamps(**row))
    pagecache.bump(*names)


def cohort_news(sender, instance: Cohort | ClassSession | Announcement, **kwargs) -> None:
    """A cohort, its class sessions or announcements changed: its learners' dashboards show them.
    Writes like these are rare (a coordinator's action) and pages are read often, so the change
    bumps each learner's stamp rather than every dashboard looking up its cohorts."""
    cohort_id = instance.pk if isinstance(instance, Cohort) else instance.cohort_id
    learners = Enrollment.objects.filter(cohort_id=cohort_id).values_list("learner_id", flat=True)
    pagecache.bump(*pagecache.user_stamps(learners))


RECEIVERS = [
    (Cohort, cohort_news),
    (ClassSession, cohort_news),
    (Announcement, cohort_news),
    (Enrollment, enrollment_changed),
    (LessonProgress, study_changed),
    (QuizAttempt, study_changed),
    (Certificate, certificate_changed),
]


def connect() -> None:
    pagecache.connect_receivers("enrollment", RECEIVERS)
