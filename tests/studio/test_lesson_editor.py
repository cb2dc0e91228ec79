"""The lesson editor: Markdown with a server-rendered preview (sanitised like every lesson),
pictures compressed for slow links, the page weight with its warning, pictures without alt text."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from courses import revisions
from courses.models import CourseRevision
from studio.selectors import HEAVY_BYTES
from studio.services import IMAGE_MAX_BYTES, IMAGE_MAX_SIDE
from tests.courses.test_sanitising import XSS_PAYLOADS, assert_inert
from tests.studio.conftest import lesson_form as form
from tests.studio.conftest import lessons_of


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(width=2400, height=1600) -> bytes:
    """A noisy 2.4 MB photo: it compresses badly (220 KB at 1200 px), so it is made smaller."""
    picture = Image.effect_noise((width, height), 40).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def preview_of(page: str) -> str:
    return re.search(
        r'<section class="studio-preview" id="preview".*?<div class="lesson-body">(.*?)</div>\s*</section>',
        page,
        re.S,
    )[1]


def test_preview_renders_without_saving(client, editor, lesson_url, draft):
    client.force_login(editor)
    page = client.post(lesson_url, form(body="## 小标题\n\n**重点**", preview="")).content.decode()
    assert "<h3>小标题</h3>" in preview_of(page) and "<strong>重点</strong>" in preview_of(page)
    assert CourseRevision.objects.get(pk=draft.pk).document == draft.document


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_preview_is_sanitised(client, editor, lesson_url, payload):
    client.force_login(editor)
    page = client.post(lesson_url, form(body=f"前文\n\n{payload}\n\n后文", preview="")).content.decode()
    assert_inert(preview_of(page))


def test_save_goes_into_the_draft_and_save_next_opens_the_next_lesson(
    client, live, editor, lesson_url, draft
):
    client.force_login(editor)
    second = lessons_of(live)[1]
    response = client.post(lesson_url, form(body="新正文", save_next=""))
    assert response.url == reverse("studio:lesson", args=[live.pk, f"l{second.pk}"])
    draft.refresh_from_db()
    assert draft.document["course"]["modules"][0]["lessons"][0]["body"] == "新正文"


def test_an_image_is_compressed_and_inserted_as_markdown(client, editor, lesson_url, draft):
    client.force_login(editor)
    upload = SimpleUploadedFile("photo.jpg", photo(), content_type="image/jpeg")
    client.post(lesson_url, form(body="看图：", image=upload, image_alt="店铺首页", save=""))
    draft.refresh_from_db()
    body = draft.document["course"]["modules"][0]["lessons"][0]["body"]
    url = re.search(r"!\[店铺首页\]\((/media/studio/images/[^)]+\.jpg)\)", body)[1]
    name = url.removeprefix("/media/")
    assert default_storage.size(name) <= IMAGE_MAX_BYTES
    with default_storage.open(name) as stored, Image.open(stored) as picture:
        assert max(picture.size) <= IMAGE_MAX_SIDE
        assert picture.format == "JPEG"


def test_a_file_that_is_no_picture_is_refused(client, editor, lesson_url, draft):
    client.force_login(editor)
    upload = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    response = client.post(lesson_url, form(body="正文", image=upload, save=""))
    assert response.status_code == 400
    assert 'class="field has-error' in response.content.decode()
    assert CourseRevision.objects.get(pk=draft.pk).document == draft.document


def test_page_weight_warns_when_heavy_and_flags_images_without_alt(client, editor, lesson_url):
    client.force_login(editor)
    light = client.post(lesson_url, form(body="短短的正文", preview="")).content.decode()
    assert (
        'id="page-weight"' in light and 'id="heavy-warning"' not in light and 'id="alt-warning"' not in light
    )
    heavy_body = "很长的正文。" * (HEAVY_BYTES // 12 + 100) + "\n\n![](https://example.com/a.jpg)"
    heavy = client.post(lesson_url, form(body=heavy_body, preview="")).content.decode()
    assert 'id="heavy-warning"' in heavy
    assert 'id="alt-warning"' in heavy


def test_stored_images_count_in_the_page_weight(client, editor, lesson_url, draft):
    client.force_login(editor)
    upload = SimpleUploadedFile("photo.jpg", photo(800, 600), content_type="image/jpeg")
    client.post(lesson_url, form(body="图", image=upload, image_alt="图", save=""))
    draft.refresh_from_db()
    body = draft.document["course"]["modules"][0]["lessons"][0]["body"]
    name = re.search(r"\((/media/[^)]+)\)", body)[1].removeprefix("/media/")
    page = client.get(lesson_url).content.decode()
    assert "1 image" in page
    assert default_storage.size(name) > 0


def test_an_uploaded_video_is_shown_beside_the_page_weight_for_wi_fi(client, live, editor):
    """A video put in through the admin (no size on its row) is measured in storage when the
    revision opens; it is not part of the page's weight (played on demand) but says "Wi-Fi"."""
    lesson = lessons_of(live)[0]
    lesson.video_file.save("clip.mp4", ContentFile(b"0" * 2_500_000))
    revisions.revision_open(course=live, by=editor)
    client.force_login(editor)
    page = client.get(reverse("studio:lesson", args=[live.pk, f"l{lesson.pk}"])).content.decode()
    weight = re.search(r'<section class="studio-weight" id="page-weight".*?</section>', page, re.S)[0]
    video = re.search(r'<p id="video-weight">.*?</p>', weight, re.S)[0]
    assert "uploaded video 2.4\xa0MB" in video and "download on Wi-Fi" in video
    assert 'id="heavy-warning"' not in weight


def test_a_save_over_a_colleagues_newer_save_is_refused_and_keeps_both_texts(
    client, editor, lesson_url, draft, track
):
    """Two editors open the same lesson; the first saves; the second's save is refused with a
    message (their text stays in the form, the first's in the draft); saving again replaces it."""
    from django.test import Client

    from tests.studio.conftest import with_role

    colleague = Client()
    colleague.force_login(with_role(track, "editor"))
    client.force_login(editor)
    base = re.search(r'name="base" value="([0-9a-f]+)"', client.get(lesson_url).content.decode())[1]
    their_base = re.search(r'name="base" value="([0-9a-f]+)"', colleague.get(lesson_url).content.decode())[1]
    assert base == their_base

    assert colleague.post(lesson_url, form(body="同事的正文", base=their_base, save="")).status_code == 302
    response = client.post(lesson_url, form(body="我的正文", base=base, save=""))
    page = response.content.decode()
    assert "Someone else saved this lesson while you were editing it" in page
    assert "我的正文" in page
    draft.refresh_from_db()
    assert draft.document["course"]["modules"][0]["lessons"][0]["body"] == "同事的正文"

    new_base = re.search(r'name="base" value="([0-9a-f]+)"', page)[1]
    assert new_base != base
    assert client.post(lesson_url, form(body="我的正文", base=new_base, save="")).status_code == 302
    draft.refresh_from_db()
    assert draft.document["course"]["modules"][0]["lessons"][0]["body"] == "我的正文"
