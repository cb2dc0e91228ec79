from __future__ import annotations

import datetime
from collections.abc import Iterable

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from courses.models import Course

from .models import (
    Announcement,
    Attendance,
    ClassSession,
    Cohort,
    County,
    LearnerProfile,
    PlacementOutcome,
    new_join_code,
)

# Messages per batch sent over one SMTP connection.
EMAIL_BATCH = 100


@transaction.atomic
def learner_profile_save(*, user: User, county: County, school: str = "") -> LearnerProfile:
    """Create or update the learner's county and school (one profile per user)."""
    profile, _created = LearnerProfile.objects.update_or_create(
        user=user, defaults={"county": county, "school": school.strip()}
    )
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
        transaction.on_commit(lambda: cohort_completion_recheck(cohort_id=locked.pk))
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


def cohort_completion_recheck(*, cohort_id: int, learner_ids: Iterable[int] | None = None) -> int:
    """Complete the cohort's learners whose completion now holds (attendance taken, minimum
    lowered). Only active enrolments at 100 % progress can complete, so only those are checked,
    each in its own transaction (enrollment_check_completion locks the enrolment). Returns how
    many completed."""
    from enrollment.models import Enrollment
    from enrollment.services import enrollment_check_completion

    candidates = Enrollment.objects.filter(
        cohort_id=cohort_id, status=Enrollment.Status.ACTIVE, progress_percent__gte=100
    )
    if learner_ids is not None:
        candidates = candidates.filter(learner_id__in=list(learner_ids))
    return sum(
        enrollment_check_completion(enrollment_id=pk) for pk in candidates.values_list("pk", flat=True)
    )


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
    transactions) learners whose completion waited for attendance are re-checked. Returns the
    number of learners recorded.
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
        cohort_completion_recheck(cohort_id=session.cohort_id, learner_ids=statuses)
    return len(statuses)


# --- announcements -----------------------------------------------------------------------------


@transaction.atomic
def announcement_create(*, cohort: Cohort, author: User, title: str, body: str) -> Announcement:
    """Post a message to a cohort; it is emailed to its learners by a task after commit."""
    from .tasks import announcement_email

    announcement = Announcement.objects.create(cohort=cohort, author=author, title=title, body=body)
    announcement_email.delay_on_commit(announcement_id=announcement.pk)
    return announcement


def _send_in_batches(messages: Iterable[EmailMessage]) -> int:
    """Send over one connection, EMAIL_BATCH messages at a time."""
    sent = 0
    batch: list[EmailMessage] = []
    with get_connection() as connection:
        for message in messages:
            batch.append(message)
            if len(batch) >= EMAIL_BATCH:
                sent += connection.send_messages(batch) or 0
                batch = []
        if batch:
            sent += connection.send_messages(batch) or 0
    return sent


def announcement_email_send(*, announcement_id: int) -> int:
    """Email an announcement to the cohort's learners who have an address and accept email.

    Claims the announcement with a conditional UPDATE of ``emailed_at`` first: a second run (task
    redelivered, sweep) finds it claimed and sends nothing, so no learner gets it twice.
    Returns the number of messages sent.
    """
    from enrollment.models import Enrollment

    if not Announcement.objects.filter(pk=announcement_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return 0
    announcement = Announcement.objects.select_related("cohort__course", "author").get(pk=announcement_id)
    learners = (
        User.objects.filter(
            enrollments__cohort_id=announcement.cohort_id,
            enrollments__status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
            email__isnull=False,
            remind_by_email=True,
            is_active=True,
        )
        .only("pk", "email", "name", "preferred_language")
        .order_by("pk")
    )

    def messages():
        for learner in learners.iterator(chunk_size=EMAIL_BATCH):
            with translation.override(learner.language_code):
                context = {"announcement": announcement, "cohort": announcement.cohort, "learner": learner}
                subject = render_to_string("emails/announcement_subject.txt", context).strip()
                body = render_to_string("emails/announcement.txt", context)
            yield EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [learner.email])

    return _send_in_batches(messages())


def invitations_send(*, user_ids: list[int], site_url: str) -> int:
    """Email imported learners a link to set their password (allauth's reset-from-key link).

    Only accounts that still have no usable password are invited: once a learner set one, the
    link would be void anyway, and a re-run of the task sends them nothing. Learners without an
    email address need an SMS invitation (a later channel). Returns the number sent.
    """
    users = User.objects.filter(pk__in=user_ids, email__isnull=False, is_active=True).order_by("pk")
    site_url = site_url.rstrip("/")

    def messages():
        for user in users:
            if user.has_usable_password():
                continue
            path = reverse(
                "account_reset_password_from_key",
                kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
            )
            with translation.override(user.language_code):
                context = {
                    "user": user,
                    "set_password_url": f"{site_url}{path}",
                    "login_url": f"{site_url}{reverse('account_login')}",
                    "programme": settings.PROGRAMME_NAME,
                }
                subject = render_to_string("emails/invitation_subject.txt", context).strip()
                body = render_to_string("emails/invitation.txt", context)
            yield EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    return _send_in_batches(messages())


# --- placement outcomes ------------------------------------------------------------------------


@transaction.atomic
def placement_record(
    *,
    learner: User,
    cohort: Cohort,
    course: Course,
    recorded_by: User,
    outcome: str,
    outcome_date: datetime.date,
    employer: str = "",
    role: str = "",
    wage_band: str = "",
) -> PlacementOutcome:
    """Record (or replace) a learner's placement after completing ``course`` in ``cohort``.
    Employer, role and wage are kept only for the employed."""
    employed = outcome == PlacementOutcome.Outcome.EMPLOYED
    placement, _created = PlacementOutcome.objects.update_or_create(
        learner=learner,
        course=course,
        defaults={
            "county_id": cohort.county_id,
            "cohort": cohort,
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
