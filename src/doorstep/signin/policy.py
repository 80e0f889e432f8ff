"""Who must sign in with a second factor: one rule, read by the login, the gate and the API.

Two-factor sign-in is required when ``settings.DOORSTEP_REQUIRE_2FA`` is on (by default whenever
DEBUG is off). Outside production the printed demo logins are exempt, so a visitor can try each
role with the password alone; nobody else is, and in production nobody is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# The fixed logins ``doorstep demo load`` creates and the login page prints: the only exemption.
from doorstep.core.views import DEMO_LOGINS

__all__ = ["DEMO_LOGINS", "demo_exemption_active", "requires_two_factor"]


def demo_exemption_active() -> bool:
    """True where the demo logins skip the second factor: a non-production site requiring it."""
    return bool(settings.DOORSTEP_REQUIRE_2FA) and not settings.PRODUCTION


def requires_two_factor(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not settings.DOORSTEP_REQUIRE_2FA:
        return False
    return not (demo_exemption_active() and user.get_username() in DEMO_LOGINS)
