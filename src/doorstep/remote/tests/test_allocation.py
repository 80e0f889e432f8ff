"""Automatic allocation: caps, rotation with history, overrides, and a simulation that is
exactly what applying does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from doorstep.cases.models import Assignment, Case
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.portfolio.models import Customer
from doorstep.remote import allocation, services
from doorstep.remote.models import AllocationMove, AllocationRule
from doorstep.remote.tasks import remote_allocate_branch
from doorstep.remote.tests.factories import late_cases
from doorstep.scoring.tests.factories import stored_score

pytestmark = pytest.mark.django_db


def phone_rule(world, **fields) -> AllocationRule:  # type: ignore[no-untyped-def]
    defaults = {
        "position": 1,
        "name": "M1-M3 by phone",
        "branch": world.xh,
        "buckets": ["M1", "M2", "M3"],
        "team": world.agent_zhao.team,
        "agent_cap": 3,
    }
    return AllocationRule.objects.create(**{**defaults, **fields})


def moves_of(run) -> list[tuple[int, int | None, int | None, str]]:  # type: ignore[no-untyped-def]
    return sorted(
        (m.case_id, m.from_agent_id, m.to_agent_id, m.reason)
        for m in AllocationMove.objects.filter(run=run)
    )


def test_allocation_fills_agents_up_to_the_cap_and_reports_the_rest(world, agent_qin) -> None:
    phone_rule(world, agent_cap=3)
    cases = late_cases(world.xh, 7)
    run = services.allocation_run(
        actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=True
    )
    # zhang's M3 case goes to the phone team too (re-aged into the rule): 8 cases, 6 places.
    assert (run.moved, run.no_capacity) == (6, 2)
    held = {
        agent: Case.objects.filter(agent=agent, status__in=["active", "new"]).count()
        for agent in (world.agent_zhao, agent_qin)
    }
    assert held == {world.agent_zhao: 3, agent_qin: 3}
    # The largest debts are placed first: zhang's 2,000 waits, and the last 3,000 by case id.
    waiting = set(
        AllocationMove.objects.filter(run=run, reason="no_capacity").values_list(
            "case_id", flat=True
        )
    )
    assert waiting == {world.zhang_case.pk, cases[6].pk}


def test_applying_leaves_the_assignment_history_in_cases(world, agent_qin) -> None:
    phone_rule(world)
    services.allocation_run(
        actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=True
    )
    history = list(
        Assignment.objects.filter(case=world.zhang_case).values_list("agent_id", "ended_at")
    )
    assert [agent for agent, _end in history] == [None, world.agent_li.pk, world.agent_zhao.pk]
    assert [end is None for _agent, end in history] == [False, False, True]
    assert LedgerEntry.objects.filter(kind="allocation.run").count() == 1


def test_rotation_moves_a_case_without_progress_and_keeps_one_with_progress(
    world, agent_qin
) -> None:
    phone_rule(world, rotate_after_days=30, agent_cap=10)
    stale, busy = late_cases(world.xh, 2)
    manager = world.user("manager_wang")
    for case in (stale, busy):
        services.case_services.case_assign(case=case, agent=world.agent_zhao, actor=manager)
    from doorstep.plans.services import promise_take

    later = timezone.localdate() + timedelta(days=31)
    promise_take(
        case=busy,
        amount=Decimal("100.00"),
        due_on=later,
        channel="call",
        actor=world.user("agent_zhao"),
        on=later - timedelta(days=1),
    )
    run = services.allocation_run(actor=manager, as_of=later, apply=True)
    rotated = [m for m in moves_of(run) if m[3] == "rotation"]
    assert rotated == [(stale.pk, world.agent_zhao.pk, agent_qin.pk, "rotation")]
    stale.refresh_from_db()
    busy.refresh_from_db()
    assert (stale.agent, busy.agent) == (agent_qin, world.agent_zhao)
    assert list(Assignment.objects.filter(case=stale).values_list("agent_id", flat=True)) == [
        world.agent_zhao.pk,
        agent_qin.pk,
    ]


def test_the_simulation_equals_the_applied_result(world, agent_qin) -> None:
    phone_rule(world, agent_cap=4, rotate_after_days=10)
    late_cases(world.xh, 6, bucket="M1", past_due="800.00", prefix="A")
    late_cases(world.xh, 3, bucket="M5", past_due="9000.00", prefix="B")
    manager = world.user("manager_wang")
    today = timezone.localdate()
    simulated = services.allocation_run(actor=manager, as_of=today, apply=False)
    assert Case.objects.filter(agent=agent_qin).count() == 0  # nothing moved yet
    applied = services.allocation_run(actor=manager, as_of=today, apply=True)
    assert moves_of(simulated) == moves_of(applied)
    assert len(moves_of(applied)) == 7
    for case_id, _from, to_agent, reason in moves_of(applied):
        if reason != "no_capacity":
            assert Case.objects.get(pk=case_id).agent_id == to_agent


def test_a_rule_change_is_simulated_without_saving_or_moving_anything(world, agent_qin) -> None:
    late_cases(world.xh, 2)
    draft = AllocationRule(
        position=1, name="draft", branch=world.xh, buckets=["M2"], team=world.agent_zhao.team
    )
    run = services.allocation_run(
        actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=False, rules=[draft]
    )
    assert run.moved == 2
    assert AllocationRule.objects.count() == 0
    assert Case.objects.filter(agent__isnull=False).count() == 1  # only zhang's, as before
    with pytest.raises(DomainError) as refused:
        services.allocation_run(
            actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=True, rules=[draft]
        )
    assert refused.value.code == "apply_stored_rules"


def test_a_manual_override_needs_a_reason_and_is_not_undone_by_allocation(world, agent_qin) -> None:
    phone_rule(world)
    manager = world.user("manager_wang")
    with pytest.raises(DomainError) as refused:
        services.allocation_override(
            case=world.zhang_case, agent=world.agent_li, actor=manager, reason=" "
        )
    assert refused.value.field == "reason"
    services.allocation_override(
        case=world.zhang_case, agent=world.agent_li, actor=manager, reason="Knows the family."
    )
    run = services.allocation_run(actor=manager, as_of=timezone.localdate(), apply=True)
    assert run.moved == 0
    world.zhang_case.refresh_from_db()
    assert world.zhang_case.agent == world.agent_li
    assert LedgerEntry.objects.filter(kind="allocation.override").count() == 1


def test_a_manager_cannot_allocate_another_branch(world) -> None:
    phone_rule(world)
    with pytest.raises(DomainError) as refused:
        services.allocation_run(
            actor=world.user("manager_liu"), as_of=timezone.localdate(), apply=True, branch=world.xh
        )
    assert (refused.value.status, refused.value.code) == (403, "other_branch")
    with pytest.raises(DomainError):
        services.allocation_run(
            actor=world.user("agent_zhao"), as_of=timezone.localdate(), apply=False
        )


def test_the_command_and_the_task_apply_the_rules(world, agent_qin, capsys) -> None:
    phone_rule(world)
    late_cases(world.xh, 2)
    call_command("remote", "allocate", "--branch", "XH")
    assert "XH: simulated, 3 to move, 0 without capacity" in capsys.readouterr().out
    assert Case.objects.filter(agent=agent_qin).count() == 0
    call_command("remote", "allocate", "--branch", "XH", "--apply")
    assert Case.objects.filter(team=world.agent_zhao.team).count() == 3
    assert remote_allocate_branch(world.xh.pk) == {"moved": 0, "no_capacity": 0}


def test_a_language_rule_gives_the_debtors_cases_only_to_agents_who_speak_it(
    world, agent_qin
) -> None:
    agent_qin.languages = ["zh-hans", "yue"]
    agent_qin.save(update_fields=["languages"])
    cases = late_cases(world.xh, 4)
    cantonese = [cases[0], cases[1]]
    Customer.objects.filter(cases__in=cantonese).update(preferred_language="yue")
    phone_rule(world, position=1, name="Cantonese", languages=["yue"], agent_cap=10)
    phone_rule(world, position=2, name="Everyone else", agent_cap=10)
    run = services.allocation_run(
        actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=True
    )
    assert {c.pk: c.agent_id for c in Case.objects.filter(pk__in=[c.pk for c in cantonese])} == {
        c.pk: agent_qin.pk for c in cantonese
    }
    assert run.moved == 5  # the four, and zhang's case re-aged into the phone rules


def test_a_risk_rule_takes_only_the_cases_scoring_puts_in_its_band(world, agent_qin) -> None:
    cases = late_cases(world.xh, 3)
    today = timezone.localdate()
    admin = world.user("admin")
    stored_score(cases[0], today, admin, probability=0.05)  # high risk
    stored_score(cases[1], today, admin, probability=0.6)  # low risk
    phone_rule(world, name="High risk to the senior desk", risk_bands=["high"], agent_cap=10)
    run = services.allocation_run(actor=world.user("manager_wang"), as_of=today, apply=False)
    assert [m[0] for m in moves_of(run)] == [cases[0].pk]


def test_risk_bands_follow_the_probability_of_paying() -> None:
    assert [allocation.risk_band(p) for p in (None, 0.0, 0.199, 0.2, 0.499, 0.5, 1.0)] == [
        "unscored",
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]


def test_an_unknown_language_or_band_is_refused_naming_the_field(world) -> None:
    for field, value in (("languages", ["klingon"]), ("risk_bands", ["extreme"])):
        with pytest.raises(DomainError) as refused:
            services.allocation_rule_save(
                actor=world.user("manager_wang"),
                name="Bad",
                team=world.agent_zhao.team,
                position=1,
                branch=world.xh,
                **{field: value},
            )
        assert refused.value.field == field
