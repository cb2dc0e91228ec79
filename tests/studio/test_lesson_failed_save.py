"""A lesson save that fails shows the form with its errors, never the preview. On a phone (below
900 px) the form and the preview are tabs, and the preview tab hid the form that held the
errors: a refused save looked like a preview, with no message. Now the preview tab opens only
after "Preview" with a valid form; a failed save answers 400 with a summary at the top of the
form, and the form posts back to its own tab (#write), so the browser lands on the errors even
after a "Preview" left #preview in the address. The tabs are links and CSS (:target): the same
with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from courses import revisions
from courses.models import CourseRevision, Lesson, TrackRole
from tests import factories
from tests.studio.conftest import lesson_form as form
from tests.studio.conftest import with_role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def not_saved(page: str) -> str:
    """The summary at the top of the form ("" when there is none)."""
    found = re.search(r'<div class="errors" role="alert" id="not-saved">(.*?)</div>', page, re.S)
    return found[1] if found else ""


@pytest.mark.parametrize("button", ["save", "save_next"])
def test_a_save_without_a_title_shows_the_form_with_its_error_not_the_preview(
    client, editor, lesson_url, draft, button
):
    client.force_login(editor)
    response = client.post(lesson_url, form(title="", body="新的正文", **{button: ""}))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="studio-editor"' in page and "studio-editor previewing" not in page
    assert re.search(r'<div class="field has-error">\s*<label for="id_title">', page)
    summary = not_saved(page)
    assert "The lesson is not saved:" in summary
    assert '<a href="#id_title">Title</a>: This field is required.' in summary
    assert "新的正文" in page  # the text typed stays in the form
    assert CourseRevision.objects.get(pk=draft.pk).document == draft.document


def test_the_summary_is_translated(client, editor, lesson_url, settings):
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    summary = not_saved(client.post(lesson_url, form(title="", save="")).content.decode())
    assert "课时未保存：" in summary and "The lesson is not saved" not in summary


def test_the_form_posts_back_to_its_own_tab_and_preview_to_the_preview_tab(client, editor, lesson_url):
    client.force_login(editor)
    page = client.get(lesson_url).content.decode()
    assert re.search(r'<form class="form studio-write" id="write" method="post" action="#write"', page)
    assert '<button class="btn" type="submit" name="preview" formaction="#preview">' in page
    assert 'href="#write"' in page and 'href="#preview"' in page  # the phone's tabs


def test_only_a_preview_of_a_valid_form_opens_the_preview_tab(client, editor, lesson_url, draft):
    client.force_login(editor)
    preview = client.post(lesson_url, form(body="预览的正文", preview=""))
    assert preview.status_code == 200
    assert "studio-editor previewing" in preview.content.decode()
    assert not_saved(preview.content.decode()) == ""

    # "Preview" with no title: the preview shows the text, the form its error, no "not saved".
    response = client.post(lesson_url, form(title="", body="预览的正文", preview=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "studio-editor previewing" not in page and 'class="field has-error' in page
    assert not_saved(page) == ""
    assert CourseRevision.objects.get(pk=draft.pk).document == draft.document


def test_a_save_over_a_colleagues_newer_save_is_refused_inside_the_form(client, editor, lesson_url, track):
    """The refusal is in the form, where the browser lands (#write), not in a banner above it."""
    colleague = Client()
    colleague.force_login(with_role(track, "editor"))
    client.force_login(editor)
    base = re.search(r'name="base" value="([0-9a-f]+)"', client.get(lesson_url).content.decode())[1]
    assert colleague.post(lesson_url, form(body="同事的正文", base=base, save="")).status_code == 302

    response = client.post(lesson_url, form(body="我的正文", base=base, save=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Someone else saved this lesson while you were editing it" in not_saved(page)
    assert "studio-editor previewing" not in page and "我的正文" in page


# --- In a real browser, on a phone and on a wide screen, with and without JavaScript ----------


def browser_page(chromium, base: str, user, *, width: int, javascript: bool):
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, locale="en-US", java_script_enabled=javascript
    )
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": base,
            },
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return page.locator(selector).is_visible() and box is not None and 0 <= box["y"] < 800


@pytest.mark.browser
@pytest.mark.parametrize(("width", "javascript"), [(360, True), (360, False), (1280, True)])
def test_a_failed_save_after_a_preview_lands_on_the_form_and_its_error(
    _chromium, live_server, transactional_db, settings, tmp_path, width, javascript
):
    settings.MEDIA_ROOT = tmp_path / "media"
    track = factories.TrackFactory(slug="ecommerce", name="农村电商")
    editor = factories.UserFactory(name="编辑")
    TrackRole.objects.create(user=editor, track=track, role="editor")
    course = factories.course_with_lessons(lessons=2, track=track, title="农村电商运营")
    lesson = Lesson.objects.filter(module__course=course).order_by("order").first()
    revisions.revision_open(course=course, by=editor)
    url = f"{live_server.url}{reverse('studio:lesson', args=[course.pk, f'l{lesson.pk}'])}"

    context, page = browser_page(_chromium, live_server.url, editor, width=width, javascript=javascript)
    page.goto(url)
    page.fill("#id_body", "先准备身份证。" * 80)
    page.click("button[name=preview]")
    assert page.url.endswith("#preview")
    assert page.locator("#preview").is_visible()
    assert page.locator("#write").is_visible() == (width >= 900)  # a phone: the preview tab

    # Back to the form by its tab, a save without a title: the form, its summary and the error.
    if width < 900:
        page.click('.studio-tabs a[href="#write"]')
    page.fill("#id_title", "")
    page.click("button[name=save]")
    assert page.url.endswith("#write")
    assert in_view(page, "#not-saved"), page.locator("#not-saved").bounding_box()
    assert "The lesson is not saved:" in page.inner_text("#not-saved")
    assert in_view(page, "#id_title_errors"), page.locator("#id_title_errors").bounding_box()
    assert page.locator("#preview").is_visible() == (width >= 900)  # a phone: the write tab
    assert page.input_value("#id_body") == "先准备身份证。" * 80

    # The "Preview" tab (a link: #preview in the address), then back up to the form and a
    # failed save again: the browser lands on the form, not on the preview below it.
    if width < 900:
        page.click('.studio-tabs a[href="#preview"]')
        assert page.url.endswith("#preview")
    page.fill("#id_title", "")
    page.click("button[name=save]")
    assert in_view(page, "#not-saved"), page.locator("#not-saved").bounding_box()
    assert in_view(page, "#id_title_errors"), page.locator("#id_title_errors").bounding_box()
    assert page.url.endswith("#write")
    context.close()
