"""Certificates and reminders on the production stack: PostgreSQL, Redis and real `celery worker`
processes — a broker outage, a killed worker, a duplicate delivery and a repeated scan."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from certificates.models import Certificate
from certificates.tasks import issue_certificate, sweep_pending_certificates
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment
from reminders.models import ReminderLog
from reminders.tasks import scan_reminders
from tests import factories
from tests.real_stack import publish, redis_start, redis_stop, wait_for

pytestmark = pytest.mark.real_stack


def completed_enrolment(course, **user) -> Enrollment:
    learner = factories.LearnerProfileFactory(user__name="王小丽", **user).user
    enrollment = services.enrollment_create(learner=learner, course=course)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=course))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    return enrollment


def certificate_files() -> list:
    folder = settings.MEDIA_ROOT / "certificates"
    return sorted(folder.iterdir()) if folder.exists() else []


def mails(worker, text: str) -> list[str]:
    if not worker.mail_dir.exists():
        return []
    bodies = [path.read_text(errors="replace") for path in sorted(worker.mail_dir.iterdir())]
    return [body for body in bodies if text in body]


@pytest.fixture
def course(transactional_db):
    return factories.course_with_lessons(lessons=1, final_quiz=False, title="AI数据标注基础")


def test_completion_survives_a_broker_outage_and_the_sweep_issues_later(start_worker, course):
    worker = start_worker()
    redis_stop()
    try:
        enrollment = completed_enrolment(course)  # on commit, the task cannot be queued
        certificate = Certificate.objects.get(enrollment=enrollment)
        assert certificate.status == Certificate.Status.PENDING
    finally:
        redis_start()

    Certificate.objects.filter(pk=certificate.pk).update(created_at=timezone.now() - timedelta(hours=1))
    publish(sweep_pending_certificates)
    assert wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk, status=Certificate.Status.ISSUED).exists(),
        timeout=60,
    ), worker.log()
    assert len(certificate_files()) == 1


def test_worker_killed_while_rendering_leaves_each_certificate_issued_exactly_once(start_worker, course):
    count = 30
    first = start_worker()
    # Each completion queues its certificate after commit; the worker renders them one by one.
    enrollments = [completed_enrolment(course) for _ in range(count)]
    ids = list(Certificate.objects.filter(enrollment__in=enrollments).values_list("pk", flat=True))

    def rendering_now():
        # An attempt was counted but the row is not issued: the worker is inside certificate_issue.
        return Certificate.objects.filter(status=Certificate.Status.PENDING, attempts__gte=1).exists()

    assert wait_for(rendering_now, timeout=60, interval=0.002), first.log()
    first.stop(signal.SIGKILL)
    assert first.process.returncode == -signal.SIGKILL
    issued_before_restart = Certificate.objects.filter(status=Certificate.Status.ISSUED).count()
    assert issued_before_restart < count

    second = start_worker()
    # The killed delivery stays unacknowledged until Redis' visibility timeout; the sweep
    # queues it again at once instead.
    Certificate.objects.filter(status=Certificate.Status.PENDING).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    publish(sweep_pending_certificates)
    assert wait_for(
        lambda: Certificate.objects.filter(pk__in=ids, status=Certificate.Status.ISSUED).count() == count,
        timeout=120,
    ), second.log()

    assert [path.name for path in certificate_files()] == sorted(
        f"{code}.pdf" for code in Certificate.objects.values_list("verification_code", flat=True)
    )
    assert ReminderLog.objects.filter(kind=ReminderLog.Kind.CERTIFICATE_READY).count() == count


def test_the_same_certificate_task_delivered_twice_makes_one_file_and_one_message(start_worker, course):
    workers = [start_worker(), start_worker()]
    redis_stop()  # complete without queuing, then deliver the task twice by hand
    try:
        enrollment = completed_enrolment(course, user__email="twice@example.com")
    finally:
        redis_start()
    certificate = enrollment.certificate
    publish(issue_certificate, certificate.pk)
    publish(issue_certificate, certificate.pk)

    assert wait_for(lambda: len(mails(workers[0], "To: twice@example.com")) >= 1, timeout=60), workers[
        0
    ].log()
    time.sleep(2)  # give a wrongly duplicated message time to show up
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.attempts == 2  # both deliveries ran; one issued, the other found it done
    assert len(certificate_files()) == 1
    assert len(mails(workers[0], "To: twice@example.com")) == 1


def test_reminder_scan_run_twice_in_a_day_sends_each_reminder_once(start_worker, transactional_db):
    worker = start_worker()
    learners = []
    for n in range(3):
        enrollment = factories.EnrollmentFactory(learner__email=f"idle{n}@example.com")
        Enrollment.objects.filter(pk=enrollment.pk).update(
            last_activity_at=timezone.now() - timedelta(days=9),
            enrolled_at=timezone.now() - timedelta(days=20),
        )
        learners.append(enrollment.learner.email)

    publish(scan_reminders)
    assert wait_for(lambda: ReminderLog.objects.filter(status="sent").count() == 3, timeout=60), worker.log()
    publish(scan_reminders)
    assert wait_for(lambda: worker.log().count("reminders.tasks.scan_reminders") >= 4, timeout=60), (
        worker.log()
    )
    time.sleep(1)

    assert ReminderLog.objects.count() == 3
    for email in learners:
        assert len(mails(worker, f"To: {email}")) == 1
