"""One rate limiter for everything a stranger can call: a fixed window counted in Django's cache.

``hit(bucket, who, limit)`` counts one request and says whether ``who`` is now over the limit.
The cache must be shared between processes in production (Redis, ``CACHE_URL``), or each worker
counts on its own; the deploy check says so. ``client_ip`` is the caller's address, also for the
sign-in lockout: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the
nearest of them saw in ``X-Forwarded-For`` (the entries to its left can be forged).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"60/60"`` (60 requests a minute) or ``"5/3600"``."""
        count, _, window = text.partition("/")
        limit = cls(int(count), int(window))
        if limit.requests < 1 or limit.seconds < 1:
            raise ValueError(f"a rate limit needs positive numbers, not {text!r}")
        return limit


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The caller's IP address, or None when there is no valid one (e.g. an internal request)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return _address(forwarded[-proxies])
    return _address(str(request.META.get("REMOTE_ADDR") or ""))


def hit(bucket: str, who: str, limit: Limit) -> bool:
    """Count one request of ``who`` in ``bucket``; True when it is over ``limit``."""
    key = f"ratelimit:{bucket}:{who}"
    if cache.add(key, 1, timeout=limit.seconds):
        return limit.requests < 1
    try:
        return cache.incr(key) > limit.requests
    except ValueError:  # the window ran out between add and incr
        cache.add(key, 1, timeout=limit.seconds)
        return False


def request_hit(request: HttpRequest, bucket: str, limit: Limit) -> bool:
    """``hit`` for the caller's address."""
    return hit(bucket, client_ip(request) or "unknown", limit)
