"""Bulk writes of generated columns: ``executemany`` on SQLite, binary ``COPY`` on PostgreSQL.

The ORM builds a model instance per row, which is what makes ``bulk_create`` slow at tens of
millions of rows. Here a table arrives as columns (numpy arrays or lists, in the conventions of
``demo.generate``) and goes to the database in the form its driver takes fastest:

* SQLite: Python values in the exact form Django stores (ISO dates, naive UTC times, decimals as
  numbers), bound by ``executemany``;
* PostgreSQL: ``COPY … FROM STDIN (FORMAT BINARY)``, with every row laid out by numpy: each
  column becomes a fixed-width byte matrix plus the length actually used, and one boolean mask
  packs the rows. No Python object is made per value.

Encrypted fields (``keys.fields``) are encrypted here, column by column, and their blind
indexes computed, so the generator hands over plaintext like for any other column.

Every write bypasses model ``save()``: the generator is responsible for valid rows, and the
database's own constraints (unique, foreign key, check) still hold it to that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import IntegrityError, models
from django.db.backends.base.base import BaseDatabaseWrapper

from doorstep.keys.fields import prepare_columns

Column = npt.NDArray[Any] | list[Any]
SLICE_ROWS = 100_000
EPOCH_2000_DAYS = np.datetime64("2000-01-01", "D")
EPOCH_2000_SECONDS = np.datetime64("2000-01-01T00:00:00", "s")
PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
PG_TRAILER = b"\xff\xff"
INTEGER_WIDTH = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8"}


def write_table(
    connection: BaseDatabaseWrapper, model: type[models.Model], columns: dict[str, Column]
) -> int:
    """Insert the rows given as ``{attname: values}`` into ``model``'s table; return the count."""
    if not columns or not len(next(iter(columns.values()))):
        return 0
    # Personal fields go in encrypted, with their blind indexes (docs/encryption.md).
    columns = prepare_columns(model, columns)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = list(columns)
    chosen = [fields[name] for name in names]
    rows = len(columns[names[0]])
    if connection.vendor == "postgresql":
        _copy_binary(connection, model, chosen, [columns[n] for n in names], rows)
    else:
        _execute_many(connection, model, chosen, [columns[n] for n in names], rows)
    return rows


@contextmanager
def bulk_session(
    connection: BaseDatabaseWrapper, deferred: Sequence[type[models.Model]] = ()
) -> Iterator[bool]:
    """Connection settings for a bulk load, put back afterwards. Yields True when foreign keys
    are not checked row by row, so the caller must run ``check_foreign_keys``.

    Secondary (non-unique) indexes of the ``deferred`` models are dropped for the load and built
    again at the end, in one sorted pass each instead of one update per row. SQLite also keeps
    its rollback journal in memory, stops waiting for the disk and switches off row-by-row key
    checks, which it allows only outside a transaction (a test's load keeps them). A crash
    mid-load can leave such a database without those indexes or unusable: it held only the
    demo, so load it again into a fresh one.
    """
    indexes = _secondary_indexes(connection, deferred)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    restore: list[str] = []
    keys_off = False
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for pragma in ("journal_mode", "synchronous", "cache_size"):
                cursor.execute(f"PRAGMA {pragma}")
                restore.append(f"PRAGMA {pragma} = {cursor.fetchone()[0]}")
            cursor.execute("PRAGMA journal_mode = MEMORY")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -131072")  # 128 MB for the indexes kept
        keys_off = connection.disable_constraint_checking()
    try:
        yield keys_off
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for statement in restore:
                cursor.execute(statement)
        if keys_off:
            connection.enable_constraint_checking()


def _secondary_indexes(
    connection: BaseDatabaseWrapper, models_: Sequence[type[models.Model]]
) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each non-unique index on these models' tables."""
    tables = [m._meta.db_table for m in models_]
    if not tables:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary "
                "AND t.relnamespace = 'public'::regnamespace ORDER BY i.relname",
                [tables],
            )
        elif connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608  # nosec B608
                f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
        else:
            return []
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


