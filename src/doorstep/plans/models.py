"""Repayment policies, plans with their instalments, promises to pay, and where payments went.

Money is exact (``core.fields.money``); the schedule maths lives in ``schedule.py`` and the
allocation in ``allocation.py``; the rows here keep what those computed, so a plan's page, the
API and the documents show exactly the amounts the debtor agreed to.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import BUCKET_CHOICES, Case
from doorstep.core.fields import money
from doorstep.oversight.models import ApprovalRequest
from doorstep.plans.lifecycle import PlanStatus, PromiseStatus
from doorstep.plans.schedule import PlanType
from doorstep.portfolio.models import Account, Payment

PLAN_TYPE_LABELS = {
    PlanType.INSTALMENTS: _("Equal instalments"),
    PlanType.EQUAL_PRINCIPAL: _("Equal principal"),
    PlanType.INTEREST_FREEZE: _("Interest freeze with instalments"),
    PlanType.SETTLEMENT: _("Settlement"),
}
PLAN_STATUS_LABELS = {
    PlanStatus.PENDING_APPROVAL: _("Waiting for approval"),
    PlanStatus.OFFERED: _("Offered"),
    PlanStatus.ACTIVE: _("Active"),
    PlanStatus.COMPLETED: _("Completed"),
    PlanStatus.BROKEN: _("Broken"),
    PlanStatus.REJECTED: _("Not approved"),
    PlanStatus.WITHDRAWN: _("Withdrawn"),
}
PROMISE_STATUS_LABELS = {
    PromiseStatus.OPEN: _("Open"),
    PromiseStatus.KEPT: _("Kept"),
    PromiseStatus.PARTLY_KEPT: _("Partly kept"),
    PromiseStatus.BROKEN: _("Broken"),
}


class PlanPolicy(models.Model):
    """One version of the repayment policy for a product and bucket (blank: any), in force
    from ``effective_from`` once approved. ``rules`` is the document ``policy.parse_policy``
    reads; a change is a new row, approved by a second person through oversight."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    product = models.CharField(
        _("product"), max_length=20, choices=Account.Product.choices, blank=True
    )
    bucket = models.CharField(_("bucket"), max_length=8, choices=BUCKET_CHOICES, blank=True)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    rules = models.JSONField(_("rules"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product", "bucket", "-version"]
        verbose_name = _("repayment policy")
        verbose_name_plural = _("repayment policies")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "bucket", "version"], name="plan_policy_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product or '*'}/{self.bucket or '*'} v{self.version}"


class Plan(models.Model):
    """An offer of a repayment plan on a case and, once accepted, the plan itself."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    plan_type = models.CharField(
        _("plan type"), max_length=20, choices=[(t.value, PLAN_TYPE_LABELS[t]) for t in PlanType]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=[(s.value, PLAN_STATUS_LABELS[s]) for s in PlanStatus],
    )
    terms = models.JSONField(_("terms"))
    policy = models.ForeignKey(
        PlanPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    allocation_order = models.JSONField(_("allocation order"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    debt_principal = money(_("principal owed"))
    debt_interest = money(_("interest owed"))
    debt_penalty = money(_("fees and penalties owed"))
    waived = money(_("waived and discounted"))
    new_interest = money(_("plan interest"))
    fees = money(_("plan fees"))
    total = money(_("total to pay"))
    required_level = models.PositiveSmallIntegerField(_("authority needed"))
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField()
    starts_on = models.DateField(_("starts on"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_via = models.CharField(_("accepted via"), max_length=20, blank=True)
    signature_hash = models.CharField(max_length=64, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        indexes = [models.Index(fields=["case", "status"], name="plan_case_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="active"),
                name="plan_one_active_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.plan_type} {self.status}"

    @property
    def debt_total(self) -> Decimal:
        return self.debt_principal + self.debt_interest + self.debt_penalty


class Instalment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    fee = money(_("fee"))
    penalty = money(_("penalty"))
    interest = money(_("interest"))
    principal = money(_("principal"))
    paid = money(_("paid"), default=Decimal("0.00"))
    settled_on = models.DateField(_("paid in full on"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number}"

    @property
    def amount(self) -> Decimal:
        return self.fee + self.penalty + self.interest + self.principal

    @property
    def owed(self) -> Decimal:
        return self.amount - self.paid


class Allocation(models.Model):
    """What part of which instalment a payment paid. Rows of a payment later reversed are
    kept with ``reversed_on`` set; the rest are rebuilt by replay after every change."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(_("part"), max_length=10)
    amount = money(_("amount"))
    paid_on = models.DateField(_("value date"))
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.instalment_id} {self.part} {self.amount}"


class Promise(models.Model):
    """A promise to pay (承诺还款): payments on the case's accounts with value dates from the
    day it was taken to ``due_on`` count towards it."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("Field visit")
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS")
        SELF_SERVICE = "self_service", _("Self-service assistant")
        BRANCH = "branch", _("At the branch")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="promises")
    amount = money(_("amount"))
    due_on = models.DateField(_("promised by"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    taken_on = models.DateField(_("taken on"))
    taken_at = models.DateTimeField()
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=[(s.value, PROMISE_STATUS_LABELS[s]) for s in PromiseStatus],
        default=PromiseStatus.OPEN.value,
    )
    paid = money(_("paid towards it"), default=Decimal("0.00"))
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        indexes = [models.Index(fields=["status", "due_on"], name="promise_status_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_positive")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount} {self.due_on}"


class Letter(models.Model):
    """A collection notice sent to the debtor. ``fields`` is what the printed letter shows
    (CN-LET-01); sending went through the compliance gate (``decision``); the delivery outcome
    is a recorded contact, and a delivery interrupts limitation."""

    class Status(models.TextChoices):
        BLOCKED = "blocked", _("Blocked by compliance")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        NOT_DELIVERED = "not_delivered", _("Not delivered")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    fields = models.JSONField(_("letter fields"))
    content_hash = models.CharField(max_length=64)
    decision = models.ForeignKey("compliance.Decision", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "compliance.ContactEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    outcome_at = models.DateTimeField(_("delivery recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection letter")
        verbose_name_plural = _("collection letters")

    def __str__(self) -> str:
        return f"{self.case_id} letter {self.pk} {self.status}"


class PromiseReminder(models.Model):
    """The SMS that reminds a debtor of a promise before its date: at most one per promise.
    Sending is a contact, so the compliance gate decides it first (the decision is kept either
    way); a delivered reminder is a recorded contact."""

    class Status(models.TextChoices):
        BLOCKED = "blocked", _("Blocked by compliance")
        NO_NUMBER = "no_number", _("No usable mobile number")
        FAILED = "failed", _("Refused by the gateway")
        SENT = "sent", _("Sent, receipt awaited")
        DELIVERED = "delivered", _("Delivered")
        NOT_DELIVERED = "not_delivered", _("Not delivered")

    promise = models.OneToOneField(Promise, on_delete=models.PROTECT, related_name="reminder")
    decision = models.ForeignKey("compliance.Decision", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "compliance.ContactEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rules = models.CharField(_("rules"), max_length=200, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    gateway_ref = models.CharField(max_length=64, blank=True, db_index=True)
    error = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("promise reminder")
        verbose_name_plural = _("promise reminders")

    def __str__(self) -> str:
        return f"{self.promise_id} {self.status}"
