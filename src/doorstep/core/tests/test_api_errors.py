"""Every error under /api/ has one body, ``{"error": {"code", "message", "fields"}}``, whoever
produced it: a schema, a service, the auth check, Django's URL resolver, or a crash."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from doorstep.core.api_errors import error_body, field_name, fields_from_validation
from doorstep.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

SECRET = "db-password-is-hunter2"


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


# The site's URLs plus one view under /api/ that crashes, for the 500 tests (see ``urls`` mark).
urlpatterns = [path("api/v1/explode", explode), *site_urlpatterns]


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def manager(world, client):  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_wang"))
    return client


def test_a_validation_error_names_the_fields_as_the_client_sent_them(manager) -> None:
    response = manager.get("/api/v1/cases?page=0&bucket=M9&sort=size&min_dpd=soon")
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {
                "bucket": [
                    "Choose one of: 'current', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6' or 'M6+'."
                ],
                "sort": [
                    "Choose one of: dpd, -dpd, amount, -amount, opened, -opened, reference, "
                    "-reference, customer, -customer."
                ],
                "min_dpd": ["Enter a whole number."],
                "page": ["Enter a value of at least 1."],
            },
        }
    }


def test_a_body_field_is_named_without_ninjas_parameter_name(world, manager) -> None:
    response = manager.post(
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "memo", "body": 7},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "kind": ["Choose one of: 'note' or 'message'."],
        "body": ["Enter text."],
    }


def test_a_missing_body_belongs_to_no_field(world, manager) -> None:
    response = manager.post("/api/v1/auth/token", "", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"__all__": ["This field is required."]}


def test_a_domain_error_keeps_its_status_code_and_field(world, client) -> None:
    client.force_login(world.user("manager_liu"))
    response = client.post(
        f"/api/v1/cases/{world.huang_case.pk}/transition",
        {"status": "active"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "transition_refused",
            "message": "Assign an agent before work starts on the case.",
            "fields": {"status": ["Assign an agent before work starts on the case."]},
        }
    }


def test_malformed_json_answers_400(world, manager) -> None:
    response = manager.post(
        "/api/v1/auth/token", '{"username": "agent_li",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "malformed_body",
            "message": "The request body is not valid JSON.",
            "fields": {},
        }
    }


def test_an_unknown_api_path_answers_json_404(manager) -> None:
    for method in (manager.get, manager.post, manager.delete):
        response = method("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == error_body("not_found", "Not found.")


def test_an_unknown_api_path_answers_json_404_without_signing_in(client, db) -> None:
    response = client.get("/api/nothing/here")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_a_case_out_of_scope_answers_the_same_404_as_a_missing_one(world, client) -> None:
    client.force_login(world.user("agent_sun"))
    hidden = client.get(f"/api/v1/cases/{world.zhang_case.pk}")
    missing = client.get("/api/v1/cases/999999")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json() == missing.json() == error_body("not_found", "Not found.")


def test_a_denied_action_answers_403(world, client) -> None:
    client.force_login(world.user("auditor_chen"))
    response = client.post(
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "note", "body": "Sampled."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == error_body("forbidden", "Your role may not do this.")


def test_a_wrong_method_answers_json_405_with_the_allowed_ones(manager) -> None:
    response = manager.put("/api/v1/me")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == error_body(
        "method_not_allowed", "This address does not accept that method."
    )


def test_unauthenticated_answers_401(world, client) -> None:
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json() == error_body(
        "not_authenticated", "Sign in or send a valid bearer token."
    )


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_answers_json_500_without_its_details(db, settings, debug) -> None:
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/api/v1/explode")
    assert response.status_code == 500
    assert response.json() == error_body(
        "server_error", "Something went wrong on our side. It has been logged."
    )
    assert SECRET not in response.content.decode()


@pytest.mark.urls(__name__)
def test_pages_outside_the_api_keep_their_html_errors(db) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_messages_follow_the_requests_language(world, client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        {"username": "agent_li"},
        content_type="application/json",
        headers={"Accept-Language": "zh-hans"},
    )
    assert response.json()["error"]["fields"] == {"password": ["这个字段是必填项。"]}


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (("query", "filters", "bucket", 0), "bucket"),
        (("query", "ninja_pagination", "page"), "page"),
        (("path", "case_id"), "case_id"),
        (("body", "payload", "username"), "username"),
        (("body", "payload", "body"), "body"),
        (("body", "payload"), "__all__"),
        (("body", "payload", "accounts", 2, "amount"), "accounts.amount"),
        ((), "__all__"),
    ],
)
def test_a_field_is_named_as_the_client_sent_it(location, name) -> None:
    assert field_name(location) == name


def test_problems_of_one_field_are_listed_once_each() -> None:
    errors = [
        {"loc": ("query", "filters", "bucket", 0), "type": "enum", "ctx": {"expected": "'M1'"}},
        {"loc": ("query", "filters", "bucket", 1), "type": "enum", "ctx": {"expected": "'M1'"}},
        {"loc": ("query", "filters", "q"), "type": "some_new_type", "msg": "Pydantic says no"},
    ]
    assert fields_from_validation(errors) == {
        "bucket": ["Choose one of: 'M1'."],
        "q": ["Pydantic says no"],
    }


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("get", "/api/v1/cases?q=%00", None, "q"),
        ("get", "/api/v1/cases?page=100000000000000000000", None, "page"),
        ("get", "/api/v1/cases?branch=100000000000000000000", None, "branch"),
        ("get", "/api/v1/cases/100000000000000000000", None, "case_id"),
        ("post", "/api/v1/auth/token", {"username": "a\x00", "password": "x"}, "username"),
        ("post", "/api/v1/cases/{zhang}/entries", {"kind": "note", "body": "a\x00b"}, "body"),
        (
            "post",
            "/api/v1/cases/{zhang}/transition",
            {"status": "legal", "reason": "\x00"},
            "reason",
        ),
        (  # Python takes an offset up to ±23:59, PostgreSQL only to ±15:59
            "post",
            "/api/v1/compliance/decide",
            {"case_id": "{zhang}", "channel": "call", "at": "2026-07-01T10:00:00+16:00"},
            "at",
        ),
    ],
)
def test_input_the_database_cannot_hold_answers_422_not_500(
    world, manager, method, url, payload, field
) -> None:
    url = url.format(zhang=world.zhang_case.pk)
    if payload and payload.get("case_id") == "{zhang}":
        payload = {**payload, "case_id": world.zhang_case.pk}
    if method == "get":
        response = manager.get(url)
    else:
        response = manager.post(url, payload, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
