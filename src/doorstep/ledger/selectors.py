"""Reads of the ledger: who may read it, signed heads, entries, proofs and the export.

The log holds no personal data in clear, but it maps the bank's whole activity, so the API and
the auditor page are for internal auditors, compliance officers and head-office admins
(``ledger_access``). A case's own entries are shown to whoever may see the case: that case is
loaded through ``cases.selectors.case_get`` by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from doorstep_verify.bundle import ConsistencyProof, InclusionProof
from doorstep_verify.checkpoint import Checkpoint as CheckpointText
from doorstep_verify.cosignature import CosignatureVerifier
from doorstep_verify.merkle import (
    NodeId,
    ProofError,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    subtree_nodes,
    verify_inclusion,
)
from doorstep_verify.note import Note, NoteError, Signature, verify_note

from doorstep.cases.models import Case
from doorstep.core.errors import DomainError
from doorstep.ledger.keys import trusted_keys
from doorstep.ledger.models import Checkpoint, Cosignature, LedgerEntry, LedgerHead, Witness
from doorstep.ledger.storage import DatabaseStore
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import staff_for

LEDGER_ROLES = frozenset({Role.INTERNAL_AUDITOR, Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})
EXPORT_CHUNK = 10_000


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...


class LedgerAccessDenied(PermissionDenied):
    pass


class LedgerNotFound(Http404):
    pass


def ledger_access(*, user: Any) -> StaffMember:
    """The reader's staff record if their role may read the whole ledger; 403 otherwise."""
    staff = staff_for(user)
    if staff is None or Role(staff.role) not in LEDGER_ROLES:
        raise LedgerAccessDenied
    return staff


def current_size() -> int:
    """The number of committed entries."""
    size = LedgerHead.objects.filter(pk=LedgerHead.SINGLETON).values_list("size", flat=True)
    return size.first() or 0


def checkpoint_list() -> QuerySet[Checkpoint]:
    """Signed heads, newest first, each with its cosignatures and their witnesses."""
    cosignatures = Cosignature.objects.select_related("witness").order_by("witness__name")
    return Checkpoint.objects.order_by("-tree_size", "-id").prefetch_related(
        Prefetch("cosignatures", queryset=cosignatures)
    )


def checkpoint_latest() -> Checkpoint | None:
    return checkpoint_list().first()


def witnessed_note(checkpoint: Checkpoint) -> str:
    """The signed note with every stored cosignature line after the log's own signature."""
    note = Note.parse(checkpoint.note)
    lines = [
        Signature(
            cosignature.witness.name,
            CosignatureVerifier.from_vkey(cosignature.witness.vkey).key_id,
            bytes(cosignature.signature),
        )
        for cosignature in checkpoint.cosignatures.all()
    ]
    return Note(note.text, (*note.signatures, *lines)).render()


def witness_list() -> QuerySet[Witness]:
    return Witness.objects.order_by("name")


def entry_list(*, kind: str = "", subject: tuple[str, str] | None = None) -> QuerySet[LedgerEntry]:
    """Entries in log order, optionally of one kind or about one subject (``("case", ref)``)."""
    entries = LedgerEntry.objects.order_by("index")
    if kind:
        entries = entries.filter(kind=kind)
    if subject is not None:
        entries = entries.filter(subjects__name=subject[0], subjects__value=subject[1])
    return entries


