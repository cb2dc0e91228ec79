from __future__ import annotations

import io

import pytest
from django.core import mail
from django.utils import translation
from openpyxl import Workbook

from accounts.models import User
from coordinator import imports
from coordinator.imports import (
    ImportFileError,
    import_job_check,
    import_job_claim,
    import_job_commit,
    read_rows,
)
from counties.models import ImportJob, LearnerProfile
from enrollment.models import Enrollment
from talentportal import sms
from tests import factories
from tests.coordinator.conftest import enrol, upload

ZH_CSV = (
    "姓名,手机,邮箱,学校,性别,出生年份\n"
    "张三,13800138000,zhangsan@example.com,桐庐职校,男,2006\n"
    "李四,13900139000,,桐庐职校,女,2007\n"
)
EN_CSV = (
    "Name,Mobile,Email,School,Gender,Birth year\nZhang San,13800138000,zhangsan@example.com,Tonglu,M,2006\n"
)


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def start(client, cohort, data: bytes, name: str = "students.csv"):
    return client.post(f"/counties/coordinator/cohorts/{cohort.pk}/import/", {"file": upload(data, name)})


def counts():
    return (User.objects.count(), LearnerProfile.objects.count(), Enrollment.objects.count())


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- reading the file ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_each_encoding(encoding):
    rows = read_rows(ZH_CSV.encode(encoding))
    assert [values["name"] for _line, values in rows] == ["张三", "李四"]
    assert rows[0][1]["school"] == "桐庐职校"


def test_gb18030_only_characters_are_read():
    # 𠮷 is outside GBK: Excel's "CSV (GB18030)" keeps it.
    rows = read_rows("姓名,手机\n𠮷乐,13800138000\n".encode("gb18030"))
    assert rows[0][1]["name"] == "𠮷乐"


def test_english_headers_are_recognised():
    rows = read_rows(EN_CSV.encode())
    assert rows == [
        (
            2,
            {
                "name": "Zhang San",
                "mobile": "13800138000",
                "email": "zhangsan@example.com",
                "school": "Tonglu",
                "gender": "M",
                "birth_year": "2006",
            },
        )
    ]


@pytest.mark.parametrize("header", ["手机号", "手机号码", "mobile"])
def test_header_variants(header):
    assert read_rows(f"姓名,{header}\n张三,13800138000\n".encode())[0][1]["mobile"] == "13800138000"


@pytest.mark.parametrize("header", ["电子邮箱", "电子邮件", "EMAIL", "邮箱"])
def test_email_header_variants(header):
    assert read_rows(f"姓名,{header}\n张三,a@example.com\n".encode())[0][1]["email"] == "a@example.com"


def test_birth_year_header_variants():
    for header in ("出生年", "birth_year", "Birth Year"):
        assert (
            read_rows(f"name,email,{header}\nA,a@example.com,2001\n".encode())[0][1]["birth_year"] == "2001"
        )


def test_xlsx_with_numbers_for_mobile_and_year():
    data = xlsx(
        [
            ["姓名", "手机", "出生年份"],
            ["张三", 13800138000, 2006],
            [None, None, None],
            ["李四", "13900139000", 2007.0],
        ]
    )
    rows = read_rows(data, "students.xlsx")
    assert rows == [
        (2, {"name": "张三", "mobile": "13800138000", "birth_year": "2006"}),
        (4, {"name": "李四", "mobile": "13900139000", "birth_year": "2007"}),
    ]


def test_semicolon_separated_csv_is_read():
    assert read_rows("姓名;手机\n张三;13800138000\n".encode())[0][1] == {
        "name": "张三",
        "mobile": "13800138000",
    }


@pytest.fixture
def _english_messages():
    """Read errors raised outside a request in the English source text."""
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("_english_messages")
@pytest.mark.parametrize(
    "data",
    [b"school,gender\nx,m\n", "姓名,学校\n张三,职校\n".encode(), b""],
    ids=["no-name", "no-contact", "empty"],
)
def test_missing_columns_are_refused(data):
    with pytest.raises(ImportFileError, match="first row"):
        read_rows(data)


