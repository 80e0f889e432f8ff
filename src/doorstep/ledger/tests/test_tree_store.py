"""The tree stored in the database gives the roots and proofs RFC 6962 defines, at every size.

The entries go in through the service in batches of every shape (1, 2, 3, … entries), then the
stored nodes, roots and proofs are compared with ``MemoryStore``'s, whose every root and proof
the verifier's own tests check against the RFC's recursive definitions for sizes 1…300.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from functools import cache

import pytest
from django.db import transaction
from doorstep_verify.merkle import (
    MemoryStore,
    MerkleTree,
    NodeId,
    NodeRun,
    node_key,
    verify_consistency,
    verify_inclusion,
)

from doorstep.ledger.models import LedgerNode
from doorstep.ledger.selectors import consistency_proof, inclusion_proof, leaf_chunks
from doorstep.ledger.services import ledger_append_many
from doorstep.ledger.storage import DatabaseStore, node_id

from .conftest import payment_events

N = 300


@pytest.fixture
def stored() -> tuple[MerkleTree, MerkleTree, list[bytes]]:
    """300 entries appended in batches of 1, 2, 3, …; the same entries in a MemoryStore."""
    events = payment_events(N)
    start, width = 0, 1
    while start < N:
        with transaction.atomic():
            ledger_append_many(events[start : start + width])
        start, width = start + width, width + 1
    data = [text.encode() for chunk in leaf_chunks(N) for _, text in chunk]
    memory = MerkleTree(MemoryStore())
    memory.append(data)
    return MerkleTree(DatabaseStore(N)), memory, data


def rfc_root(data: list[bytes]) -> bytes:
    """MTH of RFC 6962 §2.1, recursively, as the text defines it."""

    @cache
    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return hashlib.sha256(b"\x00" + data[lo]).digest()
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()

    return mth(0, len(data))


@pytest.mark.django_db
def test_every_stored_node_is_the_memory_trees_node(stored) -> None:
    _, memory, _ = stored
    rows = dict(LedgerNode.objects.values_list("key", "hash"))
    expected = {
        node_key(level, index): digest
        for level, hashes in enumerate(memory.store._levels)  # type: ignore[attr-defined]
        if level > 0
        for index, digest in enumerate(hashes)
    }
    assert {key: bytes(value) for key, value in rows.items()} == expected
    assert all(node_key(*node_id(key)) == key for key in rows)


@pytest.mark.django_db
def test_the_root_at_every_size_is_the_rfc_root(stored) -> None:
    database, memory, data = stored
    for size in range(1, N + 1):
        assert database.root(size) == memory.root(size) == rfc_root(data[:size]), size


@pytest.mark.django_db
def test_proofs_read_from_the_database_match_and_verify(stored) -> None:
    database, memory, _ = stored
    rng = random.Random(7)
    pairs = [(m, n) for n in range(1, 17) for m in range(n)]
    pairs += [(rng.randrange(n), n) for n in (rng.randrange(17, N + 1) for _ in range(150))]
    for index, size in pairs:
        path = database.inclusion_proof(index, size)
        assert path == memory.inclusion_proof(index, size), (index, size)
        verify_inclusion(database.leaf_hash(index), index, size, path, memory.root(size))
        if index:
            proof = database.consistency_proof(index, size)
            assert proof == memory.consistency_proof(index, size), (index, size)
            verify_consistency(index, size, proof, memory.root(index), memory.root(size))


class ReadOnce:
    """The database store, each node read from it once: 90,000 proofs in seconds, not minutes."""

    def __init__(self, store: DatabaseStore) -> None:
        self.store = store
        self.seen: dict[NodeId, bytes] = {}

    def tree_size(self) -> int:
        return self.store.tree_size()

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        missing = [node for node in dict.fromkeys(ids) if node not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.store.get_nodes(missing), strict=True))
        return [self.seen[node] for node in ids]

    def add_nodes(self, size: int, runs: Sequence[NodeRun]) -> None:
        raise AssertionError("read only")


@pytest.mark.slow
@pytest.mark.django_db
def test_every_proof_up_to_300_entries_is_the_memory_trees(stored) -> None:
    _, memory, _ = stored
    database = MerkleTree(ReadOnce(DatabaseStore(N)))
    for size in range(1, N + 1):
        for index in range(size):
            assert database.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
            if index:
                assert database.consistency_proof(index, size) == memory.consistency_proof(
                    index, size
                )


@pytest.mark.django_db
def test_a_proof_costs_three_queries_at_any_size(stored, django_assert_num_queries) -> None:
    _, memory, _ = stored
    with django_assert_num_queries(3):  # the size, the leaf hashes, the inner nodes
        proof = inclusion_proof(index=137, tree_size=299)
    assert list(proof.path) == memory.inclusion_proof(137, 299)
    with django_assert_num_queries(3):
        grown = consistency_proof(first=100, second=299)
    assert list(grown.path) == memory.consistency_proof(100, 299)
    assert (grown.first_root, grown.second_root) == (memory.root(100), memory.root(299))
