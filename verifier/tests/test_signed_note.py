"""Signed notes byte for byte as the Go reference implementation writes them."""

from __future__ import annotations

import pytest
from doorstep_verify.note import (
    BadSignatureError,
    Note,
    NoteError,
    Signer,
    UntrustedNoteError,
    Verifier,
    sign_note,
    verify_note,
)

# golang.org/x/mod/sumdb/note's documented example key, text and signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# The C2SP signed-note specification's verifier-key example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_signing_reproduces_the_go_reference_note_exactly() -> None:
    signer = Signer.from_skey(GO_SKEY)

    assert sign_note(GO_TEXT, [signer]) == GO_NOTE
    assert signer.verifier.vkey() == GO_VKEY
    assert signer.skey() == GO_SKEY


def test_the_reference_notes_verify_with_their_verifier_keys() -> None:
    for vkey, message in ((GO_VKEY, GO_NOTE), (SPEC_VKEY, SPEC_NOTE)):
        verifier = Verifier.from_vkey(vkey)
        assert verify_note(Note.parse(message), [verifier]) == (verifier,)


def test_signatures_from_unknown_keys_are_ignored() -> None:
    other = Signer.from_seed("witness.example/w", bytes(32))
    note = Note.parse(sign_note(GO_TEXT, [other, Signer.from_skey(GO_SKEY)]))

    assert verify_note(note, [Verifier.from_vkey(GO_VKEY)]) == (Verifier.from_vkey(GO_VKEY),)


def test_a_note_without_a_trusted_signature_is_rejected() -> None:
    other = Signer.from_seed("PeterNeumann", bytes(32))

    with pytest.raises(UntrustedNoteError, match="no signature from a trusted key"):
        verify_note(Note.parse(sign_note(GO_TEXT, [other])), [Verifier.from_vkey(GO_VKEY)])


def test_an_altered_text_fails_the_trusted_signature() -> None:
    altered = GO_NOTE.replace("answer", "answers")

    with pytest.raises(BadSignatureError, match=r"the signature by PeterNeumann \(c74f20a3\)"):
        verify_note(Note.parse(altered), [Verifier.from_vkey(GO_VKEY)])


def test_a_note_renders_back_to_the_same_text() -> None:
    assert Note.parse(GO_NOTE).render() == GO_NOTE


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (GO_NOTE[:-1], "ends with a newline"),
        (GO_TEXT, "no blank line"),
        (GO_TEXT + "\n", "has no signature"),
        (GO_TEXT + "\n— PeterNeumann !!!!\n", "not base64"),
        (GO_TEXT + "\n— Peter Neumann AAAAAAAA\n", "not a signature line"),
        (GO_TEXT + "\n- PeterNeumann AAAAAAAA\n", "not a signature line"),
        (GO_TEXT + "\n— PeterNeumann AAAA\n", "signature too short"),
        ("tab\there\n\n" + GO_NOTE.split("\n\n")[1], "no control character"),
    ],
)
def test_malformed_notes_are_refused(message: str, problem: str) -> None:
    with pytest.raises(NoteError, match=problem):
        Note.parse(message)


def test_a_verifier_key_with_a_wrong_key_id_is_refused() -> None:
    with pytest.raises(NoteError, match="the key id c74f20a4 does not match"):
        Verifier.from_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))


def test_key_names_may_not_contain_spaces_or_plus() -> None:
    for name in ("", "two words", "a+b"):
        with pytest.raises(NoteError, match="a key name must be non-empty"):
            Signer.from_seed(name, bytes(32))
