"""RFC 8785 canonical JSON: the RFC's own examples and number table."""

from __future__ import annotations

import json
import struct

import pytest
from doorstep_verify.jcs import canonical_bytes, canonicalize, format_number, is_canonical

# RFC 8785 Appendix B: IEEE-754 double (hex) → its canonical text.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_numbers_print_as_the_rfc_table_says(bits: str, expected: str) -> None:
    assert format_number(double(bits)) == expected


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_are_refused(bits: str) -> None:
    with pytest.raises(ValueError, match="has no JSON representation"):
        canonicalize(double(bits))


def test_the_rfc_main_example_canonicalises_exactly() -> None:
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )

    assert canonicalize(json.loads(source)) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


def test_keys_sort_by_utf16_code_units_as_in_the_rfc_example() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }

    assert list(json.loads(canonicalize(value)).values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


def test_chinese_text_stays_as_utf8_not_escapes() -> None:
    assert (
        canonical_bytes({"note": "张先生承诺周五还款"}) == '{"note":"张先生承诺周五还款"}'.encode()
    )


def test_integers_beyond_two_to_the_53_are_refused_not_rounded() -> None:
    assert canonicalize(2**53) == "9007199254740992"
    with pytest.raises(ValueError, match="beyond ±2\\^53"):
        canonicalize(2**53 + 1)


def test_lone_surrogates_and_non_string_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        canonicalize("\ud800")
    with pytest.raises(TypeError, match="keys must be strings"):
        canonicalize({1: "one"})


def test_is_canonical_tells_canonical_text_from_other_json() -> None:
    assert is_canonical('{"a":1,"b":[true,null]}')
    assert not is_canonical('{"b":1,"a":2}')
    assert not is_canonical('{"a": 1}')
    assert not is_canonical("not json")
