"""Branches, teams and the people who work cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.fields import latitude_field, longitude_field


class Role(models.TextChoices):
    COLLECTIONS_MANAGER = "collections_manager", _("Collections manager")
    FIELD_AGENT = "field_agent", _("Field agent")
    PHONE_AGENT = "phone_agent", _("Phone agent")
    LEGAL_SPECIALIST = "legal_specialist", _("Legal specialist")
    FINANCE_SPECIALIST = "finance_specialist", _("Finance specialist")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")
    BRANCH_ADMIN = "branch_admin", _("Branch administrator")
    HEAD_OFFICE_ADMIN = "head_office_admin", _("Head-office administrator")
    AGENCY_USER = "agency_user", _("Collection agency user")


class Language(models.TextChoices):
    """Languages a debtor prefers and an agent speaks: allocation matches them (docs/remote.md)."""

    MANDARIN = "zh-hans", _("Mandarin")
    CANTONESE = "yue", _("Cantonese")
    WU = "wuu", _("Wu (Shanghainese)")
    MINNAN = "nan", _("Minnan (Hokkien)")
    UYGHUR = "ug", _("Uyghur")
    TIBETAN = "bo", _("Tibetan")
    MONGOLIAN = "mn", _("Mongolian")
    ENGLISH = "en", _("English")


def mandarin_only() -> list[str]:
    return [Language.MANDARIN.value]


class Branch(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50)
    address = models.CharField(_("address"), max_length=200)
    latitude = latitude_field(_("latitude"))
    longitude = longitude_field(_("longitude"))
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")

    class Meta:
        ordering = ["code"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Team(models.Model):
    class Kind(models.TextChoices):
        FIELD = "field", _("Field visits")
        PHONE = "phone", _("Phone and SMS")
        LEGAL = "legal", _("Legal")
        BACK_OFFICE = "back_office", _("Back office")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["branch__code", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="team_unique_name_per_branch")
        ]

    def __str__(self) -> str:
        return f"{self.branch.code} {self.name}"


class StaffMember(models.Model):
    """A bank employee's working identity: role, branch, team and what they are good at."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        help_text=_("Empty for head-office roles that span every branch."),
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, related_name="members", null=True, blank=True
    )
    display_name = models.CharField(_("display name"), max_length=50)
    employee_number = models.CharField(_("employee number"), max_length=20, unique=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    years_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    languages = models.JSONField(_("languages spoken"), default=mandarin_only, blank=True)
    home_latitude = latitude_field(_("start latitude"), null=True, blank=True)
    home_longitude = longitude_field(_("start longitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for apps and integrations. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
