"""The tree over a store: CT's published vectors, batch-independence and O(log n) reads."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from doorstep_verify.merkle import (
    EMPTY_ROOT,
    MemoryStore,
    MerkleTree,
    NodeId,
    NodeRun,
    ProofError,
    extend,
    leaf_hash,
    left_edge,
    node_key,
    subtree_nodes,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference leaves and the root after each (RFC 6962 test vectors).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


class CountingStore(MemoryStore):
    """Counts what the tree reads, to prove it reads O(log n) nodes and in one call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.calls.append(len(ids))
        return super().get_nodes(ids)


def all_nodes(tree: MerkleTree) -> list[bytes]:
    size = tree.size
    ids = [(level, i) for level in range(size.bit_length()) for i in range(size >> level)]
    return tree.store.get_nodes(ids)


def test_roots_and_proofs_match_the_certificate_transparency_vectors() -> None:
    tree = MerkleTree(MemoryStore())
    for leaf in CT_LEAVES:
        tree.append([leaf])

    assert [tree.root(n).hex() for n in range(9)] == CT_ROOTS
    assert [h.hex()[:12] for h in tree.inclusion_proof(0, 8)] == [
        "96a296d224f2",
        "5f083f0a1a33",
        "6b47aaf29ee3",
    ]
    assert [h.hex()[:12] for h in tree.inclusion_proof(5, 8)] == [
        "bc1a0643b12e",
        "ca854ea128ed",
        "d37ee418976d",
    ]
    assert [h.hex()[:12] for h in tree.consistency_proof(2, 8)] == [
        "5f083f0a1a33",
        "6b47aaf29ee3",
    ]


def test_the_empty_tree_has_the_hash_of_nothing_as_root() -> None:
    assert MerkleTree(MemoryStore()).root() == EMPTY_ROOT == bytes.fromhex(CT_ROOTS[0])


def test_any_batching_of_appends_stores_the_same_nodes() -> None:
    entries = [f"entry {n}".encode() for n in range(777)]
    one_by_one = MerkleTree(MemoryStore())
    for entry in entries:
        one_by_one.append([entry])
    at_once = MerkleTree(MemoryStore())
    at_once.append(entries)
    in_random_batches = MerkleTree(MemoryStore())
    rng, start = random.Random(7), 0
    while start < len(entries):
        stop = start + rng.randint(1, 90)
        assert in_random_batches.append(entries[start:stop]) == start
        start = stop

    assert all_nodes(one_by_one) == all_nodes(at_once) == all_nodes(in_random_batches)
    assert len(all_nodes(at_once)) == 2 * 777 - bin(777).count("1")


def test_extend_returns_contiguous_runs_a_database_can_insert_in_bulk() -> None:
    tree = MerkleTree(MemoryStore())
    tree.append([b"a", b"b", b"c", b"d", b"e"])
    new = [leaf_hash(b"f"), leaf_hash(b"g"), leaf_hash(b"h")]
    needed = left_edge(5, 3)
    edge = {
        level: digest
        for (level, _), digest in zip(needed, tree.store.get_nodes(needed), strict=True)
    }

    runs = extend(5, edge, new)

    assert needed == [(0, 4), (2, 0)]
    assert [(run.level, run.start, len(run.hashes)) for run in runs] == [
        (0, 5, 3),
        (1, 2, 2),
        (2, 1, 1),
        (3, 0, 1),
    ]
    assert [(level, index) for level, index, _ in runs[1].nodes()] == [(1, 2), (1, 3)]


def test_extend_needs_the_left_edge_nodes_it_hashes_with() -> None:
    assert left_edge(5, 1) == [(0, 4)]
    assert left_edge(6, 1) == []
    assert left_edge(7, 1) == [(0, 6), (1, 2), (2, 0)]
    assert left_edge(5, 3) == [(0, 4), (2, 0)]
    with pytest.raises(ValueError, match="appending to 5 leaves needs the level-0 edge node"):
        extend(5, {}, [leaf_hash(b"b")])


def test_a_store_refuses_runs_that_would_leave_a_gap() -> None:
    store = MemoryStore()

    with pytest.raises(ValueError, match="level 0 has 0 nodes, run starts at 3"):
        store.add_nodes(4, [NodeRun(0, 3, [leaf_hash(b"x")])])


def test_proofs_read_o_log_n_nodes_in_one_call_at_any_size() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.append([n.to_bytes(4, "big") for n in range(100_003)])
    store.calls.clear()
    log_n = (100_003).bit_length()

    root = tree.root()
    path = tree.inclusion_proof(54_321)
    proof = tree.consistency_proof(77_777)
    old_path = tree.inclusion_proof(5, 1_000)

    assert store.calls[0] == bin(100_003).count("1")
    assert all(count <= 2 * log_n for count in store.calls)
    assert len(store.calls) == 4
    verify_inclusion(tree.leaf_hash(54_321), 54_321, 100_003, path, root)
    verify_consistency(77_777, 100_003, proof, tree.root(77_777), root)
    verify_inclusion(tree.leaf_hash(5), 5, 1_000, old_path, tree.root(1_000))


def test_appending_reads_only_the_left_edge_nodes() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.append([b"x"] * 1_000)
    store.calls.clear()

    tree.append([b"y"] * 10)
    tree.append([b"z"])
    tree.append([b"z"])

    assert left_edge(1_000, 10) == [(3, 124)]
    assert left_edge(1_010, 1) == []
    assert left_edge(1_011, 1) == [(0, 1_010), (1, 504)]
    assert store.calls == [1, 2]


def test_proofs_outside_the_tree_are_refused() -> None:
    tree = MerkleTree(MemoryStore())
    tree.append([b"a", b"b", b"c"])

    with pytest.raises(ProofError, match="leaf 3 is not in a tree of 3 leaves"):
        tree.inclusion_proof(3)
    with pytest.raises(ProofError, match="the tree has 3 leaves, not 4"):
        tree.root(4)
    with pytest.raises(ProofError, match="no consistency proof from 0 to 3 leaves"):
        tree.consistency_proof(0)
    with pytest.raises(ProofError, match="leaf 3 is not in a tree of 3 leaves"):
        tree.leaf_hash(3)


def test_verification_refuses_hashes_of_the_wrong_length() -> None:
    leaf = leaf_hash(b"a")

    with pytest.raises(ProofError, match="a hash of 31 bytes where SHA-256 gives 32"):
        verify_inclusion(leaf, 0, 2, [leaf[:31]], leaf)


def test_node_keys_are_unique_and_leaves_are_even() -> None:
    ids = [(level, i) for level in range(11) for i in range(1_000 >> level)]
    keys = [node_key(level, index) for level, index in ids]

    assert len(set(keys)) == len(keys)
    assert [node_key(0, i) for i in range(4)] == [0, 2, 4, 6]
    assert node_key(1, 0) == 1
    assert node_key(2, 0) == 3


def test_a_range_that_is_not_an_rfc_subtree_is_refused() -> None:
    assert subtree_nodes(8, 15) == [(2, 2), (1, 6), (0, 14)]
    with pytest.raises(ValueError, match=r"\[1, 3\) is not a subtree"):
        subtree_nodes(1, 3)
