"""Approvals through HTTP: the API as an integration calls it, and the screens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.oversight.models import ApprovalVote
from doorstep.staff.models import Branch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def signed_in(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_the_inbox_lists_what_the_caller_may_decide(world, client, ask) -> None:
    request = ask()
    response = signed_in(client, world, "manager_wang").get("/api/v1/approvals?box=inbox")
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert {key: item[key] for key in ("id", "kind", "status", "summary", "subject", "level")} == {
        "id": request.pk,
        "kind": "tests.branch_rename",
        "status": "pending",
        "summary": "Rename XH to 西湖新支行",
        "subject": f"staff.branch:{world.xh.pk}",
        "level": 0,
    }
    assert item["route"] == {
        "roles": ["collections_manager"],
        "branch": world.xh.pk,
        "committee": "",
        "quorum": 1,
    }


def test_deciding_through_the_api_returns_the_request_with_its_history(world, client, ask) -> None:
    request = ask()
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/approvals/{request.pk}/decide",
        {"approve": True, "reason": "Agreed."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["can_decide"]) == ("approved", False)
    assert [event["action"] for event in body["events"]] == ["requested", "voted", "approved"]
    assert [(v["voter"], v["approve"]) for v in body["votes"]] == [("manager_wang", True)]
    assert Branch.objects.get(pk=world.xh.pk).name == "西湖新支行"


def test_self_approval_through_the_api_is_a_403_and_changes_nothing(world, client, ask) -> None:
    request = ask("manager_wang")
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/approvals/{request.pk}/decide",
        {"approve": True, "reason": "Mine."},
    )
    assert (response.status_code, response.json()) == (
        403,
        {
            "error": {
                "code": "own_request",
                "message": "Nobody approves or rejects their own request.",
                "fields": {},
            }
        },
    )
    assert not ApprovalVote.objects.exists()


def test_a_request_outside_what_the_caller_may_see_is_a_404(world, client, ask) -> None:
    request = ask()
    response = signed_in(client, world, "agent_sun").get(f"/api/v1/approvals/{request.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_missing_reason_names_the_field(world, client, ask) -> None:
    request = ask()
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/approvals/{request.pk}/decide",
        {"approve": False, "reason": ""},
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"reason": ["Give a reason for your decision."]},
    )


def test_the_screens_show_the_inbox_and_let_a_manager_approve(world, client, ask) -> None:
    request = ask()
    manager = signed_in(client, world, "manager_wang")
    inbox = manager.get("/oversight/approvals/").content.decode()
    assert f'href="/oversight/approvals/{request.pk}/"' in inbox
    detail = manager.get(f"/oversight/approvals/{request.pk}/").content.decode()
    assert 'name="decision" value="approve"' in detail
    response = manager.post(
        f"/oversight/approvals/{request.pk}/decide/", {"decision": "approve", "reason": "Fine."}
    )
    assert response.status_code == 302
    assert Branch.objects.get(pk=world.xh.pk).name == "西湖新支行"


def test_the_requester_sees_the_request_but_no_decision_buttons(world, client, ask) -> None:
    request = ask()
    page = signed_in(client, world, "agent_li").get(f"/oversight/approvals/{request.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="approve"' not in html
    assert "Withdraw this request" in html


def test_a_refused_decision_on_the_screen_says_why(world, client, ask) -> None:
    request = ask()
    page = signed_in(client, world, "manager_wang").post(
        f"/oversight/approvals/{request.pk}/decide/", {"decision": "reject", "reason": ""}
    )
    assert page.status_code == 200
    assert "Give a reason for your decision." in page.content.decode()
