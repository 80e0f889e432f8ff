"""Key rotation of the personal fields on PostgreSQL, while the app keeps serving reads.

``python -m bench.keys`` (``--customers N``, default 1,000,000) prints a markdown section. In a
fresh PostgreSQL database (``doorstep_keys_bench`` on the server ``--postgres`` names, dropped
afterwards, or an existing database given with ``--database-url``, whose portfolio is emptied
first), it

* writes N customers, each with a phone and a home address, through the demo's bulk writer
  (binary COPY; every personal field encrypted and the blind indexes computed on the way in);
* starts a reader in a process of its own — the app's side: each read loads a random customer
  with their phones and addresses (decrypting every personal field) and finds a customer's phone
  by its blind index — and lets it run alone for a baseline;
* runs ``doorstep keys rotate``'s steps (a new data key, every row re-encrypted in batches of
  2,000, the final sweep) while the reader keeps reading, then checks that every value is under
  the new key and reads back.

Reported: rows and values re-encrypted per second, the total time, and the reader's reads per
second and latency (median, p95) before and during the rotation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._machine import Machine

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "doorstep_keys_bench"
BLOCK = 50_000
BASELINE_SECONDS = 15.0


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()


def _customers(start: int, count: int, seed: int) -> dict[str, dict[str, Any]]:
    """Columns for customers ``start``…, with one phone and one address each."""
    import numpy as np

    rng = np.random.default_rng(seed + start)
    n = np.arange(start, start + count)
    born = np.datetime64("1960-01-01") + rng.integers(0, 40 * 365, count).astype("timedelta64[D]")
    born_text = np.datetime_as_string(born, unit="D")
    ids = [
        f"330106{b.replace('-', '')}{k % 1000:03d}{'0123456789X'[k % 11]}"
        for b, k in zip(born_text.tolist(), n.tolist(), strict=True)
    ]
    now = np.full(count, np.datetime64("2026-06-30T02:00:00", "s"))
    customers = {
        "external_id": [f"CU{k:09d}" for k in n.tolist()],
        "name": [f"客户{k}" for k in n.tolist()],
        "national_id": ids,
        "gender": ["U"] * count,
        "birth_date": born,
        "employer": [f"杭州某科技有限公司{k % 997}" for k in n.tolist()],
        "occupation": [""] * count,
        "email": [f"cu{k:09d}@mail.example.cn" for k in n.tolist()],
        "preferred_language": ["zh-hans"] * count,
        "monthly_income": rng.integers(300_000, 3_000_000, count),
        "assets_value": rng.integers(0, 100_000_000, count),
        "assets_description": ["一辆车"] * count,
        "household_size": rng.integers(1, 6, count),
        "dependants": rng.integers(0, 3, count),
        "other_debts_declared": rng.integers(0, 5_000_000, count),
        "created_at": now,
        "updated_at": now,
    }
    return {
        "customer": customers,
        "phone": {
            "number": [f"138{k:08d}" for k in n.tolist()],
            "kind": ["mobile"] * count,
            "verification": ["unverified"] * count,
            "is_primary": np.ones(count, dtype=bool),
        },
        "address": {
            "kind": ["home"] * count,
            "province": ["浙江省"] * count,
            "city": ["杭州市"] * count,
            "district": ["西湖区"] * count,
            "line": [
                f"文三路 {k % 900 + 1} 号 {k % 17 + 1} 幢 {k % 30 + 101} 室" for k in n.tolist()
            ],
            "postcode": ["310012"] * count,
            "timezone": ["Asia/Shanghai"] * count,
        },
    }


def load(count: int, seed: int) -> float:
    """Write ``count`` customers with a phone and an address each; seconds taken."""
    from django.db import connection, transaction

    from doorstep.demo.writer import write_table
    from doorstep.portfolio.models import Address, Customer, Phone

    started = time.perf_counter()
    for start in range(0, count, BLOCK):
        size = min(BLOCK, count - start)
        block = _customers(start, size, seed)
        with transaction.atomic():
            write_table(connection, Customer, block["customer"])
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM portfolio_customer WHERE external_id >= %s "
                    "ORDER BY id LIMIT %s",
                    [f"CU{start:09d}", size],
                )
                pks = [row[0] for row in cursor.fetchall()]
            write_table(connection, Phone, {"customer_id": pks, **block["phone"]})
            write_table(connection, Address, {"customer_id": pks, **block["address"]})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def reader(stop: Path, out: Path) -> None:
    """The app's side: customer reads until ``stop`` exists; (time, seconds) per read."""
    _setup()
    from doorstep.keys.keyring import blind
    from doorstep.portfolio.models import Customer, Phone

    first, last = (
        Customer.objects.order_by("pk").values_list("pk", flat=True)[0],
        (Customer.objects.order_by("-pk").values_list("pk", flat=True)[0]),
    )
    rng = random.Random(3)  # noqa: S311 (sampling, not secrets)
    reads: list[tuple[float, float]] = []
    (stop.parent / "ready").touch()
    while not stop.exists():
        pk = rng.randint(first, last)
        began = time.perf_counter()
        customer = Customer.objects.prefetch_related("phones", "addresses").get(pk=pk)
        phones = [p.number for p in customer.phones.all()]
        lines = [a.line for a in customer.addresses.all()]
        if not (customer.national_id and phones and lines and all(phones) and all(lines)):
            raise SystemExit(f"customer {pk} did not read back")
        number = f"138{rng.randint(0, last - first):08d}"
        Phone.objects.filter(number_index=blind("phone", number)).select_related("customer").first()
        reads.append((time.time(), time.perf_counter() - began))
    out.write_text(json.dumps(reads))


