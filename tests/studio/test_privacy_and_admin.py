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


def test_a_track_editor_cannot_change_a_published_lesson_in_the_admin(client, live, editor):
    editor.is_staff = True
    editor.save()
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="courses", codename__in=["view_lesson", "change_lesson", "delete_lesson"]
        )
    )
    lesson = lessons_of(live)[0]
    data = {
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
    client.force_login(editor)
    client.post(reverse("admin:courses_lesson_change", args=[lesson.pk]), data)
    client.post(reverse("admin:courses_lesson_delete", args=[lesson.pk]), {"post": "yes"})
    assert Lesson.objects.get(pk=lesson.pk).body == "原来的正文"
