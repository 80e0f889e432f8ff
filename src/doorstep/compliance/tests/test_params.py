"""Parameters as data: rules.md's defaults, a JSON round trip, and a validator that names."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.compliance.engine import (
    CnParams,
    ParameterError,
    default_params,
    params_from_dict,
    params_to_dict,
)

NOT_WINDOW = 'must be a time window such as "08:00-22:00"'


def test_the_cn_defaults_are_those_of_rules_md() -> None:
    assert params_to_dict(default_params("cn")) == {
        "contact_window": "08:00-22:00",
        "visit_window": "09:00-17:00",
        "visits_on_weekends": True,
        "max_calls_per_day": 6,
        "max_visits_per_period": 2,
        "visit_period_days": 7,
        "min_visit_staff": 2,
        "allowed_targets": ["debtor", "guarantor"],
        "limitation_years": 3,
        "long_stop_years": 20,
        "suspension_months": 6,
        "limitation_warning_days": [180, 90, 30],
        "record_retention_years": 2,
    }


def test_the_us_and_uk_defaults_are_those_of_rules_md() -> None:
    assert params_to_dict(default_params("us")) == {
        "contact_window": "08:00-21:00",
        "max_calls_per_period": 7,
        "call_period_days": 7,
        "conversation_quiet_days": 7,
        "allowed_targets": ["attorney", "debtor", "guarantor"],
        "validation_notice_days": 5,
        "validation_period_days": 30,
        "record_retention_years": 3,
    }
    assert params_to_dict(default_params("uk")) == {
        "contact_window": "08:00-21:00",
        "allowed_targets": ["attorney", "debtor", "guarantor"],
        "statute_barred_years": 6,
    }


@pytest.mark.parametrize("profile", ["cn", "us", "uk"])
def test_parameters_round_trip_through_json(profile: str) -> None:
    params = default_params(profile)

    assert params_from_dict(profile, params_to_dict(params)) == params


def test_a_stored_version_missing_a_parameter_takes_its_default() -> None:
    assert params_from_dict("cn", {"max_calls_per_day": 4}) == CnParams(max_calls_per_day=4)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_call_per_day": 4}, "max_call_per_day", "is not a parameter of profile cn"),
        ({"contact_window": "8-22"}, "contact_window", NOT_WINDOW),
        ({"contact_window": "22:00-08:00"}, "contact_window",
         "must start before it ends, on the same day"),
        ({"visit_window": ["09:00", "17:00"]}, "visit_window", NOT_WINDOW),
        ({"visits_on_weekends": "yes"}, "visits_on_weekends", "must be true or false"),
        ({"max_calls_per_day": 600}, "max_calls_per_day", "must be a whole number from 0 to 50"),
        ({"max_calls_per_day": True}, "max_calls_per_day", "must be a whole number from 0 to 50"),
        ({"min_visit_staff": 0}, "min_visit_staff", "must be a whole number from 1 to 10"),
        ({"allowed_targets": ["debtor", "neighbour"]}, "allowed_targets",
         "must be a list drawn from debtor, guarantor, third_party, attorney"),
        ({"limitation_warning_days": [30, 90]}, "limitation_warning_days",
         "must be a list of whole numbers of days, largest first"),
        ({"long_stop_years": 3}, "long_stop_years", "must be longer than limitation_years"),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_named(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ParameterError) as raised:
        params_from_dict("cn", changes)

    assert (raised.value.field, raised.value.message) == (field, message)
