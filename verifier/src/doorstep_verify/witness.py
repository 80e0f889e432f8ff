"""``doorstep-witness``: an outside party's check that the bank's log only ever grows.

    doorstep-witness --generate-key witness.key --name regulator.example/w1   # once
    doorstep-witness --log-url https://doorstep.bank.example/api/v1 --log-key 3b6a27bc… \\
        --witness-key witness.key --state witness-state.json --submit             # periodically

Each run fetches the log's latest checkpoint, checks its signature with the log key the witness
was given out of band, and checks it against the last checkpoint this witness saw (kept in the
state file): the same root at the same size, or a consistency proof, fetched from the log and
verified here, that the old tree is a prefix of the new one. Only then does it cosign the
checkpoint (C2SP tlog-cosignature), record it as the new state and, with ``--submit``, send the
cosignature back to the log. A head that is badly signed, smaller than before, a different tree
of the same size, or not provably consistent is refused: non-zero exit, a message saying what
was wrong, and the state file left as it was, so the evidence of the earlier head remains.

The bearer token for the log's API is read from the environment variable ``DOORSTEP_TOKEN``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from doorstep_verify import __version__
from doorstep_verify.bundle import ConsistencyProof, FormatError
from doorstep_verify.checkpoint import Checkpoint
from doorstep_verify.checks import TrustedKey, short
from doorstep_verify.cosignature import COSIGNATURE_ED25519, Cosigner, add_cosignature
from doorstep_verify.i18n import _
from doorstep_verify.merkle import ProofError, verify_consistency
from doorstep_verify.note import (
    BadSignatureError,
    Note,
    NoteError,
    UntrustedNoteError,
    b64decode,
    b64encode,
    check_name,
    verify_note,
)

TOKEN_VARIABLE = "DOORSTEP_TOKEN"  # noqa: S105 (the name of the variable, not a secret)
TIMEOUT = 30


class Exit(IntEnum):
    """The witness's exit codes (the same numbers as ``doorstep-verify`` where they overlap)."""

    COSIGNED = 0
    INCONSISTENT = 1  # the log shrank, forked, or its consistency proof fails
    USAGE = 2
    MALFORMED = 3  # the log's answer, the state file or the key file cannot be read
    BAD_SIGNATURE = 4  # the checkpoint's signature by the log key does not verify
    UNTRUSTED_KEY = 5  # the checkpoint is not signed by the log key the witness trusts
    UNREACHABLE = 8  # the log could not be reached, or refused a request


class Refusal(Exception):
    """Why the witness will not cosign, and the exit code that says so."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Cosigner keys on disk: the signed-note signer format with the cosignature type.


def cosigner_skey(cosigner: Cosigner) -> str:
    """``PRIVATE+KEY+<name>+<key id>+base64(0x04 ‖ seed)``: the witness's secret key file."""
    seed = cosigner.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    material = b64encode(bytes([COSIGNATURE_ED25519]) + seed)
    verifier = cosigner.verifier
    return f"PRIVATE+KEY+{verifier.name}+{verifier.key_id.hex()}+{material}"


def load_cosigner(skey: str) -> Cosigner:
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("not a witness key (PRIVATE+KEY+name+keyid+base64)")
    blob = b64decode(parts[4])
    if len(blob) != 33 or blob[0] != COSIGNATURE_ED25519:
        raise NoteError("not an Ed25519 cosigner key (type 0x04)")
    cosigner = Cosigner.from_seed(check_name(parts[2]), blob[1:])
    if cosigner.verifier.key_id.hex() != parts[3].lower():
        raise NoteError(f"the key id {parts[3]} does not match the key")
    return cosigner


def generate_key(path: Path, name: str) -> Cosigner:
    """A new witness key written to ``path`` (which must not exist), readable by its owner only."""
    cosigner = Cosigner(check_name(name), Ed25519PrivateKey.generate())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(cosigner_skey(cosigner) + "\n")
    return cosigner


# What the witness remembers between runs.


