"""The deployment files, checked statically (these machines run neither systemd nor Docker):
they parse, name commands and files that exist, and keep the promises docs/deploy.md makes."""

from __future__ import annotations

import ast
import configparser
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
# What an [Service] section may say, from systemd.service(5)/systemd.exec(5) (the subset used).
SERVICE_KEYS = {
    "Type",
    "NotifyAccess",
    "User",
    "Group",
    "WorkingDirectory",
    "EnvironmentFile",
    "Environment",
    "RuntimeDirectory",
    "StateDirectory",
    "ExecStartPre",
    "ExecStart",
    "ExecReload",
    "KillMode",
    "KillSignal",
    "TimeoutStopSec",
    "Restart",
    "RestartSec",
    "NoNewPrivileges",
    "PrivateTmp",
    "ProtectSystem",
    "ProtectHome",
    "ReadWritePaths",
    "LoadCredential",
}


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as section → key → values (systemd keys repeat, so values are lists)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}:{number}: a key before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not KEY=VALUE"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_there_are_units_for_web_workers_and_beat() -> None:
    assert [p.name for p in UNITS] == [
        "doorstep-beat.service",
        "doorstep-web.service",
        "doorstep-worker@.service",
    ]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_parses_and_uses_only_known_service_keys(path: Path) -> None:
    sections = unit(path)
    assert set(sections) == {"Unit", "Service", "Install"}
    assert set(sections["Service"]) <= SERVICE_KEYS
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]
    service = sections["Service"]
    assert service["User"] == ["doorstep"]
    assert service["Restart"] == ["on-failure"]
    assert service["Environment"][0] == "DOORSTEP_ENV=production"
    # Secrets come as credentials, never written into the unit or the environment file.
    assert not any("SECRET_KEY=" in value for value in service["Environment"])
    assert "secret_key:/etc/doorstep/secret_key" in service["LoadCredential"]
    # configparser agrees it is an INI file (duplicate keys allowed, as systemd allows them).
    configparser.ConfigParser(strict=False, interpolation=None).read(path)


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_starts_a_program_of_our_venv_with_a_real_entry_point(path: Path) -> None:
    command = shlex.split(unit(path)["Service"]["ExecStart"][0])
    program = Path(command[0])
    assert program.parent == Path("/opt/doorstep/.venv/bin")
    assert program.name in {"gunicorn", "celery"}
    if program.name == "celery":
        assert command[1:3] == ["-A", "doorstep.worker"]
        assert (ROOT / "src/doorstep/worker.py").exists()
    else:
        assert command[1:] == ["-c", "/opt/doorstep/deploy/gunicorn.conf.py", "doorstep.wsgi"]


def test_the_workers_take_one_task_at_a_time_and_finish_it_before_stopping() -> None:
    worker = unit(DEPLOY / "systemd/doorstep-worker@.service")["Service"]
    command = worker["ExecStart"][0]
    assert "--prefetch-multiplier=1" in command
    assert int(worker["TimeoutStopSec"][0]) >= 300
    assert worker["KillSignal"] == ["SIGTERM"]  # warm shutdown: the running task completes


def test_the_compose_file_runs_the_whole_stack_with_health_checks() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    for name in ("db", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert service["image"] == "doorstep:latest"
        assert service["environment"]["DOORSTEP_ENV"] == "production"
        assert "SECRET_KEY" not in service["environment"]
        assert set(service["secrets"]) <= set(compose["secrets"])
    assert (DEPLOY / services["web"]["build"]["dockerfile"].removeprefix("deploy/")).exists()
    # The web port is published on loopback only: TLS terminates in the proxy in front.
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    for volume in ("pgdata", "redisdata", "appdata"):
        assert volume in compose["volumes"]


def test_the_gunicorn_config_is_valid_python_that_keeps_query_strings_out_of_logs() -> None:
    source = (DEPLOY / "gunicorn.conf.py").read_text()
    tree = ast.parse(source)
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert {"bind", "workers", "timeout", "accesslog", "access_log_format"} <= assigned
    namespace: dict[str, object] = {}
    exec(compile(tree, "gunicorn.conf.py", "exec"), namespace)  # noqa: S102 (our own file)
    assert "%(U)s" in str(namespace["access_log_format"])
    assert "%(q)s" not in str(namespace["access_log_format"])
    assert str(namespace["bind"]).startswith("127.0.0.1:")


def test_the_environment_example_holds_no_secret() -> None:
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "doorstep.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"} <= names
    assert not names & {"SECRET_KEY", "LEDGER_SIGNING_KEY"}
