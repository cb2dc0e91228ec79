"""A coordinator runs an exam room on a 360 px phone, in Chinese: the seat list follows the class
by itself (a learner who starts shows as in progress without a reload, and a pause reason being
typed is not lost), the projector shows the room code of this minute, and pausing for everyone
stops the learners' answers. Nothing scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.attempts import AttemptError, attempt_answers_save, attempt_start
from exams.rooms import room_code, room_open
from tests import factories
from tests.browser.conftest import snap
from tests.browser.test_coordinator_narrow import WIDTH, no_sideways_scroll, signed_in
from tests.coordinator.test_exam_rooms import make_exam

pytestmark = pytest.mark.browser


@pytest.fixture
def exam_room(transactional_db):
    county = factories.CountyFactory(code="330122", name="桐庐县")
    coordinator = factories.CoordinatorAssignmentFactory(county=county).coordinator
    cohort = factories.CohortFactory(
        county=county, course=factories.course_with_lessons(), name="桐庐职校 电商一班"
    )
    learners = [
        factories.EnrollmentFactory(
            learner=factories.LearnerProfileFactory(county=county, user__name=f"欧阳晓明{n}").user,
            course=cohort.course,
            cohort=cohort,
            county=county,
        )
        for n in range(3)
    ]
    exam = make_exam(cohort.course, singles=2, short_answers=0)
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate(), topic="结业考试")
    room = room_open(exam=exam, session=session, by=coordinator)
    return {"coordinator": coordinator, "cohort": cohort, "learners": learners, "exam": exam, "room": room}


def test_the_coordinator_runs_an_exam_room_from_a_phone(exam_room, page_360, live_server, artifact_dir):
    page, base = page_360, live_server.url
    room, cohort, exam = exam_room["room"], exam_room["cohort"], exam_room["exam"]
    first = exam_room["learners"][0]
    signed_in(page, exam_room["coordinator"], base)
    args = {"pk": cohort.pk, "room_pk": room.pk}

    page.goto(base + reverse("coordinator:exam_room", kwargs=args))
    seat = page.locator(f"#seat-{first.pk}")
    assert seat.get_attribute("data-state") == "not_started"
    no_sideways_scroll(page)
    page.locator("textarea[name=reason], input[name=reason]").first.fill("停电")

    # A learner types the code on their phone: the seat list shows them without a reload.
    attempt = attempt_start(exam=exam, enrollment=first, room=room, device_token="phone-1")
    page.wait_for_selector(f"#seat-{first.pk}[data-state=in_progress]", timeout=25_000)
    assert page.locator("textarea[name=reason], input[name=reason]").first.input_value() == "停电"
    no_sideways_scroll(page)
    snap(page, artifact_dir / "exam-room-seats-360.png")

    # Pause for everyone: the learner's answers are refused until the room resumes.
    page.get_by_role("button", name="全体暂停").click()
    page.wait_for_load_state()
    room.refresh_from_db()
    assert room.paused_at is not None
    with pytest.raises(AttemptError):
        attempt_answers_save(attempt_id=attempt.pk, answers={1: None}, device_token="phone-1")
    page.get_by_role("button", name="全体恢复").click()
    page.wait_for_load_state()
    room.refresh_from_db()
    assert room.paused_at is None
    attempt_answers_save(attempt_id=attempt.pk, answers={1: None}, device_token="phone-1")

    # The projector: the code of this minute, big, and how to join.
    page.goto(base + reverse("coordinator:exam_room_projector", kwargs=args))
    shown = page.locator("body").inner_text()
    room.refresh_from_db()
    now = timezone.now()
    assert room_code(room, now) in shown or room_code(room, now - timedelta(seconds=5)) in shown
    no_sideways_scroll(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    snap(page, artifact_dir / "exam-room-projector-360.png")
