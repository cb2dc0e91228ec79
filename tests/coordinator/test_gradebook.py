"""The gradebook of a cohort and an exam: every learner's attempts, time used, scores and the
result that counts; its CSV and XLSX export; per-learner exceptions; a fixed number of queries;
and the scoping of every exam page to the coordinator's counties."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exams.models import ExamAttempt, ExamAuditEntry, ExamException
from exams.policy import exception_grant
from exams.rooms import room_open
from tests import factories
from tests.coordinator.conftest import enrol
from tests.coordinator.test_exam_rooms import make_exam, sit


@pytest.fixture
def exam(cohort):
    """No short answer: results are known at once."""
    return make_exam(cohort.course, singles=2, short_answers=0)


def gradebook_url(cohort, exam, name="exam_gradebook", **kwargs):
    return reverse(f"coordinator:{name}", kwargs={"pk": cohort.pk, "exam_pk": exam.pk, **kwargs})


def timed(attempt, minutes):
    """Say the attempt took ``minutes``."""
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.submitted_at - datetime.timedelta(minutes=minutes)
    )


def test_the_gradebook_shows_attempts_and_the_result_that_counts(client, coordinator, cohort, exam):
    retaker = enrol(cohort)
    first = sit(exam, retaker, right=False)
    second = sit(exam, retaker, right=True)
    timed(first, 12)
    timed(second, 20)
    sitting = enrol(cohort)
    sit(exam, sitting, submit=False)
    idle = enrol(cohort)
    client.force_login(coordinator)

    response = client.get(gradebook_url(cohort, exam))

    rows = {row.enrollment_id: row for row in response.context["rows"]}
    assert [attempt.number for attempt in rows[retaker.pk].attempts] == [1, 2]
    assert rows[retaker.pk].counted.pk == second.pk  # the best attempt counts
    assert [a.percent for a in rows[retaker.pk].attempts] == [0, 100]
    assert rows[sitting.pk].counted is None
    assert rows[idle.pk].attempts == []
    html = response.content.decode()
    assert f'id="learner-{retaker.pk}"' in html
    assert 'class="attempt attempt-failed" data-attempt="1"' in html
    assert 'class="attempt attempt-passed" data-attempt="2"' in html
    assert 'class="attempt attempt-in_progress" data-attempt="1"' in html
    assert "4/4 (100%)" in html
    assert f'href="{reverse("coordinator:exam_attempt", args=[cohort.pk, exam.pk, second.pk])}"' in html
    assert f'href="{gradebook_url(cohort, exam, "exam_exception", enrollment_pk=idle.pk)}"' in html


def test_the_last_attempt_counts_when_the_exam_says_so(client, coordinator, cohort, exam):
    exam.score_policy = "last"
    exam.save()
    learner = enrol(cohort)
    sit(exam, learner, right=True)
    last = sit(exam, learner, right=False)
    client.force_login(coordinator)
    [row] = client.get(gradebook_url(cohort, exam)).context["rows"]
    assert row.counted.pk == last.pk


# The user (with the navigation's coordinator flag), the cohort, the exam, the learners, their
# attempts, their exceptions.
GRADEBOOK_QUERIES = 6


@pytest.mark.parametrize("learners", [1, 25])
def test_the_gradebook_takes_a_fixed_number_of_queries(
    client, coordinator, cohort, exam, learners, django_assert_num_queries
):
    for n in range(learners):
        enrollment = enrol(cohort)
        sit(exam, enrollment, right=bool(n % 2))
        exception_grant(exam=exam, enrollment=enrollment, reason="视力障碍", by=coordinator, extra_minutes=15)
    client.force_login(coordinator)
    with django_assert_num_queries(GRADEBOOK_QUERIES):
        response = client.get(gradebook_url(cohort, exam))
    assert len(response.context["rows"]) == learners


# --- export --------------------------------------------------------------------------------------

HEADERS = [
    "Name",
    "Mobile",
    "Attempt",
    "Started",
    "Submitted",
    "Time used (minutes)",
    "Score",
    "Points possible",
    "Percent",
    "Result",
    "On paper",
    "Counts",
    "Exception",
    "Reason for the exception",
]


def named(enrollment, name, mobile=None):
    enrollment.learner.name, enrollment.learner.mobile = name, mobile
    enrollment.learner.save()
    return enrollment


def test_the_export_has_a_line_per_attempt(client, english, coordinator, cohort, exam, session_today):
    retaker = named(enrol(cohort), "张三", mobile="13800138001")
    first = sit(exam, retaker, right=False)
    timed(first, 12)
    room = room_open(exam=exam, session=session_today, by=coordinator)
    client.force_login(coordinator)
    client.post(
        reverse("coordinator:exam_room_paper", args=[cohort.pk, room.pk, retaker.pk]),
        {"score": 3, "max_score": 4},
    )
    idle = named(enrol(cohort), "李四")
    exception_grant(exam=exam, enrollment=idle, reason="住院", by=coordinator, extra_attempts=1)

    response = client.get(gradebook_url(cohort, exam, "exam_gradebook_export", fmt="csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == HEADERS
    by_name = {}
    for line in lines[1:]:
        by_name.setdefault(line[0], []).append(dict(zip(HEADERS, line, strict=True)))
    online, paper = by_name["张三"]
    assert (online["Mobile"], online["Attempt"], online["Time used (minutes)"]) == (
        "13800138001",
        "1",
        "12.0",
    )
    assert (online["Score"], online["Points possible"], online["Percent"]) == ("0", "4", "0")
    assert (online["Result"], online["On paper"], online["Counts"]) == ("Not passed", "", "")
    assert (paper["Attempt"], paper["Score"], paper["Percent"], paper["Result"]) == ("2", "3", "75", "Passed")
    assert (paper["On paper"], paper["Counts"], paper["Time used (minutes)"]) == ("Yes", "Yes", "")
    [alone] = by_name["李四"]
    assert (alone["Attempt"], alone["Result"]) == ("", "Not started")
    assert (alone["Exception"], alone["Reason for the exception"]) == ("1 extra attempt", "住院")

    xlsx = client.get(gradebook_url(cohort, exam, "exam_gradebook_export", fmt="xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADERS
    assert len(values) == 4


@pytest.fixture
def session_today(cohort):
    return factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())


def test_an_unknown_export_format_is_404(client, coordinator, cohort, exam):
    client.force_login(coordinator)
    assert client.get(gradebook_url(cohort, exam, "exam_gradebook_export", fmt="pdf")).status_code == 404


# --- exceptions ----------------------------------------------------------------------------------


def test_an_exception_is_granted_with_a_reason_and_listed(client, english, coordinator, cohort, exam):
    learner = enrol(cohort)
    url = gradebook_url(cohort, exam, "exam_exception", enrollment_pk=learner.pk)
    client.force_login(coordinator)
    assert client.get(url).status_code == 200

    refused = client.post(url, {"extra_minutes": 30, "extra_attempts": 0, "reason": ""})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    nothing = client.post(url, {"extra_minutes": 0, "extra_attempts": 0, "reason": "没什么"})
    assert nothing.context["form"].non_field_errors()
    assert not ExamException.objects.exists()

    response = client.post(
        url,
        {
            "extra_minutes": 30,
            "extra_attempts": 1,
            "opens_on": "2026-06-01",
            "opens_time": "09:00",
            "closes_on": "2026-06-01",
            "closes_time": "17:00",
            "reason": "读屏软件需要更多时间",
        },
    )

    assert response.status_code == 302
    assert response.url == gradebook_url(cohort, exam)
    exception = ExamException.objects.get(enrollment=learner)
    assert (exception.extra_minutes, exception.extra_attempts, exception.granted_by) == (30, 1, coordinator)
    assert timezone.localtime(exception.opens_at).strftime("%Y-%m-%d %H:%M") == "2026-06-01 09:00"
    assert ExamAuditEntry.objects.get(action="exception_granted").reason == "读屏软件需要更多时间"
    html = client.get(gradebook_url(cohort, exam)).content.decode()
    assert "30 extra minutes; 1 extra attempt; own window 2026-06-01 09:00 – 2026-06-01 17:00" in html
    assert f"by {coordinator}: 读屏软件需要更多时间" in html
    # The form shows the current exception, who granted it and why.
    page = client.get(url).content.decode()
    assert 'id="current-exception"' in page and "读屏软件需要更多时间" in page
    assert 'value="2026-06-01"' in page and 'value="09:00"' in page


def test_an_exception_for_a_learner_of_another_class_is_404(client, coordinator, county, cohort, exam):
    stranger = enrol(factories.CohortFactory(county=county, course=cohort.course))
    client.force_login(coordinator)
    url = gradebook_url(cohort, exam, "exam_exception", enrollment_pk=stranger.pk)
    assert client.post(url, {"extra_minutes": 5, "extra_attempts": 0, "reason": "x"}).status_code == 404
    assert not ExamException.objects.exists()


# --- scoping -------------------------------------------------------------------------------------


@pytest.fixture
def exam_pages(cohort, exam, coordinator, session_today):
    learner = enrol(cohort)
    attempt = sit(make_exam(cohort.course, short_answers=1, title="简答考试"), learner)
    room = room_open(exam=exam, session=session_today, by=coordinator)
    answer = attempt.paper.get(question__kind="short_answer")
    base = {"pk": cohort.pk}
    return [
        ("get", reverse("coordinator:cohort_exam_list", kwargs=base)),
        ("get", reverse("coordinator:exam_room", kwargs={**base, "room_pk": room.pk})),
        ("get", reverse("coordinator:exam_room_projector", kwargs={**base, "room_pk": room.pk})),
        ("post", reverse("coordinator:exam_room_pause", kwargs={**base, "room_pk": room.pk})),
        ("get", reverse("coordinator:exam_marking", kwargs={**base, "exam_pk": attempt.exam_id})),
        (
            "post",
            reverse(
                "coordinator:exam_marking_answer",
                kwargs={**base, "exam_pk": attempt.exam_id, "answer_pk": answer.pk},
            ),
        ),
        ("get", reverse("coordinator:exam_gradebook", kwargs={**base, "exam_pk": exam.pk})),
        (
            "get",
            reverse("coordinator:exam_gradebook_export", kwargs={**base, "exam_pk": exam.pk, "fmt": "csv"}),
        ),
        (
            "get",
            reverse("coordinator:exam_gradebook_export", kwargs={**base, "exam_pk": exam.pk, "fmt": "xlsx"}),
        ),
        (
            "get",
            reverse(
                "coordinator:exam_attempt",
                kwargs={**base, "exam_pk": attempt.exam_id, "attempt_pk": attempt.pk},
            ),
        ),
    ]


def test_another_countys_coordinator_gets_404_on_every_exam_page(client, other_coordinator, exam_pages):
    client.force_login(other_coordinator)
    for method, url in exam_pages:
        assert getattr(client, method)(url, {"points": 1}).status_code == 404, url
    assert not ExamAuditEntry.objects.filter(action="room_paused").exists()


def test_the_countys_coordinator_gets_every_exam_page(client, coordinator, exam_pages):
    client.force_login(coordinator)
    for method, url in exam_pages:
        assert getattr(client, method)(url).status_code in (200, 302), url


def test_an_exam_of_another_course_is_404_in_the_class(client, coordinator, cohort):
    foreign = make_exam(factories.CourseFactory(), title="别的课程")
    client.force_login(coordinator)
    assert client.get(gradebook_url(cohort, foreign)).status_code == 404
    assert client.get(gradebook_url(cohort, foreign, "exam_marking")).status_code == 404


def test_the_class_exam_list_follows_the_outline_order(client, coordinator, cohort):
    """The class's exams are listed as the studio's outline orders them, not by title."""
    from exams.models import Exam

    later = make_exam(cohort.course, title="A 期中测验")
    first = make_exam(cohort.course, title="B 入门测验")
    Exam.objects.filter(pk=later.pk).update(position=2)
    Exam.objects.filter(pk=first.pk).update(position=1)
    client.force_login(coordinator)
    page = client.get(reverse("coordinator:cohort_exam_list", kwargs={"pk": cohort.pk})).content.decode()
    assert page.index("B 入门测验") < page.index("A 期中测验")
