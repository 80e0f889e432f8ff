"""`doorstep-witness` against a running Doorstep: it cosigns a log that grew, refuses one that
was rewritten, and its cosignature comes back to the log through the API.

The server is pytest-django's live server over the test database; the witness is the real
program (``doorstep_verify.witness.main``) talking HTTP to it with an auditor's bearer token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from doorstep_verify.cosignature import Cosigner
from doorstep_verify.witness import cosigner_skey
from doorstep_verify.witness import main as witness_main

from doorstep.ledger.models import (
    Checkpoint,
    Cosignature,
    LedgerEntry,
    LedgerHead,
    LedgerNode,
    LedgerSubject,
)
from doorstep.ledger.services import ledger_append_many, ledger_sign_checkpoint, ledger_witness_add
from doorstep.staff.tokens import token_issue

from .conftest import payment_events

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class WitnessProgram:
    """The regulator's witness: its key file, its state file, and one run of the program."""

    def __init__(self, url: str, log_key: str, key_file: Path, state: Path, capsys: Any) -> None:
        self.url, self.log_key, self.key_file, self.state = url, log_key, key_file, state
        self.capsys = capsys

    def __call__(self, *, log_key: str | None = None) -> tuple[int, str, str]:
        """Exit code, standard output and standard error of one run with ``--submit``."""
        code = witness_main(
            [
                *("--log-url", self.url, "--log-key", log_key or self.log_key),
                *("--witness-key", str(self.key_file), "--state", str(self.state), "--submit"),
            ]
        )
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def run(live_server, world, regulator, tmp_path, monkeypatch, log_key, capsys) -> WitnessProgram:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOORSTEP_TOKEN", token_issue(user=world.user("auditor_chen")))
    key_file = tmp_path / "witness.key"
    key_file.write_text(cosigner_skey(regulator) + "\n")
    url = f"{live_server.url}/api/v1"
    return WitnessProgram(url, log_key.public_key.hex(), key_file, tmp_path / "state.json", capsys)


def grow(count: int, start: int) -> None:
    with transaction.atomic():
        ledger_append_many(payment_events(count, start=start))
    ledger_sign_checkpoint()


def rewrite(count: int) -> None:
    """An insider replaces the whole log with other entries and signs it with the same key."""
    Cosignature.objects.all().delete()
    Checkpoint.objects.all().delete()
    LedgerSubject.objects.all().delete()
    LedgerNode.objects.all().delete()
    LedgerEntry.objects.all().delete()
    LedgerHead.objects.update(size=0)
    grow(count, start=1000)


def test_the_witness_cosigns_a_growing_log_and_the_log_stores_it(run, regulator) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    grow(5, start=0)
    code, out, err = run()
    assert (code, err) == (0, "")
    assert "cosigned doorstep.bank.example/ledger at 6 entries" in out
    assert "first checkpoint this witness has seen" in out
    assert f"— {regulator.verifier.name} " in out
    assert Cosignature.objects.get().checkpoint.tree_size == 6

    grow(4, start=5)
    code, out, err = run()
    assert (code, err) == (0, "")
    assert "at 10 entries" in out
    assert "consistent with the 6 entries cosigned before" in out
    assert sorted(Cosignature.objects.values_list("checkpoint__tree_size", flat=True)) == [6, 10]
    assert '"tree_size": 10' in Path(run.state).read_text()


def test_the_witness_refuses_a_rewritten_log_and_keeps_its_state(run, regulator) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    grow(5, start=0)
    assert run()[0] == 0
    saved = Path(run.state).read_bytes()

    rewrite(9)
    code, out, err = run()
    assert code == 1
    assert out == ""
    assert "REFUSED: the tree of 9 entries does not contain the tree of 6 entries" in err
    assert Path(run.state).read_bytes() == saved
    assert Cosignature.objects.count() == 0


def test_the_witness_refuses_a_fork_of_the_same_size(run, regulator) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    grow(5, start=0)
    assert run()[0] == 0
    saved = Path(run.state).read_bytes()
    rewrite(6)
    code, _, err = run()
    assert code == 1
    assert "REFUSED: two different trees of 6 entries" in err
    assert Path(run.state).read_bytes() == saved


def test_the_witness_refuses_a_log_that_shrank(run, regulator) -> None:
    ledger_witness_add(name=regulator.verifier.name, key=regulator.verifier.vkey())
    grow(5, start=0)
    assert run()[0] == 0
    rewrite(3)
    code, _, err = run()
    assert code == 1
    assert "REFUSED: the log shrank from 6 to 3 entries" in err


def test_the_witness_refuses_a_head_not_signed_by_the_log_key(run, regulator) -> None:
    grow(3, start=0)
    impostor = Cosigner.from_seed("x.example/w", bytes(range(9, 41))).verifier.public_key.hex()
    code, out, err = run(log_key=impostor)
    assert (code, out) == (5, "")
    assert "REFUSED: the checkpoint is not signed by the trusted log key" in err
    assert not Path(run.state).exists()