def begin_block(connection: BaseDatabaseWrapper) -> bool:
    """Settings for the current transaction; True when foreign keys are left to the caller.

    PostgreSQL checks a deferred foreign key by running a query and locking the parent row for
    every row written, which costs more than the write itself. A superuser may switch those
    triggers off for the transaction, and then ``check_foreign_keys`` checks the block with one
    query per key instead. Commits need not wait for the disk either: a crash loses the block.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SHOW is_superuser")
        if cursor.fetchone()[0] != "on":
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def check_foreign_keys(
    connection: BaseDatabaseWrapper, model: type[models.Model], first: int, last: int
) -> None:
    """Raise IntegrityError if a row with an id in [first, last] points at a missing row."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is None:
                continue
            parent = field.related_model._meta
            target = field.target_field.column  # type: ignore[attr-defined]
            column = quote(str(field.column))
            cursor.execute(
                f"SELECT c.{quote(str(model._meta.pk.column))} FROM {table} c "  # noqa: S608  # nosec B608
                f"WHERE c.{quote(str(model._meta.pk.column))} BETWEEN %s AND %s "
                f"AND c.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                f"{quote(parent.db_table)} p WHERE p.{quote(target)} = c.{column}) LIMIT 1",
                [first, last],
            )
            orphan = cursor.fetchone()
            if orphan is not None:
                raise IntegrityError(
                    f"{model._meta.db_table} row {orphan[0]}: {field.column} points nowhere"
                )


def _kind(field: models.Field[Any, Any]) -> str:
    internal = field.get_internal_type()
    if internal == "ForeignKey":
        return "integer"
    if internal in {"DecimalField", "DateField", "DateTimeField", "BooleanField", "JSONField"}:
        return internal
    if internal in {"CharField", "TextField"}:
        return "text"
    return "integer"


def _nulls(values: Column) -> npt.NDArray[np.bool_]:
    if isinstance(values, list):
        return np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if values.dtype.kind == "M":
        return np.isnat(values)
    return np.zeros(len(values), dtype=bool)


def _numbers(values: Column, nulls: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    if isinstance(values, list):
        return np.array([0 if v is None else v for v in values], dtype=np.int64)
    return np.where(nulls, 0, values).astype(np.int64)


def _moments(values: Column, unit: str) -> npt.NDArray[np.datetime64]:
    """Dates (unit "D") or naive UTC times (unit "s") as numpy, NaT for NULL."""
    if isinstance(values, list):
        return np.array(
            [np.datetime64("NaT") if v is None else v for v in values], dtype=f"datetime64[{unit}]"
        )
    return values.astype(f"datetime64[{unit}]")


# SQLite ------------------------------------------------------------------------------------


def _execute_many(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    columns: Sequence[Column],
    rows: int,
) -> None:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names come from the models)  # nosec B608
        quote(model._meta.db_table),
        ", ".join(quote(str(f.column)) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, rows, SLICE_ROWS):
            part = slice(start, start + SLICE_ROWS)
            values = [_sqlite_values(f, c[part]) for f, c in zip(fields, columns, strict=True)]
            cursor.executemany(sql, list(zip(*values, strict=True)))


def _sqlite_values(field: models.Field[Any, Any], values: Column) -> list[Any]:
    kind = _kind(field)
    nulls = _nulls(values)
    if kind == "DecimalField":
        scale = 10**field.decimal_places  # type: ignore[attr-defined]
        scaled: list[Any] = (_numbers(values, nulls) / scale).tolist()
        return _with_nulls(scaled, nulls)
    if kind == "DateField":
        return _formatted(_moments(values, "D"), lambda d: d.isoformat())
    if kind == "DateTimeField":
        return _formatted(_moments(values, "s"), str)
    if kind == "JSONField":
        return [json.dumps(v) for v in values]
    if isinstance(values, list):
        return values
    return list(values.tolist())


def _with_nulls(values: list[Any], nulls: npt.NDArray[np.bool_]) -> list[Any]:
    if nulls.any():
        for index in np.flatnonzero(nulls).tolist():
            values[index] = None
    return values


def _formatted(moments: npt.NDArray[np.datetime64], form: Any) -> list[Any]:
    """Format each distinct date or time once: a block holds few of them and many rows."""
    nulls = np.isnat(moments)
    distinct, inverse = np.unique(moments[~nulls], return_inverse=True)
    text = np.array([form(v) for v in distinct.astype(object).tolist()] or [""], dtype=object)
    out = np.full(len(moments), None, dtype=object)
    out[~nulls] = text[inverse]
    return list(out.tolist())


# PostgreSQL --------------------------------------------------------------------------------


def _copy_binary(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    columns: Sequence[Column],
    rows: int,
) -> None:
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN WITH (FORMAT BINARY)".format(
        quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(PG_HEADER)
        for start in range(0, rows, SLICE_ROWS):
            part = slice(start, start + SLICE_ROWS)
            encoded = [
                _pg_column(connection, f, c[part]) for f, c in zip(fields, columns, strict=True)
            ]
            copy.write(_pack(encoded, min(SLICE_ROWS, rows - start)))
        copy.write(PG_TRAILER)


Encoded = tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]