def entry_get(*, index: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(index=index).first()
    if entry is None:
        raise LedgerNotFound
    return entry


@dataclass(frozen=True)
class EntryView:
    """An entry's fields for a screen, read from its data (which stays the source of truth)."""

    index: int
    kind: str
    at: datetime | None
    actor: str
    subject: dict[str, str]
    data: str
    leaf_hash: str


def entry_view(entry: LedgerEntry) -> EntryView:
    try:
        fields = json.loads(entry.data)
        at = datetime.fromisoformat(fields["at"])
        actor, subject = str(fields["actor"]), dict(fields["subject"])
    except (ValueError, KeyError, TypeError):  # an entry altered into something else
        at, actor, subject = None, "", {}
    return EntryView(
        entry.index, entry.kind, at, actor, subject, entry.data, bytes(entry.leaf_hash).hex()
    )


def parse_subject(text: str) -> tuple[str, str]:
    """``case:C260416-0000001`` → ``("case", "C260416-0000001")``."""
    name, colon, value = text.partition(":")
    if not colon or not name or not value:
        raise DomainError(
            "invalid_subject",
            _("Write the subject as name:id, for example case:C260416-0000001."),
            field="subject",
        )
    return name, value


def _proof_size(tree_size: int | None, size: int, field: str) -> int:
    if tree_size is None:
        latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True)
        return latest.first() or size
    if tree_size > size:
        raise DomainError(
            "tree_too_large",
            _("The log has %(size)s entries, fewer than %(asked)s.")
            % {"size": size, "asked": tree_size},
            field=field,
        )
    return tree_size


def inclusion_proof(*, index: int, tree_size: int | None = None) -> InclusionProof:
    """Leaf ``index``'s audit path in the tree of ``tree_size`` leaves (default: the latest
    checkpoint's size, so the proof can be checked against a signed root)."""
    size = current_size()
    chosen = _proof_size(tree_size, size, "tree_size")
    if not 0 <= index < chosen:
        raise DomainError(
            "not_in_tree",
            _("Entry %(index)s is not in the tree of %(size)s entries.")
            % {"index": index, "size": chosen},
            field="index",
        )
    ranges = [(index, index + 1), (0, chosen), *inclusion_ranges(index, chosen)]
    leaf, root, *path = range_hashes(ranges, chosen)
    return InclusionProof(index, chosen, leaf, tuple(path), root)


def consistency_proof(*, first: int, second: int) -> ConsistencyProof:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    size = current_size()
    _proof_size(second, size, "second")
    if not 0 < first <= second:
        raise DomainError(
            "invalid_sizes",
            _("The first size must be at least 1 and at most the second."),
            field="first",
        )
    ranges = [(0, first), (0, second), *consistency_ranges(first, second)]
    first_root, second_root, *path = range_hashes(ranges, second)
    return ConsistencyProof(first, second, tuple(path), first_root, second_root)


def range_hashes(ranges: Sequence[tuple[int, int]], size: int) -> list[bytes]:
    """The RFC 6962 hash of each leaf range, from one batched read of the stored nodes.

    Each range is one the RFC recursion names (a leaf, a prefix, a proof's subtree), so it is a
    run of at most log₂ n stored perfect subtrees; a proof's whole answer costs two queries.
    """
    pieces = {r: subtree_nodes(*r) for r in ranges}
    wanted: list[NodeId] = sorted({node for nodes in pieces.values() for node in nodes})
    hashes = dict(zip(wanted, DatabaseStore(size).get_nodes(wanted), strict=True))
    return [fold([hashes[node] for node in pieces[r]]) for r in ranges]


class ProofStatus(StrEnum):
    INCLUDED = "included"  # its data hashes into the latest signed root
    PENDING = "pending"  # appended after the latest checkpoint
    FAILED = "failed"  # changed after it was signed, or the head's signature fails


@dataclass(frozen=True)
class EntryProof:
    entry: LedgerEntry
    status: ProofStatus
    detail: str


@dataclass(frozen=True)
class SubjectLedger:
    entries: list[EntryProof]
    checkpoint: Checkpoint | None
    total: int


def signature_problem(checkpoint: Checkpoint) -> str:
    """Why the checkpoint's own signature does not hold against the trusted keys ('' if it does)."""
    try:
        note = Note.parse(checkpoint.note)
        verifiers = [verifier for key in trusted_keys() for verifier in key.verifiers(note)]
        verify_note(note, verifiers)
    except NoteError as error:
        return str(error)
    if note.text != checkpoint.text:
        return _("the stored checkpoint text differs from the signed one")
    return ""


