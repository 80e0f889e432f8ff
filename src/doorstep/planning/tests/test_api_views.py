"""The plan over HTTP: the JSON API and the manager's page, scoped by role and branch."""

from __future__ import annotations

import json

import pytest

from doorstep.planning.models import Plan
from doorstep.planning.tests.conftest import PLAN_DAY


def post(client, url: str, body: dict) -> object:  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_manager_builds_reads_reoptimises_and_publishes_over_the_api(
    client, world, debtors
) -> None:  # type: ignore[no-untyped-def]
    visits = debtors(4)
    client.force_login(world.user("manager_wang"))
    built = post(client, "/api/v1/visit-plans", {"branch": "XH", "day": "2026-07-01", "seconds": 1})
    assert built.status_code == 201
    plan = built.json()
    assert (plan["branch"], plan["day"], plan["status"]) == ("XH", "2026-07-01", "draft")
    stops = [s for t in plan["teams"] for s in t["stops"] if s["kind"] == "visit"]
    assert sorted(s["visit"] for s in stops) == sorted(v.pk for v in visits)
    assert all(len(str(s["at"][0]).split(".")[1]) <= 3 for s in stops)  # coarse, not an address
    again = post(
        client,
        f"/api/v1/visit-plans/{plan['id']}/reoptimise",
        {"forbidden": [str(visits[0].pk)], "seconds": 1},
    )
    assert again.status_code == 201
    new = again.json()
    assert new["left_out"] == [
        {
            "visit": visits[0].pk,
            "reason": "forbidden",
            "text": "Forbidden by a manager for this plan.",
            "rules": [],
        }
    ]
    published = client.post(f"/api/v1/visit-plans/{new['id']}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    old = client.post(f"/api/v1/visit-plans/{plan['id']}/publish")
    assert old.status_code == 409
    assert old.json()["error"]["code"] == "plan_not_draft"


def test_bad_input_is_a_4xx_that_names_the_field(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_wang"))
    response = post(
        client, "/api/v1/visit-plans", {"branch": "XH", "day": "2026-07-01", "seconds": 0}
    )
    assert response.status_code == 422
    assert "seconds" in json.dumps(response.json()["error"]["fields"])
    missing = post(client, "/api/v1/visit-plans", {"branch": "XH", "day": "not a day"})
    assert missing.status_code == 422
    assert "day" in json.dumps(missing.json()["error"]["fields"])


def test_another_branchs_manager_and_a_field_agent_cannot_plan_xh(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_liu"))
    body = {"branch": "XH", "day": "2026-07-01", "seconds": 1}
    assert post(client, "/api/v1/visit-plans", body).status_code == 404
    client.force_login(world.user("agent_li"))
    assert post(client, "/api/v1/visit-plans", body).status_code == 404
    client.force_login(world.user("compliance_zhou"))
    assert post(client, "/api/v1/visit-plans", body).status_code == 403
    assert not Plan.objects.exists()


def test_a_plan_of_another_branch_is_not_found(client, world, debtors) -> None:  # type: ignore[no-untyped-def]
    from doorstep.planning.services import plan_build

    debtors(1)
    plan = plan_build(branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"), seconds=1)
    client.force_login(world.user("manager_liu"))
    assert client.get(f"/api/v1/visit-plans/{plan.pk}").status_code == 404
    client.force_login(world.user("auditor_chen"))
    assert client.get(f"/api/v1/visit-plans/{plan.pk}").status_code == 200
    assert client.post(f"/api/v1/visit-plans/{plan.pk}/publish").status_code == 403


def test_the_manager_page_shows_map_data_timeline_and_reasons(client, world, debtors) -> None:  # type: ignore[no-untyped-def]
    debtors(3)
    client.force_login(world.user("manager_wang"))
    response = client.post("/planning/", {"day": "2026-10-01", "seconds": "1"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="plan-data"' in html
    assert "planning/leaflet/leaflet.js" in html
    assert "CN-HOL-01" in html
    assert "The compliance engine does not allow a visit on this day." in html


def test_the_command_solves_a_solomon_file_and_prints_the_issue_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from django.core.management import call_command

    from doorstep.planning.tests.test_engine import SOLOMON

    if not SOLOMON.exists():
        pytest.skip("Solomon data not on this machine")
    out = io.StringIO()
    call_command("planning", "solve-vrptw", str(SOLOMON / "R101.txt"), "--seconds", "1", stdout=out)
    answer = json.loads(out.getvalue())
    assert set(answer) == {"routes", "distance", "vehicles"}
    assert sorted(n for r in answer["routes"] for n in r) == list(range(1, 101))
    assert answer["vehicles"] == len(answer["routes"])


def test_the_command_plans_and_publishes_a_branch_day(world, debtors) -> None:  # type: ignore[no-untyped-def]
    import io

    from django.core.management import call_command

    debtors(2)
    out = io.StringIO()
    call_command(
        "planning",
        "plan",
        "--branch",
        "XH",
        "--date",
        "2026-07-01",
        "--user",
        "manager_wang",
        "--seconds",
        "1",
        "--publish",
        stdout=out,
    )
    assert "XH 2026-07-01 published: 2 visits" in out.getvalue()
