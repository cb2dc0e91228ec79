"""Personal data (PIPL): what a user may correct about themselves, the export of everything the
portal holds about them, and the deletion of their account.

Personal data spans every app, so these functions live on top and read the rows of the apps
below; a new model holding personal data adds itself to the export and the deletion here.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_sign_in_data
from accounts.services import user_sign_in_data_erase
from certificates.models import Certificate
from competitions.selectors import user_competition_data, user_competition_judging
from competitions.services import user_competition_data_erase
from counties.models import Attendance, County, InvitationLog, LearnerProfile
from counties.services import learner_profile_save
from courses.models import Choice
from courses.revisions import user_authoring_data, user_authoring_data_erase
from enrollment.models import CalendarFeed, Enrollment, LessonProgress, OfflineAction, QuizAttempt
from enrollment.services import enrollment_withdraw
from exams.models import (
    AttemptEvent,
    AttemptQuestion,
    BankQuestion,
    ExamAttempt,
    ExamAuditEntry,
    ExamException,
)
from jobs.selectors import user_jobs_data
from jobs.services import user_jobs_data_erase
from officers.selectors import user_officer_data
from officers.services import user_officer_data_erase
from practice.selectors import learner_data_export as practice_data_export
from practice.services import learner_data_delete as practice_data_delete
from projects.selectors import user_projects_data
from projects.services import user_projects_data_erase


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    name: str,
    mobile: str | None,
    preferred_language: str,
    remind_by_email: bool,
    remind_by_sms: bool,
    county: County | None,
    school: str = "",
    school_type: str | None = None,
) -> User:
    """Save what a user may change about themselves, with their county, school and its kind
    (``school_type`` None: left as it is).

    One transaction: the account and the learner profile change together or not at all. A
    mobile number taken meanwhile by another account raises IntegrityError (unique). The pages
    that show the learner's name and school to others (rosters, certificate verification) are
    invalidated.
    """
    user.name = name.strip()
    # A new number is unconfirmed until its SMS code or link (``user`` may hold the form's values).
    if (mobile or None) != User.objects.filter(pk=user.pk).values_list("mobile", flat=True).first():
        user.mobile_verified_at = None
    user.mobile = mobile or None
    user.preferred_language = preferred_language
    user.remind_by_email = remind_by_email
    user.remind_by_sms = remind_by_sms
    user.save(
        update_fields=[
            "name",
            "mobile",
            "mobile_verified_at",
            "preferred_language",
            "remind_by_email",
            "remind_by_sms",
        ]
    )
    if county is not None:
        learner_profile_save(user=user, county=county, school=school, school_type=school_type)
    return user


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about ``user``, as a JSON-ready document (PIPL's right of
    access and portability). A fixed number of queries, whatever the number of enrolments."""
    profile = LearnerProfile.objects.filter(user=user).select_related(
        "county__province", "county__prefecture"
    )
    profile = profile.first()
    enrollments = list(
        Enrollment.objects.filter(learner=user)
        .select_related("course", "cohort", "county", "certificate")
        .prefetch_related(
            Prefetch(
                "lesson_progress",
                queryset=LessonProgress.objects.select_related("lesson").order_by("completed_at"),
            ),
            Prefetch("quiz_attempts", queryset=QuizAttempt.objects.select_related("quiz").order_by("pk")),
            Prefetch(
                "exam_attempts",
                queryset=ExamAttempt.objects.select_related("exam").order_by("exam_id", "number"),
            ),
            Prefetch(
                "exam_attempts__paper",
                queryset=AttemptQuestion.objects.select_related("question").order_by("position"),
            ),
            Prefetch("exam_attempts__events", queryset=AttemptEvent.objects.order_by("at", "pk")),
            Prefetch("exam_exceptions", queryset=ExamException.objects.select_related("exam")),
        )
        .order_by("enrolled_at")
    )
    answered = {
        int(choice_id)
        for enrollment in enrollments
        for attempt in enrollment.quiz_attempts.all()
        for choice_ids in attempt.answers.values()
        for choice_id in choice_ids
    }
    choices = {
        choice.pk: choice for choice in Choice.objects.filter(pk__in=answered).select_related("question")
    }
    attendance = (
        Attendance.objects.filter(learner=user).select_related("session__cohort").order_by("session__date")
    )

    def certificate_document(enrollment: Enrollment) -> dict | None:
        certificate = getattr(enrollment, "certificate", None)
        if certificate is None:
            return None
        return {
            "verification_code": certificate.verification_code,
            "status": certificate.status,
            "issued_at": _iso(certificate.issued_at),
            "revoked_at": _iso(certificate.revoked_at),
            "withdrawn_at": _iso(certificate.withdrawn_at),
        }

    def answers_document(attempt: QuizAttempt) -> list[dict]:
        return [
            {
                "question_id": int(question_id),
                "choice_ids": choice_ids,
                "question": choices[choice_ids[0]].question.text
                if choice_ids and choice_ids[0] in choices
                else "",
                "choices": [choices[pk].text for pk in choice_ids if pk in choices],
            }
            for question_id, choice_ids in attempt.answers.items()
        ]

    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "mobile": user.mobile,
            "name": user.name,
            "gender": user.gender,
            "birth_year": user.birth_year,
            "preferred_language": user.preferred_language,
            "remind_by_email": user.remind_by_email,
            "remind_by_sms": user.remind_by_sms,
            "privacy_consent_at": _iso(user.privacy_consent_at),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "learner_profile": {
            "county_code": profile.county_id,
            "county": profile.county.full_name,
            "school": profile.school,
            "school_type": profile.school_type,
        }
        if profile
        else None,
        "enrollments": [
            {
                "course": {"slug": enrollment.course.slug, "title": enrollment.course.title},
                "cohort": enrollment.cohort.name if enrollment.cohort else None,
                "county_code": enrollment.county_id,
                "status": enrollment.status,
                "progress_percent": enrollment.progress_percent,
                "enrolled_at": _iso(enrollment.enrolled_at),
                "last_activity_at": _iso(enrollment.last_activity_at),
                "completed_at": _iso(enrollment.completed_at),
                "withdrawn_at": _iso(enrollment.withdrawn_at),
                "withdrawal_reason": enrollment.withdrawal_reason,
                "lessons_completed": [
                    {
                        "lesson_id": progress.lesson_id,
                        "lesson": progress.lesson.title,
                        "completed_at": _iso(progress.completed_at),
                    }
                    for progress in enrollment.lesson_progress.all()
                ],
                "quiz_attempts": [
                    {
                        "quiz": attempt.quiz.title,
                        "number": attempt.number,
                        "score": attempt.score,
                        "passed": attempt.passed,
                        "answers": answers_document(attempt),
                        "submitted_at": _iso(attempt.submitted_at),
                    }
                    for attempt in enrollment.quiz_attempts.all()
                ],
                "exam_attempts": [
                    {
                        "exam": attempt.exam.title,
                        "number": attempt.number,
                        "started_at": _iso(attempt.started_at),
                        "submitted_at": _iso(attempt.submitted_at),
                        "score": attempt.score,
                        "points_possible": attempt.max_score,
                        "passed": attempt.passed,
                        "on_paper": attempt.on_paper,
                        "answers": [
                            {
                                "question": row.position,
                                "text": row.question.text,
                                "answer": row.answer,
                                "marker_comment": row.marker_comment,
                            }
                            for row in attempt.paper.all()
                        ],
                        "events": [
                            {"what": event.kind, "at": _iso(event.at), "device": event.device}
                            for event in attempt.events.all()
                        ],
                    }
                    for attempt in enrollment.exam_attempts.all()
                ],
                "exam_exceptions": [
                    {
                        "exam": exception.exam.title,
                        "extra_minutes": exception.extra_minutes,
                        "extra_attempts": exception.extra_attempts,
                        "opens_at": _iso(exception.opens_at),
                        "closes_at": _iso(exception.closes_at),
                        "reason": exception.reason,
                        "granted_at": _iso(exception.granted_at),
                    }
                    for exception in enrollment.exam_exceptions.all()
                ],
                "certificate": certificate_document(enrollment),
            }
            for enrollment in enrollments
        ],
        "attendance": [
            {
                "cohort": record.session.cohort.name,
                "date": record.session.date.isoformat(),
                "topic": record.session.topic,
                "place": record.session.place,
                "status": record.status,
            }
            for record in attendance
        ],
        # How the user signs in: the number confirmed or not, second factors on (no secret).
        "sign_in": user_sign_in_data(user),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "invitations": [
            {"channel": channel, "sent_at": _iso(sent_at)}
            for channel, sent_at in InvitationLog.objects.filter(user=user)
            .order_by("sent_at")
            .values_list("channel", "sent_at")
        ],
        "jobs": user_jobs_data(user),
        "practice": practice_data_export(user=user),
        "officers": user_officer_data(user),
        "projects": user_projects_data(user),
        "competitions": user_competition_data(user),
        "competition_judging": user_competition_judging(user),
        "authoring": user_authoring_data(user),
        "calendar_feed": [
            {"made_at": _iso(made_at)}
            for made_at in CalendarFeed.objects.filter(learner=user).values_list("created_at", flat=True)
        ],
        "offline_study_records": [
            {"lesson_id": lesson_id, "lesson": title, "key": key, "received_at": _iso(received_at)}
            for lesson_id, title, key, received_at in OfflineAction.objects.filter(learner=user)
            .order_by("received_at", "pk")
            .values_list("lesson_id", "lesson__title", "key", "received_at")
        ],
    }


