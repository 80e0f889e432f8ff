"""C2SP tlog-cosignature v1 with Ed25519 (https://c2sp.org/tlog-cosignature).

A witness that checked a checkpoint is consistent with every earlier one it saw adds a signature
line to the checkpoint note. Its key id uses signature type 0x04, and it signs
``cosignature/v1\\ntime <unix seconds>\\n`` followed by the checkpoint text; the signature bytes
on the line are the 8-byte big-endian time followed by the 64-byte Ed25519 signature.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep_verify.note import (
    Note,
    NoteError,
    Signature,
    b64encode,
    check_name,
    key_id,
    load_public_key,
    parse_vkey,
    public_bytes,
    verify_ed25519,
)

COSIGNATURE_ED25519 = 0x04
HEADER = "cosignature/v1\n"
_MAX_TIME = 2**63 - 1


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    if not 0 <= timestamp <= _MAX_TIME:
        raise NoteError(f"a cosignature time must be between 0 and 2^63-1, not {timestamp}")
    return f"{HEADER}time {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public identity: its name and Ed25519 public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_name(self.name)
        load_public_key(self.public_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, COSIGNATURE_ED25519, self.public_key)

    def vkey(self) -> str:
        material = b64encode(bytes([COSIGNATURE_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        name, sig_type, material = parse_vkey(vkey)
        if sig_type != COSIGNATURE_ED25519:
            raise NoteError(f"key type 0x{sig_type:02x} is not an Ed25519 cosigner key")
        return cls(name, material)

    def knows(self, signature: Signature) -> bool:
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, checkpoint_text: str, signature: Signature) -> int:
        """The cosignature's time; raises :class:`NoteError` unless this witness validly made it."""
        if not self.knows(signature):
            raise NoteError(f"the signature is not by witness {self.name}")
        if len(signature.signature) != 72:
            raise NoteError(f"a cosignature has 72 bytes, not {len(signature.signature)}")
        (timestamp,) = struct.unpack(">Q", signature.signature[:8])
        message = cosigned_message(checkpoint_text, timestamp)
        if not verify_ed25519(self.public_key, message, signature.signature[8:]):
            raise NoteError(f"the cosignature by witness {self.name} is invalid")
        return int(timestamp)


class Cosigner:
    """A witness's signing half. ``doorstep-witness`` holds one; tests build one from a seed."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.verifier = CosignatureVerifier(name, public_bytes(private_key.public_key()))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Cosigner:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    def cosign(self, checkpoint_text: str, timestamp: int) -> Signature:
        signature = self.private_key.sign(cosigned_message(checkpoint_text, timestamp))
        return Signature(
            self.verifier.name, self.verifier.key_id, struct.pack(">Q", timestamp) + signature
        )


def add_cosignature(note: Note, signature: Signature) -> Note:
    """The note with the witness's line added (replacing an older line by the same witness)."""
    kept = tuple(
        line
        for line in note.signatures
        if (line.name, line.key_id) != (signature.name, signature.key_id)
    )
    return Note(note.text, (*kept, signature))


def witnessed_by(note: Note, witnesses: Sequence[CosignatureVerifier]) -> dict[str, int]:
    """Witness name → cosignature time, for each given witness whose valid cosignature is present.

    A witness's line that fails to verify raises: someone altered the note or forged the line.
    """
    times: dict[str, int] = {}
    for signature in note.signatures:
        for witness in witnesses:
            if witness.knows(signature):
                times[witness.name] = witness.verify(note.text, signature)
    return times
