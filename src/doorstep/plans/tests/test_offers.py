"""Offers, authority limits and acceptance, through the services and the approvals service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from doorstep.cases.models import Case
from doorstep.compliance.models import LimitationEvent
from doorstep.core.errors import ConflictError, DomainError
from doorstep.core.testing import AS_OF
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import ApprovalRefused, approval_decide
from doorstep.plans.models import Plan, PlanPolicy
from doorstep.plans.policy import DEFAULT_RULES
from doorstep.plans.schedule import PlanType, Terms
from doorstep.plans.selectors import policy_in_force
from doorstep.plans.services import PlanRefused, plan_accept, plan_offer, policy_propose

D = Decimal


def offer(world, who: str, terms: Terms, reason: str = "Lost his job in May.") -> Plan:  # type: ignore[no-untyped-def]
    return plan_offer(
        case=world.zhang_case, terms=terms, actor=world.user(who), reason=reason, on=AS_OF
    )


def test_an_agent_offers_twelve_instalments_without_approval(world, zhang) -> None:  # type: ignore[no-untyped-def]
    plan = offer(world, "agent_li", Terms(PlanType.INSTALMENTS, 12, annual_rate=D("0.12")))
    assert plan.status == "offered"
    assert plan.approval is None
    assert plan.instalments.count() == 12
    assert sum(i.amount for i in plan.instalments.all()) == plan.total
    entry = LedgerEntry.objects.filter(kind="plan.offered").get()
    assert "张伟" not in entry.data
    assert "330106" not in entry.data


def test_thirteen_instalments_wait_for_a_manager_of_the_branch(world, zhang) -> None:  # type: ignore[no-untyped-def]
    plan = offer(world, "agent_li", Terms(PlanType.INSTALMENTS, 13, annual_rate=D("0.12")))
    assert plan.status == "pending_approval"
    assert plan.approval.kind == "plans.offer_manager"
    assert plan.approval.route["roles"] == ["collections_manager"]
    assert plan.approval.route["branch"] == world.xh.pk
    with pytest.raises(ConflictError):
        plan_accept(plan=plan, actor=world.user("agent_li"), via="in_person", signature="sig")
    with pytest.raises(ApprovalRefused):  # the other branch's manager is not the approver
        approval_decide(
            request=plan.approval, approver=world.user("manager_liu"), approve=True, reason="ok"
        )
    approval_decide(
        request=plan.approval, approver=world.user("manager_wang"), approve=True, reason="ok"
    )
    plan.refresh_from_db()
    assert plan.status == "offered"
    assert LedgerEntry.objects.filter(kind="plan.approved").count() == 1


def test_a_manager_grants_exactly_up_to_thirty_six_months_and_ten_percent(world, zhang) -> None:  # type: ignore[no-untyped-def]
    within = offer(world, "manager_wang", Terms(PlanType.INSTALMENTS, 36, annual_rate=D("0.12")))
    settle = offer(
        world,
        "manager_wang",
        Terms(PlanType.SETTLEMENT, 1, principal_discount_pct=D("10"), penalty_waiver_pct=D("100")),
    )
    assert (within.status, settle.status) == ("offered", "offered")
    # The same 10 % discount is beyond an agent (0 %): a manager must approve it.
    by_agent = offer(
        world, "agent_li", Terms(PlanType.SETTLEMENT, 1, principal_discount_pct=D("10"))
    )
    assert by_agent.approval.kind == "plans.offer_manager"


def test_beyond_a_manager_the_offer_goes_to_the_credit_committee(world, zhang, committee) -> None:  # type: ignore[no-untyped-def]
    plan = offer(world, "manager_wang", Terms(PlanType.INTEREST_FREEZE, 48))
    assert plan.status == "pending_approval"
    assert plan.approval.kind == "plans.offer_committee"
    assert plan.approval.route["committee"] == "credit-committee"
    eleven = offer(world, "agent_li", Terms(PlanType.SETTLEMENT, 1, principal_discount_pct=D("11")))
    assert eleven.approval.kind == "plans.offer_committee"
    for member in ("compliance_zhou", "manager_liu"):
        approval_decide(
            request=plan.approval, approver=world.user(member), approve=True, reason="ok"
        )
    plan.refresh_from_db()
    assert plan.status == "offered"


def test_a_denied_request_changes_nothing_on_the_case(world, zhang) -> None:  # type: ignore[no-untyped-def]
    plan = offer(world, "agent_li", Terms(PlanType.INSTALMENTS, 24, annual_rate=D("0.12")))
    before = Case.objects.values("status", "dpd", "past_due").get(pk=world.zhang_case.pk)
    approval_decide(
        request=plan.approval, approver=world.user("manager_wang"), approve=False, reason="no"
    )
    plan.refresh_from_db()
    assert plan.status == "rejected"
    assert Case.objects.values("status", "dpd", "past_due").get(pk=world.zhang_case.pk) == before
    assert not LimitationEvent.objects.exists()
    with pytest.raises(ConflictError):
        plan_accept(plan=plan, actor=world.user("agent_li"), via="in_person", signature="sig")


def test_an_offer_beyond_approval_needs_a_reason(world, zhang) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as error:
        offer(world, "agent_li", Terms(PlanType.INSTALMENTS, 24), reason=" ")
    assert error.value.field == "reason"
    assert not Plan.objects.exists()


def test_terms_the_policy_forbids_are_refused_with_the_term_named(world, zhang) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as error:
        offer(world, "manager_wang", Terms(PlanType.INSTALMENTS, 48))
    assert (error.value.code, error.value.field) == ("outside_policy", "months")
    assert error.value.message == "This policy allows at most 36 months for this kind of plan."
    with pytest.raises(DomainError) as error:
        offer(world, "manager_wang", Terms(PlanType.SETTLEMENT, 1, principal_discount_pct=D("31")))
    assert error.value.field == "principal_discount_pct"


def test_only_agents_and_managers_offer_plans(world, zhang) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlanRefused):
        offer(world, "branch_admin_he", Terms(PlanType.INSTALMENTS, 6))


def test_accepting_activates_the_plan_and_interrupts_limitation(world, zhang) -> None:  # type: ignore[no-untyped-def]
    plan = offer(world, "agent_li", Terms(PlanType.INSTALMENTS, 6, annual_rate=D("0.12")))
    other = offer(world, "agent_li", Terms(PlanType.INTEREST_FREEZE, 12))
    with pytest.raises(DomainError) as error:
        plan_accept(plan=plan, actor=world.user("agent_li"), via="in_person", signature="")
    assert error.value.field == "signature"
    plan = plan_accept(
        plan=plan,
        actor=world.user("agent_li"),
        via="in_person",
        signature="data:image/png;base64,AAA",
        on=AS_OF,
    )
    assert plan.status == "active"
    assert len(plan.signature_hash) == 64
    other.refresh_from_db()
    assert other.status == "withdrawn"
    case = Case.objects.get(pk=world.zhang_case.pk)
    assert case.status == "in_plan"
    event = LimitationEvent.objects.get()
    assert (event.kind, event.on, event.account_id) == ("plan", AS_OF, case.accounts.get().pk)


def test_a_policy_change_is_in_force_only_after_a_second_person_approves(world) -> None:  # type: ignore[no-untyped-def]
    rules = {**DEFAULT_RULES, "grace_days": 3}
    row = policy_propose(
        product="credit_card",
        bucket="M3",
        effective_from=AS_OF,
        rules=rules,
        actor=world.user("manager_wang"),
        reason="Shorter grace for M3 cards",
        on=AS_OF,
    )
    assert policy_in_force(product="credit_card", bucket="M3", on=AS_OF)[0] is None
    request = ApprovalRequest.objects.get(kind="plans.policy_change")
    with pytest.raises(ApprovalRefused):
        approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason="x"
        )
    approval_decide(request=request, approver=world.user("admin"), approve=True, reason="ok")
    found, policy = policy_in_force(product="credit_card", bucket="M3", on=AS_OF)
    assert found is not None
    assert found.pk == row.pk
    assert policy.grace_days == 3
    assert policy_in_force(product="credit_card", bucket="M2", on=AS_OF)[0] is None
    assert PlanPolicy.objects.get().status == "approved"


def test_an_invalid_policy_names_the_rule(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as error:
        policy_propose(
            product="",
            bucket="",
            effective_from=AS_OF,
            rules={**DEFAULT_RULES, "allocation_order": ["fee", "principal"]},
            actor=world.user("admin"),
            reason="x",
            on=AS_OF,
        )
    assert error.value.field == "rules.allocation_order"
    assert not PlanPolicy.objects.exists()


def test_an_agent_waives_half_the_interest_alone_but_not_more(world, zhang) -> None:  # type: ignore[no-untyped-def]
    half = offer(
        world, "agent_li", Terms(PlanType.INTEREST_FREEZE, 12, interest_waiver_pct=D("50"))
    )
    more = offer(
        world, "agent_li", Terms(PlanType.INTEREST_FREEZE, 12, interest_waiver_pct=D("50.01"))
    )
    assert (half.status, more.status) == ("offered", "pending_approval")
    assert more.approval.kind == "plans.offer_manager"
