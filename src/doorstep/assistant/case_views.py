"""The debtor's self-service requests on the case file: loaded into the case page by htmx,
scoped by ``case_tasks`` (404 outside the reader's cases), newest first, open ones on top."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from doorstep.assistant.models import Task
from doorstep.assistant.selectors import case_tasks
from doorstep.core.views import login_required

SHOWN = 20


@login_required
@require_GET
def case_tasks_panel(request: HttpRequest, pk: int) -> HttpResponse:
    tasks = list(case_tasks(user=request.user, case_id=pk).order_by("-created_at")[:SHOWN])
    tasks.sort(key=lambda task: task.status != Task.Status.OPEN)
    return render(
        request,
        "assistant/_case_tasks.html",
        {"tasks": tasks, "case_id": pk, "open": Task.Status.OPEN.value},
    )
