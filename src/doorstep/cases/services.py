"""Every change to a case: one function, one transaction, the history row written with it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases import delinquency, lifecycle
from doorstep.cases.models import (
    STATUS_LABELS,
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.core.errors import DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import LedgerEvent, ledger_append, ledger_append_many
from doorstep.portfolio.models import Account, Customer, Payment, Statement
from doorstep.portfolio.selectors import histories_for
from doorstep.staff.models import Branch, Role, StaffMember, Team
from doorstep.staff.selectors import FIELD_ROLES, staff_for

CURED_REASON = "Arrears paid in full."
HALF_CENT = Decimal("0.005")


def case_reference(*, customer_id: int, opened_on: date) -> str:
    return f"C{opened_on:%y%m%d}-{customer_id:07d}"


def _ledger(case: Case, kind: str, actor: Any, record: dict[str, Any]) -> None:
    """Append the event to the verifiable ledger, in the transaction of the change it records."""
    ledger_append(kind=kind, actor=actor, subject={"case": case.reference}, record=record)


def _reason_hash(reason: str) -> str | None:
    return content_hash(reason) if reason else None


def _arrears_for(accounts: Iterable[Account | int], as_of: date) -> delinquency.Arrears:
    ids = [a if isinstance(a, int) else a.pk for a in accounts]
    histories = histories_for(ids, as_of=as_of)
    parts = [delinquency.arrears(h.dues, h.payments, as_of) for h in histories.values()]
    return delinquency.combined(parts, as_of)


def _apply_arrears(case: Case, arrears: delinquency.Arrears) -> None:
    case.dpd = arrears.dpd
    case.bucket = arrears.bucket.value
    case.past_due = arrears.past_due
    case.outstanding_principal = arrears.unpaid_principal
    case.outstanding_interest = arrears.unpaid_interest
    case.outstanding_penalty = arrears.unpaid_fee
    case.arrears_as_of = arrears.as_of


@transaction.atomic
def case_open(
    *, customer: Customer, accounts: Sequence[Account], as_of: date, actor: Any = None
) -> Case:
    """Open a delinquency episode for ``customer`` covering ``accounts``, which must be late."""
    open_case = Case.objects.filter(customer=customer, status__in=sorted(lifecycle.OPEN)).first()
    if open_case is not None:
        raise DomainError(
            "case_already_open",
            _("Customer already has an open case %(reference)s.")
            % {"reference": open_case.reference},
        )
    arrears = _arrears_for(accounts, as_of)
    if arrears.dpd == 0:
        raise DomainError("not_delinquent", _("Nothing is past due on these accounts."))
    oldest = arrears.oldest_unpaid_due or as_of  # dpd > 0 means there is an oldest unpaid due
    opened_on = oldest + timedelta(days=1)
    case = Case(
        reference=case_reference(customer_id=customer.pk, opened_on=opened_on),
        customer=customer,
        branch=accounts[0].branch,
        opened_on=opened_on,
    )
    _apply_arrears(case, arrears)
    case.save()
    case.accounts.set(accounts)
    now = timezone.now()
    StatusChange.objects.create(
        case=case, from_status="", to_status=case.status, actor=actor, at=now
    )
    Assignment.objects.create(case=case, branch=case.branch, assigned_by=actor, started_at=now)
    BucketChange.objects.create(
        case=case,
        on=as_of,
        from_bucket="",
        to_bucket=case.bucket,
        dpd=case.dpd,
        cause=BucketChange.Cause.OPENED,
        cause_date=oldest,
        cause_amount=arrears.past_due,
    )
    _ledger(
        case,
        "case.opened",
        actor,
        {
            "bucket": case.bucket,
            "dpd": case.dpd,
            "past_due": case.past_due,
            "accounts": sorted(a.external_id for a in accounts),
        },
    )
    return case


def _facts(case: Case, reason: str) -> lifecycle.Facts:
    return lifecycle.Facts(dpd=case.dpd, has_agent=case.agent_id is not None, reason=reason)


def _transition_row(case: Case, target: lifecycle.Status, actor: Any, reason: str) -> StatusChange:
    """Apply ``target`` to ``case`` (unsaved) and return the unsaved history row for it."""
    now = timezone.now()
    row = StatusChange(
        case=case,
        from_status=case.status,
        to_status=target.value,
        reason=reason,
        actor=actor,
        at=now,
    )
    case.status = target.value
    case.closed_at = now if target in lifecycle.CLOSED else None
    return row


@transaction.atomic
def case_transition(
    *, case: Case, target: str, actor: Any, reason: str = "", by_process: bool = False
) -> Case:
    """Move ``case`` to ``target`` if the lifecycle table allows it and its guard holds.
    ``by_process``: the process that owns a status reached no other way (a debt sale's
    transfer closing the case as sold) is making the change, not a person."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    try:
        wanted = lifecycle.Status(target)
    except ValueError:
        raise DomainError(
            "unknown_status",
            _("“%(status)s” is not a case status.") % {"status": target},
            field="status",
        ) from None
    if wanted in lifecycle.BY_PROCESS_ONLY and not by_process:
        raise DomainError("transition_refused", _(lifecycle.BY_SALE_ONLY), field="status")
    try:
        lifecycle.check(lifecycle.Status(case.status), wanted, _facts(case, reason))
    except lifecycle.TransitionRefused as refusal:
        field = "reason" if refusal.message == lifecycle.NEEDS_REASON else "status"
        raise DomainError(
            "transition_refused", _(refusal.message) % _labels(refusal.params), field=field
        ) from None
    previous = case.status
    _transition_row(case, wanted, actor, reason.strip()).save()
    case.save(update_fields=["status", "closed_at", "updated_at"])
    _ledger(
        case,
        "case.status_changed",
        actor,
        {"from": previous, "to": case.status, "reason_hash": _reason_hash(reason.strip())},
    )
    return case


