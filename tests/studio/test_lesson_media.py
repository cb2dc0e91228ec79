"""Lesson media in the studio: an uploaded video with its size (MP4/WebM, ≤ 50 MB) and
attachments (PDF, DOCX, XLSX, PPTX, ZIP, ≤ 20 MB) go into the draft, reach learners when the
revision is published, and leave storage with their rows. Hostile files are refused with a
message and nothing is stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import revisions
from courses.models import Course, Lesson, LessonAttachment, StudioAuditEntry
from enrollment.models import Enrollment
from studio import services
from tests import factories
from tests.studio.conftest import lessons_of

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400_000
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 3000


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def stored_files(root: Path) -> list[str]:
    folder = root / "lessons"
    return (
        sorted(str(path.relative_to(root)) for path in folder.rglob("*") if path.is_file())
        if folder.exists()
        else []
    )


@pytest.fixture
def draft(live, editor):
    return revisions.revision_open(course=live, by=editor)


@pytest.fixture
def lesson(live):
    return lessons_of(live)[0]


def media_url(course, lesson) -> str:
    return reverse("studio:lesson_media", args=[course.pk, f"l{lesson.pk}"])


def lesson_node(draft) -> dict:
    draft.refresh_from_db()
    return draft.document["course"]["modules"][0]["lessons"][0]


def publish(client, course, editor, publisher) -> None:
    client.force_login(editor)
    assert client.post(reverse("studio:submit", args=[course.pk])).status_code == 302
    revision = revisions.open_revision(course=course)
    client.force_login(publisher)
    client.post(reverse("studio:publish", args=[revision.pk]), {"changelog": "加了视频和讲义"})
    revision.refresh_from_db()
    assert revision.status == "published"


def test_an_uploaded_video_shows_its_size_and_reaches_learners_when_published(
    client, live, draft, lesson, editor, publisher, learner, _media, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    response = client.post(
        media_url(live, lesson),
        {"action": "video", "file": SimpleUploadedFile("第一课.mp4", MP4, content_type="video/mp4")},
        follow=True,
    )
    page = response.content.decode()
    assert "Video added (390.6\xa0KB) to the draft." in page
    assert 'id="current-video"' in page and "390.6\xa0KB" in page
    node = lesson_node(draft)
    assert node["video_size"] == len(MP4) and node["kind"] == "video"
    assert node["video_file"].startswith(f"lessons/videos/{live.pk}/") and "第一课" not in node["video_file"]
    assert StudioAuditEntry.objects.filter(course=live, action="add_video", user=editor).exists()
    assert not Lesson.objects.get(pk=lesson.pk).video_file  # learners do not see it yet

    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    lesson.refresh_from_db()
    assert (lesson.video_file.name, lesson.video_size) == (node["video_file"], len(MP4))
    assert stored_files(_media) == [node["video_file"]]
    factories.EnrollmentFactory(learner=learner, course=live, status=Enrollment.Status.ACTIVE)
    client.force_login(learner)
    page = client.get(reverse("learn:lesson", args=[live.slug, lesson.pk])).content.decode()
    assert f'src="{lesson.video_file.url}"' in page


def test_attachments_are_listed_with_their_size_and_downloadable_once_published(
    client, live, draft, lesson, editor, publisher, learner, _media, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    url = media_url(live, lesson)
    client.post(
        url,
        {"action": "attachment", "title": "开店讲义", "file": SimpleUploadedFile("handout.pdf", PDF)},
    )
    client.post(
        url,
        {
            "action": "attachment",
            "title": "",
            "file": SimpleUploadedFile("价格表.xlsx", office_file("xl/workbook.xml")),
        },
    )
    node = lesson_node(draft)
    assert [(a["title"], a["size"], a["id"]) for a in node["attachments"]] == [
        ("开店讲义", len(PDF), None),
        ("价格表", len(office_file("xl/workbook.xml")), None),
    ]
    page = client.get(reverse("studio:lesson", args=[live.pk, f"l{lesson.pk}"])).content.decode()
    assert 'id="attachments-weight"' in page and "2 attachments" in page
    assert "开店讲义" in page and "3.0\xa0KB" in page
    assert not LessonAttachment.objects.exists()
    diff = client.get(reverse("studio:outline", args=[live.pk]))
    assert diff.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    rows = list(LessonAttachment.objects.filter(lesson=lesson).order_by("pk"))
    assert [(row.title, row.size) for row in rows] == [
        ("开店讲义", len(PDF)),
        ("价格表", len(office_file("xl/workbook.xml"))),
    ]
    assert [row.file.name for row in rows] == [a["file"] for a in node["attachments"]]
    assert all(row.file.storage.exists(row.file.name) for row in rows)
    factories.EnrollmentFactory(learner=learner, course=live, status=Enrollment.Status.ACTIVE)
    client.force_login(learner)
    page = client.get(reverse("learn:lesson", args=[live.slug, lesson.pk])).content.decode()
    for row in rows:
        assert f'<a href="{row.file.url}" download>{row.title}</a>' in page


def test_the_review_diff_names_the_changed_video_and_attachments(
    client, live, draft, lesson, editor, publisher
):
    client.force_login(editor)
    client.post(media_url(live, lesson), {"action": "video", "file": SimpleUploadedFile("a.mp4", MP4)})
    client.post(media_url(live, lesson), {"action": "attachment", "file": SimpleUploadedFile("a.pdf", PDF)})
    revisions.revision_submit(revision=draft, by=editor)
    client.force_login(publisher)
    page = client.get(reverse("studio:review", args=[draft.pk])).content.decode()
    assert "video file" in page and "attachments" in page


@pytest.mark.parametrize(
    ("action", "name", "content", "message"),
    [
        (
            "attachment",
            "setup.exe",
            b"MZ\x90\x00" + b"\x00" * 100,
            "Only these files are accepted: PDF, DOCX, XLSX, PPTX, ZIP.",
        ),
        ("attachment", "讲义.pdf", b"MZ\x90\x00" + b"\x00" * 100, "This file is not really a PDF file"),
        ("attachment", "report.docx", office_file("xl/workbook.xml"), "This file is not really a DOCX file"),
        ("attachment", "photos.zip", b"PK\x03\x04 broken", "This file is not really a ZIP file"),
        (
            "video",
            "clip.mp4",
            b"<html><script>alert(1)</script></html>",
            "This file is not really a MP4 file",
        ),
        ("video", "clip.avi", MP4, "Only these files are accepted: MP4, WEBM."),
    ],
)
def test_hostile_files_are_refused_with_a_message_and_nothing_is_written(
    client, live, draft, lesson, editor, _media, action, name, content, message
):
    before = lesson_node(draft)
    client.force_login(editor)
    response = client.post(
        media_url(live, lesson), {"action": action, "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert message in response.content.decode()
    assert lesson_node(draft) == before
    assert stored_files(_media) == []
    assert not StudioAuditEntry.objects.filter(action__in=["add_video", "add_attachment"]).exists()


@pytest.mark.parametrize(
    ("action", "name", "content", "limit"),
    [
        ("video", "a.mp4", MP4 + b"\x00" * 700_000, "VIDEO_MAX_BYTES"),
        ("attachment", "a.pdf", PDF + b" " * 1_100_000, "ATTACHMENT_MAX_BYTES"),
    ],
)
def test_a_file_above_the_limit_is_refused(
    client, live, draft, lesson, editor, _media, monkeypatch, action, name, content, limit
):
    monkeypatch.setattr(services, limit, 1024 * 1024)
    client.force_login(editor)
    response = client.post(
        media_url(live, lesson), {"action": action, "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert "The file is larger than 1 MB." in response.content.decode()
    assert stored_files(_media) == []
    assert not lesson_node(draft).get("video_file") and not lesson_node(draft).get("attachments")


def test_files_removed_from_the_draft_or_the_course_leave_storage(
    client, live, draft, lesson, editor, publisher, _media, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    url = media_url(live, lesson)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "attachment", "file": SimpleUploadedFile("a.pdf", PDF)})
        client.post(url, {"action": "attachment", "file": SimpleUploadedFile("b.pdf", PDF)})
        client.post(url, {"action": "video", "file": SimpleUploadedFile("a.mp4", MP4)})
        first_video = lesson_node(draft)["video_file"]
        client.post(url, {"action": "video", "file": SimpleUploadedFile("b.mp4", MP4)})  # replaces it
        first, second = lesson_node(draft)["attachments"]
        client.post(url, {"action": "remove_attachment", "attachment": first["key"]})
    assert first_video not in stored_files(_media) and first["file"] not in stored_files(_media)
    assert len(stored_files(_media)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    # A published attachment removed in the next revision goes when that one is published.
    client.force_login(editor)
    revision = revisions.revision_open(course=live, by=editor)
    attachment = LessonAttachment.objects.get(lesson=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "remove_attachment", "attachment": f"a{attachment.pk}"})
    assert second["file"] in stored_files(_media)  # learners still download it
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    assert not LessonAttachment.objects.exists()
    assert stored_files(_media) == [Lesson.objects.get(pk=lesson.pk).video_file.name]
    assert revision.pk

    # Deleting the course takes the video with it.
    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.filter(pk=live.pk).delete()
    assert stored_files(_media) == []


def test_a_lesson_deleted_from_the_draft_takes_its_new_uploads_along(
    client, live, draft, lesson, editor, _media, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            media_url(live, lesson), {"action": "attachment", "file": SimpleUploadedFile("a.pdf", PDF)}
        )
        client.post(
            reverse("studio:outline_change", args=[live.pk]), {"action": "delete", "key": f"l{lesson.pk}"}
        )
    assert stored_files(_media) == []


def test_a_video_put_in_through_the_admin_keeps_its_file_when_a_revision_leaves_it(
    client, live, lesson, editor, publisher, _media, django_capture_on_commit_callbacks
):
    lesson.video_file.save("intro.mp4", ContentFile(MP4))
    revision = revisions.revision_open(course=live, by=editor)
    revisions.lesson_edit(revision=revision, by=editor, key=f"l{lesson.pk}", title="新标题", body="改")
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    lesson.refresh_from_db()
    assert lesson.video_file.name and lesson.video_size == len(MP4)
    assert stored_files(_media) == [lesson.video_file.name]


def test_a_file_the_revision_refuses_leaves_storage_at_once(live, draft, lesson, editor, _media):
    """The revision went to a publisher between the page and the upload: the stored file goes."""
    revisions.revision_submit(revision=draft, by=editor)
    with pytest.raises(ValidationError):
        services.lesson_attachment_upload(
            revision=draft, by=editor, key=f"l{lesson.pk}", upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert stored_files(_media) == []


def test_a_draft_opened_before_lessons_carried_their_files_keeps_the_live_ones(
    client, live, lesson, editor, publisher, _media, django_capture_on_commit_callbacks
):
    """Drafts opened before this release have lessons without ``video_file`` or ``attachments``
    in their document: publishing one leaves the live lesson's video and attachments alone."""
    lesson.video_file.save("intro.mp4", ContentFile(MP4))
    LessonAttachment.objects.create(lesson=lesson, title="讲义", file=ContentFile(PDF, name="notes.pdf"))
    revision = revisions.revision_open(course=live, by=editor)
    document = revision.document
    for module in document["course"]["modules"]:
        for node in module["lessons"]:
            for key in ("video_file", "video_size", "attachments"):
                node.pop(key, None)
    revision.document = document
    revision.save(update_fields=["document"])
    revisions.lesson_edit(revision=revision, by=editor, key=f"l{lesson.pk}", title="新标题", body="改")
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, live, editor, publisher)
    lesson.refresh_from_db()
    assert lesson.title == "新标题"
    assert lesson.video_file.name and lesson.attachments.count() == 1
    assert len(stored_files(_media)) == 2
