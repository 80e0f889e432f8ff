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
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from doorstep.core.api_errors import BoundedPageNumberPagination
from doorstep.scoring import selectors
from doorstep.scoring.models import ModelVersion, Score, ScoringRun

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
