"""Visit services on the real database: the gate decides contacts, every change is ledgered,
two agents always, and a risky visit waits for a manager."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from doorstep.compliance.models import ContactEvent, Decision
from doorstep.core.errors import DomainError
from doorstep.ledger.selectors import entry_list
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_decide
from doorstep.visits.models import Visit, VisitTransition
from doorstep.visits.services import (
    ContactRefused,
    visit_check_in,
    visit_complete,
    visit_propose,
    visit_schedule,
    visit_transition,
)
from doorstep.visits.tests.conftest import VISIT_DAY, at

DOOR = (Decimal("30.277100"), Decimal("120.130100"))  # about 14 m from zhang's home


def _kinds(visit: Visit) -> list[str]:
    return [entry.kind for entry in entry_list(subject=("visit", str(visit.pk))).order_by("index")]


def test_scheduling_stores_the_gates_envelope_for_the_phone(scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    assert visit.status == "scheduled"
    decision = Decision.objects.get(pk=visit.envelope["decision"])
    assert (decision.channel, decision.staff_count, decision.verdict) == ("visit", 2, "allow")
    assert visit.envelope["date"] == "2026-07-01"
    assert visit.envelope["window"] == ["10:00", "12:00"]
    assert visit.envelope["allowed"] is True
    assert visit.envelope["latitude"] == "30.277000"


def test_the_envelope_window_never_leaves_the_banks_visit_hours(scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled(start=time(7), end=time(20))
    assert visit.envelope["window"] == ["09:00", "17:00"]


def test_a_visit_on_a_holiday_is_scheduled_with_a_refusing_envelope(scheduled) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    visit = scheduled(on=date(2026, 10, 1))
    assert visit.envelope["allowed"] is False
    assert "CN-HOL-01" in visit.envelope["rules"]


def test_a_visit_cannot_be_scheduled_with_one_agent(world) -> None:  # type: ignore[no-untyped-def]
    visit = visit_propose(
        case=world.zhang_case, actor=world.user("manager_wang"), lead_agent=world.agent_li
    )
    with pytest.raises(DomainError) as refused:
        visit_schedule(
            visit=visit,
            actor=world.user("manager_wang"),
            scheduled_on=VISIT_DAY,
            window_start=time(10),
            window_end=time(12),
        )
    assert refused.value.field == "second_agent"
    visit.refresh_from_db()
    assert visit.status == "proposed"
    assert visit.envelope == {}


def test_the_same_agent_twice_is_not_a_team(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as refused:
        visit_propose(
            case=world.zhang_case,
            actor=world.user("manager_wang"),
            lead_agent=world.agent_li,
            second_agent=world.agent_li,
        )
    assert refused.value.code == "same_agent"
    assert not Visit.objects.exists()


def test_a_phone_agent_cannot_join_a_field_visit(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as refused:
        visit_propose(
            case=world.zhang_case,
            actor=world.user("manager_wang"),
            lead_agent=world.agent_li,
            second_agent=world.agent_zhao,
        )
    assert (refused.value.code, refused.value.field) == ("agent_not_eligible", "second_agent")


def test_check_in_and_outcome_go_through_the_gate_and_the_ledger(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    check_in = visit_check_in(
        visit=visit,
        actor=world.user("agent_li"),
        at=at(10, 15),
        latitude=DOOR[0],
        longitude=DOOR[1],
    )
    assert check_in.flags == []
    assert 10 <= check_in.distance_m <= 20
    assert check_in.decision.verdict == "allow"
    visit = visit_complete(
        visit=visit, actor=world.user("agent_li"), at=at(10, 40), outcome="promise"
    )
    assert visit.status == "completed"
    contact = ContactEvent.objects.get()
    assert (contact.channel, contact.outcome, contact.staff_count) == ("visit", "demand_stated", 2)
    assert contact.decision == check_in.decision
    assert not contact.outside_decision
    assert _kinds(visit) == [
        "visit.proposed",
        "visit.status_changed",
        "visit.status_changed",
        "visit.status_changed",
    ]
    assert list(visit.transitions.values_list("to_status", flat=True)) == [
        "proposed",
        "scheduled",
        "checked_in",
        "completed",
    ]


def test_a_check_in_outside_the_window_is_refused_online_and_nothing_changes(
    world, scheduled
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    with pytest.raises(ContactRefused) as refused:
        visit_check_in(
            visit=visit,
            actor=world.user("agent_li"),
            at=at(13),
            latitude=DOOR[0],
            longitude=DOOR[1],
        )
    assert "CN-VISIT-01" in refused.value.message
    visit.refresh_from_db()
    assert visit.status == "scheduled"
    assert visit.checked_in_at is None


def test_a_check_in_far_from_the_address_needs_a_reason(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    far = (Decimal("30.300000"), Decimal("120.130000"))
    with pytest.raises(DomainError) as refused:
        visit_check_in(
            visit=visit, actor=world.user("agent_li"), at=at(10), latitude=far[0], longitude=far[1]
        )
    assert refused.value.field == "far_reason"
    result = visit_check_in(
        visit=visit,
        actor=world.user("agent_li"),
        at=at(10),
        latitude=far[0],
        longitude=far[1],
        far_reason="小区门禁，在门口等候",
    )
    assert result.distance_m > 2000
    assert result.visit.checkin_far_reason == "小区门禁，在门口等候"


def test_a_payment_during_the_visit_needs_the_banks_reference(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    visit_check_in(
        visit=visit, actor=world.user("agent_li"), at=at(10), latitude=DOOR[0], longitude=DOOR[1]
    )
    with pytest.raises(DomainError) as refused:
        visit_complete(
            visit=visit, actor=world.user("agent_li"), at=at(10, 30), outcome="paid_during_visit"
        )
    assert refused.value.field == "payment_reference"
    assert not ContactEvent.objects.exists()


def test_a_safety_abort_ends_the_visit_as_aborted(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    visit_check_in(
        visit=visit, actor=world.user("agent_li"), at=at(10), latitude=DOOR[0], longitude=DOOR[1]
    )
    visit = visit_complete(
        visit=visit, actor=world.user("agent_li"), at=at(10, 5), outcome="safety_abort"
    )
    assert (visit.status, visit.abort_reason) == ("aborted", "safety")


def test_cancelling_needs_a_reason_and_is_recorded(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    with pytest.raises(DomainError) as refused:
        visit_transition(visit=visit, target="cancelled", actor=world.user("manager_wang"))
    assert refused.value.field == "reason"
    visit = visit_transition(
        visit=visit, target="cancelled", actor=world.user("manager_wang"), reason="已结清"
    )
    assert visit.status == "cancelled"
    assert VisitTransition.objects.filter(
        visit=visit, to_status="cancelled", reason="已结清"
    ).exists()


def _two_safety_aborts(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        visit = scheduled()
        visit_check_in(
            visit=visit,
            actor=world.user("agent_li"),
            at=at(10),
            latitude=DOOR[0],
            longitude=DOOR[1],
        )
        visit_complete(
            visit=visit, actor=world.user("agent_li"), at=at(10, 5), outcome="safety_abort"
        )


def test_earlier_safety_aborts_make_the_next_visit_need_a_managers_approval(
    world, scheduled, agent_ma
) -> None:  # type: ignore[no-untyped-def]
    _two_safety_aborts(world, scheduled)
    risky = visit_propose(
        case=world.zhang_case,
        actor=world.user("agent_li"),
        lead_agent=world.agent_li,
        second_agent=agent_ma,
        window_start=time(16),
        window_end=time(17),
    )
    assert (risky.risk_score, risky.risk_level, risky.needs_approval) == (55, "medium", True)
    assert [f["code"] for f in risky.risk_factors] == ["threats", "late"]
    from doorstep.visits.selectors import visit_briefing

    assert [f["label"] for f in visit_briefing(risky)["risk"]["factors"]] == [
        "Threats or safety aborts on earlier visits",
        "Late-afternoon arrival",
    ]
    request = ApprovalRequest.objects.get(pk=risky.approval_id)
    assert (request.kind, request.risk, request.branch) == ("visits.high_risk", 55, world.xh)

    def schedule() -> Visit:
        return visit_schedule(
            visit=risky,
            actor=world.user("agent_li"),
            scheduled_on=VISIT_DAY,
            window_start=time(16),
            window_end=time(17),
        )

    with pytest.raises(DomainError) as refused:
        schedule()
    assert refused.value.message == "This visit needs a manager's approval first."
    approval_decide(
        request=request,
        approver=world.user("manager_wang"),
        approve=True,
        reason="两人同行，已报备",
    )
    risky.refresh_from_db()
    assert risky.status == "approved"
    assert schedule().status == "scheduled"


def test_a_high_risk_visit_needs_a_senior_agent(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    from doorstep.core.testing import make_staff
    from doorstep.staff.models import Role

    _two_safety_aborts(world, scheduled)
    novice = make_staff("agent_new", Role.FIELD_AGENT, branch=world.xh)
    with pytest.raises(DomainError) as refused:
        visit_propose(
            case=world.zhang_case,
            actor=world.user("manager_wang"),
            lead_agent=world.agent_li,
            second_agent=novice,
            window_start=time(16),
            window_end=time(17),
        )
    assert refused.value.code == "senior_required"
    assert Visit.objects.count() == 2
