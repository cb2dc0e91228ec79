"""The publisher's review: the queue of submitted revisions of their tracks, the diff lesson by
lesson, a comment per lesson, sending back with comments, publishing with a changelog."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses import revisions
from courses.models import CourseRevision, RevisionComment
from tests import factories
from tests.studio.conftest import lessons_of


@pytest.fixture
def submitted(live, editor):
    """A revision that edits the first lesson, removes the second, adds one and a question."""
    first, second = lessons_of(live)
    revision = revisions.revision_open(course=live, by=editor)
    revisions.lesson_edit(
        revision=revision, by=editor, key=f"l{first.pk}", title="开店准备", body="原来的正文，加上新的一句"
    )
    revisions.outline_delete(revision=revision, by=editor, key=f"l{second.pk}")
    module_key = revision.document["course"]["modules"][0]["key"]
    revisions.outline_add(
        revision=revision, by=editor, kind="lesson", title="直播带货", parent_key=module_key
    )
    quiz = revision.document["course"]["final_quiz"]
    revisions.outline_delete(revision=revision, by=editor, key=quiz["questions"][0]["key"])
    revisions.question_add(
        revision=revision,
        by=editor,
        quiz_key=quiz["key"],
        text="新的问题？",
        choices=["是", "否"],
        correct={1},
    )
    return revisions.revision_submit(revision=revision, by=editor)


def test_the_queue_lists_submitted_revisions_of_the_publishers_tracks(client, publisher, submitted):
    client.force_login(publisher)
    page = client.get(reverse("studio:review_queue")).content.decode()
    assert f'data-revision="{submitted.pk}"' in page


def test_the_diff_shows_changes_lesson_by_lesson(client, live, publisher, submitted):
    first, second = lessons_of(live)
    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[submitted.pk])).content.decode()
    assert f'id="diff-l{first.pk}" data-state="changed"' in page
    assert "<ins>，加上新的一句</ins>" in page
    assert f'id="diff-l{second.pk}" data-state="removed"' in page
    assert 'data-state="added"' in page and "直播带货" in page
    assert "<ins>新的问题？</ins>" in page
    assert "<del>" in page  # the removed question
    assert f'name="comment-l{first.pk}"' in page


def test_text_diff_escapes_and_marks_changes():
    assert revisions.text_diff("<b>旧</b> text", "<b>新</b> text") == (
        "&lt;b&gt;<del>旧</del><ins>新</ins>&lt;/b&gt; text"
    )


def test_send_back_with_comments_per_lesson_reaches_the_editor(client, live, editor, publisher, submitted):
    first = lessons_of(live)[0]
    client.force_login(publisher)
    response = client.post(
        reverse("studio:send_back", args=[submitted.pk]),
        {"general": "整体不错", f"comment-l{first.pk}": "第一课请补充图片"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CourseRevision.Status.RETURNED
    assert set(RevisionComment.objects.values_list("lesson_key", "text")) == {
        ("", "整体不错"),
        (f"l{first.pk}", "第一课请补充图片"),
    }
    client.force_login(editor)
    outline = client.get(reverse("studio:outline", args=[live.pk])).content.decode()
    assert "整体不错" in outline and "第一课请补充图片" in outline
    lesson_page = client.get(reverse("studio:lesson", args=[live.pk, f"l{first.pk}"])).content.decode()
    assert "第一课请补充图片" in lesson_page
    # The editor may change the returned revision and submit it again.
    revisions.revision_submit(revision=submitted, by=editor)


def test_send_back_needs_a_comment(client, publisher, submitted):
    client.force_login(publisher)
    client.post(reverse("studio:send_back", args=[submitted.pk]), {"general": " "})
    submitted.refresh_from_db()
    assert submitted.status == CourseRevision.Status.SUBMITTED


def test_a_publisher_of_another_track_cannot_publish(client, other_publisher, submitted):
    client.force_login(other_publisher)
    response = client.post(reverse("studio:publish", args=[submitted.pk]), {"changelog": "x"})
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == CourseRevision.Status.SUBMITTED


def test_an_editor_of_another_track_cannot_touch_the_course(client, live, other_editor):
    client.force_login(other_editor)
    for url in (
        reverse("studio:outline", args=[live.pk]),
        reverse("studio:export", args=[live.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("studio:revision_open", args=[live.pk])).status_code == 404
    assert not CourseRevision.objects.filter(course=live).exists()


def test_an_editor_cannot_publish_their_own_revision(client, editor, submitted):
    client.force_login(editor)
    assert client.post(reverse("studio:publish", args=[submitted.pk]), {"changelog": "x"}).status_code == 404


@pytest.mark.parametrize("lessons", [1, 20])
def test_review_pages_query_counts_are_constant(
    client, track, editor, publisher, lessons, django_assert_num_queries
):
    course = factories.course_with_lessons(lessons=lessons, track=track)
    revision = revisions.revision_open(course=course, by=editor)
    for node in revisions.document_lessons(revision.document):
        revisions.lesson_edit(revision=revision, by=editor, key=node["key"], title=node["title"], body="改过")
    revisions.revision_submit(revision=revision, by=editor)
    client.force_login(publisher)
    with django_assert_num_queries(4):
        assert client.get(reverse("studio:review_queue")).status_code == 200
    # The live document read for the diff includes the lessons' attachments (one query).
    with django_assert_num_queries(10):
        assert client.get(reverse("studio:review", args=[revision.pk])).status_code == 200


def test_the_changelog_of_a_published_revision_is_on_the_course_page(client, live, publisher, submitted):
    """What the publisher writes for learners shows on the catalogue page once published."""
    client.force_login(publisher)
    response = client.post(reverse("studio:publish", args=[submitted.pk]), {"changelog": "新增直播带货一课"})
    assert response.status_code == 302
    client.logout()
    page = client.get(reverse("catalogue:detail", args=[live.slug])).content.decode()
    assert 'id="changelog"' in page and "新增直播带货一课" in page
