from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from courses import revisions
from courses.models import Lesson, TrackRole
from courses.rendering import render_markdown
from tests import factories

Role = TrackRole.Role


@pytest.fixture(autouse=True)
def _english_by_default(settings, client):
    """These tests read the English source texts (the cookie is what the language switcher sets)."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def track(db):
    return factories.TrackFactory(slug="ecommerce", name="农村电商")


@pytest.fixture
def other_track(db):
    return factories.TrackFactory(slug="labelling", name="数据标注")


def with_role(track, role: str, **fields):
    user = factories.UserFactory(**fields)
    TrackRole.objects.create(user=user, track=track, role=role)
    return user


@pytest.fixture
def editor(track):
    return with_role(track, Role.EDITOR, name="编辑小王")


@pytest.fixture
def other_editor(other_track):
    return with_role(other_track, Role.EDITOR, name="别的编辑")


@pytest.fixture
def publisher(track):
    return with_role(track, Role.PUBLISHER, name="审核老李")


@pytest.fixture
def other_publisher(other_track):
    return with_role(other_track, Role.PUBLISHER, name="别的审核")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def live(track):
    """A published course of ``track``: one module of two lessons and a final quiz."""
    course = factories.course_with_lessons(lessons=2, track=track, title="农村电商运营")
    first, second = Lesson.objects.filter(module__course=course).order_by("order")
    first.body, first.title = "原来的正文", "开店准备"
    first.body_html = render_markdown(first.body)
    first.save()
    second.title = "商品上架"
    second.save()
    return course


def lessons_of(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


@pytest.fixture
def draft(live, editor):
    """A draft revision of ``live`` opened by ``editor``."""
    return revisions.revision_open(course=live, by=editor)


@pytest.fixture
def lesson_url(live, draft):
    """The lesson editor of the draft's first lesson."""
    return reverse("studio:lesson", args=[live.pk, f"l{lessons_of(live)[0].pk}"])


def lesson_form(**changes) -> dict:
    """The lesson editor's fields as the draft's first lesson has them, with ``changes``."""
    return {
        "title": "开店准备",
        "body": "",
        "video_url": "",
        "duration_minutes": 10,
        "is_required": "on",
    } | changes
