"""The plan, promise, payment and policy endpoints through HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.plans.models import Plan
from doorstep.plans.policy import DEFAULT_RULES
from doorstep.portfolio.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_an_agent_offers_a_plan_and_gets_its_schedule(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    response = post(
        as_user(client, world, "agent_li"),
        f"/api/v1/cases/{zhang.pk}/plans",
        {"plan_type": "interest_freeze", "months": 3},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["required_level"], body["total"]) == (
        "offered",
        "agent",
        "2500.00",
    )
    assert [i["amount"] for i in body["instalments"]] == ["833.33", "833.33", "833.34"]


def test_terms_outside_policy_or_malformed_answer_4xx_naming_the_field(
    world, zhang, client
) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    outside = post(
        agent, f"/api/v1/cases/{zhang.pk}/plans", {"plan_type": "instalments", "months": 48}
    )
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "outside_policy"
    assert list(outside.json()["error"]["fields"]) == ["months"]
    malformed = post(
        agent, f"/api/v1/cases/{zhang.pk}/plans", {"plan_type": "instalments", "months": 0}
    )
    assert malformed.status_code == 422
    assert "months" in malformed.json()["error"]["fields"]
    assert not Plan.objects.exists()


def test_plans_follow_the_case_scope(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    data = {"plan_type": "instalments", "months": 6}
    assert (
        post(
            as_user(client, world, "agent_sun"), f"/api/v1/cases/{zhang.pk}/plans", data
        ).status_code
        == 404
    )
    assert (
        post(
            as_user(client, world, "auditor_chen"), f"/api/v1/cases/{zhang.pk}/plans", data
        ).status_code
        == 403
    )
    assert (
        as_user(client, world, "auditor_chen").get(f"/api/v1/cases/{zhang.pk}/plans").status_code
        == 200
    )


def test_accepting_through_the_api_activates_the_plan(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    plan = post(
        agent, f"/api/v1/cases/{zhang.pk}/plans", {"plan_type": "instalments", "months": 6}
    ).json()
    missing = post(agent, f"/api/v1/plans/{plan['id']}/accept", {"via": "in_person"})
    assert missing.status_code == 400
    assert list(missing.json()["error"]["fields"]) == ["signature"]
    accepted = post(
        agent, f"/api/v1/plans/{plan['id']}/accept", {"via": "in_person", "signature": "data:,x"}
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"


def test_the_options_come_with_full_schedules(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    response = as_user(client, world, "agent_li").get(f"/api/v1/cases/{zhang.pk}/plan-options")
    assert response.status_code == 200
    body = response.json()
    assert body["disposable"] == "3100.00"
    assert sorted(o["name"] for o in body["options"]) == [
        "Fastest affordable",
        "Hardship",
        "Standard",
    ]
    for option in body["options"]:
        total = sum(Decimal(i["amount"]) for i in option["schedule"]["instalments"])
        assert f"{total:.2f}" == option["schedule"]["total"]


def test_payments_post_once_by_transaction_id_and_reverse(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    account = zhang.accounts.get().external_id
    today = timezone.localdate()
    data = {"account": account, "transaction_id": "TX-1", "paid_on": str(today), "amount": "100.00"}
    admin = as_user(client, world, "branch_admin_he")
    assert post(admin, "/api/v1/payments", data).status_code == 201
    assert post(admin, "/api/v1/payments", data).status_code == 200
    conflict = post(admin, "/api/v1/payments", {**data, "amount": "100.01"})
    assert conflict.status_code == 409
    assert list(conflict.json()["error"]["fields"]) == ["external_id"]
    assert Payment.objects.filter(external_id="TX-1").count() == 1
    reversed_ = post(
        admin, "/api/v1/payments/TX-1/reverse", {"reversed_on": str(today), "reason": "bounced"}
    )
    assert reversed_.status_code == 200
    assert reversed_.json()["reversed_on"] == str(today)
    assert post(admin, "/api/v1/payments", {**data, "account": "NOPE"}).status_code == 404
    agent = as_user(Client(), world, "agent_li")
    assert post(agent, "/api/v1/payments", {**data, "transaction_id": "TX-2"}).status_code == 403


def test_a_promise_is_taken_and_listed(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    due = timezone.localdate() + timedelta(days=3)
    created = post(
        agent,
        f"/api/v1/cases/{zhang.pk}/promises",
        {"amount": "300.00", "due_on": str(due), "channel": "visit"},
    )
    assert created.status_code == 201, created.content
    listed = agent.get(f"/api/v1/cases/{zhang.pk}/promises").json()
    assert [(p["amount"], p["status"]) for p in listed] == [("300.00", "open")]
    too_late = post(
        agent,
        f"/api/v1/cases/{zhang.pk}/promises",
        {"amount": "1.00", "due_on": str(due + timedelta(days=40)), "channel": "visit"},
    )
    assert too_late.status_code == 400
    assert list(too_late.json()["error"]["fields"]) == ["due_on"]


def test_policies_are_proposed_by_managers_only(world, client) -> None:  # type: ignore[no-untyped-def]
    data = {
        "product": "credit_card",
        "effective_from": str(timezone.localdate()),
        "rules": DEFAULT_RULES,
        "reason": "Yearly review",
    }
    assert (
        post(as_user(client, world, "agent_li"), "/api/v1/plan-policies", data).status_code == 403
    )
    created = post(as_user(Client(), world, "manager_wang"), "/api/v1/plan-policies", data)
    assert created.status_code == 201
    assert created.json()["status"] == "proposed"
    bad = post(
        as_user(Client(), world, "manager_wang"),
        "/api/v1/plan-policies",
        {**data, "product": "yacht"},
    )
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["product"]


def test_a_letter_is_sent_and_its_delivery_recorded_over_the_api(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    sent = post(agent, f"/api/v1/cases/{zhang.pk}/letters", {})
    assert sent.status_code == 201, sent.content
    assert (sent.json()["status"], sent.json()["fields"]["balance"]["total"]) == ("sent", "2500.00")
    done = post(agent, f"/api/v1/letters/{sent.json()['id']}/outcome", {"delivered": True})
    assert done.json()["status"] == "delivered"
    again = post(agent, f"/api/v1/letters/{sent.json()['id']}/outcome", {"delivered": True})
    assert again.status_code == 409
