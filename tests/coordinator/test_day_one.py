"""What a coordinator hit on day one (issue 14, items 5–8): dates lost on edit forms in Chinese,
imported learners left waiting and approved one click at a time, roll calls for classes weeks
away, and a join code handed out for a class nobody can join yet."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from coordinator.forms import ClassSessionForm
from counties.models import Attendance, ClassSession, Cohort, ImportJob, PlacementOutcome
from courses.models import Lesson
from enrollment.models import Enrollment, LessonProgress
from tests import factories
from tests.coordinator.conftest import enrol, upload


def cohort_url(cohort, suffix=""):
    return f"/counties/coordinator/cohorts/{cohort.pk}/{suffix}"


class _FormFields(HTMLParser):
    """What a browser would post from the page's first form with method="post" and no action
    of its own (the edit form): every field as rendered, unchanged."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and attrs.get("method") == "post" and "action" not in attrs:
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            if self.select_first is None:
                self.select_first = attrs.get("value", "")
            if "selected" in attrs:
                self.fields.append((self.select, attrs.get("value", "")))
                self.select_chosen = True
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self.textarea:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self.fields.append((self.select, self.select_first))
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def posted_back(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    return data


def value_of(html: str, name: str) -> str:
    return re.search(rf'<input type="[a-z]+" name="{name}" value="([^"]*)"', html)[1]


# --- 5. dates and times round-trip in both languages ---------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_editing_a_class_keeps_its_dates_in_both_languages(client, coordinator, cohort, language):
    cohort.start_date, cohort.end_date = datetime.date(2026, 9, 1), datetime.date(2026, 12, 2)
    cohort.save()
    client.cookies["django_language"] = language
    client.force_login(coordinator)
    html = client.get(cohort_url(cohort, "edit/")).content.decode()
    # <input type="date"> takes ISO only: "2026/12/02" (zh_Hans's input format) shows empty.
    assert value_of(html, "start_date") == "2026-09-01"
    assert value_of(html, "end_date") == "2026-12-02"
    data = posted_back(html)
    data["name"] = ["改名后的班级"]
    response = client.post(cohort_url(cohort, "edit/"), data)
    assert response.status_code == 302, response.context["form"].errors
    cohort.refresh_from_db()
    assert (cohort.name, cohort.start_date, cohort.end_date) == (
        "改名后的班级",
        datetime.date(2026, 9, 1),
        datetime.date(2026, 12, 2),
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reopened_placement_keeps_its_date_in_both_languages(client, coordinator, cohort, language):
    enrollment = enrol(cohort, status="completed", completed_at=timezone.now(), progress_percent=100)
    PlacementOutcome.objects.create(
        learner=enrollment.learner,
        county=cohort.county,
        cohort=cohort,
        course=cohort.course,
        outcome="employed",
        employer="桐庐快递",
        outcome_date=datetime.date(2026, 1, 5),
    )
    client.cookies["django_language"] = language
    client.force_login(coordinator)
    url = cohort_url(cohort, f"placements/{enrollment.pk}/")
    html = client.get(url).content.decode()
    assert value_of(html, "outcome_date") == "2026-01-05"
    response = client.post(url, posted_back(html))
    assert response.status_code == 302, response.context["form"].errors
    assert PlacementOutcome.objects.get().outcome_date == datetime.date(2026, 1, 5)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_class_session_widgets_render_iso_dates_and_times(language):
    session = ClassSession(
        date=datetime.date(2026, 12, 2), start_time=datetime.time(14, 0), end_time=datetime.time(16, 30)
    )
    with translation.override(language):
        html = str(ClassSessionForm(instance=session))
        form = ClassSessionForm(
            {"date": "2026-12-02", "start_time": "14:00", "end_time": "16:30", "place": "机房"}
        )
        assert form.is_valid(), form.errors
    assert 'type="date" name="date" value="2026-12-02"' in html
    assert 'type="time" name="start_time" value="14:00"' in html
    assert 'type="time" name="end_time" value="16:30"' in html
    assert form.cleaned_data["date"] == datetime.date(2026, 12, 2)


# --- 6. an import is an approval; the roster's bulk actions -------------------------------------


def test_imported_learners_study_at_once_and_are_on_the_roll_call(english, coordinator, cohort):
    cohort.requires_approval = True
    cohort.save()
    english.force_login(coordinator)
    english.post(
        cohort_url(cohort, "import/"),
        {"file": upload("姓名,手机\n张三,13800138000\n李四,13900139000\n".encode())},
    )
    english.post(cohort_url(cohort, f"import/{ImportJob.objects.get().pk}/commit/"))
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"active"}
    session = session_on(cohort, 0)
    html = english.get(cohort_url(cohort, f"sessions/{session.pk}/roll-call/")).content.decode()
    assert "<legend>张三</legend>" in html
    assert "<legend>李四</legend>" in html


def bulk(client, cohort, data, query=""):
    client.cookies.pop("messages", None)  # those of an earlier post: messages_of shows this one's
    return client.post(cohort_url(cohort, "roster/bulk/") + query, data)


def messages_of(response) -> list[str]:
    """The messages the request that made ``response`` left for the next page."""
    return [str(message) for message in response.wsgi_request._messages]


def test_roster_wraps_its_rows_in_one_bulk_form(english, coordinator, cohort):
    applied = enrol(cohort, status="applied")
    english.force_login(coordinator)
    html = english.get(cohort_url(cohort, "roster/")).content.decode()
    action = cohort_url(cohort, "roster/bulk/")
    assert f'<form id="roster-bulk" class="roster-bulk" method="post" action="{action}">' in html
    assert f'<input type="checkbox" name="enrollment" value="{applied.pk}">' in html
    assert '<input type="checkbox" name="everyone" id="id_everyone">' in html
    assert '<option value="approve">Approve their requests</option>' in html
    # The action's button comes before the rows' buttons: Enter in the reason applies the action.
    assert html.index('name="bulk"') < html.index('name="approve"')


def test_coordinator_approves_the_ticked_requests_at_once(english, coordinator, cohort, county):
    first, second, left = (enrol(cohort, status="applied") for _ in range(3))
    foreign = enrol(factories.CohortFactory(county=county), status="applied")
    english.force_login(coordinator)
    response = bulk(english, cohort, {"action": "approve", "enrollment": [first.pk, second.pk, foreign.pk]})
    assert response.status_code == 302
    assert response.url == cohort_url(cohort, "roster/")
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[left.pk]) == ("active", "active", "applied")
    assert statuses[foreign.pk] == "applied"  # another class's enrolment is ignored
    assert messages_of(response) == ["2 learners approved: they can now study in this class."]


