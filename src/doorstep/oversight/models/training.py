"""Staff training: courses, who must take them, and completions with their scores."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.oversight.training.rules import Topic
from doorstep.staff.models import StaffMember

TOPIC_LABELS = {
    Topic.LEGAL: _("Legal basics"),
    Topic.PIPL: _("Personal information (PIPL)"),
    Topic.SAFETY: _("Field safety"),
    Topic.COMMUNICATION: _("Communication"),
    Topic.OTHER: _("Other"),
}


class Course(models.Model):
    """A course; ``mandatory_roles`` must hold a valid pass of it (an agent without one is
    not given field visits). Titles are data in both languages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    topic = models.CharField(
        _("topic"), max_length=16, choices=[(k.value, v) for k, v in TOPIC_LABELS.items()]
    )
    mandatory_roles = models.JSONField(_("mandatory for roles"), default=list, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=12, validators=[MinValueValidator(1)]
    )
    pass_score = models.PositiveSmallIntegerField(
        _("pass mark"), default=80, validators=[MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.code


class TrainingAssignment(models.Model):
    """A course someone was told to take, by when."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "staff", "due_on"], name="training_assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.staff_id} {self.due_on}"


class Completion(models.Model):
    """One attempt at a course: the score, whether it passed, and until when it counts."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed on"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    passed = models.BooleanField(_("passed"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        indexes = [models.Index(fields=["staff", "course"], name="completion_staff_course")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.course_id} {self.completed_on}"
