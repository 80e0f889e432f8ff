"""The assistant over JSON, for the chat page and any other client.

General questions need no login (``POST /assistant/ask``). A conversation (``POST
/assistant/conversations``) returns a token the client sends as ``X-Conversation-Token``; the
identity check and the self-service actions work on that conversation. Staff read a case's
assistant tasks with their usual sign-in. Thin: parse → one service call → serialise.

No ``from __future__ import annotations``: Ninja reads the signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from ninja.security import APIKeyHeader

from doorstep.assistant import services
from doorstep.assistant.models import ArticleVersion, Conversation, Task
from doorstep.assistant.selectors import (
    article_version_get,
    article_versions,
    case_tasks,
    debtor_plans,
    debtor_summary,
)
from doorstep.core.api_errors import ApiInput, ErrorOut

router = Router(tags=["assistant"])

Lang = Literal["zh-hans", "en"]


class ConversationAuth(APIKeyHeader):
    """The conversation's token in ``X-Conversation-Token``; the conversation is the caller."""

    param_name = "X-Conversation-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Conversation | None:
        return services.conversation_for(key) if key else None


conversation_auth = ConversationAuth()


def _conversation(request: HttpRequest) -> Conversation:
    conversation: Conversation = request.auth  # type: ignore[attr-defined]
    return conversation


class AskIn(ApiInput):
    question: str = Field(..., max_length=2000)
    lang: Lang = "zh-hans"


class SourceOut(Schema):
    slug: str
    title: str
    score: float


class AskOut(Schema):
    answer: str
    sources: list[SourceOut]
    confident: bool
    action: str | None = None


def _answer_out(answer: services.Answer) -> dict[str, Any]:
    return {
        "answer": answer.answer,
        "sources": [s.__dict__ for s in answer.sources],
        "confident": answer.confident,
        "action": answer.action,
    }


@router.post("/assistant/ask", response=AskOut, auth=None)
def ask(request: HttpRequest, payload: AskIn) -> dict[str, Any]:
    """Answer a general question from the reviewed articles; nothing about any account."""
    return _answer_out(services.answer_question(question=payload.question, lang=payload.lang))


class StartIn(ApiInput):
    lang: Lang = "zh-hans"


class StartOut(Schema):
    token: str


@router.post("/assistant/conversations", response={201: StartOut}, auth=None)
def conversation_start(request: HttpRequest, payload: StartIn) -> Status[dict[str, Any]]:
    _conversation_row, token = services.conversation_start(lang=payload.lang)
    return Status(201, {"token": token})


class MessageIn(ApiInput):
    question: str = Field(..., max_length=2000)


@router.post("/assistant/messages", response=AskOut, auth=conversation_auth)
def message(request: HttpRequest, payload: MessageIn) -> dict[str, Any]:
    """Ask inside the conversation (kept for the hand-off transcript)."""
    answer = services.question_answer(
        conversation=_conversation(request), question=payload.question
    )
    return _answer_out(answer)


class IdentityIn(ApiInput):
    phone: str = Field(..., max_length=20)
    id_last4: str = Field(..., max_length=8)


class SentOut(Schema):
    sent: bool = True
    message: str


@router.post("/assistant/identity", response={202: SentOut, 429: ErrorOut}, auth=conversation_auth)
def identity_start(request: HttpRequest, payload: IdentityIn) -> Status[dict[str, Any]]:
    """Ask for a one-time code; the reply is the same whether or not the details match."""
    services.identity_start(
        conversation=_conversation(request), phone=payload.phone, id_last4=payload.id_last4
    )
    return Status(202, {"message": _("If these details match our records, we sent a code by SMS.")})


class CodeIn(ApiInput):
    code: str = Field(..., max_length=10)


class DueOut(Schema):
    account: str
    product: str
    due_date: date
    amount: str


class SummaryOut(Schema):
    reference: str
    past_due: str
    outstanding: str
    dpd: int
    arrears_as_of: date
    status: str
    dues: list[DueOut]


