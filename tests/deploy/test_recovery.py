"""Backup and restore end to end, in a PostgreSQL cluster the test starts itself (initdb in a
temporary folder on its own port): the restored copy holds every row, its ledger verifies, a
database restart loses nothing, and a changed entry is caught, so the verification is not
vacuous."""

from __future__ import annotations

import pytest
from bench.recovery import TempCluster, backup_restore, doorstep, pg_bin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    try:
        pg_bin("initdb")
    except FileNotFoundError:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    with TempCluster() as started:
        yield started


def test_a_restored_backup_has_every_row_and_a_verified_ledger(cluster) -> None:
    result, before, after = backup_restore(cluster, accounts=200)
    assert after == before
    assert result.ledger_entries > 1000
    assert "VERIFIED against the trusted key (exit 0)" in result.verify_output

    # A fast restart (connections cut, as in a failover) loses nothing committed.
    cluster.restart()
    assert cluster.table_counts("source") == before
    again = doorstep("ledger", "verify", url=cluster.url("source"), data_dir=cluster.folder / "app")
    assert "VERIFIED against the trusted key (exit 0)" in again.stdout

    cluster.client(
        "psql",
        "-d",
        "restored",
        "-c",
        "update ledger_ledgerentry set data = replace(data, '\"', ' \"') where index = 7",
    )
    tampered = doorstep(
        "ledger",
        "verify",
        url=cluster.url("restored"),
        data_dir=cluster.folder / "app",
        check=False,
    )
    assert tampered.returncode != 0
    assert "NOT VERIFIED (exit 1, TAMPERED)" in tampered.stdout
