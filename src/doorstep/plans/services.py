"""Every write of the plans app: policy changes, offers, acceptance, promises, payment posting.

Each public function is one transaction that makes the change, writes its history and appends
its ledger entry (public ids, amounts and hashes only; never a name, ID number or phone).
Payments on a case's accounts are replayed over its live plans and promises after every
posting or reversal (``allocation.allocate``), and the case's DPD and bucket are refreshed in
the same transaction, so a backdated payment or a reversal leaves every derived figure exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases import services as case_services
from doorstep.cases.delinquency import Bucket
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.compliance.models import ContactEvent
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.selectors import calendar_in_force
from doorstep.compliance.services import (
    contact_allowed,
    contact_decide,
    contact_record,
    limitation_event_add,
)
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.plans import allocation, letters
from doorstep.plans.lifecycle import (
    LIVE,
    PlanStatus,
    PlanTransitionRefused,
    PromiseStatus,
    check_plan,
    promise_outcome,
)
from doorstep.plans.models import (
    Allocation,
    Instalment,
    Letter,
    Plan,
    PlanPolicy,
    Promise,
    PromiseReminder,
)
from doorstep.plans.policy import (
    Level,
    Policy,
    PolicyError,
    parse_policy,
    policy_breaches,
    required_level,
)
from doorstep.plans.schedule import Schedule, Terms, TermsError, build_schedule
from doorstep.plans.selectors import LEVELS, case_account, case_debt, policy_in_force
from doorstep.portfolio.models import Account, Payment, Phone
from doorstep.portfolio.selectors import IMPORT_ROLES
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

POLICY_KIND = "plans.policy_change"
OFFER_KINDS = {Level.MANAGER: "plans.offer_manager", Level.COMMITTEE: "plans.offer_committee"}
COMMITTEE = "credit-committee"
POLICY_ROLES = frozenset({Role.HEAD_OFFICE_ADMIN, Role.COLLECTIONS_MANAGER})
PROMISE_MAX_DAYS = 30
OFFERABLE_CASE = frozenset({CaseStatus.ACTIVE, CaseStatus.PROMISED})
ACCEPT_VIA = ("in_person", "self_service")
REPLAY_LOOKUP_BATCH = 500


class PlanRefused(DomainError):
    status = 403


def _today() -> date:
    return timezone.localdate()


def _subject(case: Case, **ids: str | int) -> dict[str, str | int]:
    return {"case": case.reference, **ids}


# ---------------------------------------------------------------------------------------------
# Policy


@transaction.atomic
def policy_propose(
    *,
    product: str,
    bucket: str,
    effective_from: date,
    rules: dict[str, Any],
    actor: Any,
    reason: str,
    on: date | None = None,
) -> PlanPolicy:
    """Propose a new version of the policy for ``product``/``bucket`` (blank: any). It is in
    force only once a head-office administrator other than the proposer approves it."""
    staff = staff_for(actor)
    if staff is None or staff.role not in POLICY_ROLES:
        raise PlanRefused("not_allowed", _("Only managers and head office propose policies."))
    if product and product not in Account.Product.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a product.") % {"value": product},
            field="product",
        )
    if bucket and bucket not in [b.value for b in Bucket]:
        raise DomainError(
            "invalid_choice", _("“%(value)s” is not a bucket.") % {"value": bucket}, field="bucket"
        )
    try:
        parse_policy(rules)
    except PolicyError as error:
        raise DomainError(
            "invalid_policy",
            _("%(name)s is not valid: %(problem)s")
            % {"name": error.field, "problem": _(error.problem)},
            field=f"rules.{error.field}",
        ) from None
    if effective_from < (on or _today()):
        raise DomainError(
            "in_the_past", _("A policy cannot take effect in the past."), field="effective_from"
        )
    latest = PlanPolicy.objects.filter(product=product, bucket=bucket).aggregate(v=Max("version"))
    row = PlanPolicy.objects.create(
        product=product,
        bucket=bucket,
        version=(latest["v"] or 0) + 1,
        effective_from=effective_from,
        rules=rules,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    approval_request(
        kind=POLICY_KIND,
        subject=row,
        summary=_("Repayment policy %(scope)s version %(version)d")
        % {"scope": f"{product or '*'}/{bucket or '*'}", "version": row.version},
        payload={"product": product, "bucket": bucket, "rules": rules, "from": str(effective_from)},
        requested_by=actor,
        reason=reason,
    )
    return row


def _policy_decided(request: ApprovalRequest, status: PlanPolicy.Status) -> None:
    row = PlanPolicy.objects.select_for_update().get(pk=request.subject_id)
    row.status = status.value
    row.decided_at = timezone.now()
    row.save(update_fields=["status", "decided_at"])
    ledger_append(
        kind=f"plan_policy.{status.value}",
        actor=None,
        subject={"plan_policy": row.pk},
        record={
            "product": row.product,
            "bucket": row.bucket,
            "version": row.version,
            "effective_from": row.effective_from,
            "rules_hash": content_hash(row.rules),
            "approval": request.pk,
        },
    )


def policy_approved(request: ApprovalRequest) -> None:
    _policy_decided(request, PlanPolicy.Status.APPROVED)


def policy_rejected(request: ApprovalRequest) -> None:
    _policy_decided(request, PlanPolicy.Status.REJECTED)


# ---------------------------------------------------------------------------------------------
# Offers


def _terms_json(terms: Terms) -> dict[str, Any]:
    return {key: str(value) for key, value in asdict(terms).items()}


def _schedule_for(case: Case, terms: Terms, on: date) -> tuple[PlanPolicy | None, Policy, Schedule]:
    account = case_account(case)
    row, policy = policy_in_force(product=account.product, bucket=case.bucket, on=on)
    try:
        schedule = build_schedule(
            case_debt(case),
            terms,
            start=on,
            due_day=account.due_day,
            rest_days=calendar_in_force(),
            rule=policy.roll,
        )
    except TermsError as error:
        raise DomainError("invalid_terms", _(error.message), field=error.field) from None
    breaches = policy_breaches(policy, schedule)
    if breaches:
        first = breaches[0]
        raise DomainError("outside_policy", _(first.message) % first.params, field=first.field)
    return row, policy, schedule


def _transition(plan: Plan, target: PlanStatus) -> None:
    try:
        check_plan(PlanStatus(plan.status), target)
    except PlanTransitionRefused as refused:
        raise ConflictError(
            "plan_transition_refused",
            _("A plan cannot move from %(current)s to %(target)s.")
            % {"current": refused.current.value, "target": refused.target.value},
        ) from None
    plan.status = target.value


def _plan_event(plan: Plan, kind: str, actor: Any, **record: Any) -> None:
    ledger_append(
        kind=f"plan.{kind}",
        actor=actor,
        subject=_subject(plan.case, plan=plan.pk),
        record={"status": plan.status, **record},
    )


@transaction.atomic
def plan_offer(
    *, case: Case, terms: Terms, actor: Any, reason: str = "", on: date | None = None
) -> Plan:
    """Offer ``terms`` on ``case``. Within the actor's authority the offer goes to the debtor
    at once; beyond it, it waits for the right approver (a manager of the case's branch, or the
    credit committee) and cannot be accepted until approved. Terms the policy forbids for
    everyone are refused here with the term named."""
    on = on or _today()
    staff = staff_for(actor)
    level = LEVELS.get(staff.role) if staff is not None else None
    if level is None:
        raise PlanRefused("not_allowed", _("Only agents and managers offer repayment plans."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if CaseStatus(case.status) not in OFFERABLE_CASE:
        raise ConflictError(
            "case_not_workable",
            _("A plan is offered on a case being worked (active or promised)."),
            field="case",
        )
    row, policy, schedule = _schedule_for(case, terms, on)
    needed = required_level(policy, terms)
    needs_approval = needed > level
    if needs_approval and not reason.strip():
        raise DomainError(
            "reason_required",
            _("These terms need approval; say why the debtor needs them."),
            field="reason",
        )
    plan = Plan.objects.create(
        case=case,
        plan_type=terms.plan_type.value,
        status=(PlanStatus.PENDING_APPROVAL if needs_approval else PlanStatus.OFFERED).value,
        terms=_terms_json(terms),
        policy=row,
        allocation_order=list(policy.allocation_order),
        grace_days=policy.grace_days,
        debt_principal=schedule.debt.principal,
        debt_interest=schedule.debt.interest,
        debt_penalty=schedule.debt.penalty,
        waived=schedule.waived,
        new_interest=schedule.new_interest,
        fees=schedule.fees,
        total=schedule.total,
        required_level=int(needed),
        offered_by=actor,
        offered_at=timezone.now(),
        starts_on=on,
    )
    Instalment.objects.bulk_create(
        Instalment(
            plan=plan,
            number=i.number,
            due_date=i.due_date,
            fee=i.fee,
            penalty=i.penalty,
            interest=i.interest,
            principal=i.principal,
        )
        for i in schedule.instalments
    )
    if needs_approval:
        plan.approval = approval_request(
            kind=OFFER_KINDS[needed],
            subject=plan,
            summary=_("%(type)s over %(months)d months on case %(case)s, %(waived)s waived")
            % {
                "type": plan.get_plan_type_display(),
                "months": terms.months,
                "case": case.reference,
                "waived": f"{schedule.waived:.2f}",
            },
            payload={
                "case": case.reference,
                "terms": plan.terms,
                "total": f"{schedule.total:.2f}",
                "waived": f"{schedule.waived:.2f}",
            },
            requested_by=actor,
            reason=reason,
            branch=case.branch,
            amount=schedule.waived,
        )
        plan.save(update_fields=["approval"])
    _plan_event(
        plan,
        "offered",
        actor,
        plan_type=plan.plan_type,
        months=terms.months,
        total=schedule.total,
        waived=schedule.waived,
        required_level=needed.name.lower(),
        policy=row.pk if row else None,
        approval=plan.approval_id,
    )
    return plan


def offer_approved(request: ApprovalRequest) -> None:
    plan = Plan.objects.select_related("case").select_for_update().get(pk=request.subject_id)
    _transition(plan, PlanStatus.OFFERED)
    plan.save(update_fields=["status"])
    _plan_event(plan, "approved", None, approval=request.pk)


def offer_rejected(request: ApprovalRequest) -> None:
    plan = Plan.objects.select_related("case").select_for_update().get(pk=request.subject_id)
    _transition(plan, PlanStatus.REJECTED)
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "ended_at"])
    _plan_event(plan, "rejected", None, approval=request.pk)


@transaction.atomic
def plan_accept(
    *, plan: Plan, actor: Any, via: str, signature: str = "", on: date | None = None
) -> Plan:
    """The debtor accepts: in person (with the signature captured in the field app; only its
    hash is kept here) or in the self-service assistant. The plan becomes active, the case
    moves to "in a plan", other open offers are withdrawn, and the acceptance is recorded as
    an acknowledgement that interrupts limitation on every account of the case (CN-LIM-03)."""
    on = on or _today()
    if via not in ACCEPT_VIA:
        raise DomainError(
            "invalid_choice", _("Accepted in person or in the self-service assistant."), field="via"
        )
    if via == "in_person" and not signature.strip():
        raise DomainError(
            "signature_required",
            _("An acceptance in person needs the debtor's signature."),
            field="signature",
        )
    plan = Plan.objects.select_related("case").select_for_update().get(pk=plan.pk)
    _transition(plan, PlanStatus.ACTIVE)
    case = plan.case
    if Plan.objects.filter(case=case, status=PlanStatus.ACTIVE.value).exists():
        raise ConflictError("plan_active", _("The case already has an active plan."))
    plan.accepted_at = timezone.now()
    plan.accepted_via = via
    plan.signature_hash = content_hash(signature) if signature else ""
    plan.save(update_fields=["status", "accepted_at", "accepted_via", "signature_hash"])
    for other in Plan.objects.filter(case=case, status=PlanStatus.OFFERED.value).exclude(
        pk=plan.pk
    ):
        _transition(other, PlanStatus.WITHDRAWN)
        other.ended_at = plan.accepted_at
        other.save(update_fields=["status", "ended_at"])
        _plan_event(other, "withdrawn", actor, replaced_by=plan.pk)
    if CaseStatus(case.status) in OFFERABLE_CASE:
        case_services.case_transition(
            case=case,
            target=CaseStatus.IN_PLAN.value,
            actor=actor,
            reason=_("Repayment plan %(plan)d accepted") % {"plan": plan.pk},
        )
    for account in case.accounts.order_by("pk"):
        limitation_event_add(
            account=account,
            kind="plan",
            on=on,
            source=_("Repayment plan %(plan)d accepted (%(via)s)") % {"plan": plan.pk, "via": via},
            actor=actor,
        )
    _plan_event(plan, "accepted", actor, via=via, signature_hash=plan.signature_hash or None)
    _replay_plan(plan, actor)
    return plan


# ---------------------------------------------------------------------------------------------
# Replaying payments


def _counting_payments(case: Case, since: date) -> list[Payment]:
    return list(
        Payment.objects.filter(
            account__in=case.accounts.all(), paid_on__gte=since, reversed_on__isnull=True
        ).order_by("paid_on", "pk")
    )


def _replay_plan(plan: Plan, actor: Any) -> None:
    """Re-derive what every payment since the plan started paid of its instalments."""
    instalments = list(plan.instalments.order_by("number"))
    obligations = [
        allocation.Obligation(
            str(i.pk),
            i.due_date,
            {"fee": i.fee, "penalty": i.penalty, "interest": i.interest, "principal": i.principal},
        )
        for i in instalments
    ]
    payments = {str(p.pk): p for p in _counting_payments(plan.case, plan.starts_on)}
    result = allocation.allocate(
        obligations,
        [allocation.Receipt(key, p.paid_on, p.amount) for key, p in payments.items()],
        plan.allocation_order,
    )
    Allocation.objects.filter(plan=plan, reversed_on__isnull=True).delete()
    Allocation.objects.bulk_create(
        Allocation(
            plan=plan,
            instalment_id=int(a.obligation),
            payment=payments[a.payment],
            part=a.part,
            amount=a.amount,
            paid_on=a.paid_on,
        )
        for a in result.applied
    )
    changed = []
    for i in instalments:
        paid, settled = result.paid(str(i.pk)), result.settled_on[str(i.pk)]
        if (paid, settled) != (i.paid, i.settled_on):
            i.paid, i.settled_on = paid, settled
            changed.append(i)
    Instalment.objects.bulk_update(changed, ["paid", "settled_on"])
    all_paid = all(i.settled_on is not None for i in instalments)
    status = PlanStatus(plan.status)
    if status is PlanStatus.ACTIVE and all_paid:
        _transition(plan, PlanStatus.COMPLETED)
        plan.ended_at = timezone.now()
    elif status is PlanStatus.COMPLETED and not all_paid:
        _transition(plan, PlanStatus.ACTIVE)
        plan.ended_at = None
    else:
        return
    plan.save(update_fields=["status", "ended_at"])
    _plan_event(plan, "completed" if all_paid else "reopened", actor)


def _paid_towards(promise: Promise) -> Decimal:
    total = Payment.objects.filter(
        account__in=promise.case.accounts.all(),
        paid_on__gte=promise.taken_on,
        paid_on__lte=promise.due_on,
        reversed_on__isnull=True,
    ).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def _judge(promise: Promise, on: date, actor: Any) -> bool:
    """Set the promise's outcome from the payments counting now; True if it changed."""
    paid = _paid_towards(promise)
    outcome = promise_outcome(amount=promise.amount, paid=paid)
    waiting = promise.status == PromiseStatus.OPEN.value and promise.due_on >= on
    if waiting and outcome is not PromiseStatus.KEPT:
        # Its date has not passed: only what was paid so far changes; the nightly judges it.
        if paid != promise.paid:
            promise.paid = paid
            promise.save(update_fields=["paid"])
        return False
    if (outcome.value, paid) == (promise.status, promise.paid):
        return False
    previous = promise.status
    promise.status, promise.paid, promise.evaluated_on = outcome.value, paid, on
    promise.save(update_fields=["status", "paid", "evaluated_on"])
    ledger_append(
        kind="promise.evaluated",
        actor=actor,
        subject=_subject(promise.case, promise=promise.pk),
        record={"from": previous, "to": outcome.value, "paid": paid, "amount": promise.amount},
    )
    return True


