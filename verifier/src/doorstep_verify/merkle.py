"""RFC 6962 / RFC 9162 Merkle tree hashing: roots, inclusion and consistency proofs.

Leaf hash = SHA-256(0x00 ‖ data), node hash = SHA-256(0x01 ‖ left ‖ right); the tree over n
leaves splits at the largest power of two below n (RFC 6962 §2.1), so every other transparency log
tool computes the same roots and proofs.

Why proofs stay O(log n) at any size: a node ``(level, index)`` is the hash of the *perfect*
subtree over leaves ``[index·2^level, (index+1)·2^level)``. Such a node never changes once its
last leaf has arrived, so a store keeps every one of them as leaves are appended (about two per
leaf). Any range the RFC recursion asks for is a run of at most log₂ n perfect subtrees, so a root
or proof, for the current size or any earlier one, reads O(log n) stored nodes and never rehashes
the log. Appending m leaves to a tree of n reads at most one old node per set bit of n (see
:func:`left_edge`) and hashes about 2m nodes, level by level.

The storage is behind :class:`TreeStore`: :class:`MemoryStore` here, a database table on the
server. Verification needs no store at all.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256

NodeId = tuple[int, int]
"""``(level, index)``: the perfect subtree of leaves ``[index << level, (index + 1) << level)``."""

Range = tuple[int, int]
"""``(start, end)``: the leaves ``[start, end)`` of a subtree the RFC recursion names."""


class ProofError(ValueError):
    """A proof that does not check, or a request for a proof that cannot exist."""


def leaf_hash(data: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + data).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of many entries in one comprehension: the hot loop of a bulk append."""
    return [_sha256(LEAF_PREFIX + data).digest() for data in entries]


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def node_key(level: int, index: int) -> int:
    """One integer per node (in-order position in the infinite tree), handy as a database key.

    Leaves are the even numbers, a node sits between its two children, and keys never collide.
    """
    return (((index << 1) | 1) << level) - 1