def measure(count: int, seed: int) -> dict[str, Any]:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from doorstep.keys import keyring, rotation
    from doorstep.portfolio.models import Address, Customer, Phone

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE portfolio_address, portfolio_phone, portfolio_customer RESTART IDENTITY "
            "CASCADE"
        )
    result: dict[str, Any] = {"customers": count}
    result["load_seconds"] = load(count, seed)
    connection.close()

    with tempfile.TemporaryDirectory(prefix="keys-bench-") as directory:
        stop, out = Path(directory) / "stop", Path(directory) / "reads.json"
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.keys", "--reader", str(stop), str(out)],
            cwd=ROOT,
        )
        ready = Path(directory) / "ready"
        while not ready.exists() and process.poll() is None:
            time.sleep(0.2)
        time.sleep(BASELINE_SECONDS)
        began = time.time()
        started = time.perf_counter()
        key, _ = rotation.rotation_start()
        pending = sum(rotation.pending(key.key_id).values())
        rows = rotation.reencrypt(batch=rotation.BATCH)
        left = rotation.rotation_finish(key.created_at, wait=False)
        result["rotate_seconds"] = time.perf_counter() - started
        ended = time.time()
        time.sleep(3)
        stop.touch()
        process.wait(timeout=600)
        reads = json.loads(out.read_text())
    result["rows"] = rows
    result["pending"] = pending
    result["left"] = left
    values = 0
    for model in (Customer, Phone, Address):
        fields = [f for f in model._meta.concrete_fields if hasattr(f, "encrypt_column")]
        values += model.objects.count() * len(fields)
    result["values"] = values
    status = rotation.keys_status()
    result["under_new_key"] = next(k.values for k in status if k.key_id == key.key_id)
    result["retired"] = [k.values for k in status if k.purpose == "data" and k.key_id != key.key_id]
    keyring.forget_all()
    sample = Customer.objects.prefetch_related("phones").order_by("?")[:100]
    result["read_back"] = sum(1 for c in sample if c.national_id and c.phones.all()[0].number)
    before = [s for t, s in reads if t < began][1:]  # the first read warms the connection
    during = [s for t, s in reads if began <= t <= ended]
    result["before"] = _latency(before, BASELINE_SECONDS)
    result["during"] = _latency(during, ended - began)
    return result


def _latency(samples: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"reads": 0, "per_second": 0.0, "median": 0.0, "p95": 0.0}
    return {
        "reads": len(ordered),
        "per_second": len(ordered) / seconds,
        "median": ordered[len(ordered) // 2],
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
    }


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOORSTEP_DATA_DIR"}}
    env.update(extra)
    env.setdefault("DOORSTEP_ENV", "development")
    return env


@contextmanager
def database(postgres: str, url: str | None) -> Iterator[dict[str, str]]:
    directory = Path(tempfile.mkdtemp(prefix="doorstep-keys-bench-"))
    try:
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
                admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def show(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:,.1f} s"


def render(r: dict[str, Any], machine: Machine) -> str:
    before, during = r["before"], r["during"]
    lines = [
        "## Key rotation of personal fields (`doorstep keys rotate`, PostgreSQL)",
        "",
        f"{r['customers']:,} customers, each with a phone and a home address, written with the "
        f"demo's bulk writer (every personal field encrypted, blind indexes computed) in "
        f"{show(r['load_seconds'])}. Then a new data key and every row re-encrypted in batches of "
        "2,000 (each batch's rows locked for that batch only), while a reader in another process "
        "loaded random customers with their phones and addresses and looked a phone up by its "
        "blind index. PostgreSQL on the same machine (a shared machine: see the load average).",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| rows re-encrypted (customers, phones, addresses) | {r['rows']:,} |",
        f"| values re-encrypted | {r['values']:,} |",
        f"| rotation, total (new key, re-encryption, final sweep) | {show(r['rotate_seconds'])} |",
        f"| rows per second | {r['rows'] / r['rotate_seconds']:,.0f} |",
        f"| values per second | {r['values'] / r['rotate_seconds']:,.0f} |",
        f"| values under the new key afterwards / under the old one | "
        f"{r['under_new_key']:,} / {sum(r['retired']):,} |",
        f"| reads before the rotation: per second, median, p95 | {before['per_second']:,.1f}/s, "
        f"{show(before['median'])}, {show(before['p95'])} |",
        f"| reads during the rotation: count, per second, median, p95 | {during['reads']:,}, "
        f"{during['per_second']:,.1f}/s, {show(during['median'])}, {show(during['p95'])} |",
        "",
        "Every read during the rotation succeeded (a failed read would have stopped the reader): "
        "values under the old and the new key decrypt side by side. The reader shares the "
        "machine's cores with the rotation, so part of the slower reads is CPU, not locks.",
        "",
        f"Baseline, the reads before the rotation (same reader, same database): during the "
        f"rotation the reader keeps **{during['per_second'] / before['per_second']:.2f}×** its "
        f"read rate, at {during['median'] / before['median']:.1f}× the median and "
        f"{during['p95'] / before['p95']:.1f}× the p95 latency.",
        "",
        machine.table(),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["--reader"]:
        reader(Path(args_in[1]), Path(args_in[2]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.keys", description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help=f"the server's maintenance database, used to create and drop {BENCH_DATABASE}",
    )
    parser.add_argument("--database-url", help="use this existing PostgreSQL database")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(args_in)
    if args.worker:
        print(json.dumps(measure(args.customers, args.seed)))
        return
    machine = Machine(postgres=args.database_url or args.postgres)
    with database(args.postgres, args.database_url) as env:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.keys", "--worker", "--customers", str(args.customers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"the measurement failed (exit {done.returncode})")
    print(render(json.loads(done.stdout.strip().splitlines()[-1]), machine))


if __name__ == "__main__":
    main()
