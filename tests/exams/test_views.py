"""The staff pages of a bank through HTTP: upload → dry-run report → confirm; the downloads;
who may open them."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from exams import services
from exams.models import BankImport
from tests import factories
from tests.test_translations import chinese_browser, english_in

from .conftest import GOOD_CSV

BAD_ROW = "单选题,两个答案？,甲,乙,,,AB,2,,\n"


def _upload(client, bank, text: str, name: str = "questions.csv"):
    return client.post(
        reverse("exams:bank_upload", args=[bank.pk]),
        {"file": SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")},
    )


def test_an_editor_uploads_sees_the_report_and_imports(editor_client, course_bank):
    assert editor_client.get(reverse("exams:bank_upload", args=[course_bank.pk])).status_code == 200
    response = _upload(editor_client, course_bank, GOOD_CSV.replace("ＥＣ", "EC"))
    job = BankImport.objects.get(bank=course_bank)
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:import_report", args=[course_bank.pk, job.pk])
    assert not course_bank.questions.exists()  # the dry run writes no question

    page = editor_client.get(response["Location"]).content.decode()
    assert page.count('data-label="') == 3 * 5
    assert 'class="import-rows stack"' in page
    assert reverse("exams:import_commit", args=[course_bank.pk, job.pk]) in page

    response = editor_client.post(reverse("exams:import_commit", args=[course_bank.pk, job.pk]), follow=True)
    assert response.status_code == 200
    assert course_bank.questions.count() == 5
    job.refresh_from_db()
    assert job.status == BankImport.Status.DONE and job.imported_count == 5


def test_a_file_with_a_bad_row_shows_its_line_and_cannot_be_imported(editor_client, course_bank):
    response = _upload(editor_client, course_bank, GOOD_CSV.replace("ＥＣ", "EC") + BAD_ROW)
    page = editor_client.get(response["Location"]).content.decode()
    assert 'id="import-refused"' in page
    with translation.override(settings.LANGUAGE_CODE):
        assert str(services.QUESTION_ERRORS["single_one_right"]) in page
    assert re.search(r'<td data-label="[^"]+">7</td>', page)
    job = BankImport.objects.get()
    assert (
        "import_commit" not in page
        and reverse("exams:import_commit", args=[course_bank.pk, job.pk]) not in page
    )
    editor_client.post(reverse("exams:import_commit", args=[course_bank.pk, job.pk]))
    assert not course_bank.questions.exists()


def test_an_unreadable_file_is_refused_on_the_form(editor_client, course_bank):
    response = editor_client.post(
        reverse("exams:bank_upload", args=[course_bank.pk]),
        {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0", content_type="application/vnd.ms-excel")},
    )
    assert response.status_code == 200
    assert "XLSX" in response.content.decode()
    assert not BankImport.objects.exists()


def test_the_bank_and_the_template_download_as_xlsx(editor_client, course_bank):
    _upload(editor_client, course_bank, GOOD_CSV.replace("ＥＣ", "EC"))
    editor_client.post(reverse("exams:import_commit", args=[course_bank.pk, BankImport.objects.get().pk]))
    response = editor_client.get(reverse("exams:bank_export", args=[course_bank.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == services.TEMPLATE_HEADERS
    assert [row[0] for row in rows[1:]] == ["单选题", "多选题", "判断题", "填空题", "简答题"]
    template = editor_client.get(reverse("exams:template"))
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert rows == [tuple(services.TEMPLATE_HEADERS)]


def _urls(bank, job):
    return [
        ("get", reverse("exams:bank_upload", args=[bank.pk])),
        ("get", reverse("exams:import_report", args=[bank.pk, job.pk])),
        ("post", reverse("exams:import_commit", args=[bank.pk, job.pk])),
        ("get", reverse("exams:bank_export", args=[bank.pk])),
        ("get", reverse("exams:template")),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("learner", 404), ("coordinator", 404), ("staff_without_permission", 403)],
    ids=["learner", "coordinator", "staff-without-permission"],
)
def test_only_editors_open_the_pages(request, client, course_bank, who, status):
    if who == "staff_without_permission":
        user = factories.UserFactory(is_staff=True)
    else:
        user = request.getfixturevalue(who)
    job = services.bank_import_check(bank=course_bank, data=GOOD_CSV.encode(), filename="q.csv", by=None)
    client.force_login(user)
    for method, url in _urls(course_bank, job):
        assert getattr(client, method)(url).status_code == status, url
    assert not course_bank.questions.exists()


def test_a_visitor_is_sent_to_sign_in(client, course_bank):
    response = client.get(reverse("exams:bank_upload", args=[course_bank.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_another_bank_s_import_is_not_found(editor_client, course_bank):
    job = services.bank_import_check(bank=course_bank, data=GOOD_CSV.encode(), filename="q.csv", by=None)
    other = type(course_bank).objects.create(title="另一题库", course=factories.CourseFactory())
    assert editor_client.get(reverse("exams:import_report", args=[other.pk, job.pk])).status_code == 404


def test_the_report_page_takes_the_same_queries_whatever_the_rows(
    editor_client, course_bank, django_assert_max_num_queries
):
    rows = "".join(f"简答题,第{n}题,,,,,,2,知识点{n},\n" for n in range(300))
    job = services.bank_import_check(
        bank=course_bank, data=(GOOD_CSV + rows + BAD_ROW).encode(), filename="q.csv", by=None
    )
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("exams:import_report", args=[course_bank.pk, job.pk]))
    assert response.content.decode().count("<tr class=") == 306


def test_the_pages_are_in_chinese(editor, course_bank):
    browser = chinese_browser(editor)
    response = _upload(browser, course_bank, GOOD_CSV.replace("ＥＣ", "EC") + BAD_ROW)
    for url in (reverse("exams:bank_upload", args=[course_bank.pk]), response["Location"]):
        page = browser.get(url)
        assert page.status_code == 200
        assert english_in(page) == [], url
