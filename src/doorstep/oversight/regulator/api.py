"""The quarterly conduct report over JSON (``GET /oversight/regulator-report?quarter=2026Q3``):
the same sections as the page and the files, for the bank's regulatory reporting system.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from doorstep.core.api_errors import ApiInput
from doorstep.core.errors import DomainError
from doorstep.oversight.regulator.quarters import BadQuarter, Quarter
from doorstep.oversight.regulator.selectors import may_report, regulator_report
from doorstep.oversight.regulator.services import ReportForbidden

router = Router(tags=["oversight"])


class SectionOut(Schema):
    slug: str
    title: str
    columns: list[str]
    rows: list[list[str]]


class ReportOut(Schema):
    quarter: str
    first_day: str
    last_day: str
    generated_at: str
    sections: list[SectionOut]


class ReportQuery(ApiInput):
    quarter: str = Field(max_length=8, description="A calendar quarter, e.g. 2026Q3.")


@router.get("/oversight/regulator-report", response=ReportOut)
def oversight_regulator_report(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    if not may_report(request.user):
        raise ReportForbidden(
            "forbidden", _("Only compliance, internal audit and head office issue this report.")
        )
    try:
        quarter = Quarter.parse(query.quarter)
    except BadQuarter as error:
        raise DomainError("invalid", str(error), field="quarter") from error
    report = regulator_report(quarter=quarter)
    return {
        "quarter": str(quarter),
        "first_day": quarter.first_day.isoformat(),
        "last_day": quarter.last_day.isoformat(),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "sections": [
            {
                "slug": section.slug,
                "title": section.title,
                "columns": section.columns,
                "rows": [[str(value) for value in row] for row in section.rows],
            }
            for section in report.sections
        ],
    }
