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
from doorstep.staff.models import Branch

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
    complete = models.BooleanField(
        _("complete"),
        default=True,
        help_text=_("False while branch partitions of the run are still scoring."),
    )

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "model_version"], name="run_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.model_version} {self.as_of}"


class ScoringPartition(models.Model):
    """One branch's share of a date's run (``scoring.run_branch``): its open cases, and the
    histogram counts per model version the whole-book stability report is summed from.
    ``finished_at`` is empty until the branch's scores are written."""

    as_of = models.DateField(_("as of"))
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    cases = models.PositiveIntegerField(_("cases scored"), default=0)
    counts = models.JSONField(_("stability counts"), default=dict)  # {model version id: counts}
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-as_of", "branch"]
        verbose_name = _("scoring partition")
        verbose_name_plural = _("scoring partitions")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "branch"], name="partition_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.branch_id}"


class ActingScores(models.Manager["Score"]):
    """The scores that set a case's priority and treatment: the champion's, or the
    challenger's for a case in the challenger arm of a running experiment. The other model's
    shadow scores are only in ``Score.every``."""

    def get_queryset(self) -> models.QuerySet[Score]:
        return super().get_queryset().filter(acting=True)


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
    acting = models.BooleanField(
        _("drives the treatment"),
        default=True,
        help_text=_("False for a shadow score of the other model in a champion–challenger test."),
    )
    arm = models.CharField(_("experiment arm"), max_length=10, blank=True)

    every = models.Manager()
    objects = ActingScores()

    class Meta:
        ordering = ["as_of", "priority"]
        base_manager_name = "every"
        default_manager_name = "objects"
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


class Experiment(models.Model):
    """A champion–challenger test: the challenger scores and treats a fixed share of the open
    cases, chosen by a hash of the case id and the seed (``abtest.arm_of``); both models score
    every case. Stopped when either model is promoted or retired, or by hand."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        STOPPED = "stopped", _("Stopped")

    name = models.CharField(_("model"), max_length=40)
    champion = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    challenger = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="experiments"
    )
    share = models.DecimalField(_("challenger share"), max_digits=4, decimal_places=3)
    seed = models.PositiveIntegerField(_("assignment seed"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    started_on = models.DateField(_("started on"))
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.CharField(_("why stopped"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("champion–challenger experiment")
        verbose_name_plural = _("champion–challenger experiments")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(status="running"),
                name="experiment_one_running",
            ),
            models.CheckConstraint(
                condition=models.Q(share__gt=0) & models.Q(share__lt=1),
                name="experiment_share_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.champion} vs {self.challenger}"


class ExperimentCase(models.Model):
    """The arm a case was put in, the first night it was scored during the experiment."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    arm = models.CharField(_("arm"), max_length=10)
    assigned_on = models.DateField(_("assigned on"))

    class Meta:
        ordering = ["experiment", "case"]
        verbose_name = _("experiment case")
        verbose_name_plural = _("experiment cases")
        constraints = [
            models.UniqueConstraint(fields=["experiment", "case"], name="experiment_case_once")
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id} {self.case_id} {self.arm}"
