"""Witness cosignatures in the C2SP tlog-cosignature v1 (Ed25519) format."""

from __future__ import annotations

import pytest
from doorstep_verify.cosignature import (
    CosignatureVerifier,
    Cosigner,
    add_cosignature,
    cosigned_message,
    witnessed_by,
)
from doorstep_verify.note import Note, NoteError, Signer, key_id

# The specification's example: a checkpoint signed by its log and cosigned by one witness.
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_NOTE = (
    SPEC_TEXT
    + "\n— example.com/behind-the-sofa "
    + "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    + "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    + "— witness.example.com/w1 "
    + "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oy"
    + "in1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def test_the_specification_example_line_carries_key_id_time_and_signature() -> None:
    witness_line = Note.parse(SPEC_NOTE).signatures[1]

    assert witness_line.name == "witness.example.com/w1"
    assert witness_line.key_id.hex() == "8d66cf3f"
    assert int.from_bytes(witness_line.signature[:8], "big") == 1679315147
    assert len(witness_line.signature) == 72


def test_the_signed_message_is_the_header_the_time_and_the_checkpoint() -> None:
    assert cosigned_message(SPEC_TEXT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_a_cosignature_verifies_and_gives_its_time(regulator: Cosigner) -> None:
    signature = regulator.cosign(SPEC_TEXT, 1741915800)

    assert regulator.verifier.verify(SPEC_TEXT, signature) == 1741915800
    parsed = CosignatureVerifier.from_vkey(regulator.verifier.vkey())
    assert parsed == regulator.verifier


def test_a_cosigner_key_id_is_domain_separated_from_a_log_key(regulator: Cosigner) -> None:
    name, public_key = regulator.verifier.name, regulator.verifier.public_key

    assert regulator.verifier.key_id == key_id(name, 0x04, public_key)
    assert regulator.verifier.key_id != key_id(name, 0x01, public_key)


def test_a_cosignature_on_other_text_fails(regulator: Cosigner) -> None:
    signature = regulator.cosign(SPEC_TEXT, 1741915800)

    with pytest.raises(
        NoteError, match=r"the cosignature by witness witness\.regulator\.example/w1 is invalid"
    ):
        regulator.verifier.verify(SPEC_TEXT.replace("20852163", "20852164"), signature)


def test_a_newer_cosignature_replaces_the_same_witness_line(
    regulator: Cosigner, log_key: Signer
) -> None:
    note = Note(SPEC_TEXT, (log_key.sign(SPEC_TEXT),))
    once = add_cosignature(note, regulator.cosign(SPEC_TEXT, 1))
    twice = add_cosignature(once, regulator.cosign(SPEC_TEXT, 2))

    assert len(twice.signatures) == 2
    assert witnessed_by(Note.parse(twice.render()), [regulator.verifier]) == {
        "witness.regulator.example/w1": 2
    }
