"""Each breakdown heads its first column with what its rows are (an area, a track, a course…),
on the page and in its exports, in both languages: never "姓名", a person's name."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

FIRST_COLUMN = {
    "zh-hans": {
        "areas": "地区",
        "tracks": "学习方向",
        "courses": "课程",
        "gender": "性别",
        "age": "年龄段",
        "delivery": "授课方式",
        "contest_areas": "地区",
        "contest_gender": "性别",
        "contest_tracks": "学习方向",
        "fieldwork": "地区",
        "projects": "项目",
    },
    "en": {
        "areas": "Area",
        "tracks": "Track",
        "courses": "Course",
        "gender": "Gender",
        "age": "Age band",
        "delivery": "Delivery mode",
        "contest_areas": "Area",
        "contest_gender": "Gender",
        "contest_tracks": "Track",
        "fieldwork": "Area",
        "projects": "Project",
    },
}


def first_headers(page: str) -> dict[str, str]:
    """Each table's first column header, by table."""
    headers = {}
    for name, section in re.findall(
        r'<section class="figure-table" id="table-(\w+)">(.*?)</section>', page, re.S
    ):
        first = re.search(r'<th scope="col"[^>]*><a [^>]*>(.*?)</a></th>', section, re.S)
        if first is None:  # no rows, no header
            continue
        headers[name] = re.sub(r"\s*[▲▼]$", "", first[1].strip())
    return headers


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_table_names_what_its_rows_are(client, staff, refreshed, language):
    client.cookies["django_language"] = language
    client.force_login(staff)
    page = client.get(reverse("figures:dashboard")).content.decode()
    # This programme has no competition or county digital project: those tables show their empty
    # state, no header (the competitions by gender list every gender, zeros included).
    empty = {"projects", "contest_tracks"}
    assert first_headers(page) == {
        name: label for name, label in FIRST_COLUMN[language].items() if name not in empty
    }
    assert "姓名" not in page


@pytest.mark.parametrize("table", sorted(FIRST_COLUMN["zh-hans"]))
def test_each_export_names_what_its_rows_are(client, staff, refreshed, table):
    client.force_login(staff)
    response = client.get(reverse("figures:export", args=[table, "csv"]))
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert header[1] == FIRST_COLUMN["zh-hans"][table]
    assert "姓名" not in header

    workbook = load_workbook(io.BytesIO(client.get(reverse("figures:export", args=[table, "xlsx"])).content))
    assert next(workbook.active.values)[1] == FIRST_COLUMN["zh-hans"][table]