def _replay_case(case: Case, on: date, actor: Any) -> None:
    for plan in case.plans.filter(status__in=sorted(LIVE)).select_related("case"):
        _replay_plan(plan, actor)
    for promise in case.promises.select_related("case").order_by("pk"):
        _judge(promise, on, actor)


# ---------------------------------------------------------------------------------------------
# Payments


def _check_poster(actor: Any, account: Account) -> None:
    staff = staff_for(actor)
    if staff is None or staff.role not in IMPORT_ROLES:
        raise PermissionDenied
    if staff.role != Role.HEAD_OFFICE_ADMIN and staff.branch_id != account.branch_id:
        raise PermissionDenied


@transaction.atomic
def plans_replay_accounts(*, account_ids: Iterable[int], on: date, actor: Any = None) -> int:
    """Re-derive the plans and promises of every case covering these accounts from the
    payments on file; returns how many cases. For payments that arrive another way (the
    portfolio import calls this in its transaction, before its case refresh)."""
    ids = sorted(set(account_ids))
    done: set[int] = set()
    for start in range(0, len(ids), REPLAY_LOOKUP_BATCH):
        # Only cases with something to re-derive: a live plan or a promise.
        cases = (
            Case.objects.filter(accounts__in=ids[start : start + REPLAY_LOOKUP_BATCH])
            .filter(Q(plans__status__in=sorted(LIVE)) | Q(promises__isnull=False))
            .distinct()
            .order_by("pk")
        )
        for case in cases:
            if case.pk in done:
                continue  # a case of several accounts, met in an earlier batch
            _replay_case(case, on, actor)
            done.add(case.pk)
    return len(done)


