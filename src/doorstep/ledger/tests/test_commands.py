"""`doorstep ledger …` as an operator and an auditor use it, checked by `doorstep-verify` itself."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from doorstep_verify import cli as verify_cli
from doorstep_verify.bundle import BUNDLE_KEYS, CONSISTENCY_KEYS, INCLUSION_KEYS
from doorstep_verify.merkle import leaf_hash

from doorstep.ledger import selectors
from doorstep.ledger.models import Checkpoint, LedgerEntry, LedgerNode, Witness

pytestmark = pytest.mark.django_db


def ledger(*args: str) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def verify(*args: str) -> int:
    return verify_cli.main([*args])


@pytest.fixture
def signed(fill) -> Checkpoint:  # type: ignore[no-untyped-def]
    fill(10)
    ledger("sign")
    return Checkpoint.objects.get()


def test_public_key_prints_the_hex_key_auditors_trust(log_key) -> None:
    assert ledger("public-key") == log_key.public_key.hex() + "\n"
    assert ledger("public-key", "--vkey") == log_key.verifier.vkey() + "\n"


def test_sign_prints_the_signed_note(fill) -> None:
    fill(2)
    note = ledger("sign")
    checkpoint = Checkpoint.objects.get()
    assert note == checkpoint.note
    assert note.startswith("doorstep.bank.example/ledger\n2\n")


def test_an_export_is_the_documented_bundle_and_verifies_with_the_key(
    signed, tmp_path, log_key
) -> None:
    path = tmp_path / "ledger.json"
    assert ledger("export", str(path)).startswith(f"{path}: 10 entries, signed ")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert list(bundle) == [
        "tree_size",
        "root_hash",
        "timestamp",
        "checkpoint",
        "signature",
        "public_key",
        "leaves",
    ]
    assert set(bundle) == BUNDLE_KEYS
    assert bundle["tree_size"] == 10
    assert bundle["checkpoint"] == signed.text
    assert bundle["root_hash"] == bytes(signed.root_hash).hex()
    assert bundle["public_key"] == log_key.public_key.hex()
    assert [leaf["index"] for leaf in bundle["leaves"]] == list(range(10))
    assert bundle["leaves"][3]["data"] == LedgerEntry.objects.get(index=3).data
    assert verify(str(path), "--key", log_key.public_key.hex()) == 0
    assert verify(str(path)) == 6  # hashes only: the signature was not checked


def test_an_export_covers_exactly_the_latest_checkpoint(signed, fill, tmp_path) -> None:
    fill(5)  # appended after the checkpoint: not in this export
    out = StringIO()
    call_command("ledger", "export", "-", stdout=out)
    bundle = json.loads(out.getvalue())
    assert (bundle["tree_size"], len(bundle["leaves"])) == (10, 10)


def test_the_export_reads_the_log_a_chunk_at_a_time(
    signed, fill, monkeypatch, tmp_path, django_assert_num_queries
) -> None:
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 4)
    # the checkpoint and its cosignatures, then 10 leaves in chunks of 4: 3 reads
    with django_assert_num_queries(2 + 3):
        selectors.export_bundle(StringIO())


def test_there_is_nothing_to_export_before_the_first_checkpoint(fill, tmp_path) -> None:
    fill(2)
    with pytest.raises(CommandError, match="No checkpoint has been signed yet"):
        ledger("export", str(tmp_path / "x.json"))


def test_proofs_have_the_documented_keys_and_verify_against_the_export(
    signed, fill, tmp_path, log_key
) -> None:
    key = log_key.public_key.hex()
    first = tmp_path / "first.json"
    ledger("export", str(first))
    inclusion = json.loads(ledger("prove-inclusion", "7"))
    assert set(inclusion) == INCLUSION_KEYS
    assert (inclusion["leaf_index"], inclusion["tree_size"]) == (7, 10)
    assert inclusion["leaf_hash"] == leaf_hash(LedgerEntry.objects.get(index=7).data.encode()).hex()
    proof = tmp_path / "inclusion.json"
    proof.write_text(json.dumps(inclusion))
    data = tmp_path / "entry.json"
    data.write_text(LedgerEntry.objects.get(index=7).data, encoding="utf-8")
    checks = ["--key", key, "--checkpoint", str(first)]
    assert verify(str(proof), *checks, "--data", str(data)) == 0

    fill(6)
    ledger("sign")
    second = tmp_path / "second.json"
    ledger("export", str(second))
    consistency = json.loads(ledger("prove-consistency", "10", "16"))
    assert set(consistency) == CONSISTENCY_KEYS
    assert (consistency["first_size"], consistency["second_size"]) == (10, 16)
    grown = tmp_path / "consistency.json"
    grown.write_text(json.dumps(consistency))
    assert verify(str(grown), *checks, "--checkpoint", str(second)) == 0
    at_size = json.loads(ledger("prove-inclusion", "3", "--tree-size", "12"))
    assert at_size["tree_size"] == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("prove-inclusion", "10"), "Entry 10 is not in the tree of 10 entries."),
        (("prove-inclusion", "1", "--tree-size", "11"), "The log has 10 entries, fewer than 11."),
        (("prove-consistency", "0", "5"), "The first size must be at least 1"),
        (("prove-consistency", "6", "5"), "The first size must be at least 1"),
        (("prove-consistency", "5", "11"), "The log has 10 entries, fewer than 11."),
    ],
)
def test_impossible_proofs_are_refused_with_a_reason(signed, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        ledger(*args)


def test_verify_passes_on_an_untouched_log(signed) -> None:
    out = ledger("verify")
    assert out.endswith("VERIFIED against the trusted key (exit 0)\n")
    report = json.loads(ledger("verify", "--json"))
    assert (report["outcome"], report["exit_code"]) == ("verified", 0)


def test_a_changed_entry_fails_verify_and_the_verifier_naming_it(signed, tmp_path, log_key) -> None:
    export = tmp_path / "before.json"
    ledger("export", str(export))
    LedgerEntry.objects.filter(index=3).update(
        data=LedgerEntry.objects.get(index=3).data.replace("103.00", "1.00")
    )
    with pytest.raises(CommandError) as failed:
        ledger("verify")
    assert failed.value.returncode == 1
    assert str(failed.value).startswith("entry 3: its data hashes to")
    tampered = tmp_path / "after.json"
    ledger("export", str(tampered))
    assert verify(str(export), "--key", log_key.public_key.hex()) == 0
    assert verify(str(tampered), "--key", log_key.public_key.hex()) == 1


def test_an_entry_rewritten_with_its_leaf_hash_fails_at_the_nodes_and_the_signed_root(
    signed,
) -> None:
    entry = LedgerEntry.objects.get(index=4)
    forged = entry.data.replace("104.00", "4.00")
    LedgerEntry.objects.filter(index=4).update(data=forged, leaf_hash=leaf_hash(forged.encode()))
    report = json.loads(ledger_failing("verify", "--json"))
    failures = [c["message"] for c in report["checks"] if c["outcome"] != "verified"]
    assert failures[0] == (
        "the stored node over entries 4–5 differs from the one the entries hash to: "
        "proofs that use it fail"
    )
    assert any(
        message.startswith(f"checkpoint {signed.pk} (10 entries): the entries hash to")
        for message in failures
    )


def ledger_failing(*args: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_a_missing_entry_or_node_is_named(signed) -> None:
    LedgerNode.objects.filter(key=1).delete()
    assert "the stored node over entries 0–1 is missing" in ledger_failing("verify")
    LedgerEntry.objects.filter(index=8).delete()
    out = ledger_failing("verify")
    assert "entries missing: the log has 10 entries but lacks entry 8" in out


def test_a_changed_checkpoint_row_is_named(signed) -> None:
    Checkpoint.objects.filter(pk=signed.pk).update(tree_size=9)
    out = ledger_failing("verify")
    assert f"checkpoint {signed.pk}: its tree_size differs from the text that was signed" in out


def test_witnesses_are_registered_by_name_and_key(db, regulator) -> None:
    out = ledger("witnesses", "add", regulator.verifier.name, regulator.verifier.vkey())
    assert out == f"{regulator.verifier.name}: {regulator.verifier.vkey()}\n"
    by_hex = ledger("witnesses", "add", "auditor.example/w2", bytes(range(32)).hex())
    assert by_hex.startswith("auditor.example/w2: auditor.example/w2+")
    assert list(Witness.objects.values_list("name", flat=True)) == [
        "auditor.example/w2",
        "witness.regulator.example/w1",
    ]
    assert ledger("witnesses", "list").count("\n") == 2
    assert LedgerEntry.objects.filter(kind="ledger.witness_added").count() == 2
    with pytest.raises(CommandError, match="already registered"):
        ledger("witnesses", "add", regulator.verifier.name, regulator.verifier.vkey())
    with pytest.raises(CommandError, match="neither 64 hex digits"):
        ledger("witnesses", "add", "w3", "not-a-key")
    with pytest.raises(CommandError, match="The key is for witness"):
        ledger("witnesses", "add", "other.example/w", regulator.verifier.vkey())


def test_generate_key_writes_a_new_key_it_will_not_overwrite(settings, tmp_path) -> None:
    path = tmp_path / "ledger.key"
    out = ledger("generate-key", str(path))
    settings.LEDGER_SIGNING_KEY = Path(path).read_text()
    assert out == f"{path}: {ledger('public-key')}"
    with pytest.raises(CommandError, match="not overwriting"):
        ledger("generate-key", str(path))
