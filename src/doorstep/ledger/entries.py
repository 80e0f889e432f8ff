"""What one ledger entry says, as the exact canonical JSON text that is hashed. No Django here.

An entry is RFC 8785 (JCS) JSON::

    {"actor": "manager_wang", "at": "2026-06-30T10:15:00.000+08:00",
     "kind": "case.status_changed", "record": {"from": "active", "to": "promised"},
     "subject": {"case": "C260416-0000001"}, "v": 1}

and, when the event concerns a customer's personal data, ``"personal": {"national_id": <hex>,
"phone": <hex>}``: salted commitments SHA-256(salt ‖ UTF-8 value), never the values. The salt is
the customer's own; once it is erased (PIPL) nobody can link the commitments to a person again,
while every hash of the log stays what it was.

The text is what the leaf hashes, so building it is deterministic and strict: unknown types are
refused rather than guessed, money travels as strings (``Decimal`` → ``"1000.00"``), times as
ISO 8601 with their UTC offset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias
from uuid import UUID

from doorstep_verify.jcs import MAX_EXACT_INTEGER, canonicalize

VERSION = 1
KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_KIND = 64
NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_SUBJECT_VALUE = 64
SYSTEM_ACTOR = "system"

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None


class EntryError(ValueError):
    """An entry that cannot be logged as given: a programming error in the caller."""


def json_value(value: Any, *, where: str = "record") -> Json:
    """``value`` as plain JSON: Decimal → string, date/datetime → ISO 8601, UUID → string.

    A naive datetime is refused: the log's times always carry their offset.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EntryError(f"{where}: {value} is not an amount")
        return format(value, "f")
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise EntryError(f"{where}: a time must be timezone-aware")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        result: dict[str, Json] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EntryError(f"{where}: keys must be strings, not {key!r}")
            result[key] = json_value(item, where=f"{where}.{key}")
        return result
    if isinstance(value, list | tuple):
        return [json_value(item, where=f"{where}[{n}]") for n, item in enumerate(value)]
    raise EntryError(f"{where}: {type(value).__name__} is not a JSON value")


def canonical_text(value: Any) -> str:
    """The JCS text of ``value`` (converted as ``json_value`` does), quickly when it can be.

    For the values entries are made of — text, integers within ±2^53, booleans, null, ASCII
    keys, and Decimal/date/time/UUID that become text — RFC 8785 is exactly ``json.dumps`` with
    sorted keys and no spaces, which runs in C, several times faster than the general
    ``doorstep_verify.jcs.canonicalize`` that floats and non-ASCII keys need. A property test
    checks the two agree.
    """
    if _dumps_is_canonical(value):
        text: str = _ENCODER.encode(value)
        return text
    try:
        return canonicalize(json_value(value))
    except (TypeError, ValueError) as error:
        raise EntryError(f"the entry is not canonical JSON: {error}") from error


_AS_TEXT = (Decimal, datetime, date, UUID)


def _dumps_is_canonical(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _dumps_is_canonical(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_dumps_is_canonical(item) for item in value)
    return kind in _AS_TEXT


def _as_text(value: Any) -> Json:
    """``json.dumps``'s hook for the types an entry writes as text (see ``json_value``)."""
    if isinstance(value, _AS_TEXT):
        return json_value(value)
    raise EntryError(f"{type(value).__name__} is not a JSON value")


_string = json.encoder.encode_basestring  # a JSON string, as JCS writes it (non-ASCII kept)
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_as_text
)


_KINDS: set[str] = set()
_NAMES: set[str] = set()


def check_kind(kind: object) -> str:
    if not isinstance(kind, str) or (
        kind not in _KINDS and (len(kind) > MAX_KIND or not KIND.fullmatch(kind))
    ):
        raise EntryError(
            f"kind must look like 'case.status_changed' (at most {MAX_KIND} characters), "
            f"not {kind!r}"
        )
    _KINDS.add(kind)
    return kind


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or (name not in _NAMES and not NAME.fullmatch(name)):
        raise EntryError(f"{what} {name!r} must be lowercase letters, digits and _")
    _NAMES.add(name)
    return name


def subject_ids(subject: Mapping[str, str | int]) -> dict[str, str]:
    """The subject's ids as strings: ``{"case": "C260416-0000001", "visit": "812"}``."""
    if not isinstance(subject, Mapping):
        raise EntryError("subject must be a mapping of id names to ids")
    ids: dict[str, str] = {}
    for name, value in subject.items():
        _check_name(name, "subject name")
        if type(value) is str:
            text = value
        elif type(value) is int:
            text = str(value)
        else:
            raise EntryError(f"subject {name} must be a string or an integer id")
        if not text or len(text) > MAX_SUBJECT_VALUE or not text.isprintable():
            raise EntryError(f"subject {name} must be 1–{MAX_SUBJECT_VALUE} printable characters")
        ids[name] = text
    return ids


def commitment(salt: bytes, value: str) -> str:
    """SHA-256(salt ‖ value) in hex: binds the entry to a value without revealing it."""
    return hashlib.sha256(salt + value.encode("utf-8")).hexdigest()


def commitments(salt: bytes, personal: Mapping[str, str | Sequence[str]]) -> dict[str, Json]:
    """Each personal field as its commitment (a list of values gives a list of commitments)."""
    result: dict[str, Json] = {}
    for name, value in personal.items():
        _check_name(name, "personal field")
        if isinstance(value, str):
            result[name] = commitment(salt, value)
        elif isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
            result[name] = [commitment(salt, item) for item in value]
        else:
            raise EntryError(f"personal field {name} must be text or a list of texts")
    return result


def personal_values(personal: Mapping[str, str | Sequence[str]]) -> list[str]:
    """Every clear value of ``personal``, to check none leaked into the rest of the entry."""
    values: list[str] = []
    for value in personal.values():
        values.extend([value] if isinstance(value, str) else value)
    return [value for value in values if value]


def content_hash(value: str | bytes | Mapping[str, Any] | Sequence[Any]) -> str:
    """A record's fingerprint for an entry: SHA-256 hex of bytes, UTF-8 text or JCS JSON.

    Use it for what must not or need not travel in the log itself (a note's text, a photo):
    whoever holds the record can show it is the one the log names.
    """
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8")
    else:
        data = canonical_text(value).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def format_at(moment: datetime) -> str:
    """The entry's time: ISO 8601 to the millisecond with its UTC offset."""
    if moment.utcoffset() is None:
        raise EntryError("an entry's time must be timezone-aware")
    return moment.isoformat(timespec="milliseconds")


def entry_text(
    *,
    kind: str,
    at: str,
    actor: str,
    subject: Mapping[str, str],
    record: Mapping[str, Any],
    personal: Mapping[str, Json] | None = None,
) -> str:
    """The canonical text of one entry, the exact bytes (UTF-8) its leaf hash covers.

    The envelope's keys are fixed, so its first members are written in JCS order directly and
    the rest (``personal``, ``record``, ``subject``, in that order) come from one
    ``canonical_text`` call: a bulk load builds hundreds of thousands of these.
    """
    if not isinstance(record, Mapping):
        raise EntryError("record must be a mapping")
    if not actor or not isinstance(actor, str):
        raise EntryError("actor must be a username or 'system'")
    rest: dict[str, Any] = {"record": record, "subject": subject}
    if personal:
        rest["personal"] = personal
    members = canonical_text(rest)
    return "".join(
        (
            '{"actor":',
            _string(actor),
            ',"at":',
            _string(at),
            ',"kind":',
            _string(check_kind(kind)),
            ",",
            members[1:-1],
            ',"v":',
            str(VERSION),
            "}",
        )
    )
