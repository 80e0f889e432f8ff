"""The test cast for remote work: a second phone agent at XH; times in Shanghai."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from doorstep.core.testing import make_staff
from doorstep.staff.models import Role, StaffMember

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


# A Tuesday inside the cases' world, with the call window open.
CALL_DAY = date(2026, 6, 30)


@pytest.fixture
def agent_qin(world) -> StaffMember:  # type: ignore[no-untyped-def]
    return make_staff("agent_qin", Role.PHONE_AGENT, branch=world.xh, team=world.agent_zhao.team)