ACCOUNT_DELETED_REASON = "account deleted"


@transaction.atomic
def user_delete_account(*, user: User) -> None:
    """Delete a user's account as PIPL expects: personal data removed, figures kept.

    Removes name, email, mobile, school and school type; keeps gender, birth year, county and the
    enrolments with their progress (the programme's anonymous figures). The login is gone:
    unusable password, deactivated, no email address left (the address can sign up again).
    Every session of the user stops working at once: Django checks each session against the
    password hash, which changes here, and refuses inactive users. Open enrolments are
    withdrawn (their cohort seats are freed); certificates are withdrawn by their holder (not
    revoked: the verification page says the holder withdrew them, which implies nothing against
    them; figures count only issued ones) and their PDF files deleted from storage once the
    transaction commits. A certificate staff revoked stays revoked. Idempotent.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    user_sign_in_data_erase(user=locked)  # second factors, SMS counts: before the number goes
    locked.name = ""
    locked.email = f"deleted-{locked.pk}@deleted.invalid"
    locked.mobile = None
    locked.remind_by_email = False
    locked.remind_by_sms = False
    locked.is_active = False
    locked.is_staff = False
    locked.is_superuser = False
    locked.set_unusable_password()
    locked.save()
    locked.groups.clear()
    locked.user_permissions.clear()
    EmailAddress.objects.filter(user=locked).delete()
    InvitationLog.objects.filter(user=locked).delete()
    user_jobs_data_erase(user=locked)
    practice_data_delete(user=locked)
    user_projects_data_erase(user=locked)
    user_officer_data_erase(user=locked)
    user_competition_data_erase(user=locked)
    user_authoring_data_erase(user=locked)
    # The calendar link stops working; the keys of study sent from an offline phone go (the
    # progress they recorded stays, like the rest of the enrolment).
    CalendarFeed.objects.filter(learner=locked).delete()
    OfflineAction.objects.filter(learner=locked).delete()
    LearnerProfile.objects.filter(user=locked).update(school="", school_type="")
    # Exams: what the learner wrote, the devices they used and the reasons given for their
    # exceptions (often health) go; the points and results stay for the figures.
    AttemptQuestion.objects.filter(
        attempt__enrollment__learner=locked,
        question__kind__in=[BankQuestion.Kind.FILL_IN, BankQuestion.Kind.SHORT_ANSWER],
    ).exclude(answer=None).update(answer=None)
    AttemptQuestion.objects.filter(attempt__enrollment__learner=locked).exclude(marker_comment="").update(
        marker_comment=""
    )
    AttemptEvent.objects.filter(attempt__enrollment__learner=locked).exclude(device="").update(device="")
    ExamException.objects.filter(enrollment__learner=locked).update(reason=ACCOUNT_DELETED_REASON)
    ExamAuditEntry.objects.filter(enrollment__learner=locked).exclude(reason="").update(
        reason=ACCOUNT_DELETED_REASON
    )

    enrollments = Enrollment.objects.filter(learner=locked)
    for enrollment in enrollments.filter(status__in=[Enrollment.Status.APPLIED, Enrollment.Status.ACTIVE]):
        enrollment_withdraw(enrollment=enrollment, reason=ACCOUNT_DELETED_REASON)
    enrollments.exclude(withdrawal_reason="").update(withdrawal_reason=ACCOUNT_DELETED_REASON)

    certificates = Certificate.objects.filter(enrollment__learner=locked)
    storage = Certificate._meta.get_field("file").storage
    files = list(certificates.exclude(file="").values_list("file", flat=True))
    certificates.exclude(status__in=[Certificate.Status.REVOKED, Certificate.Status.WITHDRAWN]).update(
        status=Certificate.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )
    certificates.update(file="")

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    user.refresh_from_db()
