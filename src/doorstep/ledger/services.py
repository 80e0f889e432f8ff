"""Every write to the ledger: appends, erasure of a customer's salt, signed heads, witnesses.

``ledger_append`` is the one write path for entries. Call it inside the transaction of the
write it records, so the entry exists exactly when that write commits::

    with transaction.atomic():
        case.save()
        ledger_append(
            kind="case.status_changed",
            actor=user,
            subject={"case": case.reference},
            record={"from": "active", "to": "promised"},
        )

Appends lock the ``LedgerHead`` row until the transaction ends: on PostgreSQL concurrent
writers queue there and get gap-free indexes in commit order; SQLite serialises writers anyway.
Keep the rest of a transaction that appends short, since the next writer waits for it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _
from doorstep_verify.checkpoint import Checkpoint as CheckpointText
from doorstep_verify.checkpoint import make_checkpoint
from doorstep_verify.cosignature import CosignatureVerifier
from doorstep_verify.merkle import MerkleTree, leaf_hashes
from doorstep_verify.note import Note, NoteError, check_name

from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger import entries
from doorstep.ledger.keys import log_signer
from doorstep.ledger.models import (
    Checkpoint,
    Cosignature,
    LedgerEntry,
    LedgerHead,
    LedgerSubject,
    SubjectSalt,
    Witness,
)
from doorstep.ledger.selectors import current_size
from doorstep.ledger.storage import QUERY_CHUNK, DatabaseStore, insert_rows

# Entries hashed and written per round inside one append call: bounds the memory of a bulk load.
CHUNK = 10_000
SALT_BYTES = 32


@dataclass(frozen=True)
class LedgerEvent:
    """One event to append; the arguments of ``ledger_append``, for ``ledger_append_many``.

    ``actor`` is a user, a username, or None for the system. ``subject`` names what the event
    is about by public ids (``{"case": "C260416-0000001"}``). ``record`` holds values and hashes
    of the record (money as ``Decimal`` or strings; ``entries.content_hash`` for texts and
    files). ``personal`` carries personal data only as commitments: ``{"customer": <Customer
    pk>, "national_id": "…", "phone": ["…", …]}``. ``at`` defaults to now.
    """

    kind: str
    actor: Any
    subject: Mapping[str, str | int]
    record: Mapping[str, Any]
    personal: Mapping[str, Any] | None = None
    at: datetime | None = None


@dataclass(slots=True)
class _Prepared:
    kind: str
    text: str
    data: bytes  # the text in UTF-8: what the leaf hash covers
    subject: dict[str, str]


def ledger_append(
    *,
    kind: str,
    actor: Any,
    subject: Mapping[str, str | int],
    record: Mapping[str, Any],
    personal: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Append one event in the caller's transaction and return its entry (see LedgerEvent)."""
    event = LedgerEvent(kind, actor, subject, record, personal, at)
    now = timezone.now()
    indexes = _append([event], now)
    return LedgerEntry.objects.get(index=indexes.start)


def ledger_append_many(events: Iterable[LedgerEvent]) -> range:
    """Append many events in the caller's transaction, in order; returns their indexes.

    For bulk loads: one lock, one insert per table per 10,000 entries. Pass blocks of up to
    about 100,000 events: they are held in memory while their salts are prepared.
    """
    return _append(list(events), timezone.now())


def _append(events: Sequence[LedgerEvent], now: datetime) -> range:
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "ledger_append must run inside the transaction of the write it records "
            "(wrap both in transaction.atomic())"
        )
    if not events:
        return range(0)
    # Salts first: inserting one may wait for another writer, who must not be waiting for us.
    salts = _salts_for(events, now)
    zone = timezone.get_default_timezone()  # the bank's time, whatever a request activated
    default_at = entries.format_at(now.astimezone(zone))
    prepared = [_prepare(event, salts, zone, default_at) for event in events]
    head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=LedgerHead.SINGLETON)
    first = head.size
    store = DatabaseStore(first)
    tree = MerkleTree(store)
    for start in range(0, len(prepared), CHUNK):
        chunk = prepared[start : start + CHUNK]
        hashes = leaf_hashes(item.data for item in chunk)
        base = store.size
        insert_rows(
            LedgerEntry,
            ["index", "kind", "data", "leaf_hash", "created_at"],
            [
                (base + offset, item.kind, item.text, digest, now)
                for offset, (item, digest) in enumerate(zip(chunk, hashes, strict=True))
            ],
        )
        insert_rows(
            LedgerSubject,
            ["entry", "name", "value"],
            [
                (base + offset, name, value)
                for offset, item in enumerate(chunk)
                for name, value in item.subject.items()
            ],
        )
        tree.append_hashes(hashes)
    LedgerHead.objects.filter(pk=LedgerHead.SINGLETON).update(size=store.size)
    return range(first, store.size)


def _actor_name(actor: Any) -> str:
    if actor is None:
        return entries.SYSTEM_ACTOR
    if isinstance(actor, str):
        return actor
    user = getattr(actor, "user", actor)  # a StaffMember stands for its user
    username = getattr(user, "get_username", None)
    if username is None:
        raise entries.EntryError(f"actor must be a user, a username or None, not {actor!r}")
    return str(username())


