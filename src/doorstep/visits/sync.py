"""The field app's offline sync: a batch of records made on the phone, each stored exactly once.

Every record carries the UUID the phone gave it. The server answers per record, in the order
sent: ``stored`` (accepted), ``flagged`` (kept, but outside its compliance envelope or about a
case closed meanwhile — ``flags`` names the rule or reason, the manager sees it, ``message``
tells the agent), ``duplicate`` (already stored: the stored answer again), or ``rejected``
(invalid, with ``error`` naming the field; nothing was stored and the phone keeps the record
for correction or a later retry). Records are applied per visit in the phone's ``seq`` order,
whatever order the batch lists them in, each in its own transaction: one bad record never
undoes another, and a batch cut off mid-way is simply sent again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.compliance.proposals import checked_moment
from doorstep.core.errors import DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.plans.services import promise_take
from doorstep.staff.models import StaffMember
from doorstep.staff.selectors import staff_for
from doorstep.visits import services
from doorstep.visits.lifecycle import Outcome, Status
from doorstep.visits.models import FieldRecord, Visit
from doorstep.visits.selectors import VisitAction, visit_get

MAX_BATCH = 500
CLOCK_SKEW = timedelta(minutes=10)
CASE_CLOSED = "CASE-CLOSED"
PROMISE_NOT_TAKEN = "PROMISE-NOT-TAKEN"
VISIT_INACTIVE = "VISIT-INACTIVE"
SHA256 = re.compile(r"[0-9a-f]{64}")
EVIDENCE_TYPES = ("photo", "audio", "signature")
NOTE_MAX = 2000
PROMISE_MAX_DAYS = 90

# Where a record may apply. Before check-in a door record is early (the phone sends its
# check-in first; a retry succeeds); on a visit that has ended or was called off it is kept
# and flagged, never dropped.
BEFORE_DOOR = frozenset({Status.SCHEDULED, Status.EN_ROUTE})
AT_DOOR = frozenset({Status.CHECKED_IN})
AFTER_DOOR = frozenset({Status.COMPLETED, Status.ABORTED, Status.REPORTED})


@dataclass
class Answer:
    id: str
    status: str
    flags: list[str] = field(default_factory=list)
    message: str = ""
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class Item:
    id: UUID
    visit: int
    kind: str
    seq: int
    captured_at: datetime
    data: Mapping[str, Any]


def _bad(code: str, message: str, name: str) -> DomainError:
    return DomainError(code, message, field=name)


def _parse(raw: Any) -> Item:
    """One record of the batch, or a DomainError naming the field that is wrong."""
    if not isinstance(raw, Mapping):
        raise _bad("invalid", _("Send each record as an object."), "record")
    try:
        ident = UUID(str(raw.get("id", "")))
    except ValueError:
        raise _bad("invalid_id", _("Give the record's UUID."), "id") from None
    visit = raw.get("visit")
    if not isinstance(visit, int) or isinstance(visit, bool) or not 1 <= visit < 2**63:
        raise _bad("invalid", _("Enter a whole number."), "visit")
    kind = raw.get("kind")
    if kind not in FieldRecord.Kind.values:
        raise _bad(
            "invalid_choice",
            _("Choose one of: %(expected)s.") % {"expected": ", ".join(FieldRecord.Kind.values)},
            "kind",
        )
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**31:
        raise _bad("invalid", _("Enter a whole number."), "seq")
    try:
        captured = datetime.fromisoformat(str(raw.get("captured_at", "")))
    except ValueError:
        raise _bad(
            "invalid_time",
            _("Give the time with its UTC offset, e.g. 2026-03-02T10:00:00+08:00."),
            "captured_at",
        ) from None
    checked_moment(captured, field="captured_at")
    if captured > timezone.now() + CLOCK_SKEW:
        raise _bad("future_time", _("This time is in the future."), "captured_at")
    data = raw.get("data", {})
    if not isinstance(data, Mapping):
        raise _bad("invalid", _("Send an object."), "data")
    return Item(ident, visit, kind, seq, captured, data)


def _decimal(data: Mapping[str, Any], name: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(data.get(name)))
    except InvalidOperation:
        raise _bad("invalid", _("Enter a number."), f"data.{name}") from None
    if not value.is_finite() or not low <= value <= high:
        raise _bad(
            "out_of_range",
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            f"data.{name}",
        )
    return value


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise _bad("invalid", _("Enter text."), f"data.{name}")
    if "\x00" in value:
        raise _bad("string_nul", _("Text may not contain NUL characters."), f"data.{name}")
    value = value.strip()
    if required and not value:
        raise _bad("required", _("This field is required."), f"data.{name}")
    if len(value) > limit:
        raise _bad(
            "too_long", _("Use at most %(limit)s characters.") % {"limit": limit}, f"data.{name}"
        )
    return value


def _coordinates(data: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    lat = _decimal(data, "lat", Decimal(-90), Decimal(90)).quantize(Decimal("0.000001"))
    lon = _decimal(data, "lon", Decimal(-180), Decimal(180)).quantize(Decimal("0.000001"))
    return lat, lon


def _early(kind: str) -> DomainError:
    return DomainError(
        "check_in_first",
        _("Sync the visit's check-in before its %(kind)s; the app sends it again.")
        % {"kind": kind},
        field="kind",
    )


@dataclass
class _Applied:
    payload: dict[str, Any]
    flags: list[str]


def _apply(item: Item, visit: Visit, user: Any) -> _Applied:
    """Validate ``item`` for ``visit`` (locked) and make the change it records."""
    status = Status(visit.status)
    data = item.data
    match item.kind:
        case FieldRecord.Kind.CHECK_IN:
            lat, lon = _coordinates(data)
            far_reason = _text(data, "far_reason", 300)
            payload: dict[str, Any] = {"lat": str(lat), "lon": str(lon), "far_reason": far_reason}
            if status in BEFORE_DOOR:
                done = services.visit_check_in(
                    visit=visit,
                    actor=user,
                    at=item.captured_at,
                    latitude=lat,
                    longitude=lon,
                    far_reason=far_reason,
                    enforce=False,
                )
                payload["distance_m"] = done.distance_m
                return _Applied(payload, done.flags)
            # The partner's phone checked the team in already, or the visit was called off.
            return _Applied(payload, [] if status in AT_DOOR | AFTER_DOOR else [VISIT_INACTIVE])
        case FieldRecord.Kind.OUTCOME:
            outcome = data.get("outcome")
            if outcome not in set(Outcome):
                raise _bad(
                    "invalid_choice",
                    _("Choose one of: %(expected)s.") % {"expected": ", ".join(Outcome)},
                    "data.outcome",
                )
            reference = _text(data, "payment_reference", 64)
            payload = {"outcome": outcome, "payment_reference": reference}
            if status in BEFORE_DOOR:
                raise _early(item.kind)
            if status in AT_DOOR:
                services.visit_complete(
                    visit=visit,
                    actor=user,
                    at=item.captured_at,
                    outcome=str(outcome),
                    payment_reference=reference,
                )
                return _Applied(payload, [])
            return _Applied(payload, [VISIT_INACTIVE])
        case FieldRecord.Kind.PROMISE:
            amount = _decimal(data, "amount", Decimal("0.01"), Decimal("99999999999999.99"))
            if amount != amount.quantize(Decimal("0.01")):
                raise _bad(
                    "decimal_max_places",
                    _("Use at most %(decimal_places)s decimal places.") % {"decimal_places": 2},
                    "data.amount",
                )
            try:
                due = date.fromisoformat(str(data.get("due_on", "")))
            except ValueError:
                raise _bad(
                    "invalid_date", _("Enter a date as YYYY-MM-DD."), "data.due_on"
                ) from None
            day = item.captured_at.astimezone(timezone.get_current_timezone()).date()
            if not day <= due <= day + timedelta(days=PROMISE_MAX_DAYS):
                raise _bad(
                    "out_of_range",
                    _("A promise falls due within %(days)s days of the visit.")
                    % {"days": PROMISE_MAX_DAYS},
                    "data.due_on",
                )
            if status in BEFORE_DOOR:
                raise _early(item.kind)
            payload = {"amount": f"{amount:.2f}", "due_on": due.isoformat()}
            if status not in AT_DOOR | AFTER_DOOR:
                return _Applied(payload, [VISIT_INACTIVE])
            return _promise_taken(visit, user, amount, due, day, payload)
        case FieldRecord.Kind.EVIDENCE:
            kind = data.get("type")
            if kind not in EVIDENCE_TYPES:
                raise _bad(
                    "invalid_choice",
                    _("Choose one of: %(expected)s.") % {"expected": ", ".join(EVIDENCE_TYPES)},
                    "data.type",
                )
            digest = str(data.get("sha256", "")).lower()
            if not SHA256.fullmatch(digest):
                raise _bad(
                    "invalid_hash", _("Give the file's SHA-256 as 64 hex digits."), "data.sha256"
                )
            size = data.get("bytes")
            if not isinstance(size, int) or isinstance(size, bool) or not 0 < size < 2**40:
                raise _bad("invalid", _("Enter a whole number."), "data.bytes")
            if kind == "audio" and data.get("debtor_informed") is not True:
                raise _bad(
                    "debtor_not_informed",
                    _("Record the conversation only after telling the debtor."),
                    "data.debtor_informed",
                )
            if status in BEFORE_DOOR:
                raise _early(item.kind)
            payload = {"type": kind, "sha256": digest, "bytes": size}
            return _Applied(payload, [] if status in AT_DOOR | AFTER_DOOR else [VISIT_INACTIVE])
        case FieldRecord.Kind.NOTE:
            return _Applied({"text": _text(data, "text", NOTE_MAX, required=True)}, [])
        case _:  # SAFETY: always kept, whatever the visit's state
            payload = {}
            if "lat" in data or "lon" in data:
                lat, lon = _coordinates(data)
                payload = {"lat": str(lat), "lon": str(lon)}
            return _Applied(payload, [])


def _promise_taken(
    visit: Visit, user: Any, amount: Decimal, due: date, day: date, payload: dict[str, Any]
) -> _Applied:
    """The promise made at the door goes on the case through the plans app (which moves a case
    being worked to "promised" and judges the promise when it falls due). If the plans app
    refuses it (beyond its term, more than owed, the case closed), the record is still kept and
    flagged with the reason, so the agent's manager can take it up."""
    try:
        with transaction.atomic():
            promise = promise_take(
                case=visit.case, amount=amount, due_on=due, channel="visit", actor=user, on=day
            )
    except DomainError as error:
        return _Applied({**payload, "not_taken": error.message}, [PROMISE_NOT_TAKEN])
    return _Applied({**payload, "promise": promise.pk}, [])


