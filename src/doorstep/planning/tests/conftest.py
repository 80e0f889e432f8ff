"""The planning cast: the shared world, three more field agents at 西湖 (agent_ma a senior),
and ``debtors(n)``: n late debtors of 西湖 with a home address around the branch and a visit
proposed for each by manager_wang."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from doorstep.core.testing import make_account, make_customer, make_staff
from doorstep.staff.models import Role

PLAN_DAY = date(2026, 7, 1)  # a Wednesday, an ordinary workday
HOLIDAY = date(2026, 10, 1)  # National Day


@pytest.fixture
def field_team(world):  # type: ignore[no-untyped-def]
    team = world.agent_li.team
    agents = {"agent_li": world.agent_li}
    for name, years in (("agent_ma", 6), ("agent_qin", 1), ("agent_xu", 2)):
        agent = make_staff(name, Role.FIELD_AGENT, branch=world.xh, team=team)
        agent.years_experience = years
        agent.save()
        agents[name] = agent
    return agents


@pytest.fixture
def debtors(world, field_team) -> Callable[[int], list[Any]]:  # type: ignore[no-untyped-def]
    from doorstep.cases import services as case_services
    from doorstep.core.testing import AS_OF
    from doorstep.visits.services import visit_propose

    def make(n: int) -> list[Any]:
        visits = []
        for i in range(n):
            customer = make_customer(f"债务人{i}", national_id=f"3301061985030{i:05d}")
            address = customer.addresses.get()
            address.latitude = Decimal("30.2592") + Decimal(i % 5) * Decimal("0.006")
            address.longitude = Decimal("120.1300") + Decimal(i // 5) * Decimal("0.006")
            address.save()
            account = make_account(
                customer, world.xh, dues=[(date(2026, 5, 15), f"{1000 + 500 * i}.00")]
            )
            case = case_services.case_open(customer=customer, accounts=[account], as_of=AS_OF)
            visits.append(visit_propose(case=case, actor=world.user("manager_wang")))
        return visits

    return make
