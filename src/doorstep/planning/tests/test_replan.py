"""Re-planning during the day: an aborted visit or a visit added for today makes the team's rest
of the day re-optimised from where it is, checked by the independent checker, scheduled again
through the gate, shown to the field app and recorded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from doorstep.core.testing import make_account, make_customer
from doorstep.ledger.models import LedgerEntry
from doorstep.planning.engine import problem as engine
from doorstep.planning.engine.check import check_plan
from doorstep.planning.engine.matrix import HaversineProvider
from doorstep.planning.models import LeftOut, Plan, Replan
from doorstep.planning.replan import published_plan
from doorstep.planning.services import plan_build, plan_publish
from doorstep.planning.tests.conftest import PLAN_DAY
from doorstep.staff.models import StaffMember
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import Visit
from doorstep.visits.services import visit_propose, visit_transition

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def _published(world, debtors, n: int) -> Plan:  # type: ignore[no-untyped-def]
    debtors(n)
    plan = plan_build(branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"), seconds=1)
    return plan_publish(plan=plan, actor=world.user("manager_wang"))


def _secs(moment: datetime) -> int:
    local = moment.astimezone(ZONE)
    return local.hour * 3600 + local.minute * 60 + local.second


def _independent_check(plan: Plan, team: str, at: tuple[float, float], now: int) -> list[str]:
    """The team's route after ``now`` in the engine's terms, rebuilt from the stored stops and
    visits (not from the re-planner), run through ``check_plan``."""
    entry = next(t for t in plan.teams if t["key"] == team)
    stops = [
        s
        for s in plan.stops.filter(team=team).order_by("position")
        if s.start.astimezone(ZONE).time() >= time(0) and _secs(s.start) >= now
    ]
    items: list[engine.PlannedVisit | engine.PlannedBreak] = []
    candidates = []
    for s in stops:
        if s.visit is None:
            items.append(engine.PlannedBreak(s.lunch_spot or 0, _secs(s.start), _secs(s.end)))
            continue
        v = s.visit
        items.append(engine.PlannedVisit(str(v.pk), _secs(s.arrive), _secs(s.start), _secs(s.end)))
        candidates.append(
            engine.Candidate(
                key=str(v.pk),
                at=(float(v.address.latitude), float(v.address.longitude)),
                value=1,
                service=v.duration_minutes * 60,
                windows=(
                    engine.Window(
                        s.window_start.hour * 3600 + s.window_start.minute * 60,
                        s.window_end.hour * 3600 + s.window_end.minute * 60,
                    ),
                ),
                skills=frozenset({"senior"}) if v.risk_level == "high" else frozenset(),
            )
        )
    lunch_ahead = any(isinstance(i, engine.PlannedBreak) for i in items)
    base = (float(plan.branch.latitude), float(plan.branch.longitude))
    problem = engine.PlanningProblem(
        candidates=candidates,
        teams=[
            engine.Team(
                key=team,
                members=tuple(entry["members"]),
                start=at,
                end=base,
                shift_start=now,
                shift_end=17 * 3600 + 1800,
                skills=frozenset(entry["skills"]),
            )
        ],
        lunch_spots=[tuple(p) for p in plan.lunch_spots] if lunch_ahead else [],
    )
    route = engine.TeamRoute(team, tuple(items), now, 0, 0)
    result = engine.Plan(routes=[route], unvisited={}, value=0, metres=0, feasible=True)
    return check_plan(problem, result, HaversineProvider())


def test_an_aborted_visit_resequences_the_rest_of_the_teams_day_feasibly(
    world, debtors, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    old = _published(world, debtors, 8)
    team = max(
        {s.team for s in old.stops.all()},
        key=lambda t: old.stops.filter(team=t, visit__isnull=False).count(),
    )
    route = list(old.stops.filter(team=team, visit__isnull=False).order_by("position"))
    assert len(route) >= 3
    first = route[0]
    at = first.start + timedelta(minutes=10)
    untouched = {
        (s.team, s.visit_id, s.start)
        for s in old.stops.exclude(team=team).filter(visit__isnull=False)
    }

    with django_capture_on_commit_callbacks(execute=True):
        visit_transition(
            visit=first.visit,
            target="aborted",
            actor=world.agent_li.user,
            abort_reason="not_found",
            reason="Nobody at the address, neighbours say moved.",
            at=at,
        )

    new = published_plan(world.xh.pk, PLAN_DAY)
    assert new is not None
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.status == Plan.Status.SUPERSEDED
    assert new.previous_id == old.pk
    replan = Replan.objects.get()
    assert (replan.plan_id, replan.event, replan.visit_id, replan.team) == (
        new.pk,
        "aborted",
        first.visit_id,
        team,
    )
    assert replan.reason == "visit_aborted"
    rest = list(new.stops.filter(team=team).order_by("position"))
    assert rest[0].visit_id == first.visit_id  # the aborted visit stays where it was
    remaining = [s for s in rest[1:] if s.visit_id is not None]
    assert {s.visit_id for s in remaining} | set(replan.dropped) == {s.visit_id for s in route[1:]}
    assert all(s.start >= at for s in rest[1:])
    assert [s.position for s in rest] == list(range(1, len(rest) + 1))
    where = (float(first.visit.address.latitude), float(first.visit.address.longitude))
    assert _independent_check(new, team, where, _secs(at)) == []
    assert {
        (s.team, s.visit_id, s.start)
        for s in new.stops.exclude(team=team).filter(visit__isnull=False)
    } == untouched
    for stop in remaining:
        visit = Visit.objects.get(pk=stop.visit_id)
        assert visit.status == Status.SCHEDULED
        assert (visit.planned_arrival, visit.route_position) == (stop.start, stop.position)
        assert visit.envelope["allowed"] is True
    entry = LedgerEntry.objects.get(kind="plan.replanned")
    assert '"event":"aborted"' in entry.data
    assert f'"previous":{old.pk}' in entry.data

    # the field app's day lists the team's visits in the new order
    lead = StaffMember.objects.get(pk=rest[0].lead_agent_id)
    client = Client()
    client.force_login(lead.user)
    body = client.get(f"/api/v1/field/day?day={PLAN_DAY}").json()
    listed = [v["id"] for v in body["visits"] if v["id"] != first.visit_id]
    assert listed == [s.visit_id for s in remaining]
    # and the manager's plan page shows the new plan with the re-plan
    manager = Client()
    manager.force_login(world.user("manager_wang"))
    page = manager.get(f"/planning/{new.pk}/").content.decode()
    assert "Re-planned" in page


def _late_debtor(world, name: str, national_id: str):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from doorstep.cases import services as case_services
    from doorstep.core.testing import AS_OF

    customer = make_customer(name, national_id=national_id)
    address = customer.addresses.get()
    address.latitude, address.longitude = Decimal("30.2650"), Decimal("120.1400")
    address.save()
    account = make_account(
        customer, world.xh, dues=[(PLAN_DAY.replace(month=5, day=15), "1500.00")]
    )
    return case_services.case_open(customer=customer, accounts=[account], as_of=AS_OF)


def _propose_during_the_day(world, case, monkeypatch, start: time, end: time):  # type: ignore[no-untyped-def]
    moment = datetime.combine(PLAN_DAY, time(9, 40), tzinfo=ZONE)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return visit_propose(
        case=case,
        actor=world.user("manager_wang"),
        kind=Visit.Kind.PROMISE_CHECK,
        scheduled_on=PLAN_DAY,
        window_start=start,
        window_end=end,
    )


def test_an_appointment_added_for_today_is_put_in_a_teams_route(
    world, debtors, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    old = _published(world, debtors, 4)
    case = _late_debtor(world, "新约户", "330106198503099991")

    with django_capture_on_commit_callbacks(execute=True):
        visit = _propose_during_the_day(world, case, monkeypatch, time(14), time(15, 30))

    replan = Replan.objects.get()
    assert replan.placed is True
    assert replan.event == "added"
    new = published_plan(world.xh.pk, PLAN_DAY)
    assert new.pk == replan.plan_id != old.pk
    stop = new.stops.get(visit=visit)
    local = stop.start.astimezone(ZONE).time()
    assert time(14) <= local
    assert stop.end.astimezone(ZONE).time() <= time(15, 30)
    visit.refresh_from_db()
    assert visit.status == Status.SCHEDULED
    assert visit.lead_agent_id == stop.lead_agent_id
    assert visit.planned_arrival == stop.start
    at = datetime.combine(PLAN_DAY, time(9, 40), tzinfo=ZONE)
    kept = [s for s in new.stops.filter(team=stop.team) if s.start < at]
    where = next(
        (
            (float(s.visit.address.latitude), float(s.visit.address.longitude))
            for s in reversed(kept)
            if s.visit is not None
        ),
        tuple(next(t["start"] for t in new.teams if t["key"] == stop.team)),
    )
    assert _independent_check(new, stop.team, where, _secs(at)) == []


def test_an_appointment_no_team_can_keep_is_left_out_with_the_reason(
    world, debtors, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    old = _published(world, debtors, 4)
    case = _late_debtor(world, "晚约户", "330106198503099992")

    with django_capture_on_commit_callbacks(execute=True):
        # a 45-minute visit cannot fit a 20-minute slot
        visit = _propose_during_the_day(world, case, monkeypatch, time(14), time(14, 20))

    replan = Replan.objects.get()
    assert (replan.placed, replan.reason, replan.plan_id) == (False, "no_window", old.pk)
    assert published_plan(world.xh.pk, PLAN_DAY).pk == old.pk
    assert LeftOut.objects.get(plan=old, visit=visit).reason == "no_window"
    assert Visit.objects.get(pk=visit.pk).status == Status.PROPOSED
    assert '"placed":false' in LedgerEntry.objects.get(kind="plan.replanned").data


def test_a_visit_of_a_day_whose_plan_is_not_published_queues_no_replan(world, debtors) -> None:  # type: ignore[no-untyped-def]
    from doorstep.planning.hooks import visit_changed

    visits = debtors(2)
    plan_build(branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"), seconds=1)
    Visit.objects.filter(pk=visits[0].pk).update(scheduled_on=PLAN_DAY)
    at = datetime.combine(PLAN_DAY, time(10), tzinfo=ZONE)
    actor = world.user("manager_wang").pk

    assert visit_changed(event="added", visit_id=visits[0].pk, actor_id=actor, at=at) is False
    assert visit_changed(event="added", visit_id=visits[1].pk, actor_id=actor, at=at) is False
    assert not Replan.objects.exists()
