"""The visit endpoints through HTTP: scoped reads, the writes, and refusals that name the field
and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.plans.selectors import case_plan_options
from doorstep.visits.models import Visit


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def as_(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_a_manager_proposes_and_schedules_a_visit_for_two_agents(client, world, agent_ma) -> None:  # type: ignore[no-untyped-def]
    manager = as_(client, world, "manager_wang")
    proposed = post(
        manager,
        "/api/v1/visits",
        {
            "case_id": world.zhang_case.pk,
            "lead_agent_id": world.agent_li.pk,
            "second_agent_id": agent_ma.pk,
        },
    )
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert (body["status"], body["debtor"], body["risk_level"]) == ("proposed", "张*", "low")
    scheduled = post(
        manager,
        f"/api/v1/visits/{body['id']}/schedule",
        {"scheduled_on": "2026-07-01", "window_start": "10:00", "window_end": "12:00"},
    )
    assert scheduled.status_code == 200, scheduled.content
    assert scheduled.json()["envelope"]["window"] == ["10:00", "12:00"]
    assert "checked_in" in scheduled.json()["next_statuses"]


def test_a_phone_agent_cannot_be_named_in_the_team(client, world, agent_ma) -> None:  # type: ignore[no-untyped-def]
    response = post(
        as_(client, world, "manager_wang"),
        "/api/v1/visits",
        {
            "case_id": world.zhang_case.pk,
            "lead_agent_id": world.agent_li.pk,
            "second_agent_id": world.agent_zhao.pk,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "second_agent_id": ["Not a field agent of this case's branch."]
    }
    assert not Visit.objects.exists()


def test_a_manager_of_another_branch_does_not_see_the_visit(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = as_(client, world, "manager_liu").get(f"/api/v1/visits/{visit.pk}")
    assert response.status_code == 404


def test_the_second_agent_sees_the_visit_though_the_case_is_not_theirs(
    client, world, scheduled, agent_ma
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    client.force_login(agent_ma.user)
    listed = client.get("/api/v1/visits?day=2026-07-01").json()
    assert [item["id"] for item in listed["items"]] == [visit.pk]
    assert client.get(f"/api/v1/cases/{world.zhang_case.pk}").status_code == 404


def test_without_signing_in_the_visits_answer_401(client, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    assert client.get(f"/api/v1/visits/{visit.pk}").status_code == 401
    assert client.post("/api/v1/field/sync", {}, content_type="application/json").status_code == 401


def test_a_manager_may_not_check_in_for_the_team(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = post(
        as_(client, world, "manager_wang"),
        f"/api/v1/visits/{visit.pk}/check-in",
        {"at": "2026-07-01T10:15:00+08:00", "lat": "30.277100", "lon": "120.130100"},
    )
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_the_team_checks_in_and_completes_online(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    li = as_(client, world, "agent_li")
    checked = post(
        li,
        f"/api/v1/visits/{visit.pk}/check-in",
        {"at": "2026-07-01T10:15:00+08:00", "lat": "30.277100", "lon": "120.130100"},
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["status"] == "checked_in"
    assert checked.json()["checkin_distance_m"] < 50
    done = post(
        li,
        f"/api/v1/visits/{visit.pk}/complete",
        {"at": "2026-07-01T10:45:00+08:00", "outcome": "not_home"},
    )
    assert done.json()["status"] == "completed"


def test_an_online_check_in_outside_the_envelope_answers_409_naming_the_rule(
    client, world, scheduled
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = post(
        as_(client, world, "agent_li"),
        f"/api/v1/visits/{visit.pk}/check-in",
        {"at": "2026-07-01T18:30:00+08:00", "lat": "30.277100", "lon": "120.130100"},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "outside_envelope"
    assert "CN-VISIT-01" in error["message"]
    assert "at" in error["fields"]


def test_a_check_in_time_without_offset_answers_400_on_at(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = post(
        as_(client, world, "agent_li"),
        f"/api/v1/visits/{visit.pk}/check-in",
        {"at": "2026-07-01T10:15:00", "lat": "30.2771", "lon": "120.1301"},
    )
    assert response.status_code == 400
    assert "at" in response.json()["error"]["fields"]


def test_cancelling_without_a_reason_answers_400_on_reason(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = post(
        as_(client, world, "manager_wang"),
        f"/api/v1/visits/{visit.pk}/transition",
        {"status": "cancelled"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["Give a reason for this change."]}
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_an_unknown_status_answers_422_naming_the_field(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    response = post(
        as_(client, world, "agent_li"),
        f"/api/v1/visits/{visit.pk}/transition",
        {"status": "teleported"},
    )
    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]


def test_the_briefing_follows_the_request_language(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    li = as_(client, world, "agent_li")
    english = li.get(f"/api/v1/visits/{visit.pk}/briefing", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = li.get(f"/api/v1/visits/{visit.pk}/briefing", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["outline"][0]["title"].startswith("Introduce yourself")
    assert chinese["outline"][0]["title"].startswith("介绍自己")
    # The options are the plans app's three proposals at the lead agent's authority.
    expected = case_plan_options(
        case=visit.case, user=world.user("agent_li"), on=visit.scheduled_on
    ).options
    assert expected
    assert [(o["plan_type"], o["months"], o["total"]) for o in english["options"]] == [
        (p.schedule.terms.plan_type.value, p.schedule.terms.months, f"{p.schedule.total:.2f}")
        for p in expected
    ]
    assert {o["label"] for o in english["options"]} <= {
        "Fastest affordable",
        "Standard",
        "Hardship",
    }
    assert english["plan_link"].endswith(f"/{visit.case.pk}/#plans")
    assert english["emergency_number"] == "110"
