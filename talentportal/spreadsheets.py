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
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
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
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # A moment read from the database is in UTC: the reader expects the portal's wall clock.
        return timezone.localtime(value)
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


# --- reading an upload (the student import, question banks) -----------------------------------

OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
XLSX_MAGIC = b"PK\x03\x04"
# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and none of
# them belongs in a name, a school or a question.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; ``message`` says why, translated, for whoever sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SheetTooLarge(SpreadsheetError):
    """The workbook unpacks to more bytes, or its sheet holds more rows, than the reader allows."""


def header_key(text: object) -> str:
    """A column header as the readers compare it: full-width folded, no spaces or underscores,
    lower case (“ 手机 号 ”, “Mobile_No”)."""
    return re.sub(r"[\s_]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def cell_text(value: object) -> str:
    """A cell as text: Excel's whole numbers without “.0” (mobile numbers, years), its booleans as
    对/错, control characters dropped, Windows line breaks folded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL_CHARACTERS.sub("", str(value)).replace("\r\n", "\n").strip()


def upload_check(data: bytes, filename: str, *, max_bytes: int) -> None:
    """What can be refused without reading the file: its size and the old Excel format."""
    if len(data) > max_bytes:
        raise SpreadsheetError(
            _("The file is larger than %(size)d MB: split it into several files.")
            % {"size": max_bytes // (1024 * 1024)}
        )
    if filename.lower().endswith(".xls") or data[:4] == OLD_EXCEL_MAGIC:
        raise SpreadsheetError(_("Old Excel files (.xls) cannot be read: save the file as XLSX or CSV."))


def csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of a CSV file in UTF-8 (with or without BOM), GBK or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(
            _("The file's text encoding is not UTF-8 or GBK: save it again as CSV (UTF-8).")
        )
    # Only the delimiter is guessed, from the header line: csv.Sniffer also guesses the quoting
    # from it and, finding no doubled quote there, would read a correctly quoted "" in a later
    # row as two fields. Quoting is the standard one (RFC 4180, what Excel and WPS write).
    header = text[:4096].lstrip().split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise SpreadsheetError(
            _(
                "Line %(line)d of the file cannot be read: a cell is far too long or a quotation mark "
                "is not closed. Correct it, or save the file again as XLSX."
            )
            % {"line": reader.line_num}
        ) from error


def xlsx_rows(
    data: bytes, *, max_rows: int, max_columns: int, max_unzipped: int, too_many_rows: str
) -> Iterator[tuple]:
    """The rows of the workbook's active sheet, each its first ``max_columns`` values, read in
    openpyxl's read-only mode. Bounded whatever the file holds: SheetTooLarge when it unpacks to
    more than ``max_unzipped`` bytes, or declares or holds more than ``max_rows`` rows (empty ones
    included; ``too_many_rows`` says so to the reader)."""
    unreadable = _("The spreadsheet cannot be read: save it again as XLSX or CSV.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # The sizes the zip declares: zipfile never unpacks more than them.
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise SpreadsheetError(unreadable) from error
    if unzipped > max_unzipped:
        raise SheetTooLarge(
            _("The spreadsheet is too large once unpacked: save it again as CSV, or split it.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active
        rows = sheet.iter_rows(max_row=max_rows + 1, max_col=max_columns, values_only=True)
    except Exception as error:
        raise SpreadsheetError(unreadable) from error
    try:
        # The sheet's declared size (its <dimension>), when it gives one: a sheet that says it is
        # longer than allowed is refused without a row being parsed.
        if (sheet.max_row or 0) > max_rows:
            raise SheetTooLarge(too_many_rows)
        for number, row in enumerate(rows, start=1):
            if number > max_rows:
                raise SheetTooLarge(too_many_rows)
            yield row
    except SpreadsheetError:
        raise
    except Exception as error:
        raise SpreadsheetError(unreadable) from error
    finally:
        workbook.close()
