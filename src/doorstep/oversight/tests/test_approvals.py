"""The approvals service: routing, no self-approval, quorum, handlers, escalation, history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from doorstep.core.errors import DomainError
from doorstep.oversight.models import ApprovalEvent, ApprovalRequest, ApprovalVote
from doorstep.oversight.selectors import approval_inbox, approval_visible, can_decide
from doorstep.oversight.services import (
    approval_decide,
    approval_withdraw,
    approvals_escalate,
)
from doorstep.oversight.tasks import approvals_escalate_task
from doorstep.oversight.tests.conftest import REFUSED
from doorstep.staff.models import Branch

pytestmark = pytest.mark.django_db


def refusal(call) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


def xh_name() -> str:
    return Branch.objects.get(code="XH").name


# --- Routing ----------------------------------------------------------------------------------


def test_an_ordinary_request_goes_to_the_managers_of_its_branch(world, ask) -> None:
    request = ask()
    assert request.routes[0] == {
        "roles": ["collections_manager"],
        "branch": world.xh.pk,
        "committee": "",
        "quorum": 1,
    }
    assert [r.pk for r in approval_inbox(user=world.user("manager_wang"))] == [request.pk]
    assert approval_inbox(user=world.user("manager_liu")) == []
    assert approval_inbox(user=world.user("compliance_zhou")) == []


def test_a_risky_request_goes_to_head_office(world, ask) -> None:
    request = ask(risk=85)
    assert request.routes[0]["roles"] == ["head_office_admin"]
    assert can_decide(user=world.user("admin"), request=request)
    assert not can_decide(user=world.user("manager_wang"), request=request)


def test_a_large_amount_goes_to_the_committee_with_its_quorum(world, ask, committee) -> None:
    request = ask(amount=Decimal("250000.00"))
    assert request.routes[0] == {
        "roles": [],
        "branch": None,
        "committee": "rename-committee",
        "committee_name": "Rename committee",
        "quorum": 2,
    }
    assert can_decide(user=world.user("manager_liu"), request=request)
    assert not can_decide(user=world.user("admin"), request=request)


def test_a_committee_that_is_not_set_up_is_refused_and_nothing_is_stored(world, ask) -> None:
    error = refusal(lambda: ask(amount=Decimal("250000.00")))
    assert error.code == "no_committee"
    assert not ApprovalRequest.objects.exists()


def test_a_request_needs_a_reason_and_a_known_kind(world, ask) -> None:
    from doorstep.oversight.services import approval_request

    unknown = refusal(
        lambda: approval_request(
            kind="nope",
            subject=world.xh,
            summary="x",
            payload={},
            requested_by=world.user("agent_li"),
            reason="y",
        )
    )
    silent = refusal(
        lambda: approval_request(
            kind="tests.branch_rename",
            subject=world.xh,
            summary="x",
            payload={},
            requested_by=world.user("agent_li"),
            reason="  ",
        )
    )
    assert (unknown.code, silent.code, silent.field) == (
        "unknown_kind",
        "reason_required",
        "reason",
    )


# --- Deciding ---------------------------------------------------------------------------------


def test_nobody_approves_their_own_request(world, ask) -> None:
    request = ask("manager_wang")
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason="mine"
        )
    )
    assert (error.code, error.status, error.message) == (
        "own_request",
        403,
        "Nobody approves or rejects their own request.",
    )
    assert not can_decide(user=world.user("manager_wang"), request=request)
    assert not ApprovalVote.objects.exists()
    assert xh_name() == "西湖支行"


def test_an_approver_must_match_the_route(world, ask) -> None:
    request = ask()
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("manager_liu"), approve=True, reason="ok"
        )
    )
    assert (error.code, error.status) == ("not_routed", 403)
    assert xh_name() == "西湖支行"


def test_the_handler_runs_when_the_request_is_approved(world, ask) -> None:
    request = ask()
    approval_decide(
        request=request, approver=world.user("manager_wang"), approve=True, reason="Agreed."
    )
    request.refresh_from_db()
    assert (request.status, xh_name()) == ("approved", "西湖新支行")
    assert request.decided_at is not None


def test_a_rejection_changes_nothing_and_runs_the_rejection_handler(world, ask) -> None:
    request = ask()
    approval_decide(
        request=request, approver=world.user("manager_wang"), approve=False, reason="No."
    )
    request.refresh_from_db()
    assert (request.status, xh_name(), REFUSED) == ("rejected", "西湖支行", [request.pk])


def test_a_decision_needs_a_reason(world, ask) -> None:
    request = ask()
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason=" "
        )
    )
    assert (error.code, error.field) == ("reason_required", "reason")


def test_a_committee_needs_its_quorum_of_distinct_members(world, ask, committee) -> None:
    request = ask(amount=Decimal("250000.00"))
    approval_decide(
        request=request, approver=world.user("compliance_zhou"), approve=True, reason="Yes."
    )
    request.refresh_from_db()
    assert (request.status, xh_name()) == ("pending", "西湖支行")
    again = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("compliance_zhou"), approve=True, reason="Yes!"
        )
    )
    assert (again.code, again.status) == ("already_voted", 409)
    approval_decide(
        request=request, approver=world.user("manager_liu"), approve=True, reason="Agreed."
    )
    request.refresh_from_db()
    assert (request.status, xh_name()) == ("approved", "西湖新支行")
    assert list(request.votes.values_list("voter__username", "approve")) == [
        ("compliance_zhou", True),
        ("manager_liu", True),
    ]


def test_a_closed_request_takes_no_more_decisions(world, ask) -> None:
    request = ask()
    approval_decide(
        request=request, approver=world.user("manager_wang"), approve=False, reason="No"
    )
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("admin"), approve=True, reason="Yes"
        )
    )
    assert (error.code, error.status, error.message) == (
        "approval_closed",
        409,
        "This request is already rejected.",
    )


def test_a_handler_that_refuses_leaves_the_request_undecided(world, ask, monkeypatch) -> None:
    from doorstep.oversight import registry

    def refuse(request: ApprovalRequest) -> None:
        raise DomainError("stale", "The branch changed meanwhile.")

    kind = registry.get_kind("tests.branch_rename")
    assert kind is not None
    monkeypatch.setitem(registry._KINDS, kind.code, replace(kind, on_approve=refuse))
    request = ask()
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason="ok"
        )
    )
    request.refresh_from_db()
    assert (error.code, request.status, request.votes.count()) == ("stale", "pending", 0)


def test_the_requester_may_withdraw_and_nothing_changes(world, ask) -> None:
    request = ask()
    other = refusal(
        lambda: approval_withdraw(request=request, actor=world.user("manager_wang"), reason="x")
    )
    approval_withdraw(request=request, actor=world.user("agent_li"), reason="Not needed now.")
    request.refresh_from_db()
    assert (other.code, request.status, xh_name()) == ("not_requester", "withdrawn", "西湖支行")


def test_the_history_records_every_step(world, ask) -> None:
    request = ask()
    approval_decide(
        request=request, approver=world.user("manager_wang"), approve=True, reason="Agreed."
    )
    events = list(
        request.events.values_list(
            "action", "actor__username", "from_status", "to_status", "reason"
        )
    )
    assert events == [
        ("requested", "agent_li", "", "pending", "The branch moved."),
        ("voted", "manager_wang", "pending", "pending", "Agreed."),
        ("approved", "manager_wang", "pending", "approved", "Agreed."),
    ]


# --- Escalation -------------------------------------------------------------------------------


def test_an_overdue_request_escalates_to_head_office_and_is_recorded(world, ask) -> None:
    request = ask()
    later = request.due_at + timedelta(minutes=1)
    assert approvals_escalate(now=later - timedelta(minutes=2)) == []
    assert approvals_escalate(now=later) == [request.pk]
    request.refresh_from_db()
    assert (request.status, request.level, request.due_at) == (
        "escalated",
        1,
        later + timedelta(hours=4),
    )
    assert request.route["roles"] == ["head_office_admin"]
    event = request.events.get(action=ApprovalEvent.Action.ESCALATED)
    assert (event.actor, event.from_status, event.to_status, event.level) == (
        None,
        "pending",
        "escalated",
        1,
    )
    assert can_decide(user=world.user("admin"), request=request)
    assert can_decide(user=world.user("manager_wang"), request=request)  # still has a say


def test_escalation_is_safe_to_run_twice_and_stops_at_the_top(world, ask) -> None:
    request = ask()
    later = request.due_at + timedelta(minutes=1)
    assert approvals_escalate(now=later) == [request.pk]
    assert approvals_escalate(now=later) == []
    assert approvals_escalate(now=later + timedelta(days=3)) == []
    request.refresh_from_db()
    assert (request.level, request.events.filter(action="escalated").count()) == (1, 1)


def test_the_task_and_the_command_escalate_what_is_overdue(world, ask, capsys) -> None:
    first, second = ask(), ask(new_name="滨江")
    ApprovalRequest.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert approvals_escalate_task() == [first.pk]
    ApprovalRequest.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(hours=1))
    call_command("approvals", "escalate")
    assert capsys.readouterr().out == f"Escalated 1 overdue request(s): #{second.pk}\n"


def test_a_decided_request_never_escalates(world, ask) -> None:
    request = ask()
    approval_decide(request=request, approver=world.user("manager_wang"), approve=True, reason="ok")
    assert approvals_escalate(now=request.due_at + timedelta(days=1)) == []


# --- Who sees what ----------------------------------------------------------------------------


def test_requests_are_visible_to_requester_deciders_their_branch_and_overseers(world, ask) -> None:
    request = ask()

    def sees(name: str) -> bool:
        return approval_visible(user=world.user(name)).filter(pk=request.pk).exists()

    assert [
        sees(name)
        for name in (
            "agent_li",
            "manager_wang",
            "compliance_zhou",
            "auditor_chen",
            "admin",
            "manager_liu",
            "agent_sun",
            "agent_zhao",
        )
    ] == [True, True, True, True, True, False, False, False]
