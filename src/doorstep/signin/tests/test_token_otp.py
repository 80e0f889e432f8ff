"""The API's token endpoint asks for the authenticator's code (``otp``) where two factors
apply, and shares the lockout with the sign-in page."""

from __future__ import annotations

import pytest

from doorstep.signin.tests.conftest import code_of, enrol, wrong_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "doorstep-demo"


def ask(client, username: str, password: str = PASSWORD, otp: str | None = None):  # type: ignore[no-untyped-def]
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post(TOKEN_URL, body, content_type="application/json")


def test_a_user_who_needs_two_factors_gets_a_token_only_with_the_code(world, client) -> None:
    device = enrol(world.user("branch_admin_he"))

    missing = ask(client, "branch_admin_he")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "otp_required"
    assert list(missing.json()["error"]["fields"]) == ["otp"]

    wrong = ask(client, "branch_admin_he", otp=wrong_code(device))
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "otp_invalid"
    assert list(wrong.json()["error"]["fields"]) == ["otp"]

    right = ask(client, "branch_admin_he", otp=code_of(device))
    assert right.status_code == 200
    assert list(right.json()) == ["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {right.json()['token']}"})
    assert me.json()["username"] == "branch_admin_he"


def test_a_user_without_a_device_is_told_to_enrol_first(world, client) -> None:
    response = ask(client, "branch_admin_he", otp="123456")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_not_set_up"
    assert list(response.json()["error"]["fields"]) == ["otp"]


def test_a_demo_login_needs_no_code_outside_production(world, client) -> None:
    assert ask(client, "agent_li").status_code == 200


def test_a_wrong_password_still_answers_invalid_credentials(world, client) -> None:
    response = ask(client, "branch_admin_he", password="not-the-password")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_repeated_wrong_codes_lock_the_token_endpoint(world, client, settings) -> None:
    device = enrol(world.user("branch_admin_he"))
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert ask(client, "branch_admin_he", otp=wrong_code(device)).status_code == 401
    locked = ask(client, "branch_admin_he", otp=wrong_code(device))
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert "Retry-After" in locked
    # Locked: even the right password and code are refused until the cool-off ends.
    again = ask(client, "branch_admin_he", otp=code_of(device))
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "locked_out"
