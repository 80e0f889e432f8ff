"""The nightly command and task judge promises and plans once, however often they run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doorstep.core.testing import AS_OF
from doorstep.plans.models import Promise
from doorstep.plans.services import promise_take
from doorstep.plans.tasks import plans_nightly


def test_the_command_judges_a_broken_promise_once(world, zhang) -> None:  # type: ignore[no-untyped-def]
    promise_take(
        case=zhang,
        amount=Decimal("100.00"),
        due_on=date(2026, 7, 2),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    out = StringIO()
    call_command("plans", "nightly", "--as-of", "2026-07-03", stdout=out)
    assert out.getvalue().strip() == (
        "promises kept 0, partly kept 0, broken 1; plans broken 0 (as of 2026-07-03)"
    )
    assert plans_nightly("2026-07-03") == {
        "promises": {"kept": 0, "partly_kept": 0, "broken": 0},
        "broken_plans": [],
    }
    assert Promise.objects.get().status == "broken"


def test_the_command_refuses_a_bad_date(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        call_command("plans", "nightly", "--as-of", "yesterday")
