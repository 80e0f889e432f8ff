"""The field app on a phone, in Debian chromium: a day at the door with no network, a reload
that keeps the queue, a sync where the server holds each record exactly once, a sync the
network cuts off half-way, and a check-in outside the envelope refused on the phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from doorstep.core.testing import make_staff
from doorstep.ledger.selectors import entry_list
from doorstep.staff.models import Role
from doorstep.visits.models import EvidenceFile, FieldRecord, Visit
from doorstep.visits.services import visit_propose, visit_schedule

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "doorstep-demo"
VISIT_DAY = date(2026, 7, 1)
AT_THE_DOOR = {"latitude": 30.27712, "longitude": 120.13008}  # ~15 m from zhang's home
# A 1×1 PNG, as a phone camera would hand over a (much larger) file.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1e4a70000000049454e44ae426082"
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(VISIT_DAY, time(hour, minute), tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def visit(world) -> Visit:  # type: ignore[no-untyped-def]
    agent_ma = make_staff("agent_ma", Role.FIELD_AGENT, branch=world.xh, team=world.agent_li.team)
    proposed = visit_propose(
        case=world.zhang_case,
        actor=world.user("manager_wang"),
        lead_agent=world.agent_li,
        second_agent=agent_ma,
    )
    return visit_schedule(
        visit=proposed,
        actor=world.user("manager_wang"),
        scheduled_on=VISIT_DAY,
        window_start=time(10),
        window_end=time(12),
    )


@pytest.fixture
def phone(browser, live_server) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """``phone(hour, minute)``: agent_li signed in to /field/ on a 390×844 phone whose clock
    reads that time on the visit day in Shanghai and whose GPS is at zhang's door."""
    contexts = []

    def start(hour: int, minute: int = 0) -> Any:
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation=AT_THE_DOOR,
            permissions=["geolocation"],
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        context.clock.set_fixed_time(at(hour, minute))
        contexts.append(context)
        page = context.new_page()
        page.goto("/field/")
        page.fill("input[name=username]", "agent_li")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/field/$"))
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        return page

    yield start
    for context in contexts:
        context.close()


def waiting(page: Any, count: int) -> None:
    expect(page.locator("#waiting")).to_have_attribute("data-count", str(count))


def waiting_at_least(page: Any, count: int) -> None:
    """Online, records may already be synced; the queue then lists fewer."""
    page.wait_for_function(
        f"Store.allRecords().then((rows) => rows.length >= {count})", polling=100
    )


