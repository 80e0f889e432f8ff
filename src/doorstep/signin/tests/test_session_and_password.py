"""Sessions end after 30 idle minutes and 12 hours in all; passwords follow the policy."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from doorstep.signin.signals import SESSION_SEEN, SESSION_STARTED

pytestmark = pytest.mark.django_db


def backdate(client, key: str, seconds: int) -> None:  # type: ignore[no-untyped-def]
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_for_more_than_30_minutes_is_signed_out(world, client) -> None:
    client.force_login(world.user("agent_li"))
    backdate(client, SESSION_SEEN, 29 * 60)
    assert client.get("/cases/").status_code == 200
    backdate(client, SESSION_SEEN, 31 * 60)
    response = client.get("/cases/", follow=True)
    assert response.redirect_chain[0][0].startswith("/login/")
    assert SESSION_KEY not in client.session
    assert b"signed out after 30 minutes without activity" in response.content


def test_activity_keeps_a_session_alive_but_not_past_its_absolute_end(world, client) -> None:
    client.force_login(world.user("agent_li"))
    backdate(client, SESSION_SEEN, 5 * 60)
    client.get("/cases/")
    assert int(time.time()) - client.session[SESSION_SEEN] < 5  # activity was recorded
    backdate(client, SESSION_STARTED, 12 * 3600 + 60)
    response = client.get("/cases/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_idle_limit_is_a_setting(world, client, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(world.user("agent_li"))
    backdate(client, SESSION_SEEN, 6 * 60)
    assert client.get("/cases/").status_code == 302


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Sh0rt-pass!", "password_too_short"),
        ("agent_li-2026-secure", "password_has_username"),
        ("password1234", "password_too_common"),
        ("839201746530", "password_entirely_numeric"),
    ],
)
def test_weak_passwords_are_refused(world, password: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=world.user("agent_li"))
    assert code in {error.code for error in refused.value.error_list}


def test_a_long_unrelated_password_is_accepted(world) -> None:
    validate_password("larch-Ferry-quota-71", user=world.user("agent_li"))


def test_the_password_change_page_applies_the_policy(world, client) -> None:
    user = world.user("agent_li")
    client.force_login(user)
    refused = client.post(
        "/account/password/",
        {
            "old_password": "doorstep-demo",
            "new_password1": "agent_li-2026-secure",
            "new_password2": "agent_li-2026-secure",
        },
    )
    assert refused.status_code == 200
    assert b"must not contain your username" in refused.content
    accepted = client.post(
        "/account/password/",
        {
            "old_password": "doorstep-demo",
            "new_password1": "larch-Ferry-quota-71",
            "new_password2": "larch-Ferry-quota-71",
        },
    )
    assert accepted["Location"] == "/account/password/done/"
    user.refresh_from_db()
    assert user.check_password("larch-Ferry-quota-71")
