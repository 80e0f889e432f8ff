"""The ledger over JSON, for internal auditors, compliance officers and head-office admins.

Signed heads, entries, inclusion and consistency proofs in the formats ``doorstep-verify``
reads, the log's public key, and the door witnesses post their cosignatures to. Every other
role gets 403. Hashes and keys are lowercase hex, indexes start at 0.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination
from doorstep.ledger.keys import log_signer, retired_keys
from doorstep.ledger.models import Checkpoint, Cosignature, LedgerEntry
from doorstep.ledger.selectors import (
    LedgerNotFound,
    checkpoint_latest,
    checkpoint_list,
    consistency_proof,
    entry_get,
    entry_list,
    inclusion_proof,
    ledger_access,
    parse_subject,
    witnessed_note,
)
from doorstep.ledger.services import ledger_cosignature_add

router = Router(tags=["ledger"])

# Indexes and sizes are database integers: larger cannot exist and would overflow SQLite.
MAX_INDEX = 2**63 - 1


def _hex(value: bytes | memoryview) -> str:
    return bytes(value).hex()


def _local(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


Hex = Annotated[
    bytes,
    BeforeValidator(bytes),  # PostgreSQL hands binary columns over as memoryview
    PlainSerializer(_hex, return_type=str),
    WithJsonSchema({"type": "string", "format": "hex"}),
]
Time = Annotated[
    datetime,
    PlainSerializer(_local, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class WitnessedOut(Schema):
    witness: str
    cosigned_at: Time

    @staticmethod
    def resolve_witness(cosignature: Cosignature) -> str:
        return cosignature.witness.name


class CheckpointOut(Schema):
    id: int
    tree_size: int
    root_hash: Hex
    timestamp: Time
    key_id: str
    public_key: str
    checkpoint: str = Field(description="The checkpoint text exactly as signed.")
    signature: Hex = Field(description="The log's Ed25519 signature of the text's UTF-8 bytes.")
    note: str = Field(description="The signed note: the text, the log's and witnesses' lines.")
    witnesses: list[WitnessedOut]

    @staticmethod
    def resolve_checkpoint(checkpoint: Checkpoint) -> str:
        return checkpoint.text

    @staticmethod
    def resolve_note(checkpoint: Checkpoint) -> str:
        return witnessed_note(checkpoint)

    @staticmethod
    def resolve_witnesses(checkpoint: Checkpoint) -> list[Cosignature]:
        return list(checkpoint.cosignatures.all())


def _reader(request: HttpRequest) -> None:
    ledger_access(user=request.user)


@router.get("/ledger/checkpoint", response=CheckpointOut)
def ledger_checkpoint(request: HttpRequest) -> Checkpoint:
    """The latest signed tree head (C2SP checkpoint), with the witnesses that cosigned it.

    404 until the first checkpoint is signed.
    """
    _reader(request)
    latest = checkpoint_latest()
    if latest is None:
        raise LedgerNotFound
    return latest


@router.get("/ledger/checkpoints", response=list[CheckpointOut])
@paginate(BoundedPageNumberPagination)
def ledger_checkpoints(request: HttpRequest) -> QuerySet[Checkpoint]:
    """Every signed tree head, newest first."""
    _reader(request)
    return checkpoint_list()


class EntryOut(Schema):
    index: int
    kind: str
    data: str = Field(description="The exact canonical JSON text the leaf hash covers.")
    leaf_hash: Hex
    created_at: Time


class EntryQuery(ApiInput):
    kind: str = Field("", max_length=64, description="Only entries of this kind.")
    subject: str = Field(
        "", max_length=100, description="Only entries about this subject, as name:id."
    )


@router.get("/ledger/entries", response=list[EntryOut])
@paginate(BoundedPageNumberPagination)
def ledger_entries(request: HttpRequest, filters: Query[EntryQuery]) -> QuerySet[LedgerEntry]:
    """Entries in log order, e.g. ``?kind=case.status_changed&subject=case:C260416-0000001``."""
    _reader(request)
    subject = parse_subject(filters.subject) if filters.subject else None
    return entry_list(kind=filters.kind, subject=subject)


@router.get("/ledger/entries/{index}", response=EntryOut)
def ledger_entry(
    request: HttpRequest, index: Annotated[int, Path(ge=0, le=MAX_INDEX)]
) -> LedgerEntry:
    """One entry by its 0-based index."""
    _reader(request)
    return entry_get(index=index)


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    path: list[str]
    root_hash: str


class InclusionQuery(ApiInput):
    index: int = Field(ge=0, le=MAX_INDEX)
    tree_size: int | None = Field(
        None, ge=1, le=MAX_INDEX, description="Default: the latest checkpoint's tree size."
    )


@router.get("/ledger/proofs/inclusion", response=InclusionOut)
def ledger_inclusion_proof(request: HttpRequest, query: Query[InclusionQuery]) -> dict[str, Any]:
    """Entry ``index`` is in the tree of ``tree_size`` entries (RFC 6962 audit path)."""
    _reader(request)
    return inclusion_proof(index=query.index, tree_size=query.tree_size).to_json()


class ConsistencyOut(Schema):
    first_size: int
    second_size: int
    path: list[str]
    first_root: str
    second_root: str


class ConsistencyQuery(ApiInput):
    first: int = Field(ge=1, le=MAX_INDEX)
    second: int = Field(ge=1, le=MAX_INDEX)


@router.get("/ledger/proofs/consistency", response=ConsistencyOut)
def ledger_consistency_proof(
    request: HttpRequest, query: Query[ConsistencyQuery]
) -> dict[str, Any]:
    """The tree of ``first`` entries is a prefix of the tree of ``second`` (RFC 6962)."""
    _reader(request)
    return consistency_proof(first=query.first, second=query.second).to_json()


class PublicKeyOut(Schema):
    origin: str
    public_key: str = Field(description="The Ed25519 public key that signs checkpoints now.")
    key_id: str
    vkey: str = Field(description="The same key as a signed-note verifier key.")
    retired: list[str] = Field(description="Former signing keys, still valid for old heads.")


@router.get("/ledger/public-key", response=PublicKeyOut)
def ledger_public_key(request: HttpRequest) -> dict[str, Any]:
    """The log's public key. Auditors should also get it out of band, not only from here."""
    _reader(request)
    signer = log_signer()
    return {
        "origin": settings.LEDGER_ORIGIN,
        "public_key": signer.public_key.hex(),
        "key_id": signer.key_id.hex(),
        "vkey": signer.verifier.vkey(),
        "retired": [key.public_key.hex() for key in retired_keys()],
    }


class CosignatureIn(ApiInput):
    checkpoint: str = Field(max_length=2000, description="The checkpoint text as signed.")
    cosignature: str = Field(
        max_length=1000, description="The witness's line: '— <witness name> <base64>'."
    )


class CosignatureOut(Schema):
    witness: str
    checkpoint_id: int
    tree_size: int
    cosigned_at: Time
    received_at: Time

    @staticmethod
    def resolve_witness(cosignature: Cosignature) -> str:
        return cosignature.witness.name

    @staticmethod
    def resolve_tree_size(cosignature: Cosignature) -> int:
        return cosignature.checkpoint.tree_size


@router.post("/ledger/cosignatures", response={201: CosignatureOut})
def ledger_cosignatures_add(request: HttpRequest, payload: CosignatureIn) -> Status[Cosignature]:
    """A witness's C2SP cosignature of one of our checkpoints, stored once it verifies
    against the witness's registered key."""
    _reader(request)
    cosignature = ledger_cosignature_add(
        checkpoint=payload.checkpoint, cosignature=payload.cosignature
    )
    return Status(201, cosignature)
