"""A cohort's exam page: the course's published exams, the class's window for each (set and
removed by its coordinator, with ISO date and time fields) and where the class's learners are;
the links to it from the class's pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.attempts import AttemptError, attempt_result_refresh, attempt_start
from exams.models import Exam, ExamAuditEntry, ExamWindow
from exams.rooms import room_open
from tests import factories
from tests.coordinator.conftest import enrol
from tests.coordinator.test_exam_rooms import make_exam, sit


@pytest.fixture
def exam(cohort):
    return make_exam(cohort.course)


def list_url(cohort):
    return reverse("coordinator:cohort_exam_list", args=[cohort.pk])


def window_url(cohort, exam):
    return reverse("coordinator:exam_window", args=[cohort.pk, exam.pk])


def figure(html, exam, name) -> int:
    section = html.split(f'id="exam-{exam.pk}"', 1)[1].split("</section>", 1)[0]
    return int(re.search(rf'data-count="{name}">(\d+)<', section).group(1))


def test_the_class_pages_link_to_its_exams(client, coordinator, cohort):
    client.force_login(coordinator)
    html = client.get(reverse("coordinator:cohort_detail", args=[cohort.pk])).content.decode()
    assert f'id="exams-link" href="{list_url(cohort)}"' in html
    assert html.count(f'href="{list_url(cohort)}"') == 2  # the tabs and the page's actions
    roster = client.get(reverse("coordinator:roster", args=[cohort.pk])).content.decode()
    assert f'href="{list_url(cohort)}"' in roster


def test_the_exam_page_lists_published_exams_with_the_classs_figures(
    client, coordinator, cohort, exam, county
):
    Exam.objects.create(title="草稿考试", course=cohort.course)
    make_exam(factories.CourseFactory(), title="别的课程考试")
    enrol(cohort)  # not started
    in_progress = enrol(cohort)
    awaiting = enrol(cohort)
    passed = enrol(cohort)
    enrol(cohort, status="withdrawn")  # not counted
    sit(exam, in_progress, submit=False)
    sit(exam, awaiting)
    passed_attempt = sit(exam, passed)
    passed_attempt.paper.filter(question__kind="short_answer").update(points_awarded=5)
    attempt_result_refresh(attempt_id=passed_attempt.pk)
    sit(exam, enrol(factories.CohortFactory(county=county, course=cohort.course)))  # another class
    client.force_login(coordinator)

    response = client.get(list_url(cohort))

    html = response.content.decode()
    assert [summary.exam for summary in response.context["summaries"]] == [exam]
    assert "草稿考试" not in html and "别的课程考试" not in html
    assert figure(html, exam, "not_started") == 1
    assert figure(html, exam, "in_progress") == 1
    assert figure(html, exam, "submitted") == 2
    assert figure(html, exam, "awaiting_marking") == 1
    assert figure(html, exam, "passed") == 1
    assert response.context["summaries"][0].answers_to_mark == 1
    assert f'href="{reverse("coordinator:exam_marking", args=[cohort.pk, exam.pk])}"' in html
    assert f'href="{reverse("coordinator:exam_gradebook", args=[cohort.pk, exam.pk])}"' in html


def test_the_exam_page_says_when_the_course_has_no_exam(client, coordinator, cohort):
    client.force_login(coordinator)
    response = client.get(list_url(cohort))
    assert response.context["summaries"] == []
    assert 'class="empty"' in response.content.decode()


def test_the_exam_page_lists_the_open_exam_rooms(client, coordinator, cohort, exam):
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    room = room_open(exam=exam, session=session, by=coordinator)
    client.force_login(coordinator)
    html = client.get(list_url(cohort)).content.decode()
    assert f'href="{reverse("coordinator:exam_room", args=[cohort.pk, room.pk])}"' in html


# The user (with the navigation's coordinator flag), the cohort, the exams, the learners, the
# attempts' figures, the answers to mark, the windows, the open rooms.
EXAM_LIST_QUERIES = 8


@pytest.mark.parametrize("learners", [1, 25])
def test_the_exam_page_takes_a_fixed_number_of_queries(
    client, coordinator, cohort, exam, learners, django_assert_num_queries
):
    make_exam(cohort.course, title="第二场考试")
    for n in range(learners):
        sit(exam, enrol(cohort), submit=bool(n % 2))
    client.force_login(coordinator)
    with django_assert_num_queries(EXAM_LIST_QUERIES):
        response = client.get(list_url(cohort))
    assert len(response.context["summaries"]) == 2


# --- the class's window ------------------------------------------------------------------------


def test_the_coordinator_sets_the_classs_window(client, coordinator, cohort, exam):
    client.force_login(coordinator)
    page = client.get(window_url(cohort, exam)).content.decode()
    assert 'type="date" name="opens_on"' in page and 'type="time" name="opens_time"' in page

    response = client.post(
        window_url(cohort, exam),
        {"opens_on": "2030-03-02", "opens_time": "09:00", "closes_on": "2030-03-02", "closes_time": "11:30"},
    )

    assert response.status_code == 302
    window = ExamWindow.objects.get(exam=exam, cohort=cohort)
    assert timezone.localtime(window.opens_at).strftime("%Y-%m-%d %H:%M") == "2030-03-02 09:00"
    assert timezone.localtime(window.closes_at).strftime("%Y-%m-%d %H:%M") == "2030-03-02 11:30"
    assert window.set_by == coordinator
    assert ExamAuditEntry.objects.filter(action="window_set", actor=coordinator).exists()
    assert "2030-03-02 09:00 – 2030-03-02 11:30" in client.get(list_url(cohort)).content.decode()
    # The form shows the window in ISO values, whatever the language.
    again = client.get(window_url(cohort, exam)).content.decode()
    assert 'value="2030-03-02"' in again and 'value="11:30"' in again
    # The class's learners cannot start before it opens.
    with pytest.raises(AttemptError):
        attempt_start(exam=exam, enrollment=enrol(cohort))


def test_a_window_that_closes_before_it_opens_is_refused(client, coordinator, cohort, exam):
    client.force_login(coordinator)
    response = client.post(
        window_url(cohort, exam),
        {"opens_on": "2030-03-02", "opens_time": "09:00", "closes_on": "2030-03-01", "closes_time": "09:00"},
    )
    assert response.status_code == 200
    assert "closes_on" in response.context["form"].errors
    assert not ExamWindow.objects.exists()


def test_removing_the_classs_window_brings_back_the_exams_dates(client, coordinator, cohort, exam):
    opens = timezone.now() + datetime.timedelta(days=3)
    ExamWindow.objects.create(
        exam=exam, cohort=cohort, opens_at=opens, closes_at=opens + datetime.timedelta(hours=2)
    )
    client.force_login(coordinator)
    assert 'name="clear"' in client.get(window_url(cohort, exam)).content.decode()

    response = client.post(window_url(cohort, exam), {"clear": "1"})

    assert response.status_code == 302
    assert not ExamWindow.objects.exists()
    assert ExamAuditEntry.objects.filter(action="window_cleared").exists()
    assert attempt_start(exam=exam, enrollment=enrol(cohort)).number == 1


def test_the_window_of_another_courses_exam_is_404(client, coordinator, cohort):
    foreign = make_exam(factories.CourseFactory(), title="别的课程")
    client.force_login(coordinator)
    response = client.post(
        window_url(cohort, foreign),
        {"opens_on": "2030-03-02", "opens_time": "09:00", "closes_on": "2030-03-02", "closes_time": "11:00"},
    )
    assert response.status_code == 404
    assert not ExamWindow.objects.exists()
