"""A course as a zip of Markdown files, so that a teacher can write lessons in any editor.

``outline.txt`` says what the course is and in what order: ``title:`` and ``summary:`` lines,
then ``## Module title`` lines each followed by the names of its lesson files. Each lesson file
starts with ``# Lesson title``; the rest is its Markdown. Reading is bounded (files, sizes) so
that a zip bomb is refused before it is unpacked.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from courses.portability import FORMAT_VERSION, CourseFileError

OUTLINE = "outline.txt"
MAX_FILES = 500
MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024


def course_zip(*, document: dict[str, Any]) -> bytes:
    """The zip of ``document`` (a course document of courses.portability)."""
    data = document["course"]
    lines = [f"title: {data['title']}", f"summary: {data['summary']}"]
    files: list[tuple[str, str]] = []
    for module in data["modules"]:
        lines.append(f"## {module['title']}")
        for lesson in module["lessons"]:
            name = f"{len(files) + 1:02d}-{slugify(lesson['title'])[:40] or 'lesson'}.md"
            files.append((name, f"# {lesson['title']}\n\n{lesson['body']}".rstrip() + "\n"))
            lines.append(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(OUTLINE, "\n".join(lines) + "\n")
        for name, text in files:
            archive.writestr(name, text)
    return out.getvalue()


def _text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, problems: list[str]) -> str | None:
    if info.file_size > MAX_FILE_BYTES:
        problems.append(
            _("%(file)s: larger than %(limit)d KB") % {"file": info.filename, "limit": MAX_FILE_BYTES // 1024}
        )
        return None
    try:
        return archive.read(info).decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(_("%(file)s: not UTF-8 text") % {"file": info.filename})
        return None


def document_from_zip(data: bytes) -> dict[str, Any]:
    """A course document read from a zip (see the module's docstring). CourseFileError lists
    every problem; nothing is read beyond the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise CourseFileError([_("the file is not a zip archive")]) from error
    with archive:
        infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        if len(infos) > MAX_FILES:
            raise CourseFileError([_("more than %(count)d files") % {"count": MAX_FILES}])
        if sum(info.file_size for info in infos.values()) > MAX_TOTAL_BYTES:
            raise CourseFileError(
                [_("more than %(limit)d MB once unpacked") % {"limit": MAX_TOTAL_BYTES // (1024 * 1024)}]
            )
        if OUTLINE not in infos:
            raise CourseFileError([_("%(file)s: missing") % {"file": OUTLINE}])
        problems: list[str] = []
        outline = _text(archive, infos[OUTLINE], problems) or ""
        course = {"title": "", "summary": ""}
        modules: list[dict[str, Any]] = []
        for number, raw in enumerate(outline.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("## "):
                modules.append({"title": line[3:].strip(), "summary": "", "lessons": [], "quiz": None})
            elif line.lower().startswith(("title:", "summary:")):
                key, _colon, value = line.partition(":")
                course[key.lower()] = value.strip()
            elif not modules:
                problems.append(
                    _("%(file)s line %(line)d: a lesson file before any “## module” line")
                    % {"file": OUTLINE, "line": number}
                )
            elif line not in infos:
                problems.append(
                    _("%(file)s line %(line)d: %(name)s: no such file in the zip")
                    % {"file": OUTLINE, "line": number, "name": line}
                )
            else:
                text = _text(archive, infos[line], problems)
                if text is None:
                    continue
                first, _newline, body = text.partition("\n")
                if not first.startswith("# "):
                    problems.append(_("%(file)s: the first line must be “# Lesson title”") % {"file": line})
                    continue
                modules[-1]["lessons"].append(
                    {
                        "title": first[2:].strip(),
                        "kind": "reading",
                        "body": body.strip(),
                        "video_url": "",
                        "duration_minutes": 10,
                        "is_required": True,
                    }
                )
    if problems:
        raise CourseFileError(problems)
    return {
        "format_version": FORMAT_VERSION,
        "course": {
            "slug": slugify(course["title"])[:60] or "course",
            "title": course["title"],
            "track": {"slug": "imported", "name": "imported"},
            "summary": course["summary"],
            "description": "",
            "level": "beginner",
            "language": "zh-hans",
            "estimated_hours": 1,
            "delivery_modes": ["online"],
            "prerequisites": "",
            "modules": modules,
            "final_quiz": None,
        },
    }
