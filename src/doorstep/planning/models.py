"""A branch's visit plan for one day: the teams, each team's ordered stops, and why every
other candidate was left out.

A plan is built as a ``draft``; a manager may pin a visit to a team or forbid one and build
again (a new draft, warm-started from the last one, which becomes ``superseded``); publishing
schedules every planned visit through ``visits.services.visit_schedule`` (the compliance gate
again) and ledgers the plan. Only one plan per branch and day is ``published``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.staff.models import Branch, StaffMember
from doorstep.visits.models import Visit


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="visit_plans")
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seed = models.PositiveIntegerField(_("seed"), default=0)
    seconds = models.FloatField(_("time budget (s)"))
    solve_seconds = models.FloatField(_("solver time (s)"), default=0)
    iterations = models.PositiveIntegerField(_("solver iterations"), default=0)
    value = models.BigIntegerField(_("expected value collected (yuan)"), default=0)
    metres = models.PositiveBigIntegerField(_("distance driven (m)"), default=0)
    teams = models.JSONField(_("teams"), default=list)  # [{key, members, skills, shift, start}]
    pins = models.JSONField(_("pinned visits"), default=dict, blank=True)  # {visit id: team key}
    forbidden = models.JSONField(_("forbidden visits"), default=list, blank=True)
    lunch_spots = models.JSONField(_("lunch spots"), default=list, blank=True)  # [[lat, lon]]
    benched = models.JSONField(  # [{"agent": name, "reasons": [...]}]
        _("field agents not in a team"), default=list, blank=True
    )
    created_by = models.ForeignKey(  # empty: the nightly draft (``NightlyDraft``)
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        indexes = [models.Index(fields=["branch", "day"], name="plan_branch_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "day"],
                condition=models.Q(status="published"),
                name="plan_one_published_per_branch_day",
            )
        ]

    def __str__(self) -> str:
        return f"P{self.pk} {self.branch_id} {self.day} {self.status}"


class PlanStop(models.Model):
    """A visit or a lunch break in a team's route, in order; times are aware datetimes."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stops")
    team = models.CharField(_("team"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"))
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_stops"
    )
    lunch_spot = models.PositiveSmallIntegerField(_("lunch spot"), null=True, blank=True)
    lead_agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    second_agent = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    window_start = models.TimeField(_("window from"), null=True, blank=True)
    window_end = models.TimeField(_("window to"), null=True, blank=True)
    arrive = models.DateTimeField(_("arrival"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    class Meta:
        ordering = ["plan", "team", "position"]
        verbose_name = _("plan stop")
        verbose_name_plural = _("plan stops")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "team", "position"], name="planstop_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(visit__isnull=False) | models.Q(lunch_spot__isnull=False),
                name="planstop_visit_or_lunch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.team} #{self.position}"


class LeftOut(models.Model):
    """A candidate visit the plan does not include, and why (a reason code of the engine)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="left_out")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20)
    rules = models.JSONField(_("rules"), default=list, blank=True)

    class Meta:
        ordering = ["plan", "visit"]
        verbose_name = _("visit left out")
        verbose_name_plural = _("visits left out")
        constraints = [
            models.UniqueConstraint(fields=["plan", "visit"], name="leftout_unique_visit")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} V{self.visit_id} {self.reason}"


class Replan(models.Model):
    """A re-plan of one team's rest of the day after a visit was aborted or a visit was added
    for today: which published plan it started from, the plan it produced (the same one when
    nothing changed), why, and what became of the visit that triggered it."""

    class Event(models.TextChoices):
        ABORTED = "aborted", _("Visit aborted")
        ADDED = "added", _("Visit added for today")

    previous = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="replans")
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="+")
    team = models.CharField(_("team"), max_length=40, blank=True)
    at = models.DateTimeField(_("at"))
    placed = models.BooleanField(_("visit placed"), null=True)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    moved = models.JSONField(_("visits re-sequenced"), default=list, blank=True)
    dropped = models.JSONField(_("visits dropped"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "at", "id"]
        verbose_name = _("re-plan")
        verbose_name_plural = _("re-plans")

    def __str__(self) -> str:
        return f"{self.previous_id}->{self.plan_id} {self.event} V{self.visit_id}"


class NightlyDraft(models.Model):
    """What the nightly ``planning.plan_branch`` did for a branch and day: the draft it built
    (the manager reviews and publishes it), or why it built none. One row per branch and day,
    replaced by the next run."""

    class Outcome(models.TextChoices):
        DRAFTED = "drafted", _("Draft built")
        NO_FIELD_TEAMS = "no_field_teams", _("No field team: fewer than two trained field agents")
        NO_CANDIDATES = "no_candidates", _("No visit to plan")
        PUBLISHED = "published", _("A plan is already published")
        MANAGER_DRAFT = "manager_draft", _("The manager is working on a draft")

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    candidates = models.PositiveIntegerField(_("candidate visits"), default=0)
    agents = models.PositiveIntegerField(_("trained field agents"), default=0)
    ran_at = models.DateTimeField(_("ran at"))

    class Meta:
        ordering = ["-day", "branch"]
        verbose_name = _("nightly draft")
        verbose_name_plural = _("nightly drafts")
        constraints = [
            models.UniqueConstraint(fields=["branch", "day"], name="nightly_once_per_branch_day")
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.day} {self.outcome}"