def test_everyone_the_filters_show_is_approved_without_javascript(english, coordinator, cohort):
    waiting = [enrol(cohort, status="applied") for _ in range(55)]  # more than a page
    studying = enrol(cohort)
    english.force_login(coordinator)
    response = bulk(english, cohort, {"action": "approve", "everyone": "on"}, query="?status=applied")
    assert response.url == cohort_url(cohort, "roster/") + "?status=applied"
    assert set(
        Enrollment.objects.filter(pk__in=[e.pk for e in waiting]).values_list("status", flat=True)
    ) == {"active"}
    assert messages_of(response) == ["55 learners approved: they can now study in this class."]
    studying.refresh_from_db()
    assert studying.status == "active"


def test_bulk_withdrawal_needs_a_reason_and_leaves_completed_learners(english, coordinator, cohort):
    active, applied = enrol(cohort), enrol(cohort, status="applied")
    done = enrol(cohort, status="completed", completed_at=timezone.now())
    english.force_login(coordinator)
    chosen = [active.pk, applied.pk, done.pk]
    response = bulk(english, cohort, {"action": "withdraw", "enrollment": chosen})
    assert messages_of(response) == ["Give the reason to withdraw learners."]
    assert not Enrollment.objects.filter(status="withdrawn").exists()
    response = bulk(english, cohort, {"action": "withdraw", "enrollment": chosen, "withdraw_reason": "转学"})
    rows = {e.pk: (e.status, e.withdrawal_reason) for e in Enrollment.objects.all()}
    assert rows == {
        active.pk: ("withdrawn", "转学"),
        applied.pk: ("withdrawn", "转学"),
        done.pk: ("completed", ""),
    }
    assert messages_of(response) == [
        "2 learners withdrawn from this class.",
        "1 selected learner was left as they were: this does not apply to them.",
    ]