def test_undecodable_file_is_refused():
    with pytest.raises(ImportFileError):
        read_rows(b"\xff\xfe\x00\x81\x81\x30")


def test_old_xls_is_refused():
    with pytest.raises(ImportFileError, match="xls"):
        read_rows(b"\xd0\xcf\x11\xe0rest", "students.xls")


@pytest.mark.usefixtures("_english_messages")
def test_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError, match="larger than"):
        read_rows(("姓名,手机\n" + "张三,13800138000\n" * 10).encode())


@pytest.mark.usefixtures("_english_messages")
def test_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = "".join(f"学员{i},138001380{i:02d}\n" for i in range(4))
    with pytest.raises(ImportFileError, match="more than 3"):
        read_rows(("姓名,手机\n" + rows).encode())


# --- the dry run ---------------------------------------------------------------------------------


def check(cohort, text: str) -> list:
    return imports.check_rows(cohort=cohort, table=read_rows(text.encode()))


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (",13800138000,,,", "missing_name"),
        ("张三,,,,", "missing_contact"),
        ("张三,12345,,,", "bad_mobile"),
        ("张三,,not-an-email,,", "bad_email"),
        (f"{'张' * 101},13800138000,,,", "name_too_long"),
        (f"张三,,{'a' * 243}@example.com,,", "email_too_long"),
    ],
)
def test_each_kind_of_row_error_is_reported(cohort, row, code):
    [result] = check(cohort, f"姓名,手机,邮箱,性别,出生年份\n{row}\n")
    assert result.outcome == imports.ERROR
    assert code in result.codes


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("张三,13800138000,,未知,", "bad_gender"),
        ("张三,13800138000,,,1850", "bad_birth_year"),
        ("张三,13800138000,,,二〇〇六", "bad_birth_year"),
    ],
)
def test_a_bad_optional_value_is_a_warning_and_left_out(cohort, row, code):
    [result] = check(cohort, f"姓名,手机,邮箱,性别,出生年份\n{row}\n")
    assert result.outcome == imports.NEW
    assert result.codes == [code]
    assert (result.gender, result.birth_year) == ("", None)


def test_duplicate_within_the_file_is_an_error_on_the_later_row(cohort):
    rows = check(
        cohort,
        "姓名,手机,邮箱\n张三,13800138000,\n张三丰,,a@example.com\n张三,138-0013-8000,\n李四,,A@example.com\n",
    )
    assert [row.outcome for row in rows] == ["new", "new", "error", "error"]
    assert rows[2].codes == ["duplicate"] and rows[3].codes == ["duplicate"]


def test_mobile_and_email_of_two_different_accounts_is_an_error(cohort):
    factories.UserFactory(email="a@example.com")
    factories.UserFactory(email="b@example.com", mobile="13800138000")
    [row] = check(cohort, "姓名,手机,邮箱\n张三,13800138000,a@example.com\n")
    assert row.codes == ["conflict"]


def test_existing_accounts_are_matched_by_mobile_or_email(cohort):
    by_mobile = factories.UserFactory(mobile="13800138000")
    by_email = factories.UserFactory(email="li@example.com")
    rows = check(cohort, "姓名,手机,邮箱\n张三,+86 138 0013 8000,\n李四,,LI@example.com\n王五,13700137000,\n")
    assert [(row.outcome, row.user_id) for row in rows] == [
        ("existing", by_mobile.pk),
        ("existing", by_email.pk),
        ("new", None),
    ]


def test_valid_values_are_normalised(cohort):
    [row] = check(cohort, "姓名,手机,性别,出生年份\n张三,138 0013 8000,女,2006年\n")
    assert (row.mobile, row.gender, row.birth_year) == ("13800138000", "female", 2006)


def test_dry_run_writes_nothing_but_the_job(client, cohort, coordinator):
    client.force_login(coordinator)
    before = counts()
    response = start(client, cohort, ZH_CSV.encode("gbk"))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/"
    assert counts() == before
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.created_count, job.matched_count, job.error_count) == (2, 2, 0, 0)
    assert mail.outbox == []
    page = client.get(response.url)
    assert [row["outcome"] for row in page.context["page"]] == ["new", "new"]
    assert "138****8000" in page.content.decode()
    assert "13800138000" not in page.content.decode()