def _labels(params: dict[str, str]) -> dict[str, str]:
    return {key: str(STATUS_LABELS[lifecycle.Status(value)]) for key, value in params.items()}


@transaction.atomic
def case_assign(
    *, case: Case, agent: StaffMember | None, actor: Any, reason: str = "", team: Team | None = None
) -> Case:
    """Give ``case`` to ``agent`` (a field or phone agent of the case's branch), closing the
    previous assignment so the history shows who held it when. A new case becomes active."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if agent is not None:
        if agent.branch_id != case.branch_id or Role(agent.role) not in FIELD_ROLES:
            raise DomainError(
                "agent_not_eligible",
                _("%(name)s is not a field or phone agent of this case's branch.")
                % {"name": agent.display_name},
                field="agent",
            )
        if not agent.is_active:
            raise DomainError(
                "agent_inactive",
                _("%(name)s is not active.") % {"name": agent.display_name},
                field="agent",
            )
        team = team or agent.team
    if team is not None and team.branch_id != case.branch_id:
        raise DomainError(
            "team_not_in_branch", _("The team is not in this case's branch."), field="team"
        )
    if agent is not None and case.agent_id == agent.pk and case.team_id == (team and team.pk):
        raise DomainError("already_assigned", _("The case is already assigned so."), field="agent")
    now = timezone.now()
    Assignment.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    Assignment.objects.create(
        case=case,
        branch_id=case.branch_id,
        team=team,
        agent=agent,
        reason=reason.strip(),
        assigned_by=actor,
        started_at=now,
    )
    case.agent = agent
    case.team = team
    fields = ["agent", "team", "updated_at"]
    _ledger(
        case,
        "case.assigned",
        actor,
        {
            "agent": agent.employee_number if agent else None,
            "team": team.pk if team else None,
            "reason_hash": _reason_hash(reason.strip()),
        },
    )
    if agent is not None and case.status == lifecycle.Status.NEW:
        # Giving a new case to an agent is what starts work on it.
        _transition_row(case, lifecycle.Status.ACTIVE, actor, reason.strip()).save()
        fields += ["status", "closed_at"]
        _ledger(
            case,
            "case.status_changed",
            actor,
            {"from": lifecycle.Status.NEW.value, "to": case.status, "reason_hash": None},
        )
    case.save(update_fields=fields)
    return case


@transaction.atomic
def case_transfer(*, case: Case, to_branch: Branch, actor: Any, reason: str) -> Case:
    """Hand the case to another branch. It arrives unassigned; both branches keep the thread."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not reason.strip():
        raise DomainError("reason_required", _("Give a reason for the transfer."), field="reason")
    if to_branch.pk == case.branch_id:
        raise DomainError(
            "same_branch", _("The case is already at this branch."), field="to_branch"
        )
    now = timezone.now()
    Transfer.objects.create(
        case=case,
        from_branch_id=case.branch_id,
        to_branch=to_branch,
        reason=reason.strip(),
        by=actor,
        at=now,
    )
    Assignment.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    Assignment.objects.create(
        case=case, branch=to_branch, reason=reason.strip(), assigned_by=actor, started_at=now
    )
    _ledger(
        case,
        "case.transferred",
        actor,
        {
            "from_branch": case.branch.code,
            "to_branch": to_branch.code,
            "reason_hash": _reason_hash(reason.strip()),
        },
    )
    case.branch = to_branch
    case.agent = None
    case.team = None
    case.save(update_fields=["branch", "agent", "team", "updated_at"])
    return case


