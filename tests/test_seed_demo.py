from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from counties.models import ClassSession, Cohort, CoordinatorAssignment, County, LearnerProfile
from courses.models import Course
from enrollment.models import Enrollment
from exams import demo
from exams.models import BankQuestion, Exam, ExamAttempt, ExamAuditEntry, ExamWindow, QuestionBank
from exams.papers import blueprint_problems
from exams.rooms import room_open


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # seed_demo runs on the embedded default (DEBUG on); pytest-django turns DEBUG off.
    settings.DEBUG = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot():
    return (
        sorted(County.objects.values_list("code", "name", "prefecture__name", "province__name")),
        sorted(User.objects.values_list("email", "name", "is_staff")),
        sorted(CoordinatorAssignment.objects.values_list("coordinator__email", "county_id")),
        sorted(LearnerProfile.objects.values_list("user__email", "county_id")),
    )


def exam_snapshot():
    """The demo exams, their banks, windows, class sessions and attempts."""
    return (
        sorted(QuestionBank.objects.values_list("title", "course__slug")),
        BankQuestion.objects.count(),
        sorted(Exam.objects.values_list("title", "course__slug", "status", "is_final")),
        sorted(ExamWindow.objects.values_list("exam__title", "cohort__name", "opens_at", "closes_at")),
        sorted(ClassSession.objects.values_list("cohort__name", "topic", "date")),
        sorted(Enrollment.objects.values_list("learner__email", "course__slug", "cohort__name", "status")),
        sorted(
            ExamAttempt.objects.values_list("enrollment__learner__email", "exam__title", "number", "score")
        ),
        sorted(Course.objects.values_list("slug", "requires_final_exam", "certificate_shows_exam_band")),
        ExamAuditEntry.objects.count(),
    )


def test_seed_demo_creates_the_first_sites_and_a_login_for_every_role(db):
    output = seed()
    counties, users, assignments, profiles = snapshot()
    assert counties == [
        ("140602", "朔城区", "朔州市", "山西省"),
        ("330122", "桐庐县", "杭州市", "浙江省"),
        ("520603", "万山区", "铜仁市", "贵州省"),
        ("610830", "清涧县", "榆林市", "陕西省"),
    ]
    # The competitions demo's six contestants (learners of 桐庐县), beside a login for every role.
    contestants = [email for email, _name, _staff in users if email.startswith("contestant")]
    assert contestants == [f"contestant{number}@example.com" for number in range(1, 7)]
    assert [email for email, _name, _staff in users if email not in contestants] == [
        "admin@example.com",
        "coordinator@example.com",
        "editor@example.com",
        "employer2@example.com",
        "employer@example.com",
        "learner@example.com",
        "officer@example.com",
        "publisher@example.com",
    ]
    assert assignments == [("coordinator@example.com", "330122")]
    assert [profile for profile in profiles if profile[0] not in contestants] == [
        ("learner@example.com", "330122")
    ]
    assert {county for email, county in profiles if email in contestants} == {"330122"}
    assert User.objects.get(email="admin@example.com").is_staff
    for email in ("learner@example.com", "coordinator@example.com", "admin@example.com"):
        assert email in output
    assert "TalentDemo-2026" in output


def test_seed_demo_is_idempotent(db):
    seed()
    first = snapshot(), exam_snapshot()
    seed()
    assert (snapshot(), exam_snapshot()) == first
    assert QuestionBank.objects.exists() and ExamAttempt.objects.exists()  # the exams are in it


# --- the demo exams ------------------------------------------------------------------------------

DEMO_COURSES = {"rural-ecommerce-operations", "ai-data-labelling-basics"}


