"""The sign-in security middleware: headers, session expiry, the two-factor gate, rate limits.

- ``SecurityHeadersMiddleware`` adds ``Permissions-Policy`` (Django's SecurityMiddleware and
  django-csp set the others: HSTS, nosniff, Referrer-Policy, COOP, CSP with frame-ancestors).
- ``SessionExpiryMiddleware`` signs a session out after ``SESSION_IDLE_MINUTES`` without a
  request and ``SESSION_ABSOLUTE_HOURS`` after sign-in, whatever the activity.
- ``TwoFactorGateMiddleware`` lets a signed-in user who must use a second factor
  (``signin.policy``) do nothing but enrol until they have.
- ``DebtorRateLimitMiddleware`` limits the pages and API a stranger can call, per address
  (``DOORSTEP_RATE_LIMITS``), answering 429.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from doorstep.core.api_errors import error_body
from doorstep.core.middleware import API_PREFIX
from doorstep.signin.policy import requires_two_factor
from doorstep.signin.ratelimit import Limit, request_hit
from doorstep.signin.services import has_device
from doorstep.signin.signals import SESSION_SEEN, SESSION_STARTED

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# How often the last-seen time is written back: every request would mean a session write each.
SEEN_RESOLUTION_SECONDS = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SessionExpiryMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
        if started is None or seen is None:  # a session from before this middleware
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return
        idle_minutes = int(settings.SESSION_IDLE_MINUTES)
        if now - int(seen) > idle_minutes * 60:
            logout(request)
            messages.info(
                request,
                ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.",
                    idle_minutes,
                )
                % {"minutes": idle_minutes},
            )
        elif now - int(started) > int(settings.SESSION_ABSOLUTE_HOURS) * 3600:
            logout(request)
            messages.info(request, _("Your session ended. Please sign in again."))
        elif now - int(seen) >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN] = now


def _api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class TwoFactorGateMiddleware:
    # Reachable while the second factor is missing: enrolling, signing out, and the plumbing.
    OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/readyz", "/metrics")

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        return (reverse("signin:enrol"), reverse("logout"), reverse("signin:code"))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        path = request.path_info
        if (
            requires_two_factor(user)
            and not user.is_verified()  # type: ignore[union-attr]
            and not path.startswith(self.OPEN_PREFIXES)
            and path not in self.open_paths
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        if has_device(request.user):
            # Signed in without the code (a session from before two-factor was required):
            # start again, this time with the code.
            logout(request)
            if _api(request):
                return JsonResponse(
                    error_body("not_authenticated", _("Sign in again with your code.")), status=401
                )
            messages.info(request, _("Sign in again with the code from your authenticator app."))
            return redirect_to_login(request.get_full_path())
        if _api(request):
            return JsonResponse(
                error_body(
                    "two_factor_required",
                    _("Set up two-factor sign-in in the browser before using the API."),
                ),
                status=403,
            )
        target = reverse("signin:enrol")
        htmx = getattr(request, "htmx", None)
        if htmx:
            return HttpResponseClientRedirect(target)
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponse(status=302, headers={"Location": target})


class DebtorRateLimitMiddleware:
    """Per-address limits on what debtors and the public reach without signing in."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.rules = [
            (bucket, re.compile(pattern), Limit.parse(limit))
            for bucket, pattern, limit in settings.DOORSTEP_RATE_LIMITS
        ]

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.DOORSTEP_RATE_LIMITS_ENABLED:
            for bucket, pattern, limit in self.rules:
                if pattern.match(request.path_info) and request_hit(request, bucket, limit):
                    return too_many(request, limit)
        return self.get_response(request)


def too_many(request: HttpRequest, limit: Limit) -> HttpResponse:
    """429: the API's error body under /api/, a friendly page elsewhere."""
    message = _("Too many requests from your address. Please wait a little and try again.")
    response: HttpResponse
    if _api(request):
        response = JsonResponse(error_body("rate_limited", message), status=429)
    else:
        response = render(request, "signin/busy.html", {"message": message}, status=429)
    response["Retry-After"] = str(limit.seconds)
    return response
