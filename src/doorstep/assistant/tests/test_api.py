"""The assistant over HTTP: the promised shapes, errors naming the field, the token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.assistant.tests.test_services import SENT, last_code


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> None:
    settings.ASSISTANT_SMS_GATEWAY = "doorstep.assistant.tests.test_services.capture"
    SENT.clear()


def _post(client: Client, path: str, data: dict[str, Any], token: str = "") -> Any:
    headers = {"HTTP_X_CONVERSATION_TOKEN": token} if token else {}
    return client.post(f"/api/v1/assistant{path}", data, content_type="application/json", **headers)


def test_ask_answers_a_general_question_without_login_in_the_promised_shape(db: Any) -> None:
    response = _post(Client(), "/ask", {"question": "停息挂账怎么办理？", "lang": "zh-hans"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer", "sources", "confident", "action"}
    assert body["confident"] is True
    assert body["sources"][0]["slug"] == "interest-free-instalments"
    assert set(body["sources"][0]) == {"slug", "title", "score"}
    assert "个性化分期" in body["answer"]


def test_ask_refuses_an_empty_question_naming_the_field(db: Any) -> None:
    response = _post(Client(), "/ask", {"question": "  ", "lang": "en"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["question"]


def test_self_service_without_a_conversation_token_is_401(db: Any) -> None:
    response = _post(Client(), "/requests", {"kind": "plan"})
    assert response.status_code == 401


def test_a_debtor_verifies_sees_the_dues_and_asks_for_a_plan(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    token = _post(client, "/conversations", {"lang": "en"}).json()["token"]
    asked = _post(client, "/messages", {"question": "how do instalments work"}, token)
    assert asked.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(client, "/identity", {"phone": "13912345678", "id_last4": "1234"}, token)
    assert sent.status_code == 202
    code = last_code()
    summary = _post(client, "/identity/confirm", {"code": code}, token)
    assert summary.status_code == 200
    assert summary.json()["reference"] == world.zhang_case.reference
    assert summary.json()["past_due"] == "2000.00"
    complaint = _post(client, "/complaints", {"description": "半夜打电话骚扰"}, token)
    assert complaint.status_code == 201
    assert len(complaint.json()["access_code"]) == 8
    task = _post(client, "/requests", {"kind": "plan", "note": "60 months"}, token)
    assert task.status_code == 201
    assert task.json()["kind"] == "plan"
    staff = Client()
    staff.force_login(world.user("agent_li"))
    listed = staff.get(f"/api/v1/cases/{world.zhang_case.pk}/assistant-tasks").json()
    assert [t["kind"] for t in listed] == ["plan"]
    outsider = Client()
    outsider.force_login(world.user("agent_sun"))
    assert outsider.get(f"/api/v1/cases/{world.zhang_case.pk}/assistant-tasks").status_code == 404


def test_the_chat_page_is_public_and_chinese_by_default(db: Any) -> None:
    response = Client().get("/assistant/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_compliance_drafts_and_a_second_officer_reviews_over_the_api(world: Any) -> None:
    from doorstep.core.testing import make_staff
    from doorstep.staff.models import Role

    zhou = Client()
    zhou.force_login(world.user("compliance_zhou"))
    url = "/api/v1/assistant/articles/being-sued/en/drafts"
    body = {"title": "Sued?", "body": "Text.", "cites": ["Civil Code, Art 188"]}
    created = zhou.post(url, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    agent = Client()
    agent.force_login(world.user("agent_li"))
    assert agent.post(url, body, content_type="application/json").status_code == 403
    review = f"/api/v1/assistant/article-versions/{created.json()['id']}/review"
    own = zhou.post(review, {"approve": True}, content_type="application/json")
    assert own.status_code == 403
    ma = Client()
    ma.force_login(make_staff("compliance_ma", Role.COMPLIANCE_OFFICER).user)
    reviewed = ma.post(review, {"approve": True}, content_type="application/json")
    assert reviewed.json()["status"] == "reviewed"
    assert reviewed.json()["reviewer"] == "compliance_ma"
