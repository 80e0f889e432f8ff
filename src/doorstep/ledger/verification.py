"""``doorstep ledger verify``: the whole stored log checked as an outside verifier would.

Every entry is read once, in index order, and rehashed; the tree is rebuilt from those hashes
with ``doorstep_verify``'s own functions, level by level, keeping only its right edge (one hash
per level) in memory. Along the way it compares

* each entry's data with its stored leaf hash (names the entry that was changed),
* each rebuilt inner node with the stored one that proofs are served from,
* the rebuilt root at each checkpoint's size with the root that checkpoint signs,

and checks every checkpoint's text and signature against the trusted keys (the configured key
and ``LEDGER_RETIRED_KEYS``) and every cosignature against its witness's key. The result is a
``doorstep_verify`` report: the same outcomes and exit codes as ``doorstep-verify``.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from doorstep_verify.checkpoint import Checkpoint as CheckpointText
from doorstep_verify.checks import Outcome, Report, TrustedKey, short
from doorstep_verify.cosignature import CosignatureVerifier
from doorstep_verify.merkle import (
    EMPTY_ROOT,
    NodeRun,
    extend,
    fold,
    leaf_hashes,
    left_edge,
    node_key,
)
from doorstep_verify.note import Note, NoteError, Signature, verify_note

from doorstep.ledger.keys import trusted_keys
from doorstep.ledger.models import Checkpoint, LedgerEntry, LedgerNode
from doorstep.ledger.selectors import checkpoint_list, current_size

CHUNK = 16_384
WINDOW_GAP = 1024  # keys further apart than this are read by separate range queries
SHOWN = 8  # failures of one kind listed one by one; the rest are counted

SUBJECT = gettext_noop("stored ledger of {origin} (entries: {size}, checkpoints: {checkpoints})")
ENTRIES_OK = gettext_noop("every entry hashes to its stored leaf hash (entries: {size})")
ENTRY_CHANGED = gettext_noop(
    "entry {index}: its data hashes to {computed}, not to its stored leaf hash {stored}: "
    "the entry was changed after it was appended"
)
ENTRY_MISSING = gettext_noop("entries missing: the log has {size} entries but lacks entry {index}")
ENTRY_EXTRA = gettext_noop("entry {index} lies beyond the log's size of {size} entries")
MORE = gettext_noop("{what}: {count} more not listed")
NODES_OK = gettext_noop(
    "every stored inner node that proofs use matches the entries (nodes: {count})"
)
NODE_DIFFERS = gettext_noop(
    "the stored node over entries {start}–{end} differs from the one the entries hash to: "
    "proofs that use it fail"
)
NODE_MISSING = gettext_noop("the stored node over entries {start}–{end} is missing")
ROOTS_OK = gettext_noop(
    "the entries hash to the signed root of every checkpoint (checkpoints: {count}, latest "
    "tree size: {size})"
)
ROOT_DIFFERS = gettext_noop(
    "checkpoint {id} ({size} entries): the entries hash to {computed}, not to the signed root "
    "{signed}: an entry was changed, added, removed or reordered since it was signed"
)
CHECKPOINT_TOO_BIG = gettext_noop(
    "checkpoint {id} signs {size} entries but the log has only {have}: entries were removed"
)
CHECKPOINTS_SIGNED = gettext_noop(
    "every checkpoint's fields agree with its text, signed by a trusted key {keys} "
    "(checkpoints: {count})"
)
CHECKPOINT_MALFORMED = gettext_noop("checkpoint {id}: the stored note is malformed: {error}")
CHECKPOINT_FIELDS = gettext_noop(
    "checkpoint {id}: its {field} differs from the text that was signed"
)
CHECKPOINT_BAD_SIGNATURE = gettext_noop("checkpoint {id}: {error}")
CHECKPOINT_UNTRUSTED = gettext_noop(
    "checkpoint {id}: not signed by a trusted key ({error}): if the key was rotated, list the "
    "old public key in LEDGER_RETIRED_KEYS"
)
NO_CHECKPOINT = gettext_noop(
    "no checkpoint has been signed: nothing ties these entries to the log's key"
)
UNSIGNED_TAIL = gettext_noop(
    "entries appended since the latest checkpoint are not signed yet (entries: {count})"
)
COSIGNATURES_OK = gettext_noop(
    "every cosignature verifies with its witness's key (cosignatures: {count}; witnesses: "
    "{witnesses})"
)
COSIGNATURE_BAD = gettext_noop(
    "checkpoint {id}: the cosignature by witness {name} does not verify: {error}"
)


@dataclass
class _Failures:
    """Failures of one kind: the first few reported in full, the rest counted."""

    report: Report
    outcome: Outcome
    what: str
    count: int = 0

    def add(self, template: str, **values: object) -> None:
        self.count += 1
        if self.count <= SHOWN:
            self.report.fail(self.outcome, _(template), **values)

    def close(self) -> None:
        if self.count > SHOWN:
            self.report.fail(self.outcome, _(MORE), count=self.count - SHOWN, what=self.what)


@dataclass
class _Rebuild:
    """The tree rebuilt from the entries: its size and the last node of each level."""

    size: int = 0
    last: dict[int, bytes] = field(default_factory=dict)

    def root(self) -> bytes:
        if not self.size:
            return EMPTY_ROOT
        levels = [level for level in range(self.size.bit_length()) if self.size >> level & 1]
        return fold([self.last[level] for level in reversed(levels)])

    def append(self, hashes: Sequence[bytes]) -> list[NodeRun]:
        edge = {level: self.last[level] for level, _index in left_edge(self.size, len(hashes))}
        runs = extend(self.size, edge, hashes)
        for run in runs:
            self.last[run.level] = run.hashes[-1]
        self.size += len(hashes)
        return runs


def ledger_verify(*, chunk: int = CHUNK) -> Report:
    """Check the whole stored log; the report's outcome is ``doorstep-verify``'s exit code."""
    size = current_size()
    checkpoints = list(checkpoint_list().order_by("tree_size", "id"))
    report = Report("ledger", "")
    report.subject = _(SUBJECT).format(
        origin=settings.LEDGER_ORIGIN, size=size, checkpoints=len(checkpoints)
    )
    _check_checkpoints(report, checkpoints, trusted_keys())
    _check_cosignatures(report, checkpoints)
    _check_entries(report, size, checkpoints, chunk)
    return report


def _check_checkpoints(
    report: Report, checkpoints: Sequence[Checkpoint], keys: Sequence[TrustedKey]
) -> None:
    if not checkpoints:
        report.fail(Outcome.UNCHECKED, _(NO_CHECKPOINT))
        return
    malformed = _Failures(report, Outcome.MALFORMED, _("malformed checkpoints"))
    tampered = _Failures(report, Outcome.TAMPERED, _("altered checkpoints"))
    bad = _Failures(report, Outcome.BAD_SIGNATURE, _("bad signatures"))
    untrusted = _Failures(report, Outcome.UNTRUSTED_KEY, _("untrusted signatures"))
    signed = 0
    for checkpoint in checkpoints:
        try:
            note = Note.parse(checkpoint.note)
            text = CheckpointText.parse(note.text)
        except NoteError as error:
            malformed.add(CHECKPOINT_MALFORMED, id=checkpoint.pk, error=error)
            continue
        differing = _differing_fields(checkpoint, note, text)
        for name in differing:
            tampered.add(CHECKPOINT_FIELDS, id=checkpoint.pk, field=name)
        verifiers = [verifier for key in keys for verifier in key.verifiers(note)]
        try:
            verify_note(note, verifiers)
        except NoteError as error:
            failures = bad if "invalid" in str(error) else untrusted
            template = CHECKPOINT_BAD_SIGNATURE if failures is bad else CHECKPOINT_UNTRUSTED
            failures.add(template, id=checkpoint.pk, error=error)
            continue
        signed += not differing
    for failures in (malformed, tampered, bad, untrusted):
        failures.close()
    if signed:
        labels = ", ".join(key.label for key in keys)
        report.ok(_(CHECKPOINTS_SIGNED), count=signed, keys=labels)


def _differing_fields(checkpoint: Checkpoint, note: Note, text: CheckpointText) -> list[str]:
    """The stored columns that disagree with the signed text (they are what the API serves)."""
    log_lines = [s for s in note.signatures if s.key_id.hex() == checkpoint.key_id]
    try:
        signed_at = datetime.fromisoformat(text.timestamp) if text.timestamp else None
    except ValueError:
        signed_at = None
    checks = {
        "text": note.text == checkpoint.text,
        "origin": text.origin == settings.LEDGER_ORIGIN,
        "tree_size": text.tree_size == checkpoint.tree_size,
        "root_hash": text.root_hash == bytes(checkpoint.root_hash),
        "timestamp": signed_at == checkpoint.timestamp,
        "signature": any(line.signature == bytes(checkpoint.signature) for line in log_lines),
    }
    return [name for name, agrees in checks.items() if not agrees]


def _check_cosignatures(report: Report, checkpoints: Sequence[Checkpoint]) -> None:
    failures = _Failures(report, Outcome.BAD_SIGNATURE, _("bad cosignatures"))
    good = 0
    names: set[str] = set()
    for checkpoint in checkpoints:
        for cosignature in checkpoint.cosignatures.all():
            witness = cosignature.witness
            try:
                verifier = CosignatureVerifier.from_vkey(witness.vkey)
                line = Signature(witness.name, verifier.key_id, bytes(cosignature.signature))
                verifier.verify(checkpoint.text, line)
            except NoteError as error:
                failures.add(COSIGNATURE_BAD, id=checkpoint.pk, name=witness.name, error=error)
            else:
                good += 1
                names.add(witness.name)
    failures.close()
    if good:
        report.ok(_(COSIGNATURES_OK), count=good, witnesses=", ".join(sorted(names)))


def _check_entries(
    report: Report, size: int, checkpoints: Sequence[Checkpoint], chunk: int
) -> None:
    changed = _Failures(report, Outcome.TAMPERED, _("changed entries"))
    nodes = _Failures(report, Outcome.TAMPERED, _("differing nodes"))
    missing = _Failures(report, Outcome.TAMPERED, _("missing entries"))
    tree = _Rebuild()
    pending = [cp for cp in checkpoints if cp.tree_size <= size]
    for checkpoint in checkpoints:
        if checkpoint.tree_size > size:
            report.fail(
                Outcome.TAMPERED,
                _(CHECKPOINT_TOO_BIG),
                id=checkpoint.pk,
                size=checkpoint.tree_size,
                have=size,
            )
    compared = roots = 0
    broken = False
    while pending and pending[0].tree_size == 0:
        roots += _compare_root(report, pending.pop(0), tree)
    while tree.size < size and not broken:
        stop = min(size, tree.size + chunk, *(cp.tree_size for cp in pending[:1]))
        rows = list(
            LedgerEntry.objects.filter(index__gte=tree.size, index__lt=stop)
            .order_by("index")
            .values_list("index", "data", "leaf_hash")
        )
        expected = range(tree.size, stop)
        if [row[0] for row in rows] != list(expected):
            present = {row[0] for row in rows}
            first = next(index for index in expected if index not in present)
            missing.add(ENTRY_MISSING, size=size, index=first)
            broken = True  # without every leaf there is no tree to rebuild past this point
            break
        hashes = leaf_hashes(row[1].encode("utf-8") for row in rows)
        for (index, _data, stored), computed in zip(rows, hashes, strict=True):
            if not hmac.compare_digest(bytes(stored), computed):
                old = short(bytes(stored))
                changed.add(ENTRY_CHANGED, index=index, computed=short(computed), stored=old)
        runs = tree.append(hashes)
        compared += _compare_nodes(runs, nodes)
        while pending and pending[0].tree_size == tree.size:
            roots += _compare_root(report, pending.pop(0), tree)
    extra = LedgerEntry.objects.filter(index__gte=size).values_list("index", flat=True)
    for index in extra[:SHOWN]:
        missing.add(ENTRY_EXTRA, index=index, size=size)
    for failures in (changed, nodes, missing):
        failures.close()
    if not broken and not changed.count:
        report.ok(_(ENTRIES_OK), size=size)
    if not broken and not nodes.count:
        report.ok(_(NODES_OK), count=compared)
    signed = checkpoints[-1].tree_size if checkpoints else 0
    if roots == len(checkpoints) and roots:
        report.ok(_(ROOTS_OK), count=roots, size=signed)
    if size > signed:
        report.ok(_(UNSIGNED_TAIL), count=size - signed)


def _compare_root(report: Report, checkpoint: Checkpoint, tree: _Rebuild) -> bool:
    computed, signed = tree.root(), bytes(checkpoint.root_hash)
    if hmac.compare_digest(computed, signed):
        return True
    report.fail(
        Outcome.TAMPERED,
        _(ROOT_DIFFERS),
        id=checkpoint.pk,
        size=checkpoint.tree_size,
        computed=short(computed),
        signed=short(signed),
    )
    return False


def _compare_nodes(runs: Sequence[NodeRun], failures: _Failures) -> int:
    """Compares the rebuilt inner nodes with the stored ones; returns how many it compared."""
    computed = {
        node_key(level, index): (level, index, digest)
        for run in runs
        if run.level > 0
        for level, index, digest in run.nodes()
    }
    keys = sorted(computed)
    stored = _stored_nodes(keys)
    for key in sorted(keys, key=lambda key: computed[key][:2]):  # the lowest levels first
        level, index, digest = computed[key]
        span = {"start": index << level, "end": ((index + 1) << level) - 1}
        if key not in stored:
            failures.add(NODE_MISSING, **span)
        elif not hmac.compare_digest(stored[key], digest):
            failures.add(NODE_DIFFERS, **span)
    return len(keys)


def _stored_nodes(keys: Sequence[int]) -> dict[int, bytes]:
    """The stored hashes of ``keys`` (sorted), read by key ranges rather than long ``IN`` lists.

    The nodes a run of leaves completes have keys about twice the leaves' indexes, nearly
    consecutive, except for a few high ones: one range query covers the many, one each the few.
    """
    stored: dict[int, bytes] = {}
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] - keys[end - 1] > WINDOW_GAP:
            rows = LedgerNode.objects.filter(key__gte=keys[start], key__lte=keys[end - 1])
            stored.update((key, bytes(digest)) for key, digest in rows.values_list("key", "hash"))
            start = end
    return stored
