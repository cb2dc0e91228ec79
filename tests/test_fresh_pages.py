"""Writes that reach the database outside the pages that show them — the Django admin, a task,
allauth — show on the next view of the learner's dashboard, the coordinator's roster and home.

Each test takes the path a user takes and looks at the page before and after, so a page served
from a copy made before the write fails it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from counties.models import Attendance, Cohort
from counties.services import attendance_record
from courses.models import Course, Lesson
from enrollment import services
from enrollment.models import Enrollment
from tests import factories
from tests.enrollment.test_curriculum_changes import add_required_lesson_in_the_admin

DASHBOARD = reverse("learn:dashboard")
HOME = reverse("coordinator:coordinator_home")


def browser(user) -> Client:
    """A browser of its own, in English, signed in as ``user``."""
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def roster_url(cohort: Cohort) -> str:
    return reverse("coordinator:roster", args=[cohort.pk])


def roster_row(coordinator_browser: Client, cohort: Cohort, learner) -> tuple[Enrollment, str]:
    """The learner's enrolment as the roster shows it, and its table row's HTML."""
    response = coordinator_browser.get(roster_url(cohort))
    [enrollment] = [e for e in response.context["page"] if e.learner_id == learner.pk]
    page = response.content.decode()
    row = re.search(rf"<tr[^>]*>\s*<td>{re.escape(learner.name)}.*?</tr>", page, re.S)[0]
    return enrollment, row


def dashboard_item(learner_browser: Client, course: Course) -> tuple[Enrollment, str]:
    """The learner's enrolment in ``course`` as their dashboard shows it, and its HTML."""
    response = learner_browser.get(DASHBOARD)
    [enrollment] = [e for e in response.context["page"] if e.course_id == course.pk]
    page = response.content.decode()
    item = re.search(rf'<li class="mine-item" id="enrollment-{enrollment.pk}".*?</li>', page, re.S)[0]
    return enrollment, item


def lessons_of(course: Course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("order"))


@pytest.fixture
def course(db) -> Course:
    return factories.course_with_lessons(lessons=3, final_quiz=False, title="农村电商运营")


@pytest.fixture
def cohort(county, course) -> Cohort:
    # 80 of its 100 days are over: a learner below 60 % is behind schedule, so at risk.
    today = timezone.localdate()
    return factories.CohortFactory(
        county=county,
        course=course,
        start_date=today - datetime.timedelta(days=80),
        end_date=today + datetime.timedelta(days=20),
    )


@pytest.fixture
def studying(learner, cohort, course) -> Enrollment:
    """The learner in the cohort, two of three lessons done today: 66 %, on schedule."""
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    for lesson in lessons_of(course)[:2]:
        enrollment = services.lesson_complete(enrollment=enrollment, lesson=lesson)
    assert enrollment.progress_percent == 66
    return enrollment


@pytest.fixture
def admin(staff) -> Client:
    return browser(staff)


# --- a required lesson added in the admin ------------------------------------------------------


def add_required_lesson(admin: Client, course: Course, capture) -> None:
    response = add_required_lesson_in_the_admin(admin, course, order=4, capture=capture)
    assert response.status_code == 302


def test_a_required_lesson_added_in_the_admin_lowers_the_percent_on_the_dashboard_and_the_roster(
    admin, learner, coordinator, course, cohort, studying, django_capture_on_commit_callbacks
):
    mine, workspace = browser(learner), browser(coordinator)
    enrollment, item = dashboard_item(mine, course)
    assert enrollment.progress_percent == 66
    assert "<span>66%</span>" in item
    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.progress_percent == 66
    assert '<td data-label="Progress">66%</td>' in row

    add_required_lesson(admin, course, django_capture_on_commit_callbacks)

    enrollment, item = dashboard_item(mine, course)
    assert enrollment.progress_percent == 50  # two of four lessons
    assert "<span>50%</span>" in item
    assert "新增必修课时" not in item  # the next step is still the third lesson
    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.progress_percent == 50
    assert '<td data-label="Progress">50%</td>' in row
    assert enrollment.at_risk  # now behind the cohort's schedule
    assert 'class="badge risk"' in row


def test_a_required_lesson_added_in_the_admin_shows_in_the_class_numbers_on_the_home(
    admin, coordinator, course, cohort, studying, django_capture_on_commit_callbacks
):
    workspace = browser(coordinator)
    [shown] = workspace.get(HOME).context["page"]
    assert (shown.learner_count, shown.at_risk_count) == (1, 0)

    add_required_lesson(admin, course, django_capture_on_commit_callbacks)

    [shown] = workspace.get(HOME).context["page"]
    assert (shown.learner_count, shown.at_risk_count) == (1, 1)


# The county row's numbers sum every enrolment of the county, the same for everyone who sees it:
# they are kept for a minute (counties.selectors.COUNTY_HEADLINES_SECONDS), a deliberate lag.
def test_the_county_numbers_on_the_home_follow_once_their_minute_is_over(
    admin, coordinator, course, cohort, studying, django_capture_on_commit_callbacks
):
    workspace = browser(coordinator)
    assert workspace.get(HOME).context["counties"][0].at_risk_count == 0
    add_required_lesson(admin, course, django_capture_on_commit_callbacks)
    cache.clear()  # what COUNTY_HEADLINES_SECONDS does to the county numbers
    assert workspace.get(HOME).context["counties"][0].at_risk_count == 1


# --- attendance edited or deleted in the admin -------------------------------------------------


