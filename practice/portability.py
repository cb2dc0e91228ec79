"""Item sets and assignments as part of a course document (``export_course``/``import_course``).

The document's ``practice`` key holds ``item_sets`` and ``assignments``. Each names its lesson by
position — ``[module index, lesson index]`` in the course's order, as ``courses.portability``
writes them — so it finds the same lesson in the imported copy. An item's picture travels inside
the file as base64 JPEG (already compressed: a few KB to a few tens of KB each). Imported item sets
and assignments are unpublished drafts.
"""

from __future__ import annotations

import base64
import binascii

from django.db import transaction

from courses.models import Course, Lesson
from courses.portability import document_position
from talentportal.images import ImageRefused, compress

from .imports import ParsedItem
from .models import Assignment, ItemSet
from .services import item_set_save, items_add, practice_next_position

PRACTICE = "practice"
SET_FIELDS = ("title", "instructions", "task", "labels", "multi_label", "iou_threshold", "mode", "min_score")


def _lesson_positions(course: Course) -> dict[int, list[int]]:
    positions = {}
    lessons = Lesson.objects.filter(module__course=course).order_by("module__order", "order")
    module_ids: list[int] = []
    counts: dict[int, int] = {}
    for lesson in lessons.only("pk", "module_id"):
        if lesson.module_id not in counts:
            module_ids.append(lesson.module_id)
            counts[lesson.module_id] = 0
        positions[lesson.pk] = [module_ids.index(lesson.module_id), counts[lesson.module_id]]
        counts[lesson.module_id] += 1
    return positions


def _outline_places(course: Course) -> dict[tuple[str, int], int]:
    """Each practice item's place in the course's outline, 1, 2, … (item sets and assignments in
    one sequence; on a tie of position — never ordered — exercises first, then by title), as
    the studio's outline shows them: what a document carries, so that an import keeps it."""
    rows = sorted(
        [
            *(("set", pk, position) for pk, position in _ordered(ItemSet, course)),
            *(("assignment", pk, position) for pk, position in _ordered(Assignment, course)),
        ],
        key=lambda row: row[2],  # stable: exercises before assignments on a tie
    )
    return {(kind, pk): place for place, (kind, pk, _position) in enumerate(rows, start=1)}


def _ordered(model, course: Course) -> list[tuple[int, int]]:
    return list(
        model.objects.filter(course=course).order_by("position", "title", "pk").values_list("pk", "position")
    )


def course_practice_export(*, course: Course) -> dict:
    """The ``practice`` part of the course document (nothing when the course has no practice),
    in outline order with each item's place."""
    positions = _lesson_positions(course)
    places = _outline_places(course)
    item_sets = []
    for item_set in sorted(
        ItemSet.objects.filter(course=course).prefetch_related("items"),
        key=lambda row: places[("set", row.pk)],
    ):
        items = []
        for item in item_set.items.all():
            entry = {"text": item.text, "gold": item.gold, "source": item.source_name}
            if item.image:
                with item.image.open("rb") as stored:
                    entry["image"] = base64.b64encode(stored.read()).decode("ascii")
            items.append(entry)
        item_sets.append(
            {
                **{field: getattr(item_set, field) for field in SET_FIELDS},
                "lesson": positions.get(item_set.lesson_id),
                "position": places[("set", item_set.pk)],
                "items": items,
            }
        )
    assignments = [
        {
            "title": assignment.title,
            "brief": assignment.brief,
            "criteria": assignment.criteria,
            "max_images": assignment.max_images,
            "lesson": positions.get(assignment.lesson_id),
            "position": places[("assignment", assignment.pk)],
        }
        for assignment in sorted(
            Assignment.objects.filter(course=course), key=lambda row: places[("assignment", row.pk)]
        )
    ]
    if not item_sets and not assignments:
        return {}  # a course without practice writes the same file as before the practice lab
    return {PRACTICE: {"item_sets": item_sets, "assignments": assignments}}


