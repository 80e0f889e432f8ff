"""The manager's plan page in Debian's chromium: Leaflet (served from our static files, no
tiles configured) draws one route per team and a marker per stop on the plain background."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_the_plan_page_draws_every_team_route_without_a_tile_server(
    live_server, client, world, debtors
) -> None:  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    from doorstep.planning.services import plan_build
    from doorstep.planning.tests.conftest import PLAN_DAY

    debtors(6)
    plan = plan_build(branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"), seconds=1)
    teams = {s.team for s in plan.stops.all()}
    stops = plan.stops.count()
    client.force_login(world.user("manager_wang"))
    session = client.cookies["sessionid"].value
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/planning/{plan.pk}/")
            page.wait_for_selector("#plan-map path.leaflet-interactive")
            drawn = page.locator("#plan-map path.leaflet-interactive").count()
            tiles = page.locator("#plan-map img.leaflet-tile").count()
            bars = page.locator(".tl-bar").count()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert drawn == 1 + stops + len(teams)  # the branch, every stop, one line per team
    assert tiles == 0
    assert bars == stops
