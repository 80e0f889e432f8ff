"""Outside collection agencies (委外), write-off (核销) and debt sale: the end of a debt's life
after the bank's own collectors.

An agency works the bank's cases as an entrusted processor (PIPL Art 21, CN-PI-04): it needs a
contract in force that says for how long, for what and with which data, a prior impact
assessment, and supervision while it works. Cases reach it in placement batches; a placement
in force is the only thing that lets an agency user see a case, and a recall ends it at once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import BUCKET_CHOICES, Case
from doorstep.core.fields import money
from doorstep.portfolio.models import Account
from doorstep.staff.models import StaffMember


class Agency(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        verbose_name = _("collection agency")
        verbose_name_plural = _("collection agencies")

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """The entrusted-processing contract (委托处理协议): term, purpose and the data the agency
    may see. ``data_allowed`` holds ``fields.DataField`` values."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    scope = models.TextField(_("scope of the entrusted processing"), max_length=2000)
    data_allowed = models.JSONField(_("data the agency may see"), default=list, blank=True)
    delete_within_days = models.PositiveSmallIntegerField(
        _("days to return or delete the data after a recall"), default=7
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "-starts_on"]
        verbose_name = _("entrusted-processing contract")
        verbose_name_plural = _("entrusted-processing contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ImpactAssessment(models.Model):
    """The personal-information impact assessment made before entrusting (PIPL Arts 55–56),
    kept at least three years."""

    class Conclusion(models.TextChoices):
        ACCEPTABLE = "acceptable", _("Risks acceptable")
        NOT_ACCEPTABLE = "not_acceptable", _("Risks not acceptable")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=Conclusion.choices)
    risks = models.TextField(_("risks found"), max_length=4000)
    measures = models.TextField(_("protective measures"), max_length=4000)
    keep_until = models.DateField(_("keep until"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "-assessed_on", "-id"]
        verbose_name = _("impact assessment")
        verbose_name_plural = _("impact assessments")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.assessed_on}"


class SupervisionRecord(models.Model):
    """The bank supervising its processor: an audit, a review of call recordings, a data check."""

    class Kind(models.TextChoices):
        ONSITE_AUDIT = "onsite_audit", _("On-site audit")
        RECORDING_REVIEW = "recording_review", _("Review of recordings")
        DATA_CHECK = "data_check", _("Data handling check")
        COMPLAINT_REVIEW = "complaint_review", _("Complaint review")

    class Rating(models.TextChoices):
        SATISFACTORY = "satisfactory", _("Satisfactory")
        NEEDS_IMPROVEMENT = "needs_improvement", _("Needs improvement")
        UNSATISFACTORY = "unsatisfactory", _("Unsatisfactory")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="supervision")
    on = models.DateField(_("on"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    findings = models.TextField(_("findings"), max_length=4000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "-on", "-id"]
        verbose_name = _("supervision record")
        verbose_name_plural = _("supervision records")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.kind} {self.on}"


class AgencyMember(models.Model):
    """Links an agency user's staff record to their agency."""

    staff = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, related_name="agency_membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="members")

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.agency_id}"


