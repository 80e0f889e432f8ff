"""The phone screen and the JSON API, through HTTP as clients use them."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doorstep.cases.services import case_assign
from doorstep.compliance.models import Decision
from doorstep.plans.models import Promise
from doorstep.remote import clock
from doorstep.remote.models import AllocationRule, Call, FollowUp
from doorstep.remote.tests.conftest import CALL_DAY, at
from doorstep.remote.tests.factories import late_cases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


TEN = at(CALL_DAY, 10)


@pytest.fixture
def at_ten(monkeypatch):  # type: ignore[no-untyped-def]
    """The clock of remote work reads 10:00 on the call day."""
    monkeypatch.setattr(clock, "now", lambda: TEN)


@pytest.fixture
def zhao(world, client, at_ten):  # type: ignore[no-untyped-def]
    for case in late_cases(world.xh, 2):
        case_assign(case=case, agent=world.agent_zhao, actor=world.user("manager_wang"))
    client.force_login(world.user("agent_zhao"))
    return client


def test_the_agent_takes_the_next_case_and_wraps_it_up_with_a_promise(world, zhao) -> None:
    page = zhao.get(reverse("remote:queue"))
    assert page.status_code == 200
    assert "T00000000" in page.content.decode()
    zhao.post(reverse("remote:next"))
    call = Call.objects.get()
    page = zhao.get(reverse("remote:queue"))
    text = page.content.decode()
    assert "139****0000" in text
    assert "13900000000" not in text
    done = zhao.post(
        reverse("remote:wrap_up", args=[call.pk]),
        {
            "outcome": "promise",
            "duration_seconds": "120",
            "promise_amount": "800.00",
            "promise_due_on": "2026-07-08",
        },
        follow=True,
    )
    text = done.content.decode()
    assert "T00000000 wrapped up: Promise to pay." in text
    assert "Promise reminder scheduled for" in text
    assert Promise.objects.get().amount == 800
    assert FollowUp.objects.get().due_at == at(date(2026, 7, 7), 10)


def test_a_refused_wrap_up_shows_the_field_and_keeps_the_call_open(world, zhao) -> None:
    zhao.post(reverse("remote:next"))
    call = Call.objects.get()
    page = zhao.post(
        reverse("remote:wrap_up", args=[call.pk]),
        {"outcome": "callback", "duration_seconds": "10"},
    )
    assert page.status_code == 400
    assert "Give the time to call back." in page.content.decode()
    call.refresh_from_db()
    assert call.wrapped_at is None


def test_another_agent_cannot_wrap_up_the_call(world, zhao, client) -> None:
    zhao.post(reverse("remote:next"))
    call = Call.objects.get()
    client.force_login(world.user("agent_li"))
    page = client.post(
        reverse("remote:wrap_up", args=[call.pk]), {"outcome": "no_answer", "duration_seconds": "1"}
    )
    assert page.status_code == 404


def test_the_api_queue_next_and_wrap_up(world, zhao) -> None:
    queue = zhao.get("/api/v1/remote/queue").json()
    assert [item["reference"] for item in queue] == ["T00000000", "T00000001"]
    assert queue[0]["verdict"] == "allow"
    opened = zhao.post("/api/v1/remote/queue/next")
    assert opened.status_code == 201
    body = opened.json()
    assert body["phone_masked"] == "139****0000"
    assert Decision.objects.get().pk == body["decision_id"]
    wrong = zhao.post(
        f"/api/v1/remote/calls/{body['id']}/wrap-up",
        {"outcome": "promise", "duration_seconds": 30},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"] == {
        "promise_amount": ["Give the promised amount and date."]
    }
    done = zhao.post(
        f"/api/v1/remote/calls/{body['id']}/wrap-up",
        {"outcome": "no_answer", "duration_seconds": 30, "recording_sha256": "a" * 64},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert (done.json()["outcome"], done.json()["recording_sha256"]) == ("no_answer", "a" * 64)


def test_the_api_simulates_allocation_for_a_manager_only(world, client) -> None:
    AllocationRule.objects.create(
        position=1, name="phone", branch=world.xh, buckets=["M3"], team=world.agent_zhao.team
    )
    client.force_login(world.user("manager_wang"))
    run = client.post(
        "/api/v1/remote/allocation/runs", {"as_of": "2026-11-28"}, content_type="application/json"
    )
    assert run.status_code == 201
    moves = run.json()["moves"]
    assert [(m["case_reference"], m["to_agent_id"], m["reason"]) for m in moves] == [
        (world.zhang_case.reference, world.agent_zhao.pk, "realigned")
    ]
    client.force_login(world.user("agent_zhao"))
    denied = client.post("/api/v1/remote/allocation/runs", {}, content_type="application/json")
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden")


def test_the_api_refuses_a_bad_rule_naming_the_field(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    bad = client.post(
        "/api/v1/remote/allocation/rules",
        {"name": "x", "position": 1, "team_id": world.agent_zhao.team.pk, "buckets": ["M9"]},
        content_type="application/json",
    )
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["buckets"])
    assert AllocationRule.objects.count() == 0


def test_the_api_refuses_prohibited_template_wording(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    template = client.post(
        "/api/v1/remote/templates",
        {"code": "t1", "name": "T1", "channel": "sms"},
        content_type="application/json",
    ).json()
    refused = client.post(
        f"/api/v1/remote/templates/{template['id']}/versions",
        {"body": "老赖，快还钱", "reason": "try"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "prohibited_content"


def test_the_phone_screen_is_for_agents_only(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    assert client.get(reverse("remote:queue")).status_code == 403
    assert client.post(reverse("remote:next")).status_code == 403
    assert Call.objects.count() == 0


def test_the_api_flags_a_vulnerable_debtor_with_the_banks_handling(world, zhao) -> None:
    case = world.zhang_case  # agent_li's case
    zhao.force_login(world.user("agent_li"))
    made = zhao.post(
        f"/api/v1/remote/cases/{case.pk}/vulnerability",
        {"kind": "serious_illness", "note": "In hospital."},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert (made.json()["handling"], made.json()["hold_id"]) == ("approval", None)
    asked = zhao.post(
        f"/api/v1/remote/cases/{case.pk}/vulnerability/{made.json()['id']}/contact-requests",
        {"reason": "Debtor asked us to call."},
        content_type="application/json",
    )
    assert (asked.status_code, asked.json()["status"]) == (201, "pending")
    bad = zhao.post(
        f"/api/v1/remote/cases/{case.pk}/vulnerability",
        {"kind": "poor"},
        content_type="application/json",
    )
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["kind"])
