"""The Merkle tree's ``TreeStore`` over database tables, and the fast inserts appends need.

Level 0 of the tree is ``LedgerEntry.leaf_hash``; levels 1 and up are ``LedgerNode`` rows keyed
by ``merkle.node_key``. A root or proof at any size reads O(log n) of them in at most two
queries. Nodes never change once written, so a reader needs no lock: every node of a tree size
that a committed head announces is committed with it.

Appends insert rows with ``COPY`` on PostgreSQL and ``executemany`` on SQLite instead of
``bulk_create``: building a model instance per row would cost more than hashing the entry, and
a bulk load appends hundreds of thousands of entries.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Field
from doorstep_verify.merkle import NodeId, NodeRun, node_key

from doorstep.ledger.models import LedgerEntry, LedgerNode

# Ids per query, under SQLite's and PostgreSQL's limits on bound parameters.
QUERY_CHUNK = 5000


def node_id(key: int) -> NodeId:
    """The ``(level, index)`` of a ``node_key``: the inverse of ``merkle.node_key``."""
    level = ((key + 1) & -(key + 1)).bit_length() - 1  # trailing zeros of key + 1
    return level, (key + 1) >> (level + 1)


class DatabaseStore:
    """A ``doorstep_verify.merkle.TreeStore`` over the ledger tables, at a given tree size.

    Appending: the service builds it with the size it read under the head lock, and
    ``add_nodes`` writes the new inner nodes (the caller writes the entries, which carry the
    leaf hashes). Reading: built with the size of a committed head or checkpoint.
    """

    def __init__(self, size: int) -> None:
        self.size = size

    def tree_size(self) -> int:
        return self.size

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        leaves = sorted({index for level, index in ids if level == 0})
        inner = sorted({node_key(level, index) for level, index in ids if level > 0})
        found: dict[NodeId, bytes] = {}
        for chunk in _chunks(leaves):
            hashes = LedgerEntry.objects.filter(index__in=chunk).values_list("index", "leaf_hash")
            found.update(((0, index), bytes(digest)) for index, digest in hashes)
        for chunk in _chunks(inner):
            nodes = LedgerNode.objects.filter(key__in=chunk).values_list("key", "hash")
            found.update((node_id(key), bytes(digest)) for key, digest in nodes)
        try:
            return [found[node] for node in ids]
        except KeyError as missing:
            raise KeyError(f"the ledger has no node {missing}") from None

    def add_nodes(self, size: int, runs: Sequence[NodeRun]) -> None:
        rows = [
            (node_key(level, index), digest)
            for run in runs
            if run.level > 0
            for level, index, digest in run.nodes()
        ]
        insert_rows(LedgerNode, ["key", "hash"], rows)
        self.size = size


def _chunks(items: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), QUERY_CHUNK):
        yield items[start : start + QUERY_CHUNK]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert plain tuples into ``model``'s table, in the caller's transaction.

    Values must already be what the column stores: ints, text, bytes, aware datetimes.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in columns]
    names = ", ".join(connection.ops.quote_name(_column(field)) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary: the server neither parses times nor decodes hex for every row.
            types = [_pg_type(field) for field in fields]
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = [_adapter(field) for field in fields]
            placeholders = ", ".join(["%s"] * len(columns))
            if any(adapt):
                rows = [
                    tuple(f(v) if f else v for f, v in zip(adapt, row, strict=True)) for row in rows
                ]
            # Bandit B608 reviewed: names come from the models, values are parameters
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608  # nosec B608


def _pg_type(field: Any) -> str:
    """The column's type name as psycopg's registry knows it: ``varchar(64)`` → ``varchar``."""
    return str(field.db_type(connection)).split("(", 1)[0]


def _column(field: Any) -> str:
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{field} is not a column")
    return field.column


def _adapter(field: Any) -> Any:
    """How SQLite wants a value Django would convert for it (only datetimes need it here).

    A batch shares one time, so each distinct value is converted once.
    """
    if isinstance(field, models.DateTimeField):
        return functools.lru_cache(maxsize=64)(connection.ops.adapt_datetimefield_value)
    return None
