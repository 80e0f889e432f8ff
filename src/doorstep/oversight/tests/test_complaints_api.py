"""Complaints over the JSON API, as an integration calls it: intake, the handling steps, the
one error body, and statistics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.oversight.models import Complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


INTAKE = {
    "channel": "phone",
    "category": "third_party",
    "name": "黄丽",
    "phone": "13787654321",
    "description": "催收员给我单位打电话。",
}


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def sun(world, client) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(world.user("complaints_sun"))
    return client


def test_intake_answers_201_with_the_access_code_and_masked_contact(sun) -> None:
    response = post(sun, "/api/v1/complaints", INTAKE)
    assert response.status_code == 201
    body = response.json()
    assert len(body["access_code"]) == 8
    assert body["complaint"]["complainant"] == {"name": "黄*", "phone": "137****4321", "email": ""}
    assert body["complaint"]["status"] == "received"
    assert [event["action"] for event in body["complaint"]["events"]] == ["received"]


def test_a_bad_category_is_a_422_naming_the_field(sun) -> None:
    response = post(sun, "/api/v1/complaints", {**INTAKE, "category": "rude"})
    assert response.status_code == 422
    assert "category" in response.json()["error"]["fields"]


def test_handling_steps_end_in_a_verified_closure(world, client, sun) -> None:
    reference = post(sun, "/api/v1/complaints", INTAKE).json()["complaint"]["reference"]
    base = f"/api/v1/complaints/{reference}"
    assert post(sun, base + "/acknowledge", {"start": True}).json()["status"] == "investigating"
    linked = post(sun, base + "/link", {"case": world.huang_case.reference}).json()
    assert (linked["case"], linked["branch"], linked["hold_in_force"]) == (
        world.huang_case.reference,
        "BJ",
        True,
    )
    resolved = post(
        sun,
        base + "/resolve",
        {"outcome": "not_upheld", "root_cause": "no_fault", "remedy": "解释联系记录。"},
    ).json()
    assert resolved["status"] == "resolved"
    own = post(sun, base + "/verify", {"accept": True, "note": "ok"})
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "same_person"
    client.force_login(world.user("compliance_zhou"))
    closed = post(client, base + "/verify", {"accept": True, "note": "已核对通话记录。"}).json()
    assert (closed["status"], closed["hold_in_force"]) == ("closed", False)


def test_an_unknown_agent_number_is_a_400_naming_the_field(sun) -> None:
    reference = post(sun, "/api/v1/complaints", INTAKE).json()["complaint"]["reference"]
    response = post(sun, f"/api/v1/complaints/{reference}/link", {"agent": "E99999"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "agent": ["No staff member has the employee number “E99999”."]
    }
    assert Complaint.objects.get().agent is None


def test_a_manager_of_another_branch_gets_404(world, client, sun) -> None:
    reference = post(sun, "/api/v1/complaints", INTAKE).json()["complaint"]["reference"]
    post(sun, f"/api/v1/complaints/{reference}/link", {"case": world.huang_case.reference})
    client.force_login(world.user("manager_wang"))
    assert client.get(f"/api/v1/complaints/{reference}").status_code == 404
    client.force_login(world.user("manager_liu"))
    assert client.get(f"/api/v1/complaints/{reference}").status_code == 200


def test_the_list_and_statistics(sun) -> None:
    post(sun, "/api/v1/complaints", INTAKE)
    listing = sun.get("/api/v1/complaints?status=open").json()
    assert listing["count"] == 1
    stats = sun.get("/api/v1/complaints/stats").json()
    assert stats["by_category"] == [{"key": "third_party", "count": 1}]
    assert stats["total"] == 1
