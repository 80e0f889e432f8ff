"""Every write of internal audit: one function, one transaction, its ledger entry with it.

``audit_campaign_draw`` snapshots the population, draws the sample from a fresh random seed
and ledgers seed, population hash and sample hash together, so the sample can be re-drawn by
anyone and cannot be re-rolled quietly (a campaign has one draw). Reviews, findings and
remediation actions follow, each ledgered with hashes of their texts.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.audit import checklist, population, sampling
from doorstep.oversight.audit.selectors import AUDITORS, may_complete, sample_hash
from doorstep.oversight.models import AuditCampaign, AuditFinding, AuditItem, Remediation
from doorstep.staff.models import Branch, StaffMember
from doorstep.staff.selectors import staff_for

MAX_SAMPLE = 2000
MAX_PERIOD_DAYS = 366
TEXT_MAX = 2000


class AuditRefused(DomainError):
    status = 403


def _require_auditor(actor: Any) -> StaffMember:
    staff = staff_for(actor)
    if staff is None or staff.role not in AUDITORS:
        raise AuditRefused("forbidden", _("Only internal auditors do this."))
    return staff


def _text(value: str, *, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > TEXT_MAX:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": TEXT_MAX}, field=field
        )
    return text


def _ledger(kind: str, actor: Any, subject: dict[str, str | int], record: dict[str, Any]) -> None:
    ledger_append(kind=f"audit.{kind}", actor=actor, subject=subject, record=record)


def _item_subject(item: AuditItem) -> dict[str, str | int]:
    subject: dict[str, str | int] = {"audit": item.campaign_id, "audit_item": item.pk}
    if item.case_reference:
        subject["case"] = item.case_reference
    return subject


@transaction.atomic
def audit_campaign_draw(
    *,
    actor: Any,
    name: str,
    population_kind: str,
    period_start: date,
    period_end: date,
    method: str,
    size: int,
    branch: Branch | None = None,
    strata_by: str = "",
    seed: bytes | None = None,
) -> AuditCampaign:
    """Snapshot the population (the kind of completed work of the period, at ``branch`` or
    all) and draw ``size`` records by ``method``. ``seed`` is for tests and benchmarks; a
    campaign normally gets 32 fresh random bytes."""
    _require_auditor(actor)
    label = _text(name, field="name")[:120]
    if population_kind not in AuditCampaign.Population.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a population.") % {"value": population_kind},
            field="population_kind",
        )
    try:
        chosen = sampling.Method(method)
    except ValueError:
        raise DomainError(
            "invalid_choice", _("“%(value)s” is not a method.") % {"value": method}, field="method"
        ) from None
    if chosen is sampling.Method.STRATIFIED and strata_by not in AuditCampaign.StrataBy.values:
        raise DomainError("strata_required", _("Say what to stratify by."), field="strata_by")
    if chosen is not sampling.Method.STRATIFIED:
        strata_by = ""
    if period_end < period_start:
        raise DomainError(
            "ends_before_start", _("The period ends before it starts."), field="period_end"
        )
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            "period_too_long", _("Audit at most a year at a time."), field="period_end"
        )
    if period_end > timezone.localdate():
        raise DomainError(
            "in_future",
            _("Audit completed work: the period cannot end in the future."),
            field="period_end",
        )
    if not 1 <= size <= MAX_SAMPLE:
        raise DomainError(
            "invalid_size", _("Sample 1 to %(n)d records.") % {"n": MAX_SAMPLE}, field="size"
        )
    units, records = population.build(
        kind=population_kind,
        start=period_start,
        end=period_end,
        branch=branch,
        strata_by=strata_by,
    )
    if not units:
        raise DomainError(
            "empty_population", _("No completed records match this period."), field="period_start"
        )
    seed = seed or secrets.token_bytes(32)
    snapshot = sampling.snapshot(units)
    drawn = sampling.draw(chosen, units, size, seed)
    rows = [(unit.id, unit.stratum, unit.weight) for unit in drawn]
    now = timezone.now()
    campaign = AuditCampaign.objects.create(
        name=label,
        population_kind=population_kind,
        period_start=period_start,
        period_end=period_end,
        branch=branch,
        method=chosen.value,
        strata_by=strata_by,
        size=size,
        seed=seed.hex(),
        population=snapshot,
        population_size=len(snapshot),
        population_hash=content_hash(snapshot),
        sample_hash=sample_hash(rows),
        created_by=actor,
        created_at=now,
    )
    AuditItem.objects.bulk_create(
        AuditItem(
            campaign=campaign,
            position=position,
            record_id=unit.id,
            stratum=unit.stratum,
            weight=unit.weight,
            case_reference=records[unit.id].case_reference,
            branch_id=records[unit.id].branch_id,
            agent_id=records[unit.id].agent_id,
        )
        for position, unit in enumerate(drawn, start=1)
    )
    _ledger(
        "sample_drawn",
        actor,
        {"audit": campaign.pk},
        {
            "population": population_kind,
            "period": [period_start, period_end],
            "branch": branch.code if branch else None,
            "method": chosen.value,
            "strata_by": strata_by or None,
            "size": size,
            "seed": campaign.seed,
            "population_size": campaign.population_size,
            "population_hash": campaign.population_hash,
            "sample_hash": campaign.sample_hash,
        },
    )
    return campaign


def _open_campaign(campaign: AuditCampaign) -> None:
    if campaign.status == AuditCampaign.Status.CLOSED:
        raise ConflictError("campaign_closed", _("This audit campaign is closed."))


@transaction.atomic
def audit_item_review(
    *, item: AuditItem, actor: Any, results: dict[str, str], note: str = ""
) -> AuditItem:
    """Record the checklist answers for a sampled record (again, to correct them, while the
    campaign is open)."""
    _require_auditor(actor)
    item = (
        AuditItem.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=item.pk)
    )
    _open_campaign(item.campaign)
    problems = checklist.problems(results)
    if problems:
        field, message, params = problems[0]
        raise DomainError(
            "invalid_checklist", _(message) % params if params else _(message), field=field
        )
    item.results = {code: results[code] for code in checklist.CHECKLIST}
    item.note = _text(note, field="note", required=bool(checklist.failed(results)))
    item.status = AuditItem.Status.REVIEWED
    item.reviewed_by = actor
    item.reviewed_at = timezone.now()
    item.save(update_fields=["results", "note", "status", "reviewed_by", "reviewed_at"])
    _ledger(
        "item_reviewed",
        actor,
        _item_subject(item),
        {"results": item.results, "note_hash": content_hash(item.note) if item.note else None},
    )
    return item


@transaction.atomic
def audit_finding_add(
    *, item: AuditItem, actor: Any, severity: str, description: str, checklist_item: str = ""
) -> AuditFinding:
    _require_auditor(actor)
    _open_campaign(item.campaign)
    if severity not in AuditFinding.Severity.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a severity.") % {"value": severity},
            field="severity",
        )
    if checklist_item and checklist_item not in checklist.CHECKLIST:
        raise DomainError(
            "invalid_choice",
            _(checklist.UNKNOWN) % {"item": checklist_item},
            field="checklist_item",
        )
    finding = AuditFinding.objects.create(
        item=item,
        checklist_item=checklist_item,
        severity=severity,
        description=_text(description, field="description"),
        created_by=actor,
        at=timezone.now(),
    )
    _ledger(
        "finding_added",
        actor,
        {**_item_subject(item), "finding": finding.pk},
        {
            "severity": severity,
            "checklist_item": checklist_item or None,
            "description_hash": content_hash(finding.description),
        },
    )
    return finding


@transaction.atomic
def remediation_assign(
    *, finding: AuditFinding, actor: Any, owner: StaffMember, action: str, due_on: date
) -> Remediation:
    """Give a finding's remediation to ``owner`` (usually the branch's manager), due
    ``due_on``."""
    _require_auditor(actor)
    if not owner.is_active:
        raise DomainError("inactive_owner", _("The owner has left."), field="owner")
    if due_on < timezone.localdate():
        raise DomainError("in_past", _("The due date has passed."), field="due_on")
    remediation = Remediation.objects.create(
        finding=finding,
        action=_text(action, field="action"),
        owner=owner,
        due_on=due_on,
        created_by=actor,
        created_at=timezone.now(),
    )
    _ledger(
        "remediation_assigned",
        actor,
        {"audit": finding.item.campaign_id, "finding": finding.pk, "remediation": remediation.pk},
        {
            "owner": owner.employee_number,
            "due_on": due_on,
            "action_hash": content_hash(remediation.action),
        },
    )
    return remediation


def _remediation_event(kind: str, actor: Any, remediation: Remediation, note: str) -> None:
    _ledger(
        kind,
        actor,
        {
            "audit": remediation.finding.item.campaign_id,
            "finding": remediation.finding_id,
            "remediation": remediation.pk,
        },
        {"status": remediation.status, "note_hash": content_hash(note) if note else None},
    )


@transaction.atomic
def remediation_done(*, remediation: Remediation, actor: Any, note: str) -> Remediation:
    """The owner (or the branch's manager) says what was done; an auditor then verifies."""
    remediation = (
        Remediation.objects.select_for_update()
        .select_related("finding__item")
        .get(pk=remediation.pk)
    )
    if remediation.status != Remediation.Status.OPEN:
        raise ConflictError("not_open", _("This action is not open."))
    if not may_complete(staff_for(actor), remediation):
        raise AuditRefused("forbidden", _("Only the owner or the branch's manager does this."))
    remediation.done_note = _text(note, field="note")
    remediation.status = Remediation.Status.DONE
    remediation.done_at = timezone.now()
    remediation.save(update_fields=["done_note", "status", "done_at"])
    _remediation_event("remediation_done", actor, remediation, remediation.done_note)
    return remediation


@transaction.atomic
def remediation_verify(
    *, remediation: Remediation, actor: Any, accept: bool, note: str
) -> Remediation:
    """An auditor checks the work: verified (closed), or sent back open with a note."""
    staff = _require_auditor(actor)
    remediation = (
        Remediation.objects.select_for_update()
        .select_related("finding__item")
        .get(pk=remediation.pk)
    )
    if remediation.status != Remediation.Status.DONE:
        raise ConflictError("not_done", _("Only a completed action is verified."))
    if remediation.owner_id == staff.pk:
        raise AuditRefused("own_action", _("Nobody verifies their own action."))
    text = _text(note, field="note", required=not accept)
    if accept:
        remediation.status = Remediation.Status.VERIFIED
        remediation.verified_by = actor
        remediation.verified_at = timezone.now()
    else:
        remediation.status = Remediation.Status.OPEN
        remediation.done_at = None
    remediation.save(update_fields=["status", "verified_by", "verified_at", "done_at"])
    kind = "remediation_verified" if accept else "remediation_reopened"
    _remediation_event(kind, actor, remediation, text)
    return remediation


@transaction.atomic
def audit_campaign_close(
    *, campaign: AuditCampaign, actor: Any, now: datetime | None = None
) -> AuditCampaign:
    """Close a campaign once every sampled record is reviewed (remediation may go on)."""
    _require_auditor(actor)
    campaign = AuditCampaign.objects.select_for_update().defer("population").get(pk=campaign.pk)
    _open_campaign(campaign)
    pending = campaign.items.filter(status=AuditItem.Status.PENDING).count()
    if pending:
        raise ConflictError(
            "items_pending",
            _("%(n)d sampled records are not reviewed yet.") % {"n": pending},
        )
    campaign.status = AuditCampaign.Status.CLOSED
    campaign.closed_at = now or timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    failures = AuditItem.objects.filter(campaign=campaign).values_list("results", flat=True)
    _ledger(
        "campaign_closed",
        actor,
        {"audit": campaign.pk},
        {
            "items": campaign.items.count(),
            "with_failures": sum(bool(checklist.failed(results)) for results in failures),
            "findings": AuditFinding.objects.filter(item__campaign=campaign).count(),
        },
    )
    return campaign
