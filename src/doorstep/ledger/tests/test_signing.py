"""Signed tree heads: the C2SP checkpoint, its key, key rotation, the periodic task."""

from __future__ import annotations

import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from doorstep_verify.checkpoint import Checkpoint as CheckpointText
from doorstep_verify.checks import Outcome
from doorstep_verify.merkle import EMPTY_ROOT, MerkleTree, node_key
from doorstep_verify.note import Note, Signer, Verifier, b64encode, verify_note

from doorstep.ledger.keys import log_signer, trusted_keys
from doorstep.ledger.models import Checkpoint, LedgerHead, LedgerNode
from doorstep.ledger.services import (
    LedgerInconsistent,
    ledger_sign_checkpoint,
    ledger_sign_if_grown,
)
from doorstep.ledger.storage import DatabaseStore
from doorstep.ledger.tasks import ledger_sign_checkpoint_task
from doorstep.ledger.verification import ledger_verify

pytestmark = pytest.mark.django_db


def test_a_checkpoint_is_the_signed_c2sp_text_of_the_current_tree(fill, log_key) -> None:
    fill(5)
    checkpoint = ledger_sign_checkpoint()
    moment = timezone.localtime(checkpoint.timestamp)
    root = MerkleTree(DatabaseStore(5)).root()
    parsed = CheckpointText.parse(checkpoint.text)
    assert checkpoint.text == (
        f"doorstep.bank.example/ledger\n5\n{b64encode(root)}\n"
        f"timestamp {moment.isoformat(timespec='seconds')}\n"
    )
    assert (parsed.tree_size, parsed.root_hash, bytes(checkpoint.root_hash)) == (5, root, root)
    assert moment.utcoffset().total_seconds() == 8 * 3600
    note = Note.parse(checkpoint.note)
    assert note.text == checkpoint.text
    assert verify_note(note, [log_key.verifier]) == (log_key.verifier,)
    assert (checkpoint.key_id, checkpoint.public_key) == (
        log_key.key_id.hex(),
        log_key.public_key.hex(),
    )
    assert note.signatures[0].signature == bytes(checkpoint.signature)


def test_an_empty_log_signs_the_empty_root(db) -> None:
    checkpoint = ledger_sign_checkpoint()
    assert (checkpoint.tree_size, bytes(checkpoint.root_hash)) == (0, EMPTY_ROOT)


def test_the_periodic_task_signs_only_when_the_log_grew(fill) -> None:
    assert ledger_sign_checkpoint_task() is None  # nothing appended, nothing to sign
    fill(3)
    assert ledger_sign_checkpoint_task() == 3
    assert ledger_sign_if_grown() is None
    fill(2)
    assert ledger_sign_checkpoint_task() == 5
    assert list(Checkpoint.objects.order_by("id").values_list("tree_size", flat=True)) == [3, 5]


def test_a_development_key_is_made_once_readable_only_by_its_owner(settings, tmp_path) -> None:
    settings.LEDGER_SIGNING_KEY = None
    settings.LEDGER_DEV_KEY_FILE = tmp_path / "keys" / "ledger.key"
    first = log_signer()
    assert log_signer().public_key == first.public_key
    assert first.name == settings.LEDGER_ORIGIN
    mode = stat.S_IMODE(settings.LEDGER_DEV_KEY_FILE.stat().st_mode)
    assert mode == 0o600
    assert settings.LEDGER_DEV_KEY_FILE.read_text().startswith("PRIVATE+KEY+doorstep.bank")


def test_production_refuses_to_sign_without_a_configured_key(settings, fill) -> None:
    fill(1)
    settings.LEDGER_SIGNING_KEY = None
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match=r"LEDGER_SIGNING_KEY .* is required"):
        ledger_sign_checkpoint()
    assert not settings.LEDGER_DEV_KEY_FILE.exists()
    assert Checkpoint.objects.count() == 0


def test_a_key_named_other_than_the_origin_is_refused(settings, db) -> None:
    settings.LEDGER_SIGNING_KEY = Signer.from_seed("other.example/log", bytes(32)).skey()
    with pytest.raises(ImproperlyConfigured, match="LEDGER_ORIGIN"):
        log_signer()
    settings.LEDGER_SIGNING_KEY = "PRIVATE+KEY+nonsense"
    with pytest.raises(ImproperlyConfigured, match="not a signer key"):
        log_signer()


def test_after_a_rotation_old_heads_verify_with_the_retired_key(settings, fill, log_key) -> None:
    fill(4)
    old = ledger_sign_checkpoint()
    new_key = Signer.from_seed(settings.LEDGER_ORIGIN, bytes(range(1, 33)))
    settings.LEDGER_SIGNING_KEY = new_key.skey()
    settings.LEDGER_RETIRED_KEYS = [log_key.public_key.hex()]
    fill(3)
    new = ledger_sign_checkpoint()
    assert (old.key_id, new.key_id) == (log_key.key_id.hex(), new_key.key_id.hex())
    assert [key.public_key for key in trusted_keys()] == [new_key.public_key, log_key.public_key]
    report = ledger_verify()
    assert report.outcome is Outcome.VERIFIED, report.to_json()

    settings.LEDGER_RETIRED_KEYS = []  # forgetting the old key leaves its heads unproven
    report = ledger_verify()
    assert report.outcome is Outcome.UNTRUSTED_KEY
    assert report.decisive is not None
    assert report.decisive.message.startswith(f"checkpoint {old.pk}: not signed by a trusted key")
    assert verify_note(Note.parse(new.note), [Verifier(new_key.name, new_key.public_key)])


def test_a_log_that_lost_or_changed_signed_entries_is_not_signed_again(fill) -> None:
    fill(6)
    signed = ledger_sign_checkpoint()
    fill(2)
    LedgerNode.objects.filter(key=node_key(2, 0)).update(hash=bytes(32))
    with pytest.raises(LedgerInconsistent) as refused:
        ledger_sign_checkpoint()
    assert refused.value.code == "ledger_inconsistent"
    assert refused.value.message.startswith(
        f"The stored log no longer contains the 6 entries of checkpoint {signed.pk}"
    )
    LedgerNode.objects.filter(key=node_key(2, 0)).delete()
    with pytest.raises(LedgerInconsistent):
        ledger_sign_if_grown()
    LedgerHead.objects.update(size=4)  # entries cut off the end
    with pytest.raises(LedgerInconsistent):
        ledger_sign_checkpoint()
    assert Checkpoint.objects.count() == 1
