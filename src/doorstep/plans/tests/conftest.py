"""The plans tests' world: the shared cast, with 张伟's card carrying interest and fees too.

debtor_zhang (case worked by agent_li at XH) owes, as of 30 Jun 2026 (AS_OF):
  15 Apr due 1000.00 principal; 15 May due 1000.00 principal; 15 Jun due 300.00 interest +
  200.00 fees = 2000.00 principal + 300.00 interest + 200.00 penalty = 2500.00 in all.
The credit committee has compliance_zhou and manager_liu, quorum 2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doorstep.cases.services import case_refresh_arrears
from doorstep.core.testing import AS_OF
from doorstep.oversight.models import Committee
from doorstep.portfolio.models import Statement


@pytest.fixture
def zhang(world):  # type: ignore[no-untyped-def]
    account = world.zhang_case.accounts.get()
    Statement.objects.create(
        account=account,
        statement_date=date(2026, 5, 26),
        due_date=date(2026, 6, 15),
        principal_due=Decimal("0.00"),
        interest_due=Decimal("300.00"),
        fee_due=Decimal("200.00"),
        closing_balance=Decimal("20000.00"),
    )
    world.zhang_case = case_refresh_arrears(case=world.zhang_case, as_of=AS_OF)
    return world.zhang_case


@pytest.fixture
def committee(world):  # type: ignore[no-untyped-def]
    group = Committee.objects.create(code="credit-committee", name="Credit committee", quorum=2)
    group.members.set([world.compliance_zhou, world.manager_liu])
    return group
