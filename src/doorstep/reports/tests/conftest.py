"""A small portfolio with history for the dashboard tests, on top of the named cast.

Besides zhang's and huang's cases (opened on AS_OF), two customers at XH fell late in spring:
wu's card case opened on 20 May and ages through June; zhou's loan case opened on 20 May and
was paid up in June (cured). All cases are synced on AS_OF, so the bucket history spans May and
June, and the gate has decided a few contacts today, one of them overridden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.cases.models import Case
from doorstep.cases.services import case_assign, case_open, cases_sync
from doorstep.compliance.models import Decision
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import contact_decide, decision_override_request
from doorstep.core.testing import AS_OF, World, make_account, make_customer
from doorstep.oversight.services import approval_decide
from doorstep.portfolio.models import Account

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPRING = date(2026, 5, 20)


@dataclass
class Portfolio:
    world: World
    wu_case: Case
    zhou_case: Case
    today: date
    overridden: Decision


@pytest.fixture
def portfolio(world: World) -> Portfolio:
    wu = make_customer("吴敏", national_id="330106198812121234", phone="13911112222")
    wu_card = make_account(
        wu, world.xh, dues=[(date(2026, 4, 15), "800.00"), (date(2026, 5, 15), "800.00")]
    )
    zhou = make_customer("周杰", national_id="330106197707071234", phone="13933334444")
    zhou_loan = make_account(
        zhou,
        world.xh,
        product=Account.Product.PERSONAL_LOAN,
        dues=[(date(2026, 5, 1), "1500.00")],
        payments=[(date(2026, 6, 5), "1500.00")],
    )
    wu_case = case_open(customer=wu, accounts=[wu_card], as_of=SPRING)
    wu_case = case_assign(case=wu_case, agent=world.agent_li, actor=world.user("manager_wang"))
    zhou_case = case_open(customer=zhou, accounts=[zhou_loan], as_of=SPRING)
    cases_sync(as_of=AS_OF)

    today = timezone.localdate()
    visit_at = datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)  # National Day: CN-HOL-01 blocks
    weekday = datetime(2026, 7, 6, 10, tzinfo=SHANGHAI)
    agent = world.user("agent_li")
    blocked = contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal("visit", visit_at, staff_count=2),
        actor=agent,
    )
    contact_decide(case=world.zhang_case, proposal=ContactProposal("call", weekday), actor=agent)
    contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal("visit", weekday, staff_count=1),
        actor=agent,
    )
    request = decision_override_request(
        decision=blocked, requested_by=agent, reason="The debtor asked for that day."
    )
    approval_decide(
        request=request, approver=world.user("compliance_zhou"), approve=True, reason="Agreed."
    )
    blocked.refresh_from_db()
    return Portfolio(world, wu_case, zhou_case, today, blocked)


@pytest.fixture
def signed(client: Any, world: World) -> Any:
    """``signed(name)``: the test client signed in as one of the cast."""

    def sign_in(name: str) -> Any:
        client.force_login(world.user(name))
        return client

    return sign_in
