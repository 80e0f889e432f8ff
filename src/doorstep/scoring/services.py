"""Writes of the scoring app: train a model version, ask to promote it, score the open cases.

Each is one transaction with its ledger entry. Promotion to champion goes through the oversight
approvals (maker-checker): the trainer asks, someone else on the route decides, and the switch
happens in the transaction that records the deciding vote (``model_promotion_approved``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.lifecycle import OPEN
from doorstep.cases.models import Case
from doorstep.compliance.models import Hold
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import LedgerEvent, ledger_append, ledger_append_many
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.scoring import abtest, training, treatment
from doorstep.scoring.features import customer_features
from doorstep.scoring.history import history_load
from doorstep.scoring.models import (
    Experiment,
    ExperimentCase,
    ModelVersion,
    Score,
    ScoringPartition,
    ScoringRun,
)
from doorstep.scoring.scorecard import Scorecard
from doorstep.staff.models import Branch

MODEL_NAME = "pay30"
PROMOTE_KIND = "scoring.promote"
SNAPSHOTS = 6
MIN_TRAINING_ROWS = 200
BATCH = 2000


def model_train(*, as_of: date, owner: Any, snapshots: int = SNAPSHOTS) -> ModelVersion:
    """Fit both models on month-end snapshots whose 30-day outcome is known by ``as_of``.

    The new version is a challenger; it scores nothing until promoted.
    """
    last = as_of - timedelta(days=training.HORIZON_DAYS)
    dates = training.month_ends(last, snapshots)
    history = history_load(upto=as_of)
    rows = training.training_table(history, dates)
    if rows.height < MIN_TRAINING_ROWS or rows["bad"].n_unique() < 2:
        raise DomainError(
            "too_little_history",
            _(
                "Only %(rows)s delinquent customer-months with an outcome before %(as_of)s; "
                "training needs at least %(needed)s with both outcomes."
            )
            % {"rows": rows.height, "as_of": as_of, "needed": MIN_TRAINING_ROWS},
        )
    fitted = training.fit(rows)
    with transaction.atomic():
        latest = (
            ModelVersion.objects.select_for_update()
            .filter(name=MODEL_NAME)
            .order_by("-version")
            .first()
        )
        version = ModelVersion.objects.create(
            name=MODEL_NAME,
            version=(latest.version + 1) if latest else 1,
            target=training.TARGET,
            owner=owner,
            trained_at=timezone.now(),
            data_from=min(dates),
            data_to=max(dates),
            data_fingerprint=training.fingerprint(rows),
            rows=fitted.rows,
            positives=fitted.positives,
            features=list(fitted.scorecard.features),
            params=fitted.params,
            metrics=fitted.metrics,
            scorecard=fitted.scorecard.as_dict(),
            lightgbm=fitted.booster.model_to_string(),
            reference=fitted.reference,
        )
        ledger_append(
            kind="scoring.model_trained",
            actor=owner,
            subject={"model": f"{version.name}-v{version.version}"},
            record={
                "fingerprint": version.data_fingerprint,
                "rows": version.rows,
                "scorecard_auc": fitted.metrics["models"]["scorecard"]["auc"],
                "lightgbm_auc": fitted.metrics["models"]["lightgbm"]["auc"],
            },
        )
    return version


def model_promotion_request(
    *, version: ModelVersion, requested_by: Any, reason: str
) -> ApprovalRequest:
    if version.status != ModelVersion.Status.CHALLENGER:
        raise ConflictError("not_a_challenger", _("Only a challenger can be promoted to champion."))
    auc = version.metrics["models"]["scorecard"]["auc"]
    return approval_request(
        kind=PROMOTE_KIND,
        subject=version,
        summary=_("Make %(model)s the champion (CV AUC %(auc).3f)")
        % {"model": str(version), "auc": auc},
        payload={"model_version": version.pk, "fingerprint": version.data_fingerprint},
        requested_by=requested_by,
        reason=reason,
    )


def model_promotion_approved(request: ApprovalRequest) -> None:
    """Approval handler: the challenger becomes champion, the old champion retires."""
    version = ModelVersion.objects.select_for_update().get(pk=request.payload["model_version"])
    if version.status != ModelVersion.Status.CHALLENGER:
        raise ConflictError("not_a_challenger", _("Only a challenger can be promoted to champion."))
    ModelVersion.objects.filter(name=version.name, status=ModelVersion.Status.CHAMPION).update(
        status=ModelVersion.Status.RETIRED
    )
    version.status = ModelVersion.Status.CHAMPION
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    _experiments_stop(version.name, _("A new champion was approved."))
    ledger_append(
        kind="scoring.model_promoted",
        actor=None,
        subject={"model": f"{version.name}-v{version.version}"},
        record={"approval": request.pk, "fingerprint": version.data_fingerprint},
    )


def _experiments_stop(name: str, reason: str) -> None:
    for experiment in Experiment.objects.select_for_update().filter(
        name=name, status=Experiment.Status.RUNNING
    ):
        experiment.status = Experiment.Status.STOPPED
        experiment.stopped_on = timezone.localdate()
        experiment.stop_reason = reason[:200]
        experiment.save(update_fields=["status", "stopped_on", "stop_reason"])
        ledger_append(
            kind="scoring.experiment_stopped",
            actor=None,
            subject={"experiment": experiment.pk},
            record={"reason": reason},
        )


@transaction.atomic
def experiment_start(
    *, challenger: ModelVersion, share: Decimal, seed: int, actor: Any, on: date | None = None
) -> Experiment:
    """Let ``challenger`` score and treat ``share`` of the open cases from the next run on,
    against the current champion. One running experiment per model."""
    if challenger.status != ModelVersion.Status.CHALLENGER:
        raise ConflictError("not_a_challenger", _("Only a challenger can be tested live."))
    if not Decimal("0") < share < Decimal("1"):
        raise DomainError(
            "invalid_share", _("The share must be between 0 and 1 (exclusive)."), field="share"
        )
    if not 0 <= seed < 2**31:
        raise DomainError(
            "invalid_seed", _("The seed must be between 0 and 2³¹ − 1."), field="seed"
        )
    current = champion()
    if current.name != challenger.name:
        raise ConflictError(
            "other_model", _("The challenger must be a version of the champion's model.")
        )
    if Experiment.objects.filter(name=challenger.name, status=Experiment.Status.RUNNING).exists():
        raise ConflictError(
            "experiment_running",
            _("An experiment is already running for this model: stop it first."),
        )
    experiment = Experiment.objects.create(
        name=challenger.name,
        champion=current,
        challenger=challenger,
        share=share,
        seed=seed,
        started_on=on or timezone.localdate(),
        created_by=actor,
    )
    ledger_append(
        kind="scoring.experiment_started",
        actor=actor,
        subject={"experiment": experiment.pk},
        record={
            "champion": f"{current.name}-v{current.version}",
            "challenger": f"{challenger.name}-v{challenger.version}",
            "share": str(share),
            "seed": seed,
        },
    )
    return experiment


@transaction.atomic
def experiment_stop(*, experiment: Experiment, actor: Any, reason: str) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != Experiment.Status.RUNNING:
        raise ConflictError("experiment_stopped", _("The experiment is not running."))
    if not reason.strip():
        raise DomainError("reason_required", _("Give a reason."), field="reason")
    experiment.status = Experiment.Status.STOPPED
    experiment.stopped_on = timezone.localdate()
    experiment.stop_reason = reason.strip()[:200]
    experiment.save(update_fields=["status", "stopped_on", "stop_reason"])
    ledger_append(
        kind="scoring.experiment_stopped",
        actor=actor,
        subject={"experiment": experiment.pk},
        record={"reason_hash": content_hash(reason.strip())},
    )
    return experiment


def experiment_running(name: str = MODEL_NAME) -> Experiment | None:
    return (
        Experiment.objects.filter(name=name, status=Experiment.Status.RUNNING)
        .select_related("champion", "challenger")
        .first()
    )


def _arms(experiment: Experiment, case_ids: list[int], as_of: date) -> dict[int, str]:
    """Each case's arm: the one recorded when it was first scored in the experiment, else the
    hash of its id and the seed (recorded now)."""
    known = dict(ExperimentCase.objects.filter(experiment=experiment).values_list("case_id", "arm"))
    share = float(experiment.share)
    new = [
        ExperimentCase(
            experiment=experiment,
            case_id=case,
            arm=abtest.arm_of(experiment.seed, case, share),
            assigned_on=as_of,
        )
        for case in case_ids
        if case not in known
    ]
    ExperimentCase.objects.bulk_create(new, batch_size=BATCH)
    known.update({row.case_id: row.arm for row in new})
    return {case: known[case] for case in case_ids}


def champion() -> ModelVersion:
    version = ModelVersion.objects.filter(
        name=MODEL_NAME, status=ModelVersion.Status.CHAMPION
    ).first()
    if version is None:
        raise DomainError(
            "no_champion", _("No approved champion model yet: train one and have it approved.")
        )
    return version


@dataclass(frozen=True)
class RunResult:
    run: ScoringRun
    replaced: int


def _reason_payload(card: Scorecard, frame: Any) -> list[list[dict[str, Any]]]:
    return [
        [{"feature": r.characteristic, "bin": r.bin, "points_lost": r.points_lost} for r in reasons]
        for reasons in card.reasons(frame)
    ]


def _shap_reasons(
    version: ModelVersion, frame: Any, rows: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """LightGBM's top-3 SHAP contributions towards not paying, for the worklist rows only
    (``pred_contrib`` runs at roughly a thousand rows a second here, too slow for the book)."""
    if not rows or not version.lightgbm:
        return {}
    booster = lgb.Booster(model_str=version.lightgbm)
    contributions = training.shap_top(booster, frame.iloc[rows])
    return dict(zip(rows, contributions, strict=True))


def _allowed_channels(as_of: date) -> dict[int, frozenset[str]]:
    """Customers under a compliance hold at the end of ``as_of``: the channels every one of
    their holds still allows (an empty set: none)."""
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time(0)))
    allowed: dict[int, frozenset[str]] = {}
    holds = Hold.objects.filter(starts_at__lt=end).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gte=end),
        Q(released_at__isnull=True) | Q(released_at__gte=end),
    )
    for customer, channels in holds.values_list("customer_id", "allowed_channels"):
        these = frozenset(channels or ())
        allowed[customer] = allowed[customer] & these if customer in allowed else these
    return allowed


@dataclass
class _Scored:
    """One model's scores of the book, before they are written."""

    version: ModelVersion
    points: Any
    p_pay: Any
    reasons: list[list[dict[str, Any]]]
    recovery: Any
    priority: Any
    plan: treatment.Plan
    counts: dict[str, Any]
    gbm_reasons: dict[int, list[dict[str, Any]]]


