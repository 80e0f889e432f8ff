"""``doorstep-verify`` on proofs and checkpoints: a root counts once a trusted key signed it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from doorstep_verify import checks
from doorstep_verify.bundle import prove_consistency, prove_inclusion
from doorstep_verify.checkpoint import make_checkpoint, sign_checkpoint
from doorstep_verify.checks import Outcome, short
from doorstep_verify.cli import main
from doorstep_verify.cosignature import Cosigner, add_cosignature
from doorstep_verify.merkle import MerkleTree
from doorstep_verify.note import Note, Signer

Write = Callable[[str, object], str]
SIGNED_AT = datetime(2025, 3, 14, 1, 30, tzinfo=UTC)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def signed_head(tree: MerkleTree, size: int, signer: Signer) -> str:
    checkpoint = make_checkpoint(
        origin=signer.name, tree_size=size, root_hash=tree.root(size), timestamp=SIGNED_AT
    )
    return sign_checkpoint(checkpoint, [signer])


@pytest.fixture
def key(log_key: Signer) -> str:
    return log_key.public_key.hex()


def test_an_inclusion_proof_anchored_in_a_signed_checkpoint_verifies(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    entries: list[str],
    write: Write,
    log_key: Signer,
    key: str,
) -> None:
    proof = write("proof.json", prove_inclusion(tree, 7, 20).to_json())
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))
    entry = write("entry.json", entries[7])

    code, out = run(capsys, proof, "--key", key, "--checkpoint", head, "--data", entry)

    assert code == Outcome.VERIFIED
    assert checks.DATA_MATCHES in out
    assert checks.ROOT_MATCHES_CHECKPOINT.format(size=20, source=head) in out


def test_an_inclusion_proof_alone_checks_its_hashes_but_not_its_root(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, key: str
) -> None:
    code, out = run(
        capsys, write("proof.json", prove_inclusion(tree, 7, 20).to_json()), "--key", key
    )

    assert code == Outcome.UNCHECKED
    assert checks.ROOT_NOT_ANCHORED.format(size=20) in out
    leaf, root = short(tree.leaf_hash(7)), short(tree.root(20))
    assert checks.PROOF_CHECKS.format(index=7, leaf=leaf, size=20, root=root) in out


def test_an_inclusion_proof_with_a_changed_path_hash_fails(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, log_key: Signer, key: str
) -> None:
    document = prove_inclusion(tree, 7, 20).to_json()
    document["path"][1] = "00" * 32
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))

    code, out = run(capsys, write("proof.json", document), "--key", key, "--checkpoint", head)

    assert code == Outcome.TAMPERED
    error = "the path from leaf 7 does not lead to the root of 20 leaves"
    assert checks.PROOF_FAILS.format(error=error) in out


def test_an_inclusion_proof_for_other_data_fails(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, entries: list[str], write: Write, key: str
) -> None:
    proof = write("proof.json", prove_inclusion(tree, 7, 20).to_json())
    entry = write("entry.json", entries[8])

    code, out = run(capsys, proof, "--key", key, "--data", entry)

    assert code == Outcome.TAMPERED
    assert "the given data hashes to " in out


def test_a_proof_against_a_root_the_log_never_signed_fails(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    entries: list[str],
    write: Write,
    log_key: Signer,
    key: str,
) -> None:
    forged = MerkleTree(type(tree.store)())
    forged.append([entry.encode() for entry in entries[:19]] + [b'{"forged":true}'])
    proof = write("proof.json", prove_inclusion(forged, 19, 20).to_json())
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))

    code, out = run(capsys, proof, "--key", key, "--checkpoint", head)

    assert code == Outcome.TAMPERED
    message = checks.ROOT_DIFFERS_FROM_CHECKPOINT.format(
        size=20, root=short(forged.root()), source=head, signed=short(tree.root())
    )
    assert message in out


def test_a_checkpoint_signed_by_another_key_anchors_nothing(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    write: Write,
    impostor_key: Signer,
    key: str,
) -> None:
    proof = write("proof.json", prove_inclusion(tree, 7, 20).to_json())
    head = write("checkpoint.txt", signed_head(tree, 20, impostor_key))

    code, out = run(capsys, proof, "--key", key, "--checkpoint", head)

    assert code == Outcome.UNTRUSTED_KEY
    assert f"{head}: no signature by a trusted key" in out


def test_a_consistency_proof_between_two_signed_checkpoints_verifies(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    write: Write,
    log_key: Signer,
    key: str,
    export: Callable[..., dict[str, Any]],
    entries: list[str],
) -> None:
    proof = write("proof.json", prove_consistency(tree, 12, 20).to_json())
    old_head = write("old.txt", signed_head(tree, 12, log_key))
    new_bundle = write("ledger.json", export(entries, log_key))

    code, out = run(
        capsys, proof, "--key", key, "--checkpoint", old_head, "--checkpoint", new_bundle
    )

    assert code == Outcome.VERIFIED
    assert checks.ROOT_MATCHES_CHECKPOINT.format(size=12, source=old_head) in out
    assert checks.ROOT_MATCHES_CHECKPOINT.format(size=20, source=new_bundle) in out


def test_a_consistency_proof_with_an_unsigned_first_size_is_not_verified(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, log_key: Signer, key: str
) -> None:
    proof = write("proof.json", prove_consistency(tree, 12, 20).to_json())
    head = write("new.txt", signed_head(tree, 20, log_key))

    code, out = run(capsys, proof, "--key", key, "--checkpoint", head)

    assert code == Outcome.UNCHECKED
    assert checks.ROOT_NOT_ANCHORED.format(size=12) in out


def test_a_consistency_proof_for_a_rewritten_history_fails(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, key: str
) -> None:
    document = prove_consistency(tree, 12, 20).to_json()
    document["first_root"] = tree.root(11).hex()

    code, out = run(capsys, write("proof.json", document), "--key", key)

    assert code == Outcome.TAMPERED
    error = "the proof does not lead to the root of the first 12 leaves"
    assert checks.CONSISTENCY_FAILS.format(error=error) in out


def test_a_signed_checkpoint_note_verifies_and_shows_what_it_signs(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, log_key: Signer, key: str
) -> None:
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))

    code, out = run(capsys, head, "--key", key)

    assert code == Outcome.VERIFIED
    message = checks.CHECKPOINT_READ.format(
        source=head,
        origin=log_key.name,
        size=20,
        root=short(tree.root()),
        time="2025-03-14T01:30:00+00:00",
    )
    assert message in out


def test_an_edited_checkpoint_note_has_a_bad_signature(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, log_key: Signer, key: str
) -> None:
    note = signed_head(tree, 20, log_key).replace("\n20\n", "\n21\n")

    code, out = run(capsys, write("checkpoint.txt", note), "--key", key)

    assert code == Outcome.BAD_SIGNATURE
    assert "the checkpoint text or its signature was altered" in out


def test_a_checkpoint_cosigned_by_the_named_witness_verifies(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    write: Write,
    log_key: Signer,
    key: str,
    regulator: Cosigner,
) -> None:
    note = Note.parse(signed_head(tree, 20, log_key))
    cosigned = add_cosignature(note, regulator.cosign(note.text, 1741915800))
    head = write("checkpoint.txt", cosigned.render())

    code, out = run(capsys, head, "--key", key, "--witness", regulator.verifier.vkey())

    assert code == Outcome.VERIFIED
    message = checks.WITNESSED.format(source=head, name=regulator.verifier.name, time=1741915800)
    assert message in out


def test_a_checkpoint_the_named_witness_did_not_cosign_is_not_witnessed(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    write: Write,
    log_key: Signer,
    key: str,
    regulator: Cosigner,
) -> None:
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))

    code, out = run(capsys, head, "--key", key, "--witness", regulator.verifier.vkey())

    assert code == Outcome.NOT_WITNESSED == 7
    assert checks.NOT_WITNESSED.format(source=head, name=regulator.verifier.name) in out


def test_a_witness_line_moved_to_another_checkpoint_is_caught(
    capsys: pytest.CaptureFixture[str],
    tree: MerkleTree,
    write: Write,
    log_key: Signer,
    key: str,
    regulator: Cosigner,
) -> None:
    old = Note.parse(signed_head(tree, 12, log_key))
    new = Note.parse(signed_head(tree, 20, log_key))
    borrowed = add_cosignature(new, regulator.cosign(old.text, 1741915800))

    code, out = run(
        capsys,
        write("checkpoint.txt", borrowed.render()),
        "--key",
        key,
        "--witness",
        regulator.verifier.vkey(),
    )

    assert code == Outcome.BAD_SIGNATURE
    assert "the cosignature by witness witness.regulator.example/w1 is invalid" in out


def test_a_witness_key_of_the_wrong_type_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, log_key: Signer, key: str
) -> None:
    head = write("checkpoint.txt", signed_head(tree, 20, log_key))

    with pytest.raises(SystemExit) as exit_info:
        main([head, "--key", key, "--witness", log_key.verifier.vkey()])

    assert exit_info.value.code == Outcome.USAGE
    assert "is not an Ed25519 cosigner key" in capsys.readouterr().err


def test_the_proof_documents_have_exactly_the_documented_keys(tree: MerkleTree) -> None:
    inclusion = prove_inclusion(tree, 7, 20).to_json()
    consistency = prove_consistency(tree, 12, 20).to_json()

    assert list(inclusion) == ["leaf_index", "tree_size", "leaf_hash", "path", "root_hash"]
    assert list(consistency) == ["first_size", "second_size", "path", "first_root", "second_root"]
    assert json.loads(json.dumps(inclusion))["path"] == [
        h.hex() for h in tree.inclusion_proof(7, 20)
    ]


def test_a_checkpoint_file_that_is_no_checkpoint_is_named(
    capsys: pytest.CaptureFixture[str], tree: MerkleTree, write: Write, key: str
) -> None:
    proof = write("proof.json", prove_inclusion(tree, 7, 20).to_json())
    head = write("checkpoint.txt", "not a checkpoint\n")

    code = main([proof, "--key", key, "--checkpoint", head])

    assert code == Outcome.MALFORMED
    assert f"cannot read {head}: no blank line separates" in capsys.readouterr().err
