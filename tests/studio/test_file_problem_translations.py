"""Every problem a course file can have is a translatable message: the import page shows it in
the editor's language. Checked by routing gettext through a marker."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import portability
from studio import markdown_zip


@pytest.fixture
def marked(monkeypatch):
    """gettext and ngettext replaced by functions that mark what they translate."""
    monkeypatch.setattr(portability, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(portability, "ngettext", lambda one, many, n: f"«{one if n == 1 else many}»")
    monkeypatch.setattr(markdown_zip, "_", lambda text: f"«{text}»")


def broken_document() -> dict:
    """A document with one of each kind of problem."""
    return {
        "format_version": 99,
        "course": {
            "slug": "Not A Slug",
            "title": "x" * 201,
            "summary": "",
            "level": "expert",
            "language": "zh-hans",
            "estimated_hours": "ten",
            "delivery_modes": ["by-post"],
            "track": {"slug": "t", "name": 3},
            "modules": [
                {
                    "title": "单元",
                    "lessons": [
                        "not a lesson",
                        {"title": "课", "kind": "reading", "video_url": "ftp://x", "duration_minutes": -1},
                    ],
                    "quiz": {
                        "title": "测验",
                        "pass_mark": 60,
                        "shuffle": "yes",
                        "questions": [
                            {"text": "题", "kind": "single", "choices": [{"text": "甲"}, {"text": "乙"}]},
                            {
                                "text": "题二",
                                "kind": "single",
                                "choices": [
                                    {"text": "甲", "is_correct": True},
                                    {"text": "乙", "is_correct": True},
                                ],
                            },
                        ],
                    },
                }
            ],
            "final_quiz": {"title": "结业", "pass_mark": 60, "questions": []},
        },
    }


def test_every_course_document_problem_goes_through_gettext(marked):
    problems = portability.course_document_problems(broken_document())
    assert len(problems) >= 15
    for problem in problems:
        _path, _sep, message = problem.partition(": ")
        assert message.startswith("«") and message.endswith("»"), problem
    assert "course.final_quiz.questions: «needs at least 1 item»" in problems
    assert "course.estimated_hours: «must be a whole number»" in problems


def test_the_import_page_shows_the_translated_problems_of_a_json_file(client, editor, track, marked):
    client.force_login(editor)
    upload = SimpleUploadedFile("broken.json", json.dumps(broken_document()).encode())
    response = client.post(reverse("studio:course_import"), {"track": track.pk, "file": upload, "check": ""})
    assert response.status_code == 400
    assert "format_version: «must be 1 (got 99)»" in response.content.decode()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a zip", ["«the file is not a zip archive»"]),
        (zip_of({"a.md": b"# a"}), ["«outline.txt: missing»"]),
        (
            zip_of(
                {
                    "outline.txt": "title: 课\nstray.md\n## 单元\n01.md\n02.md\n03.md\n".encode(),
                    "01.md": "没有标题".encode(),
                    "02.md": b"\xff\xfe\x00",
                }
            ),
            [
                "«outline.txt line 2: a lesson file before any “## module” line»",
                "«01.md: the first line must be “# Lesson title”»",
                "«02.md: not UTF-8 text»",
                "«outline.txt line 6: 03.md: no such file in the zip»",
            ],
        ),
    ],
)
def test_every_markdown_zip_problem_goes_through_gettext(marked, data, expected):
    with pytest.raises(portability.CourseFileError) as error:
        markdown_zip.document_from_zip(data)
    assert sorted(error.value.problems) == sorted(expected)


def test_problems_read_in_english_by_default():
    """Without the marker: named placeholders are filled in."""
    with pytest.raises(portability.CourseFileError) as error:
        markdown_zip.document_from_zip(zip_of({"outline.txt": b"## a\nmissing.md\n"}))
    assert error.value.problems == ["outline.txt line 2: missing.md: no such file in the zip"]
