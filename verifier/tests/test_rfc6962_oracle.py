"""Every root and proof for trees of 1…300 leaves equals what RFC 6962 §2.1 defines.

The oracle below is the RFC's recursive MTH, PATH and PROOF written as plainly as the text, over
index ranges of one fixed leaf list so that each can be memoised (otherwise the 90,000 proofs
would rehash the same subtrees millions of times). The tree under test is built once with 300
leaves and asked for proofs at every earlier size, which is also what the server does.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from doorstep_verify.merkle import (
    EMPTY_ROOT,
    MemoryStore,
    MerkleTree,
    ProofError,
    root_of,
    verify_consistency,
    verify_inclusion,
)

N = 300
ENTRIES = [f'{{"seq":{i},"type":"visit.planned"}}'.encode() for i in range(N)]


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) exactly as RFC 6962 §2.1 defines it."""
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + ENTRIES[lo]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()


@cache
def path(m: int, lo: int, hi: int) -> tuple[bytes, ...]:
    """PATH(m, D[lo:hi]) of RFC 6962 §2.1.1, m relative to lo."""
    n = hi - lo
    if n == 1:
        return ()
    k = _k(n)
    if m < k:
        return (*path(m, lo, lo + k), mth(lo + k, hi))
    return (*path(m - k, lo + k, hi), mth(lo, lo + k))


@cache
def subproof(m: int, lo: int, hi: int, b: bool) -> tuple[bytes, ...]:
    """SUBPROOF(m, D[lo:hi], b) of RFC 6962 §2.1.2."""
    n = hi - lo
    if m == n:
        return () if b else (mth(lo, hi),)
    k = _k(n)
    if m <= k:
        return (*subproof(m, lo, lo + k, b), mth(lo + k, hi))
    return (*subproof(m - k, lo + k, hi, False), mth(lo, lo + k))


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    built = MerkleTree(MemoryStore())
    built.append(ENTRIES[:1])
    built.append(ENTRIES[1:37])
    built.append(ENTRIES[37:])
    return built


def test_roots_equal_the_rfc_mth_for_every_size(tree: MerkleTree) -> None:
    assert tree.root(0) == EMPTY_ROOT
    for n in range(1, N + 1):
        assert tree.root(n) == mth(0, n), n


def test_root_of_a_leaf_list_equals_the_rfc_mth_for_every_size() -> None:
    hashes = [mth(i, i + 1) for i in range(N)]
    for n in range(N + 1):
        assert root_of(hashes[:n]) == mth(0, n), n


def test_inclusion_proofs_equal_rfc_path_and_verify_for_every_index_and_size(
    tree: MerkleTree,
) -> None:
    for n in range(1, N + 1):
        root = mth(0, n)
        for m in range(n):
            proof = tree.inclusion_proof(m, n)
            assert tuple(proof) == path(m, 0, n), (m, n)
            verify_inclusion(mth(m, m + 1), m, n, proof, root)


def test_consistency_proofs_equal_rfc_proof_and_verify_for_every_pair_of_sizes(
    tree: MerkleTree,
) -> None:
    for n in range(1, N + 1):
        second_root = mth(0, n)
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert tuple(proof) == subproof(m, 0, n, True), (m, n)
            verify_consistency(m, n, proof, mth(0, m), second_root)


def test_an_inclusion_proof_fails_for_any_other_index_leaf_or_root(tree: MerkleTree) -> None:
    for n in range(2, 70):
        root = mth(0, n)
        for m in range(n):
            proof = tree.inclusion_proof(m, n)
            leaf = mth(m, m + 1)
            for wrong in (m - 1, m + 1):
                if 0 <= wrong < n:
                    with pytest.raises(ProofError):
                        verify_inclusion(leaf, wrong, n, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(mth((m + 1) % n, (m + 1) % n + 1), m, n, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(leaf, m, n, proof, mth(0, n - 1))
            if proof:
                with pytest.raises(ProofError):
                    verify_inclusion(leaf, m, n, proof[:-1], root)
            with pytest.raises(ProofError):
                verify_inclusion(leaf, m, n, [*proof, root], root)


def test_a_consistency_proof_fails_for_other_sizes_roots_or_paths(tree: MerkleTree) -> None:
    for n in range(2, 70):
        second_root = mth(0, n)
        for m in range(1, n):
            proof = tree.consistency_proof(m, n)
            first_root = mth(0, m)
            with pytest.raises(ProofError):
                verify_consistency(m, n, proof, mth(0, m - 1) if m > 1 else mth(1, 2), second_root)
            with pytest.raises(ProofError):
                verify_consistency(m, n, proof, first_root, mth(0, n - 1))
            with pytest.raises(ProofError):
                verify_consistency(m, n, proof[:-1], first_root, second_root)
            with pytest.raises(ProofError):
                verify_consistency(m, n, [*proof, second_root], first_root, second_root)
            flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
            with pytest.raises(ProofError):
                verify_consistency(m, n, flipped, first_root, second_root)
