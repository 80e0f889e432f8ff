"""Reads of visit plans, scoped by role and branch like cases and visits.

A branch's collections manager and branch administrator see and run its plans; head-office
administrators run every branch's; compliance officers and auditors read every branch's; the
field agents see their own stops through the visits app, not plans. Out of scope answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.i18n import gettext_noop
from doorstep.planning.engine.problem import REASONS
from doorstep.planning.models import LeftOut, Plan, PlanStop, Replan
from doorstep.staff.models import Branch, Role, StaffMember
from doorstep.staff.selectors import ALL_BRANCH_ROLES, BRANCH_ROLES, staff_for


class PlanNotFound(Http404):
    pass


class PlanDenied(PermissionDenied):
    pass


def _staff(user: Any) -> StaffMember | None:
    staff = staff_for(user)
    if staff is None or Role(staff.role) not in BRANCH_ROLES | ALL_BRANCH_ROLES:
        return None
    return staff


def plan_visible(*, user: Any) -> QuerySet[Plan]:
    staff = _staff(user)
    if staff is None:
        return Plan.objects.none()
    if Role(staff.role) in ALL_BRANCH_ROLES:
        return Plan.objects.all()
    if staff.branch_id is None:
        return Plan.objects.none()
    return Plan.objects.filter(branch_id=staff.branch_id)


def may_plan(*, user: Any, branch: Branch) -> bool:
    """Whether ``user`` may build, change and publish plans of ``branch``."""
    staff = _staff(user)
    if staff is None:
        return False
    role = Role(staff.role)
    return role is Role.HEAD_OFFICE_ADMIN or (role in BRANCH_ROLES and staff.branch_id == branch.pk)


def branch_for_planning(*, user: Any, code: str) -> Branch:
    """The branch ``user`` wants to plan: 404 if they cannot see it, 403 if only read it."""
    branch = Branch.objects.filter(code=code).first()
    staff = _staff(user)
    if branch is None or staff is None:
        raise PlanNotFound
    if Role(staff.role) not in ALL_BRANCH_ROLES and staff.branch_id != branch.pk:
        raise PlanNotFound
    if not may_plan(user=user, branch=branch):
        raise PlanDenied
    return branch


def plan_get(*, user: Any, pk: int, manage: bool = False) -> Plan:
    plan = plan_visible(user=user).select_related("branch").filter(pk=pk).first()
    if plan is None:
        raise PlanNotFound
    if manage and not may_plan(user=user, branch=plan.branch):
        raise PlanDenied
    return plan


@dataclass(frozen=True)
class TeamView:
    key: str
    members: list[str]
    skills: list[str]
    stops: list[PlanStop]


def plan_routes(plan: Plan) -> list[TeamView]:
    """Each team's stops in order, with agent names (no debtor data beyond the visit id)."""
    stops = list(
        plan.stops.select_related("lead_agent", "second_agent", "visit", "visit__address").order_by(
            "team", "position"
        )
    )
    teams = []
    for team in plan.teams:
        own = [s for s in stops if s.team == team["key"]]
        names = (
            [own[0].lead_agent.display_name, own[0].second_agent.display_name]
            if own
            else list(team["members"])
        )
        teams.append(TeamView(team["key"], names, team["skills"], own))
    return teams


def plan_left_out(plan: Plan) -> QuerySet[LeftOut]:
    return plan.left_out.select_related("visit").order_by("reason", "visit_id")


def reason_text(code: str) -> str:
    return REASONS.get(code, code)


REPLAN_TEXT = {
    "visit_aborted": gettext_noop("Re-planned after a visit was aborted."),
    "visit_added": gettext_noop("Re-planned to take in a visit added for today."),
}


def plan_replans(plan: Plan) -> list[dict[str, Any]]:
    """The re-plans that made this plan or tried to add a visit to it, oldest first; the
    reason is a stable code with its text (``REPLAN_TEXT`` or an engine reason)."""
    return [
        {
            "id": r.pk,
            "event": r.event,
            "visit": r.visit_id,
            "team": r.team,
            "at": timezone.localtime(r.at).isoformat(),
            "placed": r.placed,
            "reason": r.reason,
            "text": str(_(REPLAN_TEXT[r.reason]))
            if r.reason in REPLAN_TEXT
            else str(_(reason_text(r.reason))),
            "rules": r.rules,
            "moved": r.moved,
            "dropped": r.dropped,
            "previous": r.previous_id,
        }
        for r in Replan.objects.filter(plan=plan).order_by("at", "id")
    ]


def plan_successor(plan: Plan) -> int | None:
    """The plan a re-plan published in place of this one, if any."""
    return (
        Replan.objects.filter(previous=plan)
        .exclude(plan=plan)
        .values_list("plan_id", flat=True)
        .first()
    )