@transaction.atomic
def case_attach(*, case: Case, staff: StaffMember, capacity: str, actor: Any) -> CaseParticipant:
    """Attach a legal or finance specialist or a complaint handler, which lets them see the case."""
    expected = {
        CaseParticipant.Capacity.LEGAL: Role.LEGAL_SPECIALIST,
        CaseParticipant.Capacity.FINANCE: Role.FINANCE_SPECIALIST,
        CaseParticipant.Capacity.COMPLAINT: Role.COMPLAINT_HANDLER,
    }
    try:
        role = expected[CaseParticipant.Capacity(capacity)]
    except ValueError:
        raise DomainError(
            "unknown_capacity",
            _("“%(value)s” is not a capacity.") % {"value": capacity},
            field="capacity",
        ) from None
    if staff.role != role:
        raise DomainError(
            "wrong_role",
            _("%(name)s does not have the role this capacity needs.")
            % {"name": staff.display_name},
            field="staff",
        )
    participant, created = CaseParticipant.objects.get_or_create(
        case=case, staff=staff, capacity=capacity, defaults={"added_by": actor}
    )
    if not created:
        raise DomainError("already_attached", _("Already attached."), field="staff")
    _ledger(
        case,
        "case.participant_added",
        actor,
        {"staff": staff.employee_number, "capacity": capacity},
    )
    return participant


@transaction.atomic
def case_add_entry(*, case: Case, author: Any, kind: str, body: str) -> Entry:
    text = body.strip()
    if not text:
        raise DomainError("body_required", _("Write something first."), field="body")
    if len(text) > 4000:
        raise DomainError("body_too_long", _("Keep it under 4,000 characters."), field="body")
    if kind not in Entry.Kind.values:
        raise DomainError("unknown_kind", _("Unknown entry kind."), field="kind")
    staff = staff_for(author)
    entry = Entry.objects.create(
        case=case,
        kind=kind,
        author=author,
        author_branch_id=staff.branch_id if staff else None,
        body=text,
        at=timezone.now(),
    )
    _ledger(case, "case.entry_added", author, {"kind": kind, "text_hash": content_hash(text)})
    return entry


REFRESH_FIELDS = [
    "dpd",
    "bucket",
    "past_due",
    "outstanding_principal",
    "outstanding_interest",
    "outstanding_penalty",
    "arrears_as_of",
    "status",
    "closed_at",
    "updated_at",
]
REFRESH_CHUNK = 500


def case_refresh_arrears(*, case: Case, as_of: date) -> Case:
    """Bring one case's arrears snapshot to ``as_of`` (see ``cases_refresh``)."""
    cases_refresh(case_ids=[case.pk], as_of=as_of)
    return Case.objects.get(pk=case.pk)


def cases_refresh(*, case_ids: Sequence[int], as_of: date) -> int:
    """Bring the arrears snapshots to ``as_of``, record each bucket move since the last
    refresh with its cause, and close as cured the cases with nothing past due.

    Works in chunks, each one transaction holding its cases' rows, reading every history in
    two queries; returns how many cases were cured.
    """
    cured = 0
    for start in range(0, len(case_ids), REFRESH_CHUNK):
        with transaction.atomic():
            cured += _refresh_chunk(case_ids[start : start + REFRESH_CHUNK], as_of)
    return cured


