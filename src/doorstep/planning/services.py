"""Build, re-optimise and publish a branch's visit plan for a day.

``plan_build`` gathers the candidates (the branch's proposed, approved and rescheduled visits
not yet fixed to another day), asks the compliance gate about each on that day (a preview: the
decision log records the decisions made when the plan is published), forms two-person teams of
the branch's field agents, calls the pure engine and stores the draft. ``plan_reoptimise``
builds a new draft with a manager's pins and forbids, warm-started from the previous plan.
``plan_publish`` asks the gate again at each planned arrival with the real team, schedules
every visit through ``visits.services.visit_schedule`` (which records the decision and stores
the visit's compliance envelope) and ledgers the plan, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.compliance.engine.model import Verdict
from doorstep.compliance.engine.params import CnParams
from doorstep.compliance.proposals import ContactProposal, PlannedContact
from doorstep.compliance.selectors import bank_profile, version_in_force, version_params
from doorstep.compliance.services import contact_decide_batch
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.training.selectors import training_gaps
from doorstep.planning.engine import problem as engine
from doorstep.planning.engine.matrix import HaversineProvider, MatrixProvider, OsrmProvider
from doorstep.planning.engine.search import Budget
from doorstep.planning.models import LeftOut, NightlyDraft, Plan, PlanStop
from doorstep.portfolio.models import Address
from doorstep.scoring.selectors import visit_uplifts
from doorstep.staff.models import Branch, Role, StaffMember
from doorstep.visits import risk
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import Visit
from doorstep.visits.services import visit_schedule

CANDIDATE_STATUSES = (Status.PROPOSED.value, Status.APPROVED.value, Status.RESCHEDULED.value)
VISIT_UPLIFT = Decimal("0.05")
"""For a case scoring has not scored yet: a visit's uplift as a share of the amount past due.
It ranks candidates; it is not a promise of money."""
WORK_HOURS = ((time(9), time(12)), (time(13, 30), time(17)))
"""A workplace visit only in office hours, not over the lunch hour."""
SHIFT = (time(8, 30), time(17, 30))
LUNCH_SPOTS = 5
MAX_SECONDS = 600.0
ALLOWED = (Verdict.ALLOW.value, Verdict.WARN.value)


def matrix_provider() -> MatrixProvider:
    """``DOORSTEP_OSRM_URL`` (settings) selects an OSRM server; otherwise straight lines."""
    url = getattr(settings, "DOORSTEP_OSRM_URL", "")
    return OsrmProvider(url) if url else HaversineProvider()


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _clock(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone) + timedelta(seconds=seconds)


def _allowed_hours(at: datetime) -> tuple[time, time]:
    """The visit hours (CN-VISIT-01) inside the contact hours (CN-TIME-01) in force at ``at``."""
    params = version_params(version_in_force(bank_profile(), at))
    start, end = params.contact_window.start, params.contact_window.end
    if isinstance(params, CnParams):
        start = max(start, params.visit_window.start)
        end = min(end, params.visit_window.end)
    return start, end


def visit_windows(visit: Visit, hours: tuple[time, time]) -> list[tuple[time, time]]:
    """The compliance hours ∩ the debtor's availability: a requested slot, office hours at a
    workplace. Empty when nothing is left."""
    windows = [hours]
    if visit.address.kind == Address.Kind.WORK:
        windows = [(max(a, hours[0]), min(b, hours[1])) for a, b in WORK_HOURS]
    if visit.window_start is not None and visit.window_end is not None:
        slot = (visit.window_start, visit.window_end)
        windows = [(max(a, slot[0]), min(b, slot[1])) for a, b in windows]
    return [(a, b) for a, b in windows if a < b]


def _value(visit: Visit, uplifts: dict[int, Decimal]) -> int:
    """The expected recovery a visit adds, from the case's newest score (yuan)."""
    uplift = uplifts.get(visit.case_id)
    return max(1, int(uplift if uplift is not None else visit.case.past_due * VISIT_UPLIFT))


def _pairs(agents: list[StaffMember]) -> list[tuple[StaffMember, StaffMember]]:
    """Most experienced with least experienced (CN-TEAM-01: two people), so that seniors are
    spread over as many teams as possible; an odd agent out stays in the office."""
    ranked = sorted(agents, key=lambda a: (-a.years_experience, a.employee_number))
    half = len(ranked) // 2
    return list(zip(ranked[:half], reversed(ranked[half : 2 * half]), strict=True))


