"""Repeated failed sign-ins lock the account (5) and the address (20), with a clear message;
the lockout ends after the cool-off or when an administrator unlocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from doorstep.signin import lockout

pytestmark = pytest.mark.django_db

PASSWORD = "doorstep-demo"


def attempt(client, username: str, password: str, address: str = "10.1.1.1"):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account(world, client) -> None:
    for _ in range(4):
        assert attempt(client, "agent_li", "wrong-password").status_code == 200
    locked = attempt(client, "agent_li", "wrong-password")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts. Try again in 15 minutes" in locked.content
    # The right password does not help while locked, from another address either.
    right = attempt(client, "agent_li", PASSWORD, address="10.9.9.9")
    assert right.status_code == 429
    assert SESSION_KEY not in client.session
    # Another account from the same address is not locked.
    assert attempt(client, "agent_zhao", PASSWORD)["Location"] == "/cases/"


def test_an_administrator_can_unlock(world, client) -> None:
    for _ in range(5):
        attempt(client, "agent_li", "wrong-password")
    assert attempt(client, "agent_li", PASSWORD).status_code == 429
    assert lockout.unlock(username="agent_li") >= 1
    assert attempt(client, "agent_li", PASSWORD)["Location"] == "/cases/"


def test_the_lockout_ends_after_the_cool_off(world, client) -> None:
    for _ in range(5):
        attempt(client, "agent_li", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "agent_li", PASSWORD)["Location"] == "/cases/"


def test_many_failures_from_one_address_lock_the_address(world, client, settings) -> None:
    settings.LOGIN_FAILURE_LIMIT_IP = 6
    names = ["nobody_a", "nobody_b", "nobody_c"]
    for index in range(6):
        attempt(client, names[index % 3], "wrong-password", address="10.2.2.2")
    assert attempt(client, "agent_li", PASSWORD, address="10.2.2.2").status_code == 429
    assert attempt(client, "agent_li", PASSWORD, address="10.3.3.3")["Location"] == "/cases/"
    lockout.unlock(ip_address="10.2.2.2")
    client.logout()
    assert attempt(client, "agent_li", PASSWORD, address="10.2.2.2")["Location"] == "/cases/"


def test_the_admin_action_unlocks_a_staff_member(world, client) -> None:
    for _ in range(5):
        attempt(client, "agent_li", "wrong-password")
    admin = world.user("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(
        "/admin/staff/staffmember/",
        {"action": "unlock_sign_in", "_selected_action": [world.agent_li.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="agent_li").exists()
