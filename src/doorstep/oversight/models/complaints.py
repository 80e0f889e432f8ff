"""Complaints (投诉): what was complained about, by whom, what was done, and its history."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import EmailValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.keys.fields import EncryptedCharField, EncryptedTextField
from doorstep.oversight.complaints.lifecycle import (
    Category,
    Extension,
    Outcome,
    RootCause,
    Status,
)
from doorstep.portfolio.models import Customer
from doorstep.staff.models import Branch, StaffMember

COMPLAINT_STATUS_LABELS = {
    Status.RECEIVED: _("Received"),
    Status.ACKNOWLEDGED: _("Acknowledged"),
    Status.INVESTIGATING: _("Investigating"),
    Status.RESOLVED: _("Outcome awaiting verification"),
    Status.CLOSED: _("Closed"),
}
CATEGORY_LABELS = {
    Category.VIOLENCE_THREAT: _("Violence, threats or intimidation"),
    Category.HARASSMENT: _("Harassment (too often, at night)"),
    Category.THIRD_PARTY: _("Contacting family, employer or others"),
    Category.PRIVACY: _("Personal information disclosed"),
    Category.MISREPRESENTATION: _("False statements or impersonation"),
    Category.AMOUNT_DISPUTE: _("Amount or fees disputed"),
    Category.STAFF_CONDUCT: _("Staff conduct"),
    Category.SERVICE: _("Repayment service"),
    Category.OTHER: _("Other"),
}
OUTCOME_LABELS = {
    Outcome.UPHELD: _("Upheld"),
    Outcome.PARTLY_UPHELD: _("Partly upheld"),
    Outcome.NOT_UPHELD: _("Not upheld"),
}
ROOT_CAUSE_LABELS = {
    RootCause.AGENT_CONDUCT: _("Agent conduct"),
    RootCause.PROCESS_GAP: _("Process gap"),
    RootCause.SYSTEM_ERROR: _("System error"),
    RootCause.DATA_ERROR: _("Wrong data"),
    RootCause.POLICY: _("Bank policy"),
    RootCause.TRAINING: _("Training gap"),
    RootCause.NO_FAULT: _("No fault found"),
}
EXTENSION_LABELS = {
    Extension.NONE: _("None (15 days)"),
    Extension.COMPLEX: _("Complex case (30 days)"),
    Extension.HEAD_OFFICE: _("Head-office extension (60 days)"),
}


def _choices(labels: dict) -> list[tuple[str, object]]:  # type: ignore[type-arg]
    return [(key.value, label) for key, label in labels.items()]


class Complaint(models.Model):
    """One complaint from receipt to a verified outcome.

    The complainant's own words and contact details are personal data: shown masked to staff by
    default, never logged or ledgered (the ledger keeps hashes). ``access_code`` is a password
    hash: the complainant checks the status with the reference and the code shown once.
    """

    class Channel(models.TextChoices):
        WEB = "web", _("Public web form")
        PHONE = "phone", _("Phone call")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("E-mail")
        REGULATOR = "regulator", _("Regulator referral")
        BRANCH = "branch", _("At a branch")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    access_code = models.CharField(max_length=128)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=_choices(CATEGORY_LABELS))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=_choices(COMPLAINT_STATUS_LABELS),
        default=Status.RECEIVED.value,
    )
    complainant_name = models.CharField(_("complainant"), max_length=100)
    complainant_phone = EncryptedCharField(_("phone"), max_length=20, blank=True)
    complainant_email = EncryptedCharField(
        _("e-mail"), max_length=254, blank=True, validators=[EmailValidator()]
    )
    description = EncryptedTextField(_("what happened"), max_length=4000)
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    language = models.CharField(max_length=8, default="zh-hans")
    message_id = models.CharField(
        _("e-mail message id"), max_length=255, blank=True, help_text=_("Set for e-mail imports.")
    )

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    visit_reference = models.CharField(_("visit"), max_length=40, blank=True)
    hold = models.ForeignKey(
        "compliance.Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handler = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"))
    ack_due_at = models.DateTimeField(_("acknowledgement due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    extension = models.CharField(
        _("extension"),
        max_length=12,
        choices=_choices(EXTENSION_LABELS),
        default=Extension.NONE.value,
    )
    decision_due_at = models.DateTimeField(_("decision due"))
    escalations = models.JSONField(_("escalated clocks"), default=list, blank=True)

    outcome = models.CharField(
        _("outcome"), max_length=16, choices=_choices(OUTCOME_LABELS), blank=True
    )
    remedy = models.TextField(_("remedy"), max_length=2000, blank=True)
    root_cause = models.CharField(
        _("root cause"), max_length=16, choices=_choices(ROOT_CAUSE_LABELS), blank=True
    )
    accountability = models.TextField(_("accountability action"), max_length=2000, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "decision_due_at"], name="complaint_status_due"),
            models.Index(fields=["branch", "received_at"], name="complaint_branch"),
            models.Index(fields=["category", "received_at"], name="complaint_category"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~models.Q(message_id=""),
                name="complaint_message_once",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED.value


class ComplaintEvent(models.Model):
    """The complaint's history: every status change, link, note and escalation, in order.
    ``note`` is staff-written investigation text (never shown on the public status page)."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigation started")
        LINKED = "linked", _("Linked")
        NOTE = "note", _("Investigation note")
        EVIDENCE = "evidence", _("Evidence attached")
        EXTENDED = "extended", _("Deadline extended")
        RESOLVED = "resolved", _("Outcome recorded")
        REOPENED = "reopened", _("Outcome not accepted")
        CLOSED = "closed", _("Outcome verified, closed")
        ESCALATED = "escalated", _("Escalated")
        REVEALED = "revealed", _("Contact details shown")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = EncryptedTextField(_("note"), max_length=4000, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class ComplaintEvidence(models.Model):
    """A ledger entry the investigation relies on (a visit record, a contact, a note): its
    index and leaf hash, so anyone can check the evidence is the record the ledger holds."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    ledger_index = models.PositiveBigIntegerField(_("ledger entry"))
    entry_kind = models.CharField(_("kind"), max_length=64)
    leaf_hash = models.CharField(max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["ledger_index"]
        verbose_name = _("complaint evidence")
        verbose_name_plural = _("complaint evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "ledger_index"], name="complaint_evidence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} #{self.ledger_index}"
