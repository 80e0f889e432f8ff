"""The compliance endpoints through HTTP, as an integration or the field app would call them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.compliance.models import Decision, Hold, LimitationEvent, ParameterVersion
from doorstep.compliance.tests.conftest import at
from doorstep.oversight.models import ApprovalRequest

pytestmark = pytest.mark.django_db

HOLIDAY_VISIT = {"channel": "visit", "at": "2026-10-01T10:00:00+08:00", "staff_count": 2}


@pytest.fixture(autouse=True)
def english_api(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def signed_in(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def error(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()["error"]


# --- The gate ---------------------------------------------------------------------------------


def test_decide_returns_the_verdict_rules_and_explanations(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        "/api/v1/compliance/decide",
        {"case_id": world.zhang_case.pk, **HOLIDAY_VISIT},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    decision = Decision.objects.get()
    assert {key: body[key] for key in ("id", "case_id", "verdict", "rules", "version")} == {
        "id": decision.pk,
        "case_id": world.zhang_case.pk,
        "verdict": "block",
        "rules": ["CN-HOL-01"],
        "version": "cn-1",
    }
    assert (body["allowed"], body["overridden_by"], body["at"]) == (
        False,
        None,
        "2026-10-01T10:00:00+08:00",
    )
    assert body["explanations"] == [
        {
            "rule": "CN-HOL-01",
            "verdict": "block",
            "text": "2026-10-01 is a public-holiday rest day (National Day): no field visits "
            "(National Holidays and Memorial Days Measures (2024), Art 2)",
        }
    ]


def test_a_preview_stores_nothing_and_read_only_roles_may_preview(world, client) -> None:
    payload = {"case_id": world.zhang_case.pk, **HOLIDAY_VISIT, "record": False}
    response = post(
        signed_in(client, world, "compliance_zhou"), "/api/v1/compliance/decide", payload
    )
    assert (response.status_code, response.json()["id"], response.json()["verdict"]) == (
        200,
        None,
        "block",
    )
    assert not Decision.objects.exists()


def test_read_only_roles_cannot_record_a_decision(world, client) -> None:
    payload = {"case_id": world.zhang_case.pk, **HOLIDAY_VISIT}
    response = post(signed_in(client, world, "auditor_chen"), "/api/v1/compliance/decide", payload)
    assert error(response) == (
        403,
        {"code": "forbidden", "message": "Your role may not do this.", "fields": {}},
    )
    assert not Decision.objects.exists()


def test_a_case_outside_the_callers_scope_is_a_404(world, client) -> None:
    payload = {"case_id": world.huang_case.pk, **HOLIDAY_VISIT}
    response = post(signed_in(client, world, "agent_li"), "/api/v1/compliance/decide", payload)
    assert error(response)[0] == 404


def test_bad_input_gets_an_error_body_naming_the_field(world, client) -> None:
    agent = signed_in(client, world, "agent_li")
    naive = post(
        agent,
        "/api/v1/compliance/decide",
        {"case_id": world.zhang_case.pk, "channel": "call", "at": "2026-07-06T10:00:00"},
    )
    fax = post(
        agent,
        "/api/v1/compliance/decide",
        {"case_id": world.zhang_case.pk, "channel": "fax", "at": "2026-07-06T10:00:00+08:00"},
    )
    assert error(naive) == (
        400,
        {
            "code": "naive_time",
            "message": "Give the time with its UTC offset, e.g. 2026-03-02T10:00:00+08:00.",
            "fields": {
                "at": ["Give the time with its UTC offset, e.g. 2026-03-02T10:00:00+08:00."]
            },
        },
    )
    assert (fax.status_code, list(fax.json()["error"]["fields"])) == (422, ["channel"])
    assert not Decision.objects.exists()


# --- The log and overrides --------------------------------------------------------------------


def test_the_log_is_scoped_by_role_and_branch(world, client, decide) -> None:
    zhang = decide("visit", at(2026, 10, 1))
    huang = decide("visit", at(2026, 10, 1), actor="manager_liu", case=world.huang_case)

    def ids(name: str, query: str = "") -> list[int]:
        response = signed_in(client, world, name).get(f"/api/v1/compliance/decisions{query}")
        return [item["id"] for item in response.json()["items"]]

    assert ids("compliance_zhou") == [huang.pk, zhang.pk]
    assert ids("auditor_chen") == [huang.pk, zhang.pk]
    assert ids("manager_wang") == [zhang.pk]
    assert ids("manager_liu") == [huang.pk]
    assert ids("agent_li") == []
    assert ids("compliance_zhou", f"?agent={world.agent_li.pk}") == [zhang.pk]
    assert ids("compliance_zhou", "?rule=CN-TEAM-01") == []


def test_an_agent_reads_a_decision_on_their_case_and_asks_for_an_override(
    world, client, decide
) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    agent = signed_in(client, world, "agent_li")
    assert agent.get(f"/api/v1/compliance/decisions/{blocked.pk}").json()["verdict"] == "block"
    response = post(
        agent, f"/api/v1/compliance/decisions/{blocked.pk}/override", {"reason": "Asked by him."}
    )
    request = ApprovalRequest.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        {"approval_id": request.pk, "status": "pending"},
    )


def test_an_auditor_cannot_ask_for_an_override(world, client, decide) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    response = post(
        signed_in(client, world, "auditor_chen"),
        f"/api/v1/compliance/decisions/{blocked.pk}/override",
        {"reason": "x"},
    )
    assert error(response)[0] == 403
    assert not ApprovalRequest.objects.exists()


# --- Content, limitation, contacts, holds -----------------------------------------------------


def test_the_screen_quotes_what_fired(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_zhao"),
        "/api/v1/compliance/screen",
        {"text": "老赖，再不还钱就让你好看。", "kind": "sms"},
    )
    assert response.json() == {
        "verdict": "block",
        "time_barred": False,
        "findings": [
            {
                "rule": "CN-CON-01",
                "verdict": "block",
                "matches": ["老赖", "让你好看"],
                "missing": [],
                "explanation": 'The text contains insults, threats: "老赖", "让你好看" '
                "(Credit Card Business Measures (2011), Art 68; Public Security Administration "
                "Punishments Law Art 42 (2012) / Art 50 (2025 revision))",
            }
        ],
    }


def test_recording_a_met_debtor_visit_interrupts_the_limitation(world, client) -> None:
    agent = signed_in(client, world, "agent_li")
    response = post(
        agent,
        f"/api/v1/compliance/cases/{world.zhang_case.pk}/contacts",
        {
            "channel": "visit",
            "at": "2026-07-01T10:00:00+08:00",
            "outcome": "demand_stated",
            "staff_count": 2,
        },
    )
    assert response.status_code == 201, response.content
    [item] = agent.get(f"/api/v1/compliance/cases/{world.zhang_case.pk}/limitation").json()
    assert (item["interrupted_by"], item["interrupted_on"], item["expires"]) == (
        "demand_delivered",
        "2026-07-01",
        "2029-07-02",
    )
    assert LimitationEvent.objects.count() == 1


def test_an_agent_puts_a_hold_on_and_only_a_manager_lifts_it(world, client) -> None:
    url = f"/api/v1/compliance/cases/{world.zhang_case.pk}/holds"
    added = post(
        signed_in(client, world, "agent_li"),
        url,
        {"kind": "cease_contact", "reason": "Asked us to stop."},
    )
    assert added.status_code == 201, added.content
    hold = Hold.objects.get()
    release = f"{url}/{hold.pk}/release"
    refused = post(client, release, {"reason": "Done."})
    lifted = post(signed_in(client, world, "manager_wang"), release, {"reason": "Resolved."})
    hold.refresh_from_db()
    assert (error(refused)[0], lifted.status_code, hold.released_by) == (
        403,
        200,
        world.user("manager_wang"),
    )


# --- Parameters -------------------------------------------------------------------------------


def test_a_compliance_officer_proposes_parameters_and_others_may_not(world, client) -> None:
    payload = {
        "values": {"max_calls_per_day": 4},
        "effective_from": "2030-01-01T00:00:00+08:00",
        "reason": "Fewer calls.",
    }
    manager = post(
        signed_in(client, world, "manager_wang"), "/api/v1/compliance/parameters/cn", payload
    )
    officer = post(
        signed_in(client, world, "compliance_zhou"), "/api/v1/compliance/parameters/cn", payload
    )
    bad = post(
        client,
        "/api/v1/compliance/parameters/cn",
        {**payload, "values": {"max_calls_per_day": 99}},
    )
    assert (error(manager)[0], officer.status_code) == (403, 201)
    assert (officer.json()["label"], officer.json()["status"]) == ("cn-2", "pending")
    assert error(bad) == (
        400,
        {
            "code": "invalid_fact",
            "message": "must be a whole number from 0 to 50",
            "fields": {"max_calls_per_day": ["must be a whole number from 0 to 50"]},
        },
    )
    listed = client.get("/api/v1/compliance/parameters/cn").json()
    assert (listed["in_force"]["label"], [v["label"] for v in listed["versions"]]) == (
        "cn-1",
        ["cn-2", "cn-1"],
    )
    assert ParameterVersion.objects.count() == 2


def test_a_fresh_profile_shows_the_engine_defaults_as_version_1(world, client) -> None:
    response = signed_in(client, world, "auditor_chen").get("/api/v1/compliance/parameters/uk")
    body = response.json()
    assert (response.status_code, body["in_force"]["label"], body["in_force"]["created_at"]) == (
        200,
        "uk-1",
        None,
    )
    assert body["in_force"]["params"]["contact_window"] == "08:00-21:00"
    assert not ParameterVersion.objects.exists()


def test_a_time_of_an_impossible_year_is_refused_not_a_crash(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/compliance/cases/{world.zhang_case.pk}/holds",
        {"kind": "dispute", "reason": "x", "starts_at": "0001-01-01T00:00:00+14:00"},
    )
    assert error(response) == (
        400,
        {
            "code": "out_of_range",
            "message": "Give a time from 1971 to 2099.",
            "fields": {"starts_at": ["Give a time from 1971 to 2099."]},
        },
    )
