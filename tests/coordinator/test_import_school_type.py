"""A school's spreadsheet may say each student's kind of school (学校类型), in the words schools use
(中职, 技校, 大专, 不在校 ...) or in English: it lands on the learner profile, where a competition
open to some kinds of school reads it. A value that is not a kind of school is a warning: the
student is imported without it."""

from __future__ import annotations

import pytest

from accounts.models import User
from coordinator import imports
from coordinator.imports import read_rows
from counties.models import ImportJob, LearnerProfile, SchoolType
from talentportal import sms
from tests import factories
from tests.coordinator.test_import_edge_cases import job_page, upload_and_commit
from tests.coordinator.test_imports import start, xlsx


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "talentportal.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def school_type_of(mobile: str) -> str:
    return LearnerProfile.objects.get(user__mobile=mobile).school_type


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_a_chinese_csv_with_school_types_sets_them_on_the_profiles(
    client, cohort, coordinator, django_capture_on_commit_callbacks, encoding
):
    text = (
        "姓名,手机,学校,学校类型\n"
        "张三,13800138000,桐庐职校,中职\n"
        "李四,13900139000,杭州职院,大专\n"
        "王五,13700137000,,不在校\n"
        "赵六,13600136000,桐庐中学,\n"
    )
    client.force_login(coordinator)
    job = upload_and_commit(client, cohort, text.encode(encoding), django_capture_on_commit_callbacks)
    assert [row["outcome"] for row in job.results] == ["created"] * 4
    assert [school_type_of(m) for m in ("13800138000", "13900139000", "13700137000", "13600136000")] == [
        SchoolType.SECONDARY_VOCATIONAL,
        SchoolType.HIGHER_VOCATIONAL,
        SchoolType.NOT_IN_SCHOOL,
        "",
    ]


def test_an_xlsx_with_english_headers_and_values(
    client, cohort, coordinator, django_capture_on_commit_callbacks
):
    data = xlsx(
        [
            ["Name", "Mobile", "School type"],
            ["Zhang San", 13800138000, "Secondary Vocational"],
            ["Li Si", 13900139000, "university"],
            ["Wang Wu", 13700137000, "技 校"],  # a stray space, as typed
        ]
    )
    client.force_login(coordinator)
    job = upload_and_commit(client, cohort, data, django_capture_on_commit_callbacks, name="students.xlsx")
    assert job.created_count == 3
    assert [school_type_of(m) for m in ("13800138000", "13900139000", "13700137000")] == [
        SchoolType.SECONDARY_VOCATIONAL,
        SchoolType.UNIVERSITY,
        SchoolType.SECONDARY_VOCATIONAL,
    ]


def test_an_unknown_school_type_is_a_warning_and_the_student_is_imported_without_it(
    english, cohort, coordinator, django_capture_on_commit_callbacks
):
    english.force_login(coordinator)
    text = "姓名,手机,学校类型\n张三,13800138000,幼儿园\n"
    job = upload_and_commit(english, cohort, text.encode("gbk"), django_capture_on_commit_callbacks)
    assert job.results[0]["outcome"] == "created" and "bad_school_type" in job.results[0]["codes"]
    assert school_type_of("13800138000") == ""
    page = job_page(english, cohort, job).content.decode()
    assert "The school type is not one of 中职, 高职, 高中, 本科, 不在校: imported without it." in page


def test_the_warning_is_in_chinese(client, cohort, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    text = "姓名,手机,学校类型\n张三,13800138000,幼儿园\n"
    with django_capture_on_commit_callbacks(execute=True):
        start(client, cohort, text.encode("gbk"))
    page = job_page(client, cohort, ImportJob.objects.get()).content.decode()
    assert "学校类型不是中职、高职、高中、本科、不在校之一：已导入，但不含学校类型。" in page


def test_an_existing_account_keeps_its_profile_and_one_without_gets_the_type(cohort):
    """Existing accounts are matched, never changed; one without a profile gets it from the file."""
    factories.LearnerProfileFactory(user__mobile="13800138000", school_type=SchoolType.UNIVERSITY)
    factories.UserFactory(mobile="13900139000")
    table = read_rows("姓名,手机,学校类型\n张三,13800138000,中职\n李四,13900139000,高职\n".encode())
    imports.import_rows_commit(cohort=cohort, table=table, site_url="http://testserver")
    assert school_type_of("13800138000") == SchoolType.UNIVERSITY
    assert school_type_of("13900139000") == SchoolType.HIGHER_VOCATIONAL
    assert User.objects.count() == 2
