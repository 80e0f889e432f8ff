"""The population of an audit campaign: completed work of a period, with each record's stratum
and risk weight, read in a few queries.

Risk weights (bank policy, docs/audit.md): 1, plus 3 when the case has a complaint, 2 when
the contact's compliance decision was overridden or it was made outside a decision, and for
visits 2 each for a short visit (under 10 minutes on site), a GPS check-in far from the
address (over 500 m or explained), and rules flagged at sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.cases.models import Entry
from doorstep.compliance.models import ContactEvent
from doorstep.oversight.audit.sampling import Unit
from doorstep.oversight.models import AuditCampaign, Complaint
from doorstep.staff.models import Branch
from doorstep.visits.models import Visit

LOCAL = ZoneInfo("Asia/Shanghai")
COMPLAINT_WEIGHT = 3.0
OVERRIDE_WEIGHT = 2.0
OUTSIDE_DECISION_WEIGHT = 2.0
SHORT_VISIT_WEIGHT = 2.0
GPS_MISMATCH_WEIGHT = 2.0
FLAGGED_WEIGHT = 2.0
SHORT_VISIT = timedelta(minutes=10)
GPS_MISMATCH_METRES = 500
DONE_VISITS = ("completed", "reported")


@dataclass(frozen=True)
class Record:
    """Where a sampled record belongs, kept on its audit item."""

    case_reference: str
    branch_id: int | None
    agent_id: int | None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    first = datetime.combine(start, time(0), tzinfo=LOCAL)
    return first, datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL)


def _complained_cases() -> set[int]:
    return set(Complaint.objects.exclude(case=None).values_list("case_id", flat=True))


def _stratum(strata_by: str, branch: str | None, agent: str | None, outcome: str) -> str:
    match strata_by:
        case AuditCampaign.StrataBy.BRANCH:
            return branch or "—"
        case AuditCampaign.StrataBy.AGENT:
            return agent or "—"
        case AuditCampaign.StrataBy.OUTCOME:
            return outcome or "—"
    return ""


def build(
    *, kind: str, start: date, end: date, branch: Branch | None, strata_by: str
) -> tuple[list[Unit], dict[int, Record]]:
    """The units of the population and where each record belongs."""
    since, until = _bounds(start, end)
    complained = _complained_cases()
    rows: list[Any]  # values() rows, each a dict
    units: list[Unit] = []
    records: dict[int, Record] = {}
    if kind == AuditCampaign.Population.VISITS:
        visits = Visit.objects.filter(
            status__in=DONE_VISITS, completed_at__gte=since, completed_at__lt=until
        )
        if branch is not None:
            visits = visits.filter(branch=branch)
        rows = list(
            visits.values(
                "pk",
                "case_id",
                "case__reference",
                "branch_id",
                "branch__code",
                "lead_agent_id",
                "lead_agent__employee_number",
                "outcome",
                "checked_in_at",
                "completed_at",
                "checkin_distance_m",
                "checkin_far_reason",
                "flagged_rules",
            )
        )
        for row in rows:
            weight = 1.0 + COMPLAINT_WEIGHT * (row["case_id"] in complained)
            on_site = row["completed_at"] - row["checked_in_at"] if row["checked_in_at"] else None
            weight += SHORT_VISIT_WEIGHT * (on_site is not None and on_site < SHORT_VISIT)
            far = (row["checkin_distance_m"] or 0) > GPS_MISMATCH_METRES
            weight += GPS_MISMATCH_WEIGHT * (far or bool(row["checkin_far_reason"]))
            weight += FLAGGED_WEIGHT * bool(row["flagged_rules"])
            units.append(_unit(row, strata_by, weight, agent_key="lead_agent"))
            records[row["pk"]] = Record(
                row["case__reference"], row["branch_id"], row["lead_agent_id"]
            )
    elif kind == AuditCampaign.Population.CONTACTS:
        contacts = ContactEvent.objects.filter(at__gte=since, at__lt=until)
        if branch is not None:
            contacts = contacts.filter(case__branch=branch)
        rows = list(
            contacts.values(
                "pk",
                "case_id",
                "case__reference",
                "case__branch_id",
                "case__branch__code",
                "case__agent_id",
                "case__agent__employee_number",
                "outcome",
                "outside_decision",
                "decision__overridden_by",
            )
        )
        for row in rows:
            weight = 1.0 + COMPLAINT_WEIGHT * (row["case_id"] in complained)
            weight += OVERRIDE_WEIGHT * (row["decision__overridden_by"] is not None)
            weight += OUTSIDE_DECISION_WEIGHT * bool(row["outside_decision"])
            row["branch__code"] = row["case__branch__code"]
            units.append(_unit(row, strata_by, weight, agent_key="case__agent"))
            records[row["pk"]] = Record(
                row["case__reference"] or "", row["case__branch_id"], row["case__agent_id"]
            )
    else:
        entries = Entry.objects.filter(kind=Entry.Kind.NOTE, at__gte=since, at__lt=until)
        if branch is not None:
            entries = entries.filter(case__branch=branch)
        rows = list(
            entries.values(
                "pk",
                "case_id",
                "case__reference",
                "case__branch_id",
                "case__branch__code",
                "author__staff__id",
                "author__staff__employee_number",
            )
        )
        for row in rows:
            weight = 1.0 + COMPLAINT_WEIGHT * (row["case_id"] in complained)
            row["branch__code"] = row["case__branch__code"]
            row["outcome"] = ""
            units.append(_unit(row, strata_by, weight, agent_key="author__staff"))
            records[row["pk"]] = Record(
                row["case__reference"], row["case__branch_id"], row["author__staff__id"]
            )
    return units, records


def _unit(row: dict[str, Any], strata_by: str, weight: float, *, agent_key: str) -> Unit:
    stratum = _stratum(
        strata_by, row["branch__code"], row[f"{agent_key}__employee_number"], row["outcome"]
    )
    return Unit(row["pk"], stratum, weight)
