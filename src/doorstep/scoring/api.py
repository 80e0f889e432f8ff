"""Scores and the model registry over JSON (read-only).

Thin: every read goes through ``scoring.selectors`` (cases scoped like the case API, the
registry for governance roles only). Money is a string with two decimals.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import PlainSerializer, WithJsonSchema

from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination
from doorstep.scoring import selectors, services
from doorstep.scoring.models import Experiment, ModelVersion, Score, ScoringRun

router = Router(tags=["scoring"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "2000.00"}),
]
Time = Annotated[
    datetime,
    PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ReasonOut(Schema):
    feature: str
    label: str
    label_en: str
    label_zh: str
    bin: str
    points_lost: float


class ShapReasonOut(Schema):
    feature: str
    contribution: float


class ScoreOut(Schema):
    case_id: int
    case_reference: str
    as_of: date
    model: str
    points: int
    probability_pay_30d: float
    expected_recovery: Money
    priority: int
    treatment: str
    treatment_label: str
    visit_uplift: Money
    reasons: list[ReasonOut]
    gbm_reasons: list[ShapReasonOut]

    @staticmethod
    def resolve_treatment_label(score: Score) -> str:
        return str(score.get_treatment_display())

    @staticmethod
    def resolve_case_reference(score: Score) -> str:
        return score.case.reference

    @staticmethod
    def resolve_model(score: Score) -> str:
        return str(score.model_version)

    @staticmethod
    def resolve_probability_pay_30d(score: Score) -> float:
        return score.probability

    @staticmethod
    def resolve_reasons(score: Score) -> list[dict[str, Any]]:
        return selectors.reason_lines(score)


class ModelOut(Schema):
    id: int
    name: str
    version: int
    status: str
    target: str
    owner: str
    trained_at: Time
    promoted_at: Time | None
    data_from: date
    data_to: date
    data_fingerprint: str
    rows: int
    positives: int
    features: list[str]
    metrics: dict[str, Any]

    @staticmethod
    def resolve_owner(version: ModelVersion) -> str:
        return str(version.owner.get_username())


class ModelDetailOut(ModelOut):
    params: dict[str, Any]
    scorecard: dict[str, Any]


class RunOut(Schema):
    id: int
    as_of: date
    model: str
    started_at: Time
    finished_at: Time
    cases: int
    stability: dict[str, Any]
    alerts: list[dict[str, Any]]
    complete: bool  # False while branch partitions are still scoring

    @staticmethod
    def resolve_model(run: ScoringRun) -> str:
        return str(run.model_version)


class WorklistQuery(Schema):
    as_of: date | None = None


@router.get("/scoring/models", response=list[ModelOut])
@paginate(BoundedPageNumberPagination)
def models_list(request: HttpRequest) -> Any:
    """Every model version, newest first, with its cross-validated metrics (governance roles)."""
    return selectors.model_list(user=request.user)


@router.get("/scoring/models/{model_id}", response=ModelDetailOut)
def models_detail(request: HttpRequest, model_id: Id) -> ModelVersion:
    """One version with its parameters and the full scorecard table."""
    try:
        return selectors.model_get(user=request.user, pk=model_id)
    except ModelVersion.DoesNotExist:
        raise Http404 from None


@router.get("/scoring/runs", response=list[RunOut])
@paginate(BoundedPageNumberPagination)
def runs_list(request: HttpRequest) -> Any:
    """Nightly runs with their stability (PSI) report and drift alerts."""
    return selectors.run_list(user=request.user)


@router.get("/scoring/worklist", response=list[ScoreOut])
@paginate(BoundedPageNumberPagination)
def worklist(request: HttpRequest, filters: Query[WorklistQuery]) -> Any:
    """Scored cases the caller may see, highest expected recovery first."""
    return selectors.worklist(user=request.user, as_of=filters.as_of)


@router.get("/cases/{case_id}/score", response=ScoreOut)
def case_score(request: HttpRequest, case_id: Id) -> Score:
    """The newest score of a case, with its reason codes; 404 if it was never scored."""
    score = selectors.score_for_case(user=request.user, case_id=case_id)
    if score is None:
        raise Http404
    return score


class ExperimentOut(Schema):
    id: int
    name: str
    champion: str
    challenger: str
    challenger_id: int
    share: float
    seed: int
    status: str
    started_on: date
    stopped_on: date | None
    stop_reason: str

    @staticmethod
    def resolve_champion(experiment: Experiment) -> str:
        return str(experiment.champion)

    @staticmethod
    def resolve_challenger(experiment: Experiment) -> str:
        return str(experiment.challenger)

    @staticmethod
    def resolve_share(experiment: Experiment) -> float:
        return float(experiment.share)


class ExperimentIn(ApiInput):
    challenger_id: int = Field(..., ge=1, le=MAX_ID)
    share: Decimal = Field(..., gt=0, lt=1, max_digits=4, decimal_places=3)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class ReasonIn(ApiInput):
    reason: str = Field(..., min_length=1, max_length=500)


class ComparisonQuery(Schema):
    days: int = Field(30, ge=1, le=365)
    as_of: date | None = Field(None, ge=date(2000, 1, 1), le=date(9999, 1, 1))


def experiment_json(comparison: dict[str, Any]) -> dict[str, Any]:
    """The comparison as the API and the page's chart read it."""
    experiment = comparison["experiment"]
    return {
        "experiment": ExperimentOut.from_orm(experiment).dict(),
        "days": comparison["days"],
        "as_of": comparison["as_of"].isoformat(),
        "pending": comparison["pending"],
        "confidence": comparison["confidence"],
        "arms": comparison["arms"],
        "difference": comparison["difference"],
        "discrimination": comparison["discrimination"],
    }


