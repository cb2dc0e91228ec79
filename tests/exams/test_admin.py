"""The admin: a question's options checked by the same rules as the service; cohort windows and
learners' exceptions written through exams.policy with their audit entries (an exception only
with a reason); rooms, attempt events and the audit log read-only; the exam's sitting and
results fields and the "release results" action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import (
    AttemptEvent,
    BankQuestion,
    Exam,
    ExamAttempt,
    ExamAuditEntry,
    ExamException,
    ExamRoom,
    ExamWindow,
)
from tests import factories


def _post(client, bank, kind, choices):
    data = {
        "bank": bank.pk,
        "kind": kind,
        "text": "主图尺寸？",
        "difficulty": 2,
        "explanation": "",
        "accepted_answers": "",
        "rubric": "",
        "order": 0,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for number, (text, right) in enumerate(choices):
        data[f"choices-{number}-text"] = text
        data[f"choices-{number}-order"] = number
        if right:
            data[f"choices-{number}-is_correct"] = "on"
    return client.post(reverse("admin:exams_bankquestion_add"), data)


def test_the_admin_refuses_a_single_choice_with_two_right_options(admin_client, course_bank):
    response = _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", True)])
    assert response.status_code == 200
    assert not BankQuestion.objects.exists()
    response = _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", False)])
    assert response.status_code == 302
    assert BankQuestion.objects.get().choices.filter(is_correct=True).count() == 1


def test_the_bank_page_lists_its_questions(admin_client, course_bank):
    _post(admin_client, course_bank, "single", [("800×800", True), ("100×100", False)])
    response = admin_client.get(reverse("admin:exams_questionbank_change", args=[course_bank.pk]))
    assert response.status_code == 200
    assert "主图尺寸？" in response.content.decode()


# --- windows, exceptions, the read-only logs and releasing results -------------------------------


@pytest.fixture
def exam(course_bank):
    return Exam.objects.create(
        title="结业考试", course=course_bank.course, release=Exam.Release.MANUAL, status=Exam.Status.PUBLISHED
    )


def _when(moment) -> dict:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def _split(name: str, moment) -> dict:
    return {f"{name}_{part}": value for part, value in _when(moment).items()}


def test_a_cohort_window_set_in_the_admin_is_audited(admin_client, admin_user, exam):
    cohort = factories.CohortFactory(course=exam.course)
    opens = timezone.now().replace(microsecond=0) + timedelta(days=1)
    response = admin_client.post(
        reverse("admin:exams_examwindow_add"),
        {
            "exam": exam.pk,
            "cohort": cohort.pk,
            **_split("opens_at", opens),
            **_split("closes_at", opens + timedelta(hours=2)),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    window = ExamWindow.objects.get()
    assert (window.exam, window.cohort, window.opens_at, window.set_by) == (exam, cohort, opens, admin_user)
    assert ExamAuditEntry.objects.filter(exam=exam, action="window_set", actor=admin_user).count() == 1

    admin_client.post(reverse("admin:exams_examwindow_delete", args=[window.pk]), {"post": "yes"})
    assert not ExamWindow.objects.exists()
    assert ExamAuditEntry.objects.filter(exam=exam, action="window_cleared").count() == 1


def test_a_window_for_a_cohort_of_another_course_is_refused(admin_client, exam):
    cohort = factories.CohortFactory()  # another course
    opens = timezone.now() + timedelta(days=1)
    response = admin_client.post(
        reverse("admin:exams_examwindow_add"),
        {
            "exam": exam.pk,
            "cohort": cohort.pk,
            **_split("opens_at", opens),
            **_split("closes_at", opens + timedelta(hours=2)),
        },
    )
    assert response.status_code == 200
    assert not ExamWindow.objects.exists() and not ExamAuditEntry.objects.exists()


def _exception(client, exam, enrollment, **fields):
    data = {
        "exam": exam.pk,
        "enrollment": enrollment.pk,
        "extra_minutes": 0,
        "extra_attempts": 0,
        "reason": "",
    }
    data.update(fields)
    return client.post(reverse("admin:exams_examexception_add"), data)


def test_an_exception_needs_a_reason_and_is_granted_through_the_policy(admin_client, admin_user, exam):
    enrollment = factories.EnrollmentFactory(course=exam.course)

    refused = _exception(admin_client, exam, enrollment, extra_minutes=30, reason="   ")
    assert refused.status_code == 200
    assert not ExamException.objects.exists() and not ExamAuditEntry.objects.exists()
    nothing = _exception(admin_client, exam, enrollment, reason="视力障碍")
    assert nothing.status_code == 200 and not ExamException.objects.exists()

    granted = _exception(admin_client, exam, enrollment, extra_minutes=30, reason="视力障碍，  需要放大字体")
    assert granted.status_code == 302
    exception = ExamException.objects.get()
    assert (exception.extra_minutes, exception.granted_by, exception.reason) == (
        30,
        admin_user,
        "视力障碍， 需要放大字体",
    )
    entry = ExamAuditEntry.objects.get(action="exception_granted")
    assert (entry.enrollment, entry.actor, entry.reason) == (
        enrollment,
        admin_user,
        "视力障碍， 需要放大字体",
    )
    assert entry.detail["extra_minutes"] == 30

    admin_client.post(reverse("admin:exams_examexception_delete", args=[exception.pk]), {"post": "yes"})
    assert not ExamException.objects.exists()
    assert ExamAuditEntry.objects.filter(action="exception_revoked", enrollment=enrollment).count() == 1


def test_an_exception_for_a_learner_of_another_course_or_beyond_the_limits_is_refused(admin_client, exam):
    stranger = factories.EnrollmentFactory()
    assert _exception(admin_client, exam, stranger, extra_minutes=30, reason="住院").status_code == 200
    learner = factories.EnrollmentFactory(course=exam.course)
    assert _exception(admin_client, exam, learner, extra_attempts=99, reason="住院").status_code == 200
    assert not ExamException.objects.exists() and not ExamAuditEntry.objects.exists()


def test_rooms_events_and_the_audit_log_are_read_only_and_the_room_secret_is_never_shown(admin_client, exam):
    cohort = factories.CohortFactory(course=exam.course)
    session = factories.ClassSessionFactory(cohort=cohort)
    room = ExamRoom.objects.create(exam=exam, session=session, secret="s3cr3t-never-shown")
    entry = ExamAuditEntry.objects.create(exam=exam, action="room_opened")
    attempt = ExamAttempt.objects.create(
        exam=exam, enrollment=factories.EnrollmentFactory(course=exam.course), number=1
    )
    event = AttemptEvent.objects.create(attempt=attempt, kind=AttemptEvent.Kind.START, device="Android")

    for model, obj in (("examroom", room), ("examauditentry", entry), ("attemptevent", event)):
        assert admin_client.get(reverse(f"admin:exams_{model}_changelist")).status_code == 200
        page = admin_client.get(reverse(f"admin:exams_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin_client.get(reverse(f"admin:exams_{model}_add")).status_code == 403
        assert (
            admin_client.post(
                reverse(f"admin:exams_{model}_delete", args=[obj.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
    assert (
        "s3cr3t-never-shown"
        not in admin_client.get(reverse("admin:exams_examroom_change", args=[room.pk])).content.decode()
    )
    assert (
        "s3cr3t-never-shown"
        not in admin_client.get(reverse("admin:exams_examroom_changelist")).content.decode()
    )
    assert ExamRoom.objects.filter(pk=room.pk).exists() and AttemptEvent.objects.filter(pk=event.pk).exists()
    attempt_page = admin_client.get(
        reverse("admin:exams_examattempt_change", args=[attempt.pk])
    ).content.decode()
    assert "Android" in attempt_page  # the attempt shows its events


def test_the_exam_form_has_the_sitting_and_results_fields(admin_client, exam):
    page = admin_client.get(reverse("admin:exams_exam_change", args=[exam.pk])).content.decode()
    for name in (
        "release",
        "score_policy",
        "cool_off_minutes",
        "is_final",
        "max_attempts",
        "time_limit_minutes",
    ):
        assert f'name="{name}"' in page, name
    assert 'name="results_released_at"' not in page  # set by releasing only
    assert (
        reverse("exams:analysis", args=[exam.pk])
        in admin_client.get(reverse("admin:exams_exam_changelist")).content.decode()
    )


def test_the_release_action_releases_exams_released_by_hand_only(admin_client, admin_user, exam, course_bank):
    immediate = Exam.objects.create(title="模拟考试", course=course_bank.course)
    response = admin_client.post(
        reverse("admin:exams_exam_changelist"),
        {"action": "release_results", "_selected_action": [exam.pk, immediate.pk]},
        follow=True,
    )
    assert response.status_code == 200
    exam.refresh_from_db()
    immediate.refresh_from_db()
    assert exam.results_released_at is not None and immediate.results_released_at is None
    assert list(ExamAuditEntry.objects.values_list("exam_id", "action", "actor")) == [
        (exam.pk, "results_released", admin_user.pk)
    ]
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 2  # one warning for the exam that releases on its own, one success
