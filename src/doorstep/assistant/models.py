"""The assistant's records: reviewed article versions, conversations, identity checks, tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.compliance.models import Decision
from doorstep.keys.fields import EncryptedTextField
from doorstep.portfolio.models import Customer
from doorstep.staff.models import StaffMember, Team

LANG_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]


class Article(models.Model):
    """One article in one language; its text lives in versions, only reviewed ones served."""

    slug = models.SlugField(_("slug"), max_length=60)
    lang = models.CharField(_("language"), max_length=8, choices=LANG_CHOICES)

    class Meta:
        ordering = ["slug", "lang"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["slug", "lang"], name="article_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.lang})"


class ArticleVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        REJECTED = "rejected", _("Rejected")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    cites = models.JSONField(_("laws cited"), default=list)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    content_hash = models.CharField(max_length=64)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.CharField(_("reviewer"), max_length=100, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class Conversation(models.Model):
    """A debtor's chat. Anonymous until the identity check links the customer and the case;
    the client holds a random token, the database only its digest."""

    token_digest = models.CharField(max_length=64, unique=True)
    lang = models.CharField(_("language"), max_length=8, choices=LANG_CHOICES)
    started_at = models.DateTimeField()
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    # The gate's decision on this debtor-initiated chat about the case (holds still apply).
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_off_at = models.DateTimeField(_("handed to a person at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    class Sender(models.TextChoices):
        DEBTOR = "debtor", _("Debtor")
        ASSISTANT = "assistant", _("Assistant")
        BANK = "bank", _("Bank")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(_("from"), max_length=10, choices=Sender.choices)
    text = EncryptedTextField(_("text"), max_length=4000)  # debtors write their details here
    sources = models.JSONField(_("sources"), default=list, blank=True)
    confident = models.BooleanField(null=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.sender} {self.at:%H:%M}"


class IdentityChallenge(models.Model):
    """One attempt to prove who is chatting: phone + ID last four, then a one-time code.

    Only digests are kept (the phone's keyed hash, the code's hash), so the table holds no
    personal data in clear; failures per phone digest drive the lockout.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="challenges"
    )
    phone_digest = models.CharField(max_length=64, db_index=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.created_at:%Y-%m-%d %H:%M}"


class Task(models.Model):
    """Work for a person that the debtor asked for: a hand-off, a hardship review, a dispute,
    a call-back, a plan or extension request. (Complaints go to the complaints process.)"""

    class Kind(models.TextChoices):
        HANDOFF = "handoff", _("Talk to a person")
        PLAN = "plan", _("Repayment plan request")
        EXTENSION = "extension", _("Extension request")
        PROMISE = "promise", _("Promise to pay")
        HARDSHIP = "hardship", _("Hardship declared")
        DISPUTE = "dispute", _("Amount disputed")
        CALLBACK = "callback", _("Call-back requested")
        VISIT_RESCHEDULE = "visit_reschedule", _("Visit reschedule requested")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assistant_tasks")
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    assignee = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField()
    respond_by = models.DateTimeField(_("respond by"))

    class Meta:
        ordering = ["respond_by", "id"]
        verbose_name = _("assistant task")
        verbose_name_plural = _("assistant tasks")
        indexes = [models.Index(fields=["case", "status"], name="assistant_task_case_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"
