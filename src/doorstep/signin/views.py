"""Signing in with a second factor, and enrolling one.

The password step is Django's login form (with the lockout in the authentication backend). For
a user with an authenticator the password alone does not sign in: the user id waits in the
session for at most ``PENDING_SECONDS`` while the code page asks for the code. A user who must
use two factors but has none yet is signed in and then held on the enrolment page by
``TwoFactorGateMiddleware`` until a code confirms the new secret.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from doorstep.core import views as core_views
from doorstep.core.views import login_required
from doorstep.signin import lockout, services
from doorstep.signin.forms import CodeForm
from doorstep.signin.policy import demo_exemption_active, requires_two_factor

PENDING = "signin.pending"
PENDING_SECONDS = 300


class LoginView(core_views.LoginView):
    """The password step. Says on the page who needs a second factor."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["two_factor"] = {
            "required": bool(settings.DOORSTEP_REQUIRE_2FA),
            "demo_exempt": demo_exemption_active(),
        }
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if requires_two_factor(user) and services.has_device(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return HttpResponseRedirect(reverse("signin:code"))
        return super().form_valid(form)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not pending or int(time.time()) - int(pending["at"]) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


def _safe_next(request: HttpRequest, target: str) -> str:
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator's code (or a recovery code) for the pending user."""
    found = _pending_user(request)
    if found is None:
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lockout.locked_out(request, user.get_username()):
            return lockout.lockout_response(request)
        device = services.code_check(request=request, user=user, token=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(_safe_next(request, pending["next"]))
        form.add_error("code", _("That code is not right, or it has expired. Try the next one."))
    return render(request, "signin/code.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: a new secret as a QR code and as text, confirmed by a code."""
    user = request.user
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            confirmed = services.enrolment_confirm(user=user, token=form.cleaned_data["code"])
            if confirmed is not None:
                device, codes = confirmed
                otp_login(request, device)
                next_url = _safe_next(request, request.POST.get("next") or "")
                return render(
                    request, "signin/recovery_codes.html", {"codes": codes, "next": next_url}
                )
            form.add_error("code", _("That code does not match. Scan the new QR code and retry."))
    else:
        form = CodeForm()
    context = {
        "form": form,
        "enrolled": services.has_device(user),
        "required": requires_two_factor(user),
        "enrolment": services.enrolment_start(user=user),
        "next": request.GET.get("next") or request.POST.get("next") or "",
        "codes_left": services.recovery_codes_left(user=user),
    }
    return render(request, "signin/enrol.html", context)


@never_cache
@login_required
@require_http_methods(["POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), for a user signed in with two factors."""
    if not services.has_device(request.user) or not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("signin:enrol")
    codes = services.recovery_codes_issue(user=request.user)
    return render(
        request,
        "signin/recovery_codes.html",
        {"codes": codes, "next": reverse(settings.LOGIN_REDIRECT_URL)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "signin/password_change.html"
    success_url = reverse_lazy("signin:password_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "signin/password_done.html"
