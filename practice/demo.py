"""Demo practice content for ``manage.py seed_demo``, made by the project (no downloaded content):

- 农村电商运营 › 用手机拍出好主图: an image-classification set (“主图合格吗？”, 12 pictures drawn here
  with Pillow: a tea tin on a clean background, on a cluttered one, or in the dark) and a rubric
  assignment (“为本县的茶写一条商品详情”);
- AI数据标注基础 › 拉框标注：车辆与行人: a box set (6 street scenes drawn here, the cars and people
  placed at known positions, which are the gold boxes);
- AI数据标注基础 › 文本情感分类: a text span set (made-up product titles: brand, product,
  specification) and a job batch of made-up reviews with hidden gold items.

Idempotent: an item set or assignment that exists (by course and title) is left as it is. The
pictures go through the same upload path as an editor's (practice.services.items_add), so they
are compressed like any upload.
"""

from __future__ import annotations

import io
import random
from typing import TextIO

from PIL import Image, ImageDraw

from courses.models import Course, Lesson
from talentportal.images import compress

from .imports import ParsedItem
from .models import Assignment, ItemSet
from .services import item_set_save, items_add, practice_next_position

ECOMMERCE = "rural-ecommerce-operations"
LABELLING = "ai-data-labelling-basics"

TITLES = [
    ("农夫山泉天然矿泉水550ml", [("品牌", "农夫山泉"), ("品名", "天然矿泉水"), ("规格", "550ml")]),
    ("桐庐高山云雾茶250g礼盒装", [("品牌", "桐庐"), ("品名", "高山云雾茶"), ("规格", "250g")]),
    ("五常大米10kg真空包装", [("品牌", "五常"), ("品名", "大米"), ("规格", "10kg")]),
    ("老干妈风味豆豉280g", [("品牌", "老干妈"), ("品名", "风味豆豉"), ("规格", "280g")]),
    ("褚橙冰糖橙5斤装", [("品牌", "褚橙"), ("品名", "冰糖橙"), ("规格", "5斤")]),
    ("临安山核桃仁500g", [("品牌", "临安"), ("品名", "山核桃仁"), ("规格", "500g")]),
]

REVIEWS = [
    ("茶叶很香，包装也结实，会回购。", "正面"),
    ("快递太慢，等了一个星期。", "负面"),
    ("和图片一样，价格一般。", "中性"),
    ("橙子很甜，家里老人很喜欢。", "正面"),
    ("收到时有两个坏果，客服处理很及时。", None),
    ("大米煮饭很香。", None),
    ("包装破了，核桃撒了一箱。", "负面"),
    ("还没吃，先给个好评。", None),
    ("味道偏咸，下次换别的口味。", None),
    ("分量足，物流快。", None),
]

CRITERIA = [
    {"title": "商品标题", "levels": ["缺失或不相关", "写清品名和规格", "品名、规格、产地和卖点齐全"]},
    {"title": "卖点描述", "levels": ["没有卖点", "有一两个卖点", "卖点具体，有产地故事"]},
    {"title": "五张照片", "levels": ["少于五张或模糊", "五张清晰", "五张清晰，含细节图和场景图"]},
    {"title": "规范与诚信", "levels": ["有夸大或违规用语", "基本规范", "规范，如实描述"]},
]


def _jpeg(image: Image.Image, name: str):
    out = io.BytesIO()
    image.save(out, "PNG")
    return compress(out.getvalue())


