"""Backup and restore benchmark: ``pg_dump``/``pg_restore`` of a demo bank, the ledger verified
before and after, in a PostgreSQL cluster of its own (never the shared server).

``python -m bench.recovery`` (``--accounts N``, default 20,000) prints a markdown section:

1. ``initdb`` a throwaway cluster in a temporary folder on a free port from 55432 up (as the
   ``postgres`` user when run as root: initdb refuses root), start it;
2. ``doorstep migrate`` and ``doorstep demo load`` into database ``source``;
3. ``doorstep ledger verify`` on ``source``; ``pg_dump -Fc``; ``pg_restore`` into ``restored``;
4. ``doorstep ledger verify`` on ``restored``, and row counts of every table compared;
5. the baseline, same cluster and source: a plain SQL dump (``pg_dump -Fp``) loaded with
   ``psql`` into a third database, its row counts compared too;
6. stop the cluster, delete the folder.

``TempCluster`` and ``backup_restore`` are also what ``tests/deploy/test_recovery.py`` runs, so
the documented procedure (docs/deploy.md, "Backup and restore") is the tested one.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from bench._machine import Machine

FIRST_PORT = 55432
DOORSTEP = str(Path(sys.executable).with_name("doorstep"))


def pg_bin(name: str) -> str:
    """A PostgreSQL program from the newest /usr/lib/postgresql/*/bin, else from PATH."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"PostgreSQL program {name} not found")
    return found


def free_port(start: int = FIRST_PORT) -> int:
    for port in range(start, start + 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {start}–{start + 199}")


@dataclass
class TempCluster:
    """A PostgreSQL cluster in a temporary folder, trust auth on loopback, for one run."""

    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ds_pg_")))

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (fixed PostgreSQL programs, our arguments)
            self._as_owner(*command), check=True, capture_output=True, text=True
        )

    def start(self) -> TempCluster:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = str(self.folder / "data")
        self._run(pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=40"
        )
        log = str(self.folder / "server.log")
        self._run(pg_bin("pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "start")
        return self

    def stop(self) -> None:
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            self._run(pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """A fast restart (connections cut, as in a failover); logging to the file keeps the
        new server off our pipes, which would otherwise never close."""
        data = str(self.folder / "data")
        log = str(self.folder / "server.log")
        self._run(pg_bin("pg_ctl"), "-D", data, "-l", log, "-m", "fast", "-w", "restart")

    def __enter__(self) -> TempCluster:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def client(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A client program (createdb, pg_dump, psql…) against this cluster."""
        return subprocess.run(  # noqa: S603
            [pg_bin(program), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args],
            check=True,
            capture_output=True,
            text=True,
        )

    def table_counts(self, database: str) -> dict[str, int]:
        """Rows of every table of the public schema (exact counts, not estimates)."""
        tables = self.client(
            "psql",
            "-d",
            database,
            "-Atc",
            "select tablename from pg_tables where schemaname = 'public' order by 1",
        ).stdout.split()
        # Table names come from the catalogue just read, not from input.
        query = " union all ".join(
            f"select '{name}', count(*) from public.\"{name}\""  # noqa: S608
            for name in tables
        )
        rows = self.client("psql", "-d", database, "-At", "-F", "\t", "-c", query).stdout
        return {
            name: int(count) for name, count in (line.split("\t") for line in rows.splitlines())
        }


def doorstep(
    *args: str, url: str, data_dir: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the ``doorstep`` command against ``url`` (a fresh process, as an operator would)."""
    env = {**os.environ, "DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(data_dir)}
    env.pop("DOORSTEP_ENV", None)
    done = subprocess.run(  # noqa: S603 (our own console script)
        [DOORSTEP, *args], env=env, check=False, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"doorstep {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


@dataclass
class Recovery:
    load_seconds: float
    dump_seconds: float
    dump_bytes: int
    restore_seconds: float
    verify_source_seconds: float
    verify_restored_seconds: float
    verify_output: str
    tables: int
    rows: int
    ledger_entries: int


def backup_restore(
    cluster: TempCluster, *, accounts: int, as_of: str = "2026-06-30"
) -> tuple[Recovery, dict[str, int], dict[str, int]]:
    """Load a demo bank into ``source``, back it up, restore it into ``restored``, verify the
    ledger of both; answers the timings and both databases' row counts."""
    data_dir = cluster.folder / "app"
    data_dir.mkdir()
    source = cluster.url("source")
    cluster.client("createdb", "source")
    doorstep("migrate", "-v0", url=source, data_dir=data_dir)
    started = time.perf_counter()
    doorstep(
        "demo", "load", "--accounts", str(accounts), "--as-of", as_of, url=source, data_dir=data_dir
    )
    load = time.perf_counter() - started

    started = time.perf_counter()
    doorstep("ledger", "verify", url=source, data_dir=data_dir)
    verify_source = time.perf_counter() - started

    dump = cluster.folder / "doorstep.dump"
    started = time.perf_counter()
    cluster.client("pg_dump", "-Fc", "--no-owner", "-f", str(dump), "source")
    dumped = time.perf_counter() - started

    cluster.client("createdb", "restored")
    started = time.perf_counter()
    cluster.client("pg_restore", "--exit-on-error", "--no-owner", "-d", "restored", str(dump))
    restored = time.perf_counter() - started

    started = time.perf_counter()
    verified = doorstep("ledger", "verify", url=cluster.url("restored"), data_dir=data_dir)
    verify_restored = time.perf_counter() - started

    before, after = cluster.table_counts("source"), cluster.table_counts("restored")
    return (
        Recovery(
            load_seconds=load,
            dump_seconds=dumped,
            dump_bytes=dump.stat().st_size,
            restore_seconds=restored,
            verify_source_seconds=verify_source,
            verify_restored_seconds=verify_restored,
            verify_output=verified.stdout,
            tables=len(after),
            rows=sum(after.values()),
            ledger_entries=after.get("ledger_ledgerentry", 0),
        ),
        before,
        after,
    )


@dataclass
class PlainDump:
    dump_seconds: float
    dump_bytes: int
    restore_seconds: float
    counts: dict[str, int]


def plain_sql(cluster: TempCluster) -> PlainDump:
    """The baseline: ``source`` dumped as plain SQL and loaded with ``psql`` into ``plain``."""
    dump = cluster.folder / "doorstep.sql"
    started = time.perf_counter()
    cluster.client("pg_dump", "-Fp", "--no-owner", "-f", str(dump), "source")
    dumped = time.perf_counter() - started
    cluster.client("createdb", "plain")
    started = time.perf_counter()
    cluster.client("psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", "plain", "-f", str(dump))
    restored = time.perf_counter() - started
    return PlainDump(dumped, dump.stat().st_size, restored, cluster.table_counts("plain"))


def main() -> None:
    from bench.field_restart import BATCH as FIELD_BATCH
    from bench.field_restart import restart_mid_sync

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    machine = Machine()
    with TempCluster() as cluster:
        version = cluster.client("psql", "-d", "postgres", "-Atc", "show server_version").stdout
        machine.uses_postgres(f"{version.strip()} (a throwaway cluster)")
        result, before, after = backup_restore(cluster, accounts=args.accounts)
        plain = plain_sql(cluster)
    with TempCluster() as cluster, tempfile.TemporaryDirectory(prefix="ds_restart_") as folder:
        restart = restart_mid_sync(cluster, Path(folder))
    r = result
    steps = [
        (
            "demo bank loaded (`doorstep demo load`)",
            f"{args.accounts:,} accounts, {r.rows:,} rows in {r.tables} tables, "
            f"{r.load_seconds:.1f} s",
        ),
        ("`doorstep ledger verify` on the source", f"exit 0, {r.verify_source_seconds:.1f} s"),
        ("`pg_dump -Fc`", f"{r.dump_bytes / 1e6:.1f} MB in {r.dump_seconds:.1f} s"),
        ("`pg_restore` into an empty database", f"{r.restore_seconds:.1f} s"),
        (
            "`doorstep ledger verify` on the restored copy",
            f"exit 0 ({r.ledger_entries:,} entries), {r.verify_restored_seconds:.1f} s",
        ),
        ("every table's row count equal after restore", "yes" if before == after else "NO"),
    ]
    table = "\n".join(f"| {step} | {value} |" for step, value in steps)
    versus = "\n".join(
        f"| {what} | {ours} | {base} | {ratio} |"
        for what, ours, base, ratio in [
            (
                "dump",
                f"{r.dump_seconds:.1f} s",
                f"{plain.dump_seconds:.1f} s",
                f"{plain.dump_seconds / r.dump_seconds:.2f}×",
            ),
            (
                "dump size",
                f"{r.dump_bytes / 1e6:.1f} MB",
                f"{plain.dump_bytes / 1e6:.1f} MB",
                f"{plain.dump_bytes / r.dump_bytes:.2f}×",
            ),
            (
                "restore into an empty database",
                f"{r.restore_seconds:.1f} s",
                f"{plain.restore_seconds:.1f} s",
                f"{plain.restore_seconds / r.restore_seconds:.2f}×",
            ),
            (
                "every table's row count equal to the source",
                "yes" if before == after else "NO",
                "yes" if before == plain.counts else "NO",
                "",
            ),
        ]
    )
    print(
        f"""## Recovery: pg_dump / pg_restore with the ledger verified (`bench.recovery`)

`python -m bench.recovery --accounts {args.accounts}`: PostgreSQL in a throwaway cluster (`initdb`
in a temporary folder, fsync off, so the timings are of the work, not of this machine's disk).

| step | result |
|---|---|
{table}

Baseline, same cluster and source database: a plain SQL dump (`pg_dump -Fp`) loaded with
`psql -f` (the ratio is the baseline's over the custom format's: above 1×, the documented
`pg_dump -Fc` / `pg_restore` is faster or smaller).

| | `pg_dump -Fc` / `pg_restore` | plain SQL / `psql` (baseline) | baseline / ours |
|---|---:|---:|---:|
{versus}

A database restart in the middle of a field app's sync (`bench.field_restart`, also
`tests/deploy/test_field_sync_restart.py`), in another throwaway cluster: a phone sends a day of
{restart["sent"]} records in batches of {FIELD_BATCH} to `POST /api/v1/field/sync` and keeps any
batch whose answer does not come back; after {restart["restart_after"]} answered records the
cluster is restarted (`pg_ctl restart -m fast`, {restart["restart_seconds"]:.1f} s, connections
cut).

| | |
|---|---|
| records sent / stored on the server | {restart["sent"]} / {restart["stored"]} |
| missing / stored twice | {restart["missing"]} / {restart["doubled"]} |
| ledger entries for them | {restart["ledger"]} |
| batches the phone sent again | {restart["resent_batches"]} |
| `doorstep ledger verify` afterwards | {"VERIFIED" if restart["verified"] else "FAILED"} |

A Celery worker killed mid-task (its pool process, or the whole worker) is tested by
`tests/deploy/test_worker_killed.py` on every CI run: the rerun's end state equals an
uninterrupted run's (docs/deploy.md, "Worker failure").

{machine.table()}"""
    )


if __name__ == "__main__":
    main()
