"""Every change to an approval request: one function, one transaction, its history row with it.

``approval_request`` asks, ``approval_decide`` votes (and approves or rejects once the vote
settles it, running the kind's handler in the same transaction), ``approval_withdraw`` takes a
request back, ``approvals_escalate`` moves overdue requests up a level. Each writes its history
row and the matching ledger entry in ``_event``, inside the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight import approval_lifecycle as lifecycle
from doorstep.oversight.approval_lifecycle import ApprovalStatus
from doorstep.oversight.models import (
    STATUS_LABELS,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalVote,
    Committee,
)
from doorstep.oversight.registry import ApprovalKind, Route, get_kind
from doorstep.oversight.selectors import routed_to, staff_committees
from doorstep.staff.models import Branch
from doorstep.staff.selectors import staff_for

SUMMARY_MAX = 300
REASON_MAX = 2000
DEFAULT_SLA = timedelta(days=1)  # for a request whose kind is no longer registered


class ApprovalRefused(DomainError):
    """The actor may not do this to the request (their own, not routed to them)."""

    status = 403


# Each guard message of the lifecycle, as the error code and field an API client sees.
_REFUSALS: dict[str, tuple[str, type[DomainError], str | None]] = {
    lifecycle.OWN_REQUEST: ("own_request", ApprovalRefused, None),
    lifecycle.NOT_ROUTED: ("not_routed", ApprovalRefused, None),
    lifecycle.ONLY_REQUESTER: ("not_requester", ApprovalRefused, None),
    lifecycle.ALREADY_VOTED: ("already_voted", ConflictError, None),
    lifecycle.NEEDS_REASON: ("reason_required", DomainError, "reason"),
}


def _refusal(error: lifecycle.TransitionRefused) -> DomainError:
    code, kind, field = _REFUSALS.get(error.message, ("transition_refused", DomainError, None))
    params = dict(error.params)
    for key in ("current", "target"):
        if key in params:
            params[key] = str(STATUS_LABELS[ApprovalStatus(str(params[key]))])
    message = _(error.message) % params if params else _(error.message)
    return kind(code, message, field=field)


def _kind(code: str) -> ApprovalKind:
    kind = get_kind(code)
    if kind is None:
        raise DomainError(
            "unknown_kind",
            _("“%(kind)s” is not a kind of approval.") % {"kind": code},
            field="kind",
        )
    return kind


def _level(route: Route, branch: Branch | None) -> dict[str, Any]:
    """A route as the request keeps it: who, at which branch, and how many must agree."""
    if route.committee:
        committee = Committee.objects.filter(code=route.committee).first()
        if committee is None:
            raise DomainError(
                "no_committee",
                _(
                    "The committee “%(code)s” that decides these requests is not set up; "
                    "ask an administrator."
                )
                % {"code": route.committee},
            )
        return {
            "roles": [],
            "branch": None,
            "committee": committee.code,
            "committee_name": committee.name,
            "quorum": committee.quorum,
        }
    return {
        "roles": sorted(route.roles),
        "branch": branch.pk if route.same_branch and branch is not None else None,
        "committee": "",
        "quorum": route.quorum,
    }


def _event(
    request: ApprovalRequest,
    action: str,
    *,
    actor: Any,
    from_status: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
    at: datetime,
) -> None:
    ApprovalEvent.objects.create(
        request=request,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=request.status,
        level=request.level,
        reason=reason,
        details=details or {},
        at=at,
    )
    ledger_append(
        kind=f"approval.{action}",
        actor=actor,
        subject={"approval": request.pk},
        record={
            "kind": request.kind,
            "from": from_status,
            "to": request.status,
            "level": request.level,
            "payload_hash": content_hash(request.payload),
            "reason_hash": content_hash(reason) if reason else None,
            "details_hash": content_hash(details) if details else None,
        },
        at=at,
    )


def _text(value: str, *, field: str, limit: int, code: str, message: str) -> str:
    text = value.strip()
    if not text:
        raise DomainError(code, message, field=field)
    if len(text) > limit:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": limit}, field=field
        )
    return text


@transaction.atomic
def approval_request(
    *,
    kind: str,
    subject: models.Model,
    summary: str,
    payload: dict[str, Any],
    requested_by: Any,
    reason: str,
    branch: Branch | None = None,
    amount: Decimal | None = None,
    risk: int | None = None,
) -> ApprovalRequest:
    """Ask for the change described by ``summary`` and ``payload`` on ``subject``; it is routed
    by the kind's rules (on ``branch``, ``amount``, ``risk``) and due within the kind's SLA."""
    chosen = _kind(kind)
    if staff_for(requested_by) is None:
        raise ApprovalRefused("no_staff_profile", _("Only staff can ask for approvals."))
    summary_text = _text(
        summary,
        field="summary",
        limit=SUMMARY_MAX,
        code="summary_required",
        message=_("Say what is to be approved."),
    )
    reason_text = _text(
        reason,
        field="reason",
        limit=REASON_MAX,
        code="reason_required",
        message=_("Say why this change is needed."),
    )
    if risk is not None and not 0 <= risk <= 100:
        raise DomainError("invalid_risk", _("Risk is a score from 0 to 100."), field="risk")
    route = chosen.route_for(amount=amount, risk=risk)
    levels = [_level(each, branch) for each in (route, *chosen.escalation)]
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        kind=chosen.code,
        summary=summary_text,
        reason=reason_text,
        payload=payload,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        requested_by=requested_by,
        branch=branch,
        amount=amount,
        risk=risk,
        routes=levels,
        level=0,
        due_at=now + chosen.sla,
        created_at=now,
    )
    _event(
        request,
        ApprovalEvent.Action.REQUESTED,
        actor=requested_by,
        from_status="",
        reason=reason_text,
        details={"route": levels[0]},
        at=now,
    )
    return request


def _facts(
    request: ApprovalRequest, *, actor: Any, approve: bool, reason: str, now: datetime
) -> lifecycle.Facts:
    staff = staff_for(actor)
    votes = list(request.votes.values_list("voter_id", "approve"))
    approvals = {voter for voter, yes in votes if yes} | ({actor.pk} if approve else set())
    return lifecycle.Facts(
        actor_is_requester=request.requested_by_id == actor.pk,
        actor_qualifies=staff is not None and routed_to(staff, request, staff_committees(staff)),
        already_voted=any(voter == actor.pk for voter, _yes in votes),
        approvals=len(approvals),
        quorum=int(str(request.route["quorum"])),
        overdue=request.due_at < now,
        has_next_level=request.level + 1 < len(request.routes),
        reason=reason,
    )


def _locked_open(request: ApprovalRequest) -> ApprovalRequest:
    locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ConflictError(
            "approval_closed",
            _("This request is already %(status)s.")
            % {"status": str(STATUS_LABELS[ApprovalStatus(locked.status)]).lower()},
        )
    return locked


@transaction.atomic
def approval_decide(
    *, request: ApprovalRequest, approver: Any, approve: bool, reason: str
) -> ApprovalRequest:
    """Record ``approver``'s decision. A rejection by any checker rejects the request; approvals
    approve it once distinct approvers reach the quorum of its level. The kind's handler runs
    here, in this transaction: if it refuses, nothing of the decision is kept."""
    request = _locked_open(request)
    now = timezone.now()
    facts = _facts(request, actor=approver, approve=approve, reason=reason, now=now)
    problem = lifecycle.vote_problem(facts)
    if problem is not None:
        raise _refusal(lifecycle.TransitionRefused(problem))
    reason = reason.strip()[:REASON_MAX]
    ApprovalVote.objects.create(
        request=request, voter=approver, approve=approve, reason=reason, level=request.level, at=now
    )
    current = ApprovalStatus(request.status)
    _event(
        request,
        ApprovalEvent.Action.VOTED,
        actor=approver,
        from_status=current.value,
        reason=reason,
        details={"approve": approve, "approvals": facts.approvals, "quorum": facts.quorum},
        at=now,
    )
    if approve and facts.approvals < facts.quorum:
        return request
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    try:
        lifecycle.check(current, target, facts)
    except lifecycle.TransitionRefused as error:
        raise _refusal(error) from None
    request.status = target.value
    request.decided_at = now
    request.save(update_fields=["status", "decided_at"])
    kind = get_kind(request.kind)
    handler = None if kind is None else (kind.on_approve if approve else kind.on_reject)
    if handler is not None:
        handler(request)
    _event(
        request,
        ApprovalEvent.Action.APPROVED if approve else ApprovalEvent.Action.REJECTED,
        actor=approver,
        from_status=current.value,
        reason=reason,
        at=now,
    )
    return request


@transaction.atomic
def approval_withdraw(*, request: ApprovalRequest, actor: Any, reason: str) -> ApprovalRequest:
    """The person who asked takes the request back; nothing it asked for happens."""
    request = _locked_open(request)
    now = timezone.now()
    facts = _facts(request, actor=actor, approve=False, reason=reason, now=now)
    current = ApprovalStatus(request.status)
    try:
        lifecycle.check(current, ApprovalStatus.WITHDRAWN, facts)
    except lifecycle.TransitionRefused as error:
        raise _refusal(error) from None
    request.status = ApprovalStatus.WITHDRAWN.value
    request.decided_at = now
    request.save(update_fields=["status", "decided_at"])
    kind = get_kind(request.kind)
    if kind is not None and kind.on_reject is not None:
        kind.on_reject(request)
    _event(
        request,
        ApprovalEvent.Action.WITHDRAWN,
        actor=actor,
        from_status=current.value,
        reason=reason.strip()[:REASON_MAX],
        at=now,
    )
    return request


def approvals_escalate(*, now: datetime | None = None) -> list[int]:
    """Move every overdue open request up one level (with a fresh SLA period there) and record
    it; returns their ids. Safe to run at any time and twice: a request just escalated is not
    overdue, and one at its top level stays where it is (it is shown as overdue)."""
    now = now or timezone.now()
    overdue = ApprovalRequest.objects.filter(
        status__in=sorted(lifecycle.OPEN), due_at__lt=now
    ).order_by("due_at", "pk")
    escalated = []
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            request = ApprovalRequest.objects.select_for_update().get(pk=pk)
            if not request.is_open or request.level + 1 >= len(request.routes):
                continue
            current = ApprovalStatus(request.status)
            facts = lifecycle.Facts(
                actor_is_requester=False,
                actor_qualifies=False,
                already_voted=False,
                approvals=0,
                quorum=1,
                overdue=request.due_at < now,
                has_next_level=True,
                reason="",
            )
            try:
                lifecycle.check(current, ApprovalStatus.ESCALATED, facts)
            except lifecycle.TransitionRefused:
                continue
            kind = get_kind(request.kind)
            was_due = request.due_at
            request.level += 1
            request.status = ApprovalStatus.ESCALATED.value
            request.due_at = now + (kind.sla if kind is not None else DEFAULT_SLA)
            request.save(update_fields=["level", "status", "due_at"])
            _event(
                request,
                ApprovalEvent.Action.ESCALATED,
                actor=None,
                from_status=current.value,
                details={"was_due": was_due.isoformat(), "route": request.route},
                at=now,
            )
            escalated.append(pk)
    return escalated
