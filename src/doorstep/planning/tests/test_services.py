"""Building, re-optimising and publishing a branch's plan on the real database."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from doorstep.compliance.services import hold_add
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.planning.models import Plan
from doorstep.planning.services import (
    VISIT_UPLIFT,
    plan_build,
    plan_inputs,
    plan_publish,
    plan_reoptimise,
    visit_windows,
)
from doorstep.planning.tests.conftest import HOLIDAY, PLAN_DAY
from doorstep.portfolio.models import Address
from doorstep.scoring.tests.factories import stored_score
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import Visit

SECONDS = 1.0


def build(world, **kwargs):  # type: ignore[no-untyped-def]
    return plan_build(
        branch=world.xh,
        day=kwargs.pop("day", PLAN_DAY),
        actor=world.user("manager_wang"),
        seconds=SECONDS,
        **kwargs,
    )


def planned(plan: Plan) -> dict[int, str]:
    return {s.visit_id: s.team for s in plan.stops.filter(visit__isnull=False)}


def test_a_plan_gives_every_visit_a_two_person_team_and_each_team_one_lunch(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(6)
    plan = build(world)
    assert plan.status == Plan.Status.DRAFT
    assert set(planned(plan)) == {v.pk for v in visits}
    for team in {s.team for s in plan.stops.all()}:
        stops = list(plan.stops.filter(team=team))
        assert sum(s.lunch_spot is not None for s in stops) == 1
        lead, second = stops[0].lead_agent, stops[0].second_agent
        assert lead != second
        assert {lead.branch_id, second.branch_id} == {world.xh.pk}
        for s in stops:
            if s.visit_id is not None:
                local = s.start.astimezone(ZoneInfo("Asia/Shanghai"))
                assert s.window_start <= local.time() <= s.window_end
                assert local.date() == PLAN_DAY
    assert not plan.left_out.exists()
    assert len(plan.teams) == 2  # four field agents at 西湖: two pairs


def test_on_a_public_holiday_every_visit_is_left_out_with_the_holiday_rule(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(3)
    plan = build(world, day=HOLIDAY)
    assert not plan.stops.exists()
    rows = {row.visit_id: (row.reason, row.rules) for row in plan.left_out.all()}
    assert rows == {v.pk: ("blocked", ["CN-HOL-01"]) for v in visits}


def test_a_high_risk_visit_goes_to_the_team_with_a_senior_agent(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(6)
    Visit.objects.filter(pk=visits[0].pk).update(risk_level=Visit.RiskLevel.HIGH)
    plan = build(world)
    senior_team = next(t["key"] for t in plan.teams if "senior" in t["skills"])
    assert planned(plan)[visits[0].pk] == senior_team


def test_a_workplace_visit_is_offered_only_office_hours(world, debtors) -> None:  # type: ignore[no-untyped-def]
    (visit,) = debtors(1)
    visit.address.kind = Address.Kind.WORK
    assert visit_windows(visit, (time(9), time(17))) == [
        (time(9), time(12)),
        (time(13, 30), time(17)),
    ]
    visit.window_start, visit.window_end = time(11), time(15)
    assert visit_windows(visit, (time(9), time(17))) == [
        (time(11), time(12)),
        (time(13, 30), time(15)),
    ]


def test_reoptimising_pins_and_forbids_and_supersedes_the_draft(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(6)
    first = build(world)
    other_team = next(t["key"] for t in first.teams if t["key"] != planned(first)[visits[1].pk])
    second = plan_reoptimise(
        plan=first,
        actor=world.user("manager_wang"),
        pins={str(visits[1].pk): other_team},
        forbidden=[str(visits[2].pk)],
        seconds=SECONDS,
    )
    first.refresh_from_db()
    assert first.status == Plan.Status.SUPERSEDED
    assert second.previous_id == first.pk
    assert planned(second)[visits[1].pk] == other_team
    assert visits[2].pk not in planned(second)
    assert second.left_out.get(visit=visits[2]).reason == "forbidden"


def test_pinning_to_a_team_that_does_not_exist_names_the_field(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(2)
    with pytest.raises(DomainError) as caught:
        build(world, pins={str(visits[0].pk): "nobody+nobody"})
    assert (caught.value.code, caught.value.field) == ("unknown_team", "pins")
    assert not Plan.objects.exists()


def test_a_time_budget_out_of_range_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        plan_build(branch=None, day=PLAN_DAY, actor=None, seconds=0)  # type: ignore[arg-type]
    assert caught.value.field == "seconds"


def test_publishing_schedules_every_visit_with_its_team_and_ledgers_the_plan(
    world, debtors
) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(4)
    plan = build(world)
    plan_publish(plan=plan, actor=world.user("manager_wang"))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.PUBLISHED
    for stop in plan.stops.filter(visit__isnull=False):
        visit = Visit.objects.get(pk=stop.visit_id)
        assert visit.status == Status.SCHEDULED
        assert visit.scheduled_on == PLAN_DAY
        assert (visit.lead_agent_id, visit.second_agent_id) == (
            stop.lead_agent_id,
            stop.second_agent_id,
        )
        assert visit.planned_arrival == stop.start
        assert visit.route_position == stop.position
        assert visit.envelope["allowed"] is True
    assert {v.pk for v in visits} == set(planned(plan))
    assert LedgerEntry.objects.filter(kind="plan.published").count() == 1


def test_publishing_is_refused_whole_when_the_gate_now_blocks_a_visit(world, debtors) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(3)
    plan = build(world)
    hold_add(
        customer=visits[0].case.customer,
        kind="cease_contact",
        reason="debtor asked in writing",
        actor=world.user("compliance_zhou"),
        starts_at=datetime(2026, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    with pytest.raises(ConflictError) as caught:
        plan_publish(plan=plan, actor=world.user("manager_wang"))
    assert caught.value.code == "plan_blocked"
    assert str(visits[0].pk) in caught.value.message
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT
    assert not Visit.objects.filter(status=Status.SCHEDULED).exists()
    assert not LedgerEntry.objects.filter(kind="plan.published").exists()


def test_a_second_publication_for_the_same_day_is_refused(world, debtors) -> None:  # type: ignore[no-untyped-def]
    debtors(2)
    plan_publish(plan=build(world), actor=world.user("manager_wang"))
    with pytest.raises(ConflictError) as caught:
        plan_publish(plan=build(world), actor=world.user("manager_wang"))
    assert caught.value.code == "plan_already_published"


def test_an_agent_without_current_mandatory_training_is_not_put_in_a_team(
    world, debtors, field_team
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from doorstep.oversight.training.services import course_create, training_complete

    debtors(2)
    course = course_create(
        actor=None,
        code="field-conduct",
        title_zh="上门规范",
        title_en="Field conduct",
        topic="safety",
        mandatory_roles=["field_agent"],
    )
    for name in ("agent_li", "agent_ma", "agent_xu"):
        training_complete(
            course=course,
            staff=field_team[name],
            actor=world.user("admin"),
            completed_on=date(2026, 3, 1),
            score=90,
        )
    plan = build(world)
    members = {m for team in plan.teams for m in team["members"]}
    assert field_team["agent_qin"].employee_number not in members
    assert len(plan.teams) == 1
    assert plan.benched == [
        {"agent": "agent_qin", "reasons": ["agent_qin has not passed “Field conduct”."]}
    ]


def test_a_scored_case_is_weighed_by_the_value_a_visit_adds(world, debtors) -> None:  # type: ignore[no-untyped-def]
    scored, unscored = debtors(2)
    stored_score(scored.case, PLAN_DAY, world.user("admin"), visit_uplift=Decimal("1234.56"))
    inputs = plan_inputs(branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"))
    values = {c.key: c.value for c in inputs.problem.candidates}
    assert values[str(scored.pk)] == 1234
    assert values[str(unscored.pk)] == max(1, int(unscored.case.past_due * VISIT_UPLIFT))
