"""The registry of profiles: ``cn`` (the default), ``us`` and ``uk``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from doorstep.core.i18n import gettext_noop

from . import rules_cn, rules_uk, rules_us
from .model import EngineInputError
from .rules import Profile

DEFAULT = "cn"

PROFILES: Mapping[str, Profile[Any]] = {
    profile.code: profile for profile in (rules_cn.PROFILE, rules_us.PROFILE, rules_uk.PROFILE)
}

UNKNOWN_PROFILE = gettext_noop("unknown profile %(profile)s; use one of %(choices)s")


def get_profile(code: str) -> Profile[Any]:
    try:
        return PROFILES[code]
    except KeyError:
        raise EngineInputError(
            "profile", UNKNOWN_PROFILE, profile=code, choices=", ".join(PROFILES)
        ) from None


def rule_ids(code: str) -> tuple[str, ...]:
    """The contact rules of a profile, in the order decisions list them."""
    return tuple(rule.id for rule in get_profile(code).rules)
