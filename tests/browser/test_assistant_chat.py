"""A debtor on a phone: asks about 停息分期, proves who they are, sees the three plans the
agent offered, accepts one; the case then shows the plan and the chat transcript."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from doorstep.assistant.services import answer_question
from doorstep.assistant.tests.test_services import SENT, last_code
from doorstep.cases.models import Entry
from doorstep.plans.models import Plan, Promise
from doorstep.plans.selectors import case_plan_options
from doorstep.plans.services import plan_offer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_debtor_asks_verifies_and_accepts_a_plan_in_the_chat(
    browser: Any, live_server: Any, world: Any, settings: Any, signed_in: Any
) -> None:
    settings.ASSISTANT_SMS_GATEWAY = "doorstep.assistant.tests.test_services.capture"
    SENT.clear()
    agent = world.user("agent_li")
    proposals = case_plan_options(case=world.zhang_case, user=agent, on=timezone.localdate())
    offers = [
        plan_offer(case=world.zhang_case, terms=option.schedule.terms, actor=agent)
        for option in proposals.options
    ]
    assert len(offers) == 3
    answer_question(question="停息分期", lang="zh-hans")  # load jieba's dictionary (once a process)

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/assistant/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.fill("#question", "停息分期怎么申请？")
    page.press("#question", "Enter")
    answer = page.locator("#log li.from-assistant").last
    expect(answer).to_contain_text("个性化分期", timeout=15_000)
    expect(answer.locator("a").first).to_have_attribute(
        "href", re.compile(r"/assistant/articles/interest-free-instalments/")
    )

    page.fill("#phone", "13912345678")
    page.fill("#id_last4", "1234")
    page.click("#identity button[type=submit]")
    expect(page.locator("#confirm")).to_be_visible()
    code = last_code()
    page.fill("#code", code)
    page.click("#confirm button[type=submit]")

    plans = page.locator("#plans li.plan")
    expect(plans).to_have_count(3)
    plans.nth(2).locator("button").click()
    expect(page.locator("#status")).not_to_be_empty()
    expect(plans).to_have_count(1)
    context.close()

    accepted = Plan.objects.get(case=world.zhang_case, status="active")
    assert accepted.pk == offers[2].pk
    assert accepted.accepted_via == "self_service"

    staff = signed_in("agent_li")
    staff.goto(f"/cases/{world.zhang_case.pk}/")
    expect(staff.locator("body")).to_contain_text("停息分期怎么申请？")
    staff.goto(f"/plans/case/{world.zhang_case.pk}/")
    expect(staff.locator("body")).to_contain_text(f"{accepted.get_plan_type_display()} · Active")
    # Notes are encrypted at rest, so the database cannot search them: read them back.
    assert any("停息分期" in entry.body for entry in Entry.objects.filter(case=world.zhang_case))


def test_a_debtor_promises_to_pay_in_the_chat_and_the_case_shows_it(
    browser: Any, live_server: Any, world: Any, settings: Any
) -> None:
    settings.ASSISTANT_SMS_GATEWAY = "doorstep.assistant.tests.test_services.capture"
    SENT.clear()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/assistant/")
    page.fill("#phone", "13912345678")
    page.fill("#id_last4", "1234")
    page.click("#identity button[type=submit]")
    expect(page.locator("#confirm")).to_be_visible()
    page.fill("#code", last_code())
    page.click("#confirm button[type=submit]")
    expect(page.locator("#account")).to_be_visible()

    due = timezone.localdate() + timedelta(days=5)
    page.click("#account button[data-kind=promise]")
    expect(page.locator("#amount")).to_be_visible()
    page.fill("#amount", "500")
    page.fill("#on", due.isoformat())
    page.fill("#note", "发工资后还")
    page.click("#request button[type=submit]")
    expect(page.locator("#status")).not_to_be_empty()
    expect(page.locator("#request")).to_be_hidden()
    context.close()

    promise = Promise.objects.get(case=world.zhang_case)
    assert (promise.amount, promise.due_on, promise.channel) == (
        Decimal("500.00"),
        due,
        "self_service",
    )
