"""Sign-in for staff: the demo password refused outright in production, and the lockout.

The lockout (django-axes, ``doorstep.signin.lockout``) is checked here before the password, so
a locked-out account is refused even with the right one. Axes needs the request to know the
address; callers without a request (scripts, the test client's ``login``) skip that check.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class DoorstepBackend(AxesStandaloneBackend, ModelBackend):  # type: ignore[misc]
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if settings.PRODUCTION and password == settings.DEMO_PASSWORD:
            return None
        if request is not None:
            # Raises PermissionDenied (which Django's authenticate() turns into a failed
            # sign-in) while the account or the address is locked out.
            AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )
