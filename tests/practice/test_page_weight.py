"""The weight of an exercise page as a 2G/3G phone downloads it: the first page of the demo
image-classification set (6 pictures), its HTML and CSS gzipped as the server sends them, the
pictures as stored. The figure is printed (pytest -s) for the issue's closing note."""

from __future__ import annotations

import gzip
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from courses.demo import seed_demo_courses
from courses.models import Course
from practice.demo import seed_demo_practice
from practice.models import ItemSet
from tests import factories

from .conftest import english_client

BUDGET = 120 * 1024  # bytes for the whole page with its pictures


def _static(name: str) -> bytes:
    return (Path(settings.BASE_DIR) / "static" / name).read_bytes()


def test_an_exercise_page_with_its_pictures_stays_light(db):
    seed_demo_courses()
    seed_demo_practice()
    item_set = ItemSet.objects.get(task="image_class")
    enrollment = factories.EnrollmentFactory(course=Course.objects.get(pk=item_set.course_id))
    client = english_client(enrollment.learner)
    client.post(reverse("practice:run_start", args=[item_set.pk]))
    run = item_set.runs.get()
    response = client.get(reverse("practice:run", args=[run.pk]))
    html = gzip.compress(response.content)
    css = gzip.compress(_static("css/portal.css")) + gzip.compress(_static("css/practice.css"))
    shown = list(item_set.items.order_by("order")[:6])
    assert all(item.image.url in response.content.decode() for item in shown)
    assert 'loading="lazy"' in response.content.decode()
    pictures = sum(item.image.size for item in shown)
    total = len(html) + len(css) + pictures
    print(
        f"\nexercise page: HTML {len(response.content)} B ({len(html)} B gzipped), CSS {len(css)} B gzipped, "
        f"6 pictures {pictures} B (largest {max(item.image.size for item in shown)} B): {total} B in all"
    )
    assert total < BUDGET
