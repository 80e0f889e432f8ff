"""Approvals (maker-checker): requests, the votes on them, their history, and committees."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.fields import money
from doorstep.oversight.approval_lifecycle import ApprovalStatus
from doorstep.staff.models import Branch, StaffMember

STATUS_LABELS = {
    ApprovalStatus.PENDING: _("Pending"),
    ApprovalStatus.ESCALATED: _("Escalated"),
    ApprovalStatus.APPROVED: _("Approved"),
    ApprovalStatus.REJECTED: _("Rejected"),
    ApprovalStatus.WITHDRAWN: _("Withdrawn"),
}
STATUS_CHOICES = [(status.value, STATUS_LABELS[status]) for status in ApprovalStatus]


class Committee(models.Model):
    """A named group of staff (compliance officers, managers…) that decides with a quorum:
    that many distinct members must approve."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    members = models.ManyToManyField(
        StaffMember, related_name="committees", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.CheckConstraint(condition=models.Q(quorum__gte=1), name="committee_quorum")
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalRequest(models.Model):
    """Someone asks for a change that needs a second person (or a committee) to agree.

    ``routes`` is the list of levels resolved when the request was made (level 0 is the route
    the kind's rules chose; further levels are where an overdue request escalates), each
    ``{"roles", "branch", "committee", "quorum"}``, so a later change of the rules never changes
    who may decide a request already made.
    """

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=STATUS_CHOICES, default=ApprovalStatus.PENDING.value
    )
    summary = models.CharField(_("summary"), max_length=300)
    reason = models.TextField(_("reason"), max_length=2000)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = money(_("amount"), null=True, blank=True)
    risk = models.PositiveSmallIntegerField(
        _("risk"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    routes = models.JSONField(_("routes"))
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("requested at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [
            models.Index(fields=["status", "due_at"], name="approval_status_due"),
            models.Index(fields=["kind", "status"], name="approval_kind_status"),
            models.Index(fields=["subject_type", "subject_id"], name="approval_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    @property
    def is_open(self) -> bool:
        return ApprovalStatus(self.status) in {ApprovalStatus.PENDING, ApprovalStatus.ESCALATED}

    @property
    def route(self) -> dict[str, object]:
        """The route of the level the request is at."""
        route: dict[str, object] = self.routes[self.level]
        return route


class ApprovalVote(models.Model):
    """One checker's decision on a request, with their reason; one per person."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField(_("approve"))
    reason = models.TextField(_("reason"), max_length=2000)
    level = models.PositiveSmallIntegerField(_("level"))
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("approval vote")
        verbose_name_plural = _("approval votes")
        constraints = [
            models.UniqueConstraint(fields=["request", "voter"], name="approval_one_vote_each")
        ]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.voter_id} {'yes' if self.approve else 'no'}"


class ApprovalEvent(models.Model):
    """The request's history, one row per thing that happened to it, in order."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        VOTED = "voted", _("Voted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ESCALATED = "escalated", _("Escalated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=16, choices=STATUS_CHOICES)
    level = models.PositiveSmallIntegerField(_("level"))
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("approval event")
        verbose_name_plural = _("approval events")

    def __str__(self) -> str:
        return f"#{self.request_id} {self.action}"