def _score_with(
    version: ModelVersion, cases: list[Any], frame: Any, holds: dict[int, frozenset[str]]
) -> _Scored:
    card = Scorecard.from_dict(version.scorecard)
    points = card.score(frame)
    p_pay = 1.0 - card.probability(points)
    reasons = _reason_payload(card, frame)
    exposure = np.array([float(p + i + f) for _, _, _, p, i, f in cases])
    loss = np.array([training.segment_loss(bucket) for _, _, bucket, *_ in cases])
    recoverable = exposure * (1.0 - loss)
    recovery = p_pay * recoverable
    priority = np.empty(len(cases), dtype=np.int64)
    priority[np.argsort(-recovery, kind="stable")] = np.arange(1, len(cases) + 1)
    plan = treatment.recommend(
        p_pay=p_pay,
        recoverable=recoverable,
        dpd=frame["dpd_now"].fillna(0).to_numpy(dtype=np.int64),
        distress=treatment.distress_of(
            frame["reversals_12m"].to_numpy(), frame["other_debts_to_income"].to_numpy()
        ),
        allowed=[holds.get(customer) for _, customer, *_ in cases],
    )
    counts = training.stability_counts(card, version.reference, frame) if cases else {}
    worklist = [
        i
        for i, t in enumerate(plan.treatment)
        if t in (treatment.Treatment.CALL, treatment.Treatment.VISIT)
    ]
    return _Scored(
        version=version,
        points=points,
        p_pay=p_pay,
        reasons=reasons,
        recovery=recovery,
        priority=priority,
        plan=plan,
        counts=counts,
        gbm_reasons=_shap_reasons(version, frame, worklist),
    )


