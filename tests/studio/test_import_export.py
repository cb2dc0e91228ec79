"""Import and export in the studio: the course JSON of export_course downloads; an upload is
checked first (a dry run listing what will be created); a malformed file gives a clear error
and writes nothing."""

from __future__ import annotations

import io
import json
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Course, CourseRevision, Lesson
from courses.portability import course_export


def checked_token(page: str) -> str:
    """The token the dry run's "Import" form sends back (the checked file stays on the server)."""
    return re.search(r'name="checked" value="([^"]+)"', page)[1]


def upload(content: bytes | str, name="course.json"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_export_downloads_the_course_json(client, live, editor):
    client.force_login(editor)
    response = client.get(reverse("studio:export", args=[live.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{live.slug}.json"'
    assert json.loads(response.content) == course_export(course=live)


def test_dry_run_lists_what_will_be_created_and_writes_nothing(client, live, editor, track):
    document = course_export(course=live)
    client.force_login(editor)
    before = Course.objects.count()
    response = client.post(
        reverse("studio:course_import"),
        {"track": track.pk, "file": upload(json.dumps(document)), "check": ""},
    )
    page = response.content.decode()
    assert 'id="import-summary"' in page
    assert "开店准备" in page and "商品上架" in page
    assert "1 question" in page
    assert Course.objects.count() == before

    assert f'value="{json.dumps(document)[:20]}' not in page  # the document does not travel back
    response = client.post(
        reverse("studio:course_import"), {"track": track.pk, "checked": checked_token(page), "import": ""}
    )
    course = Course.objects.exclude(pk=live.pk).get()
    assert response.url == reverse("studio:outline", args=[course.pk])
    assert course.status == Course.Status.DRAFT and course.track == track
    assert CourseRevision.objects.filter(course=course, status="draft").exists()
    assert list(Lesson.objects.filter(module__course=course).values_list("title", flat=True)) == [
        "开店准备",
        "商品上架",
    ]


def test_a_malformed_file_gives_a_clear_error_and_writes_nothing(client, live, editor, track):
    client.force_login(editor)
    before = (Course.objects.count(), Lesson.objects.count(), CourseRevision.objects.count())

    response = client.post(
        reverse("studio:course_import"), {"track": track.pk, "file": upload('{"course": [1,'), "check": ""}
    )
    assert "not valid JSON (line 1" in response.content.decode()

    document = course_export(course=live)
    document["course"]["modules"][0]["lessons"][0]["title"] = ""
    del document["course"]["summary"]
    for action in ("check", "import"):
        response = client.post(
            reverse("studio:course_import"),
            {"track": track.pk, "file": upload(json.dumps(document)), action: ""},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "course.modules[0].lessons[0].title: must not be empty" in page
        assert "course.summary: missing" in page
    assert (Course.objects.count(), Lesson.objects.count(), CourseRevision.objects.count()) == before


def test_an_editor_imports_only_into_their_tracks(client, live, editor, other_track):
    client.force_login(editor)
    response = client.post(
        reverse("studio:course_import"),
        {"track": other_track.pk, "file": upload(json.dumps(course_export(course=live))), "import": ""},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Course.objects.count() == 1


def test_a_markdown_zip_round_trips_through_the_dry_run_and_the_import(client, live, editor, track):
    client.force_login(editor)
    response = client.get(reverse("studio:export_zip", args=[live.pk]))
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        outline = archive.read("outline.txt").decode()
        assert "title: 农村电商运营" in outline
        first = archive.read(outline.splitlines()[3]).decode()
        assert first.startswith("# 开店准备\n") and "原来的正文" in first

    page = client.post(
        reverse("studio:course_import"), {"track": track.pk, "file": upload(data, "course.zip"), "check": ""}
    ).content.decode()
    assert 'id="import-summary"' in page and "商品上架" in page
    assert Course.objects.count() == 1
    client.post(
        reverse("studio:course_import"), {"track": track.pk, "checked": checked_token(page), "import": ""}
    )
    course = Course.objects.exclude(pk=live.pk).get()
    first_lesson = Lesson.objects.filter(module__course=course).order_by("order").first()
    assert (first_lesson.title, first_lesson.body) == ("开店准备", "原来的正文")


def test_a_zip_with_a_missing_lesson_file_is_refused_and_writes_nothing(client, editor, track):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("outline.txt", "title: 新课\nsummary: 简介\n## 单元\n01-a.md\n02-missing.md\n")
        archive.writestr("01-a.md", "# 第一课\n\n正文")
    client.force_login(editor)
    response = client.post(
        reverse("studio:course_import"),
        {"track": track.pk, "file": upload(out.getvalue(), "course.zip"), "import": ""},
    )
    assert response.status_code == 400
    assert "outline.txt line 5: 02-missing.md: no such file in the zip" in response.content.decode()
    assert not Course.objects.exists()
