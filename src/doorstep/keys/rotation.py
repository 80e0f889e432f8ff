"""Key rotation without downtime (docs/encryption.md).

``rotation_start`` makes a new data key active and marks the old one ``retiring``; from then on
new values are written under the new key (by each process within ``keyring.ACTIVE_KEY_TTL``
seconds), while every value still under an old key keeps decrypting, because a ciphertext names
its key. ``reencrypt`` then moves the stored values, table by table, in batches of rows locked
for the time of their batch only (reads are never blocked; a write to a row of the batch waits
for that batch). It is idempotent: values already under the active key are skipped, so an
interrupted rotation resumes where it stopped. When a sweep after the cache period finds
nothing left, the old keys are ``retired`` (kept, so nothing can become unreadable).

``kek_rotate`` rewraps the data keys under the current KEK; no field value changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from doorstep.core import crypto
from doorstep.keys import keyring
from doorstep.keys.fields import EncryptedTextField
from doorstep.keys.models import DataKey

BATCH = 2_000

Progress = Callable[[int], None]


def encrypted_tables() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every model with encrypted fields, and those fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda pair: pair[0]._meta.db_table)


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    purpose: str
    state: str
    kek_id: str
    created_at: Any
    values: int | None  # stored values under this key (data keys)


def keys_status() -> list[KeyUse]:
    """Every key, with how many stored values each data key still encrypts."""
    counts: dict[str, int] = {}
    quote = connection.ops.quote_name
    for model, fields in encrypted_tables():
        for field in fields:
            column = quote(str(field.column))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT SUBSTR({column}, 4, 8), COUNT(*) FROM "  # noqa: S608  # nosec B608: names from model meta, quoted
                    f"{quote(model._meta.db_table)} WHERE {column} LIKE %s "
                    f"GROUP BY SUBSTR({column}, 4, 8)",
                    [f"{crypto.VERSION}:%"],
                )
                for key_id, count in cursor.fetchall():
                    counts[key_id] = counts.get(key_id, 0) + count
    return [
        KeyUse(
            key.key_id,
            key.purpose,
            key.state,
            key.kek_id,
            key.created_at,
            counts.get(key.key_id, 0) if key.purpose == DataKey.Purpose.DATA else None,
        )
        for key in DataKey.objects.order_by("purpose", "created_at", "id")
    ]


def rotation_start() -> tuple[DataKey, bool]:
    """The key to rotate to, and whether it is new: an unfinished rotation (a key still
    ``retiring``) is resumed rather than started again."""
    with transaction.atomic():
        keys = list(DataKey.objects.select_for_update().filter(purpose=DataKey.Purpose.DATA))
        active = next(k for k in keys if k.state == DataKey.State.ACTIVE)
        if any(k.state == DataKey.State.RETIRING for k in keys):
            return active, False
        DataKey.objects.filter(pk=active.pk).update(state=DataKey.State.RETIRING)
        new = keyring.create_key(DataKey.Purpose.DATA, DataKey.State.ACTIVE)
    keyring.reset()
    return new, True


def _stale(column: str, key_id: str) -> str:
    """SQL: the column holds a ciphertext under another key than ``key_id``."""
    if not crypto.KEY_ID.match(key_id):
        raise ValueError(key_id)
    version = crypto.VERSION
    return f"({column} LIKE '{version}:%%' AND {column} NOT LIKE '{version}:{key_id}:%%')"


def pending(key_id: str) -> dict[str, int]:
    """Rows per table with at least one value not under ``key_id``."""
    quote = connection.ops.quote_name
    out = {}
    for model, fields in encrypted_tables():
        where = " OR ".join(_stale(quote(str(f.column)), key_id) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608  # nosec B608: names from model meta, quoted
            )
            out[model._meta.db_table] = cursor.fetchone()[0]
    return out


def reencrypt(*, batch: int = BATCH, progress: Progress | None = None) -> int:
    """Move every stored value onto the active key; the number of rows rewritten."""
    target = keyring.active_key()
    done = 0
    for model, fields in encrypted_tables():
        done += _reencrypt_table(model, fields, target, batch, progress)
    return done


def _reencrypt_table(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    target: crypto.DataKey,
    batch: int,
    progress: Progress | None,
) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(str(model._meta.pk.column))
    columns = [quote(str(f.column)) for f in fields]
    contexts = [f.context for f in fields]
    where = " OR ".join(_stale(c, target.key_id) for c in columns)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = (
        f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608  # nosec B608: names from model meta, quoted
        f"WHERE {pk} > %s AND ({where}) ORDER BY {pk} LIMIT {int(batch)}{lock}"
    )
    last: Any = -1
    done = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(select, [last])
                rows = cursor.fetchall()
            if not rows:
                return done
            changed = []
            for row in rows:
                values = [
                    crypto.reencrypt(v, keyring.KEYS, target, context)
                    if crypto.is_ciphertext(v)
                    else v
                    for v, context in zip(row[1:], contexts, strict=True)
                ]
                changed.append((row[0], values))
            _write(table, pk, columns, changed)
        last = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(len(rows))


def _write(table: str, pk: str, columns: list[str], rows: list[tuple[Any, list[Any]]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the new values as arrays, unnested into a join.
            names = [f"c{i}" for i in range(len(columns))]
            sets = ", ".join(f"{c} = v.{n}" for c, n in zip(columns, names, strict=True))
            arrays = ", ".join(["%s::bigint[]"] + ["%s::text[]"] * len(columns))
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) "  # noqa: S608  # nosec B608: names from model meta, quoted
                f"AS v(id, {', '.join(names)}) WHERE t.{pk} = v.id",
                [[r[0] for r in rows]] + [[r[1][i] for r in rows] for i in range(len(columns))],
            )
            return
        sets = ", ".join(f"{c} = %s" for c in columns)
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608  # nosec B608: names from model meta, quoted
            [[*values, key] for key, values in rows],
        )


def rotation_finish(started: Any, *, wait: bool = True) -> int:
    """After the cache period since the rotation began, sweep once more and retire the old
    keys if nothing is left under them; the number of rows still pending (0 when retired)."""
    if wait:
        remaining = keyring.ACTIVE_KEY_TTL - (timezone.now() - started).total_seconds()
        if remaining > 0:
            time.sleep(remaining)
    reencrypt()
    left = sum(pending(keyring.active_key().key_id).values())
    if left == 0:
        DataKey.objects.filter(purpose=DataKey.Purpose.DATA, state=DataKey.State.RETIRING).update(
            state=DataKey.State.RETIRED, retired_at=timezone.now()
        )
    return left


def kek_rotate() -> int:
    """Rewrap every key not wrapped by the current KEK; how many were rewrapped."""
    current = keyring.kek()
    count = 0
    with transaction.atomic():
        for key in DataKey.objects.select_for_update().exclude(kek_id=current.key_id):
            context = crypto.wrap_context(key.key_id, key.purpose)
            material = keyring.wrapper_for(key.kek_id).unwrap(bytes(key.wrapped), context)
            key.wrapped = current.wrap(material, context)
            key.kek_id = current.key_id
            key.save(update_fields=["wrapped", "kek_id"])
            count += 1
    return count
