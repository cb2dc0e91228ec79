"""The review shows everything publishing would change: a course never published shows as all
new (lessons with their text, questions), and a revision's changes to the course's details and
to module and quiz titles are listed with the old and new text."""

from __future__ import annotations

import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import revisions
from courses.models import Course
from courses.portability import course_export


def _side(html: str, drop: str) -> str:
    """The text of one side of a diff: ``drop`` "del" gives the new text, "ins" the old."""
    return re.sub(r"<[^>]+>", "", re.sub(rf"<{drop}>.*?</{drop}>", "", html))


def _states(page: str) -> list[str]:
    return re.findall(r'data-state="(\w+)"', page)


def test_an_imported_course_is_reviewed_as_all_new(client, live, track, editor, publisher):
    document = course_export(course=live)
    document["course"]["slug"] = "imported-course"
    document["course"]["title"] = "导入的课程"
    lessons = document["course"]["modules"][0]["lessons"]
    lessons[0]["body"] = "外部导入正文：商品拍摄的三个要点"
    client.force_login(editor)
    upload = SimpleUploadedFile("c.json", json.dumps(document).encode(), content_type="application/json")
    response = client.post(
        reverse("studio:course_import"), {"track": track.pk, "file": upload, "import": "1"}
    )
    assert response.status_code == 302
    course = Course.objects.get(title="导入的课程")
    revision = revisions.open_revision(course=course)
    client.post(reverse("studio:submit", args=[course.pk]))

    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert _states(page) == ["added"] * len(lessons)
    assert "外部导入正文：商品拍摄的三个要点" in page
    assert 'id="first-publication"' in page
    questions = document["course"]["final_quiz"]["questions"]
    assert questions and all(question["text"] in page for question in questions)
    assert "导入的课程" in page[page.index('id="details-diff"') :]


def test_changes_to_the_details_and_to_module_and_quiz_titles_are_shown(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    course = revision.document["course"]
    old_title, old_module = course["title"], course["modules"][0]["title"]
    revisions.course_details_edit(
        revision=revision,
        by=editor,
        title="全新的课程名",
        summary="新的摘要",
        level=course["level"],
        estimated_hours=7,
        description=course["description"],
    )
    revisions.outline_rename(
        revision=revision, by=editor, key=course["modules"][0]["key"], title="改名的单元"
    )
    revisions.outline_rename(
        revision=revision, by=editor, key=course["final_quiz"]["key"], title="改名的结业测验"
    )
    revisions.revision_submit(revision=revision, by=editor)

    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    details = page[page.index('id="details-diff"') : page.index("</dl>", page.index('id="details-diff"'))]
    assert "<ins>" in details and "<del>" in details
    new, old = _side(details, "del"), _side(details, "ins")
    for text in ("全新的课程名", "新的摘要", "7", "改名的单元", "改名的结业测验"):
        assert text in new, text
    assert old_title in old and old_module in old
    assert "Description" not in details  # unchanged details are not listed
    assert 'id="first-publication"' not in page
    assert "<h1>全新的课程名 #" in page


def test_an_unchanged_revision_lists_no_details(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    revisions.revision_submit(revision=revision, by=editor)
    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert 'id="details-diff"' not in page
    assert set(_states(page)) == {"unchanged"}


def test_a_title_with_markup_is_escaped_in_the_review(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    key = revision.document["course"]["modules"][0]["key"]
    revisions.outline_rename(revision=revision, by=editor, key=key, title="<script>alert(1)</script>单元")
    revisions.revision_submit(revision=revision, by=editor)
    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[revision.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
