"""The privacy endpoints through HTTP: who may read and write, a consent recorded and checked,
a dry run started."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.privacy.api import ConsentPurpose
from doorstep.privacy.catalogue import CONSENT_PURPOSES

pytestmark = pytest.mark.django_db

READERS = ["compliance_zhou", "auditor_chen", "admin", "complaints_sun"]
OTHERS = ["manager_wang", "agent_li", "agent_zhao", "branch_admin_he", "legal_qian", "finance_wu"]


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def reads(world: Any) -> list[str]:
    customer = world.debtor_zhang.pk
    return [
        "/api/v1/privacy/catalogue",
        "/api/v1/privacy/notices",
        f"/api/v1/privacy/customers/{customer}",
        f"/api/v1/privacy/customers/{customer}/consents/transfer_to_buyer",
        "/api/v1/privacy/retention/runs",
    ]


def test_the_api_purposes_are_the_catalogue_consent_purposes() -> None:
    assert set(ConsentPurpose.__args__) == set(CONSENT_PURPOSES)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", READERS)
def test_privacy_readers_read_every_privacy_endpoint(world, client, name) -> None:
    as_user(client, world, name)
    for url in reads(world):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)


@pytest.mark.parametrize("name", OTHERS)
def test_other_roles_are_refused(world, client, name) -> None:
    as_user(client, world, name)
    for url in reads(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "forbidden"


def test_anonymous_gets_401(world, client) -> None:
    assert client.get("/api/v1/privacy/catalogue").status_code == 401


def test_collection_is_on_the_contract_in_the_catalogue(world, client) -> None:
    body = as_user(client, world, "auditor_chen").get("/api/v1/privacy/catalogue").json()
    bases = {item["code"]: (item["basis"], item["needs_consent"]) for item in body["purposes"]}

    assert bases["collection"] == ("contract", False)
    assert bases["transfer_to_buyer"] == ("separate_consent", True)
    assert {rule["category"] for rule in body["retention_rules"]} >= {"identity"}


def test_a_consent_given_then_withdrawn_through_the_api(world, client, notice) -> None:
    as_user(client, world, "compliance_zhou")
    url = f"/api/v1/privacy/customers/{world.debtor_zhang.pk}/consents"
    body = {
        "purpose": "transfer_to_buyer",
        "action": "given",
        "channel": "branch",
        "evidence": "form F-1",
        "at": "2026-03-01T10:00:00+08:00",
    }

    given = post(client, url, body)
    withdrawn = post(client, url, body | {"action": "withdrawn", "at": "2026-03-05T10:00:00+08:00"})
    again = post(client, url, body | {"action": "withdrawn", "at": "2026-03-06T10:00:00+08:00"})

    assert (given.status_code, withdrawn.status_code, again.status_code) == (201, 201, 409)
    check = client.get(f"{url}/transfer_to_buyer", {"at": "2026-03-02T10:00:00+08:00"}).json()
    assert check["in_force"] is True
    assert client.get(f"{url}/transfer_to_buyer").json()["in_force"] is False
    state = client.get(f"/api/v1/privacy/customers/{world.debtor_zhang.pk}").json()
    assert [item["action"] for item in state["history"]] == ["withdrawn", "given"]


def test_an_auditor_cannot_record_a_consent(world, client) -> None:
    response = post(
        as_user(client, world, "auditor_chen"),
        f"/api/v1/privacy/customers/{world.debtor_zhang.pk}/consents",
        {"purpose": "transfer_to_buyer", "action": "given", "channel": "sms", "evidence": "x"},
    )
    assert response.status_code == 403


def test_a_notice_published_and_shown_through_the_api(world, client) -> None:
    as_user(client, world, "compliance_zhou")
    published = post(client, "/api/v1/privacy/notices", {"text_zh": "告知", "text_en": "Notice"})
    shown = post(
        client,
        f"/api/v1/privacy/customers/{world.debtor_zhang.pk}/notices-shown",
        {"channel": "sms", "language": "zh-hans"},
    )

    assert (published.status_code, shown.status_code) == (201, 201)
    assert shown.json()["notice_version"] == published.json()["version"] == 1


def test_a_dry_run_started_through_the_api_stores_its_report(world, client) -> None:
    response = post(
        as_user(client, world, "compliance_zhou"),
        "/api/v1/privacy/retention/runs",
        {"dry_run": True, "as_of": "2029-01-10"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["dry_run"], body["status"]) == (True, "finished")
    assert body["report"]["customers"]["examined"] == 0
    refused = post(as_user(client, world, "auditor_chen"), "/api/v1/privacy/retention/runs", {})
    assert refused.status_code == 403


def test_an_unknown_customer_is_404(world, client) -> None:
    response = as_user(client, world, "compliance_zhou").get("/api/v1/privacy/customers/999999")
    assert response.status_code == 404


def test_impossible_times_and_days_are_refused_naming_the_field(world, client) -> None:
    as_user(client, world, "compliance_zhou")
    url = f"/api/v1/privacy/customers/{world.debtor_zhang.pk}/consents/transfer_to_buyer"

    naive = client.get(url, {"at": "2026-03-02T10:00:00"})
    ancient = client.get(url, {"at": "0001-01-01T00:00:00+14:00"})
    far = post(client, "/api/v1/privacy/retention/runs", {"as_of": "9999-12-31"})

    assert [r.status_code for r in (naive, ancient, far)] == [400, 400, 400]
    assert list(naive.json()["error"]["fields"]) == ["at"]
    assert list(far.json()["error"]["fields"]) == ["as_of"]