@router.get("/scoring/experiments", response=list[ExperimentOut])
@paginate(BoundedPageNumberPagination)
def experiments_list(request: HttpRequest) -> Any:
    """Champion–challenger experiments, newest first (governance roles)."""
    return selectors.experiment_list(user=request.user)


@router.post("/scoring/experiments", response={201: ExperimentOut})
def experiments_start(request: HttpRequest, payload: ExperimentIn) -> Status[Experiment]:
    """Start testing a challenger on a share of the live cases (managers, administrators)."""
    selectors.experiment_manager(request.user)
    try:
        challenger = ModelVersion.objects.get(pk=payload.challenger_id)
    except ModelVersion.DoesNotExist:
        raise Http404 from None
    experiment = services.experiment_start(
        challenger=challenger, share=payload.share, seed=payload.seed, actor=request.user
    )
    return Status(201, experiment)


@router.get("/scoring/experiments/{experiment_id}/comparison", response=dict[str, Any])
def experiments_comparison(
    request: HttpRequest, experiment_id: Id, query: Query[ComparisonQuery]
) -> dict[str, Any]:
    """Cure rate, recovered amount per case and kept promises per arm with confidence
    intervals, over the cases assigned at least ``days`` days before ``as_of``."""
    try:
        comparison = selectors.experiment_comparison(
            user=request.user, pk=experiment_id, days=query.days, as_of=query.as_of
        )
    except Experiment.DoesNotExist:
        raise Http404 from None
    return experiment_json(comparison)


@router.post("/scoring/experiments/{experiment_id}/stop", response=ExperimentOut)
def experiments_stop(request: HttpRequest, experiment_id: Id, payload: ReasonIn) -> Experiment:
    selectors.experiment_manager(request.user)
    try:
        experiment = selectors.experiment_get(user=request.user, pk=experiment_id)
    except Experiment.DoesNotExist:
        raise Http404 from None
    return services.experiment_stop(
        experiment=experiment, actor=request.user, reason=payload.reason
    )


@router.post("/scoring/experiments/{experiment_id}/promote", response={202: dict[str, Any]})
def experiments_promote(
    request: HttpRequest, experiment_id: Id, payload: ReasonIn
) -> Status[dict[str, Any]]:
    """Ask for the challenger to become champion: a maker-checker approval (head-office
    administrators decide, not the requester); nothing changes until it is approved."""
    selectors.experiment_manager(request.user)
    try:
        experiment = selectors.experiment_get(user=request.user, pk=experiment_id)
    except Experiment.DoesNotExist:
        raise Http404 from None
    request_ = services.model_promotion_request(
        version=experiment.challenger, requested_by=request.user, reason=payload.reason
    )
    return Status(202, {"approval": request_.pk, "status": request_.status})