def _summary_out(conversation: Conversation) -> dict[str, Any]:
    summary = debtor_summary(services.verified_case(conversation))
    return {
        "reference": summary.reference,
        "past_due": f"{summary.past_due:.2f}",
        "outstanding": f"{summary.outstanding:.2f}",
        "dpd": summary.dpd,
        "arrears_as_of": summary.arrears_as_of,
        "status": summary.status,
        "dues": [
            {
                "account": d.account,
                "product": d.product,
                "due_date": d.due_date,
                "amount": f"{d.amount:.2f}",
            }
            for d in summary.dues
        ],
    }


@router.post(
    "/assistant/identity/confirm", response={200: SummaryOut, 429: ErrorOut}, auth=conversation_auth
)
def identity_confirm(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    """The code from the SMS; on success, what the debtor owes."""
    conversation = services.identity_confirm(conversation=_conversation(request), code=payload.code)
    return _summary_out(conversation)


@router.get("/assistant/me", response=SummaryOut, auth=conversation_auth)
def me(request: HttpRequest) -> dict[str, Any]:
    return _summary_out(_conversation(request))


RequestKind = Literal[
    "plan",
    "extension",
    "promise",
    "callback",
    "visit_reschedule",
    "hardship",
    "dispute",
    "handoff",
]


class RequestIn(ApiInput):
    kind: RequestKind
    note: str = Field("", max_length=1000)
    amount: str | None = Field(None, max_length=20)
    on: date | None = None
    at: datetime | None = None
    option: int | None = Field(
        None, ge=0, le=20, description="For kind=plan: a proposal's position."
    )


class TaskOut(Schema):
    id: int
    kind: str
    status: str
    respond_by: datetime
    message: str


@router.post("/assistant/requests", response={201: TaskOut}, auth=conversation_auth)
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    """A self-service action by the verified debtor; a person follows it up by ``respond_by``."""
    conversation = _conversation(request)
    if payload.kind == "handoff":
        task = services.handoff(conversation=conversation, note=payload.note)
    elif payload.kind == "hardship":
        task = services.hardship_declare(conversation=conversation, note=payload.note)
    elif payload.kind == "plan" and payload.option is not None:
        task = services.plan_option_request(
            conversation=conversation, option=payload.option, note=payload.note
        )
    elif payload.kind == "dispute":
        task = services.dispute_declare(
            conversation=conversation, amount=payload.amount or "", note=payload.note
        )
    else:
        task = services.request_record(
            conversation=conversation,
            kind=payload.kind,
            note=payload.note,
            amount=payload.amount,
            on=payload.on,
            at=payload.at,
        )
    return Status(201, _task_out(task))


def _task_out(task: Task) -> dict[str, Any]:
    when = timezone.localtime(task.respond_by)
    return {
        "id": task.pk,
        "kind": task.kind,
        "status": task.status,
        "respond_by": when,
        "message": _(
            "Thank you. A person will get back to you by %(when)s (office hours 09:00–18:00 "
            "on workdays)."
        )
        % {"when": f"{when:%Y-%m-%d %H:%M}"},
    }


class PlanChoiceOut(Schema):
    name: str
    plan_type: str
    months: int
    first_amount: str
    total: str
    waived: str
    plan_id: int | None
    option: int | None
    active: bool


@router.get("/assistant/plans", response=list[PlanChoiceOut], auth=conversation_auth)
def plans(request: HttpRequest) -> list[dict[str, Any]]:
    """The plans offered to the verified debtor (``plan_id``: accept it), or, with no offer
    yet, the three proposals for them (``option``: ask for it with ``POST requests``)."""
    case = services.verified_case(_conversation(request))
    return [
        {
            **choice.__dict__,
            "first_amount": f"{choice.first_amount:.2f}",
            "total": f"{choice.total:.2f}",
            "waived": f"{choice.waived:.2f}",
        }
        for choice in debtor_plans(case)
    ]


class AcceptedOut(Schema):
    plan_id: int
    status: str
    message: str


@router.post("/assistant/plans/{plan_id}/accept", response=AcceptedOut, auth=conversation_auth)
def plan_accept(
    request: HttpRequest, plan_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> dict[str, Any]:
    plan = services.plan_choose(conversation=_conversation(request), plan_id=plan_id)
    first_due = plan.instalments.order_by("number").values_list("due_date", flat=True).first()
    return {
        "plan_id": plan.pk,
        "status": plan.status,
        "message": _("Your repayment plan is in place. The first instalment is due on %(day)s.")
        % {"day": first_due},
    }


class ComplaintIn(ApiInput):
    category: str = Field("other", max_length=30)
    description: str = Field(..., max_length=4000)
    happened_on: date | None = None


class ComplaintOut(Schema):
    reference: str
    access_code: str
    decision_due: datetime
    message: str


@router.post("/assistant/complaints", response={201: ComplaintOut}, auth=conversation_auth)
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> Status[dict[str, Any]]:
    """File a complaint; the reference and access code (shown once) let the debtor follow it
    on the public complaints page."""
    filed = services.complaint_file(
        conversation=_conversation(request),
        category=payload.category,
        description=payload.description,
        happened_on=payload.happened_on,
    )
    due = timezone.localtime(filed.complaint.decision_due_at)
    return Status(
        201,
        {
            "reference": filed.complaint.reference,
            "access_code": filed.access_code,
            "decision_due": due,
            "message": _(
                "Complaint %(reference)s is registered; keep the access code %(code)s to follow "
                "it. We decide by %(when)s."
            )
            % {
                "reference": filed.complaint.reference,
                "code": filed.access_code,
                "when": f"{due:%Y-%m-%d}",
            },
        },
    )


class StaffTaskOut(Schema):
    id: int
    kind: str
    status: str
    details: dict[str, Any]
    assignee: str | None
    created_at: datetime
    respond_by: datetime


@router.get("/cases/{case_id}/assistant-tasks", response=list[StaffTaskOut])
def tasks_for_case(
    request: HttpRequest, case_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> list[dict[str, Any]]:
    """The debtor's self-service requests on a case, for the staff who may see the case."""
    return [
        {
            "id": t.pk,
            "kind": t.kind,
            "status": t.status,
            "details": t.details,
            "assignee": t.assignee.display_name if t.assignee else None,
            "created_at": t.created_at,
            "respond_by": t.respond_by,
        }
        for t in case_tasks(user=request.user, case_id=case_id)
    ]


class VersionOut(Schema):
    id: int
    slug: str
    lang: str
    number: int
    title: str
    status: str
    cites: list[str]
    reviewer: str
    reviewed_on: date | None
    review_due: date | None


def _version_out(version: ArticleVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "slug": version.article.slug,
        "lang": version.article.lang,
        "number": version.number,
        "title": version.title,
        "status": version.status,
        "cites": version.cites,
        "reviewer": version.reviewer,
        "reviewed_on": version.reviewed_on,
        "review_due": version.review_due,
    }


@router.get("/assistant/article-versions", response=list[VersionOut])
def versions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every version of every article (staff): what is served, what waits for review."""
    return [_version_out(v) for v in article_versions()]


class DraftIn(ApiInput):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=20_000)
    cites: list[str] = Field(..., max_length=20)
    keywords: list[str] = Field(default_factory=list, max_length=60)


@router.post("/assistant/articles/{slug}/{lang}/drafts", response={201: VersionOut})
def draft(
    request: HttpRequest,
    slug: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}$")],
    lang: Lang,
    payload: DraftIn,
) -> Status[dict[str, Any]]:
    """A compliance officer writes a new version; it is served only after another officer's
    review."""
    version = services.article_draft(
        slug=slug,
        lang=lang,
        title=payload.title,
        body=payload.body,
        cites=payload.cites,
        keywords=payload.keywords,
        actor=request.user,
    )
    return Status(201, _version_out(version))


class ReviewIn(ApiInput):
    approve: bool
    review_due: date | None = None


@router.post("/assistant/article-versions/{version_id}/review", response=VersionOut)
def review(
    request: HttpRequest,
    version_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    payload: ReviewIn,
) -> dict[str, Any]:
    version = services.article_review(
        version=article_version_get(version_id),
        actor=request.user,
        approve=payload.approve,
        review_due=payload.review_due,
    )
    return _version_out(version)
