"""Re-planning a team's rest of the day once its branch's plan is published.

Two events start it (``planning.hooks``, called by the visits services after their transaction
commits, then the Celery task ``planning.replan``):

* **a visit is aborted**: the team that had it re-plans its remaining visits from where it is
  (the last visit it reached) and from the time of the abort;
* **a visit is added for today** (an appointment the debtor asked for, an urgent visit): the
  teams are tried nearest first until one can take it; if none can, the visit is recorded as
  left out of the plan with the engine's reason.

The engine's ``replan_team`` solves it; visits already made stay where they were, the lunch
break stays if it has begun, the compliance gate is asked again about each remaining visit on
the day (a blocked one is dropped with its rules) and, when the routes are stored, every visit
is scheduled again through ``visits.services.visit_schedule`` (the gate's recorded decision at
the new arrival, and a fresh envelope). The result is a new published plan that supersedes the
old one, a ``Replan`` row with the reason, and a ledger entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.planning import services as plans
from doorstep.planning.engine import problem as engine
from doorstep.planning.engine.matrix import LatLon, MatrixProvider
from doorstep.planning.engine.search import Budget
from doorstep.planning.models import LeftOut, Plan, PlanStop, Replan
from doorstep.scoring.selectors import visit_uplifts
from doorstep.staff.models import StaffMember
from doorstep.visits import services as visits
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import Visit

REPLAN_BUDGET = Budget(seconds=5.0, iterations=2000)
"""A small problem (one team, its remaining visits): two thousand iterations are plenty, and
five seconds bound it on a loaded machine."""
ON_THE_ROAD = (Status.SCHEDULED.value, Status.EN_ROUTE.value)
ADDABLE = (Status.PROPOSED.value, Status.APPROVED.value, Status.RESCHEDULED.value)


@dataclass(frozen=True)
class Position:
    """Where a team is and what it has done, read from the plan and its visits."""

    team: engine.Team
    at: LatLon
    done: frozenset[str]
    remaining: list[Visit]
    lunch_taken: bool
    kept: list[PlanStop]  # the stops already behind the team, in order


def published_plan(branch_id: int, day: date) -> Plan | None:
    return (
        Plan.objects.filter(branch_id=branch_id, day=day, status=Plan.Status.PUBLISHED)
        .select_related("branch")
        .first()
    )


def _seconds_of(moment: datetime, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 3600 + local.minute * 60 + local.second


def _engine_team(entry: dict[str, Any], plan: Plan) -> engine.Team:
    start, end = entry["shift"]
    base = (float(plan.branch.latitude), float(plan.branch.longitude))
    return engine.Team(
        key=entry["key"],
        members=tuple(entry["members"]),
        start=(float(entry["start"][0]), float(entry["start"][1])),
        end=base,
        shift_start=plans._seconds(time.fromisoformat(start)),
        shift_end=plans._seconds(time.fromisoformat(end)),
        skills=frozenset(entry["skills"]),
    )


def _where(visit: Visit) -> LatLon:
    """Where the team checked in at the visit, else the visit's address."""
    lat: Any = visit.checkin_latitude
    lon: Any = visit.checkin_longitude
    if lat is None or lon is None:
        lat, lon = visit.address.latitude, visit.address.longitude
    return (float(lat), float(lon))


def team_position(plan: Plan, key: str, now: int) -> Position:
    """The team ``key`` of ``plan`` at ``now`` (seconds after local midnight): the visits it
    has made or lost (any status but scheduled or en route) are done, its position is the last
    of them it reached (else its start), and lunch is taken once its planned start is past."""
    entry = next(t for t in plan.teams if t["key"] == key)
    team = _engine_team(entry, plan)
    zone = ZoneInfo(plan.branch.timezone)
    stops = list(
        plan.stops.filter(team=key)
        .select_related("visit", "visit__address", "visit__case")
        .order_by("position")
    )
    kept, remaining, done = [], [], set()
    at = team.start
    lunch_taken = False
    for stop in stops:
        if stop.visit is None:
            if _seconds_of(stop.start, zone) <= now:
                lunch_taken = True
                kept.append(stop)
            continue
        if stop.visit.status in ON_THE_ROAD:
            remaining.append(stop.visit)
        else:
            done.add(str(stop.visit_id))
            kept.append(stop)
            at = _where(stop.visit)
    return Position(team, at, frozenset(done), remaining, lunch_taken, kept)