def subject_ledger(*, name: str, value: str, limit: int = 50) -> SubjectLedger:
    """The latest entries about one subject, each proven against the latest signed checkpoint.

    All the audit paths come from one batched read of the stored nodes, however many entries.
    """
    found = entry_list(subject=(name, value))
    total = found.count()
    rows = list(found.order_by("-index")[:limit])
    checkpoint = checkpoint_latest()
    if checkpoint is None:
        pending = _("no checkpoint has been signed yet")
        waiting = [EntryProof(entry, ProofStatus.PENDING, pending) for entry in rows]
        return SubjectLedger(waiting, None, total)
    problem = signature_problem(checkpoint)
    size = checkpoint.tree_size
    signed = [entry for entry in rows if entry.index < size]
    paths = _audit_paths([entry.index for entry in signed], size) if not problem else {}
    root = bytes(checkpoint.root_hash)
    results = []
    for entry in rows:
        if entry.index >= size:
            status, detail = ProofStatus.PENDING, _("not in a signed checkpoint yet")
        elif problem:
            status, detail = ProofStatus.FAILED, problem
        else:
            try:
                digest = leaf_hash(entry.data.encode("utf-8"))
                verify_inclusion(digest, entry.index, size, paths[entry.index], root)
            except ProofError as error:
                status, detail = ProofStatus.FAILED, str(error)
            else:
                status = ProofStatus.INCLUDED
                detail = _("in the checkpoint of %(size)s entries") % {"size": size}
        results.append(EntryProof(entry, status, detail))
    return SubjectLedger(results, checkpoint, total)


def case_ledger(*, case: Case, limit: int = 50) -> SubjectLedger:
    """The ledger entries about ``case`` (already loaded through ``case_get``), by reference."""
    return subject_ledger(name="case", value=case.reference, limit=limit)


def _audit_paths(indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
    paths = {index: inclusion_ranges(index, size) for index in indexes}
    every = sorted({r for ranges in paths.values() for r in ranges})
    hashes = dict(zip(every, range_hashes(every, size), strict=True))
    return {index: [hashes[r] for r in ranges] for index, ranges in paths.items()}


def export_bundle(out: TextSink, *, checkpoint: Checkpoint | None = None) -> Checkpoint:
    """Write the export bundle of ``checkpoint`` (default: the latest) to ``out``, streaming.

    ``{"tree_size", "root_hash", "timestamp", "checkpoint", "signature", "public_key",
    "leaves": [{"index", "data"}, …]}``, the leaves read and written 10,000 at a time, so a log
    of millions of entries needs no more memory than a small one.
    """
    checkpoint = checkpoint or checkpoint_latest()
    if checkpoint is None:
        raise DomainError(
            "no_checkpoint",
            _("No checkpoint has been signed yet: run `doorstep ledger sign` first."),
        )
    timestamp = CheckpointText.parse(checkpoint.text).timestamp
    head = {
        "tree_size": checkpoint.tree_size,
        "root_hash": bytes(checkpoint.root_hash).hex(),
        "timestamp": timestamp,
        "checkpoint": checkpoint.text,
        "signature": bytes(checkpoint.signature).hex(),
        "public_key": checkpoint.public_key,
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "leaves": [')
    separator = "\n"
    for rows in leaf_chunks(checkpoint.tree_size):
        for index, data in rows:
            text = json.dumps(data, ensure_ascii=False)
            out.write(f'{separator}{{"index": {index}, "data": {text}}}')
            separator = ",\n"
    out.write("\n]}\n")
    return checkpoint


def leaf_chunks(size: int) -> Iterator[list[tuple[int, str]]]:
    """``(index, data)`` of entries ``0 … size-1`` in order, a chunk per query (keyset paging)."""
    chunk = EXPORT_CHUNK
    start = 0
    while start < size:
        rows = list(
            LedgerEntry.objects.filter(index__gte=start, index__lt=min(size, start + chunk))
            .order_by("index")
            .values_list("index", "data")
        )
        if not rows:
            return
        yield rows
        start = rows[-1][0] + 1
