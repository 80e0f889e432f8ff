"""Each profile's parameters as plain data, with the defaults of rules.md and a validator.

Compliance officers change these values (windows, caps, periods) and the Django side stores each
change as a version, as JSON. ``params_from_dict`` is the only way back from that JSON: it
refuses an unknown or ill-typed parameter and names it, so a bad version never reaches a rule.
A key missing from a stored version takes its default, so versions saved before a parameter
existed still load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any, TypeAlias

from doorstep.core.i18n import gettext_noop

from .model import EngineInputError, Target, Window

UNKNOWN = gettext_noop("is not a parameter of profile %(profile)s")
NOT_WINDOW = gettext_noop('must be a time window such as "08:00-22:00"')
EMPTY_WINDOW = gettext_noop("must start before it ends, on the same day")
NOT_BOOL = gettext_noop("must be true or false")
NOT_INT = gettext_noop("must be a whole number from %(low)s to %(high)s")
NOT_TARGETS = gettext_noop("must be a list drawn from %(choices)s")
NOT_DAYS = gettext_noop("must be a list of whole numbers of days, largest first")
ORDER = gettext_noop("must be longer than %(other)s")


class ParameterError(EngineInputError):
    """A parameter value cannot be used; ``field`` is the parameter's name."""


EIGHT_TO_TEN = Window(time(8), time(22))
EIGHT_TO_NINE = Window(time(8), time(21))
NINE_TO_FIVE = Window(time(9), time(17))


@dataclass(frozen=True, slots=True)
class CnParams:
    contact_window: Window = EIGHT_TO_TEN  # CN-TIME-01
    visit_window: Window = NINE_TO_FIVE  # CN-VISIT-01
    visits_on_weekends: bool = True  # CN-HOL-03
    max_calls_per_day: int = 6  # CN-FREQ-01
    max_visits_per_period: int = 2  # CN-FREQ-02
    visit_period_days: int = 7  # CN-FREQ-02
    min_visit_staff: int = 2  # CN-TEAM-01
    allowed_targets: frozenset[Target] = frozenset({Target.DEBTOR, Target.GUARANTOR})  # CN-TGT-01
    limitation_years: int = 3  # CN-LIM-01
    long_stop_years: int = 20  # CN-LIM-01
    suspension_months: int = 6  # CN-LIM-02
    limitation_warning_days: tuple[int, ...] = (180, 90, 30)
    record_retention_years: int = 2  # CN-REC-01


@dataclass(frozen=True, slots=True)
class UsParams:
    contact_window: Window = EIGHT_TO_NINE  # US-TIME-01
    max_calls_per_period: int = 7  # US-FREQ-01
    call_period_days: int = 7  # US-FREQ-01
    conversation_quiet_days: int = 7  # US-FREQ-02
    allowed_targets: frozenset[Target] = frozenset(
        {Target.DEBTOR, Target.GUARANTOR, Target.ATTORNEY}
    )  # US-3P-01
    validation_notice_days: int = 5  # US-VAL-01
    validation_period_days: int = 30  # US-VAL-01
    record_retention_years: int = 3  # US-REC-01


@dataclass(frozen=True, slots=True)
class UkParams:
    contact_window: Window = EIGHT_TO_NINE  # UK-TIME-01 (bank policy: CONC sets none)
    allowed_targets: frozenset[Target] = frozenset(
        {Target.DEBTOR, Target.GUARANTOR, Target.ATTORNEY}
    )  # UK-3P-01
    statute_barred_years: int = 6  # UK-SB-01


Params: TypeAlias = CnParams | UsParams | UkParams

PARAMS_TYPES: Mapping[str, type[CnParams] | type[UsParams] | type[UkParams]] = {
    "cn": CnParams,
    "us": UsParams,
    "uk": UkParams,
}

# Bounds for whole-number parameters: wide enough for any bank's policy, narrow enough to catch
# a slip of the keyboard (a cap of 600 calls a day).
_INT_BOUNDS: Mapping[str, tuple[int, int]] = {
    "max_calls_per_day": (0, 50),
    "max_visits_per_period": (0, 20),
    "visit_period_days": (1, 60),
    "min_visit_staff": (1, 10),
    "limitation_years": (1, 10),
    "long_stop_years": (1, 50),
    "suspension_months": (1, 24),
    "record_retention_years": (1, 30),
    "max_calls_per_period": (0, 50),
    "call_period_days": (1, 60),
    "conversation_quiet_days": (0, 60),
    "validation_notice_days": (0, 60),
    "validation_period_days": (1, 120),
    "statute_barred_years": (1, 30),
}


def default_params(profile: str) -> Params:
    return _params_type(profile)()


def params_to_dict(params: Params) -> dict[str, Any]:
    """The JSON form a version is stored in (windows as "HH:MM-HH:MM", sets as sorted lists)."""
    return {
        field.name: _to_json(getattr(params, field.name)) for field in dataclasses.fields(params)
    }


def params_from_dict(profile: str, data: Mapping[str, Any]) -> Params:
    """Validated parameters for ``profile`` from their JSON form; ParameterError names the first
    bad one."""
    kind = _params_type(profile)
    names = {field.name for field in dataclasses.fields(kind)}
    for name in data:
        if name not in names:
            raise ParameterError(name, UNKNOWN, profile=profile)
    values = {name: _from_json(name, value) for name, value in data.items()}
    params = kind(**values)
    validate(params)
    return params


def validate(params: Params) -> None:
    """Checks the relations between parameters that each value alone cannot show."""
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        if isinstance(value, Window) and not value.start < value.end:
            raise ParameterError(field.name, EMPTY_WINDOW)
    if isinstance(params, CnParams) and params.long_stop_years <= params.limitation_years:
        raise ParameterError("long_stop_years", ORDER, other="limitation_years")


def _params_type(profile: str) -> type[CnParams] | type[UsParams] | type[UkParams]:
    try:
        return PARAMS_TYPES[profile]
    except KeyError:
        raise EngineInputError(
            "profile", gettext_noop("unknown profile %(profile)s"), profile=profile
        ) from None


def _to_json(value: object) -> Any:
    if isinstance(value, Window):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(str(item) for item in value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_json(name: str, value: Any) -> Any:
    if name.endswith("_window"):
        if not isinstance(value, str):
            raise ParameterError(name, NOT_WINDOW)
        try:
            return Window.parse(value)
        except ValueError:
            raise ParameterError(name, NOT_WINDOW) from None
    if name == "visits_on_weekends":
        if not isinstance(value, bool):
            raise ParameterError(name, NOT_BOOL)
        return value
    if name == "allowed_targets":
        choices = ", ".join(Target)
        if not isinstance(value, list) or any(item not in set(Target) for item in value):
            raise ParameterError(name, NOT_TARGETS, choices=choices)
        return frozenset(Target(item) for item in value)
    if name == "limitation_warning_days":
        if (
            not isinstance(value, list)
            or not all(_is_int(item) and 0 < item <= 3650 for item in value)
            or value != sorted(set(value), reverse=True)
        ):
            raise ParameterError(name, NOT_DAYS)
        return tuple(value)
    low, high = _INT_BOUNDS[name]
    if not _is_int(value) or not low <= value <= high:
        raise ParameterError(name, NOT_INT, low=low, high=high)
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
