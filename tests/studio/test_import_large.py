"""A large course file through the studio's import, over HTTP as a browser sends it: the dry run
keeps the checked document in storage and "Import" sends back only a signed token (the user, the
track, the file's SHA-256), never the document. A Chinese course near the 2 MB the page
advertises, or a Markdown zip of several MB unpacked, would otherwise be a form field of 9 bytes
a character, over Django's request limit (DATA_UPLOAD_MAX_MEMORY_SIZE): 400 after a dry run that
passed. A forged, stale, swapped or foreign token is refused with a translated message and
writes nothing; the checked file leaves storage on import or with the media sweep."""

from __future__ import annotations

import html
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.models import Course, CourseRevision, Lesson, StudioAuditEntry, TrackRole
from courses.portability import course_export
from studio import markdown_zip, media_sweep
from tests.studio.conftest import with_role

EXPIRED = "The checked file has expired or is not yours: upload it and check it again."
TEXT = "农村电商运营的正文。"  # 10 characters, 30 bytes of UTF-8


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def checked_files(media: Path) -> list[Path]:
    folder = media / media_sweep.IMPORT_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def dry_run(client, track, data: bytes, name: str) -> str:
    response = client.post(
        reverse("studio:course_import"),
        {"track": track.pk, "file": SimpleUploadedFile(name, data), "check": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200, page
    assert 'id="import-summary"' in page
    return page


def import_fields(page: str) -> dict[str, str]:
    """What the browser sends when "Import" is pressed: the summary's form, field by field."""
    summary = page[page.index('id="import-summary"') :]
    form = re.search(r"<form[^>]*>(.*?)</form>", summary, re.S)[1]
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }
    return {**fields, "import": ""}


def press_import(client, fields: dict[str, str]):
    """The form posted urlencoded, as a browser posts a form without a file."""
    return client.post(
        reverse("studio:course_import"), urlencode(fields), content_type="application/x-www-form-urlencoded"
    )


def nothing_written(courses: int, revisions: int, audit: int) -> bool:
    return (Course.objects.count(), CourseRevision.objects.count(), StudioAuditEntry.objects.count()) == (
        courses,
        revisions,
        audit,
    )


@pytest.mark.parametrize("characters", [330_000, 640_000])  # about 1 MB and 1.9 MB of JSON
def test_a_large_chinese_course_goes_from_the_dry_run_to_the_import(
    client, live, editor, track, _media, characters
):
    document = course_export(course=live)
    document["course"]["modules"][0]["lessons"][0]["body"] = TEXT * (characters // len(TEXT))
    data = json.dumps(document, ensure_ascii=False).encode()
    assert 900_000 < len(data) < 2 * 1024 * 1024
    client.force_login(editor)

    page = dry_run(client, track, data, "课程.json")
    response = press_import(client, import_fields(page))
    assert response.status_code == 302
    course = Course.objects.exclude(pk=live.pk).get()
    assert response.url == reverse("studio:outline", args=[course.pk])
    first = Lesson.objects.filter(module__course=course).order_by("module__order", "order")[0]
    assert first.body == TEXT * (characters // len(TEXT))
    assert checked_files(_media) == []  # read once, then gone
    # The document did not travel to the browser and back: the form holds a token.
    assert len(page.encode()) < 50_000
    assert set(import_fields(page)) == {"csrfmiddlewaretoken", "track", "checked", "import"}


def test_a_markdown_zip_of_several_megabytes_goes_from_the_dry_run_to_the_import(
    client, editor, track, _media
):
    """Ten lessons of 450 KB each: a zip well under 2 MB that unpacks to 4.5 MB."""
    lessons = [{"title": f"第{number}课", "body": TEXT * 15_000} for number in range(1, 11)]
    document = {
        "course": {"title": "大课程", "summary": "很长", "modules": [{"title": "开店", "lessons": lessons}]}
    }
    data = markdown_zip.course_zip(document=document)
    assert len(data) < 2 * 1024 * 1024
    client.force_login(editor)

    page = dry_run(client, track, data, "course.zip")
    assert "第10课" in page
    response = press_import(client, import_fields(page))

    course = Course.objects.get()
    assert response.url == reverse("studio:outline", args=[course.pk])
    bodies = list(
        Lesson.objects.filter(module__course=course).order_by("order").values_list("body", flat=True)
    )
    assert len(bodies) == 10 and all(body == TEXT * 15_000 for body in bodies)
    assert checked_files(_media) == []


def test_a_forged_or_swapped_token_is_refused_and_writes_nothing(client, live, editor, track, _media):
    client.force_login(editor)
    document = course_export(course=live)
    fields = import_fields(dry_run(client, track, json.dumps(document).encode(), "c.json"))
    [stored] = checked_files(_media)
    before = (Course.objects.count(), CourseRevision.objects.count(), StudioAuditEntry.objects.count())

    forged = signing.dumps({"name": f"studio/imports/{stored.name}", "user": editor.pk, "track": track.pk})
    for token in ("nonsense", forged, fields["checked"][:-2] + "xx"):
        response = press_import(client, {**fields, "checked": token})
        assert response.status_code == 400 and EXPIRED in response.content.decode()
    # The stored file changed after the dry run (another course in its place): refused.
    swapped = course_export(course=live)
    swapped["course"]["title"] = "别的课程"
    stored.write_text(json.dumps(swapped, ensure_ascii=False), encoding="utf-8")
    response = press_import(client, fields)
    assert response.status_code == 400 and EXPIRED in response.content.decode()
    assert nothing_written(*before)


def test_another_users_or_another_tracks_token_is_refused(client, live, editor, track, other_track, _media):
    client.force_login(editor)
    data = json.dumps(course_export(course=live)).encode()
    fields = import_fields(dry_run(client, track, data, "c.json"))
    before = (Course.objects.count(), CourseRevision.objects.count(), StudioAuditEntry.objects.count())

    # A colleague, editor of the same track, cannot use it.
    colleague = with_role(track, TrackRole.Role.EDITOR)
    client.force_login(colleague)
    response = press_import(client, fields)
    assert response.status_code == 400 and EXPIRED in response.content.decode()
    # Nor can its own user, into another of their tracks than the one checked.
    TrackRole.objects.create(user=editor, track=other_track, role=TrackRole.Role.EDITOR)
    client.force_login(editor)
    response = press_import(client, {**fields, "track": str(other_track.pk)})
    assert response.status_code == 400 and EXPIRED in response.content.decode()
    assert nothing_written(*before)
    assert len(checked_files(_media)) == 1  # still the editor's, for the track checked

    assert press_import(client, fields).status_code == 302


def test_a_stale_token_is_refused_with_a_translated_message(
    client, live, editor, track, _media, monkeypatch, settings
):
    client.force_login(editor)
    data = json.dumps(course_export(course=live)).encode()
    fields = import_fields(dry_run(client, track, data, "c.json"))
    before = (Course.objects.count(), CourseRevision.objects.count(), StudioAuditEntry.objects.count())

    class _TwoDaysLater:
        @staticmethod
        def time() -> float:
            return time.time() + 2 * 24 * 3600

    with monkeypatch.context() as later:
        later.setattr(signing, "time", _TwoDaysLater)
        response = press_import(client, fields)
        assert response.status_code == 400 and EXPIRED in response.content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        page = press_import(client, fields).content.decode()
        assert "已检查的文件已过期或不属于您：请重新上传并再次检查。" in page
    assert nothing_written(*before)


def test_a_checked_file_swept_before_the_import_gives_the_message(client, live, editor, track, _media):
    """The media sweep deletes checked files a day old that were never imported; a fresh one
    stays; the token of a swept file is refused."""
    client.force_login(editor)
    data = json.dumps(course_export(course=live)).encode()
    old_fields = import_fields(dry_run(client, track, data, "c.json"))
    [old] = checked_files(_media)
    then = time.time() - 2 * 24 * 3600
    os.utime(old, (then, then))
    fresh_fields = import_fields(dry_run(client, track, data, "c.json"))

    report = media_sweep.media_sweep()
    assert [stored.name for stored in report.orphans] == [f"{media_sweep.IMPORT_FOLDER}/{old.name}"]
    assert [path.name for path in checked_files(_media)] != [old.name] and len(checked_files(_media)) == 1

    response = press_import(client, old_fields)
    assert response.status_code == 400 and EXPIRED in response.content.decode()
    assert press_import(client, fresh_fields).status_code == 302


def test_import_pressed_twice_makes_one_course_and_both_land_on_it(client, live, editor, track, _media):
    """A double click on a slow link, or the form sent again with the browser's back button:
    the second "Import" finds the course the first made."""
    client.force_login(editor)
    fields = import_fields(dry_run(client, track, json.dumps(course_export(course=live)).encode(), "c.json"))
    first = press_import(client, fields)
    course = Course.objects.exclude(pk=live.pk).get()
    before = (Course.objects.count(), CourseRevision.objects.count(), StudioAuditEntry.objects.count())

    second = press_import(client, fields)

    assert first.url == second.url == reverse("studio:outline", args=[course.pk])
    assert nothing_written(*before)
    assert "This file is imported already" in client.get(second.url).content.decode()
    # Checked again, the same file is a new import: the key is the checked copy's, not the content's.
    again = import_fields(dry_run(client, track, json.dumps(course_export(course=live)).encode(), "c.json"))
    assert press_import(client, again).status_code == 302
    assert Course.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
def test_two_imports_of_the_same_checked_file_at_once_make_one_course(
    transactional_db, live, editor, track, _media
):
    from tests.enrollment.test_races import run_at_once

    client = Client()
    client.force_login(editor)
    fields = import_fields(dry_run(client, track, json.dumps(course_export(course=live)).encode(), "c.json"))

    def press():
        browser = Client()
        browser.force_login(editor)
        return press_import(browser, fields)

    responses = run_at_once(press, press)

    course = Course.objects.exclude(pk=live.pk).get()
    assert [response.url for response in responses] == [reverse("studio:outline", args=[course.pk])] * 2
    assert CourseRevision.objects.filter(course=course).count() == 1
    assert StudioAuditEntry.objects.filter(course=course, action="import").count() == 1