def _team(lead: StaffMember, second: StaffMember, branch: Branch) -> engine.Team:
    skills = {str(s) for a in (lead, second) for s in (a.skills or [])}
    if risk.has_senior((lead.years_experience, second.years_experience)):
        skills.add("senior")
    home = (lead.home_latitude, lead.home_longitude)
    base = (float(branch.latitude), float(branch.longitude))
    start = base if None in home else (float(home[0]), float(home[1]))
    return engine.Team(
        key=f"{lead.employee_number}+{second.employee_number}",
        members=(lead.employee_number, second.employee_number),
        start=start,
        end=base,
        shift_start=_seconds(SHIFT[0]),
        shift_end=_seconds(SHIFT[1]),
        skills=frozenset(skills),
    )


def field_agents(branch: Branch, day: date) -> tuple[list[StaffMember], list[dict[str, Any]]]:
    """The branch's active field agents whose mandatory training is current on ``day``, and
    the others with the reasons (oversight's training gaps): nobody untrained visits a debtor."""
    ready, benched = [], []
    for agent in StaffMember.objects.filter(
        branch=branch, role=Role.FIELD_AGENT.value, is_active=True
    ).order_by("employee_number"):
        gaps = training_gaps(agent, day)
        if gaps:
            benched.append({"agent": agent.display_name, "reasons": [g.reason for g in gaps]})
        else:
            ready.append(agent)
    return ready, benched


def candidate_visits(branch: Branch, day: date) -> list[Visit]:
    return list(
        Visit.objects.filter(branch=branch, status__in=CANDIDATE_STATUSES)
        .exclude(scheduled_on__isnull=False, scheduled_on__lt=day)
        .exclude(scheduled_on__gt=day)
        .select_related("case", "address")
        .order_by("id")
    )


@dataclass
class Inputs:
    problem: engine.PlanningProblem
    visits: dict[str, Visit]
    members: dict[str, StaffMember]
    left_out: dict[str, engine.Unvisited]
    benched: list[dict[str, Any]]


def _gate_preview(
    visits: list[Visit], day: date, windows: dict[int, list[tuple[time, time]]], actor: Any
) -> dict[int, tuple[str, ...]]:
    """The rules that block each visit on ``day`` (an empty tuple: allowed), not recorded."""
    items = []
    for visit in visits:
        zone = ZoneInfo(visit.address.timezone)
        first = windows[visit.pk][0][0] if windows[visit.pk] else time(12)
        at = datetime.combine(day, first, tzinfo=zone)
        proposal = ContactProposal(channel="visit", at=at, staff_count=2)
        items.append(PlannedContact(case_id=visit.case_id, proposal=proposal))
    if not items:
        return {}
    rows = contact_decide_batch(items=items, actor=actor, record=False, run="planning")
    return {
        visit.pk: ()
        if row.verdict in ALLOWED
        else tuple(f["rule"] for f in row.fired if f["verdict"] not in ALLOWED) or (row.verdict,)
        for visit, row in zip(visits, rows, strict=True)
    }


