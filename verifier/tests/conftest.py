"""A small log as the Doorstep server would publish it, and the keys around it.

``log_key`` is the bank's ledger key, the one auditors receive out of band; ``impostor_key`` has
the same name but is someone else's (a rewritten log re-signed by an insider); ``regulator`` is a
witness that cosigns checkpoints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from doorstep_verify.bundle import make_bundle
from doorstep_verify.checkpoint import make_checkpoint
from doorstep_verify.cosignature import Cosigner
from doorstep_verify.jcs import canonicalize
from doorstep_verify.merkle import MemoryStore, MerkleTree
from doorstep_verify.note import Signer

ORIGIN = "ledger.doorstep.example/bank"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNED_AT = datetime(2025, 3, 14, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def log_key() -> Signer:
    return Signer.from_seed(ORIGIN, bytes(range(32)))


@pytest.fixture
def impostor_key() -> Signer:
    return Signer.from_seed(ORIGIN, bytes(range(100, 132)))


@pytest.fixture
def regulator() -> Cosigner:
    return Cosigner.from_seed("witness.regulator.example/w1", bytes(range(50, 82)))


@pytest.fixture
def entries() -> list[str]:
    """Twenty canonical entries like the server's: type, time, actor, subject, record hash."""
    return [
        canonicalize(
            {
                "actor": "agent_li",
                "record": f"{n:064x}",
                "seq": n,
                "subject": {"case": 1000 + n // 3},
                "time": f"2025-03-14T09:{n:02d}:00+08:00",
                "type": ["visit.planned", "visit.checked_in", "promise.made"][n % 3],
            }
        )
        for n in range(20)
    ]


def build_tree(entries: Sequence[str]) -> MerkleTree:
    tree = MerkleTree(MemoryStore())
    tree.append([entry.encode() for entry in entries])
    return tree


@pytest.fixture
def export() -> Callable[..., dict[str, Any]]:
    """Exports a whole log as the server does: checkpoint, signature and every leaf."""

    def make(entries: Sequence[str], signer: Signer, when: datetime = SIGNED_AT) -> dict[str, Any]:
        tree = build_tree(entries)
        checkpoint = make_checkpoint(
            origin=signer.name, tree_size=tree.size, root_hash=tree.root(), timestamp=when
        )
        text = checkpoint.text()
        return make_bundle(
            tree_size=tree.size,
            root_hash=tree.root(),
            timestamp=checkpoint.timestamp,
            checkpoint=text,
            signature=signer.sign_bytes(text.encode()),
            public_key=signer.public_key,
            leaves=entries,
        ).to_json()

    return make


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, object], str]:
    """Writes a document (JSON for dicts, text as given) and returns its path."""

    def save(name: str, document: object) -> str:
        path = tmp_path / name
        text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return save


@pytest.fixture
def tree(entries: list[str]) -> MerkleTree:
    return build_tree(entries)
