"""A database restart in the middle of a field app's sync loses no record and stores none twice:
the phone keeps an unanswered batch and sends it again, and the server stores each record once
whatever it had committed before the connection was cut. The PostgreSQL cluster is the test's
own (initdb in a temporary folder), never the shared server."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.field_restart import RECORDS, restart_mid_sync
from bench.recovery import TempCluster, pg_bin

pytestmark = pytest.mark.slow


def test_a_restart_mid_sync_loses_and_doubles_nothing(tmp_path: Path) -> None:
    try:
        pg_bin("initdb")
    except FileNotFoundError:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    with TempCluster() as cluster:
        held = restart_mid_sync(cluster, tmp_path)
    print(held)
    assert held["restart_after"] < RECORDS  # the restart came mid-day
    assert {k: held[k] for k in ("sent", "stored", "missing", "doubled", "ledger")} == {
        "sent": RECORDS,
        "stored": RECORDS,
        "missing": 0,
        "doubled": 0,
        "ledger": RECORDS,
    }
    assert held["verified"]
