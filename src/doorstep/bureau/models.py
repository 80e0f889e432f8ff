"""Credit-bureau files, corrections after upheld disputes, and settlement certificates."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.keys.fields import EncryptedJSONField, EncryptedTextField
from doorstep.portfolio.models import Account


class ReportFile(models.Model):
    """One generated monthly file. Regenerating a month makes a new version; the text is kept
    as it was sent and its SHA-256 is ledgered."""

    month = models.CharField(_("month"), max_length=7)
    version = models.PositiveSmallIntegerField(_("version"))
    as_of = models.DateField(_("as of"))
    content = EncryptedTextField()  # full names and ID numbers: encrypted at rest
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data_rows = models.PositiveIntegerField(_("accounts reported"))
    correction_rows = models.PositiveIntegerField(_("corrections"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    generated_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "-version"]
        verbose_name = _("credit-bureau file")
        verbose_name_plural = _("credit-bureau files")
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="bureau_file_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.month} v{self.version}"

    @property
    def filename(self) -> str:
        return f"doorstep-bureau-{self.month}-v{self.version}.csv"


class Correction(models.Model):
    """A reported row found wrong when a dispute was upheld: the corrected row goes out in the
    next file generated (``included_in``)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    month = models.CharField(_("month corrected"), max_length=7)
    # [[column, reported value, corrected value], ...]; a corrected name or ID is personal data
    changes: Any = EncryptedJSONField(_("changes"))
    corrected_row: Any = EncryptedJSONField()
    reason = models.CharField(_("reason"), max_length=500)
    complaint = models.ForeignKey("oversight.Complaint", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(ReportFile, on_delete=models.PROTECT, related_name="+")
    included_in = models.ForeignKey(
        ReportFile, on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("credit-bureau correction")
        verbose_name_plural = _("credit-bureau corrections")

    def __str__(self) -> str:
        return f"{self.account_id} {self.month}"


class Certificate(models.Model):
    """A settlement certificate (结清证明) for a case closed settled or cured: the PDF as
    issued, its SHA-256, and the hash of the facts it certifies (both ledgered)."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="certificate")
    closed_as = models.CharField(_("closed as"), max_length=20)
    settled_on = models.DateField(_("settled on"))
    facts: Any = EncryptedJSONField()  # JSON in, JSON out; stored as encrypted text
    facts_hash = models.CharField(_("verification hash"), max_length=64)
    pdf_base64 = EncryptedTextField()  # the PDF as issued (base64), encrypted at rest
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("settlement certificate")
        verbose_name_plural = _("settlement certificates")

    def __str__(self) -> str:
        return self.number

    @property
    def pdf(self) -> bytes:
        return base64.b64decode(self.pdf_base64)
