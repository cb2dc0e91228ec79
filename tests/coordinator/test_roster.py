from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from django.utils.translation import trans_real
from openpyxl import load_workbook

from counties.models import Attendance
from enrollment.models import Enrollment
from tests import factories
from tests.coordinator.conftest import enrol

# session, user, cohort, count, the page of enrolments, and the navigation's coordinator check
ROSTER_QUERIES = 4


def roster_url(cohort, suffix="roster/"):
    return f"/counties/coordinator/cohorts/{cohort.pk}/{suffix}"


def populate(cohort, n: int) -> None:
    sessions = [
        factories.ClassSessionFactory(cohort=cohort, date=timezone.localdate() - datetime.timedelta(days=d))
        for d in (1, 2)
    ]
    for i in range(n):
        enrollment = enrol(cohort, progress_percent=i % 100, last_activity_at=timezone.now())
        for session in sessions:
            Attendance.objects.create(session=session, learner=enrollment.learner)


@pytest.mark.parametrize("learners", [1, 50])
def test_roster_query_count_is_constant(client, cohort, coordinator, django_assert_num_queries, learners):
    populate(cohort, learners)
    client.force_login(coordinator)
    with django_assert_num_queries(ROSTER_QUERIES) as queries:
        response = client.get(roster_url(cohort))
    assert len(response.context["page"].object_list) == learners
    # The page shows neither the cohort's course nor its county: no join loads them.
    assert not [q for q in queries.captured_queries if "courses_course" in q["sql"]]


def test_roster_rows_show_the_learners_actions_and_activity(english, cohort, coordinator):
    applied = enrol(cohort, status="applied", last_activity_at=None)
    active = enrol(cohort, last_activity_at=datetime.datetime(2026, 3, 1, 18, 30, tzinfo=datetime.UTC))
    english.force_login(coordinator)
    html = english.get(roster_url(cohort)).content.decode()
    # One form around the rows: its own buttons post it to the approve and decline views.
    approve = roster_url(cohort, f"enrolments/{applied.pk}/approve/")
    assert f'name="approve" formaction="{approve}">' in html
    assert f'formaction="{roster_url(cohort, f"enrolments/{applied.pk}/decline/")}"' in html
    assert f'<input type="hidden" name="next" value="{roster_url(cohort)}">' in html
    assert f'<a href="{roster_url(cohort, f"enrolments/{active.pk}/withdraw/")}">Withdraw</a>' in html
    # the day in the portal's time zone (UTC+8)
    assert '<td data-label="Last activity">2026-03-02</td>' in html
    assert '<td data-label="Last activity">never</td>' in html
    assert '<td data-label="Status" class="status">Waiting for approval</td>' in html


def test_roster_filters_show_what_was_chosen(english, cohort, coordinator):
    english.force_login(coordinator)
    response = english.get(roster_url(cohort) + "?status=active&sort=-progress&at_risk=on")
    html = response.content.decode()
    assert '<option value="active" selected>' in html
    assert '<option value="-progress" selected>' in html
    assert '<input type="checkbox" name="at_risk" id="id_at_risk" checked>' in html
    assert not [t.name for t in response.templates if t.name.startswith("django/forms/widgets/")]
    html = english.get(roster_url(cohort)).content.decode()
    assert '<option value="" selected>All</option>' in html
    assert '<input type="checkbox" name="at_risk" id="id_at_risk">' in html


def test_roster_filters_show_an_unknown_status_as_an_error(english, cohort, coordinator):
    enrol(cohort)
    english.force_login(coordinator)
    response = english.get(roster_url(cohort) + "?status=asleep")
    html = response.content.decode()
    assert '<div class="field has-error">' in html
    assert 'aria-invalid="true" aria-describedby="id_status_error" id="id_status"' in html
    assert "Select a valid choice. asleep is not one of the available choices." in html
    assert len(response.context["page"].object_list) == 1  # the filter is ignored


def rows_by_name(client, cohort, query=""):
    response = client.get(roster_url(cohort) + query)
    return {e.learner.name: e for e in response.context["page"].object_list}


