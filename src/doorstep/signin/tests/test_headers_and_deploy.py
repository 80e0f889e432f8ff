"""Security headers on every page, secure cookies in production, and a clean deploy check."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DOORSTEP_ENV": "production",
    "SECRET_KEY": "p" * 20 + "production-secret-for-the-sign-in-deploy-check-0123",
    "ALLOWED_HOSTS": "doorstep.bank.example",
    "DATABASE_URL": "sqlite:////tmp/doorstep-signin-deploy-check.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "TRUSTED_PROXY_COUNT": "1",
}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DOORSTEP_REQUIRE_2FA", "CACHE_URL"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "doorstep.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pages_carry_the_security_headers(client) -> None:
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert re.search(r"script-src 'self' 'nonce-[^']+'", csp)
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("style-src-attr")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "microphone=(self)" in response["Permissions-Policy"]


def test_the_api_carries_them_too(client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_session_and_csrf_cookies_are_lax_and_the_session_cookie_httponly(
    world, client
) -> None:
    client.get("/login/")
    response = client.post("/login/", {"username": "agent_li", "password": "doorstep-demo"})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_settings_make_cookies_secure_and_send_hsts() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " s.SECURE_SSL_REDIRECT, s.DOORSTEP_REQUIRE_2FA)"
    )
    result = run("-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 5


def test_the_deploy_check_is_clean_with_production_settings() -> None:
    result = run(
        "-m", "doorstep.manage", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_warns_about_weakened_sign_in() -> None:
    weakened = {**PRODUCTION_ENV, "DOORSTEP_REQUIRE_2FA": "false", "CACHE_URL": ""}
    result = run("-m", "doorstep.manage", "check", "--deploy", env=weakened)
    assert "doorstep.W001" in result.stderr  # two-factor sign-in off
    assert "doorstep.W002" in result.stderr  # rate limits counted per process


def test_htmx_gets_the_pages_nonce_for_its_indicator_styles(client) -> None:
    response = client.get("/login/")
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce is not None
    assert f'"inlineStyleNonce": "{nonce.group(1)}"' in response.content.decode()