def _stability_alerts(report: dict[str, Any]) -> list[dict[str, Any]]:
    alerts = []
    if report:
        level = training.alert_level(report["score_psi"])
        if level != "ok":
            alerts.append({"what": "score", "psi": report["score_psi"], "level": level})
        for name, psi in report["characteristics"].items():
            level = training.alert_level(psi)
            if level != "ok":
                alerts.append({"what": name, "psi": psi, "level": level})
    return alerts


def _scoring_models() -> tuple[list[ModelVersion], Experiment | None]:
    """The champion, and the challenger while an experiment against this champion runs."""
    version = champion()
    experiment = experiment_running(version.name)
    if experiment is not None and experiment.champion_id != version.pk:
        experiment = None  # a stale experiment against a retired champion scores nothing
    models = [version] + ([experiment.challenger] if experiment is not None else [])
    return models, experiment


def _open_cases(as_of: date, branch: Branch) -> list[Any]:
    return list(
        Case.objects.filter(branch=branch, status__in=[s.value for s in OPEN], opened_on__lte=as_of)
        .order_by("pk")
        .values_list(
            "pk",
            "customer_id",
            "bucket",
            "outstanding_principal",
            "outstanding_interest",
            "outstanding_penalty",
        )
    )


@transaction.atomic
def scores_prepare(*, as_of: date) -> int:
    """Open the date's runs before its branch partitions score: one run per scoring model
    (kept if it exists, so readers keep the old scores of a branch until that branch is
    re-scored), runs of models that no longer score dropped, and one pending partition per
    branch. Returns how many runs of the date already existed."""
    models, _experiment = _scoring_models()
    existing = ScoringRun.objects.select_for_update().filter(as_of=as_of)
    replaced = existing.count()
    existing.exclude(model_version__in=models).delete()
    now = timezone.now()
    for model in models:
        ScoringRun.objects.update_or_create(
            as_of=as_of,
            model_version=model,
            defaults={
                "started_at": now,
                "finished_at": now,
                "cases": 0,
                "stability": {},
                "alerts": [],
                "complete": False,
            },
        )
    branches = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    ScoringPartition.objects.filter(as_of=as_of).exclude(branch_id__in=branches).delete()
    for branch_id in branches:
        ScoringPartition.objects.update_or_create(
            as_of=as_of,
            branch_id=branch_id,
            defaults={"cases": 0, "counts": {}, "finished_at": None},
        )
    return replaced


