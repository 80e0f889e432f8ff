"""Vulnerable and special debtors: each flag handled as the bank set it — a hold through
compliance, a specialist queue, or a manager's approval before any contact."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from doorstep.cases.services import case_assign
from doorstep.compliance.models import Hold
from doorstep.core.errors import DomainError
from doorstep.core.testing import make_staff
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.services import approval_decide
from doorstep.remote import services
from doorstep.remote.models import AllocationRule
from doorstep.remote.selectors import queue
from doorstep.remote.tests.conftest import CALL_DAY, at
from doorstep.remote.tests.factories import late_cases
from doorstep.remote.worklist import SPECIALIST_SKILL
from doorstep.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhao_case(world):  # type: ignore[no-untyped-def]
    (case,) = late_cases(world.xh, 1)
    return case_assign(case=case, agent=world.agent_zhao, actor=world.user("manager_wang"))


def offered(world, moment=None) -> list[int]:  # type: ignore[no-untyped-def]
    # The flags start now (the real clock), so the queue is read after them: tomorrow 11:00.
    when = moment or (timezone.now() + timedelta(days=1)).replace(hour=3, tzinfo=UTC)
    return [item.case.pk for item in queue(user=world.user("agent_zhao"), at=when)]


def test_a_bereaved_debtor_is_put_on_hold_and_the_hold_lifts_with_the_flag(
    world, zhao_case
) -> None:
    flag = services.vulnerability_flag(
        case=zhao_case, kind="bereaved", actor=world.user("agent_zhao"), note="Spouse died."
    )
    assert (flag.handling, flag.hold.kind) == ("hold", "hardship")
    assert offered(world) == []
    entry = LedgerEntry.objects.get(kind="vulnerability.flagged")
    assert "Spouse" not in entry.data
    services.vulnerability_end(
        flag=flag, case=zhao_case, actor=world.user("manager_wang"), reason="Six weeks on."
    )
    assert Hold.objects.get(pk=flag.hold_id).released_at is not None
    assert offered(world) == [zhao_case.pk]


def test_a_specialist_flag_keeps_the_case_from_ordinary_agents(world, zhao_case) -> None:
    services.vulnerability_flag(case=zhao_case, kind="elderly", actor=world.user("agent_zhao"))
    assert offered(world, at(CALL_DAY, 10)) == []
    world.agent_zhao.skills = [SPECIALIST_SKILL]
    world.agent_zhao.save()
    world.user("agent_zhao")._doorstep_staff = None
    assert offered(world, at(CALL_DAY, 10)) == [zhao_case.pk]


def test_allocation_gives_a_specialist_case_only_to_a_specialist(world, zhao_case) -> None:
    specialist = make_staff(
        "agent_ma", Role.PHONE_AGENT, branch=world.xh, team=world.agent_zhao.team
    )
    specialist.skills = [SPECIALIST_SKILL]
    specialist.save()
    AllocationRule.objects.create(
        position=1, name="phone", branch=world.xh, buckets=["M2"], team=world.agent_zhao.team
    )
    services.vulnerability_flag(case=zhao_case, kind="deceased", actor=world.user("agent_zhao"))
    services.allocation_run(
        actor=world.user("manager_wang"), as_of=timezone.localdate(), apply=True
    )
    zhao_case.refresh_from_db()
    assert zhao_case.agent == specialist


def test_an_approval_flag_needs_a_managers_approval_before_any_call(world, zhao_case) -> None:
    flag = services.vulnerability_flag(
        case=zhao_case, kind="serious_illness", actor=world.user("agent_zhao")
    )
    assert offered(world, at(CALL_DAY, 10)) == []
    request = services.vulnerable_contact_request(
        flag=flag, case=zhao_case, actor=world.user("agent_zhao"), reason="Wants to talk."
    )
    with pytest.raises(DomainError):  # another branch's manager is not routed this request
        approval_decide(
            request=request, approver=world.user("manager_liu"), approve=True, reason="ok"
        )
    approval_decide(
        request=request, approver=world.user("manager_wang"), approve=True, reason="Gently."
    )
    assert offered(world) == [zhao_case.pk]


def test_flagging_twice_or_with_an_unknown_kind_is_refused(world, zhao_case) -> None:
    services.vulnerability_flag(case=zhao_case, kind="bankruptcy", actor=world.user("agent_zhao"))
    with pytest.raises(DomainError) as twice:
        services.vulnerability_flag(
            case=zhao_case, kind="bankruptcy", actor=world.user("agent_zhao")
        )
    assert (twice.value.status, twice.value.code) == (409, "already_flagged")
    with pytest.raises(DomainError) as unknown:
        services.vulnerability_flag(case=zhao_case, kind="rich", actor=world.user("agent_zhao"))
    assert unknown.value.field == "kind"
    assert Hold.objects.filter(customer=zhao_case.customer).count() == 1
