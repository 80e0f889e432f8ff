"""The visit report as a PDF: what the report page shows, for the case file and for a complaint
handler or auditor who needs a copy outside the system. Labels follow the reader's language;
the ledger proof is listed so the copy can be checked against the log."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.pdf import PdfDocument


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def visit_report_pdf(report: dict[str, Any]) -> bytes:
    visit = report["visit"]
    pdf = PdfDocument(title=f"{_('Visit report')} {visit.case.reference}")
    pdf.heading(f"{_('Visit report')} · {visit.case.reference}")
    team = " · ".join(
        agent.display_name for agent in (visit.lead_agent, visit.second_agent) if agent
    )
    signed = (
        f"{visit.report_signed_by.staff.display_name} · {_when(visit.report_signed_at)}"
        if visit.report_signed_at
        else "—"
    )
    pdf.table(
        [
            (_("Status"), str(visit.get_status_display())),
            (_("Outcome"), str(visit.get_outcome_display() or "—")),
            (_("Team"), team or "—"),
            (_("Checked in at"), _when(visit.checked_in_at)),
            (_("Completed at"), _when(visit.completed_at)),
            (
                _("GPS"),
                f"{visit.checkin_latitude or '—'}, {visit.checkin_longitude or '—'} "
                f"({visit.checkin_distance_m if visit.checkin_distance_m is not None else '—'} m)",
            ),
            (_("Flagged rules"), ", ".join(visit.flagged_rules) or "—"),
            (_("Signed off"), signed),
        ]
    )
    sections: list[tuple[str, list[str]]] = [
        (
            _("Notes"),
            [f"{_when(n.captured_at)} · {n.payload.get('text', '')}" for n in report["notes"]],
        ),
        (
            _("Promises"),
            [
                f"{p.payload.get('amount', '')} · {p.payload.get('due_on', '')}"
                for p in report["promises"]
            ],
        ),
        (
            _("Evidence"),
            [
                f"{e.payload.get('type', '')} · {e.payload.get('sha256', '')} · "
                f"{e.payload.get('bytes', '')} B"
                for e in report["evidence"]
            ],
        ),
    ]
    for title, lines in sections:
        pdf.heading(title, level="heading")
        for line in lines or [_("None.")]:
            pdf.paragraph(line)
    pdf.heading(_("Ledger proof"), level="heading")
    pdf.grid(
        [_("Entry"), _("Kind"), _("Leaf hash")],
        [[f"#{e['index']}", e["kind"], e["leaf_hash"]] for e in report["ledger"]],
        small=True,
    )
    return pdf.render()
