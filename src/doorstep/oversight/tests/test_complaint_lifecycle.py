"""The complaint lifecycle and clocks, without a database: every transition and both clocks
across the 2026 Spring Festival (rest 02-15…02-23, make-up workday Saturday 02-14)."""

from __future__ import annotations

from datetime import datetime

import pytest

from doorstep.compliance.engine.calendar import Calendar
from doorstep.oversight.complaints import lifecycle
from doorstep.oversight.complaints.lifecycle import (
    LOCAL,
    Breach,
    Category,
    Extension,
    Facts,
    Status,
)

CALENDAR = Calendar()
READY = Facts(actor_recorded_outcome=False, has_outcome=True, has_root_cause=True, note="ok")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def test_acknowledgement_is_due_by_the_end_of_the_next_business_day() -> None:
    assert lifecycle.ack_due(at("2026-06-30 16:00"), CALENDAR) == at("2026-07-02 00:00")


def test_acknowledgement_skips_a_weekend() -> None:
    assert lifecycle.ack_due(at("2026-06-26 10:00"), CALENDAR) == at("2026-06-30 00:00")


def test_a_make_up_saturday_is_a_business_day() -> None:
    assert lifecycle.ack_due(at("2026-02-13 18:00"), CALENDAR) == at("2026-02-15 00:00")


def test_acknowledgement_skips_the_spring_festival_rest_days() -> None:
    assert lifecycle.ack_due(at("2026-02-14 09:00"), CALENDAR) == at("2026-02-25 00:00")


def test_the_decision_counts_calendar_days_holidays_included() -> None:
    due = lifecycle.decision_due(at("2026-02-14 09:00"), Category.HARASSMENT, Extension.NONE)
    assert due == at("2026-03-02 00:00")


def test_a_receipt_late_in_the_evening_counts_from_its_local_day() -> None:
    utc_evening = datetime.fromisoformat("2026-02-13T17:30:00+00:00")  # 01:30 on 02-14 local
    due = lifecycle.decision_due(utc_evening, Category.HARASSMENT, Extension.NONE)
    assert due == at("2026-03-02 00:00")


@pytest.mark.parametrize(
    ("category", "extension", "days"),
    [
        (Category.HARASSMENT, Extension.NONE, 15),
        (Category.VIOLENCE_THREAT, Extension.NONE, 7),
        (Category.PRIVACY, Extension.NONE, 7),
        (Category.THIRD_PARTY, Extension.NONE, 10),
        (Category.VIOLENCE_THREAT, Extension.COMPLEX, 30),
        (Category.AMOUNT_DISPUTE, Extension.HEAD_OFFICE, 60),
    ],
)
def test_decision_days_by_category_and_extension(
    category: Category, extension: Extension, days: int
) -> None:
    assert lifecycle.decision_days(category, extension) == days


def test_no_category_target_is_longer_than_the_regulation() -> None:
    assert max(lifecycle.CATEGORY_DECISION_DAYS.values()) <= lifecycle.REGULATORY_DECISION_DAYS


def test_breaches_name_each_clock_run_past() -> None:
    ack, decision = at("2026-07-02 00:00"), at("2026-07-16 00:00")
    kwargs = {"ack_due_at": ack, "decision_due_at": decision}
    assert lifecycle.breaches(status=Status.RECEIVED, now=at("2026-07-01 23:59"), **kwargs) == []
    assert lifecycle.breaches(status=Status.RECEIVED, now=ack, **kwargs) == [Breach.ACKNOWLEDGEMENT]
    assert lifecycle.breaches(status=Status.ACKNOWLEDGED, now=decision, **kwargs) == [
        Breach.DECISION
    ]
    assert lifecycle.breaches(status=Status.RESOLVED, now=decision, **kwargs) == []
    assert lifecycle.breaches(status=Status.CLOSED, now=decision, **kwargs) == []


def test_every_pair_outside_the_table_is_refused() -> None:
    for current in Status:
        for target in Status:
            if (current, target) in lifecycle.TRANSITIONS:
                continue
            with pytest.raises(lifecycle.TransitionRefused) as refused:
                lifecycle.check(current, target, READY)
            assert refused.value.message == lifecycle.NOT_ALLOWED


def test_closed_is_final() -> None:
    assert not [pair for pair in lifecycle.TRANSITIONS if pair[0] is Status.CLOSED]


def test_resolving_needs_an_outcome_and_a_root_cause() -> None:
    no_outcome = Facts(
        actor_recorded_outcome=False, has_outcome=False, has_root_cause=True, note=""
    )
    no_cause = Facts(actor_recorded_outcome=False, has_outcome=True, has_root_cause=False, note="")
    with pytest.raises(lifecycle.TransitionRefused, match="Record the outcome"):
        lifecycle.check(Status.INVESTIGATING, Status.RESOLVED, no_outcome)
    with pytest.raises(lifecycle.TransitionRefused, match="root cause"):
        lifecycle.check(Status.INVESTIGATING, Status.RESOLVED, no_cause)
    lifecycle.check(Status.INVESTIGATING, Status.RESOLVED, READY)


@pytest.mark.parametrize("target", [Status.CLOSED, Status.INVESTIGATING])
def test_only_a_second_person_verifies_and_says_what_they_checked(target: Status) -> None:
    same = Facts(actor_recorded_outcome=True, has_outcome=True, has_root_cause=True, note="ok")
    silent = Facts(actor_recorded_outcome=False, has_outcome=True, has_root_cause=True, note=" ")
    with pytest.raises(lifecycle.TransitionRefused) as refused:
        lifecycle.check(Status.RESOLVED, target, same)
    assert refused.value.message == lifecycle.SAME_PERSON
    with pytest.raises(lifecycle.TransitionRefused) as refused:
        lifecycle.check(Status.RESOLVED, target, silent)
    assert refused.value.message == lifecycle.NEEDS_NOTE
    lifecycle.check(Status.RESOLVED, target, READY)
