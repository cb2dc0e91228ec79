"""The sweep of orphaned lesson media (studio.media_sweep): through the ``media_sweep`` command
and the daily ``studio.tasks.media_sweep`` task. A file a learner can reach (a live video, a live
attachment, a picture in a published body) or an open draft names is never deleted; a file
nothing names goes once it is older than a day; a fresh one stays."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from courses import revisions
from courses.models import Course, Lesson, LessonAttachment
from studio import media_sweep, services, tasks
from talentportal.celery import app as celery_app
from tests.studio.conftest import lessons_of

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2_000
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 1_000
TWO_DAYS = 2 * 24 * 3600


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def stored(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def age(root: Path, *names: str, seconds: int = TWO_DAYS) -> None:
    """Make the stored files ``names`` look uploaded ``seconds`` ago."""
    then = time.time() - seconds
    for name in names:
        os.utime(root / name, (then, then))


def age_all(root: Path) -> None:
    age(root, *stored(root))


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("media_sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def published_media(live, editor, publisher, django_capture_on_commit_callbacks):
    """``live``'s first lesson with a video, an attachment and a picture in its body, uploaded
    to a draft and published through the studio's services: what a learner reaches."""
    draft = revisions.revision_open(course=live, by=editor)
    key = f"l{lessons_of(live)[0].pk}"
    services.lesson_video_upload(revision=draft, by=editor, key=key, upload=SimpleUploadedFile("v.mp4", MP4))
    services.lesson_attachment_upload(
        revision=draft, by=editor, key=key, upload=SimpleUploadedFile("讲义.pdf", PDF), title="讲义"
    )
    image = services.lesson_image_store(course=live, data=picture())
    revisions.lesson_edit(
        revision=draft, by=editor, key=key, title="开店准备", body=f"看图：\n\n![店铺首页]({image.url})"
    )
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_submit(revision=draft, by=editor)
        revisions.revision_publish(revision=draft, by=publisher, changelog="加了视频")
    lesson = lessons_of(live)[0]
    attachment = LessonAttachment.objects.get(lesson=lesson)
    assert lesson.video_file.name and image.url in lesson.body_html
    return {
        "video": lesson.video_file.name,
        "attachment": attachment.file.name,
        "image": image.url.removeprefix(django_settings.MEDIA_URL),
    }


def test_the_command_keeps_what_learners_and_drafts_reach_and_deletes_old_orphans(
    live, track, editor, publisher, published_media, _media, django_capture_on_commit_callbacks
):
    # An open draft of the live course: a new video and a picture only the draft names.
    draft = revisions.revision_open(course=live, by=editor)
    second = f"l{lessons_of(live)[1].pk}"
    services.lesson_video_upload(
        revision=draft, by=editor, key=second, upload=SimpleUploadedFile("new.mp4", MP4)
    )
    draft_image = services.lesson_image_store(course=live, data=picture())
    revisions.lesson_edit(
        revision=draft, by=editor, key=second, title="商品上架", body=f"![图]({draft_image.url})"
    )
    draft.refresh_from_db()
    draft_video = draft.document["course"]["modules"][0]["lessons"][1]["video_file"]

    # A picture taken out of the text again, in the same draft: nothing names it any more.
    dropped_image = services.lesson_image_store(course=live, data=picture())
    revisions.lesson_edit(
        revision=draft, by=editor, key=second, title="商品上架", body=f"![图]({dropped_image.url})"
    )
    revisions.lesson_edit(
        revision=draft, by=editor, key=second, title="商品上架", body=f"![图]({draft_image.url})"
    )

    # A discarded draft: a new course with an attachment, deleted before it was ever published.
    discarded = revisions.course_create(track=track, title="被放弃的课", summary="草稿", by=editor)
    module = revisions.outline_add(revision=discarded, by=editor, kind="module", title="第一章")
    lesson_key = revisions.outline_add(
        revision=discarded, by=editor, kind="lesson", title="第一课", parent_key=module
    )
    services.lesson_attachment_upload(
        revision=discarded, by=editor, key=lesson_key, upload=SimpleUploadedFile("x.pdf", PDF)
    )
    discarded.refresh_from_db()
    discarded_file = discarded.document["course"]["modules"][0]["lessons"][0]["attachments"][0]["file"]
    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.filter(pk=discarded.course_id).delete()

    # A video put in through the admin (its own upload_to folder) on a live lesson.
    admin_lesson = lessons_of(live)[1]
    admin_lesson.video_file.save("admin.mp4", ContentFile(MP4), save=True)

    age_all(_media)
    # A fresh orphan: an upload whose draft has not saved its name yet.
    fresh = default_storage.save(f"lessons/videos/{live.pk}/uploading.mp4", ContentFile(MP4))

    orphans = {
        f"studio/images/{live.pk}/{os.path.basename(dropped_image.url)}",
        discarded_file,
    }
    kept = {
        *published_media.values(),
        draft_video,
        draft_image.url.removeprefix(django_settings.MEDIA_URL),
        admin_lesson.video_file.name,
        fresh,
    }
    assert admin_lesson.video_file.name.startswith("lessons/videos/20")
    assert stored(_media) == orphans | kept

    freed = sum((_media / name).stat().st_size for name in orphans)
    output = sweep("--dry-run")
    assert {line.split()[2] for line in output.splitlines() if line.endswith(" bytes)")} == orphans
    assert f"Would delete 2 file(s) and free {freed} bytes" in output
    assert stored(_media) == orphans | kept  # a dry run deletes nothing

    output = sweep()
    assert f"Deleted 2 file(s), freed {freed} bytes" in output
    assert "younger than 24 h" in output
    assert stored(_media) == kept

    assert "Deleted 0 file(s), freed 0 bytes" in sweep()  # twice is harmless
    assert stored(_media) == kept

    # The learner's lesson still plays and downloads what it names.
    lesson = lessons_of(live)[0]
    assert lesson.video_file.storage.exists(lesson.video_file.name)
    assert Lesson.objects.filter(video_file=draft_video).count() == 0  # only the draft names it


