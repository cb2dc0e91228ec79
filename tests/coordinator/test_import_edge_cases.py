"""Student imports at the edges: spreadsheets as schools really write them (quotes, bad optional
values, sheets of empty rows), values longer than the database holds, a commit that fails, and
the invitation of learners who have only a mobile number (SMS, rate limited)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DataError, connection
from django.db.models import F
from django.urls import reverse
from openpyxl.worksheet._reader import WorkSheetParser

from accounts.models import User
from coordinator import imports, tasks
from counties.models import ImportJob, InvitationLog
from enrollment.models import Enrollment
from talentportal import sms
from tests import factories
from tests.coordinator.conftest import upload
from tests.coordinator.test_imports import commit, start, xlsx

SITE = "http://testserver/"


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def job_page(client, cohort, job):
    return client.get(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/")


def upload_and_commit(client, cohort, data: bytes, callbacks_fixture, name: str = "students.csv"):
    """Upload, then import what the dry run found; tasks queued after commit run."""
    with callbacks_fixture(execute=True):
        start(client, cohort, data, name)
    job = ImportJob.objects.latest("pk")
    with callbacks_fixture(execute=True):
        commit(client, cohort, job)
    job.refresh_from_db()
    return job


# --- item 10: CSV quoting, bad optional values ---------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_quoted_quotes_and_commas_in_a_csv_field_keep_the_row(
    client, cohort, coordinator, django_capture_on_commit_callbacks, encoding
):
    text = '姓名,手机,学校\n"张""小""三",13800138000,"桐庐""一中"""\n李四,13900139000,"职校, 二部"\n'
    client.force_login(coordinator)
    job = upload_and_commit(client, cohort, text.encode(encoding), django_capture_on_commit_callbacks)
    assert [row["outcome"] for row in job.results] == ["created", "created"]
    zhang = User.objects.get(mobile="13800138000")
    assert (zhang.name, zhang.learner_profile.school) == ('张"小"三', '桐庐"一中"')
    assert User.objects.get(mobile="13900139000").learner_profile.school == "职校, 二部"