def _after_payment_change(account: Account, on: date, actor: Any, *, since: date) -> None:
    """``since``: the payment's value date or the reversal's date; when it is in the past the
    case's bucket history from then on is restated."""
    plans_replay_accounts(account_ids=[account.pk], on=on, actor=actor)
    case_services.cases_refresh_for_accounts(account_ids=[account.pk], as_of=on, since=since)


@transaction.atomic
def payment_post(
    *,
    account: Account,
    external_id: str,
    paid_on: date,
    amount: Decimal,
    channel: str,
    actor: Any,
    on: date | None = None,
) -> tuple[Payment, bool]:
    """Post a payment by its transaction id; posting the same one again changes nothing and
    answers ``created=False``, a different payment under a known id is a conflict. The payment
    is allocated to the live plans and promises of the account's cases and their DPD and
    bucket refreshed, all in this transaction; a value date in the past (backdated) is placed
    where it belongs."""
    on = on or _today()
    _check_poster(actor, account)
    external_id = external_id.strip()
    if not external_id or len(external_id) > 40:
        raise DomainError(
            "invalid_transaction_id",
            _("A transaction id of 1 to 40 characters."),
            field="external_id",
        )
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("invalid_amount", _("An amount above zero, in cents."), field="amount")
    if paid_on > on:
        raise DomainError(
            "future_date", _("A value date cannot be in the future."), field="paid_on"
        )
    if channel not in Payment.Channel.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a channel.") % {"value": channel},
            field="channel",
        )
    stored = Payment.objects.select_for_update().filter(external_id=external_id).first()
    if stored is not None:
        same = (stored.account_id, stored.paid_on, stored.amount, stored.channel) == (
            account.pk,
            paid_on,
            amount,
            channel,
        )
        if not same:
            raise ConflictError(
                "payment_conflict",
                _("Transaction %(id)s is already posted with other details.") % {"id": external_id},
                field="external_id",
            )
        return stored, False
    payment = Payment.objects.create(
        account=account, external_id=external_id, paid_on=paid_on, amount=amount, channel=channel
    )
    ledger_append(
        kind="payment.posted",
        actor=actor,
        subject={"account": account.external_id, "payment": external_id},
        record={"amount": amount, "paid_on": paid_on, "channel": channel},
    )
    _after_payment_change(account, on, actor, since=paid_on)
    return payment, True


