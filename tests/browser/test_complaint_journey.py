"""A complaint from the public page to a verified outcome, in a real browser: the complainant
files without signing in and gets a reference; a complaint handler links it to the visit's
case (which puts the hold on contact) and records the outcome; a compliance officer verifies
it; the complainant sees the status change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from doorstep.compliance.models import Hold
from doorstep.oversight.models import Complaint

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_complaint_is_filed_held_decided_verified_and_seen_by_the_complainant(
    browser, live_server, signed_in, world
) -> None:
    public = browser.new_context(locale="en-US", base_url=live_server.url).new_page()
    public.set_default_timeout(10_000)
    public.goto("/complaints/")
    public.select_option("select[name=category]", "harassment")
    public.fill("textarea[name=description]", "Two agents knocked at 22:30 and shouted.")
    public.fill("input[name=name]", "张伟")
    public.fill("input[name=phone]", "13912345678")
    public.click("main form button[type=submit]")
    reference = public.locator("[data-testid=reference]").inner_text()
    code = public.locator("[data-testid=code]").inner_text()
    assert reference.startswith("TS")
    assert len(code) == 8

    handler = signed_in("complaints_sun")
    handler.goto(f"/oversight/complaints/{reference}/")
    handler.click("#start button:has-text('Start investigation')")
    expect(handler.locator("#complaint .badge")).to_have_text("Investigating")
    handler.fill("#link input[name=link-case_reference]", world.zhang_case.reference)
    handler.fill("#link input[name=link-visit_reference]", "V-2026-0001")
    handler.click("#link button[type=submit]")
    expect(handler.locator("[data-testid=case]")).to_have_text(world.zhang_case.reference)
    expect(handler.locator("[data-testid=hold]")).to_have_text("in force: no contact")
    assert Hold.objects.get(customer=world.debtor_zhang).released_at is None

    handler.select_option("#resolve select[name=resolve-outcome]", "upheld")
    handler.select_option("#resolve select[name=resolve-root_cause]", "agent_conduct")
    handler.fill("#resolve textarea[name=resolve-remedy]", "Apology; daytime visits only.")
    handler.fill("#resolve textarea[name=resolve-accountability]", "Agent retrained.")
    handler.click("#resolve button[type=submit]")
    expect(handler.locator("#complaint .badge")).to_have_text("Outcome awaiting verification")
    expect(handler.locator("#verify")).to_have_count(0)  # nobody verifies their own outcome

    checker = signed_in("compliance_zhou")
    checker.goto(f"/oversight/complaints/{reference}/")
    checker.fill("#verify textarea", "Listened to the recording; the outcome stands.")
    checker.click("#verify button:has-text('Accept and close')")
    expect(checker.locator("#complaint .badge")).to_have_text("Closed")
    expect(checker.locator("[data-testid=hold]")).to_contain_text("lifted")

    public.goto("/complaints/status/")
    public.fill("input[name=reference]", reference)
    public.fill("input[name=code]", code)
    public.click("main form button[type=submit]")
    expect(public.locator("[data-testid=status]")).to_have_text("Closed")
    expect(public.locator("[data-testid=outcome]")).to_have_text("Upheld")
    assert Complaint.objects.get().status == "closed"
