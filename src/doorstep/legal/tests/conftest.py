"""Legal tests' world: the shared cast, with 张伟's case (XH, agent_li) handed to legal_qian."""

from __future__ import annotations

from decimal import Decimal

import pytest

from doorstep.legal import services
from doorstep.oversight.services import approval_decide


def hand_off(world, kind: str = "suit"):  # type: ignore[no-untyped-def]
    matter = services.matter_propose(
        case=world.zhang_case,
        kind=kind,
        claim_amount=Decimal("2000.00"),
        specialist=world.legal_qian,
        reason="Promises broken twice; the debtor stopped answering.",
        actor=world.user("agent_li"),
    )
    approval_decide(
        request=matter.approval, approver=world.user("manager_wang"), approve=True, reason="ok"
    )
    matter.refresh_from_db()
    return matter


@pytest.fixture
def matter(world):  # type: ignore[no-untyped-def]
    return hand_off(world)
