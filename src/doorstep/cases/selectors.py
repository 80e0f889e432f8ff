"""Every read of a case goes through here, scoped by the reader's role and branch.

Out-of-scope cases raise ``CaseNotFound`` (HTTP 404), so nobody learns that a case exists outside
their scope; in-scope cases a role may only read raise ``CaseActionDenied`` (HTTP 403) for writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.http import Http404

from doorstep.access.matrix import ROLES, may_reveal
from doorstep.agencies.selectors import member_agency_id, placements_in_force
from doorstep.cases.models import (
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import ALL_BRANCH_ROLES, BRANCH_ROLES, FIELD_ROLES, staff_for


class CaseNotFound(Http404):
    pass


class CaseActionDenied(PermissionDenied):
    pass


class CaseAction(StrEnum):
    VIEW = "view"
    NOTE = "note"
    MESSAGE = "message"
    TRANSITION = "transition"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    ATTACH = "attach"
    REVEAL = "reveal"


PARTICIPANT_CAPACITY = {
    Role.LEGAL_SPECIALIST: CaseParticipant.Capacity.LEGAL,
    Role.FINANCE_SPECIALIST: CaseParticipant.Capacity.FINANCE,
    Role.COMPLAINT_HANDLER: CaseParticipant.Capacity.COMPLAINT,
}

# Who may see full personal data (ID number, phones) for a case in scope: the permission matrix
# (docs/permissions.md) decides; everyone else sees masks.
REVEAL_ROLES = frozenset(Role(role) for role in ROLES if may_reveal(role) and role in Role.values)
WRITING_ROLES = frozenset(set(Role) - {Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR})


def _scope(staff: StaffMember) -> QuerySet[Case]:
    cases = Case.objects.all()
    role = Role(staff.role)
    if role in ALL_BRANCH_ROLES:
        return cases
    if role in FIELD_ROLES:
        return cases.filter(agent=staff)
    if role in PARTICIPANT_CAPACITY:
        attached = CaseParticipant.objects.filter(
            case=OuterRef("pk"), staff=staff, capacity=PARTICIPANT_CAPACITY[role]
        )
        return cases.filter(Exists(attached))
    if role in BRANCH_ROLES:
        # IN, not a correlated EXISTS: under the OR, PostgreSQL runs an EXISTS once per case
        # (140 ms for 110,000 cases) but an IN's subquery once, hashed (17 ms).
        transferred_out = Transfer.objects.filter(from_branch=staff.branch_id).values("case_id")
        return cases.filter(Q(branch=staff.branch_id) | Q(pk__in=transferred_out))
    if role is Role.AGENCY_USER:
        # Only cases placed with the user's agency, while the placement is in force: a recall
        # or the end of the term takes them out of view at once.
        agency_id = member_agency_id(staff)
        if agency_id is None:
            return cases.none()
        placed = placements_in_force().filter(case=OuterRef("pk"), agency_id=agency_id)
        return cases.filter(Exists(placed))
    return cases.none()


def case_visible(*, user: Any) -> QuerySet[Case]:
    """The cases this user may see at all."""
    staff = staff_for(user)
    if staff is None:
        return Case.objects.none()
    return _scope(staff)


def is_agency_reader(*, user: Any) -> bool:
    """Whether ``user`` reads cases as an outside agency: then a case shows only what the
    placement's contract allows (``agencies.services.agency_profile``)."""
    staff = staff_for(user)
    return staff is not None and staff.role == Role.AGENCY_USER


def case_can(*, staff: StaffMember, case: Case, action: CaseAction) -> bool:
    """Whether ``staff``, who can already see ``case``, may also take ``action`` on it.

    Compliance officers and auditors only read. A closed case takes thread messages only. A
    branch's managers run its cases; a branch that transferred a case out keeps the thread.
    """
    role = Role(staff.role)
    owns_branch = role is Role.HEAD_OFFICE_ADMIN or (
        role in BRANCH_ROLES and case.branch_id == staff.branch_id
    )
    # A branch that transferred the case out keeps the thread, not the debtor's personal data.
    former_branch = role in BRANCH_ROLES and not owns_branch
    writes = role in WRITING_ROLES
    match action:
        case CaseAction.VIEW:
            return True
        case CaseAction.REVEAL:
            return role in REVEAL_ROLES and not former_branch
        case CaseAction.MESSAGE:
            # The thread is the bank's own: an agency records its work in notes.
            return writes and role is not Role.AGENCY_USER
        case CaseAction.NOTE:
            return writes and not former_branch and not case.is_closed
        case CaseAction.ASSIGN | CaseAction.TRANSFER | CaseAction.ATTACH:
            return owns_branch and not case.is_closed
        case CaseAction.TRANSITION:
            agent_or_legal = role in FIELD_ROLES or role is Role.LEGAL_SPECIALIST
            return (owns_branch or agent_or_legal) and not case.is_closed