def test_bulk_invitation_emails_the_ticked_learners_without_a_password(
    english, coordinator, cohort, django_capture_on_commit_callbacks
):
    imported = [enrol(cohort), enrol(cohort)]
    for enrollment in imported:
        enrollment.learner.set_unusable_password()
        enrollment.learner.save(update_fields=["password"])
    has_password, not_ticked = enrol(cohort), enrol(cohort)
    not_ticked.learner.set_unusable_password()
    not_ticked.learner.save(update_fields=["password"])
    english.force_login(coordinator)
    chosen = [e.pk for e in imported] + [has_password.pk]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = bulk(english, cohort, {"action": "invite", "enrollment": chosen})
    assert len(callbacks) == 1  # one task for the whole selection, queued after commit
    assert sorted(message.to[0] for message in mail.outbox) == sorted(e.learner.email for e in imported)
    assert messages_of(response) == [
        "The invitation is being sent to 3 learners (not to those who already set a password)."
    ]


def test_bulk_action_needs_a_choice(english, coordinator, cohort):
    enrollment = enrol(cohort, status="applied")
    english.force_login(coordinator)
    response = bulk(english, cohort, {"action": "approve"})
    assert messages_of(response) == ["Tick the learners first, or choose everyone."]
    response = bulk(english, cohort, {"action": "approve", "enrollment": ["1; DROP TABLE"]})
    assert messages_of(response) == ["Choose learners from the list."]
    enrollment.refresh_from_db()
    assert enrollment.status == "applied"


def test_another_countys_coordinator_cannot_act_on_the_roster(client, other_coordinator, cohort):
    enrollment = enrol(cohort, status="applied")
    client.force_login(other_coordinator)
    response = bulk(client, cohort, {"action": "approve", "enrollment": [enrollment.pk]})
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == "applied"


# --- 7. the roll call opens on the class's day; a class is missed once its day is over ---------


def session_on(cohort, days: int, **fields):
    return factories.ClassSessionFactory(
        cohort=cohort, date=timezone.localdate() + datetime.timedelta(days=days), **fields
    )