def _candidates(
    visits_: list[Visit], day: date, actor: Any, branch_zone: ZoneInfo, committed: set[int]
) -> tuple[list[engine.Candidate], dict[str, engine.Unvisited]]:
    """Engine candidates for ``visits_`` on ``day``, as ``plan_inputs`` builds them; the
    visits the team had committed to are kept if at all possible (``promised``)."""
    hours = plans._allowed_hours(datetime.combine(day, time(12), tzinfo=branch_zone))
    out: dict[str, engine.Unvisited] = {}
    located = []
    for visit in visits_:
        if None in (visit.address.latitude, visit.address.longitude):
            out[str(visit.pk)] = engine.Unvisited("no_location")
        elif visit.needs_approval and visit.status == Status.PROPOSED.value:
            out[str(visit.pk)] = engine.Unvisited("awaiting_approval")
        else:
            located.append(visit)
    windows = {v.pk: plans.visit_windows(v, hours) for v in located}
    blocked = plans._gate_preview(located, day, windows, actor)
    uplifts = visit_uplifts((v.case_id for v in located), on=day)
    candidates = [
        engine.Candidate(
            key=str(v.pk),
            at=(float(v.address.latitude), float(v.address.longitude)),
            value=plans._value(v, uplifts),
            service=v.duration_minutes * 60,
            windows=tuple(
                engine.Window(plans._seconds(a), plans._seconds(b)) for a, b in windows[v.pk]
            ),
            skills=frozenset({"senior"}) if v.risk_level == Visit.RiskLevel.HIGH else frozenset(),
            promised=v.pk in committed or (v.window_start is not None and v.window_end is not None),
            blocked_by=blocked[v.pk],
        )
        for v in located
    ]
    return candidates, out


@dataclass
class Attempt:
    position: Position
    problem: engine.PlanningProblem
    result: engine.Plan
    unvisited: dict[str, engine.Unvisited]

    @property
    def route(self) -> engine.TeamRoute | None:
        return self.result.routes[0] if self.result.routes else None

    def planned(self) -> list[str]:
        return [v.key for v in self.route.visits] if self.route else []


def _attempt(
    plan: Plan,
    key: str,
    now: int,
    actor: Any,
    provider: MatrixProvider,
    budget: Budget,
    added: Visit | None = None,
) -> Attempt:
    position = team_position(plan, key, now)
    pool = position.remaining + ([added] if added is not None else [])
    zone = ZoneInfo(plan.branch.timezone)
    candidates, left = _candidates(
        pool, plan.day, actor, zone, committed={v.pk for v in position.remaining}
    )
    problem = engine.PlanningProblem(
        candidates=candidates,
        teams=[position.team],
        lunch_spots=[(float(a), float(b)) for a, b in plan.lunch_spots],
    )
    result = engine.replan_team(
        problem,
        plans._engine_plan(plan),
        provider,
        budget,
        team=key,
        at=position.at,
        now=now,
        done=position.done,
        lunch_taken=position.lunch_taken,
        seed=plan.seed,
    )
    return Attempt(position, problem, result, {**result.unvisited, **left})


def check_problem(attempt: Attempt, now: int) -> engine.PlanningProblem:
    """The problem the re-planned route answers, for the independent checker: the team from
    where it is and when, lunch only if it is still to be taken."""
    position = attempt.position
    late = position.lunch_taken or max(now, position.team.shift_start) > position.team.lunch_late
    return replace(
        attempt.problem,
        teams=[
            replace(
                position.team, start=position.at, shift_start=max(now, position.team.shift_start)
            )
        ],
        lunch_spots=[] if late else attempt.problem.lunch_spots,
    )


def _distance(a: LatLon, b: LatLon) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _team_of(plan: Plan, visit: Visit) -> str | None:
    stop = plan.stops.filter(visit=visit).first()
    return stop.team if stop is not None else None


