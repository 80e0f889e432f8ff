"""The engine is pure: it imports and decides with Django neither configured nor imported."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
from datetime import datetime
from doorstep.compliance import engine
from doorstep.compliance.engine import (
    batch, calendar, content, evaluate, explain, history, limitation, model, packs, params,
    profiles, rules, rules_cn, rules_uk, rules_us,
)
decision = engine.decide(
    engine.Contact(engine.Channel.CALL, datetime.fromisoformat("2026-03-02T10:00:00+08:00")),
    engine.Debtor(),
    [],
    profile="cn",
    params=engine.CnParams(),
    calendar=engine.Calendar(),
    version="1",
)
print(decision.verdict, sorted(name for name in sys.modules if name.split(".")[0] == "django"))
"""


def test_the_engine_imports_and_decides_without_django() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False
    )

    assert done.stderr == ""
    assert done.stdout == "allow []\n"
