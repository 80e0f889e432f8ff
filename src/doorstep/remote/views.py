"""The phone agent's screen: the queue, "next case" with the briefing, and the wrap-up.

Plain forms posted and redirected back (so the screen works without JavaScript), boosted by
htmx so the agent's page is swapped in place. Every case comes from the agent's own queue
(``selectors.queue`` / ``call_get``); every write is one ``services`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.templatetags.ui import format_moment
from doorstep.core.views import login_required
from doorstep.remote import clock, services
from doorstep.remote.forms import WrapUpForm
from doorstep.remote.models import FollowUp
from doorstep.remote.selectors import briefing, call_get, calls_today, open_call, queue
from doorstep.remote.worklist import OUTCOME_LABELS, Outcome
from doorstep.staff.models import Role
from doorstep.staff.selectors import FIELD_ROLES, staff_for


def _context(request: HttpRequest, form: WrapUpForm | None = None) -> dict[str, Any]:
    now = clock.now()
    call = open_call(user=request.user)
    return {
        "call": call,
        "brief": briefing(call) if call else None,
        "form": form or WrapUpForm(),
        "items": [] if call else queue(user=request.user, at=now),
        "today": calls_today(user=request.user, at=now).exclude(wrapped_at__isnull=True),
    }


def _agent_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only field and phone agents have a queue: anyone else gets a plain 403 page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        staff = staff_for(request.user)
        if staff is None or Role(staff.role) not in FIELD_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


@login_required
@_agent_only
@require_GET
@never_cache
def queue_view(request: HttpRequest) -> HttpResponse:
    return render(request, "remote/queue.html", _context(request))


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("remote:queue"))


@login_required
@_agent_only
@require_POST
def queue_next_view(request: HttpRequest) -> HttpResponse:
    if services.call_next(user=request.user, at=clock.now()) is None:
        messages.info(request, _("No case in your queue can be called now."))
    return _back()


@login_required
@_agent_only
@require_POST
def call_wrap_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_get(user=request.user, pk=pk)
    form = WrapUpForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        callback_at = data["callback_at"]
        if callback_at is not None and timezone.is_naive(callback_at):
            callback_at = timezone.make_aware(callback_at)
        try:
            call = services.call_wrap_up(
                call=call,
                actor=request.user,
                outcome=data["outcome"],
                duration_seconds=data["duration_seconds"],
                at=clock.now(),
                notes=data["notes"],
                recording=data["recording"],
                promise_amount=data["promise_amount"],
                promise_due_on=data["promise_due_on"],
                callback_at=callback_at,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            label = _(OUTCOME_LABELS[Outcome(call.outcome)])
            text = _("%(case)s wrapped up: %(outcome)s.") % {
                "case": call.case.reference,
                "outcome": label,
            }
            for follow_up in FollowUp.objects.filter(source_call=call):
                text += " " + _("%(kind)s scheduled for %(at)s.") % {
                    "kind": follow_up.get_kind_display(),
                    "at": format_moment(follow_up.due_at),
                }
            messages.success(request, text)
            return _back()
    # htmx swaps only successful answers in: a boosted form gets its errors with a 200.
    status = 200 if request.headers.get("HX-Request") else 400
    return render(request, "remote/queue.html", _context(request, form), status=status)