def test_a_fresh_orphan_stays_until_it_is_a_day_old(live, _media):
    name = default_storage.save(f"studio/images/{live.pk}/half-written.jpg", ContentFile(b"x" * 500))
    age(_media, name, seconds=23 * 3600)
    assert "Deleted 0 file(s)" in sweep()
    assert stored(_media) == {name}
    age(_media, name, seconds=25 * 3600)
    assert "Deleted 1 file(s), freed 500 bytes" in sweep()
    assert stored(_media) == set()


def test_the_daily_task_is_scheduled_and_idempotent(live, _media, settings):
    assert "studio.tasks.media_sweep" in celery_app.tasks
    assert any(
        entry["task"] == "studio.tasks.media_sweep" for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    orphan = default_storage.save(f"lessons/attachments/{live.pk}/old.pdf", ContentFile(PDF))
    kept = default_storage.save(f"lessons/attachments/{live.pk}/named.pdf", ContentFile(PDF))
    LessonAttachment.objects.create(lesson=lessons_of(live)[0], title="讲义", file=kept, size=len(PDF))
    age_all(_media)

    assert tasks.media_sweep.delay().get() == 1
    assert stored(_media) == {kept} and orphan != kept
    assert tasks.media_sweep.delay().get() == 0
    assert stored(_media) == {kept}


def test_a_file_another_sweep_deleted_first_is_no_error(live, _media, monkeypatch):
    name = default_storage.save(f"lessons/videos/{live.pk}/gone.mp4", ContentFile(MP4))
    age_all(_media)
    real = media_sweep.referenced_names

    def other_sweep_first():
        default_storage.delete(name)  # a concurrent sweep got there between listing and deleting
        return real()

    monkeypatch.setattr(media_sweep, "referenced_names", other_sweep_first)
    assert tasks.media_sweep.delay().get() == 0  # the other sweep deleted it: nothing left to do
    assert stored(_media) == set()


def test_a_name_in_a_course_description_or_a_question_is_kept(live, _media):
    image = default_storage.save(f"studio/images/{live.pk}/cover.jpg", ContentFile(b"x" * 100))
    other = default_storage.save(f"studio/images/{live.pk}/quiz.jpg", ContentFile(b"x" * 100))
    Course.objects.filter(pk=live.pk).update(description=f"![封面]({default_storage.url(image)})")
    question = live.quizzes.first().questions.first()
    question.text = f"这张图是什么？ ![题图]({default_storage.url(other)})"
    question.save()
    age_all(_media)
    assert "Deleted 0 file(s)" in sweep()
    assert stored(_media) == {image, other}


def test_a_draft_names_a_file_with_a_space_exactly(live, editor, _media):
    name = default_storage.save("lessons/videos/2026/03/我的 视频.mp4", ContentFile(MP4))
    draft = revisions.revision_open(course=live, by=editor)
    revisions.lesson_video_set(
        revision=draft, by=editor, key=f"l{lessons_of(live)[0].pk}", name=name, size=len(MP4)
    )
    assert not Lesson.objects.filter(video_file=name).exists()  # only the draft names it
    age_all(_media)
    assert "Deleted 0 file(s)" in sweep()
    assert stored(_media) == {name}
