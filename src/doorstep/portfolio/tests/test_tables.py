"""Reading files as banks send them: encodings, Excel, and files that cannot be read at all."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from doorstep.portfolio import tables
from doorstep.portfolio.tables import FileProblem, read_table

# Excel date cells carry no time zone, so openpyxl reads them as naive datetimes.
EXCEL_JUNE_3 = datetime(2026, 6, 3)  # noqa: DTZ001
EXCEL_JUNE_4 = datetime(2026, 6, 4)  # noqa: DTZ001

CSV_TEXT = (
    'Account ID,客户姓名,amount\r\nAC1,王芳,"1,234.50"\r\n\r\nAC2,"李\n强",5\r\nAC3,陈静,7\r\n'
)


def rows_of(table: tables.Table) -> list[tuple[int, list]]:
    return list(table.rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_is_read_in_every_encoding_excel_writes(encoding) -> None:
    table = read_table(CSV_TEXT.encode(encoding), "accounts.csv")
    assert table.header == ["account_id", "客户姓名", "amount"]
    assert rows_of(table) == [
        (2, ["AC1", "王芳", "1,234.50"]),
        (3, []),
        (4, ["AC2", "李\n强", "5"]),
        (6, ["AC3", "陈静", "7"]),
    ]


def test_gb18030_is_detected_without_being_told() -> None:
    assert "王芳".encode("gb18030") != "王芳".encode()
    table = read_table("name\n王芳\n".encode("gb18030"), "a.csv")
    assert rows_of(table) == [(2, ["王芳"])]


def test_a_tab_separated_file_is_read_as_such() -> None:
    table = read_table(b"account_id\tamount\nAC1\t1,234.50\n", "a.txt")
    assert rows_of(table) == [(2, ["AC1", "1,234.50"])]


def xlsx_bytes(*rows: list) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_rows_keep_their_cell_types_and_row_numbers() -> None:
    data = xlsx_bytes(
        ["account_id", "paid_on", "amount"],
        ["AC1", EXCEL_JUNE_3, 1234.5],
        [None, None, None],
        [6222020012345678, date(2026, 6, 4), 7],
    )
    table = read_table(data, "payments.XLSX")
    assert table.header == ["account_id", "paid_on", "amount"]
    assert table.total == 3
    assert rows_of(table) == [
        (2, ["AC1", EXCEL_JUNE_3, 1234.5]),
        (3, [None, None, None]),
        (4, [6222020012345678, EXCEL_JUNE_4, 7]),
    ]


@pytest.mark.parametrize(
    ("data", "name", "code", "message"),
    [
        (b"", "a.csv", "file_empty", "The file is empty: it has no header row."),
        (b"\xef\xbb\xbf \r\n", "a.csv", "file_empty", "The file is empty: it has no header row."),
        (
            b"name\n\xff\xfa\xff\n",
            "a.csv",
            "bad_encoding",
            "The file's text is neither UTF-8 nor GB18030; save it as “CSV UTF-8” and try again.",
        ),
        (b"a,b\n", "a.xls", "old_excel", tables.FILE_OLD_EXCEL),
        (
            b"a,b\n",
            "a.pdf",
            "unknown_file_type",
            "“a.pdf” is not a CSV (.csv) or Excel (.xlsx) file; save it as one of those.",
        ),
        (b"not a zip", "a.xlsx", "bad_xlsx", tables.FILE_BAD_XLSX),
        (b"a,b,a\n1,2,3\n", "a.csv", "duplicate_column", "The column “a” appears more than once."),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_problem(data, name, code, message) -> None:
    with pytest.raises(FileProblem) as problem:
        read_table(data, name)
    assert (problem.value.code, str(problem.value)) == (code, message)


def test_an_excel_workbook_named_csv_is_recognised() -> None:
    with pytest.raises(FileProblem) as problem:
        read_table(xlsx_bytes(["a"]), "accounts.csv")
    assert problem.value.code == "not_text"


def test_an_empty_worksheet_is_an_empty_file() -> None:
    with pytest.raises(FileProblem) as problem:
        read_table(xlsx_bytes(), "a.xlsx")
    assert problem.value.code == "file_empty"


def test_a_file_over_the_size_limit_is_refused_before_reading(monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1024 * 1024)
    with pytest.raises(FileProblem) as problem:
        read_table(b"account_id\n" + b"AC1\n" * 300_000, "a.csv")
    assert str(problem.value) == (
        "The file is too large: at most 1 MB and 1000000 rows; split it into parts."
    )


def test_a_file_over_the_row_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 2)
    with pytest.raises(FileProblem) as problem:
        read_table(b"account_id\nAC1\nAC2\nAC3\n", "a.csv")
    assert problem.value.code == "file_too_large"