@dataclass(frozen=True)
class State:
    """The last checkpoint this witness verified and cosigned."""

    origin: str
    tree_size: int
    root_hash: bytes
    checkpoint: str

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "checkpoint": self.checkpoint,
        }

    @classmethod
    def load(cls, path: Path) -> State | None:
        """The saved state, or None before the first run."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise Refusal(
                Exit.MALFORMED,
                _("cannot read the state file {path}: {error}").format(path=path, error=error),
            ) from None
        try:
            checkpoint = Checkpoint.parse(document["checkpoint"])
            state = cls(
                document["origin"],
                int(document["tree_size"]),
                bytes.fromhex(document["root_hash"]),
                document["checkpoint"],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise Refusal(
                Exit.MALFORMED,
                _("the state file {path} is damaged: {error}").format(path=path, error=error),
            ) from None
        if (checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash) != (
            state.origin,
            state.tree_size,
            state.root_hash,
        ):
            raise Refusal(
                Exit.MALFORMED,
                _("the state file {path} disagrees with its own checkpoint").format(path=path),
            )
        return state

    def save(self, path: Path) -> None:
        """Replace the state file atomically: a crash leaves the old state or the new one."""
        directory = path.resolve().parent
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=directory, delete=False, prefix=".witness-"
        ) as file:
            json.dump(self.to_json(), file, indent=2)
            file.write("\n")
        os.replace(file.name, path)


# Talking to the log.


class LogClient:
    """The log's JSON API: ``<base>/ledger/checkpoint``, ``…/proofs/consistency``,
    ``…/cosignatures``, with the bearer token from ``DOORSTEP_TOKEN`` when set."""

    def __init__(self, base_url: str, token: str | None) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in {"http", "https"}:
            raise Refusal(Exit.USAGE, _("--log-url must be an http or https URL"))
        self.base = base_url.rstrip("/")
        self.token = token

    def _request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise Refusal(
                Exit.UNREACHABLE,
                _("the log answered {status} to {path}: {detail}").format(
                    status=error.code, path=path, detail=_error_detail(error)
                ),
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise Refusal(
                Exit.UNREACHABLE,
                _("cannot reach the log at {url}: {error}").format(url=self.base, error=error),
            ) from None
        except ValueError:
            raise Refusal(
                Exit.MALFORMED, _("the log's answer to {path} is not JSON").format(path=path)
            ) from None

    def checkpoint_note(self) -> str:
        answer = self._request("/ledger/checkpoint")
        if not isinstance(answer, dict) or not isinstance(answer.get("note"), str):
            raise Refusal(Exit.MALFORMED, _("the log's checkpoint answer has no signed note"))
        note: str = answer["note"]
        return note

    def consistency(self, first: int, second: int) -> ConsistencyProof:
        query = urllib.parse.urlencode({"first": first, "second": second})
        answer = self._request(f"/ledger/proofs/consistency?{query}")
        try:
            return ConsistencyProof.from_json(answer if isinstance(answer, dict) else {})
        except FormatError as error:
            raise Refusal(
                Exit.MALFORMED,
                _("the log's consistency proof is malformed: {error}").format(error=error),
            ) from None

    def submit(self, checkpoint_text: str, line: str) -> None:
        self._request("/ledger/cosignatures", {"checkpoint": checkpoint_text, "cosignature": line})


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The house error body's message, when the log sent one."""
    try:
        return str(json.loads(error.read().decode("utf-8"))["error"]["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(error.reason)


# The witness's decision.


@dataclass(frozen=True)
class Outcome:
    state: State
    note: Note  # the checkpoint with this witness's cosignature added
    line: str
    previous: State | None


def check_signature(note: Note, log_key: TrustedKey) -> None:
    try:
        verify_note(note, log_key.verifiers(note))
    except BadSignatureError as error:
        raise Refusal(
            Exit.BAD_SIGNATURE,
            _(
                "REFUSED: the checkpoint's signature does not verify with the log key: {error}"
            ).format(error=error),
        ) from None
    except UntrustedNoteError as error:
        raise Refusal(
            Exit.UNTRUSTED_KEY,
            _("REFUSED: the checkpoint is not signed by the trusted log key: {error}").format(
                error=error
            ),
        ) from None


def check_growth(previous: State | None, checkpoint: Checkpoint, client: LogClient) -> None:
    """Refuses unless ``checkpoint`` extends what this witness saw before."""
    if previous is None:
        return
    if previous.origin != checkpoint.origin:
        raise _other_log(previous, checkpoint)
    if previous.tree_size == 0:
        return
    if checkpoint.tree_size < previous.tree_size:
        raise Refusal(
            Exit.INCONSISTENT,
            _(
                "REFUSED: the log shrank from {old} to {new} entries: it was rolled back or "
                "rewritten"
            ).format(old=previous.tree_size, new=checkpoint.tree_size),
        )
    if checkpoint.tree_size == previous.tree_size:
        if checkpoint.root_hash != previous.root_hash:
            raise Refusal(
                Exit.INCONSISTENT,
                _(
                    "REFUSED: two different trees of {size} entries: root {new} now, {old} "
                    "before: the log forked or was rewritten"
                ).format(
                    size=checkpoint.tree_size,
                    new=short(checkpoint.root_hash),
                    old=short(previous.root_hash),
                ),
            )
        return
    proof = client.consistency(previous.tree_size, checkpoint.tree_size)
    if (proof.first_size, proof.second_size) != (previous.tree_size, checkpoint.tree_size):
        raise Refusal(Exit.MALFORMED, _("the log sent a consistency proof for other sizes"))
    try:
        # The roots are ours (the state) and the signed checkpoint's, never the proof's own.
        verify_consistency(
            previous.tree_size,
            checkpoint.tree_size,
            proof.path,
            previous.root_hash,
            checkpoint.root_hash,
        )
    except ProofError as error:
        raise Refusal(
            Exit.INCONSISTENT,
            _(
                "REFUSED: the tree of {new} entries does not contain the tree of {old} entries "
                "this witness cosigned before ({error}): the log was rewritten"
            ).format(new=checkpoint.tree_size, old=previous.tree_size, error=error),
        ) from None


def _other_log(previous: State, checkpoint: Checkpoint) -> Refusal:
    return Refusal(
        Exit.INCONSISTENT,
        _("REFUSED: the checkpoint is of log {new}, but this state is of log {old}").format(
            new=checkpoint.origin, old=previous.origin
        ),
    )


def witness(
    client: LogClient,
    log_key: TrustedKey,
    cosigner: Cosigner,
    previous: State | None,
    now: int | None = None,
) -> Outcome:
    """Fetch, check and cosign the latest checkpoint; raises :class:`Refusal` otherwise."""
    message = client.checkpoint_note()
    try:
        note = Note.parse(message)
        checkpoint = Checkpoint.parse(note.text)
    except NoteError as error:
        raise Refusal(
            Exit.MALFORMED, _("the log's checkpoint is malformed: {error}").format(error=error)
        ) from None
    check_signature(note, log_key)
    check_growth(previous, checkpoint, client)
    signature = cosigner.cosign(note.text, int(time.time()) if now is None else now)
    state = State(checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash, note.text)
    return Outcome(state, add_cosignature(note, signature), signature.line(), previous)


# The command line.


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doorstep-witness",
        description=_(
            "Cosigns a Doorstep ledger checkpoint after checking that the log only grew since "
            "the last checkpoint this witness saw."
        ),
    )
    parser.add_argument("--log-url", help=_("the log's API, e.g. https://bank.example/api/v1"))
    parser.add_argument("--log-key", help=_("the log's public key, received out of band"))
    parser.add_argument("--witness-key", metavar="FILE", help=_("this witness's secret key file"))
    parser.add_argument("--state", metavar="FILE", help=_("where the last cosigned head is kept"))
    parser.add_argument(
        "--submit", action="store_true", help=_("send the cosignature back to the log")
    )
    parser.add_argument(
        "--generate-key", metavar="FILE", help=_("write a new witness key to FILE and stop")
    )
    parser.add_argument("--name", help=_("with --generate-key: the witness's name"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.generate_key:
        if not args.name:
            parser.error(_("--generate-key needs --name"))
        try:
            cosigner = generate_key(Path(args.generate_key), args.name)
        except (OSError, NoteError) as error:
            print(f"doorstep-witness: {error}", file=sys.stderr)
            return int(Exit.USAGE)
        print(_("{file}: give the log this cosigner key:").format(file=args.generate_key))
        print(cosigner.verifier.vkey())
        return int(Exit.COSIGNED)
    missing = [
        option
        for option, value in (
            ("--log-url", args.log_url),
            ("--log-key", args.log_key),
            ("--witness-key", args.witness_key),
            ("--state", args.state),
        )
        if not value
    ]
    if missing:
        parser.error(_("missing {options}").format(options=", ".join(missing)))
    try:
        log_key = TrustedKey.parse(args.log_key)
    except ValueError as error:
        parser.error(str(error))
    state_path = Path(args.state)
    try:
        cosigner = load_cosigner(Path(args.witness_key).read_text(encoding="utf-8"))
    except (OSError, NoteError) as error:
        message = _("doorstep-witness: cannot read the witness key: {error}")
        print(message.format(error=error), file=sys.stderr)
        return int(Exit.MALFORMED)
    try:
        client = LogClient(args.log_url, os.environ.get(TOKEN_VARIABLE))
        outcome = witness(client, log_key, cosigner, State.load(state_path))
        outcome.state.save(state_path)
    except Refusal as refusal:
        print(f"doorstep-witness: {refusal.message}", file=sys.stderr)
        return int(refusal.code)
    except OSError as error:
        message = _("doorstep-witness: cannot write the state file {path}: {error}")
        print(message.format(path=state_path, error=error), file=sys.stderr)
        return int(Exit.MALFORMED)
    print(_summary(outcome))
    print(outcome.line, end="")
    if args.submit:
        try:
            client.submit(outcome.state.checkpoint, outcome.line)
        except Refusal as refusal:
            print(f"doorstep-witness: {refusal.message}", file=sys.stderr)
            return int(refusal.code)
        print(_("submitted to {url}").format(url=client.base))
    return int(Exit.COSIGNED)


def _summary(outcome: Outcome) -> str:
    state, previous = outcome.state, outcome.previous
    if previous is None:
        since = _("first checkpoint this witness has seen")
    elif previous.tree_size == state.tree_size:
        since = _("the same tree as last time")
    else:
        since = _("consistent with the {size} entries cosigned before").format(
            size=previous.tree_size
        )
    return _("cosigned {origin} at {size} entries, root {root}: {since}").format(
        origin=state.origin, size=state.tree_size, root=short(state.root_hash), since=since
    )
