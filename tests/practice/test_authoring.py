"""Editors create item sets and upload items: texts as CSV, images as a zip with labels.csv, or a
Label Studio export. A file with a bad row writes nothing and reports every row; hostile files
are refused with a clear message; pictures are made small."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from practice.models import Assignment, Item, ItemSet
from talentportal.images import MAX_SIDE
from tests import factories

from .conftest import make_set, picture


def _zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _upload(client, item_set, name: str, data: bytes):
    return client.post(
        reverse("practice:studio_set", args=[item_set.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def test_an_editor_creates_an_item_set(editor_client, course, practice_lesson):
    response = editor_client.post(
        reverse("practice:studio_create"),
        {
            "course": course.pk,
            "lesson": practice_lesson.pk,
            "title": "商品主图分类",
            "task": "image_class",
            "labels_text": "合格\n背景杂乱\n合格\n",
            "iou_threshold": "0.5",
            "mode": "practice",
            "min_score": "80",
        },
    )
    item_set = ItemSet.objects.get(title="商品主图分类")
    assert response.url == reverse("practice:studio_set", args=[item_set.pk])
    assert item_set.labels == ["合格", "背景杂乱"]


def test_a_lesson_of_another_course_is_refused(editor_client, course):
    other = factories.LessonFactory(kind="practice")
    response = editor_client.post(
        reverse("practice:studio_create"),
        {
            "course": course.pk,
            "lesson": other.pk,
            "title": "x",
            "task": "text_class",
            "labels_text": "a",
            "iou_threshold": "0.5",
            "mode": "practice",
            "min_score": "80",
        },
    )
    assert response.status_code == 200 and not ItemSet.objects.exists()
    assert "Choose a lesson of this item set" in response.content.decode()


def test_a_csv_of_texts_with_gold_labels_in_gbk(editor_client, course):
    item_set = make_set(course, task="text_class", labels=["正面", "负面", "中性"])
    data = "文本,标签\n茶叶很香，回购,正面\n包装破了,负面\n".encode("gbk")
    response = _upload(editor_client, item_set, "reviews.csv", data)
    assert response.status_code == 302
    assert list(item_set.items.order_by("order").values_list("text", "gold")) == [
        ("茶叶很香，回购", {"labels": ["正面"]}),
        ("包装破了", {"labels": ["负面"]}),
    ]


def test_bad_rows_are_reported_one_by_one_and_nothing_is_written(editor_client, course):
    item_set = make_set(course, task="text_span", labels=["品牌", "规格"])
    data = (
        "text,spans\n农夫山泉550ml,品牌:农夫山泉|规格:550ml\n怡宝1L,颜色:红\n康师傅,品牌:统一\n,品牌:x\n"
    ).encode()
    response = _upload(editor_client, item_set, "titles.csv", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Item.objects.exists()
    assert 'id="report"' in page
    for row in ("row 3", "row 4", "row 5"):
        assert row in page
    assert (
        "Unknown label 颜色" in page and "“统一” is not in the text." in page and "The text is empty." in page
    )


def test_a_file_in_neither_utf8_nor_gbk_is_refused(editor_client, course):
    item_set = make_set(course, task="text_class", labels=["正面"])
    response = _upload(editor_client, item_set, "x.csv", b"\xff\xfe\x00\xd8\x00\xdc" * 20)
    assert "encoding is not UTF-8 or GBK" in response.content.decode()
    assert not Item.objects.exists()


def test_a_zip_of_images_is_compressed_on_upload(editor_client, course):
    item_set = make_set(course, task="image_class", labels=["合格", "背景杂乱"])
    big = picture(size=(2400, 1600), fmt="PNG")
    data = _zip(
        {
            "photos/a.png": big,
            "b.jpg": picture("blue", fmt="JPEG"),
            "labels.csv": "文件,标签\na.png,合格\nb.jpg,背景杂乱\n".encode(),
        }
    )
    response = _upload(editor_client, item_set, "set.zip", data)
    assert response.status_code == 302
    first, second = item_set.items.order_by("order")
    assert (first.width, first.height) == (MAX_SIDE, 533)
    assert first.image.name.endswith(".jpg")
    with first.image.open("rb") as stored:
        stored_bytes = stored.read()
    assert len(stored_bytes) < 30_000
    assert Image.open(io.BytesIO(stored_bytes)).format == "JPEG"
    assert second.gold == {"labels": ["背景杂乱"]}


def test_a_zip_bomb_is_refused_before_unpacking(editor_client, course):
    item_set = make_set(course, task="image_class", labels=["合格"])
    bomb = _zip({"labels.csv": b"file,labels\n", "huge.png": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    response = _upload(editor_client, item_set, "bomb.zip", bomb)
    assert "too large once unpacked" in response.content.decode()
    assert not Item.objects.exists()


def test_a_file_that_is_not_a_picture_is_a_row_error(editor_client, course):
    item_set = make_set(course, task="image_class", labels=["合格"])
    data = _zip(
        {
            "a.jpg": b"MZ\x90\x00 not a picture",
            "ok.png": picture(),
            "labels.csv": "file,labels\na.jpg,合格\nok.png,合格\nmissing.png,合格\n".encode(),
        }
    )
    page = _upload(editor_client, item_set, "set.zip", data).content.decode()
    assert "This file is not a picture" in page and "missing.png is not in the zip." in page
    assert not Item.objects.exists()


def test_a_zip_without_labels_is_refused(editor_client, course):
    item_set = make_set(course, task="bbox", labels=["车辆"])
    page = _upload(editor_client, item_set, "set.zip", _zip({"a.png": picture()})).content.decode()
    assert "needs a labels.csv" in page


def test_boxes_in_labels_csv_are_stored_as_fractions(editor_client, course):
    item_set = make_set(course, task="bbox", labels=["车辆", "行人"])
    data = _zip(
        {"a.png": picture(), "labels.csv": '文件,框\na.png,"车辆:10,20,30,40|行人:50,50,10,20"\n'.encode()}
    )
    assert _upload(editor_client, item_set, "set.zip", data).status_code == 302
    assert item_set.items.get().gold == {
        "boxes": [[0.1, 0.2, 0.3, 0.4, "车辆"], [0.5, 0.5, 0.1, 0.2, "行人"]]
    }


def test_a_label_studio_export_of_text_spans(editor_client, course):
    item_set = make_set(course, task="text_span", labels=["品牌", "规格"])
    export = [
        {
            "id": 1,
            "data": {"text": "农夫山泉550ml"},
            "annotations": [
                {
                    "result": [
                        {
                            "type": "labels",
                            "value": {"start": 0, "end": 4, "text": "农夫山泉", "labels": ["品牌"]},
                        },
                        {
                            "type": "labels",
                            "value": {"start": 4, "end": 9, "text": "550ml", "labels": ["规格"]},
                        },
                    ]
                }
            ],
        }
    ]
    response = _upload(
        editor_client, item_set, "export.json", json.dumps(export, ensure_ascii=False).encode()
    )
    assert response.status_code == 302
    assert item_set.items.get().gold == {"spans": [[0, 4, "品牌"], [4, 9, "规格"]]}


def test_a_label_studio_export_of_boxes_with_its_images(editor_client, course):
    item_set = make_set(course, task="bbox", labels=["车辆"], mode=ItemSet.Mode.JOB)
    export = [
        {
            "data": {"image": "/data/upload/1/3f2a-car.png"},
            "annotations": [
                {
                    "result": [
                        {
                            "type": "rectanglelabels",
                            "value": {
                                "x": 10,
                                "y": 20,
                                "width": 30,
                                "height": 40,
                                "rectanglelabels": ["车辆"],
                            },
                        }
                    ]
                }
            ],
        },
        {"data": {"image": "/data/upload/1/road.png"}, "annotations": []},
    ]
    data = _zip(
        {"car.png": picture(), "road.png": picture("green"), "export.json": json.dumps(export).encode()}
    )
    assert _upload(editor_client, item_set, "ls.zip", data).status_code == 302
    honeypot, unlabelled = item_set.items.order_by("order")
    assert honeypot.gold == {"boxes": [[0.1, 0.2, 0.3, 0.4, "车辆"]]} and honeypot.is_honeypot
    assert unlabelled.gold is None and not unlabelled.is_honeypot
    page = editor_client.get(reverse("practice:studio_set", args=[item_set.pk])).content.decode()
    assert "2 items · 1 hidden gold item" in page


def test_the_studio_is_for_editors_only(client, course):
    item_set = make_set(course)
    client.force_login(factories.UserFactory())
    assert client.get(reverse("practice:studio")).status_code == 404
    assert client.get(reverse("practice:studio_set", args=[item_set.pk])).status_code == 404
    client.force_login(factories.UserFactory(is_staff=True))
    assert client.get(reverse("practice:studio")).status_code == 403


def test_the_studio_list_has_constant_queries(editor_client, course, django_assert_num_queries):
    make_set(course)
    with CaptureQueriesContext(connection) as one:
        editor_client.get(reverse("practice:studio"))
    for _ in range(30):
        make_set(course)
    with django_assert_num_queries(len(one.captured_queries)):
        editor_client.get(reverse("practice:studio"))


def test_an_editor_writes_an_assignment_with_its_rubric(editor_client, course, practice_lesson):
    response = editor_client.post(
        reverse("practice:studio_assignment_create"),
        {
            "course": course.pk,
            "lesson": practice_lesson.pk,
            "title": "为本县的茶写商品详情",
            "brief": "写标题和卖点，配五张照片。",
            "max_images": "5",
            "published": "on",
            "rubric": "标题：缺失 | 基本完整 | 突出卖点\n照片: 不足五张 | 五张清晰\n",
        },
    )
    assignment = Assignment.objects.get()
    assert response.url == reverse("practice:studio_assignment", args=[assignment.pk])
    assert assignment.criteria == [
        {"title": "标题", "levels": ["缺失", "基本完整", "突出卖点"]},
        {"title": "照片", "levels": ["不足五张", "五张清晰"]},
    ]
    page = editor_client.get(response.url).content.decode()
    assert "标题: 缺失 | 基本完整 | 突出卖点" in page


def test_a_rubric_line_without_levels_is_refused(editor_client, course):
    response = editor_client.post(
        reverse("practice:studio_assignment_create"),
        {"course": course.pk, "title": "x", "brief": "y", "max_images": "5", "rubric": "标题"},
    )
    assert response.status_code == 200 and not Assignment.objects.exists()
    assert "with two levels or more" in response.content.decode()