class PlacementBatch(models.Model):
    """Cases placed with an agency together, chosen by ``rules`` (see ``rules.PlacementRules``)."""

    reference = models.CharField(_("batch"), max_length=24, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="batches")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="batches")
    rules = models.JSONField(_("rules"), default=dict)
    ends_on = models.DateField(_("placed until"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("placement batch")
        verbose_name_plural = _("placement batches")

    def __str__(self) -> str:
        return self.reference


class Placement(models.Model):
    """One case with one agency, from placement to recall. The open row (``recalled_at`` empty,
    ``ends_on`` not past) is what gives the agency's users access."""

    class Recall(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        END_OF_TERM = "end_of_term", _("End of term")
        AT_WILL = "at_will", _("Recalled by the bank")
        CASE_CLOSED = "case_closed", _("Case closed")

    batch = models.ForeignKey(PlacementBatch, on_delete=models.PROTECT, related_name="placements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="placements")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="placements")
    placed_at = models.DateTimeField()
    ends_on = models.DateField(_("placed until"))
    bucket = models.CharField(_("bucket when placed"), max_length=8, choices=BUCKET_CHOICES)
    dpd = models.PositiveIntegerField(_("days past due when placed"))
    outstanding = money(_("unpaid when placed"))
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    recall_reason = models.CharField(
        _("recall reason"), max_length=16, choices=Recall.choices, blank=True
    )
    recall_note = models.CharField(_("note"), max_length=500, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complaint = models.ForeignKey(
        "oversight.Complaint", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at", "case_id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(recalled_at__isnull=True),
                name="placement_one_open_per_case",
            )
        ]
        indexes = [models.Index(fields=["agency", "recalled_at"], name="placement_agency_open")]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.agency_id}"


class CommissionSchedule(models.Model):
    """What the agency earns: a per-cent share of recoveries by the bucket a case was placed in.
    The schedule in force is the latest with ``effective_from`` on or before the payment."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="schedules")
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "-effective_from"]
        verbose_name = _("commission schedule")
        verbose_name_plural = _("commission schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "effective_from"], name="commission_one_schedule_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.effective_from}"


class CommissionRate(models.Model):
    schedule = models.ForeignKey(CommissionSchedule, on_delete=models.CASCADE, related_name="rates")
    bucket = models.CharField(_("bucket when placed"), max_length=8, choices=BUCKET_CHOICES)
    per_cent = models.DecimalField(
        _("per cent of recoveries"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "bucket"], name="commission_rate_once")
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.per_cent}"


class WriteOff(models.Model):
    """A write-off (核销) of a case's unpaid amounts, proposed and decided by the credit
    committee; once approved it is booked: the lines below are the accounting record."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        BOOKED = "booked", _("Approved and booked")
        REJECTED = "rejected", _("Rejected")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="write_offs")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    principal = money(_("principal"))
    interest = money(_("interest"))
    fees = money(_("fees and penalties"))
    reason = models.TextField(_("reason"), max_length=2000)
    as_of = models.DateField(_("amounts as of"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approval = models.ForeignKey(
        "oversight.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["proposed", "booked"]),
                name="writeoff_one_live_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


class WriteOffLine(models.Model):
    """The amounts written off on one account."""

    write_off = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="write_off_lines")
    principal = money(_("principal"))
    interest = money(_("interest"))
    fees = money(_("fees and penalties"))

    class Meta:
        ordering = ["write_off", "account_id"]
        verbose_name = _("write-off line")
        verbose_name_plural = _("write-off lines")
        constraints = [
            models.UniqueConstraint(fields=["write_off", "account"], name="writeoff_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.write_off_id} {self.account_id}"

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


class Buyer(models.Model):
    """An independent buyer of debts: a separate personal-information handler (CN-PI-04)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        verbose_name = _("debt buyer")
        verbose_name_plural = _("debt buyers")

    def __str__(self) -> str:
        return self.name


class Sale(models.Model):
    """A portfolio sale: cases sold to a buyer for a price, and the transfer file sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TRANSFERRED = "transferred", _("Transferred")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="sales")
    price = money(_("price"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    transferred_at = models.DateTimeField(null=True, blank=True)
    file_format = models.CharField(max_length=4, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("debt sale")
        verbose_name_plural = _("debt sales")

    def __str__(self) -> str:
        return self.reference


class SaleItem(models.Model):
    """One case in a sale. Personal data goes to the buyer only with the debtor's separate
    consent in force (PIPL Art 23); without it the row carries no personal data."""

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sale_items")
    face_value = money(_("face value"))
    consent = models.BooleanField(_("separate consent in force"), default=False)
    notice_decision = models.ForeignKey(
        "compliance.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)

    class Meta:
        ordering = ["sale", "case_id"]
        verbose_name = _("sold case")
        verbose_name_plural = _("sold cases")
        constraints = [
            models.UniqueConstraint(fields=["sale", "case"], name="sale_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id} {self.case_id}"
