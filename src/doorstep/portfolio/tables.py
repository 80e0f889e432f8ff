"""Turn an uploaded CSV or Excel file into a header and numbered rows of raw cells.

Pure (no Django), so the command, the API and the tests read files the same way. Banks send CSV
from many tools: UTF-8 with or without a byte-order mark, and GB18030 from Excel on Chinese
Windows, which is detected rather than asked for. A problem with the file as a whole (not one
row) is a ``FileProblem``: nothing is imported from such a file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

import openpyxl

from doorstep.core.i18n import gettext_noop

Cell = str | int | float | date | datetime | time | bool | None

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_ROWS = 1_000_000

FILE_EMPTY = gettext_noop("The file is empty: it has no header row.")
FILE_TOO_LARGE = gettext_noop(
    "The file is too large: at most %(max_mb)d MB and %(max_rows)d rows; split it into parts."
)
FILE_UNKNOWN_TYPE = gettext_noop(
    "“%(name)s” is not a CSV (.csv) or Excel (.xlsx) file; save it as one of those."
)
FILE_OLD_EXCEL = gettext_noop(
    "Old Excel files (.xls) cannot be read; save it as Excel workbook (.xlsx) or CSV."
)
FILE_ENCODING = gettext_noop(
    "The file's text is neither UTF-8 nor GB18030; save it as “CSV UTF-8” and try again."
)
FILE_NOT_TEXT = gettext_noop(
    "The file is not a text CSV file (it looks like an Excel workbook); name it .xlsx or "
    "save it as CSV."
)
FILE_BAD_CSV = gettext_noop("The CSV file cannot be read near line %(line)d: %(detail)s.")
FILE_BAD_XLSX = gettext_noop("The file cannot be read as an Excel workbook (.xlsx).")
FILE_DUPLICATE_COLUMN = gettext_noop("The column “%(column)s” appears more than once.")


class FileProblem(Exception):
    """The whole file is unusable. ``code`` is stable for clients; ``message`` is translatable."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.params = params


@dataclass
class Table:
    """The normalised header and an iterator of ``(line, cells)``; the header is line 1.

    ``total`` is how many data rows the file holds, for the progress bar, when the format says
    so up front (it may count blank rows that are skipped).
    """

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    total: int | None


def column_name(raw: Cell) -> str:
    """``" Account ID"`` and ``"account-id"`` both name the column ``account_id``."""
    text = "" if raw is None else str(raw)
    return "_".join(text.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def read_table(data: bytes, filename: str) -> Table:
    """Open ``data`` according to the extension of ``filename``."""
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in {".csv", ".txt"}:
        return _read_csv(data)
    if suffix == ".xls":
        raise FileProblem("old_excel", FILE_OLD_EXCEL)
    raise FileProblem("unknown_file_type", FILE_UNKNOWN_TYPE, name=PurePath(filename).name)


def too_large() -> FileProblem:
    return FileProblem(
        "file_too_large",
        FILE_TOO_LARGE,
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_rows=MAX_ROWS,
    )


def decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"PK\x03\x04"):
        raise FileProblem("not_text", FILE_NOT_TEXT)
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's "Unicode text"
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise FileProblem("not_text", FILE_NOT_TEXT)
        return text
    raise FileProblem("bad_encoding", FILE_ENCODING)


def _delimiter(first_line: str) -> str:
    """Comma unless the header is clearly tab- or semicolon-separated."""
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _header(cells: list[Cell]) -> list[str]:
    header = [column_name(cell) for cell in cells]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise FileProblem("duplicate_column", FILE_DUPLICATE_COLUMN, column=name)
        seen.add(name)
    return header


def _read_csv(data: bytes) -> Table:
    text = decode(data)
    if not text.strip():
        raise FileProblem("file_empty", FILE_EMPTY)
    delimiter = _delimiter(text.split("\n", 1)[0])
    # A first pass finds a broken record before anything is stored, and counts the rows.
    records = _csv_records(text, delimiter)
    header = next(records)[1]
    total = 0
    for _line, cells in records:
        total += bool(cells)
        if total > MAX_ROWS:
            raise too_large()
    records = _csv_records(text, delimiter)
    next(records)
    return Table(header=_header(list(header)), rows=records, total=total)


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[Cell]]]:
    """Each record with the line it starts on; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem("bad_csv", FILE_BAD_CSV, line=start, detail=str(exc)) from None
        yield start, list(record)
        start = reader.line_num + 1


def _read_xlsx(data: bytes) -> Table:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileProblem("bad_xlsx", FILE_BAD_XLSX) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or all(cell is None for cell in first):
        workbook.close()
        raise FileProblem("file_empty", FILE_EMPTY)
    total = sheet.max_row - 1 if isinstance(sheet.max_row, int) else None
    if total is not None and total > MAX_ROWS:
        workbook.close()
        raise too_large()
    return Table(header=_header(list(first)), rows=_xlsx_rows(workbook, rows), total=total)


def _xlsx_rows(workbook: Any, rows: Iterator[tuple[Cell, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    """Data rows numbered as Excel shows them; the workbook closes when reading ends."""
    try:
        for line, values in enumerate(rows, start=2):
            yield line, list(values)
    finally:
        workbook.close()
