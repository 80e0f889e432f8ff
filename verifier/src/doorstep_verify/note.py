"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys and key ids.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
``— <key name> base64(key id ‖ signature)``. The key id is the first four bytes of
SHA-256(name ‖ 0x0A ‖ type ‖ public key), so a signature names the key that made it and a
verifier can ignore the ones it does not know (a witness's cosignature, a retired log key).

Keys travel as the Go ``golang.org/x/mod/sumdb/note`` strings: a verifier key
``<name>+<hex key id>+base64(type ‖ public key)`` and a signer key
``PRIVATE+KEY+<name>+<hex key id>+base64(type ‖ seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01
EM_DASH = "\u2014"
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or signature that is malformed."""


class UntrustedNoteError(NoteError):
    """No signature on the note is from a trusted key."""


class BadSignatureError(NoteError):
    """A signature names a trusted key but does not verify: the text or signature was altered."""


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64: rejects stray characters and non-canonical padding bits."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise NoteError(f"not base64: {text[:60]!r}") from error
    if b64encode(data) != text:
        raise NoteError(f"not canonical base64: {text[:60]!r}")
    return data


def check_name(name: str) -> str:
    if not name or "+" in name or any(char.isspace() for char in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != 32:
        raise NoteError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is ``public_key``'s Ed25519 signature of ``message``."""
    try:
        load_public_key(public_key).verify(signature, message)
    except (InvalidSignature, NoteError):
        return False
    return True


@dataclass(frozen=True)
class Signature:
    """One signature line: the signer's name, its 4-byte key id and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{EM_DASH} {self.name} {b64encode(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(signature.line() for signature in self.signatures)

    @classmethod
    def parse(cls, message: str) -> Note:
        if any(char < " " and char != "\n" for char in message):
            raise NoteError("a note may contain no control character other than newline")
        if not message.endswith("\n"):
            raise NoteError("a signed note ends with a newline")
        split = message.rfind("\n\n")
        if split < 0:
            raise NoteError("no blank line separates the text from the signatures")
        text, block = message[: split + 1], message[split + 2 :]
        lines = block.split("\n")[:-1]
        if not lines:
            raise NoteError("the note has no signature")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"more than {MAX_SIGNATURES} signatures")
        return cls(text, tuple(_parse_line(line) for line in lines))


def _parse_line(line: str) -> Signature:
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != EM_DASH:
        raise NoteError(f"not a signature line: {line[:80]!r}")
    blob = b64decode(parts[2])
    if len(blob) < 5:
        raise NoteError(f"signature too short on line {line[:80]!r}")
    return Signature(check_name(parts[1]), blob[:4], blob[4:])


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier: a key name and a public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_name(self.name)
        load_public_key(self.public_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ED25519, self.public_key)

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64encode(bytes([ED25519]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        name, sig_type, material = parse_vkey(vkey)
        if sig_type != ED25519:
            raise NoteError(f"key type 0x{sig_type:02x} is not an Ed25519 note key")
        return cls(name, material)

    def knows(self, signature: Signature) -> bool:
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, text: str, signature: Signature) -> bool:
        return self.knows(signature) and verify_ed25519(
            self.public_key, text.encode(), signature.signature
        )


def parse_vkey(vkey: str) -> tuple[str, int, bytes]:
    """``(name, signature type, public key material)`` of a verifier key, its key id checked."""
    parts = vkey.split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise NoteError(f"not a verifier key (name+keyid+base64): {vkey[:80]!r}")
    name, hash_hex, encoded = check_name(parts[0]), parts[1], parts[2]
    blob = b64decode(encoded)
    if len(blob) < 2:
        raise NoteError("a verifier key without key material")
    sig_type, material = blob[0], blob[1:]
    if key_id(name, sig_type, material).hex() != hash_hex.lower():
        raise NoteError(f"the key id {hash_hex} does not match the key in {vkey[:80]!r}")
    return name, sig_type, material


class Signer:
    """An Ed25519 note signer. The server keeps its seed secret; tests make one from a seed."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = check_name(name)
        self.private_key = private_key
        self.verifier = Verifier(name, public_bytes(private_key.public_key()))

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("not a signer key (PRIVATE+KEY+name+keyid+base64)")
        blob = b64decode(parts[4])
        if len(blob) != 33 or blob[0] != ED25519:
            raise NoteError("not an Ed25519 signer key")
        signer = cls.from_seed(parts[2], blob[1:])
        if signer.verifier.key_id.hex() != parts[3].lower():
            raise NoteError(f"the key id {parts[3]} does not match the key")
        return signer

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    @property
    def public_key(self) -> bytes:
        return self.verifier.public_key

    def seed(self) -> bytes:
        return self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def skey(self) -> str:
        material = b64encode(bytes([ED25519]) + self.seed())
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{material}"

    def sign_bytes(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def sign(self, text: str) -> Signature:
        return Signature(self.name, self.key_id, self.sign_bytes(text.encode()))


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    return Note(text, tuple(signer.sign(text) for signer in signers)).render()


def verify_note(note: Note, verifiers: Sequence[Verifier]) -> tuple[Verifier, ...]:
    """The trusted verifiers that signed the note; raises unless at least one did and none failed.

    As the spec says: signatures from unknown keys are ignored, a known key's bad signature
    rejects the whole note, and a note with no signature from a known key is rejected.
    """
    signed: list[Verifier] = []
    for signature in note.signatures:
        for verifier in verifiers:
            if verifier.knows(signature):
                if not verifier.verify(note.text, signature):
                    raise BadSignatureError(
                        f"the signature by {signature.name} ({signature.key_id.hex()}) is invalid"
                    )
                signed.append(verifier)
    if not signed:
        names = ", ".join(f"{s.name} ({s.key_id.hex()})" for s in note.signatures)
        raise UntrustedNoteError(f"no signature from a trusted key; signed by: {names}")
    return tuple(dict.fromkeys(signed))
