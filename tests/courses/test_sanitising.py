from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from courses import services
from courses.models import Course, Lesson
from courses.rendering import render_markdown
from tests import factories

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![img](javascript:alert(1))",
    "<svg onload=alert(1)><circle r=10 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<p style="width: expression(alert(1))">old IE</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>',
    '<a href="java&#x09;script:alert(1)">tab</a>',
    '<a href="  javascript:alert(1)">spaces</a>',
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object><embed src="x.swf">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<details open ontoggle=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    "<<script>script>alert(1)<</script>/script>",
    "<style>body{display:none}</style>",
    "<!--<script>alert(1)</script>-->",
]

FORBIDDEN_TAGS = {
    "script",
    "svg",
    "iframe",
    "object",
    "embed",
    "style",
    "form",
    "input",
    "math",
    "meta",
    "base",
    "body",
    "link",
}
SAFE_URL = re.compile(r"^(https?:|mailto:|[^:]*$)", re.IGNORECASE)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_inert(rendered: str) -> None:
    lowered = html.unescape(rendered).lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered.replace(" ", "")
    assert not re.search(r"<[^>]*\son\w+\s*=", rendered, re.IGNORECASE)
    parser = _Tags()
    parser.feed(rendered)
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, rendered
        for name, value in attrs:
            assert not name.startswith("on"), rendered
            assert name not in {"style", "srcdoc", "action", "formaction"}, rendered
            if name in {"href", "src"}:
                assert SAFE_URL.match(value or ""), rendered


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_in_lesson_markdown_renders_inert(payload):
    assert_inert(render_markdown(f"# 课时\n\n{payload}\n\n正文继续"))


def test_ordinary_markdown_keeps_its_formatting():
    rendered = render_markdown(
        "# 标题\n\n**重点** [官网](https://example.cn) ![图](/media/a.png)\n\n- 一\n- 二"
    )
    assert "<h2" in rendered  # the page's <h1> is the lesson title
    assert "<strong>重点</strong>" in rendered
    assert 'href="https://example.cn"' in rendered
    assert 'src="/media/a.png"' in rendered
    assert "<li>一</li>" in rendered


def test_lesson_save_caches_sanitised_html_and_refreshes_it_on_edit(db):
    lesson = services.lesson_save(
        lesson=factories.LessonFactory.build(
            module=factories.ModuleFactory(), body="<img src=x onerror=alert(1)> 第一版"
        )
    )
    assert "onerror" not in lesson.body_html
    assert "第一版" in Lesson.objects.get(pk=lesson.pk).body_html

    lesson.body = "第二版"
    services.lesson_save(lesson=lesson)
    assert "第二版" in Lesson.objects.get(pk=lesson.pk).body_html


def test_preview_page_serves_the_payloads_inert(client, staff):
    module = factories.ModuleFactory(course=factories.CourseFactory(status=Course.Status.DRAFT))
    for order, payload in enumerate(XSS_PAYLOADS, start=1):
        services.lesson_save(lesson=Lesson(module=module, order=order, title=f"课时{order}", body=payload))
    client.force_login(staff)

    response = client.get(reverse("catalogue:preview", args=[module.course.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    bodies = "".join(re.findall(r'<div class="lesson-body">(.*?)</div>\s*</li>', page, re.DOTALL))
    assert bodies
    assert_inert(bodies)
