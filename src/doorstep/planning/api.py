"""Visit plans over JSON: build a branch's plan for a day, read it, re-optimise it with pins
and forbids, publish it. Thin: selectors scope every read, one service call per write.

Visit coordinates are rounded to three decimals (about 100 m): enough to draw the routes,
not an address. No ``from __future__ import annotations``: Ninja reads the signatures.
"""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router
from ninja.responses import Status

from doorstep.core.api_errors import ApiInput
from doorstep.planning import services
from doorstep.planning.models import Plan
from doorstep.planning.selectors import (
    branch_for_planning,
    plan_get,
    plan_left_out,
    plan_replans,
    plan_routes,
    plan_successor,
    reason_text,
)

router = Router(tags=["planning"])
MAX_ID = 2**63 - 1
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _coarse(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as the API and the manager page's map draw it."""
    teams = []
    for team in plan_routes(plan):
        stops = []
        for s in team.stops:
            if s.visit is not None:
                where = [_coarse(s.visit.address.latitude), _coarse(s.visit.address.longitude)]
            else:
                where = plan.lunch_spots[s.lunch_spot or 0]
            stops.append(
                {
                    "position": s.position,
                    "kind": "visit" if s.visit_id is not None else "lunch",
                    "visit": s.visit_id,
                    "arrive": timezone.localtime(s.arrive).isoformat(),
                    "start": timezone.localtime(s.start).isoformat(),
                    "end": timezone.localtime(s.end).isoformat(),
                    "window": None
                    if s.window_start is None or s.window_end is None
                    else [f"{s.window_start:%H:%M}", f"{s.window_end:%H:%M}"],
                    "at": where,
                }
            )
        teams.append(
            {"key": team.key, "members": team.members, "skills": team.skills, "stops": stops}
        )
    return {
        "id": plan.pk,
        "branch": plan.branch.code,
        "day": plan.day.isoformat(),
        "status": plan.status,
        "previous": plan.previous_id,
        "value": plan.value,
        "metres": plan.metres,
        "seconds": plan.seconds,
        "solve_seconds": plan.solve_seconds,
        "iterations": plan.iterations,
        "seed": plan.seed,
        "pins": plan.pins,
        "forbidden": plan.forbidden,
        "benched": plan.benched,
        "start": [
            plan.branch.latitude and float(plan.branch.latitude),
            plan.branch.longitude and float(plan.branch.longitude),
        ],
        "teams": teams,
        "left_out": [
            {
                "visit": row.visit_id,
                "reason": row.reason,
                "text": reason_text(row.reason),
                "rules": row.rules,
            }
            for row in plan_left_out(plan)
        ],
        "replans": plan_replans(plan),
        "superseded_by": plan_successor(plan),
    }


class BuildIn(ApiInput):
    branch: str = Field(..., min_length=1, max_length=16)
    day: date
    seconds: float = Field(10.0, gt=0, le=services.MAX_SECONDS)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class ReoptimiseIn(ApiInput):
    pins: dict[str, str] = Field(default_factory=dict)
    forbidden: list[str] = Field(default_factory=list, max_length=10_000)
    seconds: float = Field(5.0, gt=0, le=services.MAX_SECONDS)


@router.post("/visit-plans", response={201: dict[str, Any]})
def plans_build(request: HttpRequest, payload: BuildIn) -> Status[dict[str, Any]]:
    """Build a draft plan for a branch and day (the caller must run that branch)."""
    branch = branch_for_planning(user=request.user, code=payload.branch)
    plan = services.plan_build(
        branch=branch,
        day=payload.day,
        actor=request.user,
        seconds=payload.seconds,
        seed=payload.seed,
    )
    return Status(201, plan_json(plan_get(user=request.user, pk=plan.pk)))


@router.get("/visit-plans/{plan_id}", response=dict[str, Any])
def plans_detail(request: HttpRequest, plan_id: PlanId) -> dict[str, Any]:
    return plan_json(plan_get(user=request.user, pk=plan_id))


@router.post("/visit-plans/{plan_id}/reoptimise", response={201: dict[str, Any]})
def plans_reoptimise(
    request: HttpRequest, plan_id: PlanId, payload: ReoptimiseIn
) -> Status[dict[str, Any]]:
    """A new draft with visits pinned to teams (``{visit id: team key}``) or forbidden."""
    plan = plan_get(user=request.user, pk=plan_id, manage=True)
    new = services.plan_reoptimise(
        plan=plan,
        actor=request.user,
        pins=payload.pins,
        forbidden=payload.forbidden,
        seconds=payload.seconds,
    )
    return Status(201, plan_json(plan_get(user=request.user, pk=new.pk)))


@router.post("/visit-plans/{plan_id}/publish", response=dict[str, Any])
def plans_publish(request: HttpRequest, plan_id: PlanId) -> dict[str, Any]:
    """Gate every planned visit again, schedule them all and ledger the plan."""
    plan = plan_get(user=request.user, pk=plan_id, manage=True)
    services.plan_publish(plan=plan, actor=request.user)
    return plan_json(plan_get(user=request.user, pk=plan_id))
