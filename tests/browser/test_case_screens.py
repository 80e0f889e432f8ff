"""A manager's day on the case screens, in a real browser: htmx swaps, forms and languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from doorstep.cases.models import Entry
from doorstep.portfolio.models import PersonalDataAccess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_manager_signs_in_filters_sorts_and_opens_a_case(signed_in, world) -> None:
    page = signed_in("manager_wang")
    page.evaluate("window.stillThisPage = true")  # gone if a click reloads the whole page

    page.click("label.chip:has-text('M3')")
    expect(page).to_have_url(re.compile(r"bucket=M3"))
    expect(page.locator(".count")).to_have_text("1 case")

    page.fill("input[name=q]", "no such customer")
    page.press("input[name=q]", "Enter")
    expect(page.locator(".empty")).to_have_text("No case matches these filters.")
    page.fill("input[name=q]", world.debtor_zhang.name)
    page.press("input[name=q]", "Enter")
    expect(page.locator("table.cases tbody tr")).to_have_count(1)

    page.click("th a:has-text('Past due')")
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Past due")
    assert page.evaluate("window.stillThisPage") is True

    page.click(f"text={world.zhang_case.reference}")
    expect(page).to_have_url(re.compile(rf"/cases/{world.zhang_case.pk}/$"))
    expect(page.locator("h1")).to_contain_text(world.zhang_case.reference)
    expect(page.locator("[data-personal=national_id]")).to_have_text("330106********1234")


def test_an_invalid_filter_shows_what_to_fix(signed_in, world) -> None:
    page = signed_in("manager_wang")
    page.fill("input[name=min_dpd]", "90")
    page.fill("input[name=max_dpd]", "30")
    page.press("input[name=max_dpd]", "Enter")
    expect(page.locator("#results .alert.error")).to_contain_text(
        "DPD to: Must not be below the lower bound."
    )


def test_revealing_with_a_reason_shows_full_numbers_and_is_logged(signed_in, world) -> None:
    page = signed_in("manager_wang")
    page.goto(f"/cases/{world.zhang_case.pk}/")

    page.fill("#reveal-reason", "ok")
    page.click("button:has-text('Reveal')")
    expect(page.locator("#customer-profile .field-error")).to_contain_text("at least 4 characters")
    assert PersonalDataAccess.objects.count() == 0

    page.fill("#reveal-reason", "Confirm identity before the visit")
    page.click("button:has-text('Reveal')")
    expect(page.locator("[data-personal=national_id]")).to_have_text("330106198503071234")
    expect(page.locator("[data-personal=phone]")).to_have_text("13912345678")
    assert page.url.endswith(f"/cases/{world.zhang_case.pk}/")
    assert PersonalDataAccess.objects.get().reason == "Confirm identity before the visit"

    page.reload()
    expect(page.locator("[data-personal=national_id]")).to_have_text("330106********1234")


def test_a_thread_message_appears_with_the_authors_branch(signed_in, world) -> None:
    page = signed_in("agent_li")
    page.goto(f"/cases/{world.zhang_case.pk}/")
    page.evaluate("window.stillThisPage = true")
    page.fill("#body-message", "Nobody home at 10:00; neighbour says evenings.")
    page.click("button:has-text('Post message')")
    entry = page.locator("#entries-message .entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Nobody home at 10:00; neighbour says evenings.")
    expect(entry.locator(".branch-tag")).to_have_text("西湖支行")
    expect(page.locator("#body-message")).to_have_value("")
    assert page.evaluate("window.stillThisPage") is True
    assert Entry.objects.get().author_branch == world.xh


def test_a_status_change_without_a_reason_says_so_then_succeeds(signed_in, world) -> None:
    page = signed_in("manager_wang")
    page.goto(f"/cases/{world.zhang_case.pk}/")
    page.click("summary:has-text('Change status')")
    page.select_option("select[name=status]", "promised")
    page.click("form[action$='/status/'] button[type=submit]")
    expect(page.locator("form[action$='/status/'] .field-error")).to_have_text(
        "Give a reason for this change."
    )
    page.fill("form[action$='/status/'] textarea[name=reason]", "Promised 2,000 on 2026-07-10")
    page.click("form[action$='/status/'] button[type=submit]")
    expect(page.locator(".alert.success")).to_have_text("Status changed to Promised to pay.")
    expect(page.locator(".case-head .badges")).to_contain_text("Promised to pay")


def test_switching_language_keeps_the_page(signed_in, world) -> None:
    page = signed_in("manager_wang", locale="zh-CN")
    page.goto("/cases/?bucket=M3")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.click("form.lang button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/cases/\?bucket=M3$"))
    expect(page.locator("form.lang button[value=en]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("button:has-text('Sign out')")).to_be_visible()
