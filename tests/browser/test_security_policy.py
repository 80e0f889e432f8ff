"""The Content Security Policy in a real Chromium: the main screens load their scripts, styles
and charts without a single policy violation, and two-factor enrolment works end to end."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from doorstep.core.testing import AS_OF
from doorstep.reports.charts import CHARTS
from doorstep.reports.services import chart_aggregate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Records every violation the page reports, before any of its own scripts run.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = page.evaluate("window.__violations")
    return found


def test_the_staff_screens_load_without_policy_violations(signed_in, world) -> None:
    for chart in CHARTS.values():
        chart_aggregate(chart=chart, day=AS_OF)
    page = signed_in("manager_wang")
    page.context.add_init_script(LISTEN)
    for path in (
        "/cases/",
        f"/cases/{world.zhang_case.pk}/",
        "/oversight/",
        "/compliance/",
        f"/reports/portfolio/?since=2026-06-01&until={AS_OF.isoformat()}",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    # ECharts drew: its script, canvas and inline styles are all allowed.
    page.goto(f"/reports/portfolio/?since=2026-06-01&until={AS_OF.isoformat()}")
    expect(page.locator("[data-drawn=true] canvas").first).to_be_visible()
    assert violations(page) == []


def test_the_debtor_pages_load_without_policy_violations(browser, live_server, world) -> None:
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.add_init_script(LISTEN)
    page = context.new_page()
    for path in ("/assistant/", "/complaints/", "/login/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    context.close()


def test_a_new_user_enrols_an_authenticator_in_the_browser(
    browser, live_server, world, settings
) -> None:
    settings.DOORSTEP_REQUIRE_2FA = True
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.goto("/login/")
    expect(page.locator(".two-factor-note")).to_contain_text("only these demo logins")
    page.fill("input[name=username]", "branch_admin_he")
    page.fill("input[name=password]", "doorstep-demo")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/account/two-factor/.*"))
    expect(page.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=world.user("branch_admin_he"), confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("input[name=code]", f"{code:06d}")
    page.click("main form button.primary")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.click("text=Continue")
    page.wait_for_url("**/cases/")
    assert violations(page) == []
    context.close()
