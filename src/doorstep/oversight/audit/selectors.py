"""Reads of audit campaigns, sampled records and remediation, scoped by role.

Internal auditors, compliance officers and head-office administrators see every campaign;
a branch's managers and administrators see the findings and remediation of their branch's
records; everyone sees the remediation actions they own. Anyone else gets 404.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from doorstep.cases.models import Entry
from doorstep.compliance.models import ContactEvent
from doorstep.core.templatetags.ui import person
from doorstep.ledger.entries import content_hash
from doorstep.oversight.audit import sampling
from doorstep.oversight.audit.checklist import CHECKLIST, failed
from doorstep.oversight.models import AuditCampaign, AuditFinding, AuditItem, Remediation
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import BRANCH_ROLES, staff_for
from doorstep.visits.models import Visit

AUDIT_READERS = frozenset({Role.INTERNAL_AUDITOR, Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})
AUDITORS = frozenset({Role.INTERNAL_AUDITOR})


class AuditNotFound(Http404):
    pass


def may_audit(user: Any) -> bool:
    staff = staff_for(user)
    return staff is not None and staff.role in AUDITORS


def campaign_visible(*, user: Any) -> QuerySet[AuditCampaign]:
    staff = staff_for(user)
    if staff is None or staff.role not in AUDIT_READERS:
        return AuditCampaign.objects.none()
    return AuditCampaign.objects.select_related("branch", "created_by__staff").defer("population")


def campaign_get(*, user: Any, pk: int) -> AuditCampaign:
    campaign = campaign_visible(user=user).filter(pk=pk).first()
    if campaign is None:
        raise AuditNotFound
    return campaign


def item_get(*, user: Any, pk: int) -> AuditItem:
    item = (
        AuditItem.objects.filter(pk=pk, campaign__in=campaign_visible(user=user))
        .select_related("campaign", "branch", "agent")
        .first()
    )
    if item is None:
        raise AuditNotFound
    return item


def finding_get(*, user: Any, pk: int, item: AuditItem | None = None) -> AuditFinding:
    """A finding of a campaign ``user`` may see (of ``item`` when given), or 404."""
    findings = AuditFinding.objects.filter(pk=pk, item__campaign__in=campaign_visible(user=user))
    finding = (findings.filter(item=item) if item is not None else findings).first()
    if finding is None:
        raise AuditNotFound
    return finding


def item_findings(item: AuditItem) -> list[AuditFinding]:
    """The findings of an item loaded through ``item_get``, with their actions."""
    return list(
        AuditFinding.objects.filter(item=item)
        .prefetch_related("actions__owner")
        .select_related("created_by__staff")
    )


def sample_hash(rows: list[tuple[int, str, float]]) -> str:
    """The fingerprint of a drawn sample: its ``[id, stratum, weight]`` rows in draw order."""
    return content_hash([list(row) for row in rows])


def campaign_reproduces(campaign: AuditCampaign) -> bool:
    """Whether re-drawing from the recorded seed and population snapshot gives exactly the
    sampled records, in order, and the snapshot still has its recorded hash."""
    stored = AuditCampaign.objects.only("population", "population_hash").get(pk=campaign.pk)
    if content_hash(stored.population) != campaign.population_hash:
        return False
    units = sampling.from_snapshot(stored.population)
    drawn = sampling.draw(
        sampling.Method(campaign.method), units, campaign.size, bytes.fromhex(campaign.seed)
    )
    items = list(campaign.items.order_by("position").values_list("record_id", flat=True))
    return [unit.id for unit in drawn] == items


def record_summary(item: AuditItem) -> dict[str, Any]:
    """What the auditor reviews: the record's facts as ``(label, value)`` pairs and, for a
    note, its text (no personal data beyond the case file)."""
    kind = item.campaign.population_kind
    facts: list[tuple[str, Any]] = []
    body = ""
    if kind == AuditCampaign.Population.VISITS:
        visit = Visit.objects.filter(pk=item.record_id).first()
        if visit is not None:
            facts = [
                (_("Outcome"), visit.get_outcome_display()),
                (_("Checked in"), visit.checked_in_at),
                (_("Completed"), visit.completed_at),
                (_("Second agent"), _("yes") if visit.second_agent_id else _("no")),
                (_("Check-in distance (m)"), visit.checkin_distance_m),
                (_("Rules flagged at sync"), ", ".join(visit.flagged_rules)),
                (_("Field records"), visit.field_records.count()),
            ]
    elif kind == AuditCampaign.Population.CONTACTS:
        contact = ContactEvent.objects.select_related("decision").filter(pk=item.record_id).first()
        if contact is not None:
            facts = [
                (_("Channel"), contact.get_channel_display()),
                (_("At"), contact.at),
                (_("Outcome"), contact.get_outcome_display()),
                (_("Staff"), contact.staff_count),
                (_("Verdict"), contact.decision.get_verdict_display() if contact.decision else ""),
                (_("Outside its decision"), _("yes") if contact.outside_decision else _("no")),
            ]
    else:
        entry = Entry.objects.select_related("author__staff").filter(pk=item.record_id).first()
        if entry is not None:
            facts = [(_("At"), entry.at), (_("Author"), person(entry.author))]
            body = entry.body
    return {"facts": facts, "body": body}


@dataclass(frozen=True)
class CampaignReport:
    items: int
    reviewed: int
    failures: list[tuple[str, int]]  # checklist item, records that failed it
    findings: list[tuple[str, int]]  # severity, count
    by_stratum: list[tuple[str, int, int]]  # stratum, sampled, with a failure
    remediation: dict[str, int]
    overdue_remediation: int


def campaign_report(campaign: AuditCampaign, *, today: Any) -> CampaignReport:
    items = list(campaign.items.values_list("status", "results", "stratum"))
    failures: Counter[str] = Counter()
    strata: dict[str, list[int]] = {}
    for _status, results, stratum in items:
        failed_items = failed(results)
        failures.update(failed_items)
        counts = strata.setdefault(stratum, [0, 0])
        counts[0] += 1
        counts[1] += bool(failed_items)
    findings = Counter(
        AuditFinding.objects.filter(item__campaign=campaign).values_list("severity", flat=True)
    )
    actions = Remediation.objects.filter(finding__item__campaign=campaign)
    return CampaignReport(
        items=len(items),
        reviewed=sum(status == AuditItem.Status.REVIEWED for status, _r, _s in items),
        failures=[(code, failures[code]) for code in CHECKLIST if failures[code]],
        findings=[
            (severity, findings[severity])
            for severity in AuditFinding.Severity.values
            if findings[severity]
        ],
        by_stratum=[(name, *counts) for name, counts in sorted(strata.items())],  # type: ignore[misc]
        remediation=dict(Counter(actions.values_list("status", flat=True))),
        overdue_remediation=actions.exclude(status=Remediation.Status.VERIFIED)
        .filter(due_on__lt=today)
        .count(),
    )


def remediation_visible(*, user: Any) -> QuerySet[Remediation]:
    staff = staff_for(user)
    if staff is None:
        return Remediation.objects.none()
    actions = Remediation.objects.select_related(
        "finding__item__campaign", "finding__item__branch", "owner"
    )
    if staff.role in AUDIT_READERS:
        return actions
    mine = Q(owner=staff)
    if staff.role in BRANCH_ROLES and staff.branch_id is not None:
        mine |= Q(finding__item__branch=staff.branch_id)
    return actions.filter(mine)


def remediation_get(*, user: Any, pk: int) -> Remediation:
    action = remediation_visible(user=user).filter(pk=pk).first()
    if action is None:
        raise AuditNotFound
    return action


def may_complete(staff: StaffMember | None, action: Remediation) -> bool:
    """The owner, or a manager of the branch the finding is about, marks an action done."""
    if staff is None or action.status != Remediation.Status.OPEN:
        return False
    if action.owner_id == staff.pk:
        return True
    branch = action.finding.item.branch_id
    return staff.role in BRANCH_ROLES and branch is not None and staff.branch_id == branch