def test_unreadable_upload_shows_the_error_next_to_the_field(english, cohort, coordinator):
    english.force_login(coordinator)
    response = start(english, cohort, b"school\nx\n")
    assert response.status_code == 200
    assert "first row must name the columns" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_upload_over_the_size_limit_is_refused_with_a_message(english, cohort, coordinator, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 50)
    english.force_login(coordinator)
    response = start(english, cohort, ZH_CSV.encode())
    assert "larger than" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


# --- the commit ----------------------------------------------------------------------------------


def commit(client, cohort, job):
    return client.post(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/commit/")


def test_commit_creates_accounts_profiles_enrolments_and_invites(
    client, cohort, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode("gbk"))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        commit(client, cohort, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.enrolled_count == 2
    zhang = User.objects.get(mobile="13800138000")
    assert (zhang.name, zhang.email, zhang.gender, zhang.birth_year) == (
        "张三",
        "zhangsan@example.com",
        "male",
        2006,
    )
    assert not zhang.has_usable_password()
    assert zhang.learner_profile.county == cohort.county
    assert zhang.learner_profile.school == "桐庐职校"
    assert set(Enrollment.objects.filter(cohort=cohort).values_list("learner__name", "status")) == {
        ("张三", "active"),
        ("李四", "active"),
    }
    # The learner with an email gets the invitation by email, the mobile-only one by SMS.
    assert [message.to for message in mail.outbox] == [["zhangsan@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert [message.to for message in sms.outbox] == ["13900139000"]
    li = next(row for row in job.results if row["name"] == "李四")
    assert "sms_invitation_queued" in li["codes"]


def test_invitation_link_lets_the_learner_set_a_password(
    client, cohort, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode())
    with django_capture_on_commit_callbacks(execute=True):
        commit(client, cohort, ImportJob.objects.get())
    client.logout()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)
    response = client.get(link.replace("http://testserver", ""), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "Correct-Horse-43", "password2": "Correct-Horse-43"})
    assert response.status_code == 302
    assert User.objects.get(mobile="13800138000").check_password("Correct-Horse-43")


def test_reimporting_the_same_file_changes_nothing(
    client, cohort, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    for _run in range(2):
        start(client, cohort, ZH_CSV.encode("utf-8-sig"))
        job = ImportJob.objects.latest("pk")
        with django_capture_on_commit_callbacks(execute=True):
            commit(client, cohort, job)
        if _run == 0:
            snapshot = (
                counts(),
                list(Enrollment.objects.values_list("pk", "status", "learner_id")),
                len(mail.outbox),
            )
    job.refresh_from_db()
    assert [row["outcome"] for row in job.results] == ["already", "already"]
    assert job.enrolled_count == 0
    assert (
        counts(),
        list(Enrollment.objects.values_list("pk", "status", "learner_id")),
        len(mail.outbox),
    ) == snapshot


def test_second_dry_run_reports_already_enrolled(client, cohort, coordinator):
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode())
    commit(client, cohort, ImportJob.objects.get())
    start(client, cohort, ZH_CSV.encode())
    job = ImportJob.objects.latest("pk")
    assert [row["codes"] for row in job.results] == [["already_cohort"], ["already_cohort"]]
    page = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/")
    assert b"/commit/" not in page.content


def test_existing_account_is_enrolled_and_left_unchanged(client, cohort, coordinator):
    existing = factories.UserFactory(mobile="13800138000", email="old@example.com", name="张三（原）")
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode())
    commit(client, cohort, ImportJob.objects.get())
    existing.refresh_from_db()
    assert (existing.email, existing.name) == ("old@example.com", "张三（原）")
    assert Enrollment.objects.get(learner=existing).cohort == cohort
    assert LearnerProfile.objects.get(user=existing).county == cohort.county


def test_rows_with_errors_are_skipped_and_the_rest_imported(client, cohort, coordinator):
    client.force_login(coordinator)
    start(client, cohort, "姓名,手机\n张三,13800138000\n李四,123\n".encode())
    commit(client, cohort, ImportJob.objects.get())
    job = ImportJob.objects.get()
    assert [row["outcome"] for row in job.results] == ["created", "error"]
    assert list(User.objects.filter(mobile__isnull=False).values_list("name", flat=True)) == ["张三"]


def test_import_over_capacity_writes_nothing(english, cohort, coordinator):
    cohort.capacity = 2
    cohort.save()
    enrol(cohort)
    english.force_login(coordinator)
    start(english, cohort, ZH_CSV.encode())
    before = counts()
    commit(english, cohort, ImportJob.objects.get())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED  # can be imported again after raising the capacity
    assert "1 free places" in job.error
    assert counts() == before


def test_import_into_a_cohort_that_needs_approval_is_the_approval(client, cohort, coordinator):
    """The coordinator's own list needs no second approval: the learners study at once."""
    cohort.requires_approval = True
    cohort.save()
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode())
    commit(client, cohort, ImportJob.objects.get())
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"active"}


