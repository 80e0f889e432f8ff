"""The ledger endpoints through HTTP, as an auditor's script or a witness calls them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from doorstep_verify.checks import Outcome, check_text, load_head
from doorstep_verify.checks import TrustedKey as Key
from doorstep_verify.cosignature import Cosigner

from doorstep.ledger.models import Cosignature, LedgerEntry
from doorstep.ledger.selectors import checkpoint_latest
from doorstep.ledger.services import ledger_sign_checkpoint, ledger_witness_add

pytestmark = pytest.mark.django_db

READERS = ["auditor_chen", "compliance_zhou", "admin"]
OTHERS = [
    "manager_wang",
    "agent_li",
    "agent_zhao",
    "manager_liu",
    "agent_sun",
    "branch_admin_he",
    "complaints_sun",
    "legal_qian",
    "finance_wu",
]
READS = [
    "/api/v1/ledger/checkpoint",
    "/api/v1/ledger/checkpoints",
    "/api/v1/ledger/entries",
    "/api/v1/ledger/entries/0",
    "/api/v1/ledger/proofs/inclusion?index=0",
    "/api/v1/ledger/proofs/consistency?first=1&second=2",
    "/api/v1/ledger/public-key",
]


@pytest.fixture
def logged(world, fill) -> Any:  # type: ignore[no-untyped-def]
    fill(6)
    ledger_sign_checkpoint()
    return world


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("name", READERS)
@pytest.mark.parametrize("url", READS)
def test_auditors_compliance_and_head_office_read_the_ledger(logged, client, name, url) -> None:
    response = as_user(client, logged, name).get(url)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("name", OTHERS)
@pytest.mark.parametrize("url", READS)
def test_every_other_role_is_refused(logged, client, name, url) -> None:
    response = as_user(client, logged, name).get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_refused_cosignature_stores_nothing(logged, client, regulator) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    checkpoint = ledger_sign_checkpoint()
    line = regulator.cosign(checkpoint.text, 1_780_000_000).line()
    body = {"checkpoint": checkpoint.text, "cosignature": line}
    response = post(as_user(client, logged, "manager_wang"), "/api/v1/ledger/cosignatures", body)
    assert response.status_code == 403
    assert Cosignature.objects.count() == 0


def test_without_credentials_the_api_asks_for_them(logged, client) -> None:
    response = client.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_latest_checkpoint_carries_its_note_and_fields(logged, client, log_key) -> None:
    response = as_user(client, logged, "auditor_chen").get("/api/v1/ledger/checkpoint")
    body = response.json()
    checkpoint = logged_checkpoint()
    assert body == {
        "id": checkpoint.pk,
        "tree_size": 6,
        "root_hash": bytes(checkpoint.root_hash).hex(),
        "timestamp": body["timestamp"],
        "key_id": log_key.key_id.hex(),
        "public_key": log_key.public_key.hex(),
        "checkpoint": checkpoint.text,
        "signature": bytes(checkpoint.signature).hex(),
        "note": checkpoint.note,
        "witnesses": [],
    }
    assert body["timestamp"].endswith("+08:00")
    report = check_text(body["note"], source="api", keys=[Key(log_key.public_key)])
    assert report.outcome is Outcome.VERIFIED


def logged_checkpoint() -> Any:
    return checkpoint_latest()


def test_no_checkpoint_yet_is_a_404(world, client) -> None:
    response = as_user(client, world, "auditor_chen").get("/api/v1/ledger/checkpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_checkpoints_are_paginated_newest_first(logged, client, fill) -> None:
    fill(2)
    ledger_sign_checkpoint()
    body = as_user(client, logged, "auditor_chen").get("/api/v1/ledger/checkpoints").json()
    assert body["count"] == 2
    assert [item["tree_size"] for item in body["items"]] == [8, 6]


def test_entries_filter_by_kind_and_subject(logged, client) -> None:
    auditor = as_user(client, logged, "auditor_chen")
    everything = auditor.get("/api/v1/ledger/entries?page_size=4").json()
    assert everything["count"] == 6
    assert [item["index"] for item in everything["items"]] == [0, 1, 2, 3]
    first = everything["items"][0]
    entry = LedgerEntry.objects.get(index=0)
    assert first == {
        "index": 0,
        "kind": "payment.posted",
        "data": entry.data,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "created_at": first["created_at"],
    }
    one = auditor.get("/api/v1/ledger/entries?subject=payment:4").json()
    assert [item["index"] for item in one["items"]] == [4]
    none = auditor.get("/api/v1/ledger/entries?kind=visit.planned").json()
    assert none == {"count": 0, "items": []}
    bad = auditor.get("/api/v1/ledger/entries?subject=payment4")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "subject": ["Write the subject as name:id, for example case:C260416-0000001."]
    }


def test_an_entry_by_index_or_a_404(logged, client) -> None:
    auditor = as_user(client, logged, "auditor_chen")
    assert auditor.get("/api/v1/ledger/entries/5").json()["index"] == 5
    assert auditor.get("/api/v1/ledger/entries/6").status_code == 404
    assert auditor.get("/api/v1/ledger/entries/-1").status_code == 422


def test_proofs_come_in_the_verifiers_formats(logged, client, fill, log_key) -> None:
    fill(3)  # past the checkpoint: the default inclusion proof stays at the signed size
    auditor = as_user(client, logged, "auditor_chen")
    inclusion = auditor.get("/api/v1/ledger/proofs/inclusion?index=2").json()
    assert list(inclusion) == ["leaf_index", "tree_size", "leaf_hash", "path", "root_hash"]
    assert (inclusion["tree_size"], inclusion["root_hash"]) == (
        6,
        bytes(logged_checkpoint().root_hash).hex(),
    )
    checkpoint = logged_checkpoint().note
    report = check_text(
        json.dumps(inclusion),
        source="api",
        keys=[Key(log_key.public_key)],
        heads=[load(checkpoint)],
    )
    assert report.outcome is Outcome.VERIFIED
    consistency = auditor.get("/api/v1/ledger/proofs/consistency?first=6&second=9").json()
    assert list(consistency) == ["first_size", "second_size", "path", "first_root", "second_root"]
    assert consistency["first_root"] == inclusion["root_hash"]


def load(note: str) -> Any:
    return load_head(note, "checkpoint")


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("index=6", "index", "not_in_tree"),
        ("index=0&tree_size=7", "tree_size", "tree_too_large"),
    ],
)
def test_impossible_inclusion_proofs_name_the_field(logged, client, query, field, code) -> None:
    response = as_user(client, logged, "auditor_chen").get(
        f"/api/v1/ledger/proofs/inclusion?{query}"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert list(response.json()["error"]["fields"]) == [field]


def test_impossible_consistency_proofs_name_the_field(logged, client) -> None:
    auditor = as_user(client, logged, "auditor_chen")
    backwards = auditor.get("/api/v1/ledger/proofs/consistency?first=5&second=3").json()
    assert backwards["error"]["fields"] == {
        "first": ["The first size must be at least 1 and at most the second."]
    }
    beyond = auditor.get("/api/v1/ledger/proofs/consistency?first=1&second=99").json()
    assert beyond["error"]["fields"] == {"second": ["The log has 6 entries, fewer than 99."]}
    missing = auditor.get("/api/v1/ledger/proofs/consistency?first=1")
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"] == {"second": ["This field is required."]}


def test_the_public_key_and_the_retired_ones(logged, client, settings, log_key) -> None:
    settings.LEDGER_RETIRED_KEYS = ["11" * 32]
    body = as_user(client, logged, "compliance_zhou").get("/api/v1/ledger/public-key").json()
    assert body == {
        "origin": "doorstep.bank.example/ledger",
        "public_key": log_key.public_key.hex(),
        "key_id": log_key.key_id.hex(),
        "vkey": log_key.verifier.vkey(),
        "retired": ["11" * 32],
    }


def test_a_witness_cosignature_is_verified_then_stored_and_shown(
    logged, client, regulator, log_key
) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    checkpoint = ledger_sign_checkpoint()
    line = regulator.cosign(checkpoint.text, 1_780_000_000).line()
    auditor = as_user(client, logged, "auditor_chen")
    body = {"checkpoint": checkpoint.text, "cosignature": line}
    response = post(auditor, "/api/v1/ledger/cosignatures", body)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "witness": "witness.regulator.example/w1",
        "checkpoint_id": checkpoint.pk,
        "tree_size": checkpoint.tree_size,
        "cosigned_at": "2026-05-29T04:26:40+08:00",
        "received_at": response.json()["received_at"],
    }
    latest = auditor.get("/api/v1/ledger/checkpoint").json()
    assert latest["witnesses"] == [
        {"witness": "witness.regulator.example/w1", "cosigned_at": "2026-05-29T04:26:40+08:00"}
    ]
    assert latest["note"] == checkpoint.note + line
    report = check_text(
        latest["note"],
        source="api",
        keys=[Key(log_key.public_key)],
        witnesses=[regulator.verifier],
    )
    assert report.outcome is Outcome.VERIFIED


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ("forged", "bad_cosignature", "cosignature"),
        ("stranger", "unknown_witness", "cosignature"),
        ("unsigned text", "unknown_checkpoint", "checkpoint"),
        ("two lines", "malformed_cosignature", "cosignature"),
        ("garbage", "malformed_cosignature", "cosignature"),
    ],
)
def test_a_cosignature_that_does_not_verify_is_refused(
    logged, client, regulator, change, code, field
) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    checkpoint = ledger_sign_checkpoint()
    text, line = checkpoint.text, regulator.cosign(checkpoint.text, 1_780_000_000).line()
    size = f"\n{checkpoint.tree_size}\n"
    other = f"\n{checkpoint.tree_size - 1}\n"
    if change == "forged":
        line = regulator.cosign(text.replace(size, other), 1_780_000_000).line()
    elif change == "stranger":
        line = Cosigner.from_seed("stranger.example/w", bytes(32)).cosign(text, 1).line()
    elif change == "unsigned text":
        text = text.replace(size, other)
    elif change == "two lines":
        line = line + line
    else:
        line = "not a signature line"
    response = post(
        as_user(client, logged, "auditor_chen"),
        "/api/v1/ledger/cosignatures",
        {"checkpoint": text, "cosignature": line},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert list(response.json()["error"]["fields"]) == [field]
    assert Cosignature.objects.count() == 0
