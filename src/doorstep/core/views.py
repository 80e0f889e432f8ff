"""Sign-in: the login page, and the guard every staff screen sits behind."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

View = Callable[..., HttpResponse]

# The fixed logins the demo bank creates (``doorstep demo load``), shown on the sign-in page of
# a non-production site so a visitor can try each role.
# The printed demo logins (demo only; refused in production), in the order the README lists
# them. The demo loader creates them; 2FA exempts exactly these outside production.
DEMO_LOGINS = (
    "admin",
    "manager_wang",
    "agent_li",
    "agent_zhao",
    "compliance_zhou",
    "auditor_chen",
    "complaints_sun",
    "agency_liu",
)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not settings.PRODUCTION:
            context["demo"] = {"logins": DEMO_LOGINS, "password": settings.DEMO_PASSWORD}
        return context


def login_required(view: View) -> View:
    """Django's ``login_required``, also right for htmx: when the session has run out, an htmx
    request sends the whole window to the sign-in page (and back here afterwards) instead of
    swapping the sign-in form into a table."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        htmx = getattr(request, "htmx", None)
        if htmx:
            back = htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return redirect_to_login(request.get_full_path())

    return guarded


def case_panel_answer(
    request: HttpRequest, case_pk: int, anchor: str, panel: Callable[[], HttpResponse]
) -> HttpResponse:
    """After a write from a panel on the case file: htmx gets the panel back (``panel``), a
    plain form post goes back to the case file at the panel's ``anchor``."""
    if getattr(request, "htmx", False):
        return panel()
    return redirect(reverse("cases:detail", args=[case_pk]) + f"#{anchor}")