def test_double_commit_imports_once(client, cohort, coordinator):
    client.force_login(coordinator)
    start(client, cohort, ZH_CSV.encode())
    job = ImportJob.objects.get()
    commit(client, cohort, job)
    assert not import_job_claim(job_id=job.pk)
    commit(client, cohort, job)
    assert Enrollment.objects.count() == 2
    job.refresh_from_db()
    assert job.enrolled_count == 2


def test_report_lists_every_row_with_its_outcome(english, cohort, coordinator):
    english.force_login(coordinator)
    start(english, cohort, "姓名,手机\n张三,13800138000\n=HYPERLINK(1),123\n".encode())
    job = ImportJob.objects.get()
    response = english.get(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/report.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Row,Name,Mobile,Email,Outcome,Details"
    assert lines[1].startswith("2,张三,138****8000,,New account")
    assert lines[2].startswith("3,'=HYPERLINK(1),,,Error")


def test_large_import_runs_as_a_task_with_progress(
    client, cohort, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("coordinator.views.imports.SYNC_MAX_ROWS", 2)

    rows = "".join(f"学员{i},1380013{i:04d}\n" for i in range(5))
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start(client, cohort, ("姓名,手机\n" + rows).encode())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING  # queued, not run in the request
    page = client.get(f"/counties/coordinator/cohorts/{cohort.pk}/import/{job.pk}/")
    assert b'http-equiv="refresh"' in page.content
    assert b"<progress" in page.content
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs the dry run
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("checked", 5, 5)
    with django_capture_on_commit_callbacks(execute=True):
        commit(client, cohort, job)
    job.refresh_from_db()
    assert (job.status, job.enrolled_count) == ("done", 5)
    assert Enrollment.objects.filter(cohort=cohort).count() == 5


def test_task_check_records_progress(cohort, coordinator, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    rows = "".join(f"学员{i},1380013{i:04d}\n" for i in range(5))
    job = imports.import_job_start(
        cohort=cohort,
        upload=upload(("姓名,手机\n" + rows).encode()),
        created_by=coordinator,
        site_url="http://x/",
    )
    original = imports.check_rows

    def check_and_watch(**kwargs):
        progress = kwargs["progress"]

        def watching(done):
            progress(done)
            seen.append(ImportJob.objects.get(pk=job.pk).processed_rows)

        return original(**{**kwargs, "progress": watching})

    monkeypatch.setattr(imports, "check_rows", check_and_watch)
    import_job_check(job_id=job.pk)
    # The page (another connection in production) sees the count grow while the task runs.
    assert seen == [2, 4, 5]


def test_commit_is_a_no_op_unless_claimed(cohort, coordinator):
    job = imports.import_job_start(
        cohort=cohort, upload=upload(ZH_CSV.encode()), created_by=coordinator, site_url="http://x/"
    )
    import_job_check(job_id=job.pk)
    import_job_commit(job_id=job.pk)
    assert not Enrollment.objects.exists()