def case_get(*, user: Any, pk: int, action: CaseAction = CaseAction.VIEW) -> Case:
    """Load a case for ``user`` to ``action``; 404 outside their scope, 403 if not allowed."""
    staff = staff_for(user)
    if staff is None:
        raise CaseNotFound
    case = (
        _scope(staff)
        .select_related("customer", "branch", "team", "agent", "agent__user")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise CaseNotFound
    if not case_can(staff=staff, case=case, action=action):
        raise CaseActionDenied
    return case


SORTS = {
    "dpd": ("dpd", "reference"),
    "-dpd": ("-dpd", "reference"),
    "amount": ("past_due", "reference"),
    "-amount": ("-past_due", "reference"),
    "opened": ("opened_on", "reference"),
    "-opened": ("-opened_on", "reference"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "customer": ("customer__name", "reference"),
    "-customer": ("-customer__name", "reference"),
}
DEFAULT_SORT = "-dpd"


@dataclass(frozen=True)
class CaseFilters:
    buckets: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    branch: int | None = None
    agent: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_dpd: int | None = None
    max_dpd: int | None = None
    search: str = ""
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)


def case_list(*, user: Any, filters: CaseFilters) -> QuerySet[Case]:
    """The user's visible cases narrowed by ``filters``; amounts filter on what is past due."""
    cases = case_visible(user=user)
    if filters.buckets:
        cases = cases.filter(bucket__in=filters.buckets)
    if filters.statuses:
        cases = cases.filter(status__in=filters.statuses)
    if filters.branch is not None:
        cases = cases.filter(branch_id=filters.branch)
    if filters.agent is not None:
        cases = cases.filter(agent_id=filters.agent)
    if filters.min_amount is not None:
        cases = cases.filter(past_due__gte=filters.min_amount)
    if filters.max_amount is not None:
        cases = cases.filter(past_due__lte=filters.max_amount)
    if filters.min_dpd is not None:
        cases = cases.filter(dpd__gte=filters.min_dpd)
    if filters.max_dpd is not None:
        cases = cases.filter(dpd__lte=filters.max_dpd)
    term = filters.search.strip()
    if term:
        cases = cases.filter(
            Q(reference__iexact=term)
            | Q(customer__name__icontains=term)
            | Q(customer__external_id__iexact=term)
            | Q(accounts__external_id__iexact=term)
        ).distinct()
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return cases.select_related("customer", "branch", "team", "agent").order_by(*order)


def case_actions(*, user: Any, case: Case) -> list[CaseAction]:
    """What ``user`` may do with ``case`` (already loaded through ``case_get``), so a client
    can offer only the buttons that will work."""
    staff = staff_for(user)
    if staff is None:
        return []
    return [action for action in CaseAction if case_can(staff=staff, case=case, action=action)]


def case_with_details(case: Case) -> Case:
    """Load the accounts and participants of a case already loaded through ``case_get``."""
    prefetch_related_objects([case], "accounts", "participants__staff")
    return case


@dataclass(frozen=True)
class CaseHistory:
    status_changes: list[StatusChange]
    bucket_changes: list[BucketChange]
    assignments: list[Assignment]
    transfers: list[Transfer]


def case_history(*, case: Case) -> CaseHistory:
    """Everything that happened to a case (loaded through ``case_get``), oldest first, with the
    people involved, in one query per kind."""
    return CaseHistory(
        status_changes=list(case.status_changes.select_related("actor__staff")),
        bucket_changes=list(case.bucket_changes.all()),
        assignments=list(
            case.assignments.select_related("branch", "team", "agent", "assigned_by__staff")
        ),
        transfers=list(case.transfers.select_related("from_branch", "to_branch", "by__staff")),
    )


def case_entries(*, case: Case) -> QuerySet[Entry]:
    """Notes and thread messages of a case (loaded through ``case_get``), oldest first."""
    return case.entries.select_related("author__staff", "author_branch").order_by("at", "id")


def attachable_staff() -> QuerySet[StaffMember]:
    """Active people who can be attached to a case: specialists and complaint handlers."""
    return StaffMember.objects.filter(
        is_active=True, role__in=sorted(PARTICIPANT_CAPACITY)
    ).select_related("branch")
