"""Where the keys come from, and this process's cache of them (docs/encryption.md).

The key-encryption key (KEK), in order of precedence:

* ``DOORSTEP_KEK_HOOK``: the dotted path of a callable returning a ``KeyWrapper``
  (``doorstep.core.crypto``): an object with ``key_id`` and ``wrap``/``unwrap`` that calls the
  bank's KMS or HSM, so the KEK never enters this process;
* ``DOORSTEP_KEK`` (or the file ``DOORSTEP_KEK_FILE`` names): base64 of 32 random bytes;
* outside production only, a development KEK made once in ``DOORSTEP_DATA_DIR`` (``kek.key``).

``DOORSTEP_KEK_PREVIOUS`` lists former KEKs (base64, comma-separated) until
``doorstep keys rotate-kek`` has rewrapped every data key under the current one.

Unwrapped data keys are cached for the life of the process (a key's material never changes).
Which key is *active* is cached for ``ACTIVE_KEY_TTL`` seconds: a rotation waits that long
before its final sweep, so values written meanwhile under the old key are moved too.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.module_loading import import_string

from doorstep.core import crypto

ACTIVE_KEY_TTL = 30.0

_lock = threading.RLock()
_data_keys: dict[str, crypto.DataKey] = {}
_index_key: dict[str, bytes] = {}
_active: list[tuple[crypto.DataKey, float]] = []


# The KEK -----------------------------------------------------------------------------------


@cache
def _configured_kek(hook: str | None, kek: str | None, dev_file: str) -> crypto.KeyWrapper:
    if hook:
        factory = import_string(hook)
        wrapper: crypto.KeyWrapper = factory()
        return wrapper
    if kek:
        try:
            return crypto.LocalKek.from_base64(kek)
        except ValueError as error:
            raise ImproperlyConfigured(f"DOORSTEP_KEK: {error}") from None
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "DOORSTEP_KEK (or DOORSTEP_KEK_FILE, or DOORSTEP_KEK_HOOK) is required in production"
        )
    return crypto.LocalKek.from_base64(_development_kek(Path(dev_file)))


def kek() -> crypto.KeyWrapper:
    """The KEK new and rewrapped data keys are wrapped with."""
    return _configured_kek(
        settings.DOORSTEP_KEK_HOOK, settings.DOORSTEP_KEK, str(settings.KEK_DEV_FILE)
    )


def previous_keks() -> list[crypto.KeyWrapper]:
    wrappers: list[crypto.KeyWrapper] = []
    for text in settings.DOORSTEP_KEK_PREVIOUS:
        try:
            wrappers.append(crypto.LocalKek.from_base64(text))
        except ValueError as error:
            raise ImproperlyConfigured(f"DOORSTEP_KEK_PREVIOUS: {error}") from None
    return wrappers


def wrapper_for(kek_id: str) -> crypto.KeyWrapper:
    for wrapper in (kek(), *previous_keks()):
        if wrapper.key_id == kek_id:
            return wrapper
    raise ImproperlyConfigured(
        f"data keys are wrapped by the KEK {kek_id}, which is neither DOORSTEP_KEK nor in "
        "DOORSTEP_KEK_PREVIOUS"
    )


def _development_kek(path: Path) -> str:
    """The development KEK in ``path``, made on first use, readable by this user only."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    text = base64.b64encode(crypto.new_key()).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    return text


def generate_kek() -> str:
    """A new KEK for DOORSTEP_KEK, base64."""
    return base64.b64encode(crypto.new_key()).decode()


# Data keys ---------------------------------------------------------------------------------


def _unwrap(row: Any) -> bytes:
    context = crypto.wrap_context(row.key_id, row.purpose)
    return wrapper_for(row.kek_id).unwrap(bytes(row.wrapped), context)


def create_key(purpose: str, state: str, *, using: str = DEFAULT_DB_ALIAS) -> Any:
    """A new key row, its material wrapped by the current KEK."""
    from doorstep.keys.models import DataKey

    key_id = crypto.new_key_id()
    wrapper = kek()
    material = crypto.new_key()
    wrapped = wrapper.wrap(material, crypto.wrap_context(key_id, purpose))
    return DataKey.objects.using(using).create(
        key_id=key_id, purpose=purpose, state=state, wrapped=wrapped, kek_id=wrapper.key_id
    )


def ensure_keys(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """An active data key and an index key, made if missing (post_migrate)."""
    from doorstep.keys.models import DataKey

    with transaction.atomic(using=using):
        for purpose in DataKey.Purpose.values:
            if not DataKey.objects.using(using).filter(purpose=purpose, state="active").exists():
                create_key(purpose, "active", using=using)
    reset()


def reset() -> None:
    """Forget the cached active key and index key (after a rotation, or a flushed database)."""
    with _lock:
        _active.clear()
        _index_key.clear()


def forget_all() -> None:
    """Forget every cached key (tests that change the KEK)."""
    with _lock:
        reset()
        _data_keys.clear()
        _configured_kek.cache_clear()


def _load(key_id: str) -> crypto.DataKey | None:
    from doorstep.keys.models import DataKey

    row = DataKey.objects.filter(key_id=key_id, purpose="data").first()
    if row is None:
        return None
    key = crypto.DataKey.from_bytes(row.key_id, _unwrap(row))
    with _lock:
        _data_keys[key_id] = key
    return key


class _Keys(Mapping[str, crypto.DataKey]):
    """Every data key by id, unwrapped on first use."""

    def __getitem__(self, key_id: str) -> crypto.DataKey:
        found = _data_keys.get(key_id) or _load(key_id)
        if found is None:
            raise KeyError(key_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict(_data_keys))

    def __len__(self) -> int:
        return len(_data_keys)


KEYS = _Keys()


def active_key() -> crypto.DataKey:
    """The data key new values are encrypted with."""
    now = time.monotonic()
    with _lock:
        if _active and _active[0][1] > now:
            return _active[0][0]
    from doorstep.keys.models import DataKey

    row = DataKey.objects.filter(purpose="data", state="active").first()
    if row is None:
        raise ImproperlyConfigured("no active data key: run `doorstep migrate`")
    key = KEYS[row.key_id]
    with _lock:
        _active[:] = [(key, now + ACTIVE_KEY_TTL)]
    return key


def index_key() -> bytes:
    with _lock:
        if "key" in _index_key:
            return _index_key["key"]
    from doorstep.keys.models import DataKey

    row = DataKey.objects.filter(purpose="index", state="active").first()
    if row is None:
        raise ImproperlyConfigured("no blind-index key: run `doorstep migrate`")
    material = _unwrap(row)
    with _lock:
        _index_key["key"] = material
    return material


# Values ------------------------------------------------------------------------------------


def encrypt_text(value: str, context: str) -> str:
    return crypto.encrypt(value.encode(), active_key(), context)


def decrypt_text(token: str, context: str) -> str:
    return crypto.decrypt(token, KEYS, context).decode()


def blind(domain: str, value: str) -> str:
    """The blind index of ``value`` (``domain``: "phone", "national_id" or "text")."""
    return crypto.blind_index(index_key(), domain, value)