@transaction.atomic
def payment_reverse(
    *, payment: Payment, reversed_on: date, actor: Any, reason: str, on: date | None = None
) -> Payment:
    """Reverse a payment (returned, charged back). What it paid is re-opened: its allocation
    rows stay, marked reversed, and the remaining payments are replayed without it."""
    on = on or _today()
    payment = Payment.objects.select_for_update().select_related("account").get(pk=payment.pk)
    _check_poster(actor, payment.account)
    if payment.reversed_on is not None:
        raise ConflictError(
            "already_reversed",
            _("This payment was already reversed on %(day)s.") % {"day": payment.reversed_on},
        )
    if not payment.paid_on <= reversed_on <= on:
        raise DomainError(
            "invalid_date",
            _("A reversal falls between the value date and today."),
            field="reversed_on",
        )
    if not reason.strip():
        raise DomainError("reason_required", _("Say why the payment is reversed."), field="reason")
    payment.reversed_on = reversed_on
    payment.save(update_fields=["reversed_on"])
    Allocation.objects.filter(payment=payment, reversed_on__isnull=True).update(
        reversed_on=reversed_on
    )
    ledger_append(
        kind="payment.reversed",
        actor=actor,
        subject={"account": payment.account.external_id, "payment": payment.external_id},
        record={
            "amount": payment.amount,
            "paid_on": payment.paid_on,
            "reversed_on": reversed_on,
            "reason_hash": content_hash(reason.strip()),
        },
    )
    _after_payment_change(payment.account, on, actor, since=reversed_on)
    return payment


