"""A database restart in the middle of a field app's sync loses no record and stores none twice:
the phone keeps an unanswered batch and sends it again, and the server stores each record once
whatever it had committed before the connection was cut. The PostgreSQL cluster is the test's
own (initdb in a temporary folder), never the shared server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench.field_restart import RECORDS
from bench.recovery import TempCluster, doorstep, pg_bin

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(step: str, url: str, folder: Path, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(folder)}
    env.pop("DOORSTEP_ENV", None)
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.field_restart", step, str(folder)],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[arg-type]
    )


def finished(process: subprocess.Popen[str], timeout: float = 300) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def test_a_restart_mid_sync_loses_and_doubles_nothing(tmp_path: Path) -> None:
    try:
        pg_bin("initdb")
    except FileNotFoundError:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    with TempCluster() as cluster:
        cluster.client("createdb", "field")
        url = cluster.url("field")
        finished(run("setup", url, tmp_path))

        phone = run("phone", url, tmp_path)
        assert phone.stdout is not None
        answered = 0
        while answered < RECORDS // 4:  # a quarter of the day is in
            line = phone.stdout.readline()
            assert line, phone.stderr.read() if phone.stderr else "the phone stopped"
            if line.startswith("answered "):
                answered = int(line.split()[1])
        cluster.restart()
        assert answered < RECORDS  # the restart came mid-day
        last = finished(phone).strip().splitlines()[-1]
        assert last.startswith("done retries=")
        print(f"restart after {answered} records; the phone {last}")

        held = json.loads(finished(run("count", url, tmp_path)))
        assert held == {
            "sent": RECORDS,
            "stored": RECORDS,
            "missing": 0,
            "doubled": 0,
            "ledger": RECORDS,
        }
        doorstep("ledger", "sign", url=url, data_dir=tmp_path)
        verified = doorstep("ledger", "verify", url=url, data_dir=tmp_path)
        assert "VERIFIED" in verified.stdout