class PracticeDocumentError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def practice_document_problems(document: dict) -> list[str]:
    """What is wrong with the ``practice`` part of a course document (empty when fine or absent)."""
    part = document.get(PRACTICE)
    if part is None:
        return []
    if not isinstance(part, dict):
        return ["practice: not an object"]
    problems = []
    for index, item_set in enumerate(part.get("item_sets") or []):
        where = f"practice.item_sets[{index}]"
        if not isinstance(item_set, dict):
            problems.append(f"{where}: not an object")
            continue
        if item_set.get("task") not in ItemSet.Task.values:
            problems.append(f"{where}.task: one of {', '.join(ItemSet.Task.values)}")
        if not isinstance(item_set.get("labels"), list) or not item_set.get("labels"):
            problems.append(f"{where}.labels: a list of labels")
        if not str(item_set.get("title") or "").strip():
            problems.append(f"{where}.title: required")
        for number, item in enumerate(item_set.get("items") or []):
            if not isinstance(item, dict) or not (item.get("text") or item.get("image")):
                problems.append(f"{where}.items[{number}]: a text or an image")
    for index, assignment in enumerate(part.get("assignments") or []):
        where = f"practice.assignments[{index}]"
        if not isinstance(assignment, dict) or not str(assignment.get("title") or "").strip():
            problems.append(f"{where}.title: required")
        elif not isinstance(assignment.get("criteria"), list):
            problems.append(f"{where}.criteria: a list")
    return problems


def _lesson_at(course: Course, position) -> Lesson | None:
    if not isinstance(position, list) or len(position) != 2:
        return None
    lessons = Lesson.objects.filter(module__course=course).order_by("module__order", "order")
    for lesson_id, found in _lesson_positions(course).items():
        if found == position:
            return lessons.get(pk=lesson_id)
    return None


@transaction.atomic
def course_practice_import(*, document: dict, course: Course) -> tuple[list[ItemSet], list[Assignment]]:
    """Create the document's item sets (with their items) and assignments for ``course``, as
    unpublished drafts. Call after practice_document_problems found nothing; PracticeDocumentError
    for a picture that cannot be read. All or nothing (one transaction)."""
    part = document.get(PRACTICE) or {}
    sets, assignments = [], []
    # The outline places the document carries, after what the course has already.
    base = practice_next_position(course_id=course.pk) - 1

    def place(data: dict) -> int:
        position = document_position(data.get("position"))
        return base + position if position else practice_next_position(course_id=course.pk)

    for index, data in enumerate(part.get("item_sets") or []):
        item_set = item_set_save(
            item_set=ItemSet(
                course=course,
                lesson=_lesson_at(course, data.get("lesson")),
                published=False,
                position=place(data),
                **{field: data[field] for field in SET_FIELDS if field in data},
            )
        )
        items = []
        for number, item in enumerate(data.get("items") or []):
            image = None
            if item.get("image"):
                try:
                    image = compress(base64.b64decode(item["image"], validate=True))
                except (binascii.Error, ValueError, ImageRefused) as error:
                    raise PracticeDocumentError(
                        [f"practice.item_sets[{index}].items[{number}].image: {error}"]
                    ) from None
            items.append(
                ParsedItem(
                    source=str(item.get("source") or "")[:200],
                    text=str(item.get("text") or ""),
                    image=image,
                    gold=item.get("gold"),
                )
            )
        items_add(item_set=item_set, items=items)
        sets.append(item_set)
    for data in part.get("assignments") or []:
        assignments.append(
            Assignment.objects.create(
                course=course,
                lesson=_lesson_at(course, data.get("lesson")),
                title=data["title"],
                brief=data.get("brief") or "",
                criteria=data["criteria"],
                max_images=int(data.get("max_images") or 5),
                published=False,
                position=place(data),
            )
        )
    return sets, assignments
