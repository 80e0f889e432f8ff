"""Locking out repeated failed sign-ins, per account and per address (django-axes).

Axes counts failed password and one-time-code attempts in the database (``AccessAttempt``) and
compares the larger of the account's and the address's count to one limit. ``failure_limit``
makes that two limits: ``LOGIN_FAILURE_LIMIT`` for an account (5), ``LOGIN_FAILURE_LIMIT_IP``
for an address (20, since a branch's staff may share one address behind NAT). Attempts older
than the cool-off (``LOGIN_LOCKOUT_MINUTES``) stop counting, so a lockout ends by itself; an
administrator can end it earlier (``unlock``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from doorstep.core.api_errors import error_body
from doorstep.core.middleware import API_PREFIX


def _cool_off() -> timedelta:
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    return cool_off


def _recent_failures(**match: str) -> int:
    since = timezone.now() - _cool_off()
    total = (
        AccessAttempt.objects.filter(attempt_time__gte=since, **match)
        .aggregate(total=Sum("failures_since_start"))
        .get("total")
    )
    return int(total or 0)


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """The limit axes compares ``max(account failures, address failures)`` with.

    While the account is under its own limit the address limit applies, so the maximum reaches
    the limit exactly when the address reaches it; once the account is at its limit, its limit
    applies and the maximum (at least the account's count) reaches it.
    """
    username = get_client_username(request, credentials)
    if username and _recent_failures(username=username) >= settings.LOGIN_FAILURE_LIMIT:
        return int(settings.LOGIN_FAILURE_LIMIT)
    return int(settings.LOGIN_FAILURE_LIMIT_IP)


def locked_out(request: HttpRequest, username: str) -> bool:
    """Whether a sign-in for ``username`` from this request's address is refused now."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def lockout_message() -> str:
    minutes = int(_cool_off().total_seconds() // 60)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, or ask an "
        "administrator to unlock your account.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or ask an "
        "administrator to unlock your account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out caller sees: the API's error body under /api/, a page elsewhere.

    429 with ``Retry-After`` either way (axes' ``AXES_LOCKOUT_CALLABLE``)."""
    retry = str(int(_cool_off().total_seconds()))
    response: HttpResponse
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse(error_body("locked_out", lockout_message()), status=429)
    else:
        response = render(request, "signin/locked.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry
    return response


def unlock(*, username: str | None = None, ip_address: str | None = None) -> int:
    """End a lockout: forget the failed attempts of ``username`` (from every address) or of
    ``ip_address``. Returns how many attempt records went."""
    if not username and not ip_address:
        raise ValueError("unlock needs a username or an address")
    return int(reset(username=username) if username else reset(ip=ip_address))