def _messages(flags: Sequence[str]) -> str:
    if PROMISE_NOT_TAKEN in flags:
        return _(
            "Your record is kept, but the promise could not be put on the case; your manager "
            "will see why."
        )
    if CASE_CLOSED in flags:
        return _(
            "The case was closed while you were offline. Your record is kept and your manager "
            "will see it."
        )
    if VISIT_INACTIVE in flags:
        return _("The visit had already ended or been called off. Your record is kept.")
    if flags:
        return _(
            "Made outside the visit's compliance envelope (%(rules)s). Your record is kept and "
            "your manager will see it."
        ) % {"rules": ", ".join(flags)}
    return ""


def _stored_answer(record: FieldRecord, item: Item) -> Answer:
    same = (record.visit_id, record.kind, record.sequence) == (item.visit, item.kind, item.seq)
    if not same:
        return Answer(
            str(item.id),
            "rejected",
            error={
                "code": "id_reused",
                "message": _("Another record already has this id."),
                "fields": {"id": [_("Another record already has this id.")]},
            },
        )
    return Answer(
        str(item.id), "duplicate", flags=list(record.flags), message=_messages(record.flags)
    )


def _store(item: Item, user: Any, staff: StaffMember) -> Answer:
    visit = visit_get(user=user, pk=item.visit, action=VisitAction.FIELD)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("case").get(pk=visit.pk)
        applied = _apply(item, visit, user)
        visit.refresh_from_db()
        flags = list(applied.flags)
        if visit.case.is_closed:
            flags.append(CASE_CLOSED)
        if flags:
            visit.flagged_rules = sorted({*visit.flagged_rules, *flags})
            visit.save(update_fields=["flagged_rules", "updated_at"])
        state = FieldRecord.State.FLAGGED if flags else FieldRecord.State.ACCEPTED
        record = FieldRecord.objects.create(
            client_uuid=item.id,
            visit=visit,
            kind=item.kind,
            sequence=item.seq,
            captured_at=item.captured_at,
            payload=applied.payload,
            state=state,
            flags=flags,
            agent=staff,
            received_at=timezone.now(),
        )
        ledger_append(
            kind="visit.field_record",
            actor=user,
            subject={"case": visit.case.reference, "visit": visit.pk},
            record={
                "id": str(item.id),
                "kind": item.kind,
                "seq": item.seq,
                "captured_at": item.captured_at,
                "state": state,
                "flags": flags,
                "content_hash": content_hash(applied.payload),
                "evidence_sha256": applied.payload.get("sha256"),
            },
        )
    return Answer(
        str(record.client_uuid), "flagged" if flags else "stored", flags, _messages(flags)
    )


