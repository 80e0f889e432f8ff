"""Write-off (核销): proposal, the credit committee's approval, the accounting record, the
recoveries that follow, and the reconciliation of it all with the accounts.

A proposal computes, per account, the unpaid principal, interest and fees from the account's
own statements and payments as of the case's arrears date (so the write-off equals what the
case shows), and asks the credit committee through the approvals service. When the committee
approves, in the same transaction, the write-off is booked: its lines are the accounting
record, the accounts become ``charged_off`` and the case closes ``closed_written_off`` through
the case lifecycle (at least 180 days past due). Collections may go on: payments on a
charged-off account after the booking are recoveries, counted apart.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.agencies.models import WriteOff, WriteOffLine
from doorstep.cases import services as case_services
from doorstep.cases.delinquency import arrears
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.cases.selectors import case_visible
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.services import ledger_append
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.oversight.services import approval_request
from doorstep.portfolio.models import Account, Payment
from doorstep.portfolio.selectors import histories_for
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

KIND = "agencies.write_off"
COMMITTEE = "credit-committee"
MIN_DPD = 180
PROPOSER_ROLES = frozenset(
    {
        Role.COLLECTIONS_MANAGER,
        Role.BRANCH_ADMIN,
        Role.FINANCE_SPECIALIST,
        Role.HEAD_OFFICE_ADMIN,
    }
)
REPORT_ROLES = PROPOSER_ROLES | {Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR}
ZERO = Decimal("0.00")
WRITABLE = frozenset({CaseStatus.ACTIVE.value, CaseStatus.LEGAL.value})


class WriteOffRefused(DomainError):
    status = 403


def register_approval_kind() -> None:
    register(
        ApprovalKind(
            code=KIND,
            label=gettext_lazy("Write-off of a case"),
            routes=(Route(committee=COMMITTEE),),
            on_approve=_booked,
            on_reject=_rejected,
        )
    )


@dataclass(frozen=True)
class LineAmounts:
    account: Account
    principal: Decimal
    interest: Decimal
    fees: Decimal


def amounts(*, case: Case, as_of: date) -> list[LineAmounts]:
    """What is unpaid on each account of ``case`` as of ``as_of``, from its own history."""
    accounts = list(case.accounts.order_by("pk"))
    histories = histories_for([a.pk for a in accounts], as_of=as_of)
    lines = []
    for account in accounts:
        history = histories[account.pk]
        owed = arrears(history.dues, history.payments, as_of)
        lines.append(
            LineAmounts(account, owed.unpaid_principal, owed.unpaid_interest, owed.unpaid_fee)
        )
    return lines


def _reference() -> str:
    stamp = timezone.localdate().strftime("%y%m%d")
    while True:
        reference = f"WO{stamp}-{secrets.token_hex(3).upper()}"
        if not WriteOff.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def writeoff_propose(*, actor: Any, case: Case, reason: str) -> WriteOff:
    """Propose writing off ``case`` (loaded through ``cases.selectors``) and ask the credit
    committee. The case must be active or legal and at least 180 days past due."""
    staff = staff_for(actor)
    if staff is None or staff.role not in PROPOSER_ROLES:
        raise WriteOffRefused("forbidden", _("Your role may not propose a write-off."))
    if not case_visible(user=actor).filter(pk=case.pk).exists():
        raise WriteOffRefused("forbidden", _("Your role may not propose a write-off."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    text = (reason or "").strip()
    if not text:
        raise DomainError("reason_required", _("Say why the debt is written off."), field="reason")
    if case.status not in WRITABLE:
        raise DomainError(
            "not_writable",
            _("Only an active case or a case in legal proceedings can be written off."),
        )
    if case.dpd < MIN_DPD:
        raise DomainError(
            "too_early",
            _("A case is written off at %(n)d days past due at the earliest.") % {"n": MIN_DPD},
        )
    if WriteOff.objects.filter(case=case, status=WriteOff.Status.PROPOSED).exists():
        raise ConflictError("already_proposed", _("A write-off of this case is already proposed."))
    lines = amounts(case=case, as_of=case.arrears_as_of)
    now = timezone.now()
    write_off = WriteOff.objects.create(
        reference=_reference(),
        case=case,
        principal=sum((line.principal for line in lines), ZERO),
        interest=sum((line.interest for line in lines), ZERO),
        fees=sum((line.fees for line in lines), ZERO),
        reason=text[:2000],
        as_of=case.arrears_as_of,
        proposed_by=actor,
        proposed_at=now,
    )
    WriteOffLine.objects.bulk_create(
        WriteOffLine(
            write_off=write_off,
            account=line.account,
            principal=line.principal,
            interest=line.interest,
            fees=line.fees,
        )
        for line in lines
    )
    if write_off.total <= ZERO:
        raise DomainError("nothing_owed", _("Nothing is unpaid on this case."))
    write_off.approval = approval_request(
        kind=KIND,
        subject=write_off,
        summary=_("Write off %(case)s: %(total)s")
        % {"case": case.reference, "total": f"{write_off.total:.2f}"},
        payload={
            "write_off": write_off.reference,
            "case": case.reference,
            "principal": str(write_off.principal),
            "interest": str(write_off.interest),
            "fees": str(write_off.fees),
        },
        requested_by=actor,
        reason=text,
        branch=case.branch,
        amount=write_off.total,
    )
    write_off.save(update_fields=["approval"])
    ledger_append(
        kind="writeoff.proposed",
        actor=actor,
        subject={"case": case.reference, "write_off": write_off.reference},
        record=_record(write_off),
        at=now,
    )
    return write_off


def _record(write_off: WriteOff) -> dict[str, Any]:
    return {
        "as_of": write_off.as_of.isoformat(),
        "principal": str(write_off.principal),
        "interest": str(write_off.interest),
        "fees": str(write_off.fees),
        "lines": [
            {
                "account": line.account.external_id,
                "principal": str(line.principal),
                "interest": str(line.interest),
                "fees": str(line.fees),
            }
            for line in write_off.lines.select_related("account")
        ],
    }


def _subject(request: ApprovalRequest) -> WriteOff:
    return WriteOff.objects.select_for_update().select_related("case").get(pk=request.subject_id)


def _booked(request: ApprovalRequest) -> None:
    """The committee approved: book the write-off, charge the accounts off, close the case."""
    write_off = _subject(request)
    vote = request.votes.filter(approve=True).order_by("-at", "-pk").first()
    approver = vote.voter if vote is not None else request.requested_by
    now = timezone.now()
    case_services.case_transition(
        case=write_off.case,
        target=CaseStatus.CLOSED_WRITTEN_OFF.value,
        actor=approver,
        reason=_("Write-off %(reference)s approved by the credit committee.")
        % {"reference": write_off.reference},
    )
    Account.objects.filter(pk__in=write_off.lines.values("account_id")).update(
        status=Account.Status.CHARGED_OFF, updated_at=now
    )
    write_off.status = WriteOff.Status.BOOKED
    write_off.booked_at = now
    write_off.save(update_fields=["status", "booked_at"])
    ledger_append(
        kind="writeoff.booked",
        actor=approver,
        subject={"case": write_off.case.reference, "write_off": write_off.reference},
        record=_record(write_off),
        at=now,
    )


def _rejected(request: ApprovalRequest) -> None:
    write_off = _subject(request)
    write_off.status = WriteOff.Status.REJECTED
    write_off.save(update_fields=["status"])


@dataclass(frozen=True)
class AccountReconciliation:
    account: str
    written_off: Decimal  # booked on this account's lines
    owed_at_booking: Decimal  # recomputed from the account's statements and payments
    recovered: Decimal  # payments after the booking
    status: str
    matches: bool


@dataclass(frozen=True)
class Reconciliation:
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal
    lines_total: Decimal
    recovered: Decimal
    accounts: list[AccountReconciliation]
    charged_off_without_write_off: list[str]

    @property
    def balanced(self) -> bool:
        return (
            self.total == self.lines_total
            and all(a.matches for a in self.accounts)
            and not self.charged_off_without_write_off
        )


def recoveries(*, account_ids: list[int], after: dict[int, date]) -> dict[int, Decimal]:
    """Payments (not reversed) on each account with a value date after its write-off date."""
    found: dict[int, Decimal] = dict.fromkeys(account_ids, ZERO)
    for account_id, paid_on, amount in Payment.objects.filter(
        account_id__in=account_ids, reversed_on__isnull=True
    ).values_list("account_id", "paid_on", "amount"):
        if paid_on > after[account_id]:
            found[account_id] += amount
    return found


def reconciliation(*, user: Any) -> Reconciliation:
    """Booked write-offs against the accounts: the totals equal the lines; each line equals
    what the account's own history says was unpaid on the write-off date; every charged-off
    account has a booked write-off; payments since are recoveries, counted apart."""
    staff = staff_for(user)
    if staff is None or staff.role not in REPORT_ROLES:
        raise WriteOffRefused("forbidden", _("Your role may not see write-offs."))
    booked = WriteOff.objects.filter(status=WriteOff.Status.BOOKED)
    totals = booked.aggregate(p=Sum("principal"), i=Sum("interest"), f=Sum("fees"))
    lines = list(
        WriteOffLine.objects.filter(write_off__in=booked).select_related("account", "write_off")
    )
    as_of = {line.account_id: line.write_off.as_of for line in lines}
    histories = histories_for(list(as_of))
    recovered = recoveries(account_ids=list(as_of), after=as_of)
    accounts = []
    for line in lines:
        history = histories[line.account_id]
        day = line.write_off.as_of
        dues = [due for due in history.dues if due.billed_on <= day]
        paid = [p for p in history.payments if p.paid_on <= day]
        owed = arrears(dues, paid, day)
        owed_total = owed.unpaid_principal + owed.unpaid_interest + owed.unpaid_fee
        accounts.append(
            AccountReconciliation(
                account=line.account.external_id,
                written_off=line.total,
                owed_at_booking=owed_total,
                recovered=recovered[line.account_id],
                status=line.account.status,
                matches=owed_total == line.total
                and line.account.status == Account.Status.CHARGED_OFF,
            )
        )
    orphans = sorted(
        Account.objects.filter(status=Account.Status.CHARGED_OFF)
        .exclude(pk__in=list(as_of))
        .values_list("external_id", flat=True)
    )
    principal = totals["p"] or ZERO
    interest = totals["i"] or ZERO
    fees = totals["f"] or ZERO
    return Reconciliation(
        principal=principal,
        interest=interest,
        fees=fees,
        total=principal + interest + fees,
        lines_total=sum((line.total for line in lines), ZERO),
        recovered=sum(recovered.values(), ZERO),
        accounts=sorted(accounts, key=lambda a: a.account),
        charged_off_without_write_off=orphans,
    )