def _prepare(
    event: LedgerEvent, salts: Mapping[int, bytes], zone: tzinfo, default_at: str
) -> _Prepared:
    subject = entries.subject_ids(event.subject)
    if event.at is None:
        at = default_at
    elif event.at.utcoffset() is None:
        raise entries.EntryError("an entry's time must be timezone-aware")
    else:
        at = entries.format_at(event.at.astimezone(zone))
    actor = _actor_name(event.actor)
    committed = None
    if event.personal:
        clear = dict(event.personal)
        customer = _customer_id(clear.pop("customer", None))
        committed = entries.commitments(salts[customer], clear)
        _refuse_leaks(clear, actor, subject, event.record)
    text = entries.entry_text(
        kind=event.kind,
        at=at,
        actor=actor,
        subject=subject,
        record=event.record,
        personal=committed,
    )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise entries.EntryError("the entry contains a lone surrogate, which is not text") from None
    return _Prepared(event.kind, text, data, subject)


def _customer_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise entries.EntryError("personal data needs the customer's id: personal['customer']")
    return value


def _refuse_leaks(
    clear: Mapping[str, Any], actor: str, subject: Mapping[str, str], record: Mapping[str, Any]
) -> None:
    """A personal value copied into the subject or record would defeat the commitments."""
    public = entries.canonical_text({"actor": actor, "subject": subject, "record": record})
    for value in entries.personal_values(clear):
        if len(value) >= 2 and value in public:
            raise entries.EntryError(
                "a personal value appears in clear in the subject or record of the entry"
            )


def _salts_for(events: Sequence[LedgerEvent], now: datetime) -> dict[int, bytes]:
    """The salt of every customer the events commit to, made for those who have none yet."""
    wanted = sorted(
        {_customer_id(event.personal.get("customer")) for event in events if event.personal}
    )
    if not wanted:
        return {}
    salts = _stored_salts(wanted)
    missing = [customer for customer in wanted if customer not in salts]
    if missing:
        SubjectSalt.objects.bulk_create(
            [
                SubjectSalt(
                    customer_id=customer, salt=secrets.token_bytes(SALT_BYTES), created_at=now
                )
                for customer in missing
            ],
            ignore_conflicts=True,  # a concurrent writer may have made one meanwhile: use theirs
        )
        salts.update(_stored_salts(missing))
    return salts


def _stored_salts(customers: Sequence[int]) -> dict[int, bytes]:
    salts: dict[int, bytes] = {}
    for start in range(0, len(customers), QUERY_CHUNK):
        rows = SubjectSalt.objects.filter(customer_id__in=customers[start : start + QUERY_CHUNK])
        for customer, salt in rows.values_list("customer_id", "salt"):
            if salt is None:
                raise ConflictError(
                    "subject_erased",
                    _(
                        "The personal data of customer %(customer)s was erased from the ledger; "
                        "it cannot be recorded again."
                    )
                    % {"customer": customer},
                )
            salts[customer] = bytes(salt)
    return salts


@transaction.atomic
def ledger_erase_subject(*, customer_id: int, actor: Any = None) -> bool:
    """Erase a customer's salt (PIPL): their commitments in the log can no longer be linked.

    The log itself is untouched, so every hash, proof and checkpoint still verifies. A tombstone
    stays, so nothing about the customer is committed again, and the erasure is itself logged.
    Returns False when there was nothing left to erase.
    """
    now = timezone.now()
    salt, created = SubjectSalt.objects.select_for_update().get_or_create(
        customer_id=customer_id, defaults={"salt": None, "created_at": now, "erased_at": now}
    )
    if not created and salt.salt is None:
        return False
    if not created:
        salt.salt = None
        salt.erased_at = now
        salt.save(update_fields=["salt", "erased_at"])
    ledger_append(
        kind="ledger.subject_erased",
        actor=actor,
        subject={"customer": customer_id},
        record={"had_commitments": not created},
    )
    return not created


class LedgerInconsistent(ConflictError):
    """The stored tree no longer extends the latest signed head: it must not be signed."""


def ledger_sign_checkpoint() -> Checkpoint:
    """Sign the current tree head as a C2SP checkpoint and store it."""
    return _sign(current_size())


def ledger_sign_if_grown() -> Checkpoint | None:
    """Sign only if entries were appended since the latest checkpoint (the periodic task)."""
    size = current_size()
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True)
    if size == (latest.first() or 0):
        return None
    return _sign(size)


