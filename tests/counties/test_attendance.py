from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from counties.models import Attendance, ClassSession
from enrollment.models import LessonProgress
from tests import factories
from tests.counties.conftest import enrol


def sessions_url(cohort, suffix=""):
    return f"/counties/coordinator/cohorts/{cohort.pk}/sessions/{suffix}"


def test_coordinator_schedules_a_class_session(client, coordinator, cohort):
    client.force_login(coordinator)
    data = {
        "date": "2026-05-10",
        "start_time": "14:00",
        "end_time": "16:00",
        "place": "县职校机房",
        "topic": "直播",
    }
    assert client.post(sessions_url(cohort, "new/"), data).status_code == 302
    session = ClassSession.objects.get()
    assert (session.cohort, session.place, session.start_time) == (cohort, "县职校机房", datetime.time(14))


def test_session_end_must_follow_its_start(client, coordinator, cohort):
    client.force_login(coordinator)
    data = {"date": "2026-05-10", "start_time": "14:00", "end_time": "13:00", "place": "机房"}
    assert "end_time" in client.post(sessions_url(cohort, "new/"), data).context["form"].errors


def roll_call_url(session):
    return sessions_url(session.cohort, f"{session.pk}/roll-call/")


def test_roll_call_lists_the_class_with_everyone_present_by_default(client, coordinator, cohort):
    learners = [enrol(cohort) for _ in range(3)]
    enrol(cohort, status="applied")
    enrol(cohort, status="withdrawn")
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    form = client.get(roll_call_url(session)).context["form"]
    assert {e.learner_id for e, _field in form.rows()} == {e.learner_id for e in learners}
    assert {field.initial for _e, field in form.rows()} == {"present"}


def test_roll_call_saves_the_whole_class_and_can_be_corrected(
    client, coordinator, cohort, django_assert_max_num_queries
):
    learners = [enrol(cohort).learner for _ in range(40)]
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    data = {f"learner_{learner.pk}": "present" for learner in learners}
    data[f"learner_{learners[0].pk}"] = "absent"
    data[f"learner_{learners[1].pk}"] = "excused"
    with django_assert_max_num_queries(15):  # one bulk upsert, not one query per learner
        assert client.post(roll_call_url(session), data).status_code == 302
    statuses = dict(Attendance.objects.filter(session=session).values_list("learner_id", "status"))
    assert len(statuses) == 40
    assert (statuses[learners[0].pk], statuses[learners[1].pk], statuses[learners[2].pk]) == (
        "absent",
        "excused",
        "present",
    )
    data[f"learner_{learners[0].pk}"] = "present"
    client.post(roll_call_url(session), data)
    assert Attendance.objects.filter(session=session).count() == 40
    assert Attendance.objects.get(session=session, learner=learners[0]).status == "present"
    form = client.get(roll_call_url(session)).context["form"]
    assert form[f"learner_{learners[1].pk}"].initial == "excused"


def test_roll_call_rejects_unknown_status(client, coordinator, cohort):
    learner = enrol(cohort).learner
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    response = client.post(roll_call_url(session), {f"learner_{learner.pk}": "asleep"})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_session_of_another_cohort_is_404(client, coordinator, cohort, county):
    other = factories.ClassSessionFactory(cohort=factories.CohortFactory(county=county))
    client.force_login(coordinator)
    assert client.get(sessions_url(cohort, f"{other.pk}/roll-call/")).status_code == 404


@pytest.mark.parametrize(("status", "completes"), [("present", True), ("absent", False)])
def test_attendance_completes_a_learner_who_only_lacked_it(client, coordinator, county, status, completes):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(county=county, course=course, min_attendance_percent=50)
    enrollment = enrol(cohort, progress_percent=100)
    LessonProgress.objects.create(enrollment=enrollment, lesson=course.modules.get().lessons.get())
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    client.force_login(coordinator)
    client.post(roll_call_url(session), {f"learner_{enrollment.learner_id}": status})
    enrollment.refresh_from_db()
    assert (enrollment.status == "completed") is completes


def test_session_list_shows_attendance_counts(client, coordinator, cohort):
    session = factories.ClassSessionFactory(cohort=cohort)
    for status in ("present", "present", "absent"):
        Attendance.objects.create(session=session, learner=enrol(cohort).learner, status=status)
    client.force_login(coordinator)
    [shown] = client.get(sessions_url(cohort)).context["page"]
    assert (shown.present_count, shown.absent_count, shown.excused_count) == (2, 1, 0)