# ---------------------------------------------------------------------------------------------
# Promises


@transaction.atomic
def promise_take(
    *,
    case: Case,
    amount: Decimal,
    due_on: date,
    channel: str,
    actor: Any,
    on: date | None = None,
) -> Promise:
    """Record the debtor's promise to pay ``amount`` by ``due_on`` (within 30 days). A case
    being worked moves to "promised"; a case in a plan keeps its status."""
    on = on or _today()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ConflictError("case_closed", _("The case is closed."), field="case")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("invalid_amount", _("An amount above zero, in cents."), field="amount")
    if case.outstanding_total and amount > case.outstanding_total:
        raise DomainError(
            "more_than_owed",
            _("The promise is more than the %(owed)s owed.")
            % {"owed": f"{case.outstanding_total:.2f}"},
            field="amount",
        )
    if not on <= due_on <= on + timedelta(days=PROMISE_MAX_DAYS):
        raise DomainError(
            "invalid_date",
            _("The promised date is from today to %(days)d days ahead.")
            % {"days": PROMISE_MAX_DAYS},
            field="due_on",
        )
    if channel not in Promise.Channel.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a channel.") % {"value": channel},
            field="channel",
        )
    promise = Promise.objects.create(
        case=case,
        amount=amount,
        due_on=due_on,
        channel=channel,
        taken_by=actor,
        taken_on=on,
        taken_at=timezone.now(),
    )
    ledger_append(
        kind="promise.taken",
        actor=actor,
        subject=_subject(case, promise=promise.pk),
        record={"amount": amount, "due_on": due_on, "channel": channel},
    )
    if case.status == CaseStatus.ACTIVE.value:
        case_services.case_transition(
            case=case,
            target=CaseStatus.PROMISED.value,
            actor=actor,
            reason=_("Promise to pay %(amount)s by %(day)s")
            % {"amount": f"{amount:.2f}", "day": due_on},
        )
    return promise


