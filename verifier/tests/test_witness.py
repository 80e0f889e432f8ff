"""`doorstep-witness` against a small log served over HTTP, without Doorstep.

The stub server answers the three endpoints the witness uses from a real ``MerkleTree`` and a
real log key, so the data is what the bank would serve; tests make it lie in specific ways.
"""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from doorstep_verify.bundle import prove_consistency
from doorstep_verify.checkpoint import make_checkpoint, sign_checkpoint
from doorstep_verify.cosignature import Cosigner
from doorstep_verify.merkle import MemoryStore, MerkleTree
from doorstep_verify.note import Note, Signer
from doorstep_verify.witness import (
    Exit,
    State,
    cosigner_skey,
    load_cosigner,
    main,
)

ORIGIN = "ledger.doorstep.example/bank"
WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


class Log:
    """What the stub serves: a tree, the key that signs its heads, and what was posted."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.tree = MerkleTree(MemoryStore())
        self.posted: list[dict[str, Any]] = []
        self.note = ""
        self.lie_in_proofs = False
        self.status = 200

    def grow(self, count: int, tag: str = "a") -> None:
        start = self.tree.size
        entries = range(start, start + count)
        self.tree.append(f'{{"seq":{n},"tag":"{tag}"}}'.encode() for n in entries)
        self.sign()

    def sign(self, signer: Signer | None = None) -> None:
        checkpoint = make_checkpoint(
            origin=ORIGIN, tree_size=self.tree.size, root_hash=self.tree.root(), timestamp=WHEN
        )
        self.note = sign_checkpoint(checkpoint, [signer or self.signer])

    def rewrite(self, count: int) -> None:
        self.tree = MerkleTree(MemoryStore())
        self.grow(count, tag="rewritten")


class Handler(BaseHTTPRequestHandler):
    log: Log

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        log = self.log
        if self.headers.get("Authorization") != "Bearer dst_token":
            self._answer(401, {"error": {"code": "not_authenticated", "message": "Sign in."}})
        elif log.status != 200:
            self._answer(log.status, {"error": {"code": "x", "message": "The log is down."}})
        elif self.path == "/api/v1/ledger/checkpoint":
            self._answer(200, {"note": log.note})
        elif self.path.startswith("/api/v1/ledger/proofs/consistency"):
            query = parse_qs(urlsplit(self.path).query)
            first, second = int(query["first"][0]), int(query["second"][0])
            proof = prove_consistency(log.tree, first, second).to_json()
            if log.lie_in_proofs:
                proof["path"] = [("00" * 32) for _ in proof["path"]]
            self._answer(200, proof)
        else:
            self._answer(404, {"error": {"code": "not_found", "message": "Not found."}})

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.log.posted.append(json.loads(self.rfile.read(length)))
        self._answer(201, {"witness": "w"})


@pytest.fixture
def log() -> Log:
    served = Log(Signer.from_seed(ORIGIN, bytes(range(32))))
    served.grow(5)
    return served


@pytest.fixture
def url(log: Log) -> Iterator[str]:
    handler = type("LogHandler", (Handler,), {"log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def witness_key(tmp_path: Path, regulator: Cosigner) -> Path:
    path = tmp_path / "witness.key"
    path.write_text(cosigner_skey(regulator) + "\n")
    return path


class Runner:
    """One witness with its key and state file; calling it runs the program once."""

    def __init__(self, url: str, log: Log, key_file: Path, state: Path, capsys: Any) -> None:
        self.url, self.log, self.key_file = url, log, key_file
        self.state, self.capsys = state, capsys

    def __call__(self, *extra: str) -> tuple[int, str, str]:
        code = main(
            [
                *("--log-url", self.url, "--log-key", self.log.signer.public_key.hex()),
                *("--witness-key", str(self.key_file), "--state", str(self.state), *extra),
            ]
        )
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def run(
    url: str, log: Log, witness_key: Path, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> Runner:
    monkeypatch.setenv("DOORSTEP_TOKEN", "dst_token")
    return Runner(url, log, witness_key, tmp_path / "state.json", capsys)


def test_a_witness_key_file_round_trips(regulator: Cosigner) -> None:
    loaded = load_cosigner(cosigner_skey(regulator))
    assert loaded.verifier == regulator.verifier


def test_generate_key_writes_a_private_file_and_prints_the_vkey(tmp_path: Path, capsys) -> None:
    path = tmp_path / "new.key"
    assert main(["--generate-key", str(path), "--name", "regulator.example/w1"]) == 0
    vkey = capsys.readouterr().out.splitlines()[1]
    assert load_cosigner(path.read_text()).verifier.vkey() == vkey
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert main(["--generate-key", str(path), "--name", "regulator.example/w1"]) == 2


def test_the_first_run_cosigns_and_remembers_the_head(run, log: Log, regulator) -> None:
    code, out, err = run("--submit")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"cosigned {ORIGIN} at 5 entries, root ")
    assert lines[0].endswith("first checkpoint this witness has seen")
    assert lines[1].startswith(f"— {regulator.verifier.name} ")
    note = Note.parse(log.note)
    assert log.posted == [{"checkpoint": note.text, "cosignature": lines[1] + "\n"}]
    state = State.load(run.state)
    assert state is not None
    assert (state.tree_size, state.root_hash, state.checkpoint) == (5, log.tree.root(), note.text)
    signed = Note.parse(note.text + "\n" + lines[1] + "\n")
    assert regulator.verifier.verify(note.text, signed.signatures[0]) > 1_700_000_000


def test_a_grown_log_is_cosigned_after_its_consistency_proof(run, log: Log) -> None:
    assert run()[0] == 0
    log.grow(7)
    code, out, _ = run()
    assert code == 0
    assert "at 12 entries" in out
    assert "consistent with the 5 entries cosigned before" in out
    assert log.posted == []  # without --submit nothing is sent


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ("rewritten", Exit.INCONSISTENT, "does not contain the tree of 5 entries"),
        ("forked", Exit.INCONSISTENT, "two different trees of 5 entries"),
        ("shrunk", Exit.INCONSISTENT, "the log shrank from 5 to 3 entries"),
        ("lying proof", Exit.INCONSISTENT, "does not contain the tree of 5 entries"),
        ("other key", Exit.UNTRUSTED_KEY, "not signed by the trusted log key"),
        ("altered", Exit.BAD_SIGNATURE, "does not verify with the log key"),
        ("down", Exit.UNREACHABLE, "the log answered 503 to /ledger/checkpoint: The log is down."),
    ],
)
def test_a_bad_head_is_refused_and_the_state_kept(run, log: Log, change, code, message) -> None:
    assert run()[0] == 0
    saved = run.state.read_bytes()
    if change == "rewritten":
        log.rewrite(9)
    elif change == "forked":
        log.rewrite(5)
    elif change == "shrunk":
        log.rewrite(3)
    elif change == "lying proof":
        log.grow(4)
        log.lie_in_proofs = True
    elif change == "other key":
        log.grow(1)
        log.sign(Signer.from_seed(ORIGIN, bytes(range(100, 132))))
    elif change == "altered":
        log.grow(1)
        log.note = log.note.replace(f"\n{log.tree.size}\n", f"\n{log.tree.size + 1}\n")
    else:
        log.status = 503
    result, out, err = run("--submit")
    assert (result, out) == (code, "")
    assert message in err
    assert run.state.read_bytes() == saved
    assert log.posted == []


def test_an_unreachable_log_is_reported(run, log: Log, witness_key, tmp_path, capsys) -> None:
    code = main(
        [
            *("--log-url", "http://127.0.0.1:9/api/v1", "--log-key", log.signer.public_key.hex()),
            *("--witness-key", str(witness_key), "--state", str(tmp_path / "s.json")),
        ]
    )
    assert code == Exit.UNREACHABLE
    assert "cannot reach the log at http://127.0.0.1:9/api/v1" in capsys.readouterr().err


def test_a_damaged_state_file_is_refused(run, log: Log) -> None:
    run.state.write_text('{"origin": "x"}')
    code, _, err = run()
    assert code == Exit.MALFORMED
    assert "is damaged" in err
    assert run.state.read_text() == '{"origin": "x"}'


def test_missing_options_are_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--log-url", "http://x"])
    assert stopped.value.code == 2
    assert "missing --log-key, --witness-key, --state" in capsys.readouterr().err
