"""Spreadsheet exports (CSV and XLSX) that are safe to open in Excel or WPS.

A cell that starts with = + - @ or a tab/carriage return would be run as a formula by the
spreadsheet (CSV/formula injection: a learner named ``=HYPERLINK(...)``); such text is written
with a leading single quote so it shows as text.

Whatever the data, an export is a file, never an error: a cell holds at most 32,767 characters
(Excel's limit; a longer text is cut and ends with a marker saying so), control characters that
XML cannot carry are dropped, and a sheet title or file name made from a class name
loses the characters that sheet titles and file names forbid (``2026/春季班``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
# Excel's (and WPS's) limit of characters in a cell; openpyxl would cut longer text silently.
MAX_CELL_CHARS = 32_767
# What a sheet title may not contain or exceed (Excel; openpyxl raises ValueError on these).
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:\x00-\x1f]")
MAX_SHEET_TITLE_CHARS = 31
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that could start a formula gets a quote.
    Numbers and dates stay as they are (a negative number is not text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | datetime.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    """``value`` for a cell: neutralised; text without the control characters XML cannot carry
    (openpyxl raises IllegalCharacterError on them; without them the text may start a formula
    again: "\x01=HYPERLINK(…)"), and cut with a marker if it is longer than a cell holds."""
    value = neutralise(value)
    if not isinstance(value, str):
        return value
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if len(text) <= MAX_CELL_CHARS:
        return text
    marker = _("… (cut: longer than a spreadsheet cell holds)")
    return text[: MAX_CELL_CHARS - len(marker)] + marker


def sheet_title(text: str) -> str:
    """``text`` as a valid sheet title: without / \\ ? * [ ] : and control characters, not
    starting or ending with an apostrophe, at most 31 characters; "Sheet1" if nothing is left."""
    title = _SHEET_TITLE_FORBIDDEN.sub("-", text or "")[:MAX_SHEET_TITLE_CHARS].strip().strip("'")
    if title.lower() == "history":  # reserved by Excel
        title += "-1"
    return title or "Sheet1"


def safe_filename(text: str) -> str:
    """``text`` without the characters file systems forbid (a class name like 2026/春季班)."""
    return _FILENAME_FORBIDDEN.sub("-", text or "").strip(" .") or "export"


def _csv_value(value: Any) -> str:
    value = _cell(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    """CSV text line by line, starting with a UTF-8 byte order mark so Excel reads Chinese right."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_csv_value(header) for header in headers])
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """An XLSX workbook of one sheet, written in streaming mode (constant memory per row)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([_xlsx_value(header) for header in headers])
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    value = _cell(value)
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the local wall-clock time is what the reader expects.
        return value.replace(tzinfo=None)
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    # RFC 5987: a Chinese file name survives in every current browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def spreadsheet_response(
    *, fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of ``rows`` as ``fmt`` ("csv", streamed; or "xlsx")."""
    filename = safe_filename(filename)
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(headers, rows, title=filename), content_type=XLSX_CONTENT_TYPE)
        return _attachment(response, f"{filename}.xlsx")
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{filename}.csv")
