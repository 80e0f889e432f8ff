"""The knowledge-base screens for compliance officers: every article with the version served
and the drafts waiting, an editor that saves a new draft, and the review of another officer's
draft (approve with a review date, or reject). Only reviewed versions are ever served."""

from __future__ import annotations

import html
from typing import Any

import markdown  # type: ignore[import-untyped]
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from doorstep.assistant import services
from doorstep.assistant.kb import LANGS
from doorstep.assistant.models import ArticleVersion
from doorstep.assistant.selectors import article_version_get, article_versions
from doorstep.compliance.selectors import may
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required


def article_html(text: str) -> SafeString:
    """Markdown to HTML with the text escaped first, so no markup in an article ever runs."""
    rendered: str = markdown.markdown(html.escape(text, quote=False))
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703


def _editor(request: HttpRequest) -> None:
    if not may(request.user, services.EDITORS):
        raise Http404


class ArticleForm(forms.Form):
    slug = forms.SlugField(label=gettext_lazy("Slug"), max_length=60)
    lang = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=[(lang, lang) for lang in LANGS]
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 18})
    )
    cites = forms.CharField(
        label=gettext_lazy("Laws and rules cited, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    keywords = forms.CharField(
        label=gettext_lazy("Keywords, separated by commas"), required=False, max_length=500
    )

    def lines(self, name: str, separator: str | None = None) -> list[str]:
        raw: str = self.cleaned_data.get(name, "")
        parts = raw.split(separator) if separator else raw.splitlines()
        return [part.strip() for part in parts if part.strip()]


@login_required
def kb_index(request: HttpRequest) -> HttpResponse:
    _editor(request)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    today = timezone.localdate()
    for version in article_versions():
        key = (version.article.slug, version.article.lang)
        row = rows.setdefault(key, {"slug": key[0], "lang": key[1], "served": None, "drafts": []})
        if version.status == ArticleVersion.Status.DRAFT:
            row["drafts"].append(version)
        elif version.status == ArticleVersion.Status.REVIEWED and row["served"] is None:
            row["served"] = version
    for row in rows.values():
        served = row["served"]
        row["overdue"] = bool(served and served.review_due and served.review_due < today)
    return render(request, "assistant/kb/index.html", {"rows": list(rows.values())})


@login_required
@require_http_methods(["GET", "POST"])
def kb_edit(request: HttpRequest) -> HttpResponse:
    _editor(request)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                draft = services.article_draft(
                    slug=form.cleaned_data["slug"],
                    lang=form.cleaned_data["lang"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    cites=form.lines("cites"),
                    keywords=form.lines("keywords", ","),
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Draft saved; another compliance officer reviews it."))
                return redirect("assistant:kb_version", pk=draft.pk)
        return render(request, "assistant/kb/edit.html", {"form": form}, status=400)
    slug, lang = request.GET.get("slug", ""), request.GET.get("lang", "zh-hans")
    latest = article_versions().filter(article__slug=slug, article__lang=lang).first()
    initial: dict[str, Any] = {"slug": slug, "lang": lang}
    if latest is not None:
        initial |= {
            "title": latest.title,
            "body": latest.body,
            "cites": "\n".join(latest.cites),
            "keywords": ", ".join(latest.keywords),
        }
    return render(request, "assistant/kb/edit.html", {"form": ArticleForm(initial=initial)})


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve: serve it")), ("0", gettext_lazy("Reject"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    review_due = forms.DateField(
        label=gettext_lazy("Review again by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def kb_version(request: HttpRequest, pk: int) -> HttpResponse:
    _editor(request)
    version = article_version_get(pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.article_review(
                    version=version,
                    actor=request.user,
                    approve=form.cleaned_data["approve"],
                    review_due=form.cleaned_data["review_due"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Review recorded."))
                return redirect("assistant:kb")
        status = 400
    context = {
        "version": version,
        "body": article_html(version.body),
        "form": form,
        "reviewable": version.status == ArticleVersion.Status.DRAFT
        and version.written_by_id != request.user.pk,
    }
    return render(request, "assistant/kb/version.html", context, status=status)
