"""Import China's administrative divisions from CSV files (the format of shared/data/divisions).

Every file is read and checked before anything is written; the writes then happen in one
transaction, so a bad file leaves the database as it was. Rows are upserted by their official
code, so running the import again updates names, adds new rows and never duplicates one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import County, Prefecture, Province, Township

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 20


class DivisionFileError(Exception):
    """One or more files are malformed; ``errors`` holds "file:line: reason" strings."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class _Level:
    model: type[models.Model]
    label: str
    filename: str
    code_length: int
    # CSV column -> (model field, parent level's code length)
    parents: dict[str, tuple[str, int]]
    required: bool = True


LEVELS = [
    _Level(Province, _lazy("provinces"), "provinces.csv", 2, {}),
    _Level(Prefecture, _lazy("prefectures"), "cities.csv", 4, {"provinceCode": ("province_id", 2)}),
    _Level(
        County,
        "counties",
        "areas.csv",
        6,
        {"cityCode": ("prefecture_id", 4), "provinceCode": ("province_id", 2)},
    ),
    _Level(Township, _lazy("townships"), "streets.csv", 9, {"areaCode": ("county_id", 6)}, required=False),
]


@dataclass
class LevelReport:
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    levels: list[LevelReport] = field(default_factory=list)


def _read_rows(path: Path, level: _Level, errors: list[str]) -> dict[str, dict[str, str]]:
    """Parse one file into {code: {field: value}}, appending problems to ``errors``."""
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(_("%(file)s:%(line)d: not UTF-8 text.") % {"file": name, "line": line})
        return {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    wanted = ["code", "name", *level.parents]
    missing = [column for column in wanted if column not in (reader.fieldnames or [])]
    if missing:
        errors.append(
            _("%(file)s:1: missing column(s) %(columns)s; expected %(expected)s.")
            % {"file": name, "columns": ", ".join(missing), "expected": ", ".join(wanted)}
        )
        return {}
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        line = reader.line_num
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
        # csv.DictReader puts surplus cells under the key None and fills missing ones with None.
        if None in row or None in row.values():
            errors.append(_("%(file)s:%(line)d: wrong number of columns.") % {"file": name, "line": line})
            continue
        code, title = row["code"].strip(), row["name"].strip()
        if len(code) != level.code_length or not code.isdigit():
            errors.append(
                _("%(file)s:%(line)d: code %(code)r is not %(length)d digits.")
                % {"file": name, "line": line, "code": code, "length": level.code_length}
            )
            continue
        if not title:
            errors.append(_("%(file)s:%(line)d: the name is empty.") % {"file": name, "line": line})
            continue
        if code in rows:
            errors.append(
                _("%(file)s:%(line)d: code %(code)s appears twice.")
                % {"file": name, "line": line, "code": code}
            )
            continue
        values = {"name": title}
        for column, (model_field, parent_length) in level.parents.items():
            parent = row[column].strip()
            if len(parent) != parent_length or not parent.isdigit() or not code.startswith(parent):
                errors.append(
                    _("%(file)s:%(line)d: %(column)s %(parent)r does not match code %(code)s.")
                    % {"file": name, "line": line, "column": column, "parent": parent, "code": code}
                )
                break
            values[model_field] = parent
        else:
            values["_line"] = str(line)
            rows[code] = values
    return rows


def _check_parents(
    level: _Level, rows: dict[str, dict[str, str]], known: dict[int, set[str]], errors: list[str]
) -> None:
    for values in rows.values():
        for column, (model_field, parent_length) in level.parents.items():
            if values[model_field] not in known[parent_length]:
                errors.append(
                    _("%(file)s:%(line)s: %(column)s %(parent)s is not a known division.")
                    % {
                        "file": level.filename,
                        "line": values["_line"],
                        "column": column,
                        "parent": values[model_field],
                    }
                )
                if len(errors) >= MAX_REPORTED_ERRORS:
                    return


def import_divisions(directory: Path) -> ImportReport:
    """Load provinces, prefectures, counties and (if present) townships from ``directory``.

    Raises DivisionFileError naming each bad file and line; writes nothing in that case.
    Guarantees: idempotent (upsert by code), all-or-nothing (one transaction).
    """
    directory = Path(directory)
    errors: list[str] = []
    parsed: list[tuple[_Level, dict[str, dict[str, str]]]] = []
    for level in LEVELS:
        path = directory / level.filename
        if not path.is_file():
            if level.required:
                errors.append(
                    _("%(file)s: file not found in %(dir)s.") % {"file": level.filename, "dir": directory}
                )
            continue
        parsed.append((level, _read_rows(path, level, errors)))
    if errors:
        raise DivisionFileError(errors)

    # A parent may come from the same import or already be in the database.
    known: dict[int, set[str]] = {}
    for level, rows in parsed:
        known[level.code_length] = set(rows) | set(level.model.objects.values_list("pk", flat=True))
    for level, rows in parsed:
        _check_parents(level, rows, known, errors)
    if errors:
        raise DivisionFileError(errors[:MAX_REPORTED_ERRORS])

    report = ImportReport()
    with transaction.atomic():
        for level, rows in parsed:
            report.levels.append(_upsert(level, rows))
    return report


def _upsert(level: _Level, rows: dict[str, dict[str, str]]) -> LevelReport:
    model = level.model
    fields = ["name", *(model_field for model_field, _length in level.parents.values())]
    existing = {
        values[0]: values[1:] for values in model.objects.values_list("pk", *fields).iterator(chunk_size=5000)
    }
    report = LevelReport(label=str(level.label))
    changed = []
    for code, values in rows.items():
        new = tuple(values[name] for name in fields)
        old = existing.get(code)
        if old == new:
            report.unchanged += 1
            continue
        if old is None:
            report.created += 1
        else:
            report.updated += 1
        changed.append(model(pk=code, **{name: values[name] for name in fields}))
    model.objects.bulk_create(
        changed,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=fields,
    )
    return report
