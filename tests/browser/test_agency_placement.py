"""An outside agency in a real browser: a manager places 20 cases with the agency, the
agency's user signs in and sees exactly those 20, a complaint about one of them recalls it,
and the agency loses access to it at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from doorstep.agencies.models import Placement
from doorstep.agencies.tests.conftest import agency_user, late_case, register_agency
from doorstep.oversight.complaints.services import complaint_intake

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_placed_cases_are_seen_by_the_agency_until_a_complaint_recalls_one(
    browser, live_server, signed_in, world
) -> None:
    for n in range(1, 25):
        late_case(world, n, due=date(2025, 12, 15) + timedelta(days=n))
    agency = register_agency(world)
    agency_user(world, agency, "agency_liu")

    manager = signed_in("manager_wang")
    manager.goto(f"/agencies/{agency.pk}/")
    manager.fill("#place input[name=limit]", "20")
    manager.click("#place button[type=submit]")
    expect(manager.locator("[data-testid=placement]")).to_have_count(20)
    placed = set(Placement.objects.values_list("case__reference", flat=True))
    assert len(placed) == 20

    liu = signed_in("agency_liu")
    rows = liu.locator("table.cases tbody tr")
    expect(rows).to_have_count(20)
    assert set(liu.locator("table.cases tbody a.ref").all_inner_texts()) == placed

    target = Placement.objects.select_related("case").order_by("case__reference").first()
    assert target is not None
    filed = complaint_intake(
        actor=world.user("complaints_sun"),
        channel="phone",
        category="harassment",
        name="客户",
        phone="13900000001",
        email="",
        description="The agency's caller threatened to tell my employer.",
    )
    handler = signed_in("complaints_sun")
    handler.goto(f"/oversight/complaints/{filed.complaint.reference}/")
    handler.click("#start button:has-text('Start investigation')")
    expect(handler.locator("#complaint .badge")).to_have_text("Investigating")
    handler.fill("#link input[name=link-case_reference]", target.case.reference)
    handler.click("#link button[type=submit]")
    expect(handler.locator("[data-testid=case]")).to_have_text(target.case.reference)

    target.refresh_from_db()
    assert target.recall_reason == Placement.Recall.COMPLAINT
    liu.goto("/cases/")
    expect(rows).to_have_count(19)
    assert target.case.reference not in liu.locator("table.cases tbody a.ref").all_inner_texts()
    answer = liu.goto(f"/cases/{target.case.pk}/")
    assert answer is not None
    assert answer.status == 404