def test_a_bad_birth_year_imports_the_student_without_it_and_warns(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    text = (
        "姓名,手机,学校,性别,出生年份\n"
        "张三,13800138000,桐庐职校,男,二〇〇六\n"
        f"李四,13900139000,{'长' * 101},未知,2006\n"
    )
    english.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        start(english, cohort, text.encode())
    job = ImportJob.objects.get()
    assert (job.created_count, job.error_count) == (2, 0)
    page = job_page(english, cohort, job).content.decode()
    assert "The birth year is not a plausible year: imported without it." in page
    assert "The school is longer than 100 characters: imported without it." in page
    assert "imported without it." in page.split("李四")[1]  # the gender, on its own row
    with django_capture_on_commit_callbacks(execute=True):
        commit(english, cohort, job)
    zhang, li = User.objects.get(mobile="13800138000"), User.objects.get(mobile="13900139000")
    assert (zhang.gender, zhang.birth_year, zhang.learner_profile.school) == ("male", None, "桐庐职校")
    assert (li.gender, li.birth_year, li.learner_profile.school) == ("", 2006, "")
    assert Enrollment.objects.filter(cohort=cohort, status="active").count() == 2


def test_a_csv_cell_longer_than_the_csv_reader_takes_fails_the_job_with_a_message(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    english.force_login(coordinator)
    text = '姓名,手机,学校\n张三,13800138000,"' + "x" * 140_000 + "\n"  # a quote never closed
    with django_capture_on_commit_callbacks(execute=True):
        assert start(english, cohort, text.encode()).status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "Line 2 of the file cannot be read" in job.error


# --- item 10: SMS invitations --------------------------------------------------------------------


def test_a_mobile_only_student_is_invited_by_sms_and_can_set_a_password(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    english.force_login(coordinator)
    text = "姓名,手机,邮箱\n张三,13800138000,zhang@example.com\n李四,13900139000,\n"
    job = upload_and_commit(english, cohort, text.encode(), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["zhang@example.com"]]
    [text_message] = sms.outbox
    assert text_message.to == "13900139000"
    assert text_message.body.startswith("【数字人才学习平台】")
    link = re.search(r"http://testserver(\S+)", text_message.body).group(1)
    assert "/accounts/welcome/" in link
    page = job_page(english, cohort, job).content.decode()
    assert "Invitation to set a password sent by SMS." in page.split("李四")[1]
    assert "not sent yet" not in page

    english.logout()
    response = english.post(link)  # the one-tap link signs the learner in
    assert response.status_code == 302
    assert english.get("/").context["user"] == User.objects.get(mobile="13900139000")
    response = english.post(
        "/accounts/password/set/", {"password1": "Correct-Horse-43", "password2": "Correct-Horse-43"}
    )
    assert response.status_code == 302
    assert User.objects.get(mobile="13900139000").check_password("Correct-Horse-43")


@pytest.fixture
def mobile_only(db):
    user = User.objects.create_user(mobile="13900139000", name="李四", password=None)
    assert not user.has_usable_password()
    return user


def invite(*users) -> int:
    return tasks.invitations_send.delay(user_ids=[user.pk for user in users], site_url=SITE).get()


def earlier(minutes: int) -> None:
    """Move every invitation sent so far ``minutes`` into the past."""
    InvitationLog.objects.update(sent_at=F("sent_at") - timedelta(minutes=minutes))


def test_sms_invitations_are_rate_limited_per_number(mobile_only):
    assert invite(mobile_only) == 1
    assert invite(mobile_only, mobile_only) == 0  # again at once, or twice in one list: nothing
    earlier(11)
    assert invite(mobile_only) == 1
    earlier(11)
    assert invite(mobile_only) == 1
    earlier(11)
    assert invite(mobile_only) == 0  # the fourth in a day
    earlier(24 * 60)
    assert invite(mobile_only) == 1
    assert [m.to for m in sms.outbox] == ["13900139000"] * 4
    assert InvitationLog.objects.sms().filter(user=mobile_only).count() == 4


def test_the_rate_limit_holds_with_the_cache_gone(mobile_only, settings):
    # A cache that keeps nothing, as one that was restarted or is down: the limit is unchanged.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert invite(mobile_only) == 1
    assert invite(mobile_only) == 0
    assert len(sms.outbox) == 1


def test_learners_with_a_password_or_an_address_get_no_sms(mobile_only, learner):
    with_password = User.objects.create_user(mobile="13700137000", password="Correct-Horse-42")
    email_only = User.objects.create_user(email="wang@example.com", password=None)
    assert invite(mobile_only, learner, with_password, email_only) == 2
    assert [m.to for m in sms.outbox] == ["13900139000"]
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]


# --- item 12: sheets of empty rows ---------------------------------------------------------------


def xlsx_with_empty_rows(rows: list[list], empty: int, *, declared: bool = True) -> bytes:
    """``rows`` then ``empty`` empty rows (``<row r="…"/>``, as some generators write them);
    ``declared``: the sheet's dimension counts them (else it says only ``rows``)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                first = len(rows) + 1
                text = content.decode().replace(
                    "</sheetData>",
                    "".join(f'<row r="{r}"/>' for r in range(first, first + empty)) + "</sheetData>",
                )
                last = first + empty - 1 if declared else len(rows)
                text, found = re.subn(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{last}"/>', text)
                assert found == 1
                content = text.encode()
            target.writestr(item.filename, content)
    return buffer.getvalue()


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows of a sheet openpyxl has parsed so far."""
    count = [0]
    parse_row = WorkSheetParser.parse_row

    def counting(self, row):
        count[0] += 1
        return parse_row(self, row)

    monkeypatch.setattr(WorkSheetParser, "parse_row", counting)
    return count


STUDENTS = [["姓名", "手机"], ["张三", 13800138000], ["李四", 13900139000]]


def test_a_sheet_of_300000_empty_rows_is_left_to_the_job_which_stops_with_a_message(
    english, cohort, coordinator, django_capture_on_commit_callbacks, rows_read
):
    data = xlsx_with_empty_rows(STUDENTS, 300_000)
    assert len(data) < imports.MAX_FILE_BYTES
    english.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert start(english, cohort, data, "students.xlsx").status_code == 302
    assert rows_read[0] == 0  # the request only stored the file
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING
    assert "Reading the file…" in job_page(english, cohort, job).content.decode()
    [check_task] = callbacks
    check_task()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "more than 20000 rows, counting empty ones" in job.error
    assert rows_read[0] <= imports.MAX_SHEET_ROWS + 1
    assert not User.objects.filter(mobile__isnull=False).exists()


def test_empty_rows_below_the_students_are_ignored(
    client, cohort, coordinator, django_capture_on_commit_callbacks, rows_read
):
    data = xlsx_with_empty_rows(STUDENTS, 5_000)
    assert len(data) <= imports.REQUEST_READ_BYTES
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start(client, cohort, data, "students.xlsx")
    # The sheet declares more rows than a request reads: left to the job without parsing one.
    assert rows_read[0] == 0
    [check_task] = callbacks
    check_task()
    job = ImportJob.objects.get()
    assert (job.status, job.total_rows, job.created_count) == ("checked", 2, 2)


def test_a_sheet_that_hides_its_empty_rows_is_read_only_so_far_in_the_request(
    client, cohort, coordinator, django_capture_on_commit_callbacks, rows_read
):
    data = xlsx_with_empty_rows(STUDENTS, 5_000, declared=False)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start(client, cohort, data, "students.xlsx")
    assert rows_read[0] <= imports.REQUEST_SHEET_ROWS + 1
    [check_task] = callbacks
    check_task()
    assert ImportJob.objects.get().created_count == 2


def test_a_workbook_that_unpacks_to_too_much_is_refused(english, cohort, coordinator, monkeypatch):
    monkeypatch.setattr(imports, "MAX_XLSX_UNZIPPED_BYTES", 10_000)
    job = imports.import_job_start(
        cohort=cohort,
        upload=upload(xlsx_with_empty_rows(STUDENTS, 2_000), "students.xlsx"),
        created_by=coordinator,
        site_url=SITE,
    )
    imports.import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error


# --- item 13: values the database refuses, a commit that fails -----------------------------------


def test_values_longer_than_the_accounts_hold_are_errors_of_the_dry_run(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    long_email = "a" * 300 + "@example.com"
    text = f"姓名,手机,邮箱\n张三,,{long_email}\n{'李' * 101},13900139000,\n王五,13700137000,\n"
    english.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        start(english, cohort, text.encode())
    job = ImportJob.objects.get()
    assert [row["codes"] for row in job.results] == [["email_too_long"], ["name_too_long"], []]
    page = job_page(english, cohort, job).content.decode()
    assert "The email address is longer than 254 characters." in page
    assert "The name is longer than 100 characters." in page
    with django_capture_on_commit_callbacks(execute=True):
        commit(english, cohort, job)
    job.refresh_from_db()
    assert (job.status, job.enrolled_count) == ("done", 1)


def test_control_characters_are_dropped_from_the_cells(client, cohort, coordinator):
    client.force_login(coordinator)
    start(client, cohort, "姓名,手机,学校\n张\x00三\x07,13800138000,桐庐\x0b职校\n".encode())
    commit(client, cohort, ImportJob.objects.get())
    zhang = User.objects.get(mobile="13800138000")
    assert (zhang.name, zhang.learner_profile.school) == ("张三", "桐庐职校")


def test_a_failed_commit_fails_the_job_with_the_reason_and_can_be_tried_again(
    english, cohort, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    coordinator.preferred_language = "en"
    coordinator.save(update_fields=["preferred_language"])
    english.force_login(coordinator)
    start(english, cohort, "姓名,手机\n张三,13800138000\n".encode())
    job = ImportJob.objects.get()
    enrol_bulk = imports.cohort_enrol_bulk

    def refused(**kwargs):
        raise DataError("value too long for type character varying(254)")

    monkeypatch.setattr(imports, "cohort_enrol_bulk", refused)
    assert commit(english, cohort, job).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "does not fit the database. Nothing was imported." in job.error
    assert not User.objects.filter(mobile="13800138000").exists()  # the accounts rolled back too
    page = job_page(english, cohort, job).content.decode()
    assert "Try the import again" in page

    monkeypatch.setattr(imports, "cohort_enrol_bulk", enrol_bulk)
    with django_capture_on_commit_callbacks(execute=True):
        assert commit(english, cohort, job).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error, job.enrolled_count) == ("done", "", 1)
    assert not imports.import_job_claim(job_id=job.pk)  # done is done


def test_a_job_that_failed_to_read_cannot_be_imported(cohort, coordinator):
    job = ImportJob.objects.create(cohort=cohort, status=ImportJob.Status.FAILED, error="unreadable")
    assert not imports.import_job_claim(job_id=job.pk)


def test_a_value_postgresql_refuses_fails_the_job_and_not_the_request(
    client, cohort, coordinator, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the length of a varchar")
    # Without the dry run's rule, as before: the commit meets the database's.
    monkeypatch.setattr(imports, "EMAIL_MAX_LENGTH", 400)
    client.force_login(coordinator)
    start(client, cohort, f"姓名,邮箱\n张三,{'a' * 300}@example.com\n李四,li@example.com\n".encode())
    job = ImportJob.objects.get()
    assert job.created_count == 2
    assert commit(client, cohort, job).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not User.objects.filter(email="li@example.com").exists()
    assert job.can_retry


def test_staff_see_the_invitations_sent_in_the_admin_read_only(client, mobile_only):
    invite(mobile_only)
    client.force_login(factories.StaffFactory(is_superuser=True))
    changelist = client.get(reverse("admin:counties_invitationlog_changelist"))
    assert changelist.status_code == 200
    [log] = changelist.context["cl"].result_list
    assert (log.user, log.channel) == (mobile_only, InvitationLog.Channel.SMS)
    assert client.get(reverse("admin:counties_invitationlog_add")).status_code == 403
