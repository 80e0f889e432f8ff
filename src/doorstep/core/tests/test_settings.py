"""The settings refuse unsafe production configurations and pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from doorstep.env import ImproperlyConfiguredEnvError, env_bool

PRODUCTION_ENV = {
    "DOORSTEP_ENV": "production",
    "SECRET_KEY": "k" * 20 + "production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "doorstep.bank.example",
    "DATABASE_URL": "sqlite:////tmp/doorstep-deploy-check.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/1",  # rate limits need a cache shared by all workers
    # Field encryption's key-encryption key (docs/encryption.md); a fixed test key.
    "DOORSTEP_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}


def run_doorstep(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "doorstep.manage", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_passes_under_production_settings() -> None:
    result = run_doorstep("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_doorstep("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) of at least 50 characters is required" in result.stderr


def test_production_refuses_debug() -> None:
    result = run_doorstep("check", env={**PRODUCTION_ENV, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_the_demo_password() -> None:
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///:memory:"}
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth import authenticate, get_user_model;"
        "get_user_model().objects.create_user('manager_wang', password='doorstep-demo');"
        "print(authenticate(username='manager_wang', password='doorstep-demo'))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "doorstep.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_a_secret_can_come_from_a_file(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("f" * 60 + "\n")
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    assert run_doorstep("check", env=env).returncode == 0


def test_the_demo_password_is_accepted_outside_production(django_user_model) -> None:
    from django.contrib.auth import authenticate

    django_user_model.objects.create_user("agent_li", password="doorstep-demo")
    assert authenticate(username="agent_li", password="doorstep-demo") is not None


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), ("1", True)])
def test_booleans_parse_strictly(monkeypatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", default=False) is expected


def test_a_misspelt_boolean_stops_start_up(monkeypatch) -> None:
    monkeypatch.setenv("SOME_FLAG", "yes please")
    with pytest.raises(ImproperlyConfiguredEnvError, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG", default=False)