def plan_inputs(
    *,
    branch: Branch,
    day: date,
    actor: Any,
    pins: dict[str, str] | None = None,
    forbidden: list[str] | None = None,
) -> Inputs:
    """The engine's problem for ``branch`` on ``day``; keys are visit ids as strings."""
    zone = ZoneInfo(branch.timezone)
    hours = _allowed_hours(datetime.combine(day, time(12), tzinfo=zone))
    visits = candidate_visits(branch, day)
    left_out: dict[str, engine.Unvisited] = {}
    located = []
    for visit in visits:
        if None in (visit.address.latitude, visit.address.longitude):
            left_out[str(visit.pk)] = engine.Unvisited("no_location")
        elif visit.needs_approval and visit.status == Status.PROPOSED.value:
            left_out[str(visit.pk)] = engine.Unvisited("awaiting_approval")
        else:
            located.append(visit)
    windows = {v.pk: visit_windows(v, hours) for v in located}
    blocked = _gate_preview(located, day, windows, actor)
    uplifts = visit_uplifts((v.case_id for v in located), on=day)
    pins = pins or {}
    candidates = [
        engine.Candidate(
            key=str(v.pk),
            at=(float(v.address.latitude), float(v.address.longitude)),
            value=_value(v, uplifts),
            service=v.duration_minutes * 60,
            windows=tuple(engine.Window(_seconds(a), _seconds(b)) for a, b in windows[v.pk]),
            skills=frozenset({"senior"}) if v.risk_level == Visit.RiskLevel.HIGH else frozenset(),
            promised=v.window_start is not None and v.window_end is not None,
            pinned_team=pins.get(str(v.pk)),
            blocked_by=blocked[v.pk],
        )
        for v in located
    ]
    agents, benched = field_agents(branch, day)
    teams = [_team(lead, second, branch) for lead, second in _pairs(agents)]
    base = (float(branch.latitude), float(branch.longitude))
    spots = [*engine.farthest_points([c.at for c in candidates], LUNCH_SPOTS - 1), base]
    problem = engine.PlanningProblem(
        candidates=candidates,
        teams=teams,
        lunch_spots=spots,
        forbidden=frozenset(forbidden or []),
    )
    return Inputs(
        problem=problem,
        visits={str(v.pk): v for v in visits},
        members={a.employee_number: a for a in agents},
        left_out=left_out,
        benched=benched,
    )


def _budget(seconds: float) -> Budget:
    if not 0 < seconds <= MAX_SECONDS:
        raise DomainError(
            "invalid_seconds",
            _("The time budget must be more than 0 and at most %(max)s seconds.")
            % {"max": int(MAX_SECONDS)},
            field="seconds",
        )
    return Budget(seconds=seconds)


def _engine_plan(plan: Plan) -> engine.Plan:
    """A stored plan in the engine's terms, to warm-start the next search from it."""
    routes: dict[str, list[engine.PlannedVisit | engine.PlannedBreak]] = {}
    for stop in plan.stops.order_by("team", "position"):
        start = _seconds(timezone.localtime(stop.start).time())
        end = _seconds(timezone.localtime(stop.end).time())
        item: engine.PlannedVisit | engine.PlannedBreak = (
            engine.PlannedVisit(str(stop.visit_id), start, start, end)
            if stop.visit_id is not None
            else engine.PlannedBreak(stop.lunch_spot or 0, start, end)
        )
        routes.setdefault(stop.team, []).append(item)
    return engine.Plan(
        routes=[engine.TeamRoute(t, tuple(items), 0, 0, 0) for t, items in routes.items()],
        unvisited={},
        value=plan.value,
        metres=plan.metres,
        feasible=True,
    )


def _check_pins(inputs: Inputs, pins: dict[str, str], forbidden: list[str]) -> None:
    teams = {t.key for t in inputs.problem.teams}
    for visit, team in pins.items():
        if visit not in inputs.visits:
            raise DomainError(
                "unknown_visit",
                _("Visit %(visit)s is not a candidate of this plan.") % {"visit": visit},
                field="pins",
            )
        if team not in teams:
            raise DomainError(
                "unknown_team",
                _("There is no team %(team)s in this plan.") % {"team": team},
                field="pins",
            )
    for visit in forbidden:
        if visit not in inputs.visits:
            raise DomainError(
                "unknown_visit",
                _("Visit %(visit)s is not a candidate of this plan.") % {"visit": visit},
                field="forbidden",
            )
    if set(pins) & set(forbidden):
        raise DomainError(
            "pinned_and_forbidden",
            _("A visit cannot be both pinned and forbidden."),
            field="forbidden",
        )


