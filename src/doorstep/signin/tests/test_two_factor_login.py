"""Two-factor sign-in in the browser: the code after the password, enrolment, recovery codes,
the demo exemption and an administrator's reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstep.signin import services
from doorstep.signin.policy import DEMO_LOGINS, requires_two_factor
from doorstep.signin.tests.conftest import code_of, enrol, wrong_code

pytestmark = pytest.mark.django_db

PASSWORD = "doorstep-demo"


def sign_in(client, username: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_the_password_alone_does_not_sign_in_an_enrolled_user(world, client) -> None:
    device = enrol(world.user("branch_admin_he"))
    response = sign_in(client, "branch_admin_he")
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in-code/"
    assert SESSION_KEY not in client.session
    assert client.get("/cases/")["Location"].startswith("/login/")

    wrong = client.post("/account/sign-in-code/", {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert b"That code is not right" in wrong.content
    assert SESSION_KEY not in client.session

    right = client.post("/account/sign-in-code/", {"code": code_of(device)})
    assert right.status_code == 302
    assert right["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_the_code_page_keeps_the_next_address(world, client) -> None:
    device = enrol(world.user("branch_admin_he"))
    client.post(
        "/login/",
        {"username": "branch_admin_he", "password": PASSWORD, "next": "/oversight/"},
    )
    response = client.post("/account/sign-in-code/", {"code": code_of(device)})
    assert response["Location"] == "/oversight/"


def test_the_code_page_without_a_password_step_goes_back_to_sign_in(world, client) -> None:
    response = client.get("/account/sign-in-code/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_user_without_a_device_must_enrol_before_anything_else(world, client) -> None:
    user = world.user("branch_admin_he")
    sign_in(client, "branch_admin_he")
    for path in ("/cases/", "/oversight/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/two-factor/"), path
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"

    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    secret = re.search(rb"data-secret>([A-Z2-7]+)<", page.content)
    assert secret is not None
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    assert client.post("/account/two-factor/", {"code": wrong_code(device)}).status_code == 200
    assert not services.has_device(user)
    # The page that says the code was wrong shows a new secret: the old one is gone.
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    done = client.post("/account/two-factor/", {"code": code_of(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = re.findall(rb"<li><code>([a-z2-7]{8})</code></li>", done.content)
    assert len(codes) == services.RECOVERY_CODES
    assert services.has_device(user)
    assert client.get("/cases/").status_code == 200


def test_each_visit_of_the_enrolment_page_shows_a_new_secret(world, client) -> None:
    sign_in(client, "branch_admin_he")
    first = re.search(rb"data-secret>([A-Z2-7]+)<", client.get("/account/two-factor/").content)
    second = re.search(rb"data-secret>([A-Z2-7]+)<", client.get("/account/two-factor/").content)
    assert first
    assert second
    assert first.group(1) != second.group(1)
    assert TOTPDevice.objects.filter(user=world.user("branch_admin_he")).count() == 1


def test_a_recovery_code_signs_in_once(world, client) -> None:
    user = world.user("branch_admin_he")
    enrol(user)
    code = services.recovery_codes_issue(user=user)[0]
    sign_in(client, "branch_admin_he")
    assert client.post("/account/sign-in-code/", {"code": code})["Location"] == "/cases/"
    assert not StaticToken.objects.filter(token=code).exists()

    client.logout()
    sign_in(client, "branch_admin_he")
    again = client.post("/account/sign-in-code/", {"code": code})
    assert again.status_code == 200
    assert SESSION_KEY not in client.session


def test_only_the_printed_demo_logins_skip_the_second_factor(world, client, settings) -> None:
    assert requires_two_factor(world.user("agent_li")) is False
    assert requires_two_factor(world.user("branch_admin_he")) is True
    assert set(DEMO_LOGINS) == {
        "admin",
        "manager_wang",
        "agent_li",
        "agent_zhao",
        "compliance_zhou",
        "auditor_chen",
        "complaints_sun",
        "agency_liu",
    }
    assert sign_in(client, "agent_li")["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200

    settings.PRODUCTION = True
    assert requires_two_factor(world.user("agent_li")) is True
    settings.PRODUCTION = False
    settings.DOORSTEP_REQUIRE_2FA = False
    assert requires_two_factor(world.user("branch_admin_he")) is False


def test_the_login_page_says_which_logins_are_exempt(client, settings) -> None:
    page = client.get("/login/").content.decode()
    assert "only these demo logins may sign in with the password alone" in page
    settings.PRODUCTION = True
    page = client.get("/login/").content.decode()
    assert "only these demo logins" not in page
    assert "you will be asked for the code from your authenticator app" in page


def test_an_administrator_can_reset_a_users_device(world, client) -> None:
    target = world.user("branch_admin_he")
    enrol(target)
    services.recovery_codes_issue(user=target)
    admin = world.user("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)  # a demo login: no second factor
    response = client.post(
        "/admin/staff/staffmember/",
        {
            "action": "reset_two_factor",
            "_selected_action": [world.branch_admin_he.pk],
        },
    )
    assert response.status_code == 302
    assert not services.has_device(target)
    assert services.recovery_codes_left(user=target) == 0

    client.logout()
    sign_in(client, "branch_admin_he")
    assert client.get("/cases/")["Location"].startswith("/account/two-factor/")


def test_a_session_signed_in_without_the_code_is_sent_back_to_sign_in(world, client) -> None:
    user = world.user("branch_admin_he")
    enrol(user)
    client.force_login(user)  # e.g. a session from before two-factor sign-in was required
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert SESSION_KEY not in client.session
