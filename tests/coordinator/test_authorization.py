"""Every coordinator URL, requested by everyone who might try it.

anonymous → login; a learner (no assignment) → 404; the coordinator of the cohort's county →
the page (or a redirect after a POST); a coordinator of another county → 404; staff → the page.
A new URL in the coordinator namespace without an entry in MATRIX fails the test.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from coordinator.imports import import_job_check, import_job_start
from enrollment.models import Enrollment
from exams.rooms import room_open
from tests import factories
from tests.coordinator.conftest import enrol, upload
from tests.coordinator.test_exam_rooms import make_exam, sit

# name → (method, kwargs needed, status for the county's coordinator and for staff)
MATRIX = {
    "coordinator_home": ("get", [], 200),
    "cohort_list": ("get", [], 200),
    "cohort_create": ("get", [], 200),
    "cohort_detail": ("get", ["pk"], 200),
    "cohort_edit": ("get", ["pk"], 200),
    "cohort_open": ("post", ["pk"], 302),
    "cohort_join_code_regenerate": ("post", ["pk"], 302),
    "cohort_qr": ("get", ["pk"], 200),
    "cohort_poster": ("get", ["pk"], 200),
    "roster": ("get", ["pk"], 200),
    "roster_bulk": ("post", ["pk"], 302),
    "roster_export": ("get", ["pk", "fmt"], 200),
    "cohort_certificates": ("get", ["pk"], 200),
    "cohort_certificates_issue": ("post", ["pk"], 302),
    "enrollment_approve": ("post", ["pk", "applied_pk"], 302),
    "enrollment_decline": ("post", ["pk", "applied_pk"], 302),
    "enrollment_withdraw": ("get", ["pk", "enrollment_pk"], 200),
    "import_upload": ("get", ["pk"], 200),
    "import_job": ("get", ["pk", "job_pk"], 200),
    "import_commit": ("post", ["pk", "job_pk"], 302),
    "import_report": ("get", ["pk", "job_pk"], 200),
    "session_list": ("get", ["pk"], 200),
    "session_create": ("get", ["pk"], 200),
    "roll_call": ("get", ["pk", "session_pk"], 200),
    "announcement_list": ("get", ["pk"], 200),
    "placement_list": ("get", ["pk"], 200),
    "placement_record": ("get", ["pk", "completed_pk"], 200),
    "county_placements": ("get", ["code"], 200),
    "county_placements_export": ("get", ["code", "fmt"], 200),
    "cohort_exam_list": ("get", ["pk"], 200),
    "exam_window": ("get", ["pk", "exam_pk"], 200),
    "exam_marking": ("get", ["pk", "exam_pk"], 200),
    "exam_marking_answer": ("post", ["pk", "exam_pk", "answer_pk"], 200),  # no points: the form again
    "exam_gradebook": ("get", ["pk", "exam_pk"], 200),
    "exam_gradebook_export": ("get", ["pk", "exam_pk", "fmt"], 200),
    "exam_attempt": ("get", ["pk", "exam_pk", "attempt_pk"], 200),
    "exam_exception": ("get", ["pk", "exam_pk", "enrollment_pk"], 200),
    "exam_room_open": ("get", ["pk", "session_pk"], 200),
    "exam_room": ("get", ["pk", "room_pk"], 200),
    "exam_room_projector": ("get", ["pk", "room_pk"], 200),
    "exam_room_pause": ("post", ["pk", "room_pk"], 302),
    "exam_room_resume": ("post", ["pk", "room_pk"], 302),
    "exam_room_close": ("post", ["pk", "room_pk"], 302),
    "exam_room_release": ("get", ["pk", "room_pk", "attempt_pk"], 200),
    "exam_room_paper": ("get", ["pk", "room_pk", "enrollment_pk"], 200),
}


def coordinator_url_names() -> set[str]:
    _prefix, resolver = get_resolver().namespace_dict["coordinator"]
    return {pattern.name for pattern in resolver.url_patterns if pattern.name}


def test_every_coordinator_url_is_in_the_matrix():
    names = coordinator_url_names()
    assert names - MATRIX.keys() == set(), "add the new coordinator URL to MATRIX"
    assert MATRIX.keys() - names == set(), "MATRIX names a URL that no longer exists"


@pytest.fixture
def objects(cohort, coordinator):
    applied = enrol(cohort, status=Enrollment.Status.APPLIED)
    active = enrol(cohort)
    completed = enrol(cohort, status=Enrollment.Status.COMPLETED, completed_at=timezone.now())
    session = factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() - datetime.timedelta(days=1)
    )

    job = import_job_start(
        cohort=cohort,
        upload=upload("姓名,手机\n张三,13800138000\n".encode()),
        created_by=coordinator,
        site_url="http://testserver/",
    )
    import_job_check(job_id=job.pk)
    exam = make_exam(cohort.course)
    room = room_open(exam=exam, session=session, by=coordinator)
    sitting = sit(exam, active, submit=False, room=room, token="phone")  # in the room, in progress
    marked_later = sit(exam, completed)
    return {
        "exam_pk": exam.pk,
        "room_pk": room.pk,
        "attempt_pk": sitting.pk,
        "answer_pk": marked_later.paper.get(question__kind="short_answer").pk,
        "pk": cohort.pk,
        "applied_pk": applied.pk,
        "enrollment_pk": active.pk,
        "completed_pk": completed.pk,
        "session_pk": session.pk,
        "job_pk": job.pk,
        "code": cohort.county_id,
        "fmt": "csv",
    }


def url_for(name: str, objects: dict) -> str:
    _method, needed, _status = MATRIX[name]
    kwargs = {}
    for key in needed:
        # The enrolment URLs all take enrollment_pk; the matrix picks which enrolment fits.
        own = ("session_pk", "job_pk", "exam_pk", "room_pk", "attempt_pk", "answer_pk")
        target = "enrollment_pk" if key.endswith("_pk") and key not in own else key
        kwargs[target] = objects[key]
    return reverse(f"coordinator:{name}", kwargs=kwargs)


def request(client, name: str, objects: dict):
    method = MATRIX[name][0]
    return getattr(client, method)(url_for(name, objects))


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, objects, name):
    response = request(client, name, objects)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_learner_gets_404(client, objects, learner, name):
    client.force_login(learner)
    assert request(client, name, objects).status_code == 404


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_coordinator_of_the_county_gets_the_page(client, objects, coordinator, name):
    client.force_login(coordinator)
    assert request(client, name, objects).status_code == MATRIX[name][2]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_coordinator_of_another_county_gets_404(client, objects, cohort, other_coordinator, name):
    client.force_login(other_coordinator)
    response = request(client, name, objects)
    if name in ("coordinator_home", "cohort_list", "cohort_create"):
        # Their own workspace opens, showing nothing of the other county.
        assert response.status_code == 200
        assert cohort.name not in response.content.decode()
        assert "桐庐县" not in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_staff_gets_the_page(client, objects, staff, name):
    client.force_login(staff)
    assert request(client, name, objects).status_code == MATRIX[name][2]


def test_post_only_urls_refuse_get(client, objects, coordinator):
    client.force_login(coordinator)
    for name, (method, _needed, _status) in MATRIX.items():
        if method == "post":
            assert client.get(url_for(name, objects)).status_code == 405, name