def _sign(size: int) -> Checkpoint:
    """Signs the tree of ``size`` entries, after checking it still contains the latest head.

    The bank's key must never vouch for a log that lost or changed what it signed before: that
    is what a witness would refuse, and it would be the bank's own signature on the damage.
    Reading the old root from the stored nodes costs two queries.
    """
    signer = log_signer()
    tree = MerkleTree(DatabaseStore(size))
    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    if latest is not None and not _still_contains(tree, latest):
        raise LedgerInconsistent(
            "ledger_inconsistent",
            _(
                "The stored log no longer contains the %(size)s entries of checkpoint %(id)s "
                "as they were signed; nothing was signed. Run `doorstep ledger verify`."
            )
            % {"size": latest.tree_size, "id": latest.pk},
        )
    root = tree.root()
    moment = timezone.localtime().replace(microsecond=0)
    checkpoint = make_checkpoint(
        origin=settings.LEDGER_ORIGIN, tree_size=size, root_hash=root, timestamp=moment
    )
    text = checkpoint.text()
    signature = signer.sign(text)
    return Checkpoint.objects.create(
        tree_size=size,
        root_hash=root,
        timestamp=moment,
        text=text,
        note=Note(text, (signature,)).render(),
        signature=signature.signature,
        key_id=signer.key_id.hex(),
        public_key=signer.public_key.hex(),
    )


def _still_contains(tree: MerkleTree, checkpoint: Checkpoint) -> bool:
    if tree.size < checkpoint.tree_size:
        return False
    try:
        return tree.root(checkpoint.tree_size) == bytes(checkpoint.root_hash)
    except KeyError:  # a stored node is gone
        return False


def _witness_verifier(name: str, key: str) -> CosignatureVerifier:
    try:
        check_name(name)
    except NoteError:
        raise DomainError(
            "invalid_witness_name",
            _("A witness name is one word without spaces or '+', such as regulator.example/w1."),
            field="name",
        ) from None
    try:
        if "+" in key:
            verifier = CosignatureVerifier.from_vkey(key.strip())
        else:
            verifier = CosignatureVerifier(name, bytes.fromhex(key.strip()))
    except (NoteError, ValueError):
        raise DomainError(
            "invalid_witness_key",
            _("The key is neither 64 hex digits nor a cosigner key name+keyid+base64 (type 0x04)."),
            field="key",
        ) from None
    if verifier.name != name:
        raise DomainError(
            "witness_name_mismatch",
            _("The key is for witness %(key_name)s, not %(name)s.")
            % {"key_name": verifier.name, "name": name},
            field="key",
        )
    return verifier


@transaction.atomic
def ledger_witness_add(*, name: str, key: str, actor: Any = None) -> Witness:
    """Register a witness by its name and Ed25519 cosigner key (hex or C2SP vkey)."""
    verifier = _witness_verifier(name, key)
    if Witness.objects.filter(name=name).exists():
        raise ConflictError(
            "witness_exists",
            _("A witness named %(name)s is already registered.") % {"name": name},
            field="name",
        )
    witness = Witness.objects.create(name=name, vkey=verifier.vkey(), added_at=timezone.now())
    ledger_append(
        kind="ledger.witness_added",
        actor=actor,
        subject={"witness": witness.pk},
        record={"name": name, "vkey": witness.vkey},
    )
    return witness


class CosignatureRefused(DomainError):
    pass


@transaction.atomic
def ledger_cosignature_add(*, checkpoint: str, cosignature: str) -> Cosignature:
    """Store a witness's cosignature line for one of our checkpoints, once it verifies.

    ``checkpoint`` is the checkpoint text (without signatures); ``cosignature`` the witness's
    signature line ``— <name> <base64>``. A later cosignature by the same witness replaces its
    earlier one for that checkpoint.
    """
    try:
        note = Note.parse(checkpoint + "\n" + cosignature.rstrip("\n") + "\n")
        size = CheckpointText.parse(note.text).tree_size
    except NoteError:
        raise CosignatureRefused(
            "malformed_cosignature",
            _("Send the checkpoint text and one cosignature line '— <witness> <base64>'."),
            field="cosignature",
        ) from None
    if len(note.signatures) != 1:
        raise CosignatureRefused(
            "malformed_cosignature",
            _("Send exactly one cosignature line."),
            field="cosignature",
        )
    stored = Checkpoint.objects.filter(tree_size=size, text=note.text).first()
    if stored is None:
        raise CosignatureRefused(
            "unknown_checkpoint",
            _("This log never signed that checkpoint."),
            field="checkpoint",
        )
    line = note.signatures[0]
    witness = Witness.objects.filter(name=line.name).first()
    verifier = CosignatureVerifier.from_vkey(witness.vkey) if witness else None
    if witness is None or verifier is None or not verifier.knows(line):
        raise CosignatureRefused(
            "unknown_witness",
            _("No registered witness has the name and key id of this cosignature."),
            field="cosignature",
        )
    try:
        seconds = verifier.verify(note.text, line)
        cosigned_at = datetime.fromtimestamp(seconds, tz=UTC)
    except (NoteError, OverflowError, ValueError, OSError):
        raise CosignatureRefused(
            "bad_cosignature",
            _("The cosignature does not verify with the witness's registered key."),
            field="cosignature",
        ) from None
    row, _created = Cosignature.objects.update_or_create(
        witness=witness,
        checkpoint=stored,
        defaults={
            "signature": line.signature,
            "cosigned_at": cosigned_at,
            "received_at": timezone.now(),
        },
    )
    return row
