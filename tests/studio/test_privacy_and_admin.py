"""Authorship is personal data: the export lists what an editor or publisher wrote and did, the
deletion of the account takes their name off it. And the admin never lets a track's editor
change a published course's lessons (only a publisher may: courses.admin.LiveContentAdminMixin)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses import revisions
from courses.models import CourseRevision, Lesson, RevisionComment, StudioAuditEntry, TrackRole
from tests import factories
from tests.studio.conftest import lessons_of


@pytest.fixture
def history(live, editor, publisher):
    revision = revisions.revision_open(course=live, by=editor)
    revisions.revision_submit(revision=revision, by=editor)
    revisions.revision_send_back(revision=revision, by=publisher, comments={}, general="请补充案例")
    return revision


def test_the_export_lists_what_the_editor_and_the_publisher_wrote(client, editor, publisher, history):
    client.force_login(publisher)
    authoring = json.loads(client.get(reverse("privacy:data_export")).content)["authoring"]
    assert authoring["track_roles"] == [{"track": "农村电商", "role": "publisher"}]
    assert [c["text"] for c in authoring["review_comments"]] == ["请补充案例"]
    assert {a["action"] for a in authoring["studio_actions"]} == {"send_back"}
    client.force_login(editor)
    authoring = json.loads(client.get(reverse("privacy:data_export")).content)["authoring"]
    assert authoring["revisions"][0]["created"] and authoring["revisions"][0]["submitted"]
    assert authoring["review_comments"] == []


def test_deleting_the_account_takes_the_name_off_revisions_and_comments(
    client, editor, publisher, history, django_capture_on_commit_callbacks
):
    client.force_login(publisher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": factories.PASSWORD})
    comment = RevisionComment.objects.get()
    assert comment.author is None and comment.text == "请补充案例"
    assert not TrackRole.objects.filter(user=publisher).exists()
    assert not StudioAuditEntry.objects.filter(user=publisher).exists()
    assert CourseRevision.objects.get(pk=history.pk).created_by == editor


def _admin_lesson_form(lesson) -> dict:
    return {
        "module": lesson.module_id,
        "order": lesson.order,
        "title": lesson.title,
        "kind": lesson.kind,
        "body": "绕过审核的正文",
        "video_url": "",
        "duration_minutes": lesson.duration_minutes,
        "is_required": "on",
        "attachments-TOTAL_FORMS": 0,
        "attachments-INITIAL_FORMS": 0,
        "attachments-MIN_NUM_FORMS": 0,
        "attachments-MAX_NUM_FORMS": 1000,
    }


def _admin_staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    )
    return user


def test_a_track_editor_cannot_change_a_published_lesson_in_the_admin(client, live, editor):
    _admin_staff(editor, "view_lesson", "change_lesson", "delete_lesson")
    lesson = lessons_of(live)[0]
    client.force_login(editor)
    page = client.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()  # read only
    response = client.post(
        reverse("admin:courses_lesson_change", args=[lesson.pk]), _admin_lesson_form(lesson)
    )
    assert response.status_code == 302
    client.post(reverse("admin:courses_lesson_delete", args=[lesson.pk]), {"post": "yes"})
    assert Lesson.objects.get(pk=lesson.pk).body == "原来的正文"


def test_the_same_admin_change_goes_through_for_a_publisher(client, live, publisher):
    """The control of the test above: the form it sends is a valid change."""
    _admin_staff(publisher, "view_lesson", "change_lesson", "publish_course")
    lesson = lessons_of(live)[0]
    client.force_login(publisher)
    response = client.post(
        reverse("admin:courses_lesson_change", args=[lesson.pk]), _admin_lesson_form(lesson)
    )
    assert response.status_code == 302
    assert Lesson.objects.get(pk=lesson.pk).body == "绕过审核的正文"


def test_a_video_and_an_attachment_uploaded_in_the_admin_carry_their_size(
    client, live, publisher, settings, tmp_path
):
    """The studio shows the sizes the rows hold: the admin's uploads record theirs too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    _admin_staff(publisher, "view_lesson", "change_lesson", "publish_course", "add_lessonattachment")
    lesson = lessons_of(live)[0]
    client.force_login(publisher)
    form = _admin_lesson_form(lesson) | {
        "video_file": SimpleUploadedFile("clip.mp4", b"\0\0\0\x18ftypmp42" + b"v" * 4000, "video/mp4"),
        "attachments-TOTAL_FORMS": 1,
        "attachments-0-title": "讲义",
        "attachments-0-file": SimpleUploadedFile("notes.pdf", b"%PDF-1.4 " + b"p" * 2500, "application/pdf"),
    }
    response = client.post(reverse("admin:courses_lesson_change", args=[lesson.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson.refresh_from_db()
    assert lesson.video_size == 4012
    assert list(lesson.attachments.values_list("size", flat=True)) == [2509]
