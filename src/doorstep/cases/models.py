"""Delinquency episodes: the case, who works it, how it aged and what people said about it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.delinquency import Bucket
from doorstep.cases.lifecycle import Status
from doorstep.core.fields import money
from doorstep.keys.fields import EncryptedTextField
from doorstep.portfolio.models import Account, Customer
from doorstep.staff.models import Branch, StaffMember, Team

STATUS_LABELS = {
    Status.NEW: _("New"),
    Status.ACTIVE: _("Active"),
    Status.PROMISED: _("Promised to pay"),
    Status.IN_PLAN: _("In a repayment plan"),
    Status.LEGAL: _("Legal"),
    Status.CLOSED_CURED: _("Closed: cured"),
    Status.CLOSED_SETTLED: _("Closed: settled"),
    Status.CLOSED_WRITTEN_OFF: _("Closed: written off"),
    Status.CLOSED_SOLD: _("Closed: debt sold"),
}
STATUS_CHOICES = [(status.value, STATUS_LABELS[status]) for status in Status]

BUCKET_LABELS = {
    Bucket.CURRENT: _("Current"),
    Bucket.M1: "M1",
    Bucket.M2: "M2",
    Bucket.M3: "M3",
    Bucket.M4: "M4",
    Bucket.M5: "M5",
    Bucket.M6: "M6",
    Bucket.M6_PLUS: "M6+",
}
BUCKET_CHOICES = [(bucket.value, BUCKET_LABELS[bucket]) for bucket in Bucket]


class Case(models.Model):
    """One customer delinquency episode, from the first missed due to cure, settlement or loss.

    The DPD, bucket and amounts are a snapshot of ``delinquency.arrears`` as of
    ``arrears_as_of``, refreshed by ``services.case_refresh_arrears``; they are never typed in.
    """

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    accounts = models.ManyToManyField(Account, related_name="cases")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    agent = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=Status.NEW.value
    )
    opened_on = models.DateField(_("opened on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    bucket = models.CharField(
        _("bucket"), max_length=8, choices=BUCKET_CHOICES, default=Bucket.CURRENT.value
    )
    past_due = money(_("past due"), default=0)
    outstanding_principal = money(_("unpaid principal"), default=0)
    outstanding_interest = money(_("unpaid interest"), default=0)
    outstanding_penalty = money(_("unpaid fees and penalties"), default=0)
    arrears_as_of = models.DateField(_("arrears as of"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-dpd", "reference"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["branch", "status"], name="case_branch_status"),
            models.Index(fields=["agent", "status"], name="case_agent_status"),
            models.Index(fields=["bucket"], name="case_bucket"),
            models.Index(fields=["dpd"], name="case_dpd"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def outstanding_total(self) -> Decimal:
        return self.outstanding_principal + self.outstanding_interest + self.outstanding_penalty

    @property
    def is_closed(self) -> bool:
        return self.status.startswith("closed_")


class CaseParticipant(models.Model):
    """A specialist or complaint handler attached to a case, which lets them see it."""

    class Capacity(models.TextChoices):
        LEGAL = "legal", _("Legal specialist")
        FINANCE = "finance", _("Finance specialist")
        COMPLAINT = "complaint", _("Complaint handler")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(_("capacity"), max_length=20, choices=Capacity.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case participant")
        verbose_name_plural = _("case participants")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "staff", "capacity"], name="participant_once_per_capacity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.capacity} {self.staff_id}"


class StatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_status}→{self.to_status}"


class Assignment(models.Model):
    """Who held the case and when; the open row (``ended_at`` empty) is the current one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, related_name="+")
    agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.agent_id or self.branch_id}"


class BucketChange(models.Model):
    class Cause(models.TextChoices):
        OPENED = "opened", _("Case opened")
        MISSED_DUE = "missed_due", _("Due not paid")
        AGEING = "ageing", _("Arrears aged")
        PAYMENT = "payment", _("Payment received")
        REVERSAL = "reversal", _("Payment reversed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="bucket_changes")
    on = models.DateField(_("on"))
    from_bucket = models.CharField(max_length=8, choices=BUCKET_CHOICES, blank=True)
    to_bucket = models.CharField(max_length=8, choices=BUCKET_CHOICES)
    dpd = models.PositiveIntegerField(_("days past due"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    cause_date = models.DateField(_("cause date"))
    cause_amount = money(_("cause amount"), null=True, blank=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("bucket change")
        verbose_name_plural = _("bucket changes")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_bucket}→{self.to_bucket} {self.on}"


class Transfer(models.Model):
    """A case moved to another branch; both branches keep seeing its thread."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    to_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_branch_id}→{self.to_branch_id}"


class Entry(models.Model):
    """A note on the case file or a message in the shared thread between branches."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        MESSAGE = "message", _("Thread message")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = EncryptedTextField(_("text"), max_length=4000)  # free text: may name anyone
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case entry")
        verbose_name_plural = _("case entries")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
