"""Internal audit through HTTP: the API as an integration calls it, and the screens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.cases.services import case_add_entry
from doorstep.oversight.audit.checklist import CHECKLIST
from doorstep.oversight.models import AuditCampaign, Remediation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def notes(world) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        case_add_entry(
            case=world.zhang_case, author=world.user("agent_li"), kind="note", body=f"电话 {n}"
        )


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def campaign_body() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "Notes Q4",
        "population_kind": "entries",
        "period_start": str(today - timedelta(days=7)),
        "period_end": str(today),
        "method": "simple",
        "size": 3,
    }


def test_an_auditor_draws_reviews_and_remediates_over_the_api(world, client, notes) -> None:
    client.force_login(world.user("auditor_chen"))
    drawn = post(client, "/api/v1/audit/campaigns", campaign_body())
    assert drawn.status_code == 201
    body = drawn.json()
    assert (body["population_size"], len(body["items"]), body["reproduces"]) == (5, 3, True)
    item = body["items"][0]["id"]
    review = post(
        client,
        f"/api/v1/audit/items/{item}/review",
        {"results": {**dict.fromkeys(CHECKLIST, "pass"), "purpose_stated": "fail"}, "note": "无"},
    )
    assert review.json()["status"] == "reviewed"
    finding = post(
        client, f"/api/v1/audit/items/{item}/findings", {"severity": "medium", "description": "x"}
    ).json()
    action = post(
        client,
        f"/api/v1/audit/findings/{finding['id']}/remediation",
        {
            "owner": world.manager_wang.employee_number,
            "action": "复训",
            "due_on": str(timezone.localdate()),
        },
    )
    assert action.status_code == 201
    client.force_login(world.user("manager_wang"))
    done = post(client, f"/api/v1/audit/remediation/{action.json()['id']}/done", {"note": "ok"})
    assert done.json()["status"] == "done"
    report = client.get(f"/api/v1/audit/campaigns/{body['id']}")
    assert report.status_code == 404  # managers see remediation, not campaigns


def test_a_review_missing_an_item_is_a_400_naming_it(world, client, notes) -> None:
    client.force_login(world.user("auditor_chen"))
    item = post(client, "/api/v1/audit/campaigns", campaign_body()).json()["items"][0]["id"]
    response = post(client, f"/api/v1/audit/items/{item}/review", {"results": {}})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["identity_stated"]


def test_a_manager_cannot_draw(world, client, notes) -> None:
    client.force_login(world.user("manager_wang"))
    response = post(client, "/api/v1/audit/campaigns", campaign_body())
    assert response.status_code == 403
    assert AuditCampaign.objects.count() == 0


def test_the_screens_draw_review_and_verify(world, client, notes) -> None:
    client.force_login(world.user("auditor_chen"))
    today = timezone.localdate()
    form = {
        **campaign_body(),
        "branch": "",
        "strata_by": "",
        "period_start": today,
        "period_end": today,
    }
    response = client.post("/oversight/audit/", form)
    campaign = AuditCampaign.objects.get()
    assert response.status_code == 302
    page = client.get(f"/oversight/audit/{campaign.pk}/").content.decode()
    assert "same sample ✓" in page
    item = campaign.items.first()
    review = {f"review-{code}": "pass" for code in CHECKLIST}
    assert client.post(f"/oversight/audit/items/{item.pk}/review/", review).status_code == 302
    client.post(
        f"/oversight/audit/items/{item.pk}/findings/",
        {
            "finding-severity": "low",
            "finding-description": "签到照片模糊",
            "finding-checklist_item": "",
        },
    )
    finding = item.findings.get()
    client.post(
        f"/oversight/audit/items/{item.pk}/remediation/",
        {
            "action-finding": finding.pk,
            "action-owner": world.manager_wang.pk,
            "action-action": "重拍",
            "action-due_on": today,
        },
    )
    action = Remediation.objects.get()
    client.force_login(world.user("manager_wang"))
    row = client.post(
        f"/oversight/remediation/{action.pk}/",
        {"decision": "done", "note": "已重拍"},
        HTTP_HX_REQUEST="true",
    )
    assert f'id="remediation-{action.pk}"' in row.content.decode()
    client.force_login(world.user("auditor_chen"))
    client.post(f"/oversight/remediation/{action.pk}/", {"decision": "accept", "note": ""})
    action.refresh_from_db()
    assert action.status == "verified"
    assert client.get("/oversight/remediation/?all=1").status_code == 200
    assert client.get(f"/oversight/audit/items/{item.pk}/").status_code == 200