@transaction.atomic
def plan_build(
    *,
    branch: Branch,
    day: date,
    actor: Any,
    seconds: float = 10.0,
    seed: int = 0,
    pins: dict[str, str] | None = None,
    forbidden: list[str] | None = None,
    previous: Plan | None = None,
    provider: MatrixProvider | None = None,
) -> Plan:
    """Solve the day for ``branch`` and store it as a draft (``previous`` becomes superseded)."""
    budget = _budget(seconds)
    pins, forbidden = dict(pins or {}), [str(v) for v in (forbidden or [])]
    inputs = plan_inputs(branch=branch, day=day, actor=actor, pins=pins, forbidden=forbidden)
    _check_pins(inputs, pins, forbidden)
    initial = _engine_plan(previous) if previous is not None else None
    result = engine.plan_day(
        inputs.problem, provider or matrix_provider(), budget, seed=seed, initial=initial
    )
    if previous is not None:
        previous.status = Plan.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    zone = ZoneInfo(branch.timezone)
    plan = Plan.objects.create(
        branch=branch,
        day=day,
        previous=previous,
        seed=seed,
        seconds=seconds,
        solve_seconds=round(result.seconds, 3),
        iterations=result.iterations,
        value=result.value,
        metres=result.metres,
        teams=[
            {
                "key": t.key,
                "members": list(t.members),
                "skills": sorted(t.skills),
                "start": list(t.start),
                "shift": [SHIFT[0].isoformat("minutes"), SHIFT[1].isoformat("minutes")],
            }
            for t in inputs.problem.teams
        ],
        pins=pins,
        forbidden=forbidden,
        lunch_spots=[list(s) for s in inputs.problem.lunch_spots],
        benched=inputs.benched,
        created_by=actor,
    )
    cands = {c.key: c for c in inputs.problem.candidates}
    stops = []
    for route in result.routes:
        lead_no, second_no = route.team.split("+")
        for position, item in enumerate(route.items, start=1):
            window: tuple[time | None, time | None] = (None, None)
            if isinstance(item, engine.PlannedVisit):
                window = _window_of(cands[item.key], item.start)
            stops.append(
                PlanStop(
                    plan=plan,
                    team=route.team,
                    position=position,
                    visit=inputs.visits[item.key]
                    if isinstance(item, engine.PlannedVisit)
                    else None,
                    lunch_spot=item.spot if isinstance(item, engine.PlannedBreak) else None,
                    lead_agent=inputs.members[lead_no],
                    second_agent=inputs.members[second_no],
                    window_start=window[0],
                    window_end=window[1],
                    arrive=_clock(
                        day,
                        item.arrive if isinstance(item, engine.PlannedVisit) else item.start,
                        zone,
                    ),
                    start=_clock(day, item.start, zone),
                    end=_clock(day, item.end, zone),
                )
            )
    PlanStop.objects.bulk_create(stops)
    reasons = {**result.unvisited, **inputs.left_out}
    LeftOut.objects.bulk_create(
        LeftOut(plan=plan, visit=inputs.visits[key], reason=why.code, rules=list(why.rules))
        for key, why in sorted(reasons.items(), key=lambda kv: int(kv[0]))
    )
    return plan


def _window_of(cand: engine.Candidate, start: int) -> tuple[time | None, time | None]:
    for w in cand.windows:
        if w.start <= start < w.end:
            return (_time_of(w.start), _time_of(w.end))
    return (None, None)


