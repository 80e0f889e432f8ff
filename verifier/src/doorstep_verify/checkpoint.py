"""C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint): the tree heads the log signs.

The signed text is ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` and, when the log stamps it,
one extension line ``timestamp <RFC 3339 time>\\n``. The text is signed as a C2SP signed note
(see :mod:`doorstep_verify.note`), the log's key name being its origin, so the same checkpoint
can carry witnesses' cosignatures beside the log's own signature.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from doorstep_verify.merkle import HASH_SIZE
from doorstep_verify.note import (
    Note,
    NoteError,
    Signer,
    Verifier,
    b64decode,
    b64encode,
    check_name,
    sign_note,
    verify_note,
)

TIMESTAMP = "timestamp"
_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError):
    """Text that is not a well-formed checkpoint."""


def format_timestamp(moment: datetime) -> str:
    """The checkpoint's (and export bundle's) time: RFC 3339 to the second, with its UTC offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a checkpoint time must be timezone-aware")
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("a checkpoint's origin is one non-empty line")
        if self.tree_size < 0:
            raise CheckpointError("a tree size cannot be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"a root hash has {HASH_SIZE} bytes, not {len(self.root_hash)}")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("extension lines are single non-empty lines")

    @property
    def timestamp(self) -> str | None:
        prefix = TIMESTAMP + " "
        for line in self.extensions:
            if line.startswith(prefix):
                return line[len(prefix) :]
        return None

    def text(self) -> str:
        lines = [self.origin, str(self.tree_size), b64encode(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise CheckpointError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has an origin, a tree size and a root hash line")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointError(
                f"the tree size {size[:30]!r} is not a decimal without leading zeros"
            )
        try:
            root_hash = b64decode(root)
        except NoteError as error:
            raise CheckpointError(f"the root hash line is not base64: {root[:60]!r}") from error
        return cls(origin, int(size), root_hash, tuple(extensions))


def make_checkpoint(
    *, origin: str, tree_size: int, root_hash: bytes, timestamp: datetime | None = None
) -> Checkpoint:
    """A checkpoint as the log signs it; the origin doubles as the signing key's name."""
    extensions = (f"{TIMESTAMP} {format_timestamp(timestamp)}",) if timestamp else ()
    return Checkpoint(check_name(origin), tree_size, root_hash, extensions)


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> str:
    """The signed note: checkpoint text, blank line, one signature line per signer."""
    return sign_note(checkpoint.text(), signers)


def open_checkpoint(message: str, verifiers: Sequence[Verifier]) -> tuple[Checkpoint, Note]:
    """Parses a signed checkpoint and checks it is signed by a trusted key (see ``verify_note``)."""
    note = Note.parse(message)
    verify_note(note, verifiers)
    return Checkpoint.parse(note.text), note
