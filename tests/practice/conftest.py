"""A course with a practice lesson, its learner, and item sets of every task built in code
(pictures drawn with Pillow)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image, ImageDraw

from courses.models import Lesson
from practice.models import Item, ItemSet
from tests import factories


def picture(color: str = "red", size: tuple[int, int] = (120, 80), fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle([10, 10, size[0] // 2, size[1] // 2], fill=color)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def english_client(user) -> Client:
    """A browser in English, signed in as ``user`` (the cookie overrides the account's language)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def course(db):
    return factories.course_with_lessons(lessons=1, final_quiz=False)


@pytest.fixture
def practice_lesson(course):
    module = course.modules.get()
    return factories.LessonFactory(module=module, order=2, kind=Lesson.Kind.PRACTICE, title="练习")


@pytest.fixture
def enrollment(course):
    return factories.EnrollmentFactory(course=course)


@pytest.fixture
def learner_client(enrollment) -> Client:
    return english_client(enrollment.learner)


def make_set(course, *, task=ItemSet.Task.IMAGE_CLASS, labels=("猫", "狗"), lesson=None, **fields) -> ItemSet:
    return ItemSet.objects.create(
        course=course,
        lesson=lesson,
        task=task,
        labels=list(labels),
        published=True,
        **{"title": f"{task} set", **fields},
    )


def add_items(item_set: ItemSet, golds: list, *, texts=None, honeypots=None) -> list[Item]:
    items = []
    for index, gold in enumerate(golds):
        item = Item(item_set=item_set, order=index + 1, gold=gold)
        if texts:
            item.text = texts[index]
        else:
            item.image.save(f"item{index}.png", ContentFile(picture()), save=False)
            item.width, item.height = 120, 80
        item.is_honeypot = bool(honeypots and honeypots[index])
        item.save()
        items.append(item)
    return items


@pytest.fixture
def class_set(course, practice_lesson):
    item_set = make_set(course, lesson=practice_lesson, min_score=75)
    add_items(item_set, [{"labels": ["猫"]}, {"labels": ["狗"]}, {"labels": ["猫"]}, {"labels": ["狗"]}])
    return item_set


@pytest.fixture
def editor(db):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_itemset"))
    return user


@pytest.fixture
def editor_client(editor) -> Client:
    return english_client(editor)
