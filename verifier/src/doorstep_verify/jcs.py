"""RFC 8785 JSON Canonicalization Scheme (JCS), small enough to read in one sitting.

Each ledger entry is hashed as its JCS text, so the same record always gives the same bytes.
The server produces entries with :func:`canonicalize`; an auditor can re-canonicalise an
exported ``data`` string with :func:`is_canonical` to see that it was produced this way.

JCS = ``json.dumps`` with sorted keys and no whitespace, except that keys sort by UTF-16 code
units and numbers print as ECMAScript ``Number.prototype.toString`` does. Integers beyond ±2^53
are refused rather than silently rounded (I-JSON): encode such values, like money, as strings.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

MAX_EXACT_INTEGER = 2**53

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def canonicalize(value: object) -> str:
    """The JCS text of a JSON value (dict with str keys, list, str, int, float, bool, None)."""
    return "".join(_parts(value))


def canonical_bytes(value: object) -> bytes:
    return canonicalize(value).encode("utf-8")


def is_canonical(text: str) -> bool:
    """True when ``text`` is JSON already in its JCS form."""
    try:
        return canonicalize(json.loads(text)) == text
    except (ValueError, TypeError):
        return False


def format_number(number: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(number):
        raise ValueError(f"{number} has no JSON representation")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript requires.
    _, digits_tuple, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{number} has no JSON representation")
    digits = "".join(map(str, digits_tuple))
    k, n = len(digits), len(digits) + exponent  # value = 0.digits × 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


def _parts(value: object) -> list[str]:
    if value is None:
        return ["null"]
    if value is True:
        return ["true"]
    if value is False:
        return ["false"]
    if isinstance(value, str):
        return [_string(value)]
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INTEGER:
            raise ValueError(f"{value} is beyond ±2^53: encode it as a string")
        return [str(value)]
    if isinstance(value, float):
        return [format_number(value)]
    if isinstance(value, list | tuple):
        parts = ["["]
        for position, item in enumerate(value):
            if position:
                parts.append(",")
            parts.extend(_parts(item))
        parts.append("]")
        return parts
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("JSON object keys must be strings")
        parts = ["{"]
        for position, key in enumerate(sorted(value, key=lambda key: key.encode("utf-16-be"))):
            if position:
                parts.append(",")
            parts.extend((_string(key), ":", *_parts(value[key])))
        parts.append("}")
        return parts
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("a JSON string may not contain a lone surrogate") from error
    return _encode_string(text)