def cases_refresh_for_accounts(
    *, account_ids: Iterable[int], as_of: date, since: date | None = None
) -> int:
    """Refresh the open cases covering these accounts (after new payments or dues arrived);
    returns how many cases that was. Opening new cases stays the nightly sync's job.

    ``since``: the earliest value date of what arrived. When it is before a case's last
    refresh (a backdated payment or reversal), the bucket history from that day on is
    restated from the data rather than left as it was recorded."""
    ids = sorted(set(account_ids))
    case_ids: set[int] = set()
    for start in range(0, len(ids), REFRESH_CHUNK):
        case_ids.update(
            Case.accounts.through.objects.filter(
                account_id__in=ids[start : start + REFRESH_CHUNK],
                case__status__in=sorted(lifecycle.OPEN),
            ).values_list("case_id", flat=True)
        )
    with transaction.atomic():
        if since is not None:
            _restate_bucket_history(case_ids=sorted(case_ids), since=since)
        cases_refresh(case_ids=sorted(case_ids), as_of=as_of)
    return len(case_ids)


def _restate_bucket_history(*, case_ids: Sequence[int], since: date) -> None:
    """Restate each case's bucket history from ``since`` on, from the data as it now stands.

    The moves after the eve of ``since`` are dropped and the arrears date wound back to that
    eve, so the refresh that follows records them again. A ``since`` on or before the day the
    case was opened also restates the opening row (its bucket and DPD on that day). The ledger
    keeps the moves first recorded and says from which day they were restated."""
    eve = since - timedelta(days=1)
    for start in range(0, len(case_ids), REFRESH_CHUNK):
        stale = list(
            Case.objects.select_for_update()
            .filter(pk__in=case_ids[start : start + REFRESH_CHUNK], arrears_as_of__gt=eve)
            .order_by("pk")
        )
        events = []
        for case in stale:
            opening = case.bucket_changes.filter(cause=BucketChange.Cause.OPENED).first()
            begins = opening.on if opening is not None else case.opened_on
            restart = max(eve, begins)
            if opening is not None and eve < begins:
                then = _arrears_for(list(case.accounts.values_list("pk", flat=True)), begins)
                opening.to_bucket, opening.dpd = then.bucket.value, then.dpd
                opening.cause_amount = then.past_due
                opening.save(update_fields=["to_bucket", "dpd", "cause_amount"])
            removed, _kinds = (
                case.bucket_changes.filter(on__gt=restart)
                .exclude(cause=BucketChange.Cause.OPENED)
                .delete()
            )
            case.arrears_as_of = restart
            events.append(
                LedgerEvent(
                    kind="case.bucket_history_restated",
                    actor=None,
                    subject={"case": case.reference},
                    record={"from": since, "moves_replaced": removed},
                )
            )
        Case.objects.bulk_update(stale, ["arrears_as_of"])
        ledger_append_many(events)


def _refresh_chunk(case_ids: Sequence[int], as_of: date) -> int:
    cases = list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk"))
    links = Case.accounts.through.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "account_id"
    )
    accounts_of: dict[int, list[int]] = {}
    for case_id, account_id in links:
        accounts_of.setdefault(case_id, []).append(account_id)
    histories = histories_for([a for ids in accounts_of.values() for a in ids], as_of=as_of)
    moves: list[BucketChange] = []
    closures: list[StatusChange] = []
    for case in cases:
        own = [histories[a] for a in accounts_of.get(case.pk, [])]
        arrears = delinquency.combined(
            [delinquency.arrears(h.dues, h.payments, as_of) for h in own], as_of
        )
        if as_of > case.arrears_as_of:
            moves += [
                BucketChange(
                    case=case,
                    on=m.on,
                    from_bucket=m.from_bucket.value,
                    to_bucket=m.to_bucket.value,
                    dpd=m.dpd,
                    cause=m.cause.value,
                    cause_date=m.cause_date,
                    cause_amount=m.cause_amount,
                )
                for m in delinquency.bucket_moves(own, case.arrears_as_of, as_of)
            ]
        _apply_arrears(case, arrears)
        status = lifecycle.Status(case.status)
        if arrears.dpd == 0 and status in lifecycle.OPEN:
            lifecycle.check(status, lifecycle.Status.CLOSED_CURED, _facts(case, CURED_REASON))
            closures.append(
                _transition_row(case, lifecycle.Status.CLOSED_CURED, None, CURED_REASON)
            )
    now = timezone.now()
    for case in cases:
        case.updated_at = now
    Case.objects.bulk_update(cases, REFRESH_FIELDS)
    BucketChange.objects.bulk_create(moves)
    StatusChange.objects.bulk_create(closures)
    ledger_append_many(
        [_bucket_event(move) for move in moves] + [_closure_event(row) for row in closures]
    )
    return len(closures)