@transaction.atomic
def plan_replan(
    *,
    visit: Visit,
    event: str,
    at: datetime,
    actor: Any,
    provider: MatrixProvider | None = None,
    budget: Budget = REPLAN_BUDGET,
) -> Replan | None:
    """Re-plan after ``event`` (``aborted`` or ``added``) on ``visit`` at ``at``; None when the
    visit's branch has no published plan for that day or the visit is not part of it."""
    zone = ZoneInfo(visit.branch.timezone)
    day = at.astimezone(zone).date()
    found = published_plan(visit.branch_id, day)
    if found is None:
        return None
    plan = Plan.objects.select_for_update().select_related("branch").get(pk=found.pk)
    if plan.status != Plan.Status.PUBLISHED:
        return None
    visit = Visit.objects.select_related("address", "case", "branch").get(pk=visit.pk)
    actor = actor or plan.published_by
    now = _seconds_of(at, zone)
    provider = provider or plans.matrix_provider()
    if event == Replan.Event.ABORTED:
        key = _team_of(plan, visit)
        if key is None:
            return None
        attempt = _attempt(plan, key, now, actor, provider, budget)
        return _store(plan, attempt, event, visit, at, actor, provider)
    if visit.scheduled_on != day or visit.status not in ADDABLE or _team_of(plan, visit):
        return None
    target = (
        (float(visit.address.latitude), float(visit.address.longitude))
        if visit.address.latitude is not None and visit.address.longitude is not None
        else None
    )
    keys = [t["key"] for t in plan.teams]
    positions = {k: team_position(plan, k, now).at for k in keys}
    if target is not None:
        keys.sort(key=lambda k: _distance(positions[k], target))
    first: Attempt | None = None
    for key in keys:
        attempt = _attempt(plan, key, now, actor, provider, budget, added=visit)
        if str(visit.pk) in attempt.planned():
            return _store(plan, attempt, event, visit, at, actor, provider)
        first = first or attempt
        if str(visit.pk) in attempt.unvisited and attempt.unvisited[str(visit.pk)].code in (
            "no_location",
            "awaiting_approval",
            "blocked",
            "no_window",
        ):
            break  # no team can change that
    why = (
        first.unvisited.get(str(visit.pk), engine.Unvisited("not_chosen"))
        if first is not None
        else engine.Unvisited("no_team")
    )
    LeftOut.objects.update_or_create(
        plan=plan, visit=visit, defaults={"reason": why.code, "rules": list(why.rules)}
    )
    replan = Replan.objects.create(
        previous=plan,
        plan=plan,
        event=event,
        visit=visit,
        at=at,
        placed=False,
        reason=why.code,
        rules=list(why.rules),
        actor=actor,
    )
    _ledger(replan, plan, actor, [])
    return replan


def _ledger(replan: Replan, plan: Plan, actor: Any, stops: list[PlanStop]) -> None:
    ledger_append(
        kind="plan.replanned",
        actor=actor,
        subject={"plan": plan.pk, "branch": plan.branch.code},
        record={
            "previous": replan.previous_id,
            "event": replan.event,
            "visit": replan.visit_id,
            "team": replan.team,
            "placed": replan.placed,
            "reason": replan.reason,
            "moved": replan.moved,
            "dropped": replan.dropped,
            "stops": content_hash(
                [[s.team, s.position, s.visit_id, s.start.isoformat()] for s in stops]
            ),
        },
        at=replan.created_at,
    )


def _route_metres(plan: Plan, stops: list[PlanStop], provider: MatrixProvider) -> int:
    """Metres driven by every team: start → its stops in order → the branch."""
    base = (float(plan.branch.latitude), float(plan.branch.longitude))
    total = 0
    for entry in plan.teams:
        points: list[LatLon] = [(float(entry["start"][0]), float(entry["start"][1]))]
        for stop in sorted((s for s in stops if s.team == entry["key"]), key=lambda s: s.position):
            if stop.visit is not None:
                points.append(_where(stop.visit))
            else:
                spot = plan.lunch_spots[stop.lunch_spot or 0]
                points.append((float(spot[0]), float(spot[1])))
        points.append(base)
        if len(points) > 2:
            metres = provider.matrix(points).metres
            total += int(sum(metres[i, i + 1] for i in range(len(points) - 1)))
    return total


