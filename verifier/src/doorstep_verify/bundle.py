"""The three JSON documents the log hands to auditors, exactly as auditors script against them.

- Export bundle: ``{"tree_size", "root_hash", "timestamp", "checkpoint", "signature",
  "public_key", "leaves": [{"index", "data"}]}``: every leaf's exact hashed text (UTF-8),
  the signed checkpoint text and the hex Ed25519 signature over its UTF-8 bytes.
- Inclusion proof: ``{"leaf_index", "tree_size", "leaf_hash", "path", "root_hash"}``.
- Consistency proof: ``{"first_size", "second_size", "path", "first_root", "second_root"}``.

Hashes and keys are lowercase hex, indexes 0-based. A document's kind is told by its keys.
Parsing is strict about types and shapes, so a damaged file is reported as such, and leaves
the judging of the content (order, gaps, hashes, signature) to :mod:`doorstep_verify.checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from doorstep_verify.merkle import HASH_SIZE, MerkleTree

Kind = Literal["bundle", "inclusion", "consistency"]

BUNDLE_KEYS = frozenset(
    {"tree_size", "root_hash", "timestamp", "checkpoint", "signature", "public_key", "leaves"}
)
INCLUSION_KEYS = frozenset({"leaf_index", "tree_size", "leaf_hash", "path", "root_hash"})
CONSISTENCY_KEYS = frozenset({"first_size", "second_size", "path", "first_root", "second_root"})
_KINDS: tuple[tuple[Kind, frozenset[str]], ...] = (
    ("bundle", BUNDLE_KEYS),
    ("inclusion", INCLUSION_KEYS),
    ("consistency", CONSISTENCY_KEYS),
)


class FormatError(ValueError):
    """A document that is not one of the three formats, or has a field of the wrong shape."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def kind_of(document: object) -> Kind:
    """Which of the three documents this is, by its keys (all of them, nothing else)."""
    if not isinstance(document, dict):
        raise FormatError("the file is not a JSON object")
    keys = frozenset(document)
    for kind, expected in _KINDS:
        if keys == expected:
            return kind
    closest_kind, closest = min(_KINDS, key=lambda pair: len(pair[1] ^ keys))
    missing = ", ".join(sorted(closest - keys)) or "none"
    extra = ", ".join(sorted(keys - closest)) or "none"
    raise FormatError(
        f"not a bundle, inclusion proof or consistency proof; as a {closest_kind} it lacks "
        f"[{missing}] and has unexpected [{extra}]"
    )


@dataclass(slots=True)
class Leaf:
    """One exported leaf. Slotted and not frozen: a million of them load twice as fast."""

    index: int
    data: str


