"""The review shows everything publishing would change: a course never published shows as all
new (its modules, its lessons with their text, its quizzes and questions), and a revision's
changes to the course's details, to module and quiz titles and settings and to questions are listed with
the old and new text."""

from __future__ import annotations

import copy
import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import revisions
from courses.models import Course
from courses.portability import course_export


def _section(page: str, hook: str, end: str) -> str:
    start = page.index(hook)
    return page[start : page.index(end, start)]


def _side(html: str, drop: str) -> str:
    """The text of one side of a diff: ``drop`` "del" gives the new text, "ins" the old."""
    return re.sub(r"<[^>]+>", "", re.sub(rf"<{drop}>.*?</{drop}>", "", html, flags=re.DOTALL))


def _states(page: str) -> list[str]:
    return re.findall(r' data-state="(\w+)"', page)


def _node_states(page: str) -> list[str]:
    return re.findall(r'data-node-state="(\w+)"', page)


def _review(client, publisher, revision) -> str:
    client.force_login(publisher)
    response = client.get(reverse("studio:review", args=[revision.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _course_file(live: Course) -> dict:
    """A course file of two modules (the second with its own quiz) and a final quiz."""
    document = course_export(course=live)
    data = document["course"]
    data["slug"], data["title"] = "imported-course", "导入的课程"
    data["modules"][0]["lessons"][0]["body"] = "外部导入正文：商品拍摄的三个要点"
    second = copy.deepcopy(data["modules"][0])
    second["title"] = "第二单元：直播"
    second["lessons"] = second["lessons"][:1]
    second["lessons"][0].update(title="直播准备", body="直播前检查网络和灯光")
    second["quiz"] = copy.deepcopy(data["final_quiz"])
    second["quiz"]["title"] = "直播小测"
    second["quiz"]["questions"][0]["text"] = "直播前要检查什么？"
    data["modules"].append(second)
    return document


def test_an_imported_course_is_reviewed_as_all_new(client, live, track, editor, publisher):
    document = _course_file(live)
    client.force_login(editor)
    upload = SimpleUploadedFile("c.json", json.dumps(document).encode(), content_type="application/json")
    checked = client.post(reverse("studio:course_import"), {"track": track.pk, "file": upload, "check": ""})
    assert checked.status_code == 200
    token = re.search(r'name="checked" value="([^"]+)"', checked.content.decode())[1]
    response = client.post(
        reverse("studio:course_import"), {"track": track.pk, "checked": token, "import": ""}
    )
    assert response.status_code == 302
    course = Course.objects.get(title="导入的课程")
    revision = revisions.open_revision(course=course)
    assert client.post(reverse("studio:submit", args=[course.pk])).status_code == 302

    page = _review(client, publisher, revision)
    data = document["course"]
    lessons = [lesson for module in data["modules"] for lesson in module["lessons"]]
    assert _states(page) == ["added"] * len(lessons) == ["added"] * 3
    lesson_list = _section(page, 'class="studio-diff"', "</ol>")
    for lesson in lessons:
        assert lesson["title"] in lesson_list
        assert lesson["body"] and lesson["body"] in _side(lesson_list, "del")
    assert "<ins>外部导入正文" in lesson_list
    # Every module and quiz is new to learners, and every question.
    nodes = _section(page, 'id="nodes-diff"', "</ul>")
    assert _node_states(page) == ["added"] * 4
    for title in [module["title"] for module in data["modules"]] + ["直播小测", data["final_quiz"]["title"]]:
        assert f"<ins>{title}</ins>" in nodes, title
    questions = [q["text"] for q in data["final_quiz"]["questions"] + data["modules"][1]["quiz"]["questions"]]
    assert all(f"<ins>{text}</ins>" in page for text in questions)
    assert 'id="first-publication"' in page
    details = _section(page, 'id="details-diff"', "</dl>")
    assert "导入的课程" in _side(details, "del") and "<del>" not in details
    assert 'id="live-title"' not in page
    assert 'id="outline-changed"' not in page


def test_a_course_never_published_shows_nothing_to_learners(client, live, track, editor):
    """What "added" rests on: learners find no trace of a draft course."""
    revision = revisions.course_import_draft(document=_course_file(live), track=track, by=editor)
    course = revision.course
    assert course.published_at is None and course.status == Course.Status.DRAFT
    assert not Course.objects.published().filter(pk=course.pk).exists()
    assert client.get(reverse("catalogue:detail", args=[course.slug])).status_code == 404


def test_changes_to_the_details_and_to_module_and_quiz_titles_are_shown(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    course = revision.document["course"]
    old_title, old_summary = course["title"], course["summary"]
    old_module, old_quiz = course["modules"][0]["title"], course["final_quiz"]["title"]
    assert course["level"] != Course.Level.ADVANCED
    revisions.course_details_edit(
        revision=revision,
        by=editor,
        title="全新的课程名",
        summary="新的摘要",
        level=Course.Level.ADVANCED,
        estimated_hours=course["estimated_hours"],
        description=course["description"],
    )
    revisions.outline_rename(
        revision=revision, by=editor, key=course["modules"][0]["key"], title="改名的单元"
    )
    revisions.outline_rename(
        revision=revision, by=editor, key=course["final_quiz"]["key"], title="改名的结业测验"
    )
    revisions.revision_submit(revision=revision, by=editor)

    page = _review(client, publisher, revision)
    details = _section(page, 'id="details-diff"', "</dl>")
    assert "<ins>" in details and "<del>" in details
    new, old = _side(details, "del"), _side(details, "ins")
    for text in ("全新的课程名", "新的摘要", "Advanced"):
        assert text in new, text
    for text in (old_title, old_summary, str(Course.Level(live.level).label)):
        assert text in old, text
    nodes = _section(page, 'id="nodes-diff"', "</ul>")
    assert _node_states(page) == ["changed", "changed"]
    assert "改名的单元" in _side(nodes, "del") and old_module in _side(nodes, "ins")
    assert "改名的结业测验" in _side(nodes, "del") and old_quiz in _side(nodes, "ins")
    assert 'id="first-publication"' not in page
    heading = _section(page, "<h1>", "</h1>")
    assert heading.startswith("<h1>全新的课程名 #")
    assert old_title in _section(heading, 'id="live-title"', "</small>")


def test_changed_quiz_settings_are_shown(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    quiz = revision.document["course"]["final_quiz"]
    quiz.update(pass_mark=80, max_attempts=2)
    revision.save(update_fields=["document"])
    revisions.revision_submit(revision=revision, by=editor)

    page = _review(client, publisher, revision)
    node = _section(page, f'id="node-{quiz["key"]}"', "</li>")
    assert "Pass mark (%)" in node and "Attempts allowed" in node
    assert "<ins>80</ins>" in node and "<ins>2</ins>" in node and "<del>Unlimited</del>" in node
    assert "Shuffle" not in node  # unchanged settings are not listed


def test_an_unchanged_revision_lists_no_details(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    revisions.revision_submit(revision=revision, by=editor)
    page = _review(client, publisher, revision)
    assert 'id="details-diff"' not in page and 'id="nodes-diff"' not in page
    assert 'id="live-title"' not in page
    assert set(_states(page)) == {"unchanged"}


def test_only_the_changed_detail_is_listed(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    course = revision.document["course"]
    revisions.course_details_edit(
        revision=revision,
        by=editor,
        title=course["title"],
        summary="只改了摘要",
        level=course["level"],
        estimated_hours=course["estimated_hours"],
        description=course["description"],
    )
    revisions.revision_submit(revision=revision, by=editor)
    details = _section(_review(client, publisher, revision), 'id="details-diff"', "</dl>")
    assert re.findall(r"<dt>([^<]+)</dt>", details) == ["Summary"]


def test_a_title_with_markup_is_escaped_in_the_review(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    course = revision.document["course"]
    revisions.course_details_edit(
        revision=revision,
        by=editor,
        title="<script>alert(1)</script>课程",
        summary=course["summary"],
        level=course["level"],
        estimated_hours=course["estimated_hours"],
        description=course["description"],
    )
    key = course["modules"][0]["key"]
    revisions.outline_rename(revision=revision, by=editor, key=key, title="<script>alert(2)</script>单元")
    revisions.revision_submit(revision=revision, by=editor)
    page = _review(client, publisher, revision)
    assert "<script>alert" not in page
    details = _section(page, 'id="details-diff"', "</dl>")
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;课程</ins>" in details
    assert "&lt;script&gt;alert(2)" in _section(page, 'id="nodes-diff"', "</ul>")


def test_a_changed_question_shows_its_text_explanation_and_choices_changes(client, live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    question = revision.document["course"]["final_quiz"]["questions"][0]
    old_text = question["text"]
    question["text"] = old_text + "（单选）"
    question["explanation"] = "看详情页的卖点"
    question["choices"][0]["text"] = "改写的选项"
    for choice in question["choices"]:
        choice["is_correct"] = not choice["is_correct"]
    revision.save(update_fields=["document"])
    revisions.revision_submit(revision=revision, by=editor)

    page = _review(client, publisher, revision)
    questions = _section(page, "<h2>Questions</h2>", "</ul>")
    changed = _section(questions, 'class="diff-changed"', "</li>")
    assert "<ins>（单选）</ins>" in changed and _side(changed.split("<dl")[0], "ins").count(old_text) == 1
    assert "<dt>Explanation</dt>" in changed and "<ins>看详情页的卖点</ins>" in changed
    assert "<dt>Choices</dt>" in changed and "改写的选项" in _side(changed, "del")
    assert "✓ correct" in _side(changed, "del") and "<dt>Kind</dt>" not in changed


def test_a_question_with_a_choice_added_lists_only_its_choices(client, live, editor, publisher):
    """A question whose choices alone changed shows its text unmarked and only the choices."""
    revision = revisions.revision_open(course=live, by=editor)
    question = revision.document["course"]["final_quiz"]["questions"][0]
    question["choices"].append({"text": "新增的选项", "is_correct": False})
    revision.save(update_fields=["document"])
    revisions.revision_submit(revision=revision, by=editor)

    changed = _section(
        _section(_review(client, publisher, revision), "<h2>Questions</h2>", "</ul>"),
        'class="diff-changed"',
        "</li>",
    )
    head = changed.split("<dl")[0]
    assert "<ins>" not in head and "<del>" not in head
    assert "<dt>Choices</dt>" in changed and "<ins>" in changed and "新增的选项" in changed
    assert "<dt>Explanation</dt>" not in changed
