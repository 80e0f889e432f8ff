"""Reads of remote work, each scoped by the reader's role and branch.

- Allocation is run by a branch's collections manager or administrator (their branch) and by
  head-office administrators (any branch).
- A phone queue is the agent's own: the open cases assigned to them, asked of the gate in one
  batch (``contact_decide_batch`` without storing), so the queue never offers a case the gate
  would block at that moment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet, Value, When
from django.db.models import Case as Case_
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.lifecycle import OPEN
from doorstep.cases.models import Assignment, Case
from doorstep.cases.selectors import CaseNotFound
from doorstep.compliance.models import ContactEvent, Decision
from doorstep.compliance.proposals import ContactProposal, PlannedContact
from doorstep.compliance.services import contact_allowed, contact_decide_batch
from doorstep.core.errors import DomainError
from doorstep.core.masking import mask_phone
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Payment, Phone
from doorstep.remote import allocation, worklist
from doorstep.remote.models import (
    AllocationPin,
    AllocationRule,
    AllocationRun,
    Call,
    Campaign,
    FollowUp,
    MessageTemplate,
    QualityReview,
    TemplateVersion,
    VulnerabilityFlag,
)
from doorstep.remote.worklist import Handling
from doorstep.scoring.models import Score
from doorstep.staff.models import Branch, Role, StaffMember
from doorstep.staff.selectors import FIELD_ROLES, staff_for

MANAGERS = frozenset({Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN, Role.HEAD_OFFICE_ADMIN})
TEMPLATE_AUTHORS = frozenset(
    {Role.COLLECTIONS_MANAGER, Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN}
)
PROGRESS_OUTCOMES = ("demand_stated", "debtor_reached")
UNDIALABLE = (Phone.Verification.WRONG_NUMBER, Phone.Verification.DISCONNECTED)


class RemoteDenied(DomainError):
    status = 403


def staff_in(user: Any, roles: frozenset[Role]) -> StaffMember:
    """The signed-in staff member if their role is one of ``roles``, else a 403."""
    staff = staff_for(user)
    if staff is None or Role(staff.role) not in roles:
        raise RemoteDenied("forbidden", _("Your role may not do this."))
    return staff


def managed_branch(user: Any, branch: Branch | None) -> Branch | None:
    """The branch a manager works on: their own (a different one is refused); head office may
    name any branch or none (every branch)."""
    staff = staff_in(user, MANAGERS)
    if Role(staff.role) is Role.HEAD_OFFICE_ADMIN:
        return branch
    if branch is not None and branch.pk != staff.branch_id:
        raise RemoteDenied("other_branch", _("You manage another branch."), field="branch")
    return staff.branch


# ---------------------------------------------------------------------------------------------
# Allocation


def rules_in_force(*, branch: Branch | None) -> list[AllocationRule]:
    rules = AllocationRule.objects.filter(is_active=True)
    if branch is not None:
        rules = rules.filter(Q(branch=branch) | Q(branch__isnull=True))
    return list(rules.order_by("position", "id"))


def rule_data(rule: AllocationRule, *, pk: int | None = None) -> allocation.Rule:
    return allocation.Rule(
        id=rule.pk if pk is None else pk,
        team_id=rule.team_id,
        branch_id=rule.branch_id,
        buckets=frozenset(rule.buckets),
        products=frozenset(rule.products),
        min_amount=rule.min_amount,
        max_amount=rule.max_amount,
        agent_cap=rule.agent_cap,
        rotate_after_days=rule.rotate_after_days,
        languages=frozenset(rule.languages),
        risk_bands=frozenset(rule.risk_bands),
    )


def _latest(values: QuerySet[Any], key: str, field: str) -> dict[int, date]:
    out = {}
    for row in values.values(key).annotate(latest=Max(field)):
        latest = row["latest"]
        out[row[key]] = latest.date() if isinstance(latest, datetime) else latest
    return out


def _latest_probabilities(case_ids: Sequence[int]) -> dict[int, float]:
    """Each case's probability of paying from its latest acting score (``Score.objects`` are
    the acting scores), for the rules' risk bands."""
    found: dict[int, float] = {}
    scores = Score.objects.filter(case_id__in=case_ids).order_by("case_id", "-as_of", "-id")
    for case_id, probability in scores.values_list("case_id", "probability").iterator():
        found.setdefault(case_id, probability)
    return found


