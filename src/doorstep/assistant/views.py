"""The debtor-facing pages: the chat (mobile-first, no login, zh-hans unless the debtor picks
English) and one page per served article, which answers link to. The chat talks to the JSON
API, so the page and any other client behave the same."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.assistant import services
from doorstep.assistant.kb import LANGS
from doorstep.assistant.kb_views import article_html
from doorstep.assistant.office_hours import CLOSES, OPENS, RESPONSE_HOURS
from doorstep.assistant.selectors import library, task_list, team_queue
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required


def _lang(request: HttpRequest) -> str:
    wanted = request.GET.get("lang") or get_language() or "zh-hans"
    return wanted if wanted in LANGS else "zh-hans"


def chat(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assistant/chat.html",
        {
            "lang": _lang(request),
            "opens": f"{OPENS:%H:%M}",
            "closes": f"{CLOSES:%H:%M}",
            "response_hours": RESPONSE_HOURS,
        },
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    lang = _lang(request)
    version = library().articles.get((slug, lang))
    if version is None:
        raise Http404
    body = article_html(version.body)
    return render(
        request, "assistant/article.html", {"version": version, "body": body, "lang": lang}
    )


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """Staff: the debtors' open self-service requests on the cases they may see, and for a
    phone agent those waiting in the team's queue."""
    return render(
        request,
        "assistant/tasks.html",
        {"tasks": task_list(user=request.user), "queue": team_queue(user=request.user)},
    )


@login_required
def task_take(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("assistant:tasks")
    task = team_queue(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    try:
        services.task_take(task=task, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request and its case are yours."))
    return redirect("assistant:tasks")


@login_required
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("assistant:tasks")
    task = task_list(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    try:
        services.task_close(task=task, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as done."))
    return redirect("assistant:tasks")