@dataclass(frozen=True)
class Bundle:
    tree_size: int
    root_hash: bytes
    timestamp: str | None
    checkpoint: str
    signature: bytes
    public_key: bytes
    leaves: tuple[Leaf, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
            "checkpoint": self.checkpoint,
            "signature": self.signature.hex(),
            "public_key": self.public_key.hex(),
            "leaves": [{"index": leaf.index, "data": leaf.data} for leaf in self.leaves],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Bundle:
        leaves = document.get("leaves")
        if not isinstance(leaves, list):
            raise FormatError("must be a list", field="leaves")
        return cls(
            tree_size=_size(document, "tree_size"),
            root_hash=_hex(document, "root_hash", HASH_SIZE),
            timestamp=_optional_str(document, "timestamp"),
            checkpoint=_str(document, "checkpoint"),
            signature=_hex(document, "signature", 64),
            public_key=_hex(document, "public_key", 32),
            leaves=_leaves(leaves),
        )


def make_bundle(
    *,
    tree_size: int,
    root_hash: bytes,
    timestamp: str | None,
    checkpoint: str,
    signature: bytes,
    public_key: bytes,
    leaves: Iterable[str],
) -> Bundle:
    """A whole-log export: ``leaves`` are the exact hashed texts of leaves 0, 1, 2, … in order."""
    return Bundle(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp,
        checkpoint=checkpoint,
        signature=signature,
        public_key=public_key,
        leaves=tuple(Leaf(index, data) for index, data in enumerate(leaves)),
    )


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [digest.hex() for digest in self.path],
            "root_hash": self.root_hash.hex(),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> InclusionProof:
        return cls(
            leaf_index=_size(document, "leaf_index"),
            tree_size=_size(document, "tree_size"),
            leaf_hash=_hex(document, "leaf_hash", HASH_SIZE),
            path=_path(document),
            root_hash=_hex(document, "root_hash", HASH_SIZE),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    first_size: int
    second_size: int
    path: tuple[bytes, ...]
    first_root: bytes
    second_root: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "first_size": self.first_size,
            "second_size": self.second_size,
            "path": [digest.hex() for digest in self.path],
            "first_root": self.first_root.hex(),
            "second_root": self.second_root.hex(),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ConsistencyProof:
        return cls(
            first_size=_size(document, "first_size"),
            second_size=_size(document, "second_size"),
            path=_path(document),
            first_root=_hex(document, "first_root", HASH_SIZE),
            second_root=_hex(document, "second_root", HASH_SIZE),
        )


def _size(document: Mapping[str, Any], field: str) -> int:
    value = document.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FormatError("must be a whole number ≥ 0", field=field)
    return value


def _str(document: Mapping[str, Any], field: str) -> str:
    value = document.get(field)
    if not isinstance(value, str):
        raise FormatError("must be a string", field=field)
    return value


def _optional_str(document: Mapping[str, Any], field: str) -> str | None:
    return None if document.get(field) is None else _str(document, field)


def _hex_value(value: object, field: str, size: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size:
        raise FormatError(f"must be {2 * size} hex digits", field=field)
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise FormatError(f"must be {2 * size} hex digits", field=field) from None


def _hex(document: Mapping[str, Any], field: str, size: int) -> bytes:
    return _hex_value(document.get(field), field, size)


def _path(document: Mapping[str, Any]) -> tuple[bytes, ...]:
    path = document.get("path")
    if not isinstance(path, list):
        raise FormatError("must be a list of hashes", field="path")
    return tuple(_hex_value(item, f"path[{n}]", HASH_SIZE) for n, item in enumerate(path))


def _leaves(items: list[Any]) -> tuple[Leaf, ...]:
    """Checks and converts all leaves in a few comprehensions (a million take about a second).

    A per-leaf function call would triple the time; the slow path runs only to name the first
    malformed leaf.
    """
    if all(type(item) is dict and len(item) == 2 for item in items):
        pairs = [(item.get("index"), item.get("data")) for item in items]
        if all(type(i) is int and i >= 0 and type(d) is str for i, d in pairs):
            return tuple([Leaf(index, data) for index, data in pairs])
    for position, item in enumerate(items):
        _check_leaf(item, position)
    raise FormatError("malformed", field="leaves")  # not reached: _check_leaf has raised


def _check_leaf(item: object, position: int) -> None:
    field = f"leaves[{position}]"
    if not isinstance(item, dict) or set(item) != {"index", "data"}:
        raise FormatError('must be {"index", "data"}', field=field)
    index, data = item["index"], item["data"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise FormatError("index must be a whole number ≥ 0", field=field)
    if not isinstance(data, str):
        raise FormatError("data must be a string", field=field)


def prove_inclusion(tree: MerkleTree, index: int, size: int) -> InclusionProof:
    """The inclusion proof document for leaf ``index`` in the tree of ``size`` leaves."""
    return InclusionProof(
        leaf_index=index,
        tree_size=size,
        leaf_hash=tree.leaf_hash(index),
        path=tuple(tree.inclusion_proof(index, size)),
        root_hash=tree.root(size),
    )


def prove_consistency(tree: MerkleTree, first: int, second: int) -> ConsistencyProof:
    """The consistency proof document from the tree of ``first`` leaves to that of ``second``."""
    return ConsistencyProof(
        first_size=first,
        second_size=second,
        path=tuple(tree.consistency_proof(first, second)),
        first_root=tree.root(first),
        second_root=tree.root(second),
    )
