"""How API callers prove who they are: bearer tokens for apps, the session for the browser.

A token is random, shown once and stored only as its SHA-256 digest, so a copy of the database
does not let anyone call the API. It expires after ``settings.API_TOKEN_LIFETIME_HOURS`` and can
be revoked. Either way, only an active user with an active staff profile gets in: the API has
nothing to show anyone else.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from doorstep.core.errors import DomainError
from doorstep.staff.models import ApiToken
from doorstep.staff.selectors import staff_for

TOKEN_PREFIX = "dst_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for)


class CsrfFailed(DomainError):
    status = 403


class NoStaffProfile(DomainError):
    status = 403


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any) -> str:
    """Create a token for ``user``; the plain value is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=token_digest(token),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
    )
    return token


def token_user(token: str) -> Any:
    """The user behind a live token who may still use the API, or None."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or staff_for(row.user) is None:
        return None
    return row.user


def token_revoke(*, token: str) -> bool:
    """Revoke ``token``; False if it was unknown or already revoked."""
    updated = ApiToken.objects.filter(digest=token_digest(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated > 0


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
            request.bearer_token = token  # type: ignore[attr-defined]
        return user


class SessionAuth(NinjaSessionAuth):
    """The browser's session, with Django's CSRF check for unsafe methods.

    Ninja's own session auth checks CSRF before it knows whether there is a session at all, so a
    script posting with a bearer token and no cookie would be refused for a missing CSRF token.
    Here the check runs only when the session is what signs the request in.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if staff_for(user) is None:
            raise NoStaffProfile("no_staff_profile", _("This user has no staff profile."))
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed(
                "csrf_failed",
                _("The CSRF token is missing or wrong. Reload the page and try again."),
            )
        return user