def test_attendance_rate_counts_held_sessions_and_leaves_out_excused(client, cohort, coordinator):
    today = timezone.localdate()
    held = [
        factories.ClassSessionFactory(cohort=cohort, date=today - datetime.timedelta(days=d))
        for d in (1, 2, 3)
    ]
    factories.ClassSessionFactory(cohort=cohort, date=today + datetime.timedelta(days=3))  # not held yet
    a = enrol(cohort)
    b = enrol(cohort)
    enrol(cohort)
    statuses = {held[0]: "present", held[1]: "absent", held[2]: "excused"}
    for session, status in statuses.items():
        Attendance.objects.create(session=session, learner=a.learner, status=status)
    for session in held:
        Attendance.objects.create(session=session, learner=b.learner, status="present")
    client.force_login(coordinator)
    rows = rows_by_name(client, cohort)
    assert rows[a.learner.name].attendance_rate == 50
    assert rows[b.learner.name].attendance_rate == 100
    assert sorted(e.attendance_rate or 0 for e in rows.values()) == [0, 50, 100]


def test_attendance_rate_is_none_before_any_session(client, cohort, coordinator):
    enrollment = enrol(cohort)
    client.force_login(coordinator)
    assert rows_by_name(client, cohort)[enrollment.learner.name].attendance_rate is None


def test_at_risk_flags_inactive_and_behind_schedule(client, cohort, coordinator):
    # The cohort runs 90 days and is a third through: expected progress 33 − 20 = 13 %.
    now = timezone.now()
    on_track = enrol(cohort, progress_percent=40, last_activity_at=now)
    behind = enrol(cohort, progress_percent=5, last_activity_at=now)
    inactive = enrol(cohort, progress_percent=90, last_activity_at=now - datetime.timedelta(days=8))
    never = enrol(cohort, progress_percent=50, last_activity_at=None)
    completed = enrol(
        cohort,
        status=Enrollment.Status.COMPLETED,
        completed_at=now,
        progress_percent=100,
        last_activity_at=None,
    )
    client.force_login(coordinator)
    rows = rows_by_name(client, cohort)
    flags = {e: rows[e.learner.name].at_risk for e in (on_track, behind, inactive, never, completed)}
    assert flags == {on_track: False, behind: True, inactive: True, never: True, completed: False}
    at_risk_only = rows_by_name(client, cohort, "?at_risk=on")
    assert set(at_risk_only) == {behind.learner.name, inactive.learner.name, never.learner.name}


