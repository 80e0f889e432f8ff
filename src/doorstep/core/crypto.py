"""Envelope encryption of personal fields, and blind indexes for looking them up by value.

Pure: no Django. ``doorstep.keys`` keeps the keys in the database and binds them to fields.

* A **data key** (DEK, 256-bit AES-GCM) encrypts field values. Each has a short id; the
  ciphertext names it, so values under an old key and a new one decrypt side by side while a
  rotation re-encrypts the rows (no downtime).
* The **key-encryption key** (KEK) only wraps data keys (AES-GCM too, the key id as associated
  data). It never touches a field value, so it can live in a KMS that only wraps and unwraps.
* A value's **associated data** is its table and column (plus the format version and key id):
  a ciphertext copied into another column, or another table, fails to decrypt.
* A **blind index** is HMAC-SHA256 under a separate index key of the normalised value, per
  domain ("phone", "national_id"): equal values give equal indexes, so an exact lookup works
  without decrypting; the index reveals equality and nothing else.

A ciphertext is text, ``e1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``: ASCII, so it fits a
text column on every database, and its prefix lets SQL find the rows still under a key
(``LIKE 'e1:<old id>:%'``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "e1"
KEY_BYTES = 32
NONCE_BYTES = 12
INDEX_BYTES = 16  # a blind index keeps 128 bits of the HMAC: 32 hex characters
KEY_ID = re.compile(r"^[0-9a-z]{1,16}$")


class CryptoError(Exception):
    """A value could not be decrypted: wrong key, wrong column, altered, or not a ciphertext."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_key_id() -> str:
    """Eight hex digits, random: ids never collide across databases restored side by side."""
    return os.urandom(4).hex()


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key, ready to use."""

    key_id: str
    cipher: AESGCM

    @classmethod
    def from_bytes(cls, key_id: str, key: bytes) -> DataKey:
        if not KEY_ID.match(key_id):
            raise ValueError(f"bad key id {key_id!r}")
        if len(key) != KEY_BYTES:
            raise ValueError("a data key has 32 bytes")
        return cls(key_id, AESGCM(key))


def _associated(key_id: str, context: str) -> bytes:
    return f"doorstep:{VERSION}:{key_id}:{context}".encode()


def encrypt(plaintext: bytes, key: DataKey, context: str) -> str:
    """``plaintext`` under ``key``, bound to ``context`` (``"table.column"``)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, plaintext, _associated(key.key_id, context))
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{VERSION}:{key.key_id}:{body}"


def key_id_of(token: str) -> str:
    """The id of the key a ciphertext was made with."""
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION or not KEY_ID.match(parts[1]):
        raise CryptoError("not a Doorstep ciphertext")
    return parts[1]


def is_ciphertext(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        key_id_of(value)
    except CryptoError:
        return False
    return True


def decrypt(token: str, keys: Mapping[str, DataKey], context: str) -> bytes:
    """The plaintext of ``token``; CryptoError if its key is unknown, the context differs or a
    single bit of it changed."""
    key_id = key_id_of(token)
    key = keys.get(key_id)
    if key is None:
        raise CryptoError(f"unknown data key {key_id}")
    body = token.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise CryptoError("the ciphertext is not base64") from None
    if len(raw) < NONCE_BYTES + 16:
        raise CryptoError("the ciphertext is too short")
    try:
        return key.cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(key_id, context)
        )
    except InvalidTag:
        raise CryptoError(
            "the ciphertext does not authenticate (altered, or another column)"
        ) from None


def reencrypt(token: str, keys: Mapping[str, DataKey], target: DataKey, context: str) -> str:
    """``token`` under ``target`` (unchanged if it already is)."""
    if key_id_of(token) == target.key_id:
        return token
    return encrypt(decrypt(token, keys, context), target, context)


# Key wrapping ------------------------------------------------------------------------------


class KeyWrapper(Protocol):
    """What wraps data keys: the local KEK below, or a KMS behind ``DOORSTEP_KEK_HOOK``.

    ``key_id`` names the key-encryption key (stored beside every key it wrapped, so a rotation
    of the KEK knows which keys to rewrap); ``context`` is associated data the wrapper must bind
    (the data key's id and purpose), and ``unwrap`` must refuse a blob wrapped under another.
    """

    key_id: str

    def wrap(self, key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class LocalKek:
    """A 256-bit KEK held by the process (from the environment, a file, or the dev key file)."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != KEY_BYTES:
            raise ValueError("the key-encryption key must be 32 bytes (base64 of 32 bytes)")
        self._cipher = AESGCM(kek)
        digest = hmac.new(kek, b"doorstep-kek-id", hashlib.sha256).hexdigest()
        self.key_id = f"local-{digest[:16]}"

    @classmethod
    def from_base64(cls, text: str) -> LocalKek:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the key-encryption key is not base64") from None
        return cls(raw)

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, key, b"doorstep-wrap:" + context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._cipher.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], b"doorstep-wrap:" + context
            )
        except InvalidTag:
            raise CryptoError("the wrapped key does not unwrap under this KEK") from None


def wrap_context(key_id: str, purpose: str) -> bytes:
    return f"{purpose}:{key_id}".encode()


# Blind indexes -----------------------------------------------------------------------------


def normalise_phone(value: str) -> str:
    """Digits only, without the country code: ``+86 138-1234-5678`` → ``13812345678``."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def normalise_national_id(value: str) -> str:
    """No spaces, upper case (the check character ``X``), full-width digits made ASCII."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def normalise_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


NORMALISERS = {
    "phone": normalise_phone,
    "national_id": normalise_national_id,
    "text": normalise_text,
}


def blind_index(index_key: bytes, domain: str, value: str) -> str:
    """The lookup digest of ``value`` in ``domain`` (one of NORMALISERS): 32 hex digits."""
    normalised = NORMALISERS[domain](value)
    message = domain.encode() + b"\x00" + normalised.encode()
    return hmac.new(index_key, message, hashlib.sha256).digest()[:INDEX_BYTES].hex()