def allocation_inputs(
    *, branch: Branch | None, rules: Sequence[allocation.Rule], as_of: date
) -> tuple[list[allocation.CaseFacts], list[allocation.Agent]]:
    """The open cases and the agents of the rules' teams, as the pure planner takes them.

    Progress is the later of: the current assignment's start, the last contact that reached
    the debtor, the last promise taken, the last payment on the case's accounts.
    """
    cases = Case.objects.filter(status__in=sorted(OPEN))
    if branch is not None:
        cases = cases.filter(branch=branch)
    rows = list(
        cases.values(
            "pk",
            "customer_id",
            "branch_id",
            "bucket",
            "past_due",
            "agent_id",
            "customer__preferred_language",
        )
    )
    ids = [row["pk"] for row in rows]
    probabilities = _latest_probabilities(ids)
    zone = timezone.get_current_timezone()
    started = {
        case_id: at.astimezone(zone).date()
        for case_id, at in Assignment.objects.filter(
            case_id__in=ids, ended_at__isnull=True
        ).values_list("case_id", "started_at")
    }
    contacted = _latest(
        ContactEvent.objects.filter(case_id__in=ids, outcome__in=PROGRESS_OUTCOMES),
        "case_id",
        "at",
    )
    promised = _latest(Promise.objects.filter(case_id__in=ids), "case_id", "taken_on")
    links = Case.accounts.through.objects.filter(case_id__in=ids)
    products: dict[int, set[str]] = {}
    accounts_of: dict[int, list[int]] = {}
    for case_id, account_id, product in links.values_list(
        "case_id", "account_id", "account__product"
    ):
        products.setdefault(case_id, set()).add(product)
        accounts_of.setdefault(case_id, []).append(account_id)
    paid_on = _latest(
        Payment.objects.filter(
            account_id__in=[a for accounts in accounts_of.values() for a in accounts]
        ),
        "account_id",
        "paid_on",
    )
    pinned = set(
        AllocationPin.objects.filter(case_id__in=ids, released_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .values_list("case_id", flat=True)
    )
    specialist_cases = cases_needing(
        Handling.SPECIALIST, {row["pk"]: row["customer_id"] for row in rows}
    )
    facts = []
    for row in rows:
        pk = row["pk"]
        moments = [
            started.get(pk, date.min),
            contacted.get(pk, date.min),
            promised.get(pk, date.min),
            *(paid_on.get(a, date.min) for a in accounts_of.get(pk, [])),
        ]
        facts.append(
            allocation.CaseFacts(
                id=pk,
                branch_id=row["branch_id"],
                bucket=row["bucket"],
                products=frozenset(products.get(pk, set())),
                past_due=row["past_due"],
                agent_id=row["agent_id"],
                last_progress=max(moments),
                pinned=pk in pinned,
                specialist=pk in specialist_cases,
                language=row["customer__preferred_language"],
                risk_band=allocation.risk_band(probabilities.get(pk)).value,
            )
        )
    teams = {rule.team_id for rule in rules}
    members = StaffMember.objects.filter(
        team_id__in=teams, is_active=True, role__in=sorted(FIELD_ROLES)
    ).annotate(load=Count("cases", filter=Q(cases__status__in=sorted(OPEN))))
    agents = [
        allocation.Agent(
            id=m.pk,
            team_id=m.team_id or 0,
            branch_id=m.branch_id or 0,
            load=m.load,
            specialist=worklist.SPECIALIST_SKILL in (m.skills or []),
            languages=frozenset(m.languages or []),
        )
        for m in members
    ]
    return facts, agents


def open_flags(customer_ids: Sequence[int]) -> dict[int, list[VulnerabilityFlag]]:
    flags: dict[int, list[VulnerabilityFlag]] = {}
    for flag in VulnerabilityFlag.objects.filter(
        customer_id__in=customer_ids, ended_at__isnull=True
    ):
        flags.setdefault(flag.customer_id, []).append(flag)
    return flags


def cases_needing(handling: Handling, customer_of: Mapping[int, int]) -> set[int]:
    """The cases (case id → customer id) whose debtor has an open flag handled so."""
    flags = open_flags(list(customer_of.values()))
    return {
        case_id
        for case_id, customer_id in customer_of.items()
        if any(flag.handling == handling for flag in flags.get(customer_id, []))
    }


def run_list(*, user: Any) -> QuerySet[AllocationRun]:
    branch = managed_branch(user, None)
    runs = AllocationRun.objects.all()
    return runs if branch is None else runs.filter(branch=branch)


def run_get(*, user: Any, pk: int) -> AllocationRun:
    run = run_list(user=user).filter(pk=pk).first()
    if run is None:
        raise CaseNotFound
    return run


# ---------------------------------------------------------------------------------------------
# Phone queue


@dataclass(frozen=True)
class QueueItem:
    case: Case
    follow_up: FollowUp | None
    priority: int | None
    decision: Decision  # the gate's answer at the queue's moment (not stored)


def _follow_ups_due(case_ids: Sequence[int], at: datetime) -> dict[int, FollowUp]:
    due: dict[int, FollowUp] = {}
    for follow_up in FollowUp.objects.filter(
        case_id__in=case_ids, due_at__lte=at, done_by_call__isnull=True
    ).order_by("due_at", "id"):
        due.setdefault(follow_up.case_id, follow_up)
    return due


def _priorities(case_ids: Sequence[int]) -> dict[int, int]:
    """Scoring's priority rank of each case on the newest day it scored any of them."""
    scores = Score.objects.filter(case_id__in=case_ids)
    day = scores.aggregate(day=Max("as_of"))["day"]
    if day is None:
        return {}
    return dict(scores.filter(as_of=day).values_list("case_id", "priority"))


def queue(*, user: Any, at: datetime, limit: int = 50) -> list[QueueItem]:
    """The agent's queue at ``at``: their open cases with a number not known to be wrong,
    not yet called today (unless a follow-up fell due since), that a vulnerability flag does
    not keep from them (``worklist.may_work``), each allowed by the gate for a call at ``at``,
    in ``worklist.order``.

    A due call-back the debtor asked for is proposed as debtor-initiated (exempt from the time
    window and frequency rules; holds still apply).
    """
    staff = staff_in(user, frozenset(FIELD_ROLES))
    cases = {
        case.pk: case
        for case in Case.objects.filter(agent=staff, status__in=sorted(OPEN)).select_related(
            "customer"
        )
    }
    reachable = set(
        Phone.objects.filter(customer_id__in=[case.customer_id for case in cases.values()])
        .exclude(verification__in=UNDIALABLE)
        .values_list("customer_id", flat=True)
    )
    flags = open_flags([case.customer_id for case in cases.values()])
    specialist = worklist.SPECIALIST_SKILL in (staff.skills or [])
    today = timezone.localtime(at).date()

    def workable(case: Case) -> bool:
        own = flags.get(case.customer_id, [])
        return worklist.may_work(
            {Handling(flag.handling) for flag in own},
            specialist=specialist,
            contact_approved=all(
                flag.contact_approved_until is not None and flag.contact_approved_until >= today
                for flag in own
                if flag.handling == Handling.APPROVAL
            ),
        )

    cases = {
        pk: case for pk, case in cases.items() if case.customer_id in reachable and workable(case)
    }
    due = _follow_ups_due(list(cases), at)
    called_today = set(
        Call.objects.filter(case_id__in=list(cases), started_at__gte=day_start(at)).values_list(
            "case_id", flat=True
        )
    )
    priorities = _priorities(list(cases))
    candidates = [
        worklist.Candidate(
            case_id=pk,
            bucket=case.bucket,
            past_due=case.past_due,
            priority=priorities.get(pk),
            due_since=due[pk].due_at if pk in due else None,
        )
        for pk, case in cases.items()
        if pk in due or pk not in called_today
    ]
    ordered = worklist.order(candidates)
    if not ordered:
        return []
    items = [
        PlannedContact(
            case_id=c.case_id,
            proposal=call_proposal(at=at, follow_up=due.get(c.case_id)),
            agent_id=staff.pk,
        )
        for c in ordered
    ]
    decisions = contact_decide_batch(items=items, actor=user, record=False)
    allowed = []
    for candidate, decision in zip(ordered, decisions, strict=True):
        if contact_allowed(decision):
            allowed.append(
                QueueItem(
                    case=cases[candidate.case_id],
                    follow_up=due.get(candidate.case_id),
                    priority=candidate.priority,
                    decision=decision,
                )
            )
        if len(allowed) == limit:
            break
    return allowed


def call_proposal(*, at: datetime, follow_up: FollowUp | None) -> ContactProposal:
    asked = follow_up is not None and follow_up.kind == FollowUp.Kind.CALLBACK
    return ContactProposal(channel="call", at=at, initiated_by="debtor" if asked else "bank")


def open_call(*, user: Any) -> Call | None:
    staff = staff_in(user, frozenset(FIELD_ROLES))
    return (
        Call.objects.filter(agent=staff, wrapped_at__isnull=True)
        .select_related("case", "case__customer", "phone")
        .first()
    )


def call_get(*, user: Any, pk: int) -> Call:
    """A call of the signed-in agent (404 for anyone else's)."""
    staff = staff_in(user, frozenset(FIELD_ROLES))
    call = (
        Call.objects.filter(pk=pk, agent=staff)
        .select_related("case", "case__customer", "phone")
        .first()
    )
    if call is None:
        raise CaseNotFound
    return call


def dialable_phone(case: Case) -> Phone | None:
    """The number to call: verified first, then primary, never one known to be wrong."""
    return (
        Phone.objects.filter(customer_id=case.customer_id)
        .exclude(verification__in=UNDIALABLE)
        .annotate(
            verified=Case_(
                When(verification=Phone.Verification.VERIFIED, then=Value(1)), default=Value(0)
            )
        )
        .order_by("-verified", "-is_primary", "id")
        .first()
    )


@dataclass(frozen=True)
class Briefing:
    case: Case
    phone_masked: str
    score: Score | None
    open_promises: list[Promise]
    recent_calls: list[Call]
    follow_ups: list[FollowUp]
    flags: list[VulnerabilityFlag]


def briefing(call: Call) -> Briefing:
    case = call.case
    return Briefing(
        case=case,
        phone_masked=mask_phone(call.phone.number) if call.phone else "",
        score=Score.objects.filter(case=case).order_by("-as_of", "-id").first(),
        open_promises=list(Promise.objects.filter(case=case, status="open")),
        recent_calls=list(
            Call.objects.filter(case=case, wrapped_at__isnull=False).order_by("-started_at")[:5]
        ),
        follow_ups=list(FollowUp.objects.filter(case=case, done_by_call__isnull=True)),
        flags=open_flags([case.customer_id]).get(case.customer_id, []),
    )


def day_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def calls_today(*, user: Any, at: datetime) -> QuerySet[Call]:
    staff = staff_in(user, frozenset(FIELD_ROLES))
    start = day_start(at)
    return Call.objects.filter(
        agent=staff, started_at__gte=start, started_at__lt=start + timedelta(days=1)
    ).select_related("case")


# ---------------------------------------------------------------------------------------------
# Templates and campaigns


def template_list(*, user: Any) -> QuerySet[MessageTemplate]:
    staff_in(user, TEMPLATE_AUTHORS | MANAGERS)
    return MessageTemplate.objects.prefetch_related("versions")


def template_get(*, user: Any, pk: int) -> MessageTemplate:
    template = template_list(user=user).filter(pk=pk).first()
    if template is None:
        raise CaseNotFound
    return template


def approved_version(template: MessageTemplate) -> TemplateVersion | None:
    return (
        template.versions.filter(status=TemplateVersion.Status.APPROVED).order_by("-number").first()
    )


def campaign_list(*, user: Any) -> QuerySet[Campaign]:
    branch = managed_branch(user, None)
    campaigns = Campaign.objects.select_related("version__template", "branch")
    return campaigns if branch is None else campaigns.filter(branch=branch)


def campaign_get(*, user: Any, pk: int) -> Campaign:
    campaign = campaign_list(user=user).filter(pk=pk).first()
    if campaign is None:
        raise CaseNotFound
    return campaign


# ---------------------------------------------------------------------------------------------
# Quality review


@dataclass(frozen=True)
class Trend:
    month: date
    key: int | None  # agent or team id
    name: str
    reviews: int
    average: float


def quality_trends(*, user: Any, by: str) -> list[Trend]:
    """Average review score per month, per agent (``by="agent"``) or per team, over the
    reviews the reader may see (a manager: their branch's calls)."""
    staff = staff_in(user, MANAGERS | {Role.INTERNAL_AUDITOR})
    reviews = QualityReview.objects.filter(reviewed_at__isnull=False)
    if Role(staff.role) in (Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN):
        reviews = reviews.filter(call__case__branch=staff.branch)
    if by == "agent":
        key, name = "agent_id", "agent__display_name"
    elif by == "team":
        key, name = "agent__team_id", "agent__team__name"
    else:
        raise DomainError("invalid_choice", _("Group by agent or team."), field="by")
    rows = (
        reviews.annotate(month=TruncMonth("reviewed_at"))
        .values("month", key, name)
        .annotate(reviews=Count("pk"), average=Avg("score"))
        .order_by("month", key)
    )
    return [
        Trend(
            month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            key=row[key],
            name=row[name] or "",
            reviews=row["reviews"],
            average=round(float(row["average"]), 1),
        )
        for row in rows
    ]