def _error(error: DomainError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "fields": error.fields}


def field_sync(*, user: Any, records: Sequence[Any]) -> list[Answer]:
    """Store every record of the batch at most once; answer for each, in the order sent."""
    staff = staff_for(user)
    if staff is None:
        raise PermissionDenied
    if len(records) > MAX_BATCH:
        raise DomainError(
            "batch_too_large",
            _("Send at most %(limit)s records at a time.") % {"limit": MAX_BATCH},
            field="records",
        )
    answers: dict[int, Answer] = {}
    parsed: list[tuple[int, Item]] = []
    for position, raw in enumerate(records):
        try:
            parsed.append((position, _parse(raw)))
        except DomainError as error:
            ident = str(raw.get("id", "")) if isinstance(raw, Mapping) else ""
            answers[position] = Answer(ident, "rejected", error=_error(error))
    parsed.sort(key=lambda pair: (pair[1].visit, pair[1].seq, pair[0]))
    for position, item in parsed:
        answers[position] = _answer(item, user, staff)
    return [answers[position] for position in range(len(records))]


def _answer(item: Item, user: Any, staff: StaffMember) -> Answer:
    stored = FieldRecord.objects.filter(client_uuid=item.id).first()
    if stored is not None:
        return _stored_answer(stored, item)
    try:
        return _store(item, user, staff)
    except DomainError as error:
        return Answer(str(item.id), "rejected", error=_error(error))
    except Http404:
        missing = DomainError("visit_not_found", _("Not found."), field="visit")
        return Answer(str(item.id), "rejected", error=_error(missing))
    except PermissionDenied:
        denied = DomainError("not_in_team", _("You are not in this visit's team."), field="visit")
        return Answer(str(item.id), "rejected", error=_error(denied))
    except IntegrityError:
        # The same record arrived from a second request at the same moment and won the race.
        return _stored_answer(FieldRecord.objects.get(client_uuid=item.id), item)
