"""Reads for the assistant: the served articles and their search index, a verified debtor's
own dues, and the assistant's tasks as staff see them (scoped through ``cases.selectors``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.assistant.kb import ArticleText
from doorstep.assistant.models import ArticleVersion, Conversation, Task
from doorstep.assistant.retrieval import Index, Tokenizer
from doorstep.cases.models import Case
from doorstep.cases.selectors import case_get, case_visible
from doorstep.plans.lifecycle import PlanStatus
from doorstep.plans.models import PLAN_TYPE_LABELS, Plan
from doorstep.plans.schedule import PlanType
from doorstep.plans.selectors import case_plan_options
from doorstep.portfolio.models import Statement
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for


def served_versions() -> list[ArticleVersion]:
    """The newest reviewed version of each article: the only text debtors ever see."""
    newest = (
        ArticleVersion.objects.filter(status=ArticleVersion.Status.REVIEWED)
        .values("article_id")
        .annotate(latest=Max("number"))
    )
    wanted = {(row["article_id"], row["latest"]) for row in newest}
    versions = ArticleVersion.objects.select_related("article").filter(
        status=ArticleVersion.Status.REVIEWED, article_id__in={a for a, _n in wanted}
    )
    return sorted(
        (v for v in versions if (v.article_id, v.number) in wanted),
        key=lambda v: (v.article.slug, v.article.lang),
    )


def article_versions() -> QuerySet[ArticleVersion]:
    return ArticleVersion.objects.select_related("article").order_by(
        "article__slug", "article__lang", "-number"
    )


def article_version_get(pk: int) -> ArticleVersion:
    version = article_versions().filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


def as_text(version: ArticleVersion) -> ArticleText:
    return ArticleText(
        slug=version.article.slug,
        lang=version.article.lang,
        title=version.title,
        body=version.body,
        cites=tuple(version.cites),
        keywords=tuple(version.keywords),
        reviewed_on=version.reviewed_on or version.created_at.date(),
        reviewer=version.reviewer,
        review_due=version.review_due,
    )


@dataclass(frozen=True)
class Library:
    """The served articles by (slug, lang) and the index built from them."""

    stamp: tuple[int, int]
    articles: dict[tuple[str, str], ArticleVersion]
    index: Index


_library: Library | None = None
_tokenizer: Tokenizer | None = None  # loading jieba's dictionary takes a second: once a process


def library() -> Library:
    """The index of what is served now, rebuilt only when a version was reviewed since (one
    small query per question decides)."""
    global _library, _tokenizer
    stats = ArticleVersion.objects.filter(status=ArticleVersion.Status.REVIEWED).aggregate(
        top=Max("pk"), count=Count("pk")
    )
    stamp = (stats["top"] or 0, stats["count"])
    if _library is None or _library.stamp != stamp:
        versions = served_versions()
        articles = {(v.article.slug, v.article.lang): v for v in versions}
        _tokenizer = _tokenizer or Tokenizer()
        _library = Library(stamp, articles, Index([as_text(v) for v in versions], _tokenizer))
    return _library


def conversation_messages(conversation: Conversation) -> QuerySet[Any]:
    return conversation.messages.order_by("at", "id")


@dataclass(frozen=True)
class Due:
    account: str  # masked account number
    product: str
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class DebtorSummary:
    reference: str
    past_due: Decimal
    outstanding: Decimal
    dpd: int
    arrears_as_of: date
    status: str
    dues: list[Due]


def _mask_account(number: str) -> str:
    return "****" + number[-4:]


def debtor_summary(case: Case) -> DebtorSummary:
    """What the verified debtor owes on the case, with the last dues billed (account numbers
    masked: the debtor knows them, anyone reading over a shoulder need not)."""
    statements = (
        Statement.objects.filter(account__in=case.accounts.all(), due_date__lte=case.arrears_as_of)
        .select_related("account")
        .order_by("-due_date")[:6]
    )
    return DebtorSummary(
        reference=case.reference,
        past_due=case.past_due,
        outstanding=case.outstanding_total,
        dpd=case.dpd,
        arrears_as_of=case.arrears_as_of,
        status=str(case.get_status_display()),
        dues=[
            Due(
                account=_mask_account(s.account.external_id),
                product=str(s.account.get_product_display()),
                due_date=s.due_date,
                amount=s.amount_due,
            )
            for s in statements
        ],
    )


def case_tasks(*, user: Any, case_id: int) -> QuerySet[Task]:
    """The assistant's tasks on a case the user may see (404 outside their scope)."""
    case = case_get(user=user, pk=case_id)
    return Task.objects.filter(case=case).select_related("assignee", "team")


@dataclass(frozen=True)
class PlanChoice:
    """A repayment plan as the debtor sees it: an offer they can accept now (``plan_id``), or
    one of the plans app's three proposals for them, which they can ask an agent to offer
    (``option``, its position)."""

    name: str
    plan_type: str
    months: int
    first_amount: Decimal
    total: Decimal
    waived: Decimal
    plan_id: int | None = None
    option: int | None = None
    active: bool = False  # the plan in force: nothing to choose any more


def debtor_plans(case: Case) -> list[PlanChoice]:
    """The plan in force, else the offers an agent made (acceptable here), else the three
    proposals the plans app computes for this debtor."""
    active = list(
        Plan.objects.filter(case=case, status=PlanStatus.ACTIVE.value).prefetch_related(
            "instalments"
        )
    )
    offers = active or list(
        Plan.objects.filter(case=case, status=PlanStatus.OFFERED.value)
        .order_by("pk")
        .prefetch_related("instalments")
    )
    if offers:
        return [
            PlanChoice(
                name=str(plan.get_plan_type_display()),
                plan_type=plan.plan_type,
                months=len(plan.instalments.all()),
                first_amount=min(plan.instalments.all(), key=lambda i: i.number).amount,
                total=plan.total,
                waived=plan.waived,
                plan_id=None if active else plan.pk,
                active=bool(active),
            )
            for plan in offers
        ]
    proposals = case_plan_options(case=case, user=None, on=timezone.localdate()).options
    return [
        PlanChoice(
            name=f"{_(option.name)} · {PLAN_TYPE_LABELS[option.schedule.terms.plan_type]}",
            plan_type=PlanType(option.schedule.terms.plan_type).value,
            months=option.schedule.terms.months,
            first_amount=option.schedule.first_amount,
            total=option.schedule.total,
            waived=option.schedule.waived,
            option=position,
        )
        for position, option in enumerate(proposals)
    ]


def team_queue(*, user: Any) -> QuerySet[Task]:
    """Open requests waiting for the user's phone team: on cases nobody works yet, so the
    case is outside every agent's scope until one of the team takes the request."""
    staff = staff_for(user)
    if staff is None or staff.role != Role.PHONE_AGENT or staff.team_id is None:
        return Task.objects.none()
    return (
        Task.objects.filter(
            status=Task.Status.OPEN,
            team_id=staff.team_id,
            assignee__isnull=True,
            case__agent__isnull=True,
        )
        .select_related("case")
        .order_by("respond_by", "pk")
    )


def task_list(*, user: Any, open_only: bool = True) -> QuerySet[Task]:
    """The assistant's tasks on the cases this user may see, the most urgent first."""
    tasks = Task.objects.filter(case__in=case_visible(user=user))
    if open_only:
        tasks = tasks.filter(status=Task.Status.OPEN)
    return tasks.select_related("case", "assignee", "team").order_by("respond_by", "pk")
