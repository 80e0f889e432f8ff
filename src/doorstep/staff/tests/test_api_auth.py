"""Signing in to the API: bearer tokens for scripts, the session (with CSRF) for the browser."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.utils import timezone

from doorstep.staff.models import ApiToken
from doorstep.staff.tokens import TOKEN_PREFIX

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def token_for(client: Client, username: str, password: str = settings.DEMO_PASSWORD) -> str:
    response = client.post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_staff_member_gets_a_token_that_signs_requests_in(world, client) -> None:
    token = token_for(client, "agent_li")
    assert token.startswith(TOKEN_PREFIX)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "id": world.agent_li.pk,
        "username": "agent_li",
        "display_name": "agent_li",
        "role": "field_agent",
        "role_label": "Field agent",
        "branch": {"id": world.xh.pk, "code": "XH", "name": "西湖支行"},
        "team": "外访一组",
    }


def test_the_token_is_stored_only_as_its_digest(world, client) -> None:
    token = token_for(client, "agent_li")
    row = ApiToken.objects.get(user=world.user("agent_li"))
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=token).exists()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert all(token not in value for value in stored)


def test_a_token_lasts_twelve_hours(world, client) -> None:
    before = timezone.now()
    token_for(client, "agent_li")
    row = ApiToken.objects.get(user=world.user("agent_li"))
    lifetime = row.expires_at - before
    assert timedelta(hours=12) <= lifetime < timedelta(hours=12, seconds=5)


def test_an_expired_token_is_refused(world, client) -> None:
    token = token_for(client, "agent_li")
    ApiToken.objects.filter(user=world.user("agent_li")).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Sign in or send a valid bearer token.",
            "fields": {},
        }
    }


def test_deleting_the_token_revokes_it(world, client) -> None:
    token = token_for(client, "agent_li")
    other = token_for(client, "agent_li")
    response = client.delete(TOKEN_URL, headers=bearer(token))
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.delete(TOKEN_URL, headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    revoked = ApiToken.objects.exclude(revoked_at=None).get()
    assert revoked.digest == hashlib.sha256(token.encode()).hexdigest()


def test_a_wrong_password_gets_no_token(world, client) -> None:
    response = client.post(
        TOKEN_URL, {"username": "agent_li", "password": "guess"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "Wrong username or password.",
            "fields": {},
        }
    }
    assert ApiToken.objects.count() == 0


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(world, client) -> None:
    response = client.post(
        TOKEN_URL, {"username": "nobody", "password": "guess"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials")


def test_an_inactive_user_gets_no_token(world, client) -> None:
    user = world.user("agent_li")
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.post(
        TOKEN_URL,
        {"username": "agent_li", "password": settings.DEMO_PASSWORD},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials")
    assert ApiToken.objects.count() == 0


def test_deactivating_a_user_ends_their_tokens(world, client) -> None:
    token = token_for(client, "agent_li")
    user = world.user("agent_li")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_user_without_a_staff_profile_gets_no_token(world, client, django_user_model) -> None:
    django_user_model.objects.create_user(username="outsider", password=settings.DEMO_PASSWORD)
    response = client.post(
        TOKEN_URL,
        {"username": "outsider", "password": settings.DEMO_PASSWORD},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials")


def test_a_deactivated_staff_profile_ends_its_tokens(world, client) -> None:
    token = token_for(client, "agent_li")
    world.agent_li.is_active = False
    world.agent_li.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_an_otp_is_accepted_and_ignored_for_now(world, client) -> None:
    response = client.post(
        TOKEN_URL,
        {"username": "agent_li", "password": settings.DEMO_PASSWORD, "otp": "123456"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}


def test_a_missing_password_names_the_field(world, client) -> None:
    response = client.post(TOKEN_URL, {"username": "agent_li"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {"password": ["This field is required."]},
        }
    }


def test_no_credentials_at_all_answers_401(world, client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_garbage_bearer_token_answers_401(world, client) -> None:
    response = client.get("/api/v1/me", headers=bearer("dst_not-a-real-token"))
    assert response.status_code == 401


def test_the_browser_session_signs_requests_in(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert (response.json()["username"], response.json()["role"]) == (
        "manager_wang",
        "collections_manager",
    )


def test_a_session_user_without_a_staff_profile_is_refused(world, client, django_user_model):  # type: ignore[no-untyped-def]
    outsider = django_user_model.objects.create_user(username="outsider", password="x")
    client.force_login(outsider)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "no_staff_profile",
            "message": "This user has no staff profile.",
            "fields": {},
        }
    }


def test_a_session_write_without_the_csrf_token_is_refused(world) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("agent_li"))
    response = browser.post(
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "note", "body": "Called, no answer."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert world.zhang_case.entries.count() == 0


def test_a_session_write_with_the_csrf_token_goes_through(world) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("agent_li"))
    secret = "k" * CSRF_SECRET_LENGTH  # what the CSRF cookie of any page of the app holds
    browser.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = browser.post(
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "note", "body": "Called, no answer."},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 201
    assert world.zhang_case.entries.get().body == "Called, no answer."


def test_a_bearer_write_needs_no_csrf_token(world) -> None:
    script = Client(enforce_csrf_checks=True)
    token = token_for(script, "agent_li")
    response = script.post(
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "note", "body": "Visited, left a card."},
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 201
