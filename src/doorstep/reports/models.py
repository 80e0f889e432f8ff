"""Daily pre-aggregates behind the dashboards: one generic fact table, one row per cell.

Every chart writes its cells here for a day, keyed by the dimensions the filters need (branch,
team, product) and up to two chart-specific keys (a bucket, a verdict, a rule…), so a page on a
1,000,000-account portfolio sums a few thousand rows instead of scanning the case table, and a new
chart needs no migration.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.fields import money
from doorstep.staff.models import Branch, Team


class Fact(models.Model):
    """One cell of one chart for one day. What ``key``, ``key2``, ``count``, ``amount`` and
    ``amount2`` mean is the chart module's to say (see ``reports/charts``)."""

    day = models.DateField(_("day"))
    chart = models.CharField(_("chart"), max_length=40)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    product = models.CharField(_("product"), max_length=20, blank=True)
    key = models.CharField(_("key"), max_length=40, blank=True)
    key2 = models.CharField(_("second key"), max_length=40, blank=True)
    count = models.BigIntegerField(_("count"), default=0)
    amount = money(_("amount"), default=0)
    amount2 = money(_("second amount"), default=0)

    class Meta:
        verbose_name = _("report fact")
        verbose_name_plural = _("report facts")
        indexes = [models.Index(fields=["chart", "day", "branch"], name="fact_chart_day_branch")]

    def __str__(self) -> str:
        return f"{self.chart} {self.day} {self.key}/{self.key2}"


class Run(models.Model):
    """That a chart was aggregated for a day, and when: the dashboards show snapshot charts as
    of the latest aggregated day and say so."""

    day = models.DateField(_("day"))
    chart = models.CharField(_("chart"), max_length=40)
    rows = models.PositiveIntegerField(_("rows"))
    seconds = models.FloatField(_("seconds"))
    finished_at = models.DateTimeField(_("finished at"))

    class Meta:
        ordering = ["-day", "chart"]
        verbose_name = _("aggregation run")
        verbose_name_plural = _("aggregation runs")
        constraints = [models.UniqueConstraint(fields=["chart", "day"], name="run_once_per_day")]

    def __str__(self) -> str:
        return f"{self.chart} {self.day}"