def test_roll_call_for_a_class_in_three_weeks_is_refused(english, coordinator, cohort):
    learner = enrol(cohort).learner
    session = session_on(cohort, 21)
    english.force_login(coordinator)
    url = cohort_url(cohort, f"sessions/{session.pk}/roll-call/")
    html = english.get(url).content.decode()
    day = session.date.isoformat()
    assert f"The roll call opens on the day of the class, {day}" in html
    assert 'name="save"' not in html
    response = english.post(url, {f"learner_{learner.pk}": "present"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()
    listed = english.get(cohort_url(cohort, "sessions/")).content.decode()
    assert f"Roll call opens on {day}." in listed
    assert url not in listed


def test_roll_call_opens_on_the_class_day(client, coordinator, cohort):
    learner = enrol(cohort).learner
    session = session_on(cohort, 0)
    client.force_login(coordinator)
    url = cohort_url(cohort, f"sessions/{session.pk}/roll-call/")
    assert client.post(url, {f"learner_{learner.pk}": "present"}).status_code == 302
    assert Attendance.objects.get().status == "present"


def test_session_list_shows_today_and_the_coming_classes_first(client, coordinator, cohort):
    days = [-3, 21, 0, -1, 2]
    sessions = {day: session_on(cohort, day) for day in days}
    later_today = session_on(cohort, 0, start_time=datetime.time(19, 0))
    client.force_login(coordinator)
    shown = list(client.get(cohort_url(cohort, "sessions/")).context["page"])
    assert shown == [sessions[0], later_today, sessions[2], sessions[21], sessions[-1], sessions[-3]]


def test_a_class_today_without_roll_call_is_not_missed_yet(english, coordinator, cohort):
    enrollment = enrol(cohort)
    yesterday, today = session_on(cohort, -1), session_on(cohort, 0)
    Attendance.objects.create(session=yesterday, learner=enrollment.learner, status="present")
    english.force_login(coordinator)
    [row] = english.get(cohort_url(cohort, "roster/")).context["page"]
    assert row.attendance_rate == 100  # today's class, not yet called, is not counted
    other = enrol(cohort)
    Attendance.objects.create(session=today, learner=other.learner, status="present")
    rows = {e.pk: e.attendance_rate for e in english.get(cohort_url(cohort, "roster/")).context["page"]}
    assert rows == {enrollment.pk: 50, other.pk: 50}  # once called, it counts for everyone


def test_a_class_today_without_roll_call_does_not_hold_the_certificate_back(client, learner, county):
    course = factories.course_with_lessons(lessons=1, final_quiz=False)
    cohort = factories.CohortFactory(course=course, county=county, min_attendance_percent=60)
    enrollment = factories.EnrollmentFactory(learner=learner, course=course, cohort=cohort, county=county)
    Attendance.objects.create(session=session_on(cohort, -1), learner=learner, status="present")
    session_on(cohort, 0)  # this afternoon's class: the learner may still come
    client.force_login(learner)
    lesson = Lesson.objects.get(module__course=course)
    client.post(reverse("learn:lesson_complete", args=[course.slug, lesson.pk]))
    assert LessonProgress.objects.filter(enrollment=enrollment).exists()
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"


# --- 8. no join code before the class opens ------------------------------------------------------


@pytest.fixture
def planned(cohort):
    cohort.status = Cohort.Status.PLANNED
    cohort.save()
    return cohort


def test_a_planned_class_hides_its_join_code_until_it_opens(english, coordinator, planned):
    english.force_login(coordinator)
    html = english.get(cohort_url(planned)).content.decode()
    assert planned.join_code not in html
    assert cohort_url(planned, "qr.svg") not in html
    assert cohort_url(planned, "poster/") not in html
    assert "The join code appears when you open the class" in html
    assert english.get(cohort_url(planned, "qr.svg")).status_code == 404
    assert english.get(cohort_url(planned, "poster/")).status_code == 404

    response = english.post(cohort_url(planned, "open/"))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == Cohort.Status.OPEN
    assert messages_of(response) == [f"The class is open for joining. Its join code is {planned.join_code}."]
    html = english.get(cohort_url(planned)).content.decode()
    assert f'id="join-code">{planned.join_code}<' in html
    assert english.get(cohort_url(planned, "qr.svg")).status_code == 200
    assert english.get(cohort_url(planned, "poster/")).status_code == 200


def test_a_closed_class_hides_its_join_code_and_cannot_be_opened_in_one_click(english, coordinator, cohort):
    cohort.status = Cohort.Status.CLOSED
    cohort.save()
    english.force_login(coordinator)
    html = english.get(cohort_url(cohort)).content.decode()
    assert cohort.join_code not in html
    assert "its join code no longer works" in html
    english.post(cohort_url(cohort, "open/"))
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.CLOSED


def test_creating_a_planned_class_does_not_hand_out_its_code(english, coordinator, county):
    english.force_login(coordinator)
    today = timezone.localdate()
    response = english.post(
        "/counties/coordinator/cohorts/new/",
        {
            "name": "筹备中的班",
            "course": factories.CourseFactory().pk,
            "county": county.pk,
            "start_date": today.isoformat(),
            "end_date": (today + datetime.timedelta(days=30)).isoformat(),
            "capacity": 30,
            "delivery": "blended",
            "min_attendance_percent": 0,
            "status": "planned",
        },
    )
    cohort = Cohort.objects.get()
    assert messages_of(response) == [
        "Class created. Its join code appears when you open the class for joining."
    ]
    assert cohort.join_code not in " ".join(messages_of(response))
