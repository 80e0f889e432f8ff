"""Privacy records: notice versions and who was shown which, consents as an append-only log of
given/withdrawn events, and retention runs with their reports.

Purposes, legal bases and retention rules are data in ``catalogue`` (reviewed as one table).
A consent's state at a moment is the latest event for the customer and purpose at or before
that moment: nothing is ever updated in place, so the history is the evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.portfolio.models import Customer
from doorstep.privacy.catalogue import CONSENT_PURPOSES, PURPOSE_BY_CODE

CHANNEL_CHOICES = [
    ("letter", _("Letter")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("visit", _("Field visit")),
    ("call", _("Call")),
    ("app", _("Mobile app")),
    ("branch", _("At a branch")),
    ("web", _("Website")),
]
LANGUAGE_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]
CONSENT_PURPOSE_CHOICES = [(code, PURPOSE_BY_CODE[code].name) for code in CONSENT_PURPOSES]


class Notice(models.Model):
    """One version of the privacy notice, in both languages (CN-PI-01: purpose, method, data
    types, retention, rights). Versions are never edited: a change is a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    effective_from = models.DateTimeField(_("in force from"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"))
    text_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self) -> str:
        return f"v{self.version}"

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_zh


class NoticeShown(models.Model):
    """A notice version shown to a debtor: when, in which language, through which channel."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="shown")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    at = models.DateTimeField(_("shown at"))
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("notice shown")
        verbose_name_plural = _("notices shown")
        indexes = [models.Index(fields=["customer", "at"], name="privacy_shown_customer_at")]

    def __str__(self) -> str:
        return f"{self.customer_id} v{self.notice_id} {self.channel} {self.at:%Y-%m-%d}"


class ConsentEvent(models.Model):
    """A consent given or withdrawn, with the time it took effect, the channel and the evidence
    (a signed form's reference, a recording's id)."""

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=40, choices=CONSENT_PURPOSE_CHOICES)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("effective at"))
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    evidence = models.CharField(_("evidence"), max_length=200)
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [
            models.Index(fields=["customer", "purpose", "at"], name="privacy_consent_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {self.action} {self.at:%Y-%m-%d}"


class RetentionRun(models.Model):
    """One run of the retention job: what it looked at, what it did, and what holds kept.

    ``report`` is ``{"categories": {category: {"due", "done", "held"}}, "holds": {kind: n},
    "customers": {"examined", "due", "held", "not_expired"}}``."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    as_of = models.DateField(_("as of"))
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField(_("customers to examine"), default=0)
    processed = models.PositiveIntegerField(_("customers examined"), default=0)
    report = models.JSONField(_("report"), default=dict)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of} {self.status}"


class RetentionItem(models.Model):
    """What one run did or would do (dry run) with one customer. ``customer_id`` is a plain
    number so the row outlives what it describes."""

    class Outcome(models.TextChoices):
        ERASED = "erased", _("Deleted or anonymised")
        WOULD_ERASE = "would_erase", _("Would be deleted or anonymised (dry run)")
        HELD = "held", _("Kept: a hold applies")

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="items")
    customer_id = models.PositiveBigIntegerField(_("customer"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    categories = models.JSONField(_("categories"), default=list)
    holds = models.JSONField(_("holds"), default=list)
    last_closed = models.DateField(_("last case closed"), null=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("retention item")
        verbose_name_plural = _("retention items")

    def __str__(self) -> str:
        return f"#{self.run_id} {self.customer_id} {self.outcome}"
