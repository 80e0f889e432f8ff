"""Reads of approval requests, scoped to who may see them, and who may decide them.

A request is visible to the person who asked, to everyone routed to decide it (at its level or
a lower one), to those who voted, to the managers of its branch, and to the roles that oversee
everything (compliance officers, internal auditors, head-office administrators). Anything else
answers 404, like a case outside one's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from doorstep.oversight.approval_lifecycle import OPEN
from doorstep.oversight.models import ApprovalRequest, Committee
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import BRANCH_ROLES, staff_for

OVERSEEING_ROLES = frozenset(
    {Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR, Role.HEAD_OFFICE_ADMIN}
)


class ApprovalNotFound(Http404):
    pass


def staff_committees(staff: StaffMember) -> frozenset[str]:
    """Codes of the committees ``staff`` sits on."""
    return frozenset(Committee.objects.filter(members=staff).values_list("code", flat=True))


def route_matches(staff: StaffMember, route: Mapping[str, Any], committees: frozenset[str]) -> bool:
    """Whether ``staff`` is someone ``route`` (one level of a request) sends the request to."""
    if not staff.is_active:
        return False
    if route.get("committee"):
        return route["committee"] in committees
    if staff.role not in route.get("roles", ()):
        return False
    branch = route.get("branch")
    return branch is None or branch == staff.branch_id


def routed_to(staff: StaffMember, request: ApprovalRequest, committees: frozenset[str]) -> bool:
    """Whether ``staff`` may decide ``request`` at its level: escalation widens who may decide,
    so the people of the lower levels keep their say."""
    return any(
        route_matches(staff, route, committees) for route in request.routes[: request.level + 1]
    )


def voters(request: ApprovalRequest) -> set[int]:
    return set(request.votes.values_list("voter_id", flat=True))


def can_decide(*, user: Any, request: ApprovalRequest) -> bool:
    """Whether ``user`` may approve or reject ``request`` now."""
    staff = staff_for(user)
    if staff is None or not request.is_open or request.requested_by_id == user.pk:
        return False
    if user.pk in voters(request):
        return False
    return routed_to(staff, request, staff_committees(staff))


def approval_inbox(*, user: Any) -> list[ApprovalRequest]:
    """Open requests ``user`` may decide now, the most urgent first."""
    staff = staff_for(user)
    if staff is None:
        return []
    committees = staff_committees(staff)
    open_requests = (
        ApprovalRequest.objects.filter(status__in=sorted(OPEN))
        .exclude(requested_by=user)
        .exclude(votes__voter=user)
        .select_related("requested_by__staff", "branch")
        .order_by("due_at", "pk")
    )
    return [request for request in open_requests if routed_to(staff, request, committees)]


def approval_visible(*, user: Any) -> QuerySet[ApprovalRequest]:
    """Every request ``user`` may look at (see the module's docstring)."""
    staff = staff_for(user)
    if staff is None:
        return ApprovalRequest.objects.none()
    requests = ApprovalRequest.objects.select_related("requested_by__staff", "branch")
    if staff.role in OVERSEEING_ROLES:
        return requests
    mine = Q(requested_by=user) | Q(votes__voter=user)
    if staff.role in BRANCH_ROLES and staff.branch_id is not None:
        mine |= Q(branch=staff.branch_id)
    routed = [request.pk for request in approval_inbox(user=user)]
    return requests.filter(mine | Q(pk__in=routed)).distinct()


def approval_get(*, user: Any, pk: int) -> ApprovalRequest:
    """One request for ``user``, or 404 if they may not see it."""
    request = approval_visible(user=user).filter(pk=pk).first()
    if request is None:
        raise ApprovalNotFound
    return request


def approval_history(request: ApprovalRequest) -> dict[str, Any]:
    """The votes and events of a request loaded through ``approval_get``, oldest first."""
    return {
        "votes": list(request.votes.select_related("voter__staff")),
        "events": list(request.events.select_related("actor__staff")),
    }
