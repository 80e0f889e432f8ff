"""Issuing the quarterly report: the file and a ledger record of what was issued, by whom."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.ledger.services import ledger_append
from doorstep.oversight.regulator import exports
from doorstep.oversight.regulator.quarters import Quarter
from doorstep.oversight.regulator.selectors import may_report, regulator_report

RENDERERS = {
    "csv": exports.report_csv,
    "xlsx": exports.report_xlsx,
    "pdf": exports.report_pdf,
}


class ReportForbidden(DomainError):
    status = 403


@dataclass(frozen=True)
class IssuedReport:
    quarter: Quarter
    format: str
    content: bytes
    sha256: str

    @property
    def filename(self) -> str:
        return f"conduct-report-{self.quarter}.{self.format}"

    @property
    def content_type(self) -> str:
        return exports.CONTENT_TYPES[self.format]


@transaction.atomic
def regulator_report_issue(*, user: Any, quarter: Quarter, format: str) -> IssuedReport:
    """Render ``quarter`` as ``format`` and ledger the file's digest, so the copy a regulator
    holds can later be shown to be the one the bank issued."""
    if not may_report(user):
        raise ReportForbidden(
            "forbidden", _("Only compliance, internal audit and head office issue this report.")
        )
    if format not in RENDERERS:
        raise DomainError(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(RENDERERS))},
            field="format",
        )
    content = RENDERERS[format](regulator_report(quarter=quarter))
    digest = hashlib.sha256(content).hexdigest()
    ledger_append(
        kind="oversight.regulator_report.issued",
        actor=user,
        subject={"report": f"conduct-{quarter}"},
        record={"quarter": str(quarter), "format": format, "sha256": digest},
    )
    return IssuedReport(quarter=quarter, format=format, content=content, sha256=digest)
