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
from doorstep.ledger.services import LedgerEvent, ledger_append, ledger_append_many
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.scoring import training, treatment
from doorstep.scoring.features import customer_features
from doorstep.scoring.history import history_load
from doorstep.scoring.models import ModelVersion, Score, ScoringRun
from doorstep.scoring.scorecard import Scorecard

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
    ledger_append(
        kind="scoring.model_promoted",
        actor=None,
        subject={"model": f"{version.name}-v{version.version}"},
        record={"approval": request.pk, "fingerprint": version.data_fingerprint},
    )


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


def scores_run(*, as_of: date, progress: Callable[[int], None] | None = None) -> RunResult:
    """Score every case open on ``as_of`` with the champion; re-running the date replaces it.

    Scores, the run and its stability report are written in one transaction, so a crash
    leaves the previous run of the date intact and a repeat gives the same rows.
    """
    version = champion()
    card = Scorecard.from_dict(version.scorecard)
    started = timezone.now()
    cases = list(
        Case.objects.filter(status__in=[s.value for s in OPEN], opened_on__lte=as_of)
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
    history = history_load(upto=as_of)
    features = customer_features(history, as_of)
    customer_ids = pl.DataFrame(
        {"customer_id": [c[1] for c in cases]}, schema={"customer_id": pl.Int64}
    )
    frame = training.pandas_features(
        customer_ids.join(features, on="customer_id", how="left", maintain_order="left")
    )
    points = card.score(frame)
    p_pay = 1.0 - card.probability(points)
    reasons = _reason_payload(card, frame)
    exposure = np.array([float(p + i + f) for _, _, _, p, i, f in cases])
    loss = np.array([training.segment_loss(bucket) for _, _, bucket, *_ in cases])
    recoverable = exposure * (1.0 - loss)
    recovery = p_pay * recoverable
    priority = np.empty(len(cases), dtype=np.int64)
    priority[np.argsort(-recovery, kind="stable")] = np.arange(1, len(cases) + 1)
    holds = _allowed_channels(as_of)
    plan = treatment.recommend(
        p_pay=p_pay,
        recoverable=recoverable,
        dpd=frame["dpd_now"].fillna(0).to_numpy(dtype=np.int64),
        distress=treatment.distress_of(
            frame["reversals_12m"].to_numpy(), frame["other_debts_to_income"].to_numpy()
        ),
        allowed=[holds.get(customer) for _, customer, *_ in cases],
    )
    report = training.stability(card, version.reference, frame) if cases else {}
    alerts = []
    if report:
        level = training.alert_level(report["score_psi"])
        if level != "ok":
            alerts.append({"what": "score", "psi": report["score_psi"], "level": level})
        for name, psi in report["characteristics"].items():
            level = training.alert_level(psi)
            if level != "ok":
                alerts.append({"what": name, "psi": psi, "level": level})
    worklist = [
        i
        for i, t in enumerate(plan.treatment)
        if t in (treatment.Treatment.CALL, treatment.Treatment.VISIT)
    ]
    gbm_reasons = _shap_reasons(version, frame, worklist)
    with transaction.atomic():
        _, deleted = ScoringRun.objects.filter(as_of=as_of, model_version=version).delete()
        replaced = deleted.get(ScoringRun._meta.label, 0)
        run = ScoringRun.objects.create(
            as_of=as_of,
            model_version=version,
            started_at=started,
            finished_at=timezone.now(),
            cases=len(cases),
            stability=report,
            alerts=alerts,
        )
        rows = [
            Score(
                run=run,
                case_id=case[0],
                as_of=as_of,
                model_version=version,
                points=round(float(points[i])),
                probability=round(float(p_pay[i]), 6),
                expected_recovery=Decimal(f"{recovery[i]:.2f}"),
                priority=int(priority[i]),
                treatment=plan.treatment[i].value,
                visit_uplift=Decimal(f"{plan.visit_uplift[i]:.2f}"),
                reasons=reasons[i],
                gbm_reasons=gbm_reasons.get(i, []),
            )
            for i, case in enumerate(cases)
        ]
        for start in range(0, len(rows), BATCH):
            Score.objects.bulk_create(rows[start : start + BATCH])
            if progress is not None:
                progress(len(rows[start : start + BATCH]))
        ledger_append_many(
            [
                LedgerEvent(
                    kind="scoring.run",
                    actor=None,
                    subject={"model": f"{version.name}-v{version.version}"},
                    record={
                        "as_of": as_of,
                        "cases": len(cases),
                        "score_psi": report.get("score_psi"),
                        "replaced": bool(replaced),
                    },
                )
            ]
        )
    return RunResult(run=run, replaced=int(replaced))