@pytest.fixture
def held_session(cohort):
    return factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() - datetime.timedelta(days=1)
    )


def test_attendance_edited_in_the_admin_shows_on_the_roster(
    admin, learner, coordinator, cohort, held_session
):
    services.cohort_join(learner=learner, cohort=cohort)
    attendance_record(session=held_session, statuses={learner.pk: Attendance.Status.PRESENT})
    workspace = browser(coordinator)
    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.attendance_rate == 100
    assert '<td data-label="Attendance">100%</td>' in row

    attendance = Attendance.objects.get()
    response = admin.post(
        reverse("admin:counties_attendance_change", args=[attendance.pk]),
        {"session": held_session.pk, "learner": learner.pk, "status": Attendance.Status.ABSENT},
    )
    assert response.status_code == 302

    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.attendance_rate == 0
    assert '<td data-label="Attendance">0%</td>' in row


def test_attendance_deleted_in_the_admin_shows_on_the_roster(
    admin, learner, coordinator, cohort, held_session
):
    services.cohort_join(learner=learner, cohort=cohort)
    attendance_record(session=held_session, statuses={learner.pk: Attendance.Status.EXCUSED})
    workspace = browser(coordinator)
    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.attendance_rate is None  # the one class held was excused
    assert '<td data-label="Attendance">—</td>' in row

    attendance = Attendance.objects.get()
    response = admin.post(reverse("admin:counties_attendance_delete", args=[attendance.pk]), {"post": "yes"})
    assert response.status_code == 302

    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.attendance_rate == 0  # no record: not there
    assert '<td data-label="Attendance">0%</td>' in row


def test_attendance_corrected_in_the_admin_to_meet_the_minimum_shows_the_completion_on_the_dashboard(
    admin, learner, county
):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(county=county, course=course, min_attendance_percent=50)
    session = factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate())
    enrollment = services.cohort_join(learner=learner, cohort=cohort)
    services.lesson_complete(enrollment=enrollment, lesson=lessons_of(course)[0])
    attendance_record(session=session, statuses={learner.pk: Attendance.Status.ABSENT})
    mine = browser(learner)
    enrollment, item = dashboard_item(mine, course)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert "attend at least 50%" in item

    attendance = Attendance.objects.get()
    response = admin.post(
        reverse("admin:counties_attendance_change", args=[attendance.pk]),
        {"session": session.pk, "learner": learner.pk, "status": Attendance.Status.PRESENT},
    )
    assert response.status_code == 302

    enrollment, item = dashboard_item(mine, course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert "attend at least 50%" not in item


# --- the learner's school and county changed in the admin ---------------------------------------


def test_a_school_changed_in_the_admin_shows_on_the_roster(admin, learner, coordinator, county, cohort):
    services.cohort_join(learner=learner, cohort=cohort)
    workspace = browser(coordinator)
    _enrollment, row = roster_row(workspace, cohort, learner)
    assert "<small>桐庐县职业技术学校</small>" in row

    profile = learner.learner_profile
    response = admin.post(
        reverse("admin:counties_learnerprofile_change", args=[profile.pk]),
        {"user": learner.pk, "county": county.pk, "school": "桐庐县第二中学"},
    )
    assert response.status_code == 302

    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.learner.learner_profile.school == "桐庐县第二中学"
    assert "<small>桐庐县第二中学</small>" in row


def test_a_county_renamed_in_the_admin_shows_on_the_home_and_the_class_page(
    admin, coordinator, county, cohort
):
    workspace = browser(coordinator)
    class_page = reverse("coordinator:cohort_detail", args=[cohort.pk])
    assert "<strong>桐庐县</strong>" in workspace.get(HOME).content.decode()
    assert "<dd>桐庐县</dd>" in workspace.get(class_page).content.decode()

    response = admin.post(
        reverse("admin:counties_county_change", args=[county.pk]),
        {
            "code": county.code,
            "name": "桐庐新区",
            "prefecture": county.prefecture_id,
            "province": county.province_id,
        },
    )
    assert response.status_code == 302

    home = workspace.get(HOME)
    assert [c.name for c in home.context["counties"]] == ["桐庐新区"]
    assert "<strong>桐庐新区</strong>" in home.content.decode()
    assert "桐庐新区 · " in home.content.decode()  # the class row
    assert "<dd>桐庐新区</dd>" in workspace.get(class_page).content.decode()


# --- an email address changed through allauth ---------------------------------------------------


def test_an_email_changed_through_allauth_shows_as_the_contact_on_the_roster(
    learner, coordinator, cohort, django_capture_on_commit_callbacks
):
    services.cohort_join(learner=learner, cohort=cohort)
    workspace = browser(coordinator)
    old_contact = f"{learner.email[:2]}***@example.com"
    _enrollment, row = roster_row(workspace, cohort, learner)
    assert f'<td data-label="Contact">{old_contact}</td>' in row

    mine = browser(learner)
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation mail, sent by a task
        response = mine.post(reverse("account_email"), {"action_add": "", "email": "wang.xh@qq.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", message.body)[1]
    assert mine.post(reverse("account_confirm_email", args=[key])).status_code == 302
    response = mine.post(reverse("account_email"), {"action_primary": "", "email": "wang.xh@qq.com"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.email == "wang.xh@qq.com"

    enrollment, row = roster_row(workspace, cohort, learner)
    assert enrollment.contact == "wa***@qq.com"
    assert '<td data-label="Contact">wa***@qq.com</td>' in row
    assert old_contact not in row
