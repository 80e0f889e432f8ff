"""Stamp each new session with when it was signed in, for the absolute session lifetime."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

SESSION_STARTED = "signin.started"
SESSION_SEEN = "signin.seen"


@receiver(user_logged_in, dispatch_uid="doorstep.signin.session_started")
def _session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