def test_nobody_is_behind_before_the_cohort_starts(client, coordinator, county):
    cohort = factories.CohortFactory(
        county=county,
        start_date=timezone.localdate() + datetime.timedelta(days=5),
        end_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    enrollment = enrol(cohort, progress_percent=0, last_activity_at=timezone.now())
    client.force_login(coordinator)
    assert rows_by_name(client, cohort)[enrollment.learner.name].at_risk is False


def test_roster_filters_by_status_and_sorts(client, cohort, coordinator):
    now = timezone.now()
    low = enrol(cohort, progress_percent=10, last_activity_at=now)
    high = enrol(cohort, progress_percent=80, last_activity_at=now - datetime.timedelta(days=1))
    applied = enrol(cohort, status=Enrollment.Status.APPLIED)
    client.force_login(coordinator)
    assert list(rows_by_name(client, cohort, "?status=applied")) == [applied.learner.name]
    names = list(rows_by_name(client, cohort, "?status=active&sort=-progress"))
    assert names == [high.learner.name, low.learner.name]
    names = list(rows_by_name(client, cohort, "?status=active&sort=activity"))
    assert names == [high.learner.name, low.learner.name]


def test_roster_paginates_by_50(client, cohort, coordinator):
    for _ in range(51):
        enrol(cohort)
    client.force_login(coordinator)
    assert len(client.get(roster_url(cohort)).context["page"].object_list) == 50
    assert len(client.get(roster_url(cohort) + "?page=2").context["page"].object_list) == 1


def test_roster_masks_mobile_numbers(client, cohort, coordinator):
    enrollment = enrol(cohort)
    enrollment.learner.mobile = "13812345678"
    enrollment.learner.save()
    client.force_login(coordinator)
    html = client.get(roster_url(cohort)).content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html


def test_roster_shows_only_the_cohorts_learners(client, cohort, coordinator, county):
    mine = enrol(cohort)
    elsewhere = enrol(factories.CohortFactory(county=county))
    client.force_login(coordinator)
    assert set(rows_by_name(client, cohort)) == {mine.learner.name}
    assert elsewhere.learner.name not in client.get(roster_url(cohort)).content.decode()


# --- join requests and withdrawal ----------------------------------------------------------------


def test_coordinator_approves_and_declines_join_requests(client, cohort, coordinator):
    first, second = enrol(cohort, status="applied"), enrol(cohort, status="applied")
    client.force_login(coordinator)
    response = client.post(roster_url(cohort, f"enrolments/{first.pk}/approve/"))
    assert response.status_code == 302
    client.post(roster_url(cohort, f"enrolments/{second.pk}/decline/"), {"reason": "不是本校学生"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "active"
    assert (second.status, second.withdrawal_reason) == ("declined", "不是本校学生")


def test_enrolment_of_another_cohort_is_404(client, cohort, coordinator, county):
    other = enrol(factories.CohortFactory(county=county), status="applied")
    client.force_login(coordinator)
    assert client.post(roster_url(cohort, f"enrolments/{other.pk}/approve/")).status_code == 404
    other.refresh_from_db()
    assert other.status == "applied"


def test_withdraw_needs_a_reason_and_keeps_it(english, cohort, coordinator):
    enrollment = enrol(cohort)
    english.force_login(coordinator)
    url = roster_url(cohort, f"enrolments/{enrollment.pk}/withdraw/")
    response = english.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert english.post(url, {"reason": "转学"}).status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.withdrawal_reason) == ("withdrawn", "转学")


def test_completed_learner_cannot_be_withdrawn(english, cohort, coordinator):
    enrollment = enrol(cohort, status="completed", completed_at=timezone.now())
    english.force_login(coordinator)
    response = english.post(roster_url(cohort, f"enrolments/{enrollment.pk}/withdraw/"), {"reason": "x"})
    assert "cannot be withdrawn" in str(response.context["form"].non_field_errors())
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"


# --- exports -------------------------------------------------------------------------------------


def export_csv(client, cohort, query=""):
    response = client.get(roster_url(cohort, "roster.csv") + query)
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8 Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def chinese_headers():
    """Chinese for two roster headers, as the lead's catalogue will have them."""
    catalog = trans_real.translation("zh-hans")._catalog._catalogs[0]
    saved = {key: catalog.get(key) for key in ("Name", "Mobile")}
    catalog.update({"Name": "姓名", "Mobile": "手机"})
    yield
    for key, value in saved.items():
        if value is None:
            del catalog[key]
        else:
            catalog[key] = value


def test_export_headers_follow_the_ui_language(client, cohort, coordinator, chinese_headers):
    enrol(cohort)
    client.force_login(coordinator)
    assert export_csv(client, cohort)[0][:2] == ["姓名", "手机"]  # the default UI is Chinese
    sheet = load_workbook(io.BytesIO(client.get(roster_url(cohort, "roster.xlsx")).content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["姓名", "手机"]
    client.cookies["django_language"] = "en"
    assert export_csv(client, cohort)[0][:3] == ["Name", "Mobile", "Email"]


def test_exports_neutralise_formulas(client, cohort, coordinator):
    evil = enrol(cohort)
    evil.learner.name = '=HYPERLINK("http://evil","点我")'
    evil.learner.save()
    evil.learner.learner_profile.school = "+1-1"
    evil.learner.learner_profile.save()
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    rows = export_csv(client, cohort)
    assert rows[1][0] == "'" + evil.learner.name
    assert rows[1][3] == "'+1-1"
    response = client.get(roster_url(cohort, "roster.xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Name"
    assert values[1][0] == "'" + evil.learner.name
    assert values[1][3] == "'+1-1"
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, not a formula


def test_export_follows_the_roster_filters(client, cohort, coordinator):
    enrol(cohort, status="applied")
    active = enrol(cohort)
    client.force_login(coordinator)
    rows = export_csv(client, cohort, "?status=active")
    assert [row[0] for row in rows[1:]] == [active.learner.name]


def test_unknown_export_format_is_404(client, cohort, coordinator):
    client.force_login(coordinator)
    assert client.get(roster_url(cohort, "roster.pdf")).status_code == 404
