"""An entry's text is RFC 8785 canonical JSON built strictly, with personal data committed."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from doorstep_verify.jcs import canonicalize, is_canonical
from hypothesis import given
from hypothesis import strategies as st

from doorstep.ledger.entries import (
    EntryError,
    canonical_text,
    commitment,
    commitments,
    content_hash,
    entry_text,
    format_at,
    json_value,
    subject_ids,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_entry_is_the_canonical_json_of_its_envelope() -> None:
    text = entry_text(
        kind="case.status_changed",
        at="2026-06-30T10:15:00.000+08:00",
        actor="manager_wang",
        subject={"case": "C260416-0000001"},
        record={"to": "promised", "from": "active", "amount": Decimal("1000.00")},
    )
    assert text == (
        '{"actor":"manager_wang","at":"2026-06-30T10:15:00.000+08:00",'
        '"kind":"case.status_changed","record":{"amount":"1000.00","from":"active",'
        '"to":"promised"},"subject":{"case":"C260416-0000001"},"v":1}'
    )
    assert is_canonical(text)


def test_commitments_sit_between_kind_and_record() -> None:
    text = entry_text(
        kind="visit.checked_in",
        at="2026-06-30T10:15:00.000+08:00",
        actor="agent_li",
        subject={"visit": "812"},
        record={},
        personal={"phone": "ab" * 32},
    )
    assert text == (
        '{"actor":"agent_li","at":"2026-06-30T10:15:00.000+08:00","kind":"visit.checked_in",'
        f'"personal":{{"phone":"{"ab" * 32}"}},"record":{{}},"subject":{{"visit":"812"}},"v":1}}'
    )


def test_money_dates_times_and_uuids_become_text() -> None:
    value = {
        "amount": Decimal("1234.50"),
        "due": date(2026, 7, 15),
        "at": datetime(2026, 6, 30, 9, 5, tzinfo=SHANGHAI),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "items": (1, "two"),
    }
    assert json_value(value) == {
        "amount": "1234.50",
        "due": "2026-07-15",
        "at": "2026-06-30T09:05:00+08:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "items": [1, "two"],
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"at": datetime(2026, 6, 30, 9, 5)}, "timezone-aware"),  # noqa: DTZ001
        ({"amount": Decimal("NaN")}, "not an amount"),
        ({"blob": b"bytes"}, "bytes is not a JSON value"),
        ({1: "one"}, "keys must be strings"),
        ({"big": 2**60}, "is beyond"),
    ],
)
def test_values_that_have_no_exact_json_are_refused(value, problem) -> None:
    with pytest.raises(EntryError, match=problem):
        canonical_text(value)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.dates()
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_the_fast_canonical_text_is_exactly_rfc_8785(value) -> None:
    try:
        expected = canonicalize(json_value(value))
    except (TypeError, ValueError):
        with pytest.raises(EntryError):
            canonical_text(value)
        return
    assert canonical_text(value) == expected


@given(json_values, st.dictionaries(st.sampled_from(["case", "visit"]), st.text(min_size=1)))
def test_an_entrys_text_is_the_rfc_8785_text_of_the_whole_entry(value, subject) -> None:
    record = {"value": value}
    envelope = {"kind": "visit.planned", "at": "t", "actor": "agent_li", "v": 1}
    try:
        expected = canonicalize(json_value({**envelope, "subject": subject, "record": record}))
    except (TypeError, ValueError):
        return
    assert entry_text(**envelope_args(envelope), subject=subject, record=record) == expected


def envelope_args(envelope: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in envelope.items() if key != "v"}


@pytest.mark.parametrize(
    ("kind", "accepted"),
    [
        ("case.status_changed", True),
        ("compliance.decision", True),
        ("visit.outcome.recorded", True),
        ("payment", False),
        ("Payment.Posted", False),
        ("payment.", False),
        ("payment posted.x", False),
    ],
)
def test_kinds_are_dotted_lowercase_names(kind, accepted) -> None:
    build = lambda: entry_text(kind=kind, at="t", actor="system", subject={}, record={})  # noqa: E731
    if accepted:
        assert f'"kind":"{kind}"' in build()
    else:
        with pytest.raises(EntryError, match="kind must look like"):
            build()


def test_subject_ids_are_short_printable_strings() -> None:
    assert subject_ids({"case": "C260416-0000001", "visit": 812}) == {
        "case": "C260416-0000001",
        "visit": "812",
    }
    for bad in ({"Case": "x"}, {"case": ""}, {"case": "x" * 65}, {"case": True}, {"case": "a\nb"}):
        with pytest.raises(EntryError):
            subject_ids(bad)


def test_a_commitment_is_sha256_of_salt_and_value() -> None:
    salt = bytes(range(32))
    assert commitment(salt, "13912345678") == hashlib.sha256(salt + b"13912345678").hexdigest()
    assert commitments(salt, {"phone": ["1", "2"], "name": "张伟"}) == {
        "phone": [commitment(salt, "1"), commitment(salt, "2")],
        "name": commitment(salt, "张伟"),
    }


def test_a_content_hash_fingerprints_text_bytes_and_records() -> None:
    assert content_hash("备注") == hashlib.sha256("备注".encode()).hexdigest()
    assert content_hash(b"\x89PNG") == hashlib.sha256(b"\x89PNG").hexdigest()
    assert content_hash({"b": 1, "a": "x"}) == hashlib.sha256(b'{"a":"x","b":1}').hexdigest()


def test_entry_times_are_milliseconds_with_their_offset() -> None:
    moment = datetime(2026, 6, 30, 10, 15, 0, 123456, tzinfo=SHANGHAI)
    assert format_at(moment) == "2026-06-30T10:15:00.123+08:00"
    with pytest.raises(EntryError):
        format_at(datetime(2026, 6, 30))  # noqa: DTZ001