def _tin(draw: ImageDraw.ImageDraw, x: int, y: int, scale: float = 1.0) -> None:
    w, h = int(140 * scale), int(200 * scale)
    draw.rounded_rectangle([x, y, x + w, y + h], radius=18, fill="#2e7d32", outline="#1b5e20", width=4)
    draw.rectangle([x + 10, y + h // 3, x + w - 10, y + h // 3 + h // 4], fill="#f5e6c8")
    draw.ellipse([x + w // 2 - 18, y + h // 3 + 8, x + w // 2 + 18, y + h // 3 + 44], fill="#8d6e63")


def _product_picture(kind: str, rng: random.Random) -> Image.Image:
    size = (640, 480)
    if kind == "合格主图":
        image = Image.new("RGB", size, (250, 250, 247))
        draw = ImageDraw.Draw(image)
        draw.ellipse([200, 390, 440, 430], fill=(225, 225, 220))
    elif kind == "背景杂乱":
        image = Image.new("RGB", size, (200, 180, 150))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(0, 620), rng.randrange(0, 460)
            color = tuple(rng.randrange(40, 255) for _ in range(3))
            shape = [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 120)]
            (draw.rectangle if rng.random() < 0.5 else draw.ellipse)(shape, fill=color)
    else:
        image = Image.new("RGB", size, (38, 34, 30))
        draw = ImageDraw.Draw(image)
    _tin(draw, 250 + rng.randrange(-30, 30), 150 + rng.randrange(-20, 20))
    if kind == "光线太暗":
        image = Image.eval(image, lambda value: value // 4)
    return image


def _street(rng: random.Random) -> tuple[Image.Image, list]:
    width, height = 640, 400
    image = Image.new("RGB", (width, height), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 220, width, height], fill=(110, 110, 110))
    draw.rectangle([0, 300, width, 308], fill=(240, 240, 240))
    boxes = []
    for _ in range(rng.randrange(1, 3)):
        x, y = rng.randrange(20, 420), rng.randrange(230, 300)
        w, h = rng.randrange(140, 200), rng.randrange(60, 80)
        color = rng.choice([(200, 40, 40), (30, 90, 200), (240, 240, 240), (40, 40, 40)])
        draw.rounded_rectangle([x, y + 18, x + w, y + h - 12], radius=10, fill=color)
        draw.rounded_rectangle([x + w // 5, y, x + w * 4 // 5, y + 26], radius=8, fill=color)
        for wheel in (x + w // 5, x + w * 4 // 5):
            draw.ellipse([wheel - 13, y + h - 26, wheel + 13, y + h], fill=(20, 20, 20))
        boxes.append([x, y, w, h, "车辆"])
    for _ in range(rng.randrange(1, 3)):
        x, y = rng.randrange(20, 600), rng.randrange(150, 190)
        draw.ellipse([x + 4, y, x + 20, y + 16], fill=(230, 190, 160))
        draw.rectangle([x + 2, y + 16, x + 22, y + 52], fill=rng.choice([(200, 120, 20), (80, 40, 120)]))
        draw.rectangle([x + 4, y + 52, x + 10, y + 80], fill=(40, 40, 60))
        draw.rectangle([x + 14, y + 52, x + 20, y + 80], fill=(40, 40, 60))
        boxes.append([x, y, 24, 80, "行人"])
    gold = [
        [round(x / width, 4), round(y / height, 4), round(w / width, 4), round(h / height, 4), label]
        for x, y, w, h, label in boxes
    ]
    return image, gold


def _lesson(course: Course, title: str) -> Lesson | None:
    return Lesson.objects.filter(module__course=course, title=title).first()


def _item_set(*, course: Course, lesson: Lesson | None, title: str, items, **fields) -> ItemSet | None:
    if ItemSet.objects.filter(course=course, title=title).exists():
        return None
    item_set = item_set_save(
        item_set=ItemSet(course=course, lesson=lesson, title=title, published=False, **fields)
    )
    items_add(item_set=item_set, items=items() if callable(items) else items)
    item_set.published = True  # once it has its gold items
    return item_set_save(item_set=item_set)


def seed_demo_practice(*, stdout: TextIO | None = None) -> list[str]:
    """Create the demo item sets and assignment that are missing; returns their titles."""
    created: list[str] = []
    rng = random.Random(16)  # noqa: S311 - the same demo pictures every time, not a secret
    ecommerce = Course.objects.filter(slug=ECOMMERCE).first()
    labelling = Course.objects.filter(slug=LABELLING).first()
    if ecommerce is not None:
        lesson = _lesson(ecommerce, "用手机拍出好主图")
        kinds = ["合格主图", "背景杂乱", "光线太暗"]
        if _item_set(
            course=ecommerce,
            lesson=lesson,
            title="主图合格吗？",
            instructions="看每张商品主图：背景干净、光线充足的是合格主图；否则选出它的问题。",
            task=ItemSet.Task.IMAGE_CLASS,
            labels=kinds,
            min_score=80,
            items=lambda: [
                ParsedItem(
                    source=f"主图{index + 1}",
                    image=_jpeg(_product_picture(kind, rng), f"main-{index + 1}.png"),
                    gold={"labels": [kind]},
                )
                for index, kind in enumerate(kinds[i % 3] for i in (0, 1, 2, 0, 2, 1, 0, 1, 2, 2, 0, 1))
            ],
        ):
            created.append("主图合格吗？")
        if not Assignment.objects.filter(course=ecommerce, title="为本县的茶写一条商品详情").exists():
            Assignment.objects.create(
                course=ecommerce,
                lesson=lesson,
                title="为本县的茶写一条商品详情",
                brief=(
                    "为你所在县的一款茶写一条网店商品详情：标题（品名、规格、产地）、三个以上卖点、"
                    "冲泡方法和储存方式；配五张自己拍的照片（主图、细节、冲泡、包装、产地）。"
                    "不要用“最好”“第一”等违规用语。"
                ),
                criteria=CRITERIA,
                max_images=5,
                published=True,
                position=practice_next_position(course_id=ecommerce.pk),  # after the exercises
            )
            created.append("为本县的茶写一条商品详情")
    if labelling is not None:
        boxes_lesson = _lesson(labelling, "拉框标注：车辆与行人")

        def streets():
            items = []
            for index in range(6):
                image, gold = _street(rng)
                items.append(
                    ParsedItem(
                        source=f"街景{index + 1}",
                        image=_jpeg(image, f"street-{index + 1}.png"),
                        gold={"boxes": gold},
                    )
                )
            return items

        if _item_set(
            course=labelling,
            lesson=boxes_lesson,
            title="街景拉框：车辆与行人",
            instructions="框出每一辆车和每一个行人：边框紧贴目标边缘。",
            task=ItemSet.Task.BBOX,
            labels=["车辆", "行人"],
            iou_threshold=0.5,
            min_score=70,
            items=streets,
        ):
            created.append("街景拉框：车辆与行人")
        text_lesson = _lesson(labelling, "文本情感分类")
        spans = []
        for text, parts in TITLES:
            gold, searched = [], 0
            for label, words in parts:
                start = text.index(words, searched)
                searched = start + len(words)
                gold.append([start, start + len(words), label])
            spans.append(ParsedItem(source=text, text=text, gold={"spans": gold}))
        if _item_set(
            course=labelling,
            lesson=text_lesson,
            title="商品标题：品牌、品名、规格",
            instructions="在每个商品标题里标出品牌、品名和规格。",
            task=ItemSet.Task.TEXT_SPAN,
            labels=["品牌", "品名", "规格"],
            min_score=70,
            items=spans,
        ):
            created.append("商品标题：品牌、品名、规格")
        if _item_set(
            course=labelling,
            lesson=text_lesson,
            title="评论情感（任务批次）",
            instructions="像合作工坊的真实任务一样标注这一批评论：正面、负面或中性。",
            task=ItemSet.Task.TEXT_CLASS,
            labels=["正面", "负面", "中性"],
            mode=ItemSet.Mode.JOB,
            min_score=75,
            items=[
                ParsedItem(source=text, text=text, gold={"labels": [label]} if label else None)
                for text, label in REVIEWS
            ],
        ):
            created.append("评论情感（任务批次）")
    if stdout is not None:
        stdout.write(f"Practice lab: {', '.join(created) if created else 'nothing new'}")
    return created
