"""The demo practice content: seeded by seed_demo, idempotent, light pictures."""

from __future__ import annotations

import io

from django.core.management import call_command

from practice.demo import seed_demo_practice
from practice.models import Assignment, Item, ItemSet


def test_seed_demo_creates_the_practice_lab_once(db):
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    sets = dict(ItemSet.objects.exclude(title="赛题：评论情感").values_list("title", "task"))
    assert sets == {
        "主图合格吗？": "image_class",
        "街景拉框：车辆与行人": "bbox",
        "商品标题：品牌、品名、规格": "text_span",
        "评论情感（任务批次）": "text_class",
    }
    assert all(item_set.lesson is not None for item_set in ItemSet.objects.exclude(title="赛题：评论情感"))
    assignment = Assignment.objects.get()
    assert assignment.course.slug == "rural-ecommerce-operations" and len(assignment.criteria) == 4
    job = ItemSet.objects.get(mode="job")
    assert (
        job.items.filter(is_honeypot=True).count() == 5 and job.items.filter(gold__isnull=True).count() == 5
    )
    for item in Item.objects.exclude(image=""):
        assert max(item.width, item.height) <= 800
        assert item.image.size < 40_000
    count = Item.objects.count()
    assert seed_demo_practice() == []
    assert Item.objects.count() == count
