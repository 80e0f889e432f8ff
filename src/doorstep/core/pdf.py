"""A small PDF helper on reportlab: titled documents of headings, paragraphs and two-column
tables, with Chinese set in reportlab's built-in CID font ``STSong-Light`` (no font files).

Reuse it for any printable record (certificates, plan letters, visit reports)::

    pdf = PdfDocument(title="结清证明 Settlement certificate")
    pdf.heading("结清证明")
    pdf.table([("证明编号 Number", "SC-2026-000001")])
    data = pdf.render()

Output is reproducible: the same content renders to the same bytes (reportlab's invariant mode,
no creation time, a fixed document id), so a PDF's hash can be ledgered and checked later.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


class PdfDocument:
    def __init__(self, *, title: str, author: str = "Doorstep") -> None:
        font = _font()
        self.title = title
        self.author = author
        self.flow: list[Flowable] = []
        self.styles = {
            "title": ParagraphStyle(
                "title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=6 * mm
            ),
            "heading": ParagraphStyle(
                "heading",
                fontName=font,
                fontSize=13,
                leading=18,
                spaceBefore=4 * mm,
                spaceAfter=2 * mm,
            ),
            "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16),
            "small": ParagraphStyle(
                "small", fontName=font, fontSize=8, leading=11, textColor=colors.grey
            ),
        }

    def heading(self, text: str, *, level: str = "title") -> PdfDocument:
        self.flow.append(Paragraph(escape(text), self.styles[level]))
        return self

    def paragraph(self, text: str, *, small: bool = False) -> PdfDocument:
        self.flow.append(Paragraph(escape(text), self.styles["small" if small else "body"]))
        return self

    def space(self, height_mm: float = 4) -> PdfDocument:
        self.flow.append(Spacer(1, height_mm * mm))
        return self

    def table(self, rows: Sequence[tuple[str, str]]) -> PdfDocument:
        body = self.styles["body"]
        cells = [[Paragraph(escape(k), body), Paragraph(escape(v), body)] for k, v in rows]
        table = Table(cells, colWidths=[55 * mm, 110 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        self.flow.append(table)
        return self

    def grid(
        self, columns: Sequence[str], rows: Sequence[Sequence[object]], *, small: bool = False
    ) -> PdfDocument:
        """A table with a header row and any number of columns over the page's width; the
        header repeats on every page the table runs onto."""
        style = self.styles["small" if small else "body"]
        cells = [
            [Paragraph(escape("" if value is None else str(value)), style) for value in row]
            for row in [list(columns), *rows]
        ]
        table = Table(
            cells, colWidths=[170 * mm / max(len(columns), 1)] * len(columns), repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        self.flow.append(table)
        return self

    def render(self) -> bytes:
        out = io.BytesIO()
        previous = rl_config.invariant
        rl_config.invariant = 1  # no timestamps or random ids: the same content, the same bytes
        try:
            document = SimpleDocTemplate(
                out,
                pagesize=A4,
                title=self.title,
                author=self.author,
                leftMargin=20 * mm,
                rightMargin=20 * mm,
                topMargin=20 * mm,
                bottomMargin=20 * mm,
            )
            document.build(list(self.flow))
        finally:
            rl_config.invariant = previous
        return out.getvalue()