# ---------------------------------------------------------------------------------------------
# Nightly


def promises_evaluate(*, as_of: date) -> dict[str, int]:
    """Judge every open promise whose date has passed (kept, partly kept, broken) from the
    payments counting now; a promised case with no open promise left goes back to active.
    Safe to run twice: a judged promise is not open any more."""
    counts = {status.value: 0 for status in PromiseStatus if status is not PromiseStatus.OPEN}
    due = Promise.objects.filter(status=PromiseStatus.OPEN.value, due_on__lt=as_of)
    for pk in due.order_by("due_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            promise = Promise.objects.select_for_update().select_related("case").get(pk=pk)
            if promise.status != PromiseStatus.OPEN.value:
                continue
            _judge(promise, as_of, None)
            counts[promise.status] += 1
            case = promise.case
            still_open = case.promises.filter(status=PromiseStatus.OPEN.value).exists()
            if case.status == CaseStatus.PROMISED.value and not still_open:
                case_services.case_transition(
                    case=case,
                    target=CaseStatus.ACTIVE.value,
                    actor=None,
                    reason=_("Promise to pay %(outcome)s")
                    % {"outcome": promise.get_status_display().lower()},
                )
    return counts


REMINDER_DAYS_BEFORE = 1
"""A promise is reminded this many days before its date (or later, up to the day before, if
the daily run missed a day)."""
REMINDER_UNCONFIRMED = "unconfirmed"
"""The error of a reminder handed to the gateway whose answer was never recorded."""


def _mobile(customer_id: int) -> str | None:
    """The number an SMS goes to: the primary first, never one known to be wrong or dead."""
    phone = (
        Phone.objects.filter(customer_id=customer_id)
        .exclude(
            verification__in=[Phone.Verification.WRONG_NUMBER, Phone.Verification.DISCONNECTED]
        )
        .order_by("-is_primary", "id")
        .first()
    )
    return phone.number if phone is not None else None


def _reminder_text(promise: Promise) -> str:
    texts = letters.load_texts()
    language = "zh-hans" if settings.LANGUAGE_CODE.startswith("zh") else "en"
    return str(texts["promise_reminder"][language]) % {
        "bank": texts["bank"][language],
        "amount": f"{promise.amount:.2f}",
        "day": promise.due_on.isoformat(),
    }


def _reminder_delivered(reminder: PromiseReminder, at: datetime, delivered: bool) -> None:
    reminder.status = (
        PromiseReminder.Status.DELIVERED if delivered else PromiseReminder.Status.NOT_DELIVERED
    ).value
    reminder.contact = contact_record(
        case=reminder.promise.case,
        channel="sms",
        at=at,
        outcome="delivered" if delivered else "not_delivered",
        actor=None,
        connected=delivered,
        decision=reminder.decision,
    )


def promise_remind(*, promise: Promise, at: datetime) -> PromiseReminder | None:
    """Remind the debtor of ``promise`` by SMS, once: the compliance gate decides first (an SMS
    at ``at``), then the gateway sends to a usable mobile number. None if the promise is no
    longer open, its case is closed, or it was already reminded.

    At most once even if the worker dies mid-send (the task is then run again): the reminder
    is committed, marked ``unconfirmed``, before the gateway is called, so a second run finds
    it and sends nothing; the gateway's answer then completes it. A reminder still
    ``unconfirmed`` had its SMS handed over, or not, when its worker died."""
    from doorstep.remote.channels import gateway

    with transaction.atomic():
        promise = Promise.objects.select_for_update().select_related("case").get(pk=promise.pk)
        if (
            promise.status != PromiseStatus.OPEN.value
            or promise.case.is_closed
            or PromiseReminder.objects.filter(promise=promise).exists()
        ):
            return None
        case = promise.case
        decision = contact_decide(
            case=case, proposal=ContactProposal(channel="sms", at=at), actor=None
        )
        reminder = PromiseReminder(promise=promise, decision=decision, sent_at=at)
        number = _mobile(case.customer_id)
        text = ""
        if not contact_allowed(decision):
            reminder.status = PromiseReminder.Status.BLOCKED.value
            reminder.rules = decision.rule_ids.strip(",")[:200]
        elif number is None:
            reminder.status = PromiseReminder.Status.NO_NUMBER.value
        else:
            text = _reminder_text(promise)
            reminder.text_sha256 = content_hash(text)
            reminder.status = PromiseReminder.Status.SENT.value
            reminder.error = REMINDER_UNCONFIRMED
        reminder.save()
        if number is None or not text:
            _reminder_ledger(reminder, case, promise, at)
            return reminder
    result = gateway().send(
        channel="sms", to=number, subject="", text=text, ref=f"promise-{promise.pk}-reminder"
    )
    with transaction.atomic():
        reminder.gateway_ref = result.ref[:64]
        reminder.error = ""
        if result.status == "failed":
            reminder.status = PromiseReminder.Status.FAILED.value
            reminder.error = result.error[:40]
        elif result.status == "delivered":
            _reminder_delivered(reminder, at, delivered=True)
        reminder.save(update_fields=["gateway_ref", "error", "status", "contact"])
        _reminder_ledger(reminder, case, promise, at)
    return reminder


def _reminder_ledger(reminder: PromiseReminder, case: Case, promise: Promise, at: datetime) -> None:
    ledger_append(
        kind="promise.reminded",
        actor=None,
        subject=_subject(case, promise=promise.pk),
        record={
            "status": reminder.status,
            "decision": reminder.decision_id,
            "due_on": promise.due_on,
            "text_hash": reminder.text_sha256 or None,
        },
        at=at,
    )


def promise_reminders_send(
    *, at: datetime | None = None, days_before: int = REMINDER_DAYS_BEFORE
) -> dict[str, int]:
    """Remind every open promise due within ``days_before`` days after ``at``'s date (not
    today's: on the day itself it is too late to remind). Safe to run twice: a reminded
    promise is not reminded again. Counts by reminder status."""
    moment = at or timezone.now()
    day = timezone.localdate(moment)
    due = Promise.objects.filter(
        status=PromiseStatus.OPEN.value,
        due_on__gt=day,
        due_on__lte=day + timedelta(days=days_before),
        reminder__isnull=True,
    ).exclude(case__status__startswith="closed_")
    counts: dict[str, int] = {status.value: 0 for status in PromiseReminder.Status}
    for promise in due.order_by("due_on", "pk"):
        reminder = promise_remind(promise=promise, at=moment)
        if reminder is not None:
            counts[reminder.status] += 1
    return counts


@transaction.atomic
def promise_reminder_receipt(*, gateway_ref: str, delivered: bool, at: datetime) -> PromiseReminder:
    """The gateway's delivery receipt for a reminder it accepted earlier: a recorded contact."""
    reminder = (
        PromiseReminder.objects.select_for_update(of=("self",))
        .select_related("promise__case", "decision")
        .filter(gateway_ref=gateway_ref)
        .first()
    )
    if reminder is None or not gateway_ref:
        raise DomainError("unknown_message", _("No reminder has that reference."), field="ref")
    if reminder.status != PromiseReminder.Status.SENT.value:
        raise ConflictError("receipt_twice", _("That reminder already has its receipt."))
    _reminder_delivered(reminder, at, delivered=delivered)
    reminder.save(update_fields=["status", "contact"])
    return reminder


def plans_check_breaches(*, as_of: date) -> list[int]:
    """Break every active plan with an instalment still unpaid more than its grace days after
    its due date; the case returns to collection, the plan and its payments stay as history.
    Safe to run twice. Returns the broken plans' ids."""
    broken = []
    for plan_id in Plan.objects.filter(status=PlanStatus.ACTIVE.value).values_list("pk", flat=True):
        with transaction.atomic():
            plan = Plan.objects.select_for_update().select_related("case").get(pk=plan_id)
            if plan.status != PlanStatus.ACTIVE.value:
                continue
            # Payments may have arrived without passing through here (an import): judge the
            # plan on every payment on file.
            _replay_plan(plan, None)
            if plan.status != PlanStatus.ACTIVE.value:
                continue
            late = (
                plan.instalments.filter(
                    settled_on__isnull=True, due_date__lt=as_of - timedelta(days=plan.grace_days)
                )
                .order_by("number")
                .first()
            )
            if late is None:
                continue
            _transition(plan, PlanStatus.BROKEN)
            plan.ended_at = timezone.now()
            plan.save(update_fields=["status", "ended_at"])
            _plan_event(plan, "broken", None, instalment=late.number, due_date=late.due_date)
            if plan.case.status == CaseStatus.IN_PLAN.value:
                case_services.case_transition(
                    case=plan.case,
                    target=CaseStatus.ACTIVE.value,
                    actor=None,
                    reason=_("Repayment plan %(plan)d broken: instalment %(n)d unpaid")
                    % {"plan": plan.pk, "n": late.number},
                )
            broken.append(plan.pk)
    return broken


# ---------------------------------------------------------------------------------------------
# Letters


@transaction.atomic
def letter_send(*, case: Case, actor: Any, on: date | None = None) -> Letter:
    """Send a collection notice: a letter is a contact, so the compliance gate decides it first
    (the decision is kept either way). A blocked letter is stored as ``blocked`` with the
    decision naming the rules; a letter missing a CN-LET-01 field is never sent."""
    on = on or _today()
    case = Case.objects.select_related("customer").get(pk=case.pk)
    if case.is_closed:
        raise ConflictError("case_closed", _("The case is closed."), field="case")
    account = case_account(case)
    fields = letters.notice(
        name=case.customer.name,
        account="*" + account.external_id[-4:],  # a letter may be seen by others: the tail only
        balance=letters.Balance(
            case.outstanding_principal, case.outstanding_interest, case.outstanding_penalty
        ),
        dpd=case.dpd,
        as_of=on,
    )
    gaps = letters.missing(fields)
    if gaps:
        raise DomainError(
            "letter_incomplete",
            _("The letter lacks required fields: %(fields)s.") % {"fields": ", ".join(gaps)},
        )
    decision = contact_decide(
        case=case, proposal=ContactProposal(channel="letter", at=timezone.now()), actor=actor
    )
    allowed = contact_allowed(decision)
    letter = Letter.objects.create(
        case=case,
        fields=fields,
        content_hash=content_hash(fields),
        decision=decision,
        status=(Letter.Status.SENT if allowed else Letter.Status.BLOCKED).value,
        sent_by=actor,
        created_at=timezone.now(),
    )
    ledger_append(
        kind="letter.sent" if allowed else "letter.blocked",
        actor=actor,
        subject=_subject(case, letter=letter.pk),
        record={"content_hash": letter.content_hash, "decision": decision.pk},
    )
    return letter


@transaction.atomic
def letter_outcome(*, letter: Letter, delivered: bool, actor: Any) -> Letter:
    """Record whether a sent letter reached the debtor. Both are recorded contacts; a delivery
    is a demand that reached the debtor and interrupts limitation (CN-LIM-03)."""
    letter = Letter.objects.select_for_update().select_related("case").get(pk=letter.pk)
    if letter.status != Letter.Status.SENT.value:
        raise ConflictError("letter_not_sent", _("Only a sent letter's delivery can be recorded."))
    now = timezone.now()
    outcome = ContactEvent.Outcome.DELIVERED if delivered else ContactEvent.Outcome.NOT_DELIVERED
    letter.contact = contact_record(
        case=letter.case,
        channel="letter",
        at=now,
        outcome=outcome.value,
        actor=actor,
        decision=letter.decision,
    )
    letter.status = (Letter.Status.DELIVERED if delivered else Letter.Status.NOT_DELIVERED).value
    letter.outcome_at = now
    letter.save(update_fields=["contact", "status", "outcome_at"])
    return letter
