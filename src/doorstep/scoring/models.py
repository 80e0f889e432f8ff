"""The model registry and the scores it produced.

A ``ModelVersion`` is immutable once trained: what data it saw (a fingerprint), which features,
parameters and cross-validated metrics, who trained it, and the fitted model itself as data.
Only its ``status`` moves, and only to champion through a maker-checker approval. Every
``Score`` names the version that produced it, so any number on a case can be traced back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import Case
from doorstep.core.fields import money
from doorstep.scoring.treatment import Treatment

TREATMENT_LABELS = {
    Treatment.SMS: _("SMS"),
    Treatment.CALL: _("Phone call"),
    Treatment.VISIT: _("Field visit"),
    Treatment.LEGAL: _("Legal hand-off"),
    Treatment.HARDSHIP: _("Hardship review"),
    Treatment.HOLD: _("On hold"),
}
TREATMENTS = [(t.value, TREATMENT_LABELS[t]) for t in Treatment]


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        CHALLENGER = "challenger", _("Challenger")
        CHAMPION = "champion", _("Champion")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("model"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    target = models.CharField(_("predicts"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CHALLENGER
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    trained_at = models.DateTimeField(_("trained at"))
    data_from = models.DateField(_("training data from"))
    data_to = models.DateField(_("training data to"))
    data_fingerprint = models.CharField(_("training data fingerprint"), max_length=64)
    rows = models.PositiveIntegerField(_("training rows"))
    positives = models.PositiveIntegerField(_("positive outcomes"))
    features = models.JSONField(_("features"))
    params = models.JSONField(_("parameters"))
    metrics = models.JSONField(_("cross-validated metrics"))
    scorecard = models.JSONField(_("scorecard"))
    lightgbm = models.TextField(_("LightGBM model"), blank=True)
    reference = models.JSONField(
        _("reference distributions"), help_text=_("Training-time bins for stability reports.")
    )
    promoted_at = models.DateTimeField(_("champion since"), null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="model_version_unique"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(status="champion"),
                name="model_one_champion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScoringRun(models.Model):
    """One nightly run for one date and model version; re-running the date replaces it."""

    as_of = models.DateField(_("as of"))
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    cases = models.PositiveIntegerField(_("cases scored"))
    stability = models.JSONField(_("stability report"))
    alerts = models.JSONField(_("alerts"), default=list)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "model_version"], name="run_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.model_version} {self.as_of}"


class Score(models.Model):
    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="scores")
    as_of = models.DateField(_("as of"))
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField(_("score points"))
    probability = models.FloatField(_("probability of paying within 30 days"))
    expected_recovery = money(_("expected recovery"))
    priority = models.PositiveIntegerField(_("priority rank"))
    treatment = models.CharField(_("recommended treatment"), max_length=10, choices=TREATMENTS)
    visit_uplift = money(_("value a field visit adds"))
    reasons = models.JSONField(_("reason codes"))
    gbm_reasons = models.JSONField(
        _("LightGBM reason codes"),
        default=list,
        help_text=_("SHAP contributions, for cases recommended for a call or visit only."),
    )

    class Meta:
        ordering = ["as_of", "priority"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "as_of", "model_version"], name="score_once_per_date"
            )
        ]
        indexes = [models.Index(fields=["case", "as_of"], name="score_case_date")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.as_of} {self.points}"