def _bucket_event(move: BucketChange) -> LedgerEvent:
    return LedgerEvent(
        kind="case.bucket_changed",
        actor=None,
        subject={"case": move.case.reference},
        record={
            "on": move.on,
            "from": move.from_bucket,
            "to": move.to_bucket,
            "dpd": move.dpd,
            "cause": move.cause,
            "cause_date": move.cause_date,
            "cause_amount": move.cause_amount,
        },
    )


def _closure_event(row: StatusChange) -> LedgerEvent:
    return LedgerEvent(
        kind="case.status_changed",
        actor=None,
        subject={"case": row.case.reference},
        record={
            "from": row.from_status,
            "to": row.to_status,
            "reason_hash": _reason_hash(row.reason),
        },
    )


def cases_sync(*, as_of: date, branch: Branch | None = None) -> dict[str, int]:
    """The nightly intake: refresh every open case, then open one for each customer who has a
    past-due account and no open case. Safe to run twice for the same day."""
    open_cases = Case.objects.filter(status__in=sorted(lifecycle.OPEN))
    if branch is not None:
        open_cases = open_cases.filter(branch=branch)
    case_ids = list(open_cases.order_by("pk").values_list("pk", flat=True))
    cured = cases_refresh(case_ids=case_ids, as_of=as_of)
    refreshed = len(case_ids)

    opened = joined = 0
    for accounts in _newly_late_accounts(as_of=as_of, branch=branch).values():
        existing = Case.objects.filter(
            customer_id=accounts[0].customer_id, status__in=sorted(lifecycle.OPEN)
        ).first()
        if existing is not None:
            existing.accounts.add(*accounts)
            case_refresh_arrears(case=existing, as_of=as_of)
            joined += 1
            continue
        if _arrears_for(accounts, as_of).dpd > 0:
            case_open(customer=accounts[0].customer, accounts=accounts, as_of=as_of)
            opened += 1
    return {"refreshed": refreshed, "cured": cured, "opened": opened, "joined": joined}


def _newly_late_accounts(*, as_of: date, branch: Branch | None) -> dict[int, list[Account]]:
    """Accounts with more billed-and-due than paid as of ``as_of`` and no open case, by customer.

    The sums run in the database so the nightly job reads only the few accounts that are late.
    """
    money = DecimalField(max_digits=16, decimal_places=2)
    billed = (
        Statement.objects.filter(account=OuterRef("pk"), due_date__lt=as_of)
        .order_by()
        .values("account")
        .annotate(total=Sum(F("principal_due") + F("interest_due") + F("fee_due")))
        .values("total")
    )
    paid = (
        Payment.objects.filter(account=OuterRef("pk"), paid_on__lte=as_of)
        .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    covered = Case.objects.filter(accounts=OuterRef("pk"), status__in=sorted(lifecycle.OPEN))
    late = (
        # A sold debt is the buyer's: the bank opens no case on it again.
        Account.objects.exclude(status__in=[Account.Status.CLOSED, Account.Status.SOLD])
        .annotate(
            billed=Coalesce(
                Subquery(billed, output_field=money), Value(Decimal(0)), output_field=money
            ),
            paid=Coalesce(
                Subquery(paid, output_field=money), Value(Decimal(0)), output_field=money
            ),
        )
        # At least a cent past due: SQLite sums decimals as floats, so an exact comparison
        # would call accounts paid to the cent late.
        .filter(billed__gt=F("paid") + Value(HALF_CENT))
        .filter(~Exists(covered))
    )
    if branch is not None:
        late = late.filter(branch=branch)
    by_customer: dict[int, list[Account]] = {}
    for account in late.select_related("branch", "customer").order_by("customer_id", "pk"):
        by_customer.setdefault(account.customer_id, []).append(account)
    return by_customer
