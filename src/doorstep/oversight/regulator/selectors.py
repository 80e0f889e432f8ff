"""The figures of one quarter's conduct report, read through each part's own models and labels.

Only head-office oversight roles produce it: the report covers every branch, so a branch
manager's scope would give a partial report that looks complete.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.compliance.engine import Verdict
from doorstep.compliance.models import CHANNEL_CHOICES, VERDICT_CHOICES, ContactEvent, Decision
from doorstep.oversight.models import AuditFinding, AuditItem, Complaint
from doorstep.oversight.models.complaints import (
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    ROOT_CAUSE_LABELS,
)
from doorstep.oversight.regulator.quarters import Quarter
from doorstep.oversight.training.selectors import training_current
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import staff_for
from doorstep.visits.models import OUTCOME_LABELS as VISIT_OUTCOME_LABELS
from doorstep.visits.models import STATUS_LABELS as VISIT_STATUS_LABELS
from doorstep.visits.models import Visit

REPORT_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR, Role.HEAD_OFFICE_ADMIN})
FIELD_ROLES = (Role.FIELD_AGENT,)


def may_report(user: Any) -> bool:
    staff = staff_for(user)
    return staff is not None and staff.role in REPORT_ROLES


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RegulatorReport:
    quarter: Quarter
    generated_at: datetime
    sections: list[Section]

    def section(self, slug: str) -> Section:
        return next(section for section in self.sections if section.slug == slug)


def _bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    """The quarter as [start, end) instants in the bank's time zone."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(quarter.first_day, time.min, tzinfo=tz)
    end = datetime.combine(quarter.last_day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _label(labels: dict[Any, Any], key: str) -> str:
    for choice, label in labels.items():
        if str(choice) == key or getattr(choice, "value", None) == key:
            return str(label)
    return key or "—"


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "—"


def _complaint_sections(start: datetime, end: datetime) -> tuple[list[list[Any]], list[Section]]:
    received = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    rows = list(
        received.values_list(
            "category",
            "outcome",
            "root_cause",
            "branch__code",
            "acknowledged_at",
            "ack_due_at",
            "decided_at",
            "decision_due_at",
        )
    )
    decided_in_quarter = Complaint.objects.filter(decided_at__gte=start, decided_at__lt=end)
    open_at_end = Complaint.objects.filter(received_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    by_category: dict[str, Counter[str]] = {}
    causes: Counter[str] = Counter()
    branches: Counter[str] = Counter()
    acked_on_time = decided = decided_on_time = 0
    for category, outcome, cause, branch, acked, ack_due, done, due in rows:
        counts = by_category.setdefault(category, Counter())
        counts["received"] += 1
        if outcome:
            counts[outcome] += 1
        if cause:
            causes[cause] += 1
        branches[branch or "—"] += 1
        acked_on_time += acked is not None and acked <= ack_due
        if done is not None:
            decided += 1
            decided_on_time += done <= due
            counts["on_time"] += done <= due
    summary: list[list[Any]] = [
        [_("Complaints received"), len(rows)],
        [_("Acknowledged within one business day (per cent)"), _rate(acked_on_time, len(rows))],
        [_("Complaints decided in the quarter"), decided_in_quarter.count()],
        [
            _("Of those received, decided by the deadline (per cent)"),
            _rate(decided_on_time, decided),
        ],
        [_("Complaints open at the end of the quarter"), open_at_end.count()],
    ]
    outcomes = [str(choice) for choice in OUTCOME_LABELS]
    category_rows = [
        [
            _label(CATEGORY_LABELS, category),
            counts["received"],
            *(counts[outcome] for outcome in outcomes),
            counts["on_time"],
        ]
        for category, counts in sorted(by_category.items())
    ]
    sections = [
        Section(
            "complaints_by_category",
            _("Complaints by category"),
            [
                _("Category"),
                _("Received"),
                *(str(label) for label in OUTCOME_LABELS.values()),
                _("Decided on time"),
            ],
            category_rows,
        ),
        Section(
            "complaints_by_root_cause",
            _("Complaints by root cause"),
            [_("Root cause"), _("Complaints")],
            [[_label(ROOT_CAUSE_LABELS, cause), n] for cause, n in causes.most_common()],
        ),
        Section(
            "complaints_by_branch",
            _("Complaints by branch"),
            [_("Branch"), _("Complaints")],
            [[branch, n] for branch, n in sorted(branches.items())],
        ),
    ]
    return summary, sections


def _conduct_sections(start: datetime, end: datetime) -> tuple[list[list[Any]], list[Section]]:
    decisions = Decision.objects.filter(decided_at__gte=start, decided_at__lt=end)
    verdicts = [value for value, _label_text in VERDICT_CHOICES]
    per_channel = {
        (row["channel"], row["verdict"]): row["n"]
        for row in decisions.values("channel", "verdict").annotate(n=Count("id"))
    }
    contacts = dict(
        ContactEvent.objects.filter(at__gte=start, at__lt=end)
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    channel_rows = [
        [
            str(label),
            *(per_channel.get((channel, verdict), 0) for verdict in verdicts),
            contacts.get(channel, 0),
        ]
        for channel, label in CHANNEL_CHOICES
    ]
    blocked_rules: Counter[str] = Counter()
    blocked = decisions.filter(verdict=Verdict.BLOCK.value).values_list("rule_ids", flat=True)
    for rule_ids in blocked.iterator():
        blocked_rules.update(rule for rule in rule_ids.split(",") if rule)
    overrides = decisions.filter(overridden_by__isnull=False).count()
    visits = Visit.objects.filter(
        scheduled_on__gte=start.date(), scheduled_on__lte=(end - timedelta(days=1)).date()
    )
    visit_rows = [
        [
            _label(VISIT_STATUS_LABELS, row["status"]),
            _label(VISIT_OUTCOME_LABELS, row["outcome"]) if row["outcome"] else "—",
            row["n"],
        ]
        for row in visits.values("status", "outcome")
        .annotate(n=Count("id"))
        .order_by("status", "outcome")
    ]
    reviewed = AuditItem.objects.filter(reviewed_at__gte=start, reviewed_at__lt=end)
    findings = dict(
        AuditFinding.objects.filter(at__gte=start, at__lt=end)
        .values_list("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    severity_rows = [
        [str(label), findings.get(value, 0)] for value, label in AuditFinding.Severity.choices
    ]
    field_agents = list(
        StaffMember.objects.filter(role__in=FIELD_ROLES, is_active=True).select_related("branch")
    )
    quarter_end: date = (end - timedelta(days=1)).date()
    trained = sum(training_current(agent, quarter_end) for agent in field_agents)
    summary: list[list[Any]] = [
        [_("Contacts made"), sum(contacts.values())],
        [_("Contact decisions by the compliance engine"), decisions.count()],
        [_("Contacts blocked"), decisions.filter(verdict=Verdict.BLOCK.value).count()],
        [_("Decisions overridden with approval"), overrides],
        [_("Field visits scheduled in the quarter"), visits.count()],
        [_("Records reviewed by internal audit"), reviewed.count()],
        [_("Audit findings"), sum(findings.values())],
        [_("Field agents with current mandatory training"), f"{trained} / {len(field_agents)}"],
    ]
    sections = [
        Section(
            "contacts_by_channel",
            _("Compliance decisions and contacts by channel"),
            [
                _("Channel"),
                *(str(label) for _value, label in VERDICT_CHOICES),
                _("Contacts made"),
            ],
            channel_rows,
        ),
        Section(
            "blocked_by_rule",
            _("Blocked contacts by rule"),
            [_("Rule"), _("Decisions")],
            [[rule, n] for rule, n in sorted(blocked_rules.items(), key=lambda r: (-r[1], r[0]))],
        ),
        Section(
            "visits_by_outcome",
            _("Field visits by status and outcome"),
            [_("Status"), _("Outcome"), _("Visits")],
            visit_rows,
        ),
        Section(
            "audit_findings",
            _("Internal audit findings by severity"),
            [_("Severity"), _("Findings")],
            severity_rows,
        ),
    ]
    return summary, sections


def regulator_report(*, quarter: Quarter, now: datetime | None = None) -> RegulatorReport:
    """Every figure of ``quarter`` across all branches (callers check ``may_report`` first)."""
    start, end = _bounds(quarter)
    complaint_summary, complaint_sections = _complaint_sections(start, end)
    conduct_summary, conduct_sections = _conduct_sections(start, end)
    summary = Section(
        "summary",
        _("Summary"),
        [_("Measure"), _("Value")],
        complaint_summary + conduct_summary,
    )
    return RegulatorReport(
        quarter=quarter,
        generated_at=now or timezone.now(),
        sections=[summary, *complaint_sections, *conduct_sections],
    )
