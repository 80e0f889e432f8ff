"""The report as the files regulators accept: CSV (one file, a block per section), Excel (a
sheet per section) and PDF (the paper copy the bank signs). Each file opens with what it is and
when it was made, so a forwarded copy still says which quarter it covers."""

from __future__ import annotations

import csv
from io import BytesIO, StringIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from doorstep.core.pdf import PdfDocument
from doorstep.oversight.regulator.selectors import RegulatorReport

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _heading(report: RegulatorReport) -> list[list[str]]:
    return [
        [_("Complaint and collection-conduct report"), str(report.quarter)],
        [
            _("Period"),
            f"{report.quarter.first_day.isoformat()} – {report.quarter.last_day.isoformat()}",
        ],
        [_("Generated at"), report.generated_at.isoformat(timespec="seconds")],
    ]


def report_csv(report: RegulatorReport) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese labels correctly."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerows(_heading(report))
    for section in report.sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.columns)
        writer.writerows(section.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: RegulatorReport) -> bytes:
    book = Workbook()
    first: Any = book.active
    first.title = _("About")[:31]
    for row in _heading(report):
        first.append(row)
    first["A1"].font = Font(bold=True, size=14)
    first.column_dimensions["A"].width = 40
    first.column_dimensions["B"].width = 30
    for section in report.sections:
        sheet: Any = book.create_sheet(section.slug[:31])
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(section.columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append(row)
        for index, column in enumerate(section.columns, start=1):
            letter = sheet.cell(row=2, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(48, 2 * len(str(column)) + 4))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: RegulatorReport) -> bytes:
    """Reproducible bytes (see ``core.pdf``): regenerating an unchanged quarter gives the same
    digest as the copy issued."""
    heading = _heading(report)
    document = PdfDocument(title=f"{heading[0][0]} {report.quarter}")
    document.heading(f"{heading[0][0]} · {report.quarter}")
    document.table([(str(label), str(value)) for label, value in heading[1:]])
    for section in report.sections:
        document.heading(section.title, level="heading")
        if section.rows:
            document.grid(section.columns, section.rows, small=len(section.columns) > 4)
        else:
            document.paragraph(_("None."))
    return document.render()
