"""Remote collection: allocation rules and runs, phone calls and follow-ups, message templates
and campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.compliance.models import ContactEvent, Decision, Hold
from doorstep.core.fields import money
from doorstep.keys.fields import EncryptedTextField
from doorstep.oversight.models import ApprovalRequest
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Customer, Phone
from doorstep.remote.allocation import Reason
from doorstep.remote.worklist import (
    OUTCOME_LABELS,
    VULNERABILITY_LABELS,
    Handling,
    Outcome,
    Vulnerability,
)
from doorstep.staff.models import Branch, StaffMember, Team

# ---------------------------------------------------------------------------------------------
# Allocation


class AllocationRule(models.Model):
    """One row of the allocation table: which open cases go to ``team``, with a cap per agent
    and rotation after ``rotate_after_days`` without progress. Rules are tried by
    ``position``; the first that matches decides."""

    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    buckets = models.JSONField(_("buckets"), default=list, blank=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    min_amount = money(_("past due from"), null=True, blank=True)
    max_amount = money(_("past due up to"), null=True, blank=True)
    languages = models.JSONField(_("debtor's languages"), default=list, blank=True)
    risk_bands = models.JSONField(_("risk bands"), default=list, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    agent_cap = models.PositiveIntegerField(_("cases per agent at most"), default=200)
    rotate_after_days = models.PositiveIntegerField(
        _("rotate after days without progress"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("allocation rule")
        verbose_name_plural = _("allocation rules")

    def __str__(self) -> str:
        return f"{self.position} {self.name}"


class AllocationRun(models.Model):
    class Mode(models.TextChoices):
        SIMULATE = "simulate", _("Simulation")
        APPLY = "apply", _("Applied")

    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    as_of = models.DateField(_("as of"))
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rules = models.JSONField(_("rules used"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    moved = models.PositiveIntegerField(_("moved"), default=0)
    no_capacity = models.PositiveIntegerField(_("left for lack of capacity"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"{self.mode} {self.as_of}"


class AllocationMove(models.Model):
    REASON_CHOICES = [
        (Reason.NEW.value, _("New case")),
        (Reason.REALIGNED.value, _("Re-aged into another team's rule")),
        (Reason.ROTATION.value, _("Rotation: no progress")),
        (Reason.NO_CAPACITY.value, _("No agent has room")),
    ]

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="moves")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AllocationRule, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    from_agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=REASON_CHOICES)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation move")
        verbose_name_plural = _("allocation moves")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_agent_id}→{self.to_agent_id}"


class AllocationPin(models.Model):
    """A manual override: the case stays with the agent a manager chose, out of automatic
    allocation until ``until`` (or until released)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    until = models.DateField(_("until"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("allocation override")
        verbose_name_plural = _("allocation overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(released_at__isnull=True),
                name="remote_one_open_pin_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.agent_id}"


# ---------------------------------------------------------------------------------------------
# Phone work

OUTCOME_CHOICES = [(outcome.value, _(OUTCOME_LABELS[outcome])) for outcome in Outcome]


class Call(models.Model):
    """One call from the queue: opened by "next case" under a stored gate decision, closed by
    the wrap-up. The recording itself stays with the telephony system; its hash is kept and
    ledgered so it can be proven unchanged later."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="remote_calls")
    agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    phone = models.ForeignKey(Phone, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    dialer_ref = models.CharField(_("dialer reference"), max_length=64, blank=True)
    wrapped_at = models.DateTimeField(_("wrapped up at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=OUTCOME_CHOICES, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=4000, blank=True)
    recording_sha256 = models.CharField(_("recording SHA-256"), max_length=64, blank=True)
    recording_bytes = models.PositiveBigIntegerField(_("recording size"), null=True, blank=True)
    contact = models.ForeignKey(
        ContactEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["agent", "started_at"], name="remote_call_agent")]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(wrapped_at__isnull=True),
                name="remote_one_open_call_per_agent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_at:%Y-%m-%d %H:%M}"


class FollowUp(models.Model):
    """A call due at a time: a call-back the debtor asked for, or the reminder before a
    promise falls due. It puts the case at the top of its agent's queue once due."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Call-back the debtor asked for")
        PROMISE_REMINDER = "promise_reminder", _("Promise reminder")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="remote_follow_ups")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(_("due at"))
    source_call = models.ForeignKey(Call, on_delete=models.PROTECT, null=True, related_name="+")
    promise = models.ForeignKey(
        Promise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_by_call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["case", "due_at"], name="remote_follow_up_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------
# Templates and campaigns


class MessageTemplate(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.code


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="remote_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class Campaign(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Sent")

    name = models.CharField(_("name"), max_length=100)
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, related_name="+")
    buckets = models.JSONField(_("buckets"), default=list, blank=True)
    min_dpd = models.PositiveIntegerField(_("DPD from"), null=True, blank=True)
    max_dpd = models.PositiveIntegerField(_("DPD up to"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ran_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    targeted = models.PositiveIntegerField(_("cases in the segment"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    blocked = models.PositiveIntegerField(_("blocked by the gate"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    blocked_by_rule = models.JSONField(_("blocked by rule"), default=dict, blank=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignMessage(models.Model):
    """One case of a campaign. The text itself is not kept (it carries personal data); its
    hash is, so the message sent can be proven from the template version and the case."""

    class Status(models.TextChoices):
        BLOCKED = "blocked", _("Blocked by the gate")
        FAILED = "failed", _("Failed")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    rules = models.CharField(_("rules"), max_length=400, blank=True)
    error = models.CharField(_("error"), max_length=40, blank=True)
    gateway_ref = models.CharField(_("gateway reference"), max_length=64, blank=True)
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64, blank=True)
    contact = models.ForeignKey(
        ContactEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("campaign message")
        verbose_name_plural = _("campaign messages")
        indexes = [models.Index(fields=["gateway_ref"], name="remote_message_ref")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.case_id} {self.status}"


# ---------------------------------------------------------------------------------------------
# Vulnerable and special debtors


class VulnerabilityFlag(models.Model):
    """A vulnerable or special debtor, and how the bank handles them while the flag is open.
    The note may hold health or family details, so it is shown only with the case and only a
    hash of it is ledgered."""

    KIND_CHOICES = [(kind.value, _(VULNERABILITY_LABELS[kind])) for kind in Vulnerability]
    HANDLING_CHOICES = [
        (Handling.HOLD.value, _("Hold all contact")),
        (Handling.SPECIALIST.value, _("Specialist queue")),
        (Handling.APPROVAL.value, _("Approval before any contact")),
    ]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    handling = models.CharField(_("handling"), max_length=12, choices=HANDLING_CHOICES)
    note = models.CharField(_("note"), max_length=500, blank=True)
    hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_approved_until = models.DateField(_("contact approved until"), null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("vulnerability flag")
        verbose_name_plural = _("vulnerability flags")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=models.Q(ended_at__isnull=True),
                name="remote_one_open_flag_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


# ---------------------------------------------------------------------------------------------
# Quality review (质检)


class QualityReview(models.Model):
    """A call sampled for quality review, then reviewed against the checklist with a score
    and coaching notes."""

    METHOD_CHOICES = [("random", _("Random")), ("risk", _("Risk-weighted"))]

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="review")
    agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("sampling"), max_length=8, choices=METHOD_CHOICES)
    seed = models.BigIntegerField(_("sampling seed"))
    sampled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sampled_at = models.DateTimeField(_("sampled at"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    answers = models.JSONField(_("checklist"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    coaching = models.TextField(_("coaching notes"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-sampled_at", "-id"]
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")

    def __str__(self) -> str:
        return f"{self.call_id} {self.score}"
