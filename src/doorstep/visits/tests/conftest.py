"""The visit cast: the shared world plus agent_ma, a senior field agent at 西湖 who makes the
second of every two-person team, and a helper that schedules zhang's visit for a day."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.core.testing import make_staff
from doorstep.staff.models import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
VISIT_DAY = date(2026, 7, 1)  # a Wednesday, an ordinary workday


def at(hour: int, minute: int = 0, day: date = VISIT_DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def agent_ma(world):  # type: ignore[no-untyped-def]
    ma = make_staff("agent_ma", Role.FIELD_AGENT, branch=world.xh, team=world.agent_li.team)
    ma.years_experience = 6
    ma.save()
    return ma


@pytest.fixture
def scheduled(world, agent_ma):  # type: ignore[no-untyped-def]
    """``scheduled(**overrides)``: zhang's visit by agent_li and agent_ma, scheduled for
    VISIT_DAY 10:00–12:00 by manager_wang."""
    from doorstep.visits.services import visit_propose, visit_schedule

    def make(**overrides: Any) -> Any:
        visit = visit_propose(
            case=overrides.pop("case", world.zhang_case),
            actor=world.user("manager_wang"),
            lead_agent=world.agent_li,
            second_agent=agent_ma,
        )
        return visit_schedule(
            visit=visit,
            actor=world.user("manager_wang"),
            scheduled_on=overrides.pop("on", VISIT_DAY),
            window_start=overrides.pop("start", time(10)),
            window_end=overrides.pop("end", time(12)),
        )

    return make
