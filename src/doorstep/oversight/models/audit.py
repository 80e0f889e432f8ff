"""Internal audit: campaigns that sample completed work, the review of each sampled record
against a checklist, findings with severity, and remediation tracked to closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.oversight.audit.sampling import Method
from doorstep.staff.models import Branch, StaffMember

METHOD_LABELS = {
    Method.SIMPLE: _("Simple random"),
    Method.STRATIFIED: _("Stratified"),
    Method.WEIGHTED: _("Risk-weighted"),
}


class AuditCampaign(models.Model):
    """One audit: which records (the population: a kind of record completed in a period, at
    one branch or all), how they are sampled, and the draw. ``population`` is the snapshot the
    sample was drawn from (``[id, stratum, weight]`` by id), ``seed`` the random seed; both are
    ledgered with their hashes when the sample is drawn, so anyone can re-draw it."""

    class Population(models.TextChoices):
        VISITS = "visits", _("Completed field visits")
        CONTACTS = "contacts", _("Contacts (calls, SMS, letters, visits)")
        ENTRIES = "entries", _("Case notes")

    class StrataBy(models.TextChoices):
        BRANCH = "branch", _("Branch")
        AGENT = "agent", _("Agent")
        OUTCOME = "outcome", _("Outcome")

    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("Reviewing")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    population_kind = models.CharField(_("population"), max_length=12, choices=Population.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(
        _("method"), max_length=12, choices=[(k.value, v) for k, v in METHOD_LABELS.items()]
    )
    strata_by = models.CharField(_("strata"), max_length=8, choices=StrataBy.choices, blank=True)
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.CharField(_("seed"), max_length=64)
    population = models.JSONField(_("population snapshot"), default=list)
    population_size = models.PositiveIntegerField(_("population size"), default=0)
    population_hash = models.CharField(max_length=64)
    sample_hash = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REVIEWING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drawn at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit campaign")
        verbose_name_plural = _("audit campaigns")

    def __str__(self) -> str:
        return self.name


class AuditItem(models.Model):
    """One sampled record and its review: each checklist item passed, failed or not
    applicable, with the auditor's note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        REVIEWED = "reviewed", _("Reviewed")

    campaign = models.ForeignKey(AuditCampaign, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("order drawn"))
    record_id = models.PositiveBigIntegerField(_("record"))
    stratum = models.CharField(_("stratum"), max_length=64, blank=True)
    weight = models.FloatField(_("risk weight"), default=1.0)
    case_reference = models.CharField(_("case"), max_length=24, blank=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    results = models.JSONField(_("checklist"), default=dict, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        verbose_name = _("audit item")
        verbose_name_plural = _("audit items")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "record_id"], name="audit_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}#{self.position}"


class AuditFinding(models.Model):
    """What the auditor found wrong in a sampled record, and how serious it is."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    item = models.ForeignKey(AuditItem, on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.CharField(_("checklist item"), max_length=32, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("finding"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")

    def __str__(self) -> str:
        return f"{self.item_id} {self.severity}"


class Remediation(models.Model):
    """The action a finding calls for: who owns it, by when; done by its owner, then verified
    by an auditor (or sent back)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, awaiting verification")
        VERIFIED = "verified", _("Verified")

    finding = models.ForeignKey(AuditFinding, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField(_("action"), max_length=2000)
    owner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_note = models.TextField(_("what was done"), max_length=2000, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("remediation action")
        verbose_name_plural = _("remediation actions")
        indexes = [models.Index(fields=["status", "due_on"], name="remediation_status_due")]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.status}"