def scores_run_branch(
    *,
    as_of: date,
    branch: Branch,
    features: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score ``branch``'s open cases for ``as_of`` into the date's prepared runs, replacing
    the branch's scores of the date (and only those): safe to run twice, and disjoint from
    every other branch's partition. Priorities rank within the branch, and the treatment
    capacity (``treatment.Policy``: visit slots, phone minutes) is the branch's day.
    ``features`` (the whole book's, when one process scores every branch) spares re-reading
    the history. Returns the number of cases scored."""
    models, experiment = _scoring_models()
    runs = {
        run.model_version_id: run
        for run in ScoringRun.objects.filter(as_of=as_of, model_version__in=models)
    }
    if len(runs) != len(models):
        raise ConflictError(
            "run_not_prepared", _("The scoring run of this date was not opened: run it again.")
        )
    cases = _open_cases(as_of, branch)
    if not cases:
        with transaction.atomic():
            Score.every.filter(as_of=as_of, case__branch=branch).delete()
            ScoringPartition.objects.update_or_create(
                as_of=as_of,
                branch=branch,
                defaults={"cases": 0, "counts": {}, "finished_at": timezone.now()},
            )
        return 0
    if features is None:
        mine = Case.objects.filter(
            branch=branch, status__in=[s.value for s in OPEN], opened_on__lte=as_of
        ).values("customer_id")
        features = customer_features(history_load(upto=as_of, customers=mine), as_of)
    customer_ids = pl.DataFrame(
        {"customer_id": [c[1] for c in cases]}, schema={"customer_id": pl.Int64}
    )
    frame = training.pandas_features(
        customer_ids.join(features, on="customer_id", how="left", maintain_order="left")
    )
    holds = _allowed_channels(as_of)
    scored = [_score_with(model, cases, frame, holds) for model in models]
    with transaction.atomic():
        arms = _arms(experiment, [c[0] for c in cases], as_of) if experiment else {}
        Score.every.filter(as_of=as_of, case__branch=branch).delete()
        shadow: list[Score] = []
        acting: list[Score] = []
        for result, arm in zip(scored, abtest.ARMS, strict=False):
            model = result.version
            for i, case in enumerate(cases):
                row = Score(
                    run=runs[model.pk],
                    case_id=case[0],
                    as_of=as_of,
                    model_version=model,
                    points=round(float(result.points[i])),
                    probability=round(float(result.p_pay[i]), 6),
                    expected_recovery=Decimal(f"{result.recovery[i]:.2f}"),
                    priority=int(result.priority[i]),
                    treatment=result.plan.treatment[i].value,
                    visit_uplift=Decimal(f"{result.plan.visit_uplift[i]:.2f}"),
                    reasons=result.reasons[i],
                    gbm_reasons=result.gbm_reasons.get(i, []),
                    acting=not arms or arms[case[0]] == arm,
                    arm=arms.get(case[0], ""),
                )
                (acting if row.acting else shadow).append(row)
        # Shadow rows first: a reader taking a case's newest row by id meets the acting one.
        rows = shadow + acting
        for start in range(0, len(rows), BATCH):
            Score.every.bulk_create(rows[start : start + BATCH])
            if progress is not None:
                progress(len(rows[start : start + BATCH]))
        ScoringPartition.objects.update_or_create(
            as_of=as_of,
            branch=branch,
            defaults={
                "cases": len(cases),
                "counts": {str(r.version.pk): r.counts for r in scored},
                "finished_at": timezone.now(),
            },
        )
    return len(cases)


@transaction.atomic
def scores_finish(*, as_of: date, replaced: int | None = None) -> list[ScoringRun] | None:
    """The whole-book step after the partitions: each run's case count, its stability report
    (PSI from the partitions' summed histograms, exactly what one pass over the book gives)
    and alerts, and the ledger entries. None while a partition is still pending; a run
    already finished is not finished twice."""
    runs = list(
        ScoringRun.objects.select_for_update()
        .filter(as_of=as_of)
        .select_related("model_version")
        .order_by("pk")
    )
    partitions = list(ScoringPartition.objects.filter(as_of=as_of))
    if not runs or any(p.finished_at is None for p in partitions):
        return None
    if all(run.complete for run in runs):
        return runs
    cases = sum(p.cases for p in partitions)
    experiment = experiment_running(runs[0].model_version.name)
    events = []
    for run in runs:
        counts: dict[str, Any] = {}
        for partition in partitions:
            counts = training.counts_add(
                counts, partition.counts.get(str(run.model_version_id), {})
            )
        run.stability = (
            training.stability_from_counts(run.model_version.reference, counts) if cases else {}
        )
        run.alerts = _stability_alerts(run.stability)
        run.cases = cases
        run.finished_at = timezone.now()
        run.complete = True
        run.save(update_fields=["stability", "alerts", "cases", "finished_at", "complete"])
        version = run.model_version
        events.append(
            LedgerEvent(
                kind="scoring.run",
                actor=None,
                subject={"model": f"{version.name}-v{version.version}"},
                record={
                    "as_of": as_of,
                    "cases": cases,
                    "score_psi": run.stability.get("score_psi"),
                    "replaced": bool(replaced) if replaced is not None else None,
                    "partitions": len(partitions),
                    "experiment": experiment.pk if experiment is not None else None,
                    "acting": Score.objects.filter(run=run).count(),
                },
            )
        )
    ledger_append_many(events)
    return runs


def scores_run(*, as_of: date, progress: Callable[[int], None] | None = None) -> RunResult:
    """Score every case open on ``as_of`` with the champion — and, while a champion–challenger
    experiment runs, with the challenger too (shadow scores for every case; each case's
    treatment follows its arm). Re-running the date replaces that date's runs.

    The same three steps as the partitioned nightly task (``scoring.run`` →
    ``scoring.run_branch`` per branch → ``scores_finish``), in one process and one
    transaction: a crash leaves the previous run of the date intact, and the result is the
    partitioned run's, row for row (tested).
    """
    models, _experiment = _scoring_models()
    features = customer_features(history_load(upto=as_of), as_of)
    with transaction.atomic():
        replaced = scores_prepare(as_of=as_of)
        for branch in Branch.objects.order_by("pk"):
            scores_run_branch(as_of=as_of, branch=branch, features=features, progress=progress)
        runs = scores_finish(as_of=as_of, replaced=replaced)
    if runs is None:  # cannot happen: every partition of the date was just written
        raise ConflictError("run_not_finished", _("A branch of the scoring run is missing."))
    first = next(run for run in runs if run.model_version_id == models[0].pk)
    return RunResult(run=first, replaced=replaced)