def split(width: int) -> int:
    """The largest power of two strictly below ``width`` (≥ 2): where RFC 6962 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def subtree_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, whose fold is the RFC hash of leaves ``[start, end)``.

    Valid for the ranges the RFC recursion produces (and every prefix ``[0, n)``): the range starts
    on a multiple of its largest piece, so each piece is an aligned, stored node.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"[{start}, {end}) is not a subtree of an RFC 6962 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of consecutive perfect subtrees, largest first, combined as the RFC recursion is."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = _sha256(NODE_PREFIX + left + result).digest()
    return result


def root_of(hashes: Sequence[bytes]) -> bytes:
    """The root over a full list of leaf hashes, level by level in O(n), keeping no tree."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    tails: list[bytes] = []  # the unpaired last node of each level: the frontier, smallest first
    while len(level) > 1:
        if len(level) & 1:
            tails.append(level.pop())
        pairs = iter(level)
        level = [
            _sha256(NODE_PREFIX + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
    return fold(level + tails[::-1])


@dataclass(frozen=True)
class NodeRun:
    """Consecutive new nodes of one level: ``hashes[i]`` is node ``(level, start + i)``."""

    level: int
    start: int
    hashes: list[bytes]

    def nodes(self) -> Iterator[tuple[int, int, bytes]]:
        for offset, digest in enumerate(self.hashes):
            yield self.level, self.start + offset, digest


def left_edge(size: int, count: int) -> list[NodeId]:
    """The old nodes that appending ``count`` leaves to a tree of ``size`` leaves hashes with.

    At each level the new nodes reach, if the first new node is a right child, its left sibling
    is the old tree's last perfect subtree of that level. One leaf appended reads one node on
    average; a batch at most one per set bit of ``size``.
    """
    reached = (size ^ (size + count)).bit_length()  # levels where new nodes appear
    return [(level, (size >> level) - 1) for level in range(reached) if (size >> level) & 1]


def extend(size: int, edge: Mapping[int, bytes], new_leaves: Sequence[bytes]) -> list[NodeRun]:
    """Every node completed by appending ``new_leaves`` (leaf hashes) to a tree of ``size`` leaves.

    ``edge`` maps each level of :func:`left_edge` to that node's stored hash. Pure, so a
    database store can call it under its own lock and write the runs in one bulk insert.
    """
    runs: list[NodeRun] = []
    level, first, current = 0, size, list(new_leaves)
    while current:
        runs.append(NodeRun(level, first, current))
        if first & 1:
            if level not in edge:
                raise ValueError(f"appending to {size} leaves needs the level-{level} edge node")
            row = [edge[level], *current]
        else:
            row = current
        pairs = iter(row)
        current = [
            _sha256(NODE_PREFIX + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        level, first = level + 1, first >> 1
    return runs


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes make leaf ``index``'s audit path (RFC 6962 PATH), lowest first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return path[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees proving tree ``first`` is a prefix of tree ``second`` (RFC 6962 PROOF)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    path: list[Range] = []
    start, end, old, whole = 0, second, first, True
    while old != end - start:
        k = split(end - start)
        if old <= k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start, old, whole = start + k, old - k, False
    if not whole:
        path.append((start, end))
    return path[::-1]


class TreeStore(Protocol):
    """Where the hashes of perfect subtrees live. Nodes are immutable once written.

    ``get_nodes`` returns the hashes in the order asked (one round trip for a database) and raises
    ``KeyError`` for a node it does not have. ``add_nodes`` receives the output of :func:`extend`
    and the new tree size; it is called once per append batch.
    """

    def tree_size(self) -> int: ...

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]: ...

    def add_nodes(self, size: int, runs: Sequence[NodeRun]) -> None: ...


class MemoryStore:
    """A :class:`TreeStore` in lists, one per level: for tests, benchmarks and the verifier."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []
        self._size = 0

    def tree_size(self) -> int:
        return self._size

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        levels = self._levels
        try:
            return [levels[level][index] for level, index in ids]
        except IndexError:
            raise KeyError(f"missing node among {list(ids)}") from None

    def add_nodes(self, size: int, runs: Sequence[NodeRun]) -> None:
        for run in runs:
            while len(self._levels) <= run.level:
                self._levels.append([])
            nodes = self._levels[run.level]
            if len(nodes) != run.start:
                raise ValueError(
                    f"level {run.level} has {len(nodes)} nodes, run starts at {run.start}"
                )
            nodes.extend(run.hashes)
        self._size = size


class MerkleTree:
    """An append-only RFC 6962 tree over any :class:`TreeStore`.

    Not thread-safe by itself: the caller serialises appends (the server does it with a row lock
    in the appending transaction).
    """

    def __init__(self, store: TreeStore) -> None:
        self.store = store

    @property
    def size(self) -> int:
        return self.store.tree_size()

    def append(self, entries: Iterable[bytes]) -> int:
        """Appends entries (the exact bytes to hash) and returns the index of the first one."""
        return self.append_hashes(leaf_hashes(entries))

    def append_hashes(self, hashes: Sequence[bytes]) -> int:
        size = self.store.tree_size()
        if hashes:
            needed = left_edge(size, len(hashes))
            found = self.store.get_nodes(needed) if needed else []
            edge = {level: digest for (level, _), digest in zip(needed, found, strict=True)}
            self.store.add_nodes(size + len(hashes), extend(size, edge, hashes))
        return size

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ProofError(f"leaf {index} is not in a tree of {self.size} leaves")
        return self.store.get_nodes([(0, index)])[0]

    def root(self, size: int | None = None) -> bytes:
        size = self._checked_size(size)
        return self._range_hashes([(0, size)])[0] if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return self._range_hashes(inclusion_ranges(index, self._checked_size(size)))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return self._range_hashes(consistency_ranges(first, self._checked_size(second)))

    def _checked_size(self, size: int | None) -> int:
        current = self.store.tree_size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ProofError(f"the tree has {current} leaves, not {size}")
        return size

    def _range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """Hashes of disjoint ranges from one batched read of their O(log n) perfect subtrees."""
        nodes: list[NodeId] = []
        counts: list[int] = []
        for start, end in ranges:
            width = end - start
            if width & (width - 1):
                pieces = subtree_nodes(start, end)
                nodes.extend(pieces)
                counts.append(len(pieces))
            else:
                level = width.bit_length() - 1
                nodes.append((level, start >> level))
                counts.append(1)
        hashes = self.store.get_nodes(nodes)
        result: list[bytes] = []
        offset = 0
        for count in counts:
            result.append(hashes[offset] if count == 1 else fold(hashes[offset : offset + count]))
            offset += count
        return result


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """Checks an audit path (RFC 9162 §2.1.3.2); raises :class:`ProofError` saying what failed."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    _check_hashes([leaf, root, *path])
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofError(f"the path has {len(path)} hashes, more than a tree of {size} needs")
        if fn & 1 or fn == sn:
            result = _sha256(NODE_PREFIX + sibling + result).digest()
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = _sha256(NODE_PREFIX + result + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"the path has {len(path)} hashes, fewer than a tree of {size} needs")
    if not hmac.compare_digest(result, root):
        raise ProofError(f"the path from leaf {index} does not lead to the root of {size} leaves")


def verify_consistency(
    first: int, second: int, path: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Checks that tree ``first`` is a prefix of tree ``second`` (RFC 9162 §2.1.4.2)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    _check_hashes([first_root, second_root, *path])
    if first == second:
        if path:
            raise ProofError("a tree is consistent with itself by an empty proof")
        if not hmac.compare_digest(first_root, second_root):
            raise ProofError(f"two different roots for the same size {first}")
        return
    if not path:
        raise ProofError(f"an empty proof cannot link {first} leaves to {second}")
    hashes = [first_root, *path] if (first & (first - 1)) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for sibling in hashes[1:]:
        if sn == 0:
            raise ProofError(f"the path has {len(path)} hashes, more than {first}→{second} needs")
        if fn & 1 or fn == sn:
            fr = _sha256(NODE_PREFIX + sibling + fr).digest()
            sr = _sha256(NODE_PREFIX + sibling + sr).digest()
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _sha256(NODE_PREFIX + sr + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"the path has {len(path)} hashes, fewer than {first}→{second} needs")
    if not hmac.compare_digest(fr, first_root):
        raise ProofError(f"the proof does not lead to the root of the first {first} leaves")
    if not hmac.compare_digest(sr, second_root):
        raise ProofError(f"the proof does not lead to the root of the {second} leaves")


def _check_hashes(hashes: Iterable[bytes]) -> None:
    for digest in hashes:
        if len(digest) != HASH_SIZE:
            raise ProofError(f"a hash of {len(digest)} bytes where SHA-256 gives {HASH_SIZE}")
