"""``doorstep-verify`` on export bundles: an intact log passes, every kind of tampering is named.

Each test edits an honest export the way an insider might and checks both the exit code and
the exact message an auditor would read.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doorstep_verify import checks
from doorstep_verify.checks import Outcome, short
from doorstep_verify.cli import main
from doorstep_verify.merkle import leaf_hashes, root_of
from doorstep_verify.note import Signer

Export = Callable[..., dict[str, Any]]
Write = Callable[[str, object], str]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def key_of(signer: Signer) -> str:
    return signer.public_key.hex()


def resign(bundle: dict[str, Any], signer: Signer) -> None:
    """Rebuilds the checkpoint over the bundle's (edited) leaves and signs it with ``signer``."""
    root = root_of(leaf_hashes(leaf["data"].encode() for leaf in bundle["leaves"]))
    size = len(bundle["leaves"])
    lines = bundle["checkpoint"].split("\n")
    lines[1], lines[2] = str(size), base64.b64encode(root).decode()
    bundle["checkpoint"] = "\n".join(lines)
    bundle["tree_size"], bundle["root_hash"] = size, root.hex()
    bundle["signature"] = signer.sign_bytes(bundle["checkpoint"].encode()).hex()
    bundle["public_key"] = signer.public_key.hex()


@pytest.fixture
def bundle(export: Export, entries: list[str], log_key: Signer) -> dict[str, Any]:
    return export(entries, log_key)


