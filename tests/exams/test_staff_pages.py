"""The editors' exam pages through HTTP: the item analysis of an exam and of a bank (page and
CSV), the list of exams and releasing results by hand; who may open them; constant queries."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams.models import BankQuestion, Exam, ExamAuditEntry
from tests import factories
from tests.exams.test_analysis import LEARNERS, answers_of, bank_of_every_kind, make_exam, sit

Kind = BankQuestion.Kind


@pytest.fixture
def sat_exam(course_bank):
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(LEARNERS):
        sit(exam, answers_of(questions, learner))
    return exam, questions


def _staff_client(*codenames: str) -> Client:
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def bank_editor_client(db) -> Client:
    """Staff who may add bank questions, and nothing else."""
    return _staff_client("add_bankquestion")


@pytest.fixture
def releaser_client(db) -> Client:
    """Staff who may add bank questions and change exams (and so release their results)."""
    return _staff_client("add_bankquestion", "change_exam")


def _cells(page: str, row_id: str) -> dict[str, str]:
    row = re.search(rf'<tr[^>]* id="{row_id}">(.*?)</tr>', page, re.S)[1]
    return {
        css: text.strip()
        for css, text in re.findall(r'<td data-label="[^"]+" class="([^"]+)">(.*?)</td>', row, re.S)
    }


# --- item analysis -------------------------------------------------------------------------------


def test_the_analysis_page_shows_every_question_as_a_card_at_phone_width(editor_client, sat_exam):
    exam, questions = sat_exam
    response = editor_client.get(reverse("exams:analysis", args=[exam.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    assert 'class="stack item-analysis"' in page
    rows = re.findall(r'<tr class="item[^"]*" id="question-(\d+)">(.*?)</tr>', page, re.S)
    assert {int(pk) for pk, _row in rows} == {question.pk for question in questions.values()}
    for _pk, row in rows:
        # The question is the card's title; every other cell is led by its column's name.
        assert row.count("<td") == 7 and row.count('<td data-label="') == 6
    assert reverse("exams:analysis_export", args=[exam.pk]) in page


def test_the_analysis_page_shows_the_measures_and_flags_bad_questions(editor_client, sat_exam):
    exam, questions = sat_exam
    page = editor_client.get(reverse("exams:analysis", args=[exam.pk])).content.decode()

    multiple = _cells(page, f"question-{questions[Kind.MULTIPLE].pk}")
    assert multiple["difficulty"] == "0.30" and multiple["discrimination"] == "1.00"
    assert "选项1" in multiple["wrong-option"] and "(70%)" in multiple["wrong-option"]
    assert multiple["flags"].count("<li>") == 1
    true_false = _cells(page, f"question-{questions[Kind.TRUE_FALSE].pk}")
    assert true_false["discrimination"] == "-0.67"
    fill_in = _cells(page, f"question-{questions[Kind.FILL_IN].pk}")
    assert fill_in["blank"] == "40%" and "<li>" not in fill_in["flags"]
    short = _cells(page, f"question-{questions[Kind.SHORT_ANSWER].pk}")
    assert short["difficulty"] == "—" and "<small>" in short["flags"]  # too few marked to judge
    assert re.search(rf'<tr class="item flagged" id="question-{questions[Kind.SINGLE].pk}">', page)
    assert not re.search(rf'<tr class="item flagged" id="question-{questions[Kind.FILL_IN].pk}">', page)
    # Flagged questions first.
    order = [int(pk) for pk in re.findall(r'id="question-(\d+)"', page)]
    assert order[-2:] == [questions[Kind.FILL_IN].pk, questions[Kind.SHORT_ANSWER].pk]


def test_the_analysis_downloads_as_csv(editor_client, sat_exam):
    exam, questions = sat_exam
    response = editor_client.get(reverse("exams:analysis_export", args=[exam.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + len(questions) and all(len(row) == 12 for row in rows)
    by_text = {row[0]: row for row in rows[1:]}
    multiple = by_text[questions[Kind.MULTIPLE].text]
    assert multiple[4] == "商品上架" and multiple[5] == str(LEARNERS)
    assert multiple[6:8] == ["0.30", "1.00"] and multiple[9] == "70" and multiple[11]
    assert (
        by_text[questions[Kind.FILL_IN].text][10] == "40" and by_text[questions[Kind.FILL_IN].text][11] == ""
    )


def test_an_exam_nobody_has_submitted_shows_an_empty_state(editor_client, course_bank):
    bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    page = editor_client.get(reverse("exams:analysis", args=[exam.pk])).content.decode()
    assert 'id="analysis-empty"' in page and "<table" not in page


def test_the_bank_analysis_page_and_csv(editor_client, sat_exam, course_bank):
    _exam, questions = sat_exam
    page = editor_client.get(reverse("exams:bank_analysis", args=[course_bank.pk])).content.decode()
    assert len(re.findall(r'id="question-\d+"', page)) == len(questions)
    response = editor_client.get(reverse("exams:bank_analysis_export", args=[course_bank.pk]))
    assert len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))) == 6


@pytest.mark.parametrize("learners", [2, 12])
def test_the_analysis_page_takes_the_same_queries_whatever_the_attempts(
    bank_editor_client, course_bank, django_assert_num_queries, learners
):
    questions = bank_of_every_kind(course_bank)
    exam = make_exam(course_bank)
    for learner in range(learners):
        sit(exam, answers_of(questions, learner % LEARNERS))
    # The user, their permissions (theirs and their groups'), the exam, the analysis's four.
    with django_assert_num_queries(8):
        response = bank_editor_client.get(reverse("exams:analysis", args=[exam.pk]))
    assert len(re.findall(r'id="question-\d+"', response.content.decode())) == len(questions)


# --- the list of exams and releasing results -----------------------------------------------------


def test_the_exam_list_links_each_exam_to_its_analysis_and_the_admin(releaser_client, sat_exam, course_bank):
    exam, _questions = sat_exam
    draft = Exam.objects.create(title="模拟考试", course=course_bank.course)
    page = releaser_client.get(reverse("exams:exam_list")).content.decode()

    assert 'class="stack exam-list"' in page
    for each in (exam, draft):
        assert reverse("exams:analysis", args=[each.pk]) in page
        assert reverse("admin:exams_exam_change", args=[each.pk]) in page
    assert _cells(page, f"exam-{exam.pk}")["attempts"] == str(LEARNERS)
    assert _cells(page, f"exam-{draft.pk}")["attempts"] == "0"
    assert 'name="release"' not in page  # both release their results immediately


def test_an_exam_released_by_hand_is_released_from_the_list(releaser_client, sat_exam):
    exam, _questions = sat_exam
    Exam.objects.filter(pk=exam.pk).update(release=Exam.Release.MANUAL)
    release_url = reverse("exams:results_release", args=[exam.pk])
    page = releaser_client.get(reverse("exams:exam_list")).content.decode()
    assert f'action="{release_url}"' in page

    response = releaser_client.post(release_url)

    assert response.status_code == 302 and response["Location"] == reverse("exams:exam_list")
    exam.refresh_from_db()
    assert exam.results_released_at is not None
    assert (
        ExamAuditEntry.objects.filter(
            exam=exam, action="results_released", actor=releaser_client.user
        ).count()
        == 1
    )
    page = releaser_client.get(reverse("exams:exam_list")).content.decode()
    assert f'action="{release_url}"' not in page
    assert (
        timezone.localtime(exam.results_released_at).strftime("%Y-%m-%d")
        in _cells(page, f"exam-{exam.pk}")["release"]
    )
    releaser_client.post(release_url)  # twice: nothing more
    assert ExamAuditEntry.objects.filter(exam=exam, action="results_released").count() == 1


def test_an_exam_that_releases_on_its_own_is_not_released_by_hand(releaser_client, sat_exam):
    exam, _questions = sat_exam
    response = releaser_client.post(reverse("exams:results_release", args=[exam.pk]), follow=True)
    assert response.status_code == 200
    assert 'class="msg error"' in response.content.decode()
    exam.refresh_from_db()
    assert exam.results_released_at is None
    assert not ExamAuditEntry.objects.filter(action="results_released").exists()


def test_an_editor_who_may_not_change_exams_sees_no_release_button_and_cannot_release(
    bank_editor_client, sat_exam
):
    exam, _questions = sat_exam
    Exam.objects.filter(pk=exam.pk).update(release=Exam.Release.MANUAL)
    page = bank_editor_client.get(reverse("exams:exam_list")).content.decode()
    assert 'name="release"' not in page
    assert reverse("admin:exams_exam_change", args=[exam.pk]) not in page
    assert bank_editor_client.post(reverse("exams:results_release", args=[exam.pk])).status_code == 403
    exam.refresh_from_db()
    assert exam.results_released_at is None


def test_the_exam_list_is_empty_before_any_exam(editor_client):
    page = editor_client.get(reverse("exams:exam_list")).content.decode()
    assert 'id="exams-empty"' in page


@pytest.mark.parametrize("exams", [1, 30])
def test_the_exam_list_takes_the_same_queries_whatever_the_exams(
    releaser_client, course_bank, django_assert_num_queries, exams
):
    for number in range(exams):
        course = factories.CourseFactory()
        Exam.objects.create(title=f"考试{number}", course=course, release=Exam.Release.MANUAL)
    # The user, their permissions (theirs and their groups'), the count and the page of exams.
    with django_assert_num_queries(5):
        response = releaser_client.get(reverse("exams:exam_list"))
    assert response.content.decode().count('name="release"') == exams


# --- who may open them -----------------------------------------------------------------------------


def _urls(exam, bank):
    return [
        ("get", reverse("exams:exam_list")),
        ("get", reverse("exams:analysis", args=[exam.pk])),
        ("get", reverse("exams:analysis_export", args=[exam.pk])),
        ("get", reverse("exams:bank_analysis", args=[bank.pk])),
        ("get", reverse("exams:bank_analysis_export", args=[bank.pk])),
        ("post", reverse("exams:results_release", args=[exam.pk])),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("learner", 404), ("coordinator", 404), ("staff_without_permission", 403)],
    ids=["learner", "coordinator", "staff-without-permission"],
)
def test_only_editors_open_the_exam_pages(request, client, course_bank, who, status):
    exam = Exam.objects.create(title="结业考试", course=course_bank.course, release=Exam.Release.MANUAL)
    if who == "staff_without_permission":
        user = factories.UserFactory(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="change_exam"))
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    for method, url in _urls(exam, course_bank):
        assert getattr(client, method)(url).status_code == status, url
    exam.refresh_from_db()
    assert exam.results_released_at is None


def test_a_visitor_is_sent_to_sign_in_and_an_unknown_exam_is_not_found(client, editor_client, course_bank):
    exam = Exam.objects.create(title="结业考试", course=course_bank.course)
    for method, url in _urls(exam, course_bank):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url
    assert editor_client.get(reverse("exams:analysis", args=[exam.pk + 1])).status_code == 404
    assert editor_client.get(reverse("exams:bank_analysis", args=[course_bank.pk + 1])).status_code == 404
