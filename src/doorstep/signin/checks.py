"""Deploy checks for sign-in security (``doorstep check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

SHARED_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)


@checks.register(checks.Tags.security, deploy=True)
def check_sign_in(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    if not settings.DOORSTEP_REQUIRE_2FA:
        found.append(
            checks.Warning(
                "Two-factor sign-in is switched off (DOORSTEP_REQUIRE_2FA).",
                hint="Leave DOORSTEP_REQUIRE_2FA unset or true in production.",
                id="doorstep.W001",
            )
        )
    if settings.CACHES["default"]["BACKEND"] not in SHARED_CACHES:
        found.append(
            checks.Warning(
                "The cache is not shared between processes, so rate limits count per process.",
                hint="Set CACHE_URL to a Redis URL (e.g. redis://redis.internal:6379/1).",
                id="doorstep.W002",
            )
        )
    if not settings.AXES_ENABLED:
        found.append(
            checks.Warning(
                "The sign-in lockout is switched off (AXES_ENABLED).", id="doorstep.W003"
            )
        )
    return found
