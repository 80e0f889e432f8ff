"""Bearer tokens for apps and integrations: random, stored only as a SHA-256 digest, expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from doorstep.staff.models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any) -> str:
    """Create a token for ``user``; the plain value is returned once and never stored."""
    token = "dst_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
    )
    return token


def token_user(token: str) -> Any:
    """The active user behind a live token, or None."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def token_revoke(token: str) -> bool:
    updated = ApiToken.objects.filter(digest=_digest(token), revoked_at__isnull=True).update(
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
