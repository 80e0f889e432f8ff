"""Field visits: the visit itself, every status change it went through, and the records the
field app captured at the door (synced from the phone, each stored exactly once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.core.fields import latitude_field, longitude_field
from doorstep.keys.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from doorstep.portfolio.models import Address
from doorstep.staff.models import Branch, StaffMember
from doorstep.visits.lifecycle import AbortReason, Outcome, Status

STATUS_LABELS = {
    Status.PROPOSED: _("Proposed"),
    Status.APPROVED: _("Approved"),
    Status.SCHEDULED: _("Scheduled"),
    Status.EN_ROUTE: _("En route"),
    Status.CHECKED_IN: _("Checked in"),
    Status.COMPLETED: _("Completed"),
    Status.ABORTED: _("Aborted"),
    Status.REPORTED: _("Reported"),
    Status.RESCHEDULED: _("Rescheduled"),
    Status.CANCELLED: _("Cancelled"),
}
STATUS_CHOICES = [(status.value, STATUS_LABELS[status]) for status in Status]

OUTCOME_LABELS = {
    Outcome.MET_DEBTOR: _("Met the debtor"),
    Outcome.PROMISE: _("Promise to pay"),
    Outcome.PLAN_ACCEPTED: _("Plan accepted"),
    Outcome.PAID_DURING_VISIT: _("Paid during the visit (bank channel)"),
    Outcome.REFUSED: _("Refused"),
    Outcome.NOT_HOME: _("Not home"),
    Outcome.MOVED: _("Moved"),
    Outcome.THIRD_PARTY_ONLY: _("Third party only"),
    Outcome.DISPUTE_RAISED: _("Dispute raised"),
    Outcome.HARDSHIP_DECLARED: _("Hardship declared"),
    Outcome.SAFETY_ABORT: _("Safety abort"),
}
OUTCOME_CHOICES = [(outcome.value, OUTCOME_LABELS[outcome]) for outcome in Outcome]

ABORT_LABELS = {
    AbortReason.SAFETY: _("Safety"),
    AbortReason.REFUSED: _("Refused at the door"),
    AbortReason.NOT_FOUND: _("Address or debtor not found"),
}
ABORT_CHOICES = [(reason.value, ABORT_LABELS[reason]) for reason in AbortReason]


class Visit(models.Model):
    """One planned trip of a two-agent team to a debtor's address about one case.

    ``envelope`` is what the compliance gate computed when the visit was scheduled — the date,
    the allowed local window, the rule ids in play and the decision id — which the field app
    enforces on the device while offline and the server re-decides on sync. ``risk_*`` is the
    pre-visit risk assessment (``visits.risk``); ``approval_id`` the manager approval it needed.
    """

    class Kind(models.TextChoices):
        FIRST = "first", _("First visit")
        FOLLOW_UP = "follow_up", _("Follow-up")
        PROMISE_CHECK = "promise_check", _("Promise check")
        SIGNING = "signing", _("Plan or notice signing")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visits")
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="visits")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FIRST)
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=Status.PROPOSED.value
    )
    scheduled_on = models.DateField(_("visit date"), null=True, blank=True)
    window_start = models.TimeField(_("window from"), null=True, blank=True)
    window_end = models.TimeField(_("window to"), null=True, blank=True)
    planned_arrival = models.DateTimeField(_("planned arrival"), null=True, blank=True)
    route_position = models.PositiveSmallIntegerField(_("stop in route"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("expected minutes at the door"), default=30
    )
    lead_agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="visits_led"
    )
    second_agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="visits_seconded"
    )
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    needs_approval = models.BooleanField(_("needs a manager's approval"), default=False)
    approval_id = models.PositiveBigIntegerField(_("approval request"), null=True, blank=True)
    envelope = models.JSONField(_("compliance envelope"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=OUTCOME_CHOICES, blank=True)
    abort_reason = models.CharField(
        _("abort reason"), max_length=16, choices=ABORT_CHOICES, blank=True
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checkin_latitude = latitude_field(_("check-in latitude"), null=True, blank=True)
    checkin_longitude = longitude_field(_("check-in longitude"), null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(
        _("distance from the address (m)"), null=True, blank=True
    )
    checkin_far_reason = EncryptedCharField(
        _("reason for a far check-in"), max_length=300, blank=True
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    flagged_rules = models.JSONField(_("flagged rules"), default=list, blank=True)
    report_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_signed_at = models.DateTimeField(_("report signed off at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_on", "route_position", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["branch", "status"], name="visit_branch_status"),
            models.Index(fields=["scheduled_on", "status"], name="visit_day_status"),
            models.Index(fields=["lead_agent", "scheduled_on"], name="visit_lead_day"),
            models.Index(fields=["second_agent", "scheduled_on"], name="visit_second_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(lead_agent=models.F("second_agent")),
                name="visit_two_distinct_agents",
            )
        ]

    def __str__(self) -> str:
        return f"V{self.pk} {self.case_id} {self.status}"

    @property
    def team_size(self) -> int:
        return len({a for a in (self.lead_agent_id, self.second_agent_id) if a is not None})


class VisitTransition(models.Model):
    """One status change of a visit, with who made it, why, and the gate decision if a contact."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    to_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decision_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]  # the order the server made the changes; ``at`` may be a device time
        verbose_name = _("visit status change")
        verbose_name_plural = _("visit status changes")

    def __str__(self) -> str:
        return f"V{self.visit_id} {self.from_status}→{self.to_status}"


class FieldRecord(models.Model):
    """A record the field app made (often offline) and synced: stored once per client UUID.

    ``state`` says what the server made of it: ``accepted``; ``flagged`` (kept, but outside its
    compliance envelope or about a case closed meanwhile — ``flags`` names the rule or reason,
    and the manager sees it); ``rejected`` records are not stored here — the app keeps them
    for correction.
    """

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        OUTCOME = "outcome", _("Outcome")
        NOTE = "note", _("Note")
        PROMISE = "promise", _("Promise to pay")
        EVIDENCE = "evidence", _("Evidence (photo, audio, signature)")
        SAFETY = "safety", _("Safety alert")

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        FLAGGED = "flagged", _("Kept and flagged")

    client_uuid = models.UUIDField(_("client record id"), unique=True)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="field_records")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sequence = models.PositiveIntegerField(_("order on the device"))
    captured_at = models.DateTimeField(_("captured at"))
    payload = EncryptedJSONField(_("content"), default=dict)  # notes, evidence, promises
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["visit", "sequence", "id"]
        verbose_name = _("field record")
        verbose_name_plural = _("field records")
        indexes = [models.Index(fields=["visit", "sequence"], name="fieldrecord_visit_seq")]

    def __str__(self) -> str:
        return f"{self.client_uuid} {self.kind}"


class EvidenceFile(models.Model):
    """The photo or signature behind an evidence record, uploaded after the record synced.

    The record carries the SHA-256 the phone computed when it was taken; the file is accepted
    only if it hashes to the same value, so what is stored is what was captured. The bytes are
    kept encrypted at rest (base64 inside the ciphertext), like every personal field."""

    record = models.OneToOneField(FieldRecord, on_delete=models.PROTECT, related_name="file")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("bytes"))
    content_type = models.CharField(_("type"), max_length=40)
    content = EncryptedTextField(_("content"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"{self.record_id} {self.sha256[:12]}"
