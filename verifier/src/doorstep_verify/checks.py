"""What ``doorstep-verify`` checks, as data: a report of checks, each passed or failed and why.

Trust comes only from keys the auditor names (``--key``, ``--witness``), received out of band.
A key inside a file is informational: it is used only to say *who* re-signed a rewritten log.
The report's outcome is the exit code; the most serious failure decides it (see :class:`Outcome`).
"""

from __future__ import annotations

import hmac
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from doorstep_verify.bundle import (
    Bundle,
    ConsistencyProof,
    FormatError,
    InclusionProof,
    Leaf,
    kind_of,
)
from doorstep_verify.checkpoint import Checkpoint, CheckpointError
from doorstep_verify.cosignature import CosignatureVerifier, witnessed_by
from doorstep_verify.i18n import _, gettext_noop
from doorstep_verify.merkle import (
    ProofError,
    leaf_hash,
    leaf_hashes,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from doorstep_verify.note import (
    BadSignatureError,
    Note,
    NoteError,
    UntrustedNoteError,
    Verifier,
    load_public_key,
    verify_ed25519,
    verify_note,
)


class Outcome(IntEnum):
    """``doorstep-verify``'s exit codes: 0 only when everything checks against a trusted key."""

    VERIFIED = 0
    TAMPERED = 1  # hashes disagree: a leaf changed, missing, extra or reordered, a wrong root
    USAGE = 2  # the command line is wrong (argparse's own code)
    MALFORMED = 3  # the file is unreadable or not one of the documented formats
    BAD_SIGNATURE = 4  # a signature does not verify with the trusted key
    UNTRUSTED_KEY = 5  # signed, but by a key that is not trusted: re-signed by someone else
    UNCHECKED = 6  # the hashes agree, but nothing tied them to a trusted key (no --key …)
    NOT_WITNESSED = 7  # a witness named with --witness did not cosign the checkpoint


# When several checks fail, the first of these present decides the exit code.
SEVERITY = (
    Outcome.MALFORMED,
    Outcome.TAMPERED,
    Outcome.BAD_SIGNATURE,
    Outcome.UNTRUSTED_KEY,
    Outcome.NOT_WITNESSED,
    Outcome.UNCHECKED,
)

NOT_JSON = gettext_noop("the file is neither JSON nor a signed checkpoint: {error}")
MALFORMED_DOCUMENT = gettext_noop("the file is malformed: {error}")
MALFORMED_CHECKPOINT = gettext_noop("the checkpoint text is not a C2SP checkpoint: {error}")
NOT_UTF8 = gettext_noop("leaf {index}'s data is not valid Unicode text")
LEAVES_MISSING = gettext_noop(
    "leaves missing: the signed tree has {size} leaves and the bundle lacks leaf {indexes}"
)
LEAVES_EXTRA = gettext_noop(
    "extra leaves: the signed tree has {size} leaves and the bundle adds leaf {indexes}"
)
LEAVES_DUPLICATE = gettext_noop("leaf {indexes} appears more than once")
LEAVES_OUT_OF_ORDER = gettext_noop(
    "leaves out of order: leaf {index} is listed after leaf {previous}"
)
LEAVES_HASH_TO_ROOT = gettext_noop("the {count} leaves hash to the signed root {root}")
ROOT_MISMATCH = gettext_noop(
    "the leaves hash to {computed}, not to the signed root {signed}: "
    "a leaf was changed, added, removed or reordered"
)
FIELD_DIFFERS = gettext_noop("{field} {value} differs from the signed checkpoint's {signed}")
FIELDS_AGREE = gettext_noop("tree_size, root_hash and timestamp are the signed checkpoint's")
SIGNED_BY_TRUSTED_KEY = gettext_noop("{source}: the checkpoint is signed by the trusted key {key}")
SIGNED_BY_OTHER_KEY = gettext_noop(
    "{source}: the checkpoint is signed by key {key}, which is not a trusted key: "
    "the log was rewritten or re-signed by someone else"
)
SIGNATURE_INVALID = gettext_noop(
    "{source}: the signature does not verify with the trusted key: "
    "the checkpoint text or its signature was altered"
)
NOTE_NOT_TRUSTED = gettext_noop("{source}: no signature by a trusted key: {error}")
NOTE_SIGNATURE_INVALID = gettext_noop(
    "{source}: {error}: the checkpoint text or its signature was altered"
)
SIGNATURE_NOT_CHECKED = gettext_noop(
    "{source}: the signature was NOT checked: no trusted key was given (--key), "
    "so these hashes prove nothing about who produced them"
)
PROOF_CHECKS = gettext_noop(
    "leaf {index} ({leaf}) is in the tree of {size} leaves with root {root}"
)
PROOF_FAILS = gettext_noop("the inclusion proof does not check: {error}")
CONSISTENCY_CHECKS = gettext_noop(
    "the tree of {first} leaves ({first_root}) is a prefix of the tree of {second} ({second_root})"
)
CONSISTENCY_FAILS = gettext_noop("the consistency proof does not check: {error}")
DATA_MATCHES = gettext_noop("the given data hashes to leaf_hash")
DATA_DIFFERS = gettext_noop("the given data hashes to {computed}, not to leaf_hash {leaf}")
ROOT_NOT_ANCHORED = gettext_noop(
    "the root for tree size {size} was NOT checked against a signed checkpoint (--checkpoint)"
)
ROOT_MATCHES_CHECKPOINT = gettext_noop("the root for tree size {size} is the one in {source}")
ROOT_DIFFERS_FROM_CHECKPOINT = gettext_noop(
    "the root for tree size {size} is {root}, but {source} signs {signed}"
)
CHECKPOINT_READ = gettext_noop("{source}: log {origin}, {size} leaves, root {root}, time {time}")
WITNESSED = gettext_noop("{source}: cosigned by witness {name} at {time} (unix time)")
NOT_WITNESSED = gettext_noop("{source}: not cosigned by witness {name}")
WITNESS_INVALID = gettext_noop("{source}: {error}: the checkpoint or the cosignature was altered")
BUNDLE_HAS_NO_COSIGNATURES = gettext_noop(
    "{source}: an export bundle carries no cosignatures: "
    "check the witnesses on the signed checkpoint note"
)


def short(digest: bytes) -> str:
    """Enough of a hash to recognise it in a message (the JSON report has them whole)."""
    return digest.hex()[:16] + "…"


SHOWN = 8


def _sample(indexes: Sequence[int], total: int | None = None) -> str:
    """The first few indexes and how many more (``total`` when the list was cut short)."""
    shown = ", ".join(str(index) for index in indexes[:SHOWN])
    rest = (len(indexes) if total is None else total) - min(len(indexes), SHOWN)
    return shown + (_(" and {count} more").format(count=rest) if rest > 0 else "")


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    message: str


@dataclass
class Report:
    kind: str
    subject: str
    checks: list[Check] = field(default_factory=list)

    def ok(self, template: str, **values: object) -> None:
        self.checks.append(Check(Outcome.VERIFIED, _(template).format(**values)))

    def fail(self, outcome: Outcome, template: str, **values: object) -> None:
        self.checks.append(Check(outcome, _(template).format(**values)))

    @property
    def outcome(self) -> Outcome:
        found = {check.outcome for check in self.checks}
        return next((outcome for outcome in SEVERITY if outcome in found), Outcome.VERIFIED)

    @property
    def decisive(self) -> Check | None:
        """The check that decided a failed outcome (the first of the most serious kind)."""
        if self.outcome is Outcome.VERIFIED:
            return None
        return next((check for check in self.checks if check.outcome is self.outcome), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "outcome": self.outcome.name.lower(),
            "exit_code": int(self.outcome),
            "checks": [
                {"outcome": check.outcome.name.lower(), "message": check.message}
                for check in self.checks
            ],
        }


@dataclass(frozen=True)
class TrustedKey:
    """A log public key the auditor trusts: bare hex (any key name) or a note verifier key."""

    public_key: bytes
    name: str | None = None

    @classmethod
    def parse(cls, text: str) -> TrustedKey:
        text = text.strip()
        if "+" in text:
            verifier = Verifier.from_vkey(text)
            return cls(verifier.public_key, verifier.name)
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise NoteError(
                f"a key is 64 hex digits or name+id+base64, not {text[:70]!r}"
            ) from None
        load_public_key(raw)
        return cls(raw)

    def verifiers(self, note: Note) -> list[Verifier]:
        if self.name is not None:
            return [Verifier(self.name, self.public_key)]
        names = dict.fromkeys(signature.name for signature in note.signatures)
        return [Verifier(name, self.public_key) for name in names]

    @property
    def label(self) -> str:
        return f"{self.name} ({short(self.public_key)})" if self.name else short(self.public_key)


@dataclass(frozen=True)
class SignedHead:
    """A checkpoint with its signature: a signed note, or the text and raw signature of a bundle."""

    source: str
    checkpoint: Checkpoint
    text: str  # exactly as signed
    note: Note | None = None
    signature: bytes = b""
    public_key: bytes = b""


def load_json(text: str) -> object:
    """JSON that refuses duplicate keys, so no field can be shadowed by a second copy."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document = dict(pairs)
        if len(document) != len(pairs):
            keys = [key for key, _ in pairs]
            raise FormatError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
        return document

    return json.loads(text, object_pairs_hook=unique)


def load_head(text: str, source: str) -> SignedHead:
    """A signed checkpoint from a note file or an export bundle; raises ValueError if neither."""
    if not text.lstrip().startswith("{"):
        note = Note.parse(text)
        return SignedHead(source, Checkpoint.parse(note.text), note.text, note)
    document = load_json(text)
    if not isinstance(document, dict) or kind_of(document) != "bundle":
        raise FormatError("a checkpoint file is a signed checkpoint note or an export bundle")
    bundle = Bundle.from_json(document)
    checkpoint = Checkpoint.parse(bundle.checkpoint)
    return SignedHead(
        source, checkpoint, bundle.checkpoint, None, bundle.signature, bundle.public_key
    )


def check_signature(
    report: Report,
    head: SignedHead,
    keys: Sequence[TrustedKey],
    witnesses: Sequence[CosignatureVerifier],
) -> None:
    """The head's signature against the trusted keys, then the named witnesses' cosignatures."""
    if not keys:
        report.fail(Outcome.UNCHECKED, SIGNATURE_NOT_CHECKED, source=head.source)
    elif head.note is None:
        _check_raw_signature(report, head, keys)
    else:
        _check_note_signature(report, head.source, head.note, keys)
    if not witnesses:
        return
    if head.note is None:
        report.fail(Outcome.NOT_WITNESSED, BUNDLE_HAS_NO_COSIGNATURES, source=head.source)
        return
    try:
        times = witnessed_by(head.note, witnesses)
    except NoteError as error:
        report.fail(Outcome.BAD_SIGNATURE, WITNESS_INVALID, source=head.source, error=error)
        return
    for witness in witnesses:
        if witness.name in times:
            report.ok(WITNESSED, source=head.source, name=witness.name, time=times[witness.name])
        else:
            report.fail(Outcome.NOT_WITNESSED, NOT_WITNESSED, source=head.source, name=witness.name)


def _check_raw_signature(report: Report, head: SignedHead, keys: Sequence[TrustedKey]) -> None:
    message = head.text.encode()
    for key in keys:
        if verify_ed25519(key.public_key, message, head.signature):
            report.ok(SIGNED_BY_TRUSTED_KEY, source=head.source, key=key.label)
            return
    if verify_ed25519(head.public_key, message, head.signature):
        report.fail(
            Outcome.UNTRUSTED_KEY,
            SIGNED_BY_OTHER_KEY,
            source=head.source,
            key=head.public_key.hex(),
        )
    else:
        report.fail(Outcome.BAD_SIGNATURE, SIGNATURE_INVALID, source=head.source)


def _check_note_signature(
    report: Report, source: str, note: Note, keys: Sequence[TrustedKey]
) -> None:
    verifiers = [verifier for key in keys for verifier in key.verifiers(note)]
    try:
        signed = verify_note(note, verifiers)
    except BadSignatureError as error:
        report.fail(Outcome.BAD_SIGNATURE, NOTE_SIGNATURE_INVALID, source=source, error=error)
    except UntrustedNoteError as error:
        report.fail(Outcome.UNTRUSTED_KEY, NOTE_NOT_TRUSTED, source=source, error=error)
    else:
        for verifier in signed:
            label = f"{verifier.name} ({short(verifier.public_key)})"
            report.ok(SIGNED_BY_TRUSTED_KEY, source=source, key=label)


def check_bundle(
    document: Mapping[str, Any],
    keys: Sequence[TrustedKey],
    witnesses: Sequence[CosignatureVerifier] = (),
    source: str = "bundle",
) -> Report:
    report = Report("bundle", _("export bundle"))
    try:
        bundle = Bundle.from_json(document)
    except FormatError as error:
        report.fail(Outcome.MALFORMED, MALFORMED_DOCUMENT, error=error)
        return report
    try:
        checkpoint = Checkpoint.parse(bundle.checkpoint)
    except CheckpointError as error:
        report.fail(Outcome.MALFORMED, MALFORMED_CHECKPOINT, error=error)
        return report
    report.subject = _("export bundle of log {origin}: {count} leaves").format(
        origin=checkpoint.origin, count=len(bundle.leaves)
    )
    _check_leaf_indexes(report, bundle.leaves, checkpoint.tree_size)
    _check_leaf_root(report, bundle.leaves, checkpoint)
    _check_bundle_fields(report, bundle, checkpoint)
    head = SignedHead(
        source, checkpoint, bundle.checkpoint, None, bundle.signature, bundle.public_key
    )
    check_signature(report, head, keys, witnesses)
    return report


def _check_leaf_indexes(report: Report, leaves: Sequence[Leaf], size: int) -> None:
    """Says which leaves are missing, extra, repeated or out of order (root checks say the rest)."""
    indexes = [leaf.index for leaf in leaves]
    if len(indexes) == size and indexes == list(range(size)):
        return
    counts = Counter(indexes)
    missing_total = size - sum(1 for index in counts if index < size)
    missing: list[int] = []
    index = 0
    while len(missing) < SHOWN and index < size:  # stops within len(leaves) + SHOWN steps
        if index not in counts:
            missing.append(index)
        index += 1
    extra = sorted(index for index in counts if index >= size)
    repeated = sorted(index for index, count in counts.items() if count > 1)
    if missing:
        report.fail(
            Outcome.TAMPERED, LEAVES_MISSING, size=size, indexes=_sample(missing, missing_total)
        )
    if extra:
        report.fail(Outcome.TAMPERED, LEAVES_EXTRA, size=size, indexes=_sample(extra))
    if repeated:
        report.fail(Outcome.TAMPERED, LEAVES_DUPLICATE, indexes=_sample(repeated))
    for position in range(1, len(indexes)):
        if indexes[position] < indexes[position - 1]:
            report.fail(
                Outcome.TAMPERED,
                LEAVES_OUT_OF_ORDER,
                index=indexes[position],
                previous=indexes[position - 1],
            )
            break


def _check_leaf_root(report: Report, leaves: Sequence[Leaf], checkpoint: Checkpoint) -> None:
    try:
        hashes = leaf_hashes(leaf.data.encode() for leaf in leaves)
    except UnicodeEncodeError:
        bad = next(leaf for leaf in leaves if not _encodable(leaf.data))
        report.fail(Outcome.MALFORMED, NOT_UTF8, index=bad.index)
        return
    computed = root_of(hashes)
    if hmac.compare_digest(computed, checkpoint.root_hash):
        report.ok(LEAVES_HASH_TO_ROOT, count=len(leaves), root=short(computed))
    else:
        report.fail(
            Outcome.TAMPERED,
            ROOT_MISMATCH,
            computed=short(computed),
            signed=short(checkpoint.root_hash),
        )


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _check_bundle_fields(report: Report, bundle: Bundle, checkpoint: Checkpoint) -> None:
    before = len(report.checks)
    if bundle.tree_size != checkpoint.tree_size:
        report.fail(
            Outcome.TAMPERED,
            FIELD_DIFFERS,
            field="tree_size",
            value=bundle.tree_size,
            signed=checkpoint.tree_size,
        )
    if bundle.root_hash != checkpoint.root_hash:
        report.fail(
            Outcome.TAMPERED,
            FIELD_DIFFERS,
            field="root_hash",
            value=short(bundle.root_hash),
            signed=short(checkpoint.root_hash),
        )
    if bundle.timestamp != checkpoint.timestamp:
        report.fail(
            Outcome.TAMPERED,
            FIELD_DIFFERS,
            field="timestamp",
            value=bundle.timestamp,
            signed=checkpoint.timestamp,
        )
    if len(report.checks) == before:
        report.ok(FIELDS_AGREE)


def check_inclusion(
    document: Mapping[str, Any],
    keys: Sequence[TrustedKey],
    heads: Sequence[SignedHead] = (),
    witnesses: Sequence[CosignatureVerifier] = (),
    data: bytes | None = None,
) -> Report:
    report = Report("inclusion", _("inclusion proof"))
    try:
        proof = InclusionProof.from_json(document)
    except FormatError as error:
        report.fail(Outcome.MALFORMED, MALFORMED_DOCUMENT, error=error)
        return report
    report.subject = _("inclusion proof of leaf {index} in a tree of {size} leaves").format(
        index=proof.leaf_index, size=proof.tree_size
    )
    try:
        verify_inclusion(
            proof.leaf_hash, proof.leaf_index, proof.tree_size, proof.path, proof.root_hash
        )
    except ProofError as error:
        report.fail(Outcome.TAMPERED, PROOF_FAILS, error=error)
    else:
        report.ok(
            PROOF_CHECKS,
            index=proof.leaf_index,
            leaf=short(proof.leaf_hash),
            size=proof.tree_size,
            root=short(proof.root_hash),
        )
    if data is not None:
        computed = leaf_hash(data)
        if hmac.compare_digest(computed, proof.leaf_hash):
            report.ok(DATA_MATCHES)
        else:
            report.fail(
                Outcome.TAMPERED,
                DATA_DIFFERS,
                computed=short(computed),
                leaf=short(proof.leaf_hash),
            )
    _anchor(report, [(proof.tree_size, proof.root_hash)], heads, keys, witnesses)
    return report


def check_consistency(
    document: Mapping[str, Any],
    keys: Sequence[TrustedKey],
    heads: Sequence[SignedHead] = (),
    witnesses: Sequence[CosignatureVerifier] = (),
) -> Report:
    report = Report("consistency", _("consistency proof"))
    try:
        proof = ConsistencyProof.from_json(document)
    except FormatError as error:
        report.fail(Outcome.MALFORMED, MALFORMED_DOCUMENT, error=error)
        return report
    report.subject = _("consistency proof from {first} to {second} leaves").format(
        first=proof.first_size, second=proof.second_size
    )
    try:
        verify_consistency(
            proof.first_size, proof.second_size, proof.path, proof.first_root, proof.second_root
        )
    except ProofError as error:
        report.fail(Outcome.TAMPERED, CONSISTENCY_FAILS, error=error)
    else:
        report.ok(
            CONSISTENCY_CHECKS,
            first=proof.first_size,
            first_root=short(proof.first_root),
            second=proof.second_size,
            second_root=short(proof.second_root),
        )
    claims = [(proof.first_size, proof.first_root), (proof.second_size, proof.second_root)]
    _anchor(report, claims, heads, keys, witnesses)
    return report


def _anchor(
    report: Report,
    claims: Sequence[tuple[int, bytes]],
    heads: Sequence[SignedHead],
    keys: Sequence[TrustedKey],
    witnesses: Sequence[CosignatureVerifier],
) -> None:
    """Ties each claimed (size, root) to a signed checkpoint of that size, then checks those."""
    for size, root in dict(claims).items():
        matching = [head for head in heads if head.checkpoint.tree_size == size]
        if not matching:
            report.fail(Outcome.UNCHECKED, ROOT_NOT_ANCHORED, size=size)
        for head in matching:
            if hmac.compare_digest(head.checkpoint.root_hash, root):
                report.ok(ROOT_MATCHES_CHECKPOINT, size=size, source=head.source)
            else:
                report.fail(
                    Outcome.TAMPERED,
                    ROOT_DIFFERS_FROM_CHECKPOINT,
                    size=size,
                    root=short(root),
                    source=head.source,
                    signed=short(head.checkpoint.root_hash),
                )
    for head in heads:
        check_signature(report, head, keys, witnesses)


def check_checkpoint(
    head: SignedHead, keys: Sequence[TrustedKey], witnesses: Sequence[CosignatureVerifier] = ()
) -> Report:
    checkpoint = head.checkpoint
    report = Report("checkpoint", _("signed checkpoint"))
    report.subject = _("signed checkpoint of log {origin} at {size} leaves").format(
        origin=checkpoint.origin, size=checkpoint.tree_size
    )
    report.ok(
        CHECKPOINT_READ,
        source=head.source,
        origin=checkpoint.origin,
        size=checkpoint.tree_size,
        root=short(checkpoint.root_hash),
        time=checkpoint.timestamp or "-",
    )
    check_signature(report, head, keys, witnesses)
    return report


class UsageError(ValueError):
    """An option that does not apply to the document given."""


def check_text(
    text: str,
    *,
    source: str,
    keys: Sequence[TrustedKey],
    heads: Sequence[SignedHead] = (),
    witnesses: Sequence[CosignatureVerifier] = (),
    data: bytes | None = None,
) -> Report:
    """Checks any of the four documents, telling which it is by its content and keys."""
    if not text.lstrip().startswith(("{", "[")):
        try:
            head = load_head(text, source)
        except ValueError as error:
            report = Report("unknown", source)
            report.fail(Outcome.MALFORMED, NOT_JSON, error=error)
            return report
        _refuse_proof_options(heads, data)
        return check_checkpoint(head, keys, witnesses)
    try:
        document = load_json(text)
        if not isinstance(document, dict):
            raise FormatError("the file is not a JSON object")
        kind = kind_of(document)
    except ValueError as error:  # JSONDecodeError and FormatError are both ValueErrors
        report = Report("unknown", source)
        report.fail(Outcome.MALFORMED, MALFORMED_DOCUMENT, error=error)
        return report
    if kind == "bundle":
        _refuse_proof_options(heads, data)
        return check_bundle(document, keys, witnesses, source)
    if kind == "inclusion":
        return check_inclusion(document, keys, heads, witnesses, data)
    if data is not None:
        raise UsageError(_("--data applies to an inclusion proof only"))
    return check_consistency(document, keys, heads, witnesses)


def _refuse_proof_options(heads: Sequence[SignedHead], data: bytes | None) -> None:
    if heads or data is not None:
        raise UsageError(
            _("--checkpoint and --data apply to inclusion and consistency proofs only")
        )
