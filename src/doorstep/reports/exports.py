"""A chart's table as an Excel workbook: what the manager sees on the page, with the filters
and the date it reflects, so a forwarded file still says what it is."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from doorstep.reports.figures import ColumnKind
from doorstep.reports.selectors import ChartResult

FORMATS = {ColumnKind.MONEY: "#,##0.00", ColumnKind.PERCENT: "0.00%", ColumnKind.COUNT: "#,##0"}


def chart_workbook(result: ChartResult, *, scope: list[tuple[str, str]]) -> bytes:
    """``scope`` are the filters as (label, value) pairs, written above the table."""
    book = Workbook()
    sheet: Any = book.active
    sheet.title = result.chart.slug[:31]
    sheet.append([str(result.chart.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    filters = result.filters
    sheet.append([_("From"), filters.since.isoformat(), _("To"), filters.until.isoformat()])
    if result.as_of is not None:
        sheet.append([_("Data as of"), result.as_of.isoformat()])
    for label, value in scope:
        sheet.append([label, value])
    sheet.append([])
    columns = result.figure.columns
    sheet.append([column.label for column in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in result.figure.rows:
        sheet.append([value if value is not None else "" for value in row])
        for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
            if column.kind in FORMATS and cell.value != "":
                cell.number_format = FORMATS[column.kind]
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            12, len(column.label) + 4
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
