"""The log's signing key, and the public keys its checkpoints are checked against.

The key is a signed-note signer key ``PRIVATE+KEY+<origin>+<key id>+<base64>`` from
``LEDGER_SIGNING_KEY`` (or the file named by ``LEDGER_SIGNING_KEY_FILE``); its name must be the
log's origin (``LEDGER_ORIGIN``), as C2SP checkpoints require. Outside production, without one,
a development key is generated once into ``DOORSTEP_DATA_DIR``; production refuses to sign
without a configured key.

Rotation: configure the new key and list the old public keys in ``LEDGER_RETIRED_KEYS``. Old
checkpoints keep their signatures and key ids and stay verifiable against the retired keys.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from doorstep_verify.checks import TrustedKey
from doorstep_verify.note import NoteError, Signer


def log_signer() -> Signer:
    """The key that signs checkpoints now."""
    configured = settings.LEDGER_SIGNING_KEY
    if configured:
        try:
            signer = Signer.from_skey(configured.strip())
        except NoteError as error:
            raise ImproperlyConfigured(f"LEDGER_SIGNING_KEY is not a signer key: {error}") from None
    elif settings.PRODUCTION:
        raise ImproperlyConfigured(
            "LEDGER_SIGNING_KEY (or LEDGER_SIGNING_KEY_FILE) is required in production"
        )
    else:
        signer = _development_signer(Path(settings.LEDGER_DEV_KEY_FILE))
    if signer.name != settings.LEDGER_ORIGIN:
        raise ImproperlyConfigured(
            f"the ledger signing key is named {signer.name!r} but LEDGER_ORIGIN is "
            f"{settings.LEDGER_ORIGIN!r}: a checkpoint's key name is its origin"
        )
    return signer


def _development_signer(path: Path) -> Signer:
    """The development key in ``path``, made on first use, readable by this user only."""
    try:
        return Signer.from_skey(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        pass
    signer = Signer.generate(settings.LEDGER_ORIGIN)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return Signer.from_skey(path.read_text(encoding="utf-8").strip())
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(signer.skey() + "\n")
    return signer


def generate_key_file(path: Path, origin: str) -> Signer:
    """A new signing key for ``origin`` written to ``path`` (which must not exist), mode 0600."""
    signer = Signer.generate(origin)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(signer.skey() + "\n")
    return signer


def retired_keys() -> list[TrustedKey]:
    """Former signing keys (``LEDGER_RETIRED_KEYS``: hex or name+id+base64), still trusted."""
    keys = []
    for text in settings.LEDGER_RETIRED_KEYS:
        try:
            keys.append(TrustedKey.parse(text))
        except (NoteError, ValueError) as error:
            raise ImproperlyConfigured(f"LEDGER_RETIRED_KEYS: {error}") from None
    return keys


def trusted_keys() -> list[TrustedKey]:
    """Every key a checkpoint of this log may be signed with: the current one, then retired."""
    signer = log_signer()
    return [TrustedKey(signer.public_key, signer.name), *retired_keys()]
