"""Stored scores for other apps' tests (the queue, the planner), without training a model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from doorstep.cases.models import Case
from doorstep.scoring.models import ModelVersion, Score, ScoringRun


def stored_score(case: Case, as_of: date, owner: Any, **fields: Any) -> Score:
    """A score of ``case`` on ``as_of`` from a bare model version and run; ``fields`` set the
    score's own columns (priority, visit_uplift, …)."""
    model, _created = ModelVersion.objects.get_or_create(
        name="pd",
        version=1,
        defaults={
            "target": "pays",
            "owner": owner,
            "trained_at": timezone.now(),
            "data_from": date(2026, 1, 1),
            "data_to": date(2026, 5, 31),
            "data_fingerprint": "0" * 64,
            "rows": 1,
            "positives": 1,
            "features": [],
            "params": {},
            "metrics": {},
            "scorecard": {},
            "reference": {},
        },
    )
    run, _created = ScoringRun.objects.get_or_create(
        as_of=as_of,
        model_version=model,
        defaults={
            "started_at": timezone.now(),
            "finished_at": timezone.now(),
            "cases": 1,
            "stability": {},
        },
    )
    values: dict[str, Any] = {
        "points": 600,
        "probability": 0.4,
        "expected_recovery": Decimal("400.00"),
        "priority": 1,
        "treatment": "call",
        "visit_uplift": Decimal("0.00"),
        "reasons": [],
        **fields,
    }
    return Score.objects.create(run=run, case=case, as_of=as_of, model_version=model, **values)