def _store(
    old: Plan,
    attempt: Attempt,
    event: str,
    trigger: Visit,
    at: datetime,
    actor: Any,
    provider: MatrixProvider,
) -> Replan:
    """The new published plan: other teams' stops as they were, this team's stops behind it,
    then its new route; every visit in the new route scheduled again through the gate."""
    zone = ZoneInfo(old.branch.timezone)
    key = attempt.position.team.key
    lead_no, second_no = key.split("+")
    members = {
        m.employee_number: m
        for m in StaffMember.objects.filter(employee_number__in=(lead_no, second_no))
    }
    lead, second = members[lead_no], members[second_no]
    old.status = Plan.Status.SUPERSEDED
    old.save(update_fields=["status"])
    cands = {c.key: c for c in attempt.problem.candidates}
    before = {str(v.pk): v for v in attempt.position.remaining}
    new_keys = attempt.planned()
    dropped = [k for k in before if k not in new_keys]
    values = {k: c.value for k, c in cands.items()}
    value = old.value - sum(values.get(k, 0) for k in before) + sum(values[k] for k in new_keys)
    plan = Plan.objects.create(
        branch=old.branch,
        day=old.day,
        status=Plan.Status.PUBLISHED,
        previous=old,
        seed=old.seed,
        seconds=old.seconds,
        solve_seconds=round(attempt.result.seconds, 3),
        iterations=attempt.result.iterations,
        value=value,
        teams=old.teams,
        pins=old.pins,
        forbidden=old.forbidden,
        lunch_spots=old.lunch_spots,
        benched=old.benched,
        created_by=actor,
        published_by=actor,
        published_at=timezone.now(),
    )
    stops: list[PlanStop] = []
    for stop in old.stops.exclude(team=key).select_related("visit", "visit__address"):
        stop.pk, stop.plan = None, plan
        stops.append(stop)
    position = 0
    for stop in attempt.position.kept:
        position += 1
        stop.pk, stop.plan, stop.position = None, plan, position
        stops.append(stop)
    pool = {**before, str(trigger.pk): trigger}
    scheduled: list[tuple[Visit, PlanStop]] = []
    for item in attempt.route.items if attempt.route else ():
        position += 1
        visit = pool[item.key] if isinstance(item, engine.PlannedVisit) else None
        window: tuple[time | None, time | None] = (None, None)
        if isinstance(item, engine.PlannedVisit):
            window = plans._window_of(cands[item.key], item.start)
        stop = PlanStop(
            plan=plan,
            team=key,
            position=position,
            visit=visit,
            lunch_spot=item.spot if isinstance(item, engine.PlannedBreak) else None,
            lead_agent=lead,
            second_agent=second,
            window_start=window[0],
            window_end=window[1],
            arrive=plans._clock(
                old.day, item.arrive if isinstance(item, engine.PlannedVisit) else item.start, zone
            ),
            start=plans._clock(old.day, item.start, zone),
            end=plans._clock(old.day, item.end, zone),
        )
        stops.append(stop)
        if visit is not None:
            scheduled.append((visit, stop))
    PlanStop.objects.bulk_create(stops)
    moved_reason = (
        _("Re-planned after visit %(visit)s was aborted.")
        if event == Replan.Event.ABORTED
        else _("Re-planned to take in visit %(visit)s added for today.")
    ) % {"visit": trigger.pk}
    for visit, stop in scheduled:
        if visit.status in ON_THE_ROAD:
            visit = visits.visit_transition(
                visit=visit,
                target=Status.RESCHEDULED.value,
                actor=actor,
                reason=moved_reason,
                at=at,
            )
        visits.visit_schedule(
            visit=visit,
            actor=actor,
            scheduled_on=old.day,
            window_start=stop.window_start or timezone.localtime(stop.start).time(),
            window_end=stop.window_end or timezone.localtime(stop.end).time(),
            lead_agent=lead,
            second_agent=second,
            planned_arrival=stop.start,
            route_position=stop.position,
        )
    left = []
    for row in old.left_out.exclude(visit_id=trigger.pk):
        left.append(LeftOut(plan=plan, visit_id=row.visit_id, reason=row.reason, rules=row.rules))
    for k in dropped:
        why = attempt.unvisited.get(k, engine.Unvisited("outside_shift"))
        visits.visit_transition(
            visit=before[k],
            target=Status.RESCHEDULED.value,
            actor=actor,
            reason=_("Re-planned: %(why)s") % {"why": _(why.text)},
            at=at,
        )
        left.append(LeftOut(plan=plan, visit=before[k], reason=why.code, rules=list(why.rules)))
    LeftOut.objects.bulk_create(left)
    plan.metres = _route_metres(plan, stops, provider)
    plan.save(update_fields=["metres"])
    replan = Replan.objects.create(
        previous=old,
        plan=plan,
        event=event,
        visit=trigger,
        team=key,
        at=at,
        placed=True if event == Replan.Event.ADDED else None,
        reason="visit_aborted" if event == Replan.Event.ABORTED else "visit_added",
        moved=[int(k) for k in new_keys],
        dropped=[int(k) for k in dropped],
        actor=actor,
    )
    _ledger(replan, plan, actor, stops)
    return replan