def _pack(encoded: Sequence[Encoded], rows: int) -> bytes:
    """Lay the rows out as COPY BINARY tuples: field count, then each field's length and bytes."""
    count = np.full(rows, len(encoded), dtype=">i2").view(np.uint8).reshape(rows, 2)
    matrix = np.concatenate([count, *(m for m, _ in encoded)], axis=1)
    keep = np.empty(matrix.shape, dtype=bool)
    keep[:, :2] = True
    offset = 2
    for block, used in encoded:
        width = block.shape[1]
        keep[:, offset : offset + width] = np.arange(width)[None, :] < used[:, None]
        offset += width
    return matrix[keep].tobytes()


def _fixed(values: npt.NDArray[Any], nulls: npt.NDArray[np.bool_], dtype: str) -> Encoded:
    size = np.dtype(dtype).itemsize
    data = np.zeros(len(values), dtype=[("length", ">i4"), ("value", dtype)])
    data["length"] = np.where(nulls, -1, size)
    data["value"] = values
    return (
        data.view(np.uint8).reshape(len(values), 4 + size),
        np.where(nulls, 4, 4 + size).astype(np.int64),
    )


def _pg_column(
    connection: BaseDatabaseWrapper, field: models.Field[Any, Any], values: Column
) -> Encoded:
    kind = _kind(field)
    nulls = _nulls(values)
    if kind == "integer":
        db_type = field.db_type(connection) or "bigint"
        return _fixed(_numbers(values, nulls), nulls, INTEGER_WIDTH[db_type.split()[0]])
    if kind == "DecimalField":
        return _numeric(_numbers(values, nulls), nulls, field.decimal_places)  # type: ignore[attr-defined]
    if kind == "DateField":
        days = (_moments(values, "D") - EPOCH_2000_DAYS).astype(np.int64)
        return _fixed(np.where(nulls, 0, days), nulls, ">i4")
    if kind == "DateTimeField":
        seconds = (_moments(values, "s") - EPOCH_2000_SECONDS).astype(np.int64)
        return _fixed(np.where(nulls, 0, seconds * 1_000_000), nulls, ">i8")
    if kind == "BooleanField":
        flags = np.array([bool(v) for v in values]) if isinstance(values, list) else values
        return _fixed(flags.astype(np.uint8), nulls, "u1")
    if kind == "JSONField":
        return _variable([b"\x01" + json.dumps(v).encode() for v in values], nulls)
    if isinstance(values, list):
        return _variable([b"" if v is None else v.encode() for v in values], nulls)
    return _variable(np.strings.encode(values.astype(str), "utf-8"), nulls)


def _variable(data: list[bytes] | npt.NDArray[np.bytes_], nulls: npt.NDArray[np.bool_]) -> Encoded:
    strings = np.asarray(data, dtype=np.bytes_)
    if strings.dtype.itemsize == 0:
        strings = strings.astype("S1")
    lengths = np.strings.str_len(strings).astype(np.int64)
    width = strings.dtype.itemsize
    header = np.where(nulls, -1, lengths).astype(">i4").view(np.uint8).reshape(len(strings), 4)
    body = strings.view(np.uint8).reshape(len(strings), width)
    return (
        np.concatenate([header, body], axis=1),
        np.where(nulls, 4, 4 + lengths).astype(np.int64),
    )


def _numeric(values: npt.NDArray[np.int64], nulls: npt.NDArray[np.bool_], places: int) -> Encoded:
    """PostgreSQL's binary numeric: base-10,000 digits, four for the whole part (up to 10^16) and
    enough for ``places`` decimals. PostgreSQL strips the zero digits itself."""
    fraction_digits = (places + 3) // 4
    digits = 4 + fraction_digits
    negative = values < 0
    magnitude = np.abs(values)
    whole, fraction = np.divmod(magnitude, 10**places)
    fraction = fraction * 10 ** (4 * fraction_digits - places)
    dtype = np.dtype(
        [
            ("length", ">i4"),
            ("ndigits", ">i2"),
            ("weight", ">i2"),
            ("sign", ">u2"),
            ("dscale", ">i2"),
            ("digits", ">i2", (digits,)),
        ]
    )
    data = np.zeros(len(values), dtype=dtype)
    size = dtype.itemsize - 4
    data["length"] = np.where(nulls, -1, size)
    data["ndigits"] = digits
    data["weight"] = 3
    data["sign"] = np.where(negative, 0x4000, 0)
    data["dscale"] = places
    for position in range(4):
        data["digits"][:, 3 - position] = (whole // 10_000**position) % 10_000
    for position in range(fraction_digits):
        data["digits"][:, 4 + fraction_digits - 1 - position] = (
            fraction // 10_000**position
        ) % 10_000
    return (
        data.view(np.uint8).reshape(len(values), dtype.itemsize),
        np.where(nulls, 4, 4 + size).astype(np.int64),
    )
