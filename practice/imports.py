"""Reading an editor's upload into items: a CSV of texts, a zip of images with ``labels.csv``, or
a Label Studio JSON export (for images: the JSON inside a zip with the images). Every row is
checked; the result is the items or the rows' errors, never a part of the file.

CSV columns (headers in Chinese or English, any order):

- ``文本``/``text`` — the text (text tasks); ``文件``/``file`` — the image's name in the zip;
- ``标签``/``labels`` — classification: the labels, several separated by ``|`` or ``、``;
- ``标注``/``spans`` — spans as ``品牌:农夫山泉|规格:550ml`` (label, colon, the words as they
  appear in the text; a repeated word is found after the previous one);
- ``框``/``boxes`` — boxes as ``车辆:10,20,30,40|行人:…``: x, y, width, height in percent of the
  image.

In a job an empty ``标签``/``标注``/``框`` cell makes an unlabelled item; a filled one, a hidden
gold item (honeypot). In practice every row needs its gold label.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from django.utils.translation import gettext as _

from talentportal.images import ImageRefused, compress
from talentportal.spreadsheets import SpreadsheetError, cell_text, csv_rows, header_key

from .models import ItemSet

MAX_ITEMS = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 10 * 1024 * 1024
# A member that unpacks to more than this many times its packed size is a zip bomb's trick
# (photos do not compress: JPEG and PNG stay near 1:1).
MAX_RATIO = 50
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")

HEADERS = {
    "text": {"text", "文本", "内容"},
    "file": {"file", "文件", "图片", "image"},
    "labels": {"labels", "label", "标签"},
    "spans": {"spans", "标注", "实体"},
    "boxes": {"boxes", "框", "标注框"},
}


class UploadRefused(Exception):
    """The file as a whole cannot be read (the message says why, translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedItem:
    source: str
    text: str = ""
    image: object = None  # a CompressedImage
    gold: dict | None = None


@dataclass
class ParseResult:
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (row, message)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[|、;；]", text) if part.strip()]


def _class_gold(labels: list[str], item_set: ItemSet) -> dict:
    """The gold of a classification item, its labels checked against the set's (ValueError)."""
    if error := _check_labels(labels, item_set):
        raise ValueError(error)
    if len(labels) > 1 and not item_set.multi_label:
        raise ValueError(_("Only one label per item in this item set."))
    return {"labels": labels}


def _check_labels(labels: list[str], item_set: ItemSet) -> str | None:
    unknown = [label for label in labels if label not in item_set.labels]
    if unknown:
        return _("Unknown label %(labels)s: the item set's labels are %(known)s.") % {
            "labels": "、".join(unknown),
            "known": "、".join(item_set.labels),
        }
    return None


def gold_from_cells(item_set: ItemSet, *, text: str, cell: str) -> dict | None:
    """The gold label written in a CSV cell; None for an empty cell. ValueError (translated)
    for a cell that cannot be read."""
    cell = cell.strip()
    if not cell:
        return None
    if item_set.is_classification:
        return _class_gold(_split(cell), item_set)
    if item_set.task == ItemSet.Task.TEXT_SPAN:
        spans, searched_from = [], {}
        for part in _split(cell):
            label, colon, words = (
                re.split(r"([:：])", part, maxsplit=1) if re.search(r"[:：]", part) else (part, "", "")
            )
            label, words = label.strip(), words.strip()
            if not colon or not words:
                raise ValueError(_("Write each span as label:words, e.g. 品牌:农夫山泉."))
            if error := _check_labels([label], item_set):
                raise ValueError(error)
            # label:start-end:words (what the page writes with JavaScript): the offsets win, so
            # the second of two equal words stays the second.
            if at := re.fullmatch(r"(\d+)-(\d+)[:：](.*)", words):
                start, end = int(at[1]), int(at[2])
                if not 0 <= start < end <= len(text):
                    raise ValueError(_("A span lies outside the text."))
                spans.append([start, end, label])
                continue
            start = text.find(words, searched_from.get(words, 0))
            if start < 0:
                raise ValueError(_("“%(words)s” is not in the text.") % {"words": words})
            searched_from[words] = start + len(words)
            spans.append([start, start + len(words), label])
        return {"spans": spans}
    boxes = []
    for part in _split(cell):
        label, _colon, numbers = part.partition(":") if ":" in part else part.partition("：")
        try:
            x, y, w, h = (float(value) / 100 for value in numbers.split(","))
        except ValueError:
            raise ValueError(
                _("Write each box as label:x,y,width,height in percent, e.g. 车辆:10,20,30,40.")
            ) from None
        if error := _check_labels([label.strip()], item_set):
            raise ValueError(error)
        boxes.append([*_box_inside(x, y, w, h), label.strip()])
    return {"boxes": boxes}


def _needs_gold(item_set: ItemSet, gold: dict | None, result: ParseResult, row: str) -> bool:
    if gold is None and not item_set.is_job:
        result.errors.append((row, _("The gold label is missing.")))
        return False
    return True


def _table(rows: list[list[str]]) -> tuple[dict[str, int], list[list[str]]]:
    if not rows:
        raise UploadRefused(_("The file is empty."))
    columns: dict[str, int] = {}
    for index, header in enumerate(rows[0]):
        key = header_key(header)
        for name, names in HEADERS.items():
            if key in names:
                columns.setdefault(name, index)
    return columns, rows[1:]


def _gold_column(item_set: ItemSet) -> str:
    if item_set.is_classification:
        return "labels"
    return "spans" if item_set.task == ItemSet.Task.TEXT_SPAN else "boxes"


def _csv(data: bytes) -> list[list[str]]:
    try:
        return [[cell_text(cell) for cell in row] for row in csv_rows(data)]
    except SpreadsheetError as error:
        raise UploadRefused(error.message) from error


def parse_text_csv(item_set: ItemSet, data: bytes) -> ParseResult:
    columns, rows = _table(_csv(data))
    gold_column = _gold_column(item_set)
    if "text" not in columns or gold_column not in columns:
        raise UploadRefused(
            _("The file needs the columns 文本 and %(column)s.")
            % {"column": {"labels": "标签", "spans": "标注"}[gold_column]}
        )
    result = ParseResult()
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        name = _("row %(number)d") % {"number": number}
        row = row + [""] * (max(columns.values()) + 1 - len(row))
        text = row[columns["text"]]
        if not text:
            result.errors.append((name, _("The text is empty.")))
            continue
        try:
            gold = gold_from_cells(item_set, text=text, cell=row[columns[gold_column]])
        except ValueError as error:
            result.errors.append((name, str(error)))
            continue
        if _needs_gold(item_set, gold, result, name):
            result.items.append(ParsedItem(source=name, text=text, gold=gold))
    return result


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise UploadRefused(_("The zip file cannot be read.")) from error
    members = [member for member in archive.infolist() if not member.is_dir()]
    if len(members) > MAX_ITEMS + 10:
        raise UploadRefused(_("The zip holds more than %(count)d files.") % {"count": MAX_ITEMS})
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise UploadRefused(_("The zip is too large once unpacked (more than 200 MB)."))
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES or (
            member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        ):
            raise UploadRefused(
                _("%(name)s in the zip is too large once unpacked.") % {"name": member.filename[:80]}
            )
    return archive


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _zip_images(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    return {
        _basename(member.filename): member
        for member in archive.infolist()
        if not member.is_dir()
        and member.filename.lower().endswith(IMAGE_SUFFIXES)
        and not _basename(member.filename).startswith(".")
    }


def _read_image(archive: zipfile.ZipFile, member: zipfile.ZipInfo, result: ParseResult, row: str):
    try:
        return compress(archive.read(member))
    except ImageRefused as error:
        result.errors.append((row, error.message))
    except (zipfile.BadZipFile, OSError, RuntimeError):
        result.errors.append((row, _("The zip file cannot be read.")))
    return None


def parse_image_zip(item_set: ItemSet, data: bytes) -> ParseResult:
    archive = _open_zip(data)
    with archive:
        listing = [member for member in archive.infolist() if not member.is_dir()]
        table = next((m for m in listing if _basename(m.filename).lower() == "labels.csv"), None)
        label_studio = next((m for m in listing if m.filename.lower().endswith(".json")), None)
        if table is None and label_studio is not None:
            return _label_studio(item_set, json_bytes=archive.read(label_studio), archive=archive)
        if table is None:
            raise UploadRefused(
                _("The zip needs a labels.csv (or a Label Studio JSON export) beside the images.")
            )
        columns, rows = _table(_csv(archive.read(table)))
        gold_column = _gold_column(item_set)
        if "file" not in columns or gold_column not in columns:
            raise UploadRefused(
                _("labels.csv needs the columns 文件 and %(column)s.")
                % {"column": {"labels": "标签", "boxes": "框"}[gold_column]}
            )
        images = _zip_images(archive)
        result = ParseResult()
        for number, row in enumerate(rows, start=2):
            if not any(row):
                continue
            name = _("row %(number)d") % {"number": number}
            row = row + [""] * (max(columns.values()) + 1 - len(row))
            member = images.get(_basename(row[columns["file"]]))
            if member is None:
                result.errors.append(
                    (name, _("%(file)s is not in the zip.") % {"file": row[columns["file"]][:80]})
                )
                continue
            try:
                gold = gold_from_cells(item_set, text="", cell=row[columns[gold_column]])
            except ValueError as error:
                result.errors.append((name, str(error)))
                continue
            if not _needs_gold(item_set, gold, result, name):
                continue
            if len(result.items) >= MAX_ITEMS:
                result.errors.append(
                    (name, _("More than %(count)d items in one upload.") % {"count": MAX_ITEMS})
                )
                break
            image = _read_image(archive, member, result, name)
            if image is not None:
                result.items.append(ParsedItem(source=_basename(member.filename), image=image, gold=gold))
        return result


def _box_inside(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """The box as stored; ValueError (translated) for one outside the image or without area. An
    overshoot of the right or bottom edge under 0.2 % is rounding and is clipped."""
    if 1 - x < w < 1 - x + 0.002:
        w = 1 - x
    if 1 - y < h < 1 - y + 0.002:
        h = 1 - y
    if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 - x + 1e-9 and 0 < h <= 1 - y + 1e-9):
        raise ValueError(_("A box lies outside the image."))
    return round(x, 4), round(y, 4), round(w, 4), round(h, 4)


def _label_studio_gold(item_set: ItemSet, results: list[dict], *, text: str) -> dict | None:
    """The gold of a Label Studio annotation, checked as a CSV row is; None when it labels
    nothing."""
    if item_set.is_classification:
        labels = []
        for result in results:
            for label in (result.get("value") or {}).get("choices") or []:
                if label not in labels:
                    labels.append(str(label))
        if not labels:
            return None
        return _class_gold(labels, item_set)
    if item_set.task == ItemSet.Task.TEXT_SPAN:
        spans = []
        for result in results:
            value = result.get("value") or {}
            for label in value.get("labels") or []:
                start, end = int(value["start"]), int(value["end"])
                if not 0 <= start < end <= len(text):
                    raise ValueError(_("A span lies outside the text."))
                spans.append([start, end, str(label)])
        if not spans:
            return None
        if error := _check_labels([span[2] for span in spans], item_set):
            raise ValueError(error)
        return {"spans": spans}
    boxes = []
    for result in results:
        value = result.get("value") or {}
        for label in value.get("rectanglelabels") or []:
            x, y, w, h = _box_inside(
                float(value["x"]) / 100,
                float(value["y"]) / 100,
                float(value["width"]) / 100,
                float(value["height"]) / 100,
            )
            boxes.append([x, y, w, h, str(label)])
    if not boxes:
        return None
    if error := _check_labels([box[4] for box in boxes], item_set):
        raise ValueError(error)
    return {"boxes": boxes}


def _label_studio(item_set: ItemSet, *, json_bytes: bytes, archive: zipfile.ZipFile | None) -> ParseResult:
    """Label Studio's JSON export: a list of tasks, each with ``data`` (``text`` or ``image``)
    and ``annotations`` (the first one not cancelled is the gold)."""
    try:
        tasks = json.loads(json_bytes.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UploadRefused(_("The JSON file cannot be read.")) from error
    if not isinstance(tasks, list):
        raise UploadRefused(_("This is not a Label Studio JSON export (a list of tasks)."))
    images = _zip_images(archive) if archive is not None else {}
    result = ParseResult()
    for number, task in enumerate(tasks, start=1):
        name = _("task %(number)d") % {"number": number}
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            result.errors.append((name, _("This task has no data.")))
            continue
        annotations = [
            a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")
        ]
        text = "" if item_set.uses_images else str(task["data"].get("text") or "")
        try:
            gold = (
                _label_studio_gold(item_set, annotations[0].get("result") or [], text=text)
                if annotations
                else None
            )
        except (ValueError, KeyError, TypeError) as error:
            result.errors.append(
                (name, str(error) if isinstance(error, ValueError) else _("An annotation cannot be read."))
            )
            continue
        if not _needs_gold(item_set, gold, result, name):
            continue
        if len(result.items) >= MAX_ITEMS:
            result.errors.append((name, _("More than %(count)d items in one upload.") % {"count": MAX_ITEMS}))
            break
        if item_set.uses_images:
            reference = str(task["data"].get("image") or "")
            member = images.get(_basename(reference)) or images.get(_basename(reference).split("-", 1)[-1])
            if member is None:
                result.errors.append(
                    (name, _("%(file)s is not in the zip.") % {"file": _basename(reference)[:80] or "?"})
                )
                continue
            image = _read_image(archive, member, result, name)
            if image is not None:
                result.items.append(ParsedItem(source=_basename(member.filename), image=image, gold=gold))
        else:
            if not text:
                result.errors.append((name, _("The text is empty.")))
                continue
            result.items.append(ParsedItem(source=name, text=text, gold=gold))
    return result


def parse_upload(item_set: ItemSet, *, name: str, data: bytes) -> ParseResult:
    """The items of an uploaded file, or its rows' errors. UploadRefused for a file that cannot
    be read at all."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(_("The file is larger than 50 MB: split it into several files."))
    lower = name.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if item_set.uses_images:
        if not is_zip:
            raise UploadRefused(_("Upload a zip of the images with their labels.csv."))
        result = parse_image_zip(item_set, data)
    elif is_zip:
        raise UploadRefused(_("Upload a CSV file or a Label Studio JSON export for a text item set."))
    elif lower.endswith(".json") or data.lstrip()[:1] == b"[":
        result = _label_studio(item_set, json_bytes=data, archive=None)
    else:
        result = parse_text_csv(item_set, data)
    if len(result.items) > MAX_ITEMS:
        result.errors.append(("", _("More than %(count)d items in one upload.") % {"count": MAX_ITEMS}))
    if not result.items and not result.errors:
        result.errors.append(("", _("The file holds no items.")))
    return result
