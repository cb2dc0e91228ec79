"""The learner's lesson page shows what its uploaded files weigh: the video's size with "download
on Wi-Fi" above 300 KB (as the studio says for the same video), each attachment's type and
size; in a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from courses import revisions
from courses.models import Lesson, LessonAttachment, TrackRole
from enrollment import services
from studio import services as studio_services
from tests import factories
from tests.enrollment.test_player import LESSON_PAGE_QUERIES

KB = 1024


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=2)


@pytest.fixture
def lesson(course):
    return Lesson.objects.filter(module__course=course).order_by("order").first()


@pytest.fixture
def studying(client, learner, course):
    services.enrollment_create(learner=learner, course=course)
    client.force_login(learner)
    return client


def page(client, course, lesson) -> str:
    response = client.get(reverse("learn:lesson", args=[course.slug, lesson.pk]))
    assert response.status_code == 200
    return response.content.decode()


def element(html: str, tag: str, id_: str) -> str:
    match = re.search(rf'<{tag}[^>]* id="{id_}"[^>]*>(.*?)</{tag}>', html, re.S)
    return match.group(1) if match else ""


def with_video(lesson: Lesson, size: int) -> Lesson:
    lesson.kind, lesson.video_file, lesson.video_size = (
        Lesson.Kind.VIDEO,
        f"lessons/videos/1/{size}.mp4",
        size,
    )
    lesson.save()
    return lesson


def attach(lesson: Lesson, title: str, name: str, size: int) -> LessonAttachment:
    return LessonAttachment.objects.create(lesson=lesson, title=title, file=name, size=size)


@pytest.mark.parametrize(
    ("size", "shown", "heavy"),
    [(400 * KB, "400.0\xa0KB", True), (300 * KB, "300.0\xa0KB", False), (12 * KB * KB, "12.0\xa0MB", True)],
)
def test_the_video_shows_its_size_and_the_wifi_hint_only_above_300_kb(
    studying, course, lesson, size, shown, heavy
):
    with_video(lesson, size)
    html = page(studying, course, lesson)
    line = element(html, "p", "video-size")
    assert shown in line
    assert f'href="{lesson.video_file.url}" download' in line
    assert ("download on Wi-Fi" in line) is heavy
    assert html.count("download on Wi-Fi") == (1 if heavy else 0)


def test_a_video_without_a_known_size_shows_no_size(studying, course, lesson):
    with_video(lesson, 0)  # put in through the admin before sizes were recorded
    html = page(studying, course, lesson)
    assert f'src="{lesson.video_file.url}"' in html
    assert 'id="video-size"' not in html and "download on Wi-Fi" not in html


def test_each_attachment_shows_its_type_and_size(studying, course, lesson):
    attach(lesson, "开店讲义", "lessons/attachments/1/a1b2.pdf", 1536)
    attach(lesson, "价格表", "lessons/attachments/1/c3d4.xlsx", 2 * KB * KB)
    attach(lesson, "旧资料", "lessons/attachments/2026/03/readme", 0)
    items = re.findall(r"<li>(.*?)</li>", element(page(studying, course, lesson), "ul", "attachments"), re.S)
    assert len(items) == 3
    assert "开店讲义</a>" in items[0] and '<small class="meta">PDF · 1.5\xa0KB</small>' in items[0]
    assert "价格表</a>" in items[1] and '<small class="meta">XLSX · 2.0\xa0MB</small>' in items[1]
    assert "旧资料</a>" in items[2] and "meta" not in items[2]  # neither type nor size known


def test_the_sizes_are_shown_in_chinese_by_default(client, settings, learner, course, lesson):
    with_video(lesson, 400 * KB)
    attach(lesson, "开店讲义", "lessons/attachments/1/a1b2.pdf", 1536)
    services.enrollment_create(learner=learner, course=course)
    client.force_login(learner)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    with translation.override("zh-hans"):
        html = page(client, course, lesson)
    assert '<html lang="zh-Hans"' in html
    assert "400.0\xa0KB" in element(html, "p", "video-size")
    assert "PDF · 1.5\xa0KB" in element(html, "ul", "attachments")


@pytest.mark.parametrize("attachments", [1, 6])
def test_the_lesson_page_with_media_keeps_its_query_count(
    studying, course, lesson, attachments, django_assert_num_queries
):
    with_video(lesson, 400 * KB)
    for number in range(attachments):
        attach(lesson, f"讲义{number}", f"lessons/attachments/1/{number}.pdf", 2 * KB)
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        html = page(studying, course, lesson)
    assert html.count('<small class="meta">PDF · 2.0\xa0KB</small>') == attachments
    assert "download on Wi-Fi" in html


def test_the_studio_preview_shows_the_sizes_the_learner_will_see(
    client, settings, tmp_path, learner, course, lesson, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    editor, publisher = factories.UserFactory(), factories.UserFactory()
    TrackRole.objects.create(user=editor, track=course.track, role=TrackRole.Role.EDITOR)
    TrackRole.objects.create(user=publisher, track=course.track, role=TrackRole.Role.PUBLISHER)
    draft = revisions.revision_open(course=course, by=editor)
    key = f"l{lesson.pk}"
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * (400 * KB)
    pdf = b"%PDF-1.4\n%%EOF\n" + b" " * (3 * KB)
    studio_services.lesson_video_upload(
        revision=draft, by=editor, key=key, upload=SimpleUploadedFile("v.mp4", video)
    )
    studio_services.lesson_attachment_upload(
        revision=draft, by=editor, key=key, upload=SimpleUploadedFile("讲义.pdf", pdf), title="开店讲义"
    )
    video_size, pdf_size = "400.0\xa0KB", "3.0\xa0KB"

    client.force_login(editor)
    preview = element(
        client.get(reverse("studio:lesson", args=[course.pk, key])).content.decode(), "section", "preview"
    )
    assert video_size in element(preview, "p", "preview-video-size")
    assert "download on Wi-Fi" in element(preview, "p", "preview-video-size")
    assert re.search(
        rf"开店讲义 <small class=\"meta\">{pdf_size}</small>", element(preview, "ul", "preview-attachments")
    )

    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_submit(revision=draft, by=editor)
        revisions.revision_publish(revision=draft, by=publisher, changelog="加了视频和讲义")
    services.enrollment_create(learner=learner, course=course)
    client.force_login(learner)
    html = page(client, course, lesson)
    assert video_size in element(html, "p", "video-size") and "download on Wi-Fi" in html
    assert f"PDF · {pdf_size}" in element(html, "ul", "attachments")
