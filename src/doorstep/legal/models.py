"""Legal matters (法务) on a case, their hearings, deadlines, money and documents; guarantee
contracts and the demands made on guarantors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.core.fields import money
from doorstep.keys.fields import EncryptedTextField
from doorstep.legal.guarantee import GuaranteeKind
from doorstep.legal.lifecycle import MatterKind, MatterStatus
from doorstep.staff.models import StaffMember

KIND_LABELS = {
    MatterKind.PAYMENT_ORDER: _("Payment order"),
    MatterKind.SUIT: _("Suit"),
    MatterKind.MEDIATION: _("Mediation"),
    MatterKind.ARBITRATION: _("Arbitration"),
}
STATUS_LABELS = {
    MatterStatus.PROPOSED: _("Waiting for approval"),
    MatterStatus.REJECTED: _("Not approved"),
    MatterStatus.PREPARING: _("Preparing"),
    MatterStatus.FILED: _("Filed, proceedings pending"),
    MatterStatus.DECIDED: _("Proceedings ended"),
    MatterStatus.ENFORCEMENT: _("Enforcement"),
    MatterStatus.CLOSED: _("Closed"),
}
GUARANTEE_LABELS = {
    GuaranteeKind.GENERAL: _("General guarantee"),
    GuaranteeKind.JOINT: _("Joint and several guarantee"),
}


class Matter(models.Model):
    """One legal action on a case. Filing records a ``suit`` limitation event for each of the
    case's accounts (``limitation_events``); the end of the proceedings is written onto them,
    so compliance restarts the limitation from that day (CN-LIM-03)."""

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="legal_matters")
    kind = models.CharField(
        _("type"), max_length=20, choices=[(k.value, KIND_LABELS[k]) for k in MatterKind]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=[(s.value, STATUS_LABELS[s]) for s in MatterStatus],
        default=MatterStatus.PROPOSED.value,
    )
    claim_amount = money(_("amount claimed"))
    court = models.CharField(_("court or tribunal"), max_length=100, blank=True)
    court_reference = models.CharField(_("court case number"), max_length=60, blank=True)
    specialist = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="legal_matters",
        verbose_name=_("legal specialist"),
    )
    counsel_name = models.CharField(_("counsel"), max_length=100, blank=True)
    counsel_firm = models.CharField(_("law firm"), max_length=100, blank=True)
    counsel_outside = models.BooleanField(_("outside counsel"), default=False)
    counsel = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counsel_matters",
        verbose_name=_("counsel's user"),
    )
    approval = models.ForeignKey(
        "oversight.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    ended_on = models.DateField(_("proceedings ended on"), null=True, blank=True)
    # Free text that may name people: encrypted at rest like case notes.
    judgment = EncryptedTextField(_("judgment or outcome"), max_length=2000, blank=True)
    judgment_amount = money(_("amount awarded"), null=True, blank=True)
    enforcement_reference = models.CharField(
        _("enforcement case number"), max_length=60, blank=True
    )
    enforcement_on = models.DateField(_("enforcement applied for on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    limitation_events = models.ManyToManyField(
        "compliance.LimitationEvent", related_name="+", blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("legal matter")
        verbose_name_plural = _("legal matters")
        indexes = [models.Index(fields=["status"], name="legal_matter_status")]

    def __str__(self) -> str:
        return self.reference


class Hearing(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="hearings")
    at = models.DateTimeField(_("hearing at"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")

    def __str__(self) -> str:
        return f"{self.matter_id} {self.at:%Y-%m-%d %H:%M}"


class Deadline(models.Model):
    """A date the matter must not miss (a reply, an appeal, an enforcement application); the
    reminder task mails the specialist ``remind_days`` before it and marks ``reminded_at``."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="deadlines")
    due_on = models.DateField(_("due on"))
    what = models.CharField(_("what is due"), max_length=200)
    remind_days = models.PositiveSmallIntegerField(_("remind days before"), default=7)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"{self.matter_id} {self.due_on} {self.what}"


class MoneyLine(models.Model):
    class Kind(models.TextChoices):
        COST = "cost", _("Cost")
        RECOVERY = "recovery", _("Recovery")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="money_lines")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("on"))
    amount = money(_("amount"))
    note = models.CharField(_("what for"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("cost or recovery")
        verbose_name_plural = _("costs and recoveries")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="legal_money_positive")
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.kind} {self.amount}"


class Document(models.Model):
    """A filed or received paper. The bytes are kept encrypted at rest (base64 inside the
    ciphertext, like a visit's evidence file), so key rotation, backups and erasure cover them
    with the rest of the database; the SHA-256 is ledgered, so a changed file is caught on
    download."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("file name"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    content = EncryptedTextField(_("content"), blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")

    def __str__(self) -> str:
        return self.name


class GuaranteeContract(models.Model):
    """The terms of a guarantee given by ``guarantee.guarantor`` (a portfolio Customer, so
    their ID and phone are stored, masked and protected like any debtor's) for an account."""

    guarantee = models.OneToOneField(
        "portfolio.Guarantor", on_delete=models.PROTECT, related_name="contract"
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    kind = models.CharField(
        _("type"),
        max_length=10,
        choices=[(k.value, GUARANTEE_LABELS[k]) for k in GuaranteeKind],
    )
    signed_on = models.DateField(_("signed on"))
    debt_due_on = models.DateField(_("principal debt due on"))
    agreed_period_end = models.DateField(_("agreed guarantee period ends"), null=True, blank=True)
    period_ends = models.DateField(_("guarantee period ends"))
    period_basis = models.CharField(_("basis"), max_length=20)
    warned_at = models.JSONField(_("warnings sent"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["period_ends", "id"]
        verbose_name = _("guarantee contract")
        verbose_name_plural = _("guarantee contracts")

    def __str__(self) -> str:
        return self.number


class GuarantorDemand(models.Model):
    """A demand for performance made on the guarantor: a contact through the compliance gate
    (``decision`` and ``contact``)."""

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="demands"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    on = models.DateField(_("on"))
    delivered = models.BooleanField(_("reached the guarantor"))
    blocked = models.BooleanField(_("blocked by compliance"), default=False)
    decision = models.ForeignKey("compliance.Decision", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "compliance.ContactEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("demand on a guarantor")
        verbose_name_plural = _("demands on guarantors")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.on}"