def test_two_demo_courses_have_a_bank_of_every_kind_and_a_published_final_exam(db):
    output = seed()
    assert "Exams published: 2 new" in output
    assert "Exams published: 0 new, 2 already there" in seed()

    for slug in DEMO_COURSES:
        bank = QuestionBank.objects.get(course__slug=slug)
        questions = list(bank.questions.prefetch_related("knowledge_points"))
        assert len(questions) >= 15
        assert {question.kind for question in questions} == set(BankQuestion.Kind.values)
        assert {question.difficulty for question in questions} == {1, 2, 3}
        assert all(question.explanation and question.knowledge_points.all() for question in questions)
        assert all(
            question.rubric for question in questions if question.kind == BankQuestion.Kind.SHORT_ANSWER
        )
        exam = Exam.objects.get(course__slug=slug)
        assert exam.is_final and exam.status == Exam.Status.PUBLISHED
        assert blueprint_problems(exam) == []
        assert 8 <= sum(exam.rules.values_list("count", flat=True)) <= 12
        assert exam.rules.exclude(knowledge_point=None).exists()  # drawn by knowledge point too
        assert 20 <= exam.time_limit_minutes <= 30
        assert (exam.max_attempts, exam.cool_off_minutes) == (3, 10)
    required = Course.objects.filter(slug__in=DEMO_COURSES, requires_final_exam=True)
    assert list(required.values_list("slug", "certificate_shows_exam_band")) == [
        ("rural-ecommerce-operations", True)
    ]


def test_the_demo_learner_has_sat_the_final_exam_once_and_awaits_marking(db):
    seed()
    cohort = Cohort.objects.get()
    enrollment = Enrollment.objects.get(learner__email="learner@example.com")
    assert enrollment.cohort == cohort and enrollment.status == Enrollment.Status.ACTIVE
    attempt = ExamAttempt.objects.get()
    assert (attempt.enrollment, attempt.exam.course, attempt.number) == (enrollment, cohort.course, 1)
    assert attempt.submitted_at is not None and attempt.awaiting_marking
    assert attempt.paper.count() == sum(attempt.exam.rules.values_list("count", flat=True))
    assert 0 < attempt.score < attempt.max_score
    written = attempt.paper.get(question__kind=BankQuestion.Kind.SHORT_ANSWER).answer
    assert written in demo.sample_answers(cohort.course).values()


def test_the_coordinator_can_open_an_exam_room_in_todays_class(db):
    output = seed()
    cohort = Cohort.objects.get()
    exam = Exam.objects.get(course=cohort.course)
    window = ExamWindow.objects.get(exam=exam, cohort=cohort)
    assert window.opens_at <= timezone.now() < window.closes_at
    assert window.set_by.email == "coordinator@example.com"
    session = ClassSession.objects.get(cohort=cohort, date=timezone.localdate())
    assert session.topic in output and exam.title in output
    room = room_open(exam=exam, session=session, by=window.set_by)
    assert room.closed_at is None


def test_a_bad_demo_exam_file_is_refused_with_its_name(tmp_path):
    document = json.loads((demo.DEMO_DIR / "ai-data-labelling-basics.json").read_text(encoding="utf-8"))
    document["question_banks"][0]["questions"][0]["choices"][1][1] = True  # two right options
    document["exams"][0]["is_final"] = False
    (tmp_path / "ai-data-labelling-basics.json").write_text(json.dumps(document, ensure_ascii=False))
    (tmp_path / "other.json").write_text(json.dumps(document, ensure_ascii=False))
    shop = json.loads((demo.DEMO_DIR / "rural-ecommerce-operations.json").read_text(encoding="utf-8"))
    shop["sample_answers"] = {"不存在的题": "答"}
    (tmp_path / "rural-ecommerce-operations.json").write_text(json.dumps(shop, ensure_ascii=False))

    with pytest.raises(demo.DemoFileError) as error:
        demo.demo_documents(tmp_path)

    problems = "\n".join(error.value.problems)
    assert "ai-data-labelling-basics.json: question_banks[0].questions[0]: " in problems
    assert "ai-data-labelling-basics.json: exams: needs the course's final exam" in problems
    assert "other.json: course: must be 'other'" in problems
    assert "rural-ecommerce-operations.json: sample_answers: '不存在的题' is no short answer" in problems


def test_demo_logins_work(client, db):
    seed()
    response = client.post(
        "/accounts/login/", {"login": "coordinator@example.com", "password": "TalentDemo-2026"}
    )
    assert response.status_code == 302
    assert client.get("/counties/coordinator/").status_code == 200


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        seed()
    assert not User.objects.exists()


def test_seed_demo_opens_a_cohort_in_tonglu_with_a_join_code(db):
    output = seed()
    cohort = Cohort.objects.get()
    assert cohort.county_id == "330122"
    assert cohort.status == Cohort.Status.OPEN
    assert cohort.course.slug == "rural-ecommerce-operations"
    assert cohort.join_code in output
    seed()
    assert Cohort.objects.get().join_code == cohort.join_code
