"""Demo bank load benchmark: `doorstep demo load` on SQLite and PostgreSQL against bulk_create.

``python -m bench.demo`` prints a markdown section (``python -m bench`` puts it in
docs/benchmarks.md). For each database, in fresh databases created for the run (SQLite in a
temporary directory, PostgreSQL as ``doorstep_bench`` next to the server's ``postgres`` database,
dropped afterwards):

1. ``doorstep demo load`` of ``--accounts`` (default 1,000,000) accounts;
2. the same load at the demo's own size (5,000 accounts), what ``make run`` waits for;
3. the baseline: the same generated rows for ``--baseline-accounts`` (default 20,000) written
   with a model instance per row and ``bulk_create``.

Every load appends the bank's history to the verifiable ledger (``demo.journal``) in the
transaction of each block; the fast load then signs a checkpoint.

Each load runs in its own process (``bench.run``), so its peak memory is its own.

    python -m bench.demo --accounts 50000 --databases sqlite   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench._machine import Machine

ROOT = Path(__file__).resolve().parent.parent
DEMO_ACCOUNTS = 5000
BENCH_DATABASE = "doorstep_bench"


@dataclass
class Database:
    name: str
    env: dict[str, str]
    size: Any  # callable returning bytes on disk


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--baseline-accounts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="A URL of the PostgreSQL server's maintenance database, used to create and drop "
        f"{BENCH_DATABASE}.",
    )
    args = parser.parse_args(argv)

    machine = Machine(
        sqlite="sqlite" in args.databases,
        postgres=args.postgres if "postgresql" in args.databases else None,
    )
    results: dict[str, list[dict[str, Any]]] = {}
    for name in args.databases.split(","):
        runs = results.setdefault(name, [])
        for mode, accounts in (
            ("fast", args.accounts),
            ("fast", DEMO_ACCOUNTS),
            ("baseline", args.baseline_accounts),
        ):
            print(f"{name}: {mode} load of {accounts:,} accounts…", file=sys.stderr)
            try:
                with _fresh(name, args.postgres) as database:
                    run = _measure(database, mode, accounts, args.seed, args.as_of)
            except subprocess.CalledProcessError as failure:
                # Keep what was measured and say what failed, rather than lose the whole run.
                reason = (failure.stderr or "").strip().splitlines()[-1:] or [str(failure)]
                run = {"mode": mode, "accounts": accounts, "error": reason[0]}
                print(f"  failed: {run['error']}", file=sys.stderr)
            else:
                print(
                    f"  {run['seconds']:.1f} s, {run['rows_per_second']:,.0f} rows/s",
                    file=sys.stderr,
                )
            runs.append(run)
    print(_report(machine, results, args))


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOORSTEP_DATA_DIR"}}
    env.update(extra)
    env.setdefault("DOORSTEP_ENV", "development")
    return env


@contextmanager
def _fresh(name: str, postgres: str) -> Iterator[Database]:
    """An empty, migrated database for one measured load, removed afterwards."""
    if name == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
        database = Database(
            name,
            _env({"DOORSTEP_DATA_DIR": str(directory)}),
            lambda: sum(f.stat().st_size for f in directory.glob("doorstep.sqlite3*")),
        )
        try:
            _migrate(database)
            yield database
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if name != "postgresql":
        raise SystemExit(f"Unknown database {name!r}: use sqlite or postgresql.")
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    url = postgres.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"

    def size() -> int:
        with psycopg.connect(postgres) as admin:
            row = admin.execute("SELECT pg_database_size(%s)", [BENCH_DATABASE]).fetchone()
            return int(row[0]) if row else 0

    # The data directory holds only the development key that signs the load's checkpoint.
    directory = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    database = Database(
        name, _env({"DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(directory)}), size
    )
    try:
        _migrate(database)
        yield database
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")


def _migrate(database: Database) -> None:
    subprocess.run(
        [sys.executable, "-m", "doorstep.manage", "migrate", "--no-input", "-v", "0"],
        env=database.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def _measure(database: Database, mode: str, accounts: int, seed: int, as_of: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [
            sys.executable,
            "-m",
            "bench.run",
            mode,
            "--accounts",
            str(accounts),
            "--seed",
            str(seed),
            "--as-of",
            as_of,
        ],
        env=database.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    run: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    run["process_seconds"] = round(time.perf_counter() - started, 1)
    run["total_rows"] = sum(run["rows"].values())
    run["rows_per_second"] = run["total_rows"] / run["seconds"]
    run["size_bytes"] = database.size()
    return run


def _report(machine: Machine, results: dict[str, list[dict[str, Any]]], args: Any) -> str:
    lines = [
        "## Demo bank load",
        "",
        "`doorstep demo load` generates the bank with numpy in blocks of 10,000 accounts (in a "
        "second process from 50,000 accounts on) and writes each block in one transaction: "
        "`executemany` on SQLite, `COPY … FROM STDIN (FORMAT BINARY)` on PostgreSQL. The "
        "baseline writes the same generated rows with a model instance per row and "
        f"`bulk_create(batch_size={1000})`. Times include generating the rows; peak memory is "
        "the resident set of the loading process and, separately, of its generator process.",
        "",
        "Both also record the bank's history in the verifiable ledger, in the transaction of "
        "each block, through the ledger's one write path (`ledger_append_many`): an entry for "
        "every payment posted or reversed and every change to a case (`demo.journal`, "
        "docs/ledger.md), each with its Merkle tree nodes and subject index rows; the demo "
        "loader then signs a checkpoint. Rows and rows per second count the ledger entries "
        "(`ledger_entry`) as rows, not their subject and node rows.",
        "",
        "Where the time goes: on SQLite the loading process waits on SQLite's own inserts (one "
        "core; each row also updates the unique indexes the models declare); on PostgreSQL on "
        "the server's index and WAL writes. For the load, the plain secondary indexes of the "
        "statement and payment tables are dropped and built again at the end; foreign keys are "
        "checked once per block instead of row by row where the database allows it (SQLite "
        "outside a transaction, a PostgreSQL superuser); SQLite keeps its journal in memory. "
        "The machine's cores may be shared with other work (see the load average): a quiet "
        "machine loads faster.",
        "",
        machine.table(),
    ]
    titles = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    for name, runs in results.items():
        lines += [
            "",
            f"### {titles.get(name, name)}",
            "",
            "| Load | Accounts | Rows | Time (s) | Rows/s | Peak memory, loader (MB) "
            "| Peak memory, generator (MB) | Database size (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for run in runs:
            what = "Demo loader" if run["mode"] == "fast" else "Baseline: `bulk_create`"
            if "error" in run:
                lines.append(f"| {what} | {run['accounts']:,} | failed: {run['error']} |")
                continue
            lines.append(
                f"| {what} | {run['accounts']:,} | {run['total_rows']:,} | {run['seconds']:,.1f} "
                f"| {run['rows_per_second']:,.0f} | {run['peak_rss_mb']:,.0f} "
                f"| {run['peak_rss_children_mb']:,.0f} | {run['size_bytes'] / 2**20:,.0f} |"
            )
        fast, baseline = runs[0], runs[-1]
        if len(runs) < 3 or "error" in fast or "error" in baseline:
            continue
        lines += [
            "",
            f"Speed-up of the demo loader over `bulk_create`, in rows per second: "
            f"**{fast['rows_per_second'] / baseline['rows_per_second']:.1f}×** "
            f"({fast['accounts']:,} against {baseline['accounts']:,} accounts).",
            "",
            "Rows per table in the large load: "
            + ", ".join(f"{t} {n:,}" for t, n in fast["rows"].items())
            + ".",
        ]
    lines += [
        "",
        f"Command: `python -m bench.demo --accounts {args.accounts} --baseline-accounts "
        f"{args.baseline_accounts} --seed {args.seed} --as-of {args.as_of} --databases "
        f"{args.databases}`.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
