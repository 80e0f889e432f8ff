"""Helpers for the Django side of compliance: times in Shanghai and a gate call with defaults.

The engine's own tests (pure, no database) need none of this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    """Messages and explanations in English, the source language the tests assert."""
    with translation.override("en"):
        yield


@pytest.fixture
def decide(world):  # type: ignore[no-untyped-def]
    """``decide(channel, when, actor="agent_li", case=zhang's case, **proposal)``: ask the gate
    and return the stored decision. Visits default to two staff."""
    from doorstep.compliance.proposals import ContactProposal
    from doorstep.compliance.services import contact_decide

    def ask(channel: str, when: datetime, actor: str = "agent_li", **kwargs: Any) -> Any:
        case = kwargs.pop("case", world.zhang_case)
        record = kwargs.pop("record", True)
        if channel == "visit":
            kwargs.setdefault("staff_count", 2)
        return contact_decide(
            case=case,
            proposal=ContactProposal(channel=channel, at=when, **kwargs),
            actor=world.user(actor),
            record=record,
        )

    return ask


@pytest.fixture
def contact(world):  # type: ignore[no-untyped-def]
    """``contact(channel, when, outcome, case=zhang's case, **fields)``: record a contact that
    happened, by agent_li."""
    from doorstep.compliance.services import contact_record

    def record(channel: str, when: datetime, outcome: str = "other", **kwargs: Any) -> Any:
        case = kwargs.pop("case", world.zhang_case)
        return contact_record(
            case=case,
            channel=channel,
            at=when,
            outcome=outcome,
            actor=world.user("agent_li"),
            **kwargs,
        )

    return record
