"""Strict environment parsing for settings.

A typo in a production setting must stop the process at start-up, not silently fall back to a
default, so every parser here refuses values it does not recognise.
"""

from __future__ import annotations

import os
from pathlib import Path


class ImproperlyConfiguredEnvError(RuntimeError):
    """An environment variable is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for mounted secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw in {"True", "true", "1"}:
        return True
    if raw in {"False", "false", "0"}:
        return False
    raise ImproperlyConfiguredEnvError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfiguredEnvError(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, *, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ImproperlyConfiguredEnvError(
            f"{name} must be one of {', '.join(choices)}, not {raw!r}"
        )
    return raw