def capture_at_the_door(page: Any, visit: Visit) -> None:
    page.click(f".stop[data-visit='{visit.pk}'] a")
    page.click("#check-in-button")
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "checked_in")
    page.select_option("#outcome", "promise")
    page.click("#save-outcome")
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "completed")
    page.fill("#promise-amount", "1000.00")
    page.fill("#promise-due", "2026-07-10")
    page.click("#save-promise")
    page.set_input_files(
        "#photo", files=[{"name": "door.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.locator("#photo-hash")).not_to_be_empty()
    page.locator("#signature").scroll_into_view_if_needed()
    box = page.locator("#signature").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 70)
    page.mouse.down()
    page.mouse.move(box["x"] + 160, box["y"] + 40, steps=8)
    page.mouse.move(box["x"] + 280, box["y"] + 90, steps=8)
    page.mouse.up()
    page.click("#save-signature")
    waiting_at_least(page, 5)


def assert_held_once(visit: Visit) -> None:
    kinds = sorted(FieldRecord.objects.filter(visit=visit).values_list("kind", flat=True))
    assert kinds == ["check_in", "evidence", "evidence", "outcome", "promise"]
    evidence = FieldRecord.objects.filter(visit=visit, kind="evidence")
    assert sorted(record.payload["type"] for record in evidence) == ["photo", "signature"]
    synced = entry_list(kind="visit.field_record", subject=("visit", str(visit.pk)))
    assert synced.count() == 5
    visit.refresh_from_db()
    assert (visit.status, visit.outcome) == ("completed", "promise")
    assert visit.checkin_distance_m is not None
    assert visit.checkin_distance_m < 50


def test_a_day_captured_offline_survives_a_reload_and_syncs_exactly_once(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(10, 15)
    expect(page.locator(f".stop[data-visit='{visit.pk}']")).to_be_visible()

    page.context.set_offline(True)
    capture_at_the_door(page, visit)
    waiting(page, 5)

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    waiting(page, 5)
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "completed")
    assert not FieldRecord.objects.exists()

    page.context.set_offline(False)
    page.click("#sync-now")
    waiting(page, 0)
    assert_held_once(visit)
    # The photo's and the signature's files follow their records, each matching its hash.
    page.wait_for_function("document.body.dataset.syncing === 'false'")
    files = EvidenceFile.objects.filter(record__visit=visit).select_related("record")
    assert sorted(f.record.payload["type"] for f in files) == ["photo", "signature"]
    assert all(f.sha256 == f.record.payload["sha256"] for f in files)


def test_a_sync_cut_off_by_the_network_is_finished_without_duplicates(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(10, 15)
    cut = []

    def reach_server_then_fail(route: Any) -> None:
        route.fetch()  # the server stores the batch …
        route.abort("failed")  # … and the answer never reaches the phone
        cut.append(route.request.url)

    page.route("**/api/v1/field/sync", reach_server_then_fail)
    page.context.set_offline(True)
    capture_at_the_door(page, visit)
    waiting(page, 5)  # every record queued (the photo's is written last) before the network returns
    page.context.set_offline(False)  # back online: the app syncs at once, and the answer is lost
    while not cut:
        page.wait_for_timeout(100)
    page.wait_for_function("document.body.dataset.syncing === 'false'")
    waiting(page, 5)
    assert FieldRecord.objects.filter(visit=visit).count() == 5
    page.unroute("**/api/v1/field/sync")

    page.click("#sync-now")
    waiting(page, 0)
    assert_held_once(visit)
    states = page.evaluate("Store.allRecords().then((rows) => rows.map((r) => r.state))")
    assert set(states) == {"duplicate"}


def test_a_check_in_outside_the_envelope_is_refused_on_the_phone_offline(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(18, 30)
    page.context.set_offline(True)
    page.click(f".stop[data-visit='{visit.pk}'] a")
    page.click("#check-in-button")
    expect(page.locator("#flash")).to_contain_text("CN-VISIT-01")
    waiting(page, 0)
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "scheduled")
    assert not FieldRecord.objects.exists()


def test_a_team_at_the_door_too_long_is_asked_whether_it_is_safe(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(10, 15)
    page.context.set_offline(True)
    page.click(f".stop[data-visit='{visit.pk}'] a")
    page.click("#check-in-button")
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "checked_in")
    expect(page.locator("#overdue")).to_have_count(0)
    page.clock.set_fixed_time(at(11, 1))  # 30 expected minutes + 15 of grace have passed
    page.reload()
    expect(page.locator("#overdue")).to_be_visible()
    page.click("#i-am-safe")
    expect(page.locator("#overdue")).to_have_count(0)


def test_a_recording_at_the_door_is_kept_and_its_file_follows(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(10, 15)
    page.click(f".stop[data-visit='{visit.pk}'] a")
    page.click("#check-in-button")
    expect(page.locator("#door")).to_be_visible()
    expect(page.locator("#record-audio")).to_be_disabled()  # not before the debtor is told
    page.check("#audio-informed")
    page.click("#record-audio")
    expect(page.locator("#audio-status")).to_have_text("正在录音。")
    page.wait_for_timeout(1200)
    page.click("#record-audio")
    expect(page.locator("#audio-status")).to_contain_text("SHA-256")
    page.click("#sync-now")
    waiting(page, 0)
    page.wait_for_function("document.body.dataset.syncing === 'false'")
    record = FieldRecord.objects.get(visit=visit, kind="evidence")
    assert record.payload["type"] == "audio"
    stored = EvidenceFile.objects.get(record=record)
    assert stored.sha256 == record.payload["sha256"]
    assert stored.content_type.startswith("audio/")


def test_the_route_is_drawn_on_a_map_without_tiles_offline(phone, visit) -> None:  # type: ignore[no-untyped-def]
    page = phone(10, 15)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#route-map .leaflet-interactive").first).to_be_visible()
    expect(page.locator("#route-map .stop-label")).to_have_count(1)
