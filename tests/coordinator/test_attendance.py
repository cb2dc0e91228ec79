from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from counties.models import Attendance, ClassSession
from enrollment.models import LessonProgress
from tests import factories
from tests.coordinator.conftest import enrol


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


def checked(response) -> dict[str, str]:
    """The roll call's radio groups as the page shows them: field name → the checked status."""
    return {row["field"]: row["checked"] for row in response.context["rows"]}


def test_roll_call_lists_the_class_with_everyone_present_by_default(client, coordinator, cohort):
    learners = [enrol(cohort) for _ in range(3)]
    enrol(cohort, status="applied")
    enrol(cohort, status="withdrawn")
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    response = client.get(roll_call_url(session))
    assert checked(response) == {f"learner_{e.learner_id}": "present" for e in learners}
    html = response.content.decode()
    for enrollment in learners:
        pk = enrollment.learner_id
        assert f"<legend>{enrollment.learner.name}</legend>" in html
        assert (
            f'<label class="tap tap-present"><input type="radio" name="learner_{pk}" value="present" '
            f'id="id_learner_{pk}_0" required checked>'
        ) in html
        assert f'name="learner_{pk}" value="absent" id="id_learner_{pk}_1" required>' in html


# the user (with the navigation's coordinator flag), cohort, class session, the class's learners,
# the attendance recorded
ROLL_CALL_QUERIES = 5


@pytest.mark.parametrize("learners", [1, 50])
def test_roll_call_query_count_is_constant(client, coordinator, county, django_assert_num_queries, learners):
    cohort = factories.CohortFactory(county=county, capacity=60)
    session = factories.ClassSessionFactory(cohort=cohort)
    for i in range(learners):
        learner = enrol(cohort).learner
        if i % 2:
            Attendance.objects.create(session=session, learner=learner, status="absent")
    client.force_login(coordinator)
    with django_assert_num_queries(ROLL_CALL_QUERIES) as queries:
        response = client.get(roll_call_url(session))
    assert len(response.context["rows"]) == learners
    assert not [q for q in queries.captured_queries if "courses_course" in q["sql"]]


def test_roll_call_writes_its_radios_without_the_widget_templates(client, coordinator, cohort):
    enrol(cohort)
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    response = client.get(roll_call_url(session))
    assert not [t.name for t in response.templates if t.name.startswith("django/forms/")]


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
    response = client.get(roll_call_url(session))
    assert checked(response)[f"learner_{learners[1].pk}"] == "excused"
    assert (
        f'value="excused" id="id_learner_{learners[1].pk}_2" required checked>' in response.content.decode()
    )


def test_roll_call_rejects_unknown_status(client, coordinator, cohort):
    learner = enrol(cohort).learner
    session = factories.ClassSessionFactory(cohort=cohort)
    client.force_login(coordinator)
    response = client.post(roll_call_url(session), {f"learner_{learner.pk}": "asleep"})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_roll_call_shows_each_learners_error_and_keeps_what_was_posted(english, coordinator, cohort):
    wrong, missing, fine = (enrol(cohort).learner for _ in range(3))
    session = factories.ClassSessionFactory(cohort=cohort)
    english.force_login(coordinator)
    data = {f"learner_{wrong.pk}": "asleep", f"learner_{fine.pk}": "absent"}
    response = english.post(roll_call_url(session), data)
    assert response.status_code == 200
    assert checked(response) == {
        f"learner_{wrong.pk}": "asleep",
        f"learner_{missing.pk}": None,
        f"learner_{fine.pk}": "absent",
    }
    html = response.content.decode()
    assert f'id="id_learner_{wrong.pk}_error"><li>Select a valid choice. asleep is not one' in html
    assert f'id="id_learner_{missing.pk}_error"><li>This field is required.</li>' in html
    wrong_present = f'name="learner_{wrong.pk}" value="present" id="id_learner_{wrong.pk}_0"'
    assert f'{wrong_present} required aria-invalid="true">' in html
    assert f'value="absent" id="id_learner_{fine.pk}_1" required checked>' in html
    assert f"id_learner_{fine.pk}_error" not in html
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