def test_an_intact_export_verifies_against_the_trusted_key(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.VERIFIED == 0
    assert (
        checks.LEAVES_HASH_TO_ROOT.format(count=20, root=short(bytes.fromhex(bundle["root_hash"])))
        in out
    )
    assert checks.FIELDS_AGREE in out
    assert checks.SIGNED_BY_TRUSTED_KEY.format(source=path, key=short(log_key.public_key)) in out
    assert out.rstrip().endswith("VERIFIED against the trusted key (exit 0)")


def test_without_a_key_only_the_hashes_are_checked_and_it_says_so(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write
) -> None:
    path = write("ledger.json", bundle)
    code, out = run(capsys, path)

    assert code == Outcome.UNCHECKED == 6
    assert checks.SIGNATURE_NOT_CHECKED.format(source=path) in out
    assert "NOT VERIFIED (exit 6, NOT CHECKED)" in out


def test_a_flipped_byte_in_a_leaf_is_caught(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    data = bundle["leaves"][7]["data"]
    bundle["leaves"][7]["data"] = data.replace("agent_li", "agent_lj")

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED == 1
    assert "the leaves hash to " in out
    assert "a leaf was changed, added, removed or reordered" in out
    assert checks.SIGNED_BY_TRUSTED_KEY.format(source=path, key=short(log_key.public_key)) in out


def test_a_dropped_leaf_is_named(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    del bundle["leaves"][7]

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.LEAVES_MISSING.format(size=20, indexes="7") in out


def test_swapped_leaf_contents_change_the_root(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    leaves = bundle["leaves"]
    leaves[3]["data"], leaves[4]["data"] = leaves[4]["data"], leaves[3]["data"]

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert "a leaf was changed, added, removed or reordered" in out


def test_swapped_leaves_with_their_indexes_are_out_of_order(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    leaves = bundle["leaves"]
    leaves[3], leaves[4] = leaves[4], leaves[3]

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.LEAVES_OUT_OF_ORDER.format(index=3, previous=4) in out


def test_a_truncated_log_lacks_its_last_leaves(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    del bundle["leaves"][17:]

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.LEAVES_MISSING.format(size=20, indexes="17, 18, 19") in out


def test_an_extra_leaf_is_named(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    bundle["leaves"].append({"index": 20, "data": '{"type":"payment.posted"}'})

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.LEAVES_EXTRA.format(size=20, indexes="20") in out


def test_a_repeated_leaf_is_named(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    bundle["leaves"][5] = dict(bundle["leaves"][4])

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.LEAVES_DUPLICATE.format(indexes="4") in out
    assert checks.LEAVES_MISSING.format(size=20, indexes="5") in out


def test_a_wrong_root_hash_field_is_caught(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    signed = bytes.fromhex(bundle["root_hash"])
    bundle["root_hash"] = "ab" * 32

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    message = checks.FIELD_DIFFERS.format(
        field="root_hash", value=short(bytes.fromhex("ab" * 32)), signed=short(signed)
    )
    assert message in out


def test_a_wrong_tree_size_field_is_caught(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    bundle["tree_size"] = 19

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    assert checks.FIELD_DIFFERS.format(field="tree_size", value=19, signed=20) in out


def test_a_changed_timestamp_is_caught(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    bundle["timestamp"] = "2025-03-15T09:30:00+08:00"

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.TAMPERED
    message = checks.FIELD_DIFFERS.format(
        field="timestamp", value="2025-03-15T09:30:00+08:00", signed="2025-03-14T09:30:00+08:00"
    )
    assert message in out


def test_a_bad_signature_is_caught(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    signature = bytearray(bytes.fromhex(bundle["signature"]))
    signature[10] ^= 0x01
    bundle["signature"] = signature.hex()

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.BAD_SIGNATURE == 4
    assert checks.SIGNATURE_INVALID.format(source=path) in out


def test_a_rewritten_log_with_an_edited_checkpoint_keeps_a_signature_that_no_longer_fits(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    old_signature = bundle["signature"]
    del bundle["leaves"][7]
    bundle["leaves"] = [
        {"index": n, "data": leaf["data"]} for n, leaf in enumerate(bundle["leaves"])
    ]
    resign(bundle, log_key)
    bundle["signature"] = old_signature

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.BAD_SIGNATURE
    assert checks.LEAVES_HASH_TO_ROOT.split(" {")[0] in out
    assert checks.SIGNATURE_INVALID.format(source=path) in out


def test_a_log_rewritten_and_resigned_with_another_key_is_caught(
    capsys: pytest.CaptureFixture[str],
    bundle: dict[str, Any],
    write: Write,
    log_key: Signer,
    impostor_key: Signer,
) -> None:
    bundle["leaves"][7]["data"] = bundle["leaves"][7]["data"].replace("agent_li", "agent_wu")
    resign(bundle, impostor_key)

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.UNTRUSTED_KEY == 5
    assert checks.SIGNED_BY_OTHER_KEY.format(source=path, key=impostor_key.public_key.hex()) in out


def test_a_resigned_log_that_claims_the_trusted_public_key_is_still_caught(
    capsys: pytest.CaptureFixture[str],
    bundle: dict[str, Any],
    write: Write,
    log_key: Signer,
    impostor_key: Signer,
) -> None:
    resign(bundle, impostor_key)
    bundle["public_key"] = log_key.public_key.hex()

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.BAD_SIGNATURE
    assert checks.SIGNATURE_INVALID.format(source=path) in out


def test_the_key_inside_the_file_is_never_trusted(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, impostor_key: Signer
) -> None:
    resign(bundle, impostor_key)

    path = write("ledger.json", bundle)
    code, out = run(capsys, path)

    assert code == Outcome.UNCHECKED
    assert checks.SIGNATURE_NOT_CHECKED.format(source=path) in out


def test_after_a_key_rotation_both_trusted_keys_are_accepted(
    capsys: pytest.CaptureFixture[str],
    export: Export,
    entries: list[str],
    write: Write,
    log_key: Signer,
) -> None:
    new_key = Signer.from_seed(log_key.name, bytes(range(200, 232)))
    path = write("ledger.json", export(entries, new_key))

    code, _ = run(capsys, path, "--key", key_of(log_key), "--key", key_of(new_key))
    only_old, _ = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.VERIFIED
    assert only_old == Outcome.UNTRUSTED_KEY


def test_a_note_verifier_key_is_accepted_as_the_trusted_key(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    code, _ = run(capsys, write("ledger.json", bundle), "--key", log_key.verifier.vkey())

    assert code == Outcome.VERIFIED


def test_an_empty_log_verifies(
    capsys: pytest.CaptureFixture[str], export: Export, write: Write, log_key: Signer
) -> None:
    code, out = run(capsys, write("empty.json", export([], log_key)), "--key", key_of(log_key))

    assert code == Outcome.VERIFIED
    assert "the 0 leaves hash to the signed root e3b0c44298fc1c14…" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json at all", "the file is neither JSON nor a signed checkpoint"),
        ('{"tree_size": 1', "the file is malformed: Expecting"),
        ("[1, 2]", "the file is malformed: the file is not a JSON object"),
        ('{"tree_size": 1, "tree_size": 2}', "the file is malformed: duplicate key 'tree_size'"),
        ('{"hello": 1}', "the file is malformed: not a bundle, inclusion proof or consistency"),
    ],
)
def test_a_file_in_no_known_format_is_reported_malformed(
    capsys: pytest.CaptureFixture[str], write: Write, text: str, expected: str
) -> None:
    code, out = run(capsys, write("odd.json", text))

    assert code == Outcome.MALFORMED == 3
    assert expected in out


def test_a_bundle_field_of_the_wrong_shape_is_reported_malformed(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    bundle["signature"] = "zz" * 64

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--key", key_of(log_key))

    assert code == Outcome.MALFORMED
    assert "the file is malformed: signature: must be 128 hex digits" in out


def test_a_missing_file_is_reported_malformed(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    code = main([str(tmp_path / "absent.json")])

    assert code == Outcome.MALFORMED
    assert f"cannot read {tmp_path / 'absent.json'}" in capsys.readouterr().err


def test_a_key_that_is_not_a_key_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([write("ledger.json", bundle), "--key", "abcd"])

    assert exit_info.value.code == Outcome.USAGE == 2
    assert "an Ed25519 public key has 32 bytes, not 2" in capsys.readouterr().err


def test_proof_options_on_a_bundle_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write, log_key: Signer
) -> None:
    path = write("ledger.json", bundle)

    with pytest.raises(SystemExit) as exit_info:
        main([path, "--key", key_of(log_key), "--checkpoint", path])

    assert exit_info.value.code == Outcome.USAGE
    assert "--checkpoint and --data apply to inclusion and consistency proofs only" in (
        capsys.readouterr().err
    )


def test_the_json_report_lists_every_check(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write
) -> None:
    del bundle["leaves"][0]

    path = write("ledger.json", bundle)
    code, out = run(capsys, path, "--json")
    report = json.loads(out)

    assert code == Outcome.TAMPERED
    assert report["outcome"] == "tampered"
    assert report["exit_code"] == 1
    assert [check["outcome"] for check in report["checks"]] == [
        "tampered",
        "tampered",
        "verified",
        "unchecked",
    ]
    assert report["checks"][0]["message"] == checks.LEAVES_MISSING.format(size=20, indexes="0")
    assert report["checks"][3]["message"] == checks.SIGNATURE_NOT_CHECKED.format(source=path)


def test_the_installed_command_exits_with_the_verdict(
    bundle: dict[str, Any], write: Write, log_key: Signer, impostor_key: Signer
) -> None:
    command = str(Path(sys.executable).with_name("doorstep-verify"))
    path = write("ledger.json", bundle)

    good = subprocess.run(  # noqa: S603 (our own installed command, arguments we built)
        [command, path, "--key", key_of(log_key)], capture_output=True, text=True, check=False
    )
    other = subprocess.run(  # noqa: S603
        [command, path, "--key", key_of(impostor_key)], capture_output=True, text=True, check=False
    )

    assert (good.returncode, other.returncode) == (0, 5)
    assert "VERIFIED against the trusted key" in good.stdout


def test_a_huge_claimed_tree_is_reported_without_listing_every_missing_leaf(
    capsys: pytest.CaptureFixture[str], bundle: dict[str, Any], write: Write
) -> None:
    lines = bundle["checkpoint"].split("\n")
    lines[1] = str(10**15)
    bundle["checkpoint"] = "\n".join(lines)

    code, out = run(capsys, write("ledger.json", bundle))

    assert code == Outcome.TAMPERED
    missing = "20, 21, 22, 23, 24, 25, 26, 27 and 999999999999972 more"
    assert checks.LEAVES_MISSING.format(size=10**15, indexes=missing) in out
