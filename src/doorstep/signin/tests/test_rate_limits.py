"""Debtor-facing pages and API are limited per address, answering 429 (JSON under /api/)."""

from __future__ import annotations

import pytest
from django.test import Client

from doorstep.signin.ratelimit import Limit, hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):  # type: ignore[no-untyped-def]
    settings.DOORSTEP_RATE_LIMITS = [
        ("assistant-api", r"^/api/v1/assistant/(?!article)", "3/60"),
        ("assistant-pages", r"^/assistant/($|articles/)", "3/60"),
        ("complaints-pages", r"^/complaints/", "3/60"),
    ]


def ask(client: Client, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/assistant/ask",
        {"question": "How do I repay?", "lang": "en"},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_the_assistant_api_answers_429_with_the_error_body(world, tight) -> None:
    client = Client()
    for _ in range(3):
        assert ask(client).status_code == 200
    refused = ask(client)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "60"
    assert ask(client, address="10.0.0.2").status_code == 200  # per address


def test_the_public_pages_answer_429_with_a_page(world, tight) -> None:
    client = Client()
    for _ in range(3):
        assert client.get("/complaints/", REMOTE_ADDR="10.0.0.3").status_code == 200
    refused = client.get("/complaints/", REMOTE_ADDR="10.0.0.3")
    assert refused.status_code == 429
    assert b"Too many requests from your address" in refused.content
    for _ in range(3):
        assert client.get("/assistant/", REMOTE_ADDR="10.0.0.3").status_code == 200
    assert client.get("/assistant/", REMOTE_ADDR="10.0.0.3").status_code == 429


def test_staff_screens_under_the_same_prefix_are_not_limited(world, tight) -> None:
    client = Client()
    client.force_login(world.user("agent_li"))
    for _ in range(5):
        assert client.get("/assistant/tasks/", REMOTE_ADDR="10.0.0.4").status_code == 200


def test_behind_a_proxy_the_address_it_saw_counts(world, tight, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for _ in range(3):
        ask(client, address="127.0.0.1")  # a forged left-hand entry does not help
    spoofed = client.post(
        "/api/v1/assistant/ask",
        {"question": "hi", "lang": "en"},
        content_type="application/json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9",
    )
    assert spoofed.status_code == 200  # 10.0.0.9 is a different caller from 127.0.0.1's ...
    for _ in range(2):
        client.post(
            "/api/v1/assistant/ask",
            {"question": "hi", "lang": "en"},
            content_type="application/json",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"5.6.7.{_}, 10.0.0.9",
        )
    fourth = client.post(
        "/api/v1/assistant/ask",
        {"question": "hi", "lang": "en"},
        content_type="application/json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.0.9",
    )
    assert fourth.status_code == 429  # ... and changing the forged entry does not reset it


def test_the_complaint_form_uses_the_same_limiter(world) -> None:
    client = Client()
    for _ in range(5):
        client.post("/complaints/", {}, REMOTE_ADDR="10.0.0.5")
    assert client.post("/complaints/", {}, REMOTE_ADDR="10.0.0.5").status_code == 429
    assert hit("complaints-file", "10.0.0.5", Limit(5, 3600))  # the same counter


def test_a_limit_is_parsed_strictly() -> None:
    assert Limit.parse("60/60") == Limit(60, 60)
    with pytest.raises(ValueError, match="positive"):
        Limit.parse("0/60")
