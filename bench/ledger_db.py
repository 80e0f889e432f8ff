"""The ledger in the database: appends, proofs, verification and export, SQLite and PostgreSQL.

``python -m bench.ledger_db`` (``--leaves N``, default 1,000,000) prints a markdown section.
For each database, in a process of its own over a fresh database (SQLite in a temporary
directory; PostgreSQL as ``doorstep_ledger_bench`` on the server ``--postgres`` names, dropped
afterwards, or an existing database given with ``--database-url``, whose ledger tables are
emptied first), it measures

* appends per second through ``ledger_append_many``: all N entries in one transaction, in
  blocks of 10,000 events (the bulk-load path), and one entry per transaction (the path of an
  ordinary write), at the full size;
* at N entries: signing a checkpoint, generating inclusion and consistency proofs from the
  stored nodes and verifying them (means over 1,000 random requests);
* ``doorstep ledger verify`` over the whole log, ``doorstep ledger export`` (time and the peak
  memory of its process) and ``doorstep-verify`` on that export, as an auditor runs it.

The same run measures the in-memory core beside ``pymerkle`` (``bench.ledger``'s functions) on
the same entries, so the database's cost is visible next to pure hashing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench._machine import Machine
from bench.ledger import append_batches, show

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 10_000
SINGLE = 1_000
SAMPLES = 1_000
COMPARE = 100_000  # entries for the in-memory comparison
BENCH_DATABASE = "doorstep_ledger_bench"
KINDS = ("visit.checked_in", "compliance.decision", "promise.made", "payment.posted")


def events(start: int, count: int) -> list[Any]:
    """Entries shaped like the apps' (~260 bytes of canonical JSON each)."""
    from doorstep.ledger.services import LedgerEvent

    return [
        LedgerEvent(
            kind=KINDS[n % 4],
            actor=f"agent_{n % 40:02d}",
            subject={"case": f"C260416-{n // 7:07d}", "event": n},
            record={
                "amount": Decimal(f"{n % 5000}.{n % 100:02d}"),
                "evidence": f"{n:064x}",
                "outcome": "met_debtor" if n % 3 else "no_answer",
            },
        )
        for n in range(start, start + count)
    ]


def _mean(calls: Sequence[Callable[[], object]]) -> float:
    started = time.perf_counter()
    for call in calls:
        call()
    return (time.perf_counter() - started) / len(calls)


