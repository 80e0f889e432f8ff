"""Reads of scores and the model registry, scoped like cases.

A score is read only through the case it belongs to (``cases.selectors``: 404 outside the
reader's scope), the worklist only over the cases the reader may see. The registry (metrics,
parameters, the scorecard table) is for the people who govern models: managers,
administrators, compliance and audit; everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.utils import timezone, translation

from doorstep.cases.selectors import case_get, case_visible
from doorstep.scoring import abtest, metrics
from doorstep.scoring.features import FEATURES
from doorstep.scoring.models import Experiment, ExperimentCase, ModelVersion, Score, ScoringRun
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
    highest expected recovery first (priorities rank within a branch, so a view across
    branches orders by the amount itself)."""
    day = as_of or latest_scored_date()
    if day is None:
        return Score.objects.none()
    return (
        Score.objects.filter(as_of=day, case__in=case_visible(user=user))
        .select_related("case", "model_version")
        .order_by("-expected_recovery", "priority", "pk")
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


OUTCOME_BATCH = 2000
PROMISES_JUDGED = ("kept", "partly_kept", "broken")


def experiment_list(*, user: Any) -> QuerySet[Experiment]:
    _registry_reader(user)
    return Experiment.objects.select_related("champion", "challenger", "created_by")


def experiment_get(*, user: Any, pk: int) -> Experiment:
    return experiment_list(user=user).get(pk=pk)


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def experiment_outcomes(
    experiment: Experiment, *, days: int, as_of: date, paid: dict[int, bool] | None = None
) -> tuple[dict[str, abtest.ArmOutcomes], int]:
    """What happened to each arm's cases in the ``days`` after they were assigned, for the
    cases assigned at least ``days`` before ``as_of``; and how many cases are still too
    recent to count (``paid``, if given, receives whether each counted case paid anything).
    Cured: the case closed as cured by then. Recovered: payments on the
    case's accounts after the assignment day up to the end, not reversed by the end. Kept
    promises: promises taken in the window and judged, kept in full."""
    from doorstep.cases.lifecycle import Status as CaseStatus
    from doorstep.cases.models import Case
    from doorstep.plans.models import Promise
    from doorstep.portfolio.models import Payment

    last = as_of - timedelta(days=days)
    rows = list(
        ExperimentCase.objects.filter(experiment=experiment, assigned_on__lte=last).values_list(
            "case_id", "arm", "assigned_on"
        )
    )
    pending = ExperimentCase.objects.filter(experiment=experiment, assigned_on__gt=last).count()
    window = {case: (start, start + timedelta(days=days)) for case, _arm, start in rows}
    cured: dict[int, bool] = {}
    recovered: dict[int, Decimal] = {case: Decimal("0") for case in window}
    kept = dict.fromkeys(abtest.ARMS, 0)
    judged = dict.fromkeys(abtest.ARMS, 0)
    arm_of = {case: arm for case, arm, _ in rows}
    ids = sorted(window)
    paid = paid if paid is not None else {}
    links = Case.accounts.through
    for start in range(0, len(ids), OUTCOME_BATCH):
        chunk = ids[start : start + OUTCOME_BATCH]
        for case, status, closed in Case.objects.filter(pk__in=chunk).values_list(
            "pk", "status", "closed_at"
        ):
            closed_on = _local_date(closed)
            cured[case] = (
                status == CaseStatus.CLOSED_CURED.value
                and closed_on is not None
                and closed_on <= window[case][1]
            )
        accounts: dict[int, list[int]] = {}
        for case, account in links.objects.filter(case_id__in=chunk).values_list(
            "case_id", "account_id"
        ):
            accounts.setdefault(account, []).append(case)
        first = min(window[c][0] for c in chunk)
        end = max(window[c][1] for c in chunk)
        for account, paid_on, amount, reversed_on in Payment.objects.filter(
            account_id__in=list(accounts), paid_on__gt=first, paid_on__lte=end
        ).values_list("account_id", "paid_on", "amount", "reversed_on"):
            for case in accounts[account]:
                begin, stop = window[case]
                if begin < paid_on <= stop and (reversed_on is None or reversed_on > stop):
                    recovered[case] += amount
        for case, taken_on, status in Promise.objects.filter(
            case_id__in=chunk, status__in=PROMISES_JUDGED
        ).values_list("case_id", "taken_on", "status"):
            begin, stop = window[case]
            if begin <= taken_on <= stop:
                judged[arm_of[case]] += 1
                kept[arm_of[case]] += status == "kept"
    paid.update({case: recovered[case] > 0 for case in ids})
    arms = {
        arm: abtest.ArmOutcomes(
            cured=[cured[c] for c in ids if arm_of[c] == arm],
            recovered=[float(recovered[c]) for c in ids if arm_of[c] == arm],
            promises_kept=kept[arm],
            promises_judged=judged[arm],
        )
        for arm in abtest.ARMS
    }
    return arms, pending


def shadow_discrimination(experiment: Experiment, paid: dict[int, bool]) -> dict[str, Any]:
    """How well each model ranked the same cases — every counted case of both arms, each
    model's probability of paying from the night the case was assigned (shadow scores make
    this possible) against whether it paid anything in the window: AUC (None with one class)."""
    assigned = dict(
        ExperimentCase.objects.filter(experiment=experiment, case_id__in=list(paid)).values_list(
            "case_id", "assigned_on"
        )
    )
    models = {abtest.CHAMPION: experiment.champion_id, abtest.CHALLENGER: experiment.challenger_id}
    scored: dict[int, dict[int, float]] = {pk: {} for pk in models.values()}
    ids = sorted(paid)
    for start in range(0, len(ids), OUTCOME_BATCH):
        chunk = ids[start : start + OUTCOME_BATCH]
        for case, model, on, probability in Score.every.filter(
            case_id__in=chunk, model_version_id__in=list(models.values())
        ).values_list("case_id", "model_version_id", "as_of", "probability"):
            if on == assigned.get(case):
                scored[model][case] = probability
    out: dict[str, Any] = {}
    for arm, model in models.items():
        cases = sorted(scored[model])
        y = [int(paid[c]) for c in cases]
        both = 0 < sum(y) < len(y)
        out[arm] = {
            "n": len(cases),
            "auc": metrics.auc(y, [scored[model][c] for c in cases]) if both else None,
        }
    return out


def experiment_comparison(
    *, user: Any, pk: int, days: int = 30, as_of: date | None = None
) -> dict[str, Any]:
    """The outcome comparison of an experiment, for the governance roles."""
    experiment = experiment_get(user=user, pk=pk)
    day = as_of or timezone.localdate()
    paid: dict[int, bool] = {}
    arms, pending = experiment_outcomes(experiment, days=days, as_of=day, paid=paid)
    return {
        "discrimination": shadow_discrimination(experiment, paid),
        "experiment": experiment,
        "days": days,
        "as_of": day,
        "pending": pending,
        **abtest.compare(arms),
    }


EXPERIMENT_ROLES = frozenset({Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN, Role.HEAD_OFFICE_ADMIN})


def experiment_manager(user: Any) -> None:
    """Starting, stopping an experiment or asking to promote its challenger: managers and
    administrators (compliance and audit only read)."""
    staff = staff_for(user)
    if staff is None or staff.role not in EXPERIMENT_ROLES:
        raise PermissionDenied


def may_manage_experiments(user: Any) -> bool:
    try:
        experiment_manager(user)
    except PermissionDenied:
        return False
    return True