def _time_of(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def plan_reoptimise(
    *,
    plan: Plan,
    actor: Any,
    pins: dict[str, str],
    forbidden: list[str],
    seconds: float = 5.0,
) -> Plan:
    """A new draft with a manager's pins and forbids, starting from ``plan``'s routes."""
    if plan.status != Plan.Status.DRAFT:
        raise ConflictError(
            "plan_not_draft", _("Only a draft plan can be re-optimised."), field="plan"
        )
    return plan_build(
        branch=plan.branch,
        day=plan.day,
        actor=actor,
        seconds=seconds,
        seed=plan.seed,
        pins=pins,
        forbidden=forbidden,
        previous=plan,
    )


@transaction.atomic
def plan_publish(*, plan: Plan, actor: Any) -> Plan:
    """Gate every planned visit again at its planned start with its team; refuse the whole
    plan if any is not allowed now (nothing changes), else schedule them all and ledger it."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.DRAFT:
        raise ConflictError("plan_not_draft", _("Only a draft plan can be published."))
    if Plan.objects.filter(
        branch_id=plan.branch_id, day=plan.day, status=Plan.Status.PUBLISHED
    ).exists():
        raise ConflictError(
            "plan_already_published",
            _("This branch already has a published plan for that day."),
        )
    stops = list(
        plan.stops.filter(visit__isnull=False).select_related(
            "visit", "visit__case", "visit__address", "lead_agent", "second_agent"
        )
    )
    items = [
        PlannedContact(
            case_id=s.visit.case_id,  # type: ignore[union-attr]
            proposal=ContactProposal(channel="visit", at=s.start, staff_count=2),
            agent_id=s.lead_agent_id,
        )
        for s in stops
    ]
    rows = contact_decide_batch(items=items, actor=actor, record=False) if items else []
    refused = [
        f"{s.visit_id} ({row.rule_ids.strip(',') or row.verdict})"
        for s, row in zip(stops, rows, strict=True)
        if row.verdict not in ALLOWED
    ]
    if refused:
        raise ConflictError(
            "plan_blocked",
            _("The compliance gate no longer allows these visits: %(visits)s. Re-optimise.")
            % {"visits": ", ".join(refused)},
            field="stops",
        )
    for s in stops:
        visit_schedule(
            visit=s.visit,  # type: ignore[arg-type]
            actor=actor,
            scheduled_on=plan.day,
            window_start=s.window_start or timezone.localtime(s.start).time(),
            window_end=s.window_end or timezone.localtime(s.end).time(),
            lead_agent=s.lead_agent,
            second_agent=s.second_agent,
            planned_arrival=s.start,
            route_position=s.position,
        )
    now = timezone.now()
    plan.status = Plan.Status.PUBLISHED
    plan.published_by, plan.published_at = actor, now
    plan.save(update_fields=["status", "published_by", "published_at"])
    ledger_append(
        kind="plan.published",
        actor=actor,
        subject={"plan": plan.pk, "branch": plan.branch.code},
        record={
            "day": plan.day,
            "visits": len(stops),
            "teams": len({s.team for s in stops}),
            "stops": content_hash(
                [[s.team, s.position, s.visit_id, s.start.isoformat()] for s in stops]
            ),
        },
        at=now,
    )
    return plan


NIGHTLY_SECONDS = 30.0  # the solver's budget per branch in the nightly run


@transaction.atomic
def plan_nightly(
    *,
    branch: Branch,
    day: date,
    seconds: float = NIGHTLY_SECONDS,
    provider: MatrixProvider | None = None,
) -> NightlyDraft:
    """The nightly draft of ``branch``'s ``day`` (``planning.plan_branch``): never published
    here — the manager reviews and publishes it. Safe to run twice: the previous nightly draft
    of the branch and day is replaced. A day already published, or one the manager has a draft
    of, is left alone; a branch without a field team (two trained field agents) or without
    candidate visits gets no draft. The ``NightlyDraft`` row says which, for every branch.
    Only the branch's own rows are written (its plans, their stops, its nightly row)."""
    Branch.objects.select_for_update().filter(pk=branch.pk).first()  # one run per branch
    previous = NightlyDraft.objects.filter(branch=branch, day=day).select_related("plan").first()
    plans = Plan.objects.filter(branch=branch, day=day)
    nightly = previous.plan if previous is not None else None
    agents, _benched = field_agents(branch, day)
    candidates = len(candidate_visits(branch, day))
    others = plans.filter(status=Plan.Status.DRAFT)
    if nightly is not None:
        others = others.exclude(pk=nightly.pk)
    if plans.filter(status=Plan.Status.PUBLISHED).exists():
        outcome = NightlyDraft.Outcome.PUBLISHED
    elif others.exists():
        outcome = NightlyDraft.Outcome.MANAGER_DRAFT
    elif len(agents) < 2:
        outcome = NightlyDraft.Outcome.NO_FIELD_TEAMS
    elif candidates == 0:
        outcome = NightlyDraft.Outcome.NO_CANDIDATES
    else:
        outcome = NightlyDraft.Outcome.DRAFTED
    plan = nightly
    if outcome != NightlyDraft.Outcome.PUBLISHED and nightly is not None:
        if nightly.status == Plan.Status.DRAFT:  # ours, untouched: replaced below
            nightly.delete()
        plan = None
    if outcome == NightlyDraft.Outcome.DRAFTED:
        plan = plan_build(branch=branch, day=day, actor=None, seconds=seconds, provider=provider)
    row, _created = NightlyDraft.objects.update_or_create(
        branch=branch,
        day=day,
        defaults={
            "outcome": outcome,
            "plan": plan,
            "candidates": candidates,
            "agents": len(agents),
            "ran_at": timezone.now(),
        },
    )
    return row