def _child(*args: str) -> dict[str, Any]:
    """Runs module ``args[0]`` with the rest as arguments, in a process of its own: its wall
    time and peak memory (VmHWM: this process's own high-water mark, not its parent's)."""
    started = time.perf_counter()
    script = (
        "import runpy, sys\nsys.argv = sys.argv[1:]\ncode = 0\n"
        "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as stop:\n    code = stop.code or 0\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(peak.split()[1], file=sys.stderr)\nsys.exit(code)\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "exit": done.returncode}


def measure(leaves: int, seed: int) -> dict[str, Any]:
    """In this process, over the database the environment names."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from doorstep_verify.merkle import verify_consistency, verify_inclusion

    from doorstep.ledger.models import (
        Checkpoint,
        Cosignature,
        LedgerEntry,
        LedgerHead,
        LedgerNode,
        LedgerSubject,
        SubjectSalt,
    )
    from doorstep.ledger.selectors import consistency_proof, inclusion_proof
    from doorstep.ledger.services import (
        ledger_append,
        ledger_append_many,
        ledger_sign_checkpoint,
    )
    from doorstep.ledger.verification import ledger_verify

    call_command("migrate", verbosity=0)
    for model in (Cosignature, Checkpoint, LedgerSubject, LedgerNode, LedgerEntry, SubjectSalt):
        model.objects.all().delete()
    LedgerHead.objects.all().delete()
    result: dict[str, Any] = {"vendor": connection.vendor, "leaves": leaves}

    appending = 0.0
    with transaction.atomic():
        for start in range(0, leaves, BLOCK):
            block = events(start, min(BLOCK, leaves - start))
            started = time.perf_counter()
            ledger_append_many(block)
            appending += time.perf_counter() - started
    result["batched_per_second"] = leaves / appending

    singles = events(leaves, SINGLE)
    started = time.perf_counter()
    for event in singles:
        with transaction.atomic():
            ledger_append(
                kind=event.kind, actor=event.actor, subject=event.subject, record=event.record
            )
    result["single_per_second"] = SINGLE / (time.perf_counter() - started)
    size = leaves + SINGLE

    started = time.perf_counter()
    checkpoint = ledger_sign_checkpoint()
    result["sign_seconds"] = time.perf_counter() - started
    root = bytes(checkpoint.root_hash)

    rng = random.Random(seed)  # noqa: S311 (sample positions, not secrets)
    indexes = [rng.randrange(size) for _ in range(SAMPLES)]
    firsts = [rng.randrange(1, size) for _ in range(SAMPLES)]
    inclusions = [inclusion_proof(index=i, tree_size=size) for i in indexes]
    consistencies = [consistency_proof(first=m, second=size) for m in firsts]
    result["inclusion_generate"] = _mean(
        [lambda i=i: inclusion_proof(index=i, tree_size=size) for i in indexes]
    )
    result["inclusion_verify"] = _mean(
        [
            lambda p=p: verify_inclusion(p.leaf_hash, p.leaf_index, size, p.path, root)
            for p in inclusions
        ]
    )
    result["consistency_generate"] = _mean(
        [lambda m=m: consistency_proof(first=m, second=size) for m in firsts]
    )
    result["consistency_verify"] = _mean(
        [
            lambda p=p: verify_consistency(p.first_size, size, p.path, p.first_root, root)
            for p in consistencies
        ]
    )

    started = time.perf_counter()
    report = ledger_verify()
    result["verify_seconds"] = time.perf_counter() - started
    result["verify_outcome"] = report.outcome.name.lower()
    result["size"] = size
    connection.close()

    with tempfile.TemporaryDirectory(prefix="ledger-export-") as directory:
        export = Path(directory) / "ledger.json"
        result["baseline"] = _child("doorstep.manage", "ledger", "public-key")
        result["export"] = _child("doorstep.manage", "ledger", "export", str(export))
        result["export_mb"] = export.stat().st_size / 1e6
        key = subprocess.run(
            [sys.executable, "-m", "doorstep.manage", "ledger", "public-key"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        result["auditor"] = _child("doorstep_verify", str(export), "--key", key)
    return result


def measure_in_memory(count: int) -> dict[str, float]:
    """Batched appends per second of the pure core and of pymerkle on the same entries."""
    from doorstep_verify.jcs import canonicalize
    from doorstep_verify.merkle import MemoryStore, MerkleTree
    from pymerkle import InmemoryTree

    data = [
        canonicalize(
            {
                "actor": f"agent_{n % 40:02d}",
                "at": "2026-06-30T10:15:00.000+08:00",
                "kind": KINDS[n % 4],
                "record": {"amount": f"{n % 5000}.00", "evidence": f"{n:064x}"},
                "subject": {"case": f"C260416-{n // 7:07d}", "event": str(n)},
                "v": 1,
            }
        ).encode()
        for n in range(count)
    ]
    ours = MerkleTree(MemoryStore())
    theirs = InmemoryTree()
    return {
        "doorstep_verify": count / append_batches(ours.append, data),
        "pymerkle": count / append_batches(theirs.append_entries, data),
    }


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOORSTEP_DATA_DIR"}}
    env.update(extra)
    env.setdefault("DOORSTEP_ENV", "development")
    return env


@contextmanager
def database(name: str, postgres: str, url: str | None) -> Iterator[dict[str, str]]:
    """The environment of a process that works on a fresh database of kind ``name``."""
    directory = Path(tempfile.mkdtemp(prefix="doorstep-ledger-bench-"))
    try:
        if name == "sqlite":
            yield _env({"DOORSTEP_DATA_DIR": str(directory)})
            return
        if url:
            yield _env({"DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(directory)})
            return
        import psycopg

        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        try:
            fresh = postgres.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
            yield _env({"DATABASE_URL": fresh, "DOORSTEP_DATA_DIR": str(directory)})
        finally:
            with psycopg.connect(postgres, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_database(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with database(name, args.postgres, args.database_url) as env:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.ledger_db", "--worker", "--leaves", str(args.leaves)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"{name}: the measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def render(
    results: dict[str, dict[str, Any]], memory: dict[str, float], leaves: int, machine: Machine
) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    columns = list(results)
    lines = [
        "## Ledger in the database (`doorstep.ledger`)",
        "",
        f"{leaves:,} entries appended through `ledger_append_many` (blocks of {BLOCK:,} events, "
        f"one transaction), then {SINGLE:,} more one transaction each; proofs are means over "
        f"{SAMPLES:,} random requests at the final size.",
        "",
        "| operation | " + " | ".join(names.get(c, c) for c in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]

    def row(label: str, value: Callable[[dict[str, Any]], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(value(results[c]) for c in columns) + " |")

    row("appends/s, one transaction, blocks of 10,000", lambda r: f"{r['batched_per_second']:,.0f}")
    row("appends/s, one transaction each", lambda r: f"{r['single_per_second']:,.0f}")
    row("sign a checkpoint", lambda r: show(r["sign_seconds"]))
    row("inclusion proof: generate from the stored nodes", lambda r: show(r["inclusion_generate"]))
    row("inclusion proof: verify", lambda r: show(r["inclusion_verify"]))
    row("consistency proof: generate", lambda r: show(r["consistency_generate"]))
    row("consistency proof: verify", lambda r: show(r["consistency_verify"]))
    row(
        "`doorstep ledger verify`, whole log",
        lambda r: f"{show(r['verify_seconds'])} ({r['verify_outcome']})",
    )
    row(
        "`doorstep ledger export`: time, peak memory of the process",
        lambda r: (
            f"{show(r['export']['seconds'])}, {r['export']['peak_mb']:.0f} MB "
            f"({r['export_mb']:.0f} MB file)"
        ),
    )
    row(
        "peak memory of a process that only starts Doorstep (`ledger public-key`)",
        lambda r: f"{r['baseline']['peak_mb']:.0f} MB",
    )
    row(
        "`doorstep-verify` on that export (auditor): time, peak memory",
        lambda r: (
            f"{show(r['auditor']['seconds'])}, {r['auditor']['peak_mb']:.0f} MB "
            f"(exit {r['auditor']['exit']})"
        ),
    )
    ours, theirs = memory["doorstep_verify"], memory["pymerkle"]
    lines += [
        "",
        f"In memory, the same kind of entries ({COMPARE:,}, batches of 10,000), hashing only: "
        f"`doorstep_verify` {ours:,.0f} appends/s, `pymerkle` {theirs:,.0f} appends/s "
        f"({ours / theirs:.1f}×). The database path adds canonical JSON, the entry, subject and "
        "node rows, and the head lock; `bench/ledger.py` has the full in-memory comparison.",
        "",
        machine.table(),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_db", description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help=f"the server's maintenance database, used to create and drop {BENCH_DATABASE}",
    )
    parser.add_argument(
        "--database-url", help="use this existing PostgreSQL database (its ledger is emptied)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.leaves, args.seed)))
        return
    chosen = args.databases.split(",")
    machine = Machine(
        sqlite="sqlite" in chosen,
        postgres=(args.database_url or args.postgres) if "postgresql" in chosen else None,
    )
    results = {}
    for name in chosen:
        print(f"{name}: {args.leaves:,} entries…", file=sys.stderr)
        results[name] = run_database(name, args)
    memory = measure_in_memory(min(COMPARE, args.leaves))
    print(render(results, memory, args.leaves, machine))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark driver peak memory {peak:.0f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
