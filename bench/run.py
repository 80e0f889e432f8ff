"""One measured load, run in its own process so its peak memory is its own.

``python -m bench.run fast|baseline --accounts N`` loads into the database the environment names
(``DATABASE_URL`` or ``DOORSTEP_DATA_DIR``) and prints one JSON line: seconds, rows per table and
peak resident memory of this process and of its children (the loader's generator process).

* ``fast`` is ``doorstep demo load``: numpy blocks written with executemany or binary COPY.
* ``baseline`` writes the very same generated rows the way Django code usually does: a model
  instance per row and ``bulk_create`` in batches, one transaction per block, with the same
  ledger entries as the fast load (there is one way to append them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

BATCH_SIZE = 1000


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("mode", choices=["fast", "baseline"])
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    started = time.perf_counter()
    if args.mode == "fast":
        rows = _fast(args.accounts, args.seed, args.as_of)
    else:
        rows = _baseline(args.accounts, args.seed, args.as_of)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "mode": args.mode,
                "accounts": args.accounts,
                "seconds": round(seconds, 3),
                "rows": rows,
                "peak_rss_mb": _peak_mb(resource.RUSAGE_SELF),
                "peak_rss_children_mb": _peak_mb(resource.RUSAGE_CHILDREN),
            }
        )
    )


def _peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports kilobytes


def _fast(accounts: int, seed: int, as_of: date) -> dict[str, int]:
    from doorstep.demo.services import demo_load

    return demo_load(accounts=accounts, seed=seed, as_of=as_of).rows


def _baseline(accounts: int, seed: int, as_of: date) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from doorstep.cases.services import CURED_REASON, case_reference
    from doorstep.demo import generate
    from doorstep.demo.casework import Conventions
    from doorstep.demo.services import HistoryRecorder, demo_models

    tables = demo_models()
    conventions = Conventions(
        reference=case_reference,
        cured_reason=CURED_REASON,
        password_hash=make_password("doorstep-demo", salt=f"doorstepdemo{seed}"),
    )
    rows: Counter[str] = Counter()
    recorder = HistoryRecorder()
    for block in generate.bank(
        seed=seed, as_of=as_of, accounts=accounts, first_id={}, conventions=conventions
    ):
        with transaction.atomic():
            for name, columns in block.tables.items():
                model = tables[name]
                instances = [model(**values) for values in _instances(model, columns)]
                model._default_manager.bulk_create(instances, batch_size=BATCH_SIZE)
                rows[name] += len(instances)
            if entries := recorder.record(block):
                rows["ledger_entry"] += entries
    return dict(rows)


def _instances(model: Any, columns: dict[str, Any]) -> list[dict[str, Any]]:
    """The generated columns as the keyword arguments of one model instance per row."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    converted = {name: _python(fields[name], values) for name, values in columns.items()}
    count = len(next(iter(converted.values()), []))
    return [{name: values[i] for name, values in converted.items()} for i in range(count)]


def _python(field: Any, values: Any) -> list[Any]:
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return [None if v is None else Decimal(v).scaleb(-field.decimal_places) for v in items]
    if kind == "DateTimeField":
        return [None if v is None else v.replace(tzinfo=UTC) for v in _moments(values, "s")]
    if kind == "DateField":
        return _moments(values, "D")
    return items


def _moments(values: Any, unit: str) -> list[Any]:
    if isinstance(values, np.ndarray):
        return [
            None if v is None else v
            for v in values.astype(f"datetime64[{unit}]").astype(object).tolist()
        ]
    return [v if not isinstance(v, datetime) or unit == "s" else v.date() for v in values]


if __name__ == "__main__":
    main(sys.argv[1:])
