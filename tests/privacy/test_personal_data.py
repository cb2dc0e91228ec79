"""Personal data (PIPL): download everything as JSON; delete the account, keeping the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from certificates.models import Certificate
from counties.models import Attendance, InvitationLog, LearnerProfile, SchoolType
from courses.models import Lesson
from enrollment import services
from enrollment.models import Enrollment, LessonProgress, QuizAttempt
from enrollment.quizzes import quiz_submit
from exams.models import Exam, ExamAttempt, ExamAuditEntry
from tests import factories

EXPORT = reverse("privacy:data_export")
DELETE = reverse("privacy:delete")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def history(learner, county, settings, tmp_path):
    """A learner with a completed course (certificate issued, with a file), an active one in a
    cohort with attendance, a quiz attempt, and a verified email address."""
    settings.MEDIA_ROOT = tmp_path
    learner.mobile = "13800138000"
    learner.gender = User.Gender.FEMALE
    learner.birth_year = 2004
    learner.save()
    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)

    done = factories.course_with_lessons(lessons=1)
    enrollment = services.enrollment_create(learner=learner, course=done)
    services.lesson_complete(enrollment=enrollment, lesson=Lesson.objects.get(module__course=done))
    question = done.quizzes.get().questions.get()
    right = question.choices.get(is_correct=True)
    quiz_submit(
        enrollment=enrollment,
        quiz=done.quizzes.get(),
        token="export-token-1234567",
        answers={question.pk: {right.pk}},
    )
    certificate = Certificate.objects.get(enrollment=enrollment)
    certificate.file.save("cert.pdf", ContentFile(b"%PDF-1.4"), save=False)
    certificate.status = Certificate.Status.ISSUED
    certificate.issued_at = timezone.now()
    certificate.save()

    studying = factories.course_with_lessons(lessons=2)
    cohort = factories.CohortFactory(course=studying, county=county)
    services.cohort_join(learner=learner, cohort=cohort)
    session = factories.ClassSessionFactory(cohort=cohort, topic="直播实操")
    Attendance.objects.create(session=session, learner=learner, status=Attendance.Status.PRESENT)
    return {"certificate": certificate, "question": question, "right": right, "cohort": cohort}


def test_data_export_is_a_utf8_json_download_with_everything(client, learner, history):
    InvitationLog.objects.create(user=learner, channel=InvitationLog.Channel.SMS)
    enrollment = history["certificate"].enrollment
    exam = Exam.objects.create(title="电商运营结业考试", course=enrollment.course)
    ExamAttempt.objects.create(exam=exam, enrollment=enrollment, number=1, score=8, passed=True)
    LearnerProfile.objects.filter(user=learner).update(school_type=SchoolType.SECONDARY_VOCATIONAL)
    client.force_login(learner)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "学员".encode() in response.content  # Chinese as characters, not \\u escapes

    data = json.loads(response.content.decode("utf-8"))
    assert data["account"]["email"] == learner.email
    assert data["account"]["mobile"] == "13800138000"
    assert data["account"]["birth_year"] == 2004
    assert data["learner_profile"] == {
        "county_code": "330122",
        "county": "浙江省 杭州市 桐庐县",
        "school": "桐庐县职业技术学校",
        "school_type": "secondary_vocational",
    }
    completed, active = data["enrollments"]
    assert (completed["status"], completed["progress_percent"]) == ("completed", 100)
    assert len(completed["lessons_completed"]) == 1
    attempt = completed["quiz_attempts"][0]
    assert (attempt["score"], attempt["passed"]) == (100, True)
    assert attempt["answers"] == [
        {
            "question_id": history["question"].pk,
            "choice_ids": [history["right"].pk],
            "question": history["question"].text,
            "choices": [history["right"].text],
        }
    ]
    assert completed["certificate"]["verification_code"] == history["certificate"].verification_code
    assert completed["certificate"]["status"] == "issued"
    assert active["cohort"] == history["cohort"].name
    assert data["attendance"][0]["topic"] == "直播实操"
    assert data["attendance"][0]["status"] == "present"
    assert data["email_addresses"] == [{"email": learner.email, "verified": True, "primary": True}]
    assert [invitation["channel"] for invitation in data["invitations"]] == ["sms"]
    [exam_attempt] = completed["exam_attempts"]
    assert (exam_attempt["exam"], exam_attempt["score"], exam_attempt["passed"]) == (
        "电商运营结业考试",
        8,
        True,
    )


def test_data_export_holds_only_my_data(client, learner, history):
    other = factories.LearnerProfileFactory().user
    client.force_login(other)
    data = json.loads(client.get(EXPORT).content)
    assert data["account"]["email"] == other.email
    assert data["enrollments"] == [] and data["attendance"] == []


def test_data_export_needs_a_login(client, db):
    assert client.get(EXPORT).url.startswith(reverse("account_login"))


def test_deletion_asks_for_the_password(client, learner):
    client.force_login(learner)
    assert 'name="password"' in client.get(DELETE).content.decode()
    response = client.post(DELETE, {"password": "wrong"})
    assert "This is not your password." in response.content.decode()
    learner.refresh_from_db()
    assert learner.is_active and learner.name


def test_deleted_account_keeps_figures_and_loses_personal_data(
    client, learner, history, django_capture_on_commit_callbacks
):
    InvitationLog.objects.create(user=learner, channel=InvitationLog.Channel.SMS)
    certificate = history["certificate"]
    pdf_path = Path(certificate.file.path)
    assert pdf_path.exists()
    email = learner.email
    other_device = Client()
    other_device.force_login(learner)
    enrolments = Enrollment.objects.filter(learner=learner).count()
    completions = Enrollment.objects.filter(learner=learner, status=Enrollment.Status.COMPLETED).count()
    progress_rows = LessonProgress.objects.filter(enrollment__learner=learner).count()
    LearnerProfile.objects.filter(user=learner).update(school_type=SchoolType.SECONDARY_VOCATIONAL)

    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"password": factories.PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Your account is deleted." in response.content.decode()
    assert SESSION_KEY not in client.session

    user = User.objects.get(pk=learner.pk)
    assert (user.name, user.mobile, user.is_active, user.has_usable_password()) == ("", None, False, False)
    assert user.email == f"deleted-{user.pk}@deleted.invalid"
    assert (user.gender, user.birth_year) == (User.Gender.FEMALE, 2004)
    profile = LearnerProfile.objects.get(user=user)
    assert (profile.county_id, profile.school, profile.school_type) == ("330122", "", "")
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not InvitationLog.objects.filter(user=user).exists()

    # The figures stay: enrolments, completions, progress rows and quiz attempts.
    assert Enrollment.objects.filter(learner=user).count() == enrolments
    assert Enrollment.objects.filter(learner=user, status=Enrollment.Status.COMPLETED).count() == completions
    assert LessonProgress.objects.filter(enrollment__learner=user).count() == progress_rows
    assert QuizAttempt.objects.filter(enrollment__learner=user).count() == 1
    # The class seat is freed.
    assert not history["cohort"].enrollments.current().filter(learner=user).exists()

    # The holder withdrew the certificate (not revoked: see tests/certificates/test_withdrawn.py).
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_at, certificate.file.name) == (
        Certificate.Status.WITHDRAWN,
        None,
        "",
    )
    assert certificate.withdrawn_at is not None
    assert not pdf_path.exists()

    # Every session is over, on this device and the others; the old password opens nothing.
    assert other_device.get(reverse("learn:dashboard")).status_code == 302
    assert not client.login(email=email, password=factories.PASSWORD)
    login = client.post(reverse("account_login"), {"login": email, "password": factories.PASSWORD})
    assert login.status_code == 200 and SESSION_KEY not in client.session


def test_deleted_email_can_sign_up_again(client, learner, county):
    email = learner.email
    client.force_login(learner)
    client.post(DELETE, {"password": factories.PASSWORD})
    response = client.post(
        reverse("account_signup"),
        {
            "county": county.code,
            "name": "重新注册",
            "email": email,
            "password1": factories.PASSWORD,
            "password2": factories.PASSWORD,
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email=email).name == "重新注册"


def _sat_exam(enrollment):
    """An attempt at a published exam of one short answer and one fill-in-the-blank, written in,
    submitted, with an exception granted for a health reason."""
    from exams.attempts import attempt_answer_save, attempt_start, attempt_submit
    from exams.models import BankQuestion, QuestionBank
    from exams.policy import exception_grant
    from tests.exams.test_papers import add_questions, add_rule, publish

    bank = QuestionBank.objects.create(title="题库", course=enrollment.course)
    exam = Exam.objects.create(title="电商运营结业考试", course=enrollment.course)
    for kind in (BankQuestion.Kind.SHORT_ANSWER, BankQuestion.Kind.FILL_IN):
        add_questions(bank, 1, kind=kind, difficulty=2)
        add_rule(exam, bank, kind=kind, points=5)
    publish(exam)
    exception_grant(exam=exam, enrollment=enrollment, reason="手术后视力不佳", by=None, extra_minutes=10)
    attempt = attempt_start(exam=exam, enrollment=enrollment, device="Redmi 9A")
    for position in (1, 2):
        attempt_answer_save(attempt_id=attempt.pk, question_position=position, answer="我叫张小红，住在桐庐")
    return attempt_submit(attempt_id=attempt.pk)


def test_exam_attempts_answers_events_and_exceptions_are_exported_then_erased(
    client, learner, history, django_capture_on_commit_callbacks
):
    enrollment = Enrollment.objects.filter(learner=learner).exclude(status=Enrollment.Status.COMPLETED).get()
    attempt = _sat_exam(enrollment)
    client.force_login(learner)

    data = json.loads(client.get(EXPORT).content)
    [studying] = [item for item in data["enrollments"] if item["exam_attempts"]]
    [exported] = studying["exam_attempts"]
    assert [answer["answer"] for answer in exported["answers"]] == ["我叫张小红，住在桐庐"] * 2
    assert [event["what"] for event in exported["events"]] == ["start", "save", "save", "submit"]
    assert exported["events"][0]["device"] == "Redmi 9A"
    assert studying["exam_exceptions"][0]["reason"] == "手术后视力不佳"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})

    attempt.refresh_from_db()
    assert attempt.score is not None  # the result stays for the figures
    assert list(attempt.paper.values_list("answer", flat=True)) == [None, None]
    assert not attempt.events.exclude(device="").exists()
    assert enrollment.exam_exceptions.get().reason == "account deleted"
    assert not ExamAuditEntry.objects.filter(reason="手术后视力不佳").exists()


def test_hiring_data_is_exported_then_erased(
    client, learner, county, history, django_capture_on_commit_callbacks
):
    from jobs.models import (
        ApplicationEvent,
        ContactRequest,
        EmployerMember,
        FairRegistration,
        JobApplication,
        JobFair,
        TalentProfile,
    )
    from tests.jobs.conftest import apply, make_employer, make_post

    employer = make_employer(county)
    application = apply(make_post(employer, title="网店客服"), learner)
    ApplicationEvent.objects.create(application=application, status="interview", note="张小红面试表现好")
    TalentProfile.objects.create(learner=learner, is_visible=True, skills="直播带货")
    ContactRequest.objects.create(employer=employer, learner=learner, message="想请您来面试")
    fair = JobFair.objects.create(
        county=county, title="桐庐春季招聘会", date=timezone.localdate(), place="县体育馆"
    )
    FairRegistration.objects.create(fair=fair, learner=learner)
    own = make_employer(county, name="张小红网店", user=factories.UserFactory())
    EmployerMember.objects.filter(employer=own).update(user=learner)
    client.force_login(learner)

    jobs = json.loads(client.get(EXPORT).content)["jobs"]
    [exported] = jobs["job_applications"]
    assert exported["job"] == "网店客服"
    assert exported["shared_with_consent"]["name"] == learner.name
    assert [step["note"] for step in exported["steps"]] == ["", "张小红面试表现好"]
    assert jobs["talent_profile"]["skills"] == "直播带货"
    assert jobs["contact_requests"][0]["message"] == "想请您来面试"
    assert jobs["job_fair_registrations"][0]["fair"] == "桐庐春季招聘会"
    assert jobs["employer_membership"]["employer"] == "张小红网店"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})

    application.refresh_from_db()
    assert application.revoked_at is not None and application.shared == {}
    assert application.status == JobApplication.Status.APPLIED  # kept for the funnel figures
    assert not ApplicationEvent.objects.exclude(note="").exists()
    assert not TalentProfile.objects.filter(learner=learner).exists()
    assert not ContactRequest.objects.filter(learner=learner).exists()
    assert not FairRegistration.objects.filter(learner=learner).exists()
    assert not EmployerMember.objects.filter(user=learner).exists()


def test_practice_runs_and_assignments_are_exported_then_erased(
    client, learner, history, django_capture_on_commit_callbacks
):
    from practice.models import Assignment, Item, ItemSet, Mark, Run, Submission, SubmissionImage
    from practice.services import run_answers_save, run_submit
    from tests.practice.conftest import picture

    enrollment = Enrollment.objects.filter(learner=learner, cohort=history["cohort"]).get()
    course = enrollment.course
    item_set = ItemSet.objects.create(
        course=course, title="主图分类", task="text_class", labels=["合格"], published=True
    )
    item = Item.objects.create(item_set=item_set, order=1, text="白底主图", gold={"labels": ["合格"]})
    run = Run.objects.create(enrollment=enrollment, item_set=item_set)
    run_answers_save(run=run, answers={item.pk: {"labels": ["合格"]}})
    run_submit(run=run)
    criteria = [{"title": "标题", "levels": ["差", "好"]}]
    assignment = Assignment.objects.create(
        course=course, title="写商品详情", brief="配五张照片", criteria=criteria
    )
    submission = Submission.objects.create(
        assignment=assignment, enrollment=enrollment, text="我家的高山茶", submitted_at=timezone.now()
    )
    photo = SubmissionImage(submission=submission)
    photo.image.save("tea.png", ContentFile(picture()), save=True)
    Mark.objects.create(submission=submission, attempt=1, levels=[1], points=1, feedback="张小红写得好")
    client.force_login(learner)

    practice = json.loads(client.get(EXPORT).content)["practice"]
    assert practice["practice_runs"][0]["score"] == 100
    assert practice["practice_runs"][0]["answers"] == [{"item_id": item.pk, "answer": {"labels": ["合格"]}}]
    [exported] = practice["assignment_submissions"]
    assert exported["text"] == "我家的高山茶" and exported["marks"][0]["feedback"] == "张小红写得好"
    path = Path(photo.image.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})

    submission.refresh_from_db()
    assert submission.text == "account deleted"
    assert not SubmissionImage.objects.exists() and not path.exists()
    assert Mark.objects.get().feedback == "" and Mark.objects.get().points == 1
    assert Run.objects.get().score == 100  # the result stays for the figures


def test_officer_appointments_and_survey_responses_are_exported_then_erased(
    client, county, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from officers.models import Appointment, ResponsePhoto, Survey, SurveyQuestion, SurveyResponse
    from tests.officers.conftest import appoint, picture

    settings.MEDIA_ROOT = tmp_path / "media"
    officer = factories.UserFactory()
    appoint(officer, county, home_organisation="浙江大学")
    survey = Survey.objects.create(title="需求调查")
    photo_question = survey.questions.create(text="照片", kind=SurveyQuestion.Kind.PHOTO)
    client.force_login(officer)
    client.post(
        reverse("officers:survey_respond", args=[survey.pk]),
        {
            "client_key": "0b8f9a52-3c4e-4f7a-9d21-6a5b4c3d2e1f",
            "organisation_name": "里湖村委会",
            "organisation_kind": "village",
            "county": county.pk,
            f"q{photo_question.pk}": SimpleUploadedFile("p.jpg", picture(), "image/jpeg"),
        },
    )
    path = Path(ResponsePhoto.objects.get().image.path)

    officers = json.loads(client.get(EXPORT).content)["officers"]
    assert officers["appointments"][0]["home_organisation"] == "浙江大学"
    assert officers["survey_responses"][0]["organisation"] == "里湖村委会"
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": factories.PASSWORD})

    assert not Appointment.objects.exists()
    response = SurveyResponse.objects.get()  # the county's data stays, without the link
    assert response.officer is None and response.organisation_name == "里湖村委会"
    assert path.exists() and ResponsePhoto.objects.filter(response=response).exists()
