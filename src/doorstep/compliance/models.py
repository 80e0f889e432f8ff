"""What the compliance gate decides from and what it decided.

- Parameters and calendars as data: ``ParameterVersion`` and ``CalendarArrangement``, each in
  force only once a second person approved it.
- The facts about a debtor: ``Hold``, ``ChannelOptOut``, ``Representation``, the contact history
  (``ContactEvent``) and the limitation events (``LimitationEvent``; payments are read from
  ``portfolio.Payment``, not copied).
- The decision log: ``Decision``, one row per proposed contact, with the version that decided it
  and, when it was overridden, the approval that did it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.compliance.engine import Channel, Initiator, Target, Verdict
from doorstep.compliance.engine import Hold as HoldKind
from doorstep.compliance.engine.limitation import EventKind
from doorstep.oversight.models import ApprovalRequest
from doorstep.portfolio.models import Account, Customer
from doorstep.staff.models import Branch, StaffMember

PROFILE_CHOICES = [
    ("cn", _("Mainland China")),
    ("us", _("United States")),
    ("uk", _("United Kingdom")),
]
CHANNEL_CHOICES = [
    (Channel.VISIT.value, _("Visit")),
    (Channel.CALL.value, _("Call")),
    (Channel.SMS.value, _("SMS")),
    (Channel.EMAIL.value, _("E-mail")),
    (Channel.LETTER.value, _("Letter")),
    (Channel.CHAT.value, _("Chat")),
]
TARGET_CHOICES = [
    (Target.DEBTOR.value, _("Debtor")),
    (Target.GUARANTOR.value, _("Guarantor")),
    (Target.THIRD_PARTY.value, _("Third party")),
    (Target.ATTORNEY.value, _("Attorney")),
]
INITIATOR_CHOICES = [(Initiator.BANK.value, _("Bank")), (Initiator.DEBTOR.value, _("Debtor"))]
VERDICT_CHOICES = [
    (Verdict.ALLOW.value, _("Allow")),
    (Verdict.WARN.value, _("Warn")),
    (Verdict.NEEDS_APPROVAL.value, _("Needs approval")),
    (Verdict.BLOCK.value, _("Block")),
]


class Approval(models.TextChoices):
    """Where a version or an arrangement stands on its way to being in force."""

    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterVersion(models.Model):
    """One version of a profile's parameters. In force at time t: the latest approved version
    whose ``effective_from`` is at or before t (ties: the higher number)."""

    profile = models.CharField(_("profile"), max_length=4, choices=PROFILE_CHOICES)
    number = models.PositiveIntegerField(_("version"))
    params = models.JSONField(_("parameters"))
    effective_from = models.DateTimeField(_("effective from"))
    status = models.CharField(
        _("status"), max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    base = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed from"),
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the engine defaults the system seeded."),
    )
    reason = models.TextField(_("reason"), max_length=2000)
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["profile", "-number"]
        verbose_name = _("parameter version")
        verbose_name_plural = _("parameter versions")
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="parameter_version_once")
        ]
        indexes = [
            models.Index(fields=["profile", "status", "effective_from"], name="parameter_in_force")
        ]

    def __str__(self) -> str:
        return f"{self.profile} v{self.number}"

    @property
    def label(self) -> str:
        """How decisions and packs name the version: ``cn-3``."""
        return f"{self.profile}-{self.number}"


class CalendarArrangement(models.Model):
    """A year's official holiday arrangement (State Council), loaded as data. It overrides the
    packaged calendars once approved; the latest approved one of a year wins."""

    year = models.PositiveSmallIntegerField(_("year"))
    rest_days = models.JSONField(_("rest days"))
    makeup_workdays = models.JSONField(_("make-up workdays"))
    names = models.JSONField(_("holiday names"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when an operator loaded it with the command."),
    )
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("calendar arrangement")
        verbose_name_plural = _("calendar arrangements")

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"


HOLD_CHOICES = [
    (HoldKind.CEASE_CONTACT.value, _("Cease contact")),
    (HoldKind.DISPUTE.value, _("Dispute")),
    (HoldKind.HARDSHIP.value, _("Hardship")),
    (HoldKind.COMPLAINT.value, _("Complaint")),
]


class Hold(models.Model):
    """A stop on contacting a customer (CN-HOLD-01, CN-DISP-01…), from ``starts_at`` until
    ``ends_at`` or its release; ``allowed_channels`` are what it still lets through (a hardship
    hold that still allows letters)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(_("kind"), max_length=16, choices=HOLD_CHOICES)
    allowed_channels = models.JSONField(_("channels still allowed"), default=list, blank=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_reason = models.CharField(_("release reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [models.Index(fields=["customer", "starts_at"], name="hold_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class ChannelOptOut(models.Model):
    """The customer asked not to be contacted on a channel (US-MEDIA-01 and bank policy)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="opt_outs")
    channel = models.CharField(_("channel"), max_length=8, choices=CHANNEL_CHOICES)
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("channel opt-out")
        verbose_name_plural = _("channel opt-outs")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="opt_out_once")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}"


class Representation(models.Model):
    """The customer is represented by an attorney (US-ATTY-01), from ``starts_on`` to
    ``ends_on`` (inclusive; empty while it lasts)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="representations")
    attorney_name = models.CharField(_("attorney"), max_length=100)
    attorney_contact = models.CharField(_("contact"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("representation")
        verbose_name_plural = _("representations")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.attorney_name}"


class Decision(models.Model):
    """One proposed contact and the gate's answer: what was proposed, the verdict, every rule
    that fired with its parameters and what it saw, the profile and version, who asked, when.

    ``rule_ids`` holds the fired rules as ``,CN-HOL-01,CN-TEAM-01,`` so filtering and counting
    by rule is a plain ``LIKE`` on every database; ``fired`` has the full detail the
    explanations are rendered from, in either language, on demand.
    """

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="compliance_decisions"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=CHANNEL_CHOICES)
    at = models.DateTimeField(_("contact time"))
    target = models.CharField(_("target"), max_length=12, choices=TARGET_CHOICES)
    staff_count = models.PositiveSmallIntegerField(_("staff"))
    consented = models.BooleanField(_("debtor consented"))
    initiated_by = models.CharField(_("initiated by"), max_length=8, choices=INITIATOR_CHOICES)
    verdict = models.CharField(_("verdict"), max_length=16, choices=VERDICT_CHOICES)
    rule_ids = models.CharField(_("rules"), max_length=400, blank=True)
    fired = models.JSONField(_("fired rules"), default=list, blank=True)
    profile = models.CharField(_("profile"), max_length=4, choices=PROFILE_CHOICES)
    version = models.ForeignKey(ParameterVersion, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.CharField(_("planning run"), max_length=64, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    overridden_by = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("compliance decision")
        verbose_name_plural = _("compliance decisions")
        indexes = [
            models.Index(fields=["case", "decided_at"], name="decision_case"),
            models.Index(fields=["customer", "at"], name="decision_customer"),
            models.Index(fields=["branch", "decided_at"], name="decision_branch"),
            models.Index(fields=["verdict", "decided_at"], name="decision_verdict"),
            models.Index(fields=["agent", "decided_at"], name="decision_agent"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.verdict}"

    @property
    def rules(self) -> list[str]:
        return [rule for rule in self.rule_ids.split(",") if rule]


class ContactEvent(models.Model):
    """A contact that happened, recorded by the contact path afterwards: the history the
    frequency rules count and the source of limitation interruptions."""

    class Outcome(models.TextChoices):
        DEMAND_STATED = "demand_stated", _("Debtor reached, demand stated")
        DEBTOR_REACHED = "debtor_reached", _("Debtor reached, no demand stated")
        DELIVERED = "delivered", _("Delivered")
        NOT_DELIVERED = "not_delivered", _("Not delivered")
        NOT_HOME = "not_home", _("Not home")
        THIRD_PARTY_ONLY = "third_party_only", _("Third party only")
        NO_ANSWER = "no_answer", _("No answer")
        REFUSED = "refused", _("Refused")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="contact_events"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=CHANNEL_CHOICES)
    at = models.DateTimeField(_("at"))
    target = models.CharField(_("target"), max_length=12, choices=TARGET_CHOICES)
    initiated_by = models.CharField(_("initiated by"), max_length=8, choices=INITIATOR_CHOICES)
    connected = models.BooleanField(_("connected"), default=True)
    conversation = models.BooleanField(_("conversation"), default=False)
    consented = models.BooleanField(_("debtor consented"), default=False)
    staff_count = models.PositiveSmallIntegerField(_("staff"), default=1)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outside_decision = models.BooleanField(
        _("outside its decision"),
        default=False,
        help_text=_("Bank-initiated, and no decision allowed it: kept, and shown to compliance."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("contact event")
        verbose_name_plural = _("contact events")
        indexes = [models.Index(fields=["customer", "at"], name="contact_customer_at")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.at:%Y-%m-%d %H:%M}"


LIMITATION_KIND_CHOICES = [
    (EventKind.DEMAND_DELIVERED.value, _("Demand delivered")),
    (EventKind.ACKNOWLEDGEMENT.value, _("Acknowledgement")),
    (EventKind.PART_PAYMENT.value, _("Part payment")),
    (EventKind.DEBIT.value, _("Debit")),
    (EventKind.PLAN.value, _("Repayment plan")),
    (EventKind.SUIT.value, _("Suit")),
    ("obstacle", _("Obstacle (suspension)")),
]


class LimitationEvent(models.Model):
    """Something that interrupts (CN-LIM-03) or suspends (CN-LIM-02) an account's limitation
    period. A suit restarts it from ``ended_on`` (the end of the proceedings); an obstacle lasts
    from ``on`` to ``ended_on`` (empty while it has not cleared)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=LIMITATION_KIND_CHOICES)
    on = models.DateField(_("on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)
    contact = models.ForeignKey(
        ContactEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "on", "id"]
        verbose_name = _("limitation event")
        verbose_name_plural = _("limitation events")
        indexes = [models.Index(fields=["account", "on"], name="limitation_account_on")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.on}"
