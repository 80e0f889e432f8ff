"""Reads of scores and the model registry, scoped like cases.

A score is read only through the case it belongs to (``cases.selectors``: 404 outside the
reader's scope), the worklist only over the cases the reader may see. The registry (metrics,
parameters, the scorecard table) is for the people who govern models: managers,
administrators, compliance and audit; everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.utils import translation

from doorstep.cases.selectors import case_get, case_visible
from doorstep.scoring.features import FEATURES
from doorstep.scoring.models import ModelVersion, Score, ScoringRun
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

UPLIFT_LOOKUP_BATCH = 500

REGISTRY_ROLES = frozenset(
    {
        Role.COLLECTIONS_MANAGER,
        Role.BRANCH_ADMIN,
        Role.HEAD_OFFICE_ADMIN,
        Role.COMPLIANCE_OFFICER,
        Role.INTERNAL_AUDITOR,
    }
)


def _registry_reader(user: Any) -> None:
    staff = staff_for(user)
    if staff is None or staff.role not in REGISTRY_ROLES:
        raise PermissionDenied


def model_list(*, user: Any) -> QuerySet[ModelVersion]:
    _registry_reader(user)
    return ModelVersion.objects.select_related("owner")


def model_get(*, user: Any, pk: int) -> ModelVersion:
    return model_list(user=user).get(pk=pk)


def run_list(*, user: Any) -> QuerySet[ScoringRun]:
    _registry_reader(user)
    return ScoringRun.objects.select_related("model_version")


def score_for_case(*, user: Any, case_id: int) -> Score | None:
    """The newest score of a case the user may see (None if it was never scored)."""
    case = case_get(user=user, pk=case_id)
    return (
        Score.objects.filter(case=case)
        .select_related("model_version", "case")
        .order_by("-as_of", "-id")
        .first()
    )


def latest_scored_date() -> date | None:
    latest: date | None = Score.objects.aggregate(latest=Max("as_of"))["latest"]
    return latest


def worklist(*, user: Any, as_of: date | None = None) -> QuerySet[Score]:
    """The scores of ``as_of`` (default: the newest scored date) on cases the user may see,
    highest expected recovery first."""
    day = as_of or latest_scored_date()
    if day is None:
        return Score.objects.none()
    return (
        Score.objects.filter(as_of=day, case__in=case_visible(user=user))
        .select_related("case", "model_version")
        .order_by("priority", "pk")
    )


def visit_uplifts(case_ids: Iterable[int], *, on: date) -> dict[int, Decimal]:
    """The value a field visit adds to each case, from its newest score on or before ``on``
    (cases never scored are absent): what the planner weighs candidates by. A system read for
    the planner, which has already scoped the cases."""
    found: dict[int, Decimal] = {}
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), UPLIFT_LOOKUP_BATCH):
        rows = (
            Score.objects.filter(
                case_id__in=ids[start : start + UPLIFT_LOOKUP_BATCH], as_of__lte=on
            )
            .order_by("case_id", "as_of", "id")
            .values_list("case_id", "visit_uplift")
        )
        found.update(rows)  # later rows (newer scores) overwrite earlier ones
    return found


def reason_lines(score: Score) -> list[dict[str, Any]]:
    """Reason codes with the characteristic named in both languages and in the reader's."""
    chinese = (translation.get_language() or "").startswith("zh")
    out = []
    for reason in score.reasons:
        english, zh = FEATURES.get(reason["feature"], (reason["feature"], reason["feature"]))
        out.append(
            {
                **reason,
                "label": zh if chinese else english,
                "label_en": english,
                "label_zh": zh,
            }
        )
    return out
