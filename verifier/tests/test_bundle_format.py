"""The three auditor documents: told apart by their keys, strict about every field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from doorstep_verify.bundle import Bundle, FormatError, InclusionProof, kind_of
from doorstep_verify.note import Signer


@pytest.fixture
def bundle(
    export: Callable[..., dict[str, Any]], entries: list[str], log_key: Signer
) -> dict[str, Any]:
    return export(entries, log_key)


def test_an_export_has_exactly_the_documented_keys_in_order(bundle: dict[str, Any]) -> None:
    assert list(bundle) == [
        "tree_size",
        "root_hash",
        "timestamp",
        "checkpoint",
        "signature",
        "public_key",
        "leaves",
    ]
    assert bundle["leaves"][3] == {"index": 3, "data": bundle["leaves"][3]["data"]}
    assert kind_of(bundle) == "bundle"


def test_a_bundle_survives_a_round_trip(bundle: dict[str, Any]) -> None:
    assert Bundle.from_json(bundle).to_json() == bundle


def test_documents_are_told_apart_by_their_keys() -> None:
    inclusion = {"leaf_index": 0, "tree_size": 1, "leaf_hash": "", "path": [], "root_hash": ""}
    consistency = {
        "first_size": 1,
        "second_size": 1,
        "path": [],
        "first_root": "",
        "second_root": "",
    }

    assert (kind_of(inclusion), kind_of(consistency)) == ("inclusion", "consistency")


def test_an_unknown_document_names_its_closest_kind() -> None:
    with pytest.raises(
        FormatError, match=r"as a inclusion it lacks \[root_hash\] and has unexpected \[root\]"
    ):
        kind_of({"leaf_index": 0, "tree_size": 1, "leaf_hash": "", "path": [], "root": ""})


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("tree_size", True, "tree_size: must be a whole number ≥ 0"),
        ("tree_size", -1, "tree_size: must be a whole number ≥ 0"),
        ("root_hash", "ab", "root_hash: must be 64 hex digits"),
        ("public_key", "zz" * 32, "public_key: must be 64 hex digits"),
        ("timestamp", 5, "timestamp: must be a string"),
        ("leaves", {}, "leaves: must be a list"),
    ],
)
def test_a_field_of_the_wrong_shape_is_named(
    bundle: dict[str, Any], field: str, value: object, problem: str
) -> None:
    bundle[field] = value

    with pytest.raises(FormatError, match=problem):
        Bundle.from_json(bundle)


def test_a_leaf_of_the_wrong_shape_is_named(bundle: dict[str, Any]) -> None:
    bundle["leaves"][4] = {"index": 4, "data": 12}

    with pytest.raises(FormatError, match=r"leaves\[4\]: data must be a string"):
        Bundle.from_json(bundle)


def test_a_proof_path_entry_of_the_wrong_shape_is_named() -> None:
    document = {
        "leaf_index": 0,
        "tree_size": 2,
        "leaf_hash": "00" * 32,
        "path": ["00"],
        "root_hash": "00" * 32,
    }

    with pytest.raises(FormatError, match=r"path\[0\]: must be 64 hex digits"):
        InclusionProof.from_json(document)
