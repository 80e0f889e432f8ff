"""A phone agent works three cases from the queue in Debian chromium: a promise (which appears
on the case with its reminder scheduled), no answer, and a call-back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from doorstep.cases.services import case_assign
from doorstep.plans.models import Promise
from doorstep.remote import clock
from doorstep.remote.models import Call, FollowUp
from doorstep.remote.tests.conftest import CALL_DAY, at
from doorstep.remote.tests.factories import late_cases

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TEN = at(CALL_DAY, 10)


def test_a_phone_agent_works_three_cases_from_the_queue(  # type: ignore[no-untyped-def]
    world, signed_in, monkeypatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: TEN)  # the call window is open
    cases = late_cases(world.xh, 3)
    for case in cases:
        case_assign(case=case, agent=world.agent_zhao, actor=world.user("manager_wang"))
    page = signed_in("agent_zhao")
    page.get_by_role("link", name="Phone queue").click()
    expect(page.get_by_role("caption")).to_have_text("3 cases can be called now")

    page.get_by_role("button", name="Next case").click()
    expect(page.locator("#current-call-title")).to_contain_text(cases[0].reference)
    expect(page.get_by_test_id("phone")).to_have_text("139****0000")
    page.get_by_label("Outcome").select_option("promise")
    page.get_by_label("Duration (seconds)").fill("140")
    page.get_by_label("Promised amount").fill("1200")
    page.get_by_label("Promised by").fill("2026-07-10")
    page.get_by_label("Notes").fill("Pays after payday.")
    page.get_by_role("button", name="Wrap up").click()
    expect(page.locator(".messages")).to_contain_text(
        f"{cases[0].reference} wrapped up: Promise to pay. Promise reminder scheduled for"
    )

    page.get_by_role("button", name="Next case").click()
    expect(page.locator("#current-call-title")).to_contain_text(cases[1].reference)
    page.get_by_label("Outcome").select_option("no_answer")
    page.get_by_label("Duration (seconds)").fill("25")
    page.get_by_role("button", name="Wrap up").click()
    expect(page.locator(".messages")).to_contain_text("wrapped up: No answer.")

    page.get_by_role("button", name="Next case").click()
    expect(page.locator("#current-call-title")).to_contain_text(cases[2].reference)
    page.get_by_label("Outcome").select_option("callback")
    page.get_by_label("Duration (seconds)").fill("60")
    page.get_by_label("Call back at").fill("2026-06-30T18:00")
    page.get_by_role("button", name="Wrap up").click()
    expect(page.locator(".messages")).to_contain_text("Call-back the debtor asked for scheduled")
    expect(page.locator("#queue")).to_contain_text("No case in your queue can be called now.")
    expect(page.locator("#today tbody tr")).to_have_count(3)

    # The promise is on the case, and its reminder is scheduled the day before at 10:00.
    page.goto(f"/plans/case/{cases[0].pk}/")
    expect(page.locator("body")).to_contain_text("1,200.00")
    promise = Promise.objects.get(case=cases[0])
    assert (promise.amount, promise.due_on) == (Decimal("1200.00"), date(2026, 7, 10))
    reminder = FollowUp.objects.get(case=cases[0])
    assert (reminder.kind, reminder.due_at) == ("promise_reminder", at(date(2026, 7, 9), 10))
    assert FollowUp.objects.get(case=cases[2]).due_at == at(CALL_DAY, 18)
    assert list(Call.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "promise",
        "no_answer",
        "callback",
    ]
