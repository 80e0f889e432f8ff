"""Checkpoints in the exact C2SP text, with the timestamp extension line Doorstep adds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from doorstep_verify.checkpoint import (
    Checkpoint,
    CheckpointError,
    make_checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from doorstep_verify.note import Signer, UntrustedNoteError

SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


def test_the_text_is_origin_size_root_and_the_timestamp_line() -> None:
    when = datetime(2025, 3, 14, 9, 30, 5, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))

    checkpoint = make_checkpoint(
        origin="bank.example/ledger", tree_size=8, root_hash=ROOT, timestamp=when
    )

    assert checkpoint.text() == (
        "bank.example/ledger\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqt"
        "L0lgz+Nw7/RgQyg=\ntimestamp 2025-03-14T09:30:05+08:00\n"
    )
    assert checkpoint.timestamp == "2025-03-14T09:30:05+08:00"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint


def test_the_specification_example_parses() -> None:
    checkpoint = Checkpoint.parse(SPEC_CHECKPOINT)

    assert (checkpoint.origin, checkpoint.tree_size, checkpoint.timestamp) == (
        "example.com/behind-the-sofa",
        20852163,
        None,
    )
    assert checkpoint.text() == SPEC_CHECKPOINT


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("origin\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "without leading zeros"),
        ("origin\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "without leading zeros"),
        ("origin\n8\nnot base64!\n", "not base64"),
        ("origin\n8\nXcnaeacG\n", "a root hash has 32 bytes, not 6"),
        ("origin\n8\n", "an origin, a tree size and a root hash"),
        ("\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "origin is one non-empty line"),
        ("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n", "non-empty lines"),
        ("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", "ends with a newline"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, problem: str) -> None:
    with pytest.raises(CheckpointError, match=problem):
        Checkpoint.parse(text)


def test_a_checkpoint_time_must_carry_its_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_checkpoint(origin="o", tree_size=1, root_hash=ROOT, timestamp=datetime(2025, 3, 14))  # noqa: DTZ001


def test_a_signed_checkpoint_opens_only_with_the_log_key(
    log_key: Signer, impostor_key: Signer
) -> None:
    checkpoint = make_checkpoint(origin=log_key.name, tree_size=8, root_hash=ROOT)
    note = sign_checkpoint(checkpoint, [log_key])

    assert open_checkpoint(note, [log_key.verifier])[0] == checkpoint
    with pytest.raises(UntrustedNoteError):
        open_checkpoint(note, [impostor_key.verifier])
