"""Every write of the assistant: one function, one transaction, its ledger entry with it.

- Knowledge base: ``kb_sync`` loads the reviewed Markdown files as versions;
  ``article_draft``/``article_review`` let compliance officers edit with a second officer's
  review (maker-checker). Only reviewed versions are served.
- Conversation: ``conversation_start``, ``question_answer`` (retrieval, never an LLM's own words).
- Identity: ``identity_start`` (phone + ID last four → a one-time code, the same answer whether
  or not they match) and ``identity_confirm`` (the code → the conversation is the debtor's and
  the gate decides the debtor-initiated chat about the case).
- Self-service and hand-off: ``request_record`` (plans, extensions, promises, call-backs,
  visit reschedules, complaints), ``hardship_declare`` and ``dispute_declare`` (a hold and a
  task), ``handoff`` (the transcript into the case thread, a task for the agent or phone team).
- ``follow_up_send``: a message the bank starts, only through the compliance gate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from doorstep.assistant import kb, llm, office_hours, sms
from doorstep.assistant.models import (
    Article,
    ArticleVersion,
    Conversation,
    IdentityChallenge,
    Message,
    Task,
)
from doorstep.assistant.retrieval import Action, detect_action
from doorstep.assistant.selectors import debtor_plans, library, team_queue
from doorstep.cases.lifecycle import OPEN
from doorstep.cases.models import Case, Entry
from doorstep.cases.selectors import CaseAction, case_get
from doorstep.cases.services import case_add_entry, case_assign
from doorstep.compliance.engine import Verdict
from doorstep.compliance.models import ContactEvent, Decision
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.selectors import calendar_in_force, may
from doorstep.compliance.services import (
    contact_allowed,
    contact_decide,
    contact_record,
    content_check,
    hold_add,
)
from doorstep.core.errors import ConflictError, DomainError
from doorstep.keys.keyring import blind
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.complaints.services import Filed, complaint_submit
from doorstep.plans.models import Plan
from doorstep.plans.services import plan_accept, promise_take
from doorstep.portfolio.models import Phone
from doorstep.remote.services import callback_schedule
from doorstep.staff.models import Role, Team
from doorstep.staff.selectors import staff_for

ASSISTANT_USERNAME = "assistant"
CODE_LIFETIME = timedelta(minutes=5)
CODE_TRIES = 3  # wrong codes per challenge
CHALLENGES_PER_CONVERSATION = 3  # per LOCKOUT_WINDOW
PHONE_FAILURES = 5  # failed checks per phone number per LOCKOUT_WINDOW before the lockout
LOCKOUT_WINDOW = timedelta(minutes=30)
QUESTION_MAX = 500
TRANSCRIPT_MAX = 3900
EDITORS = frozenset({Role.COMPLIANCE_OFFICER})


class TooManyAttempts(DomainError):
    status = 429


class NotVerified(DomainError):
    status = 403


class EditDenied(DomainError):
    status = 403


def assistant_user() -> Any:
    """The system user the assistant acts as: it writes the transcript into case threads and
    signs its ledger entries. It has no staff profile, so it can never sign in to the API."""
    user, created = get_user_model().objects.get_or_create(
        username=ASSISTANT_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _now() -> datetime:
    return timezone.localtime()


# ---------------------------------------------------------------------------------------------
# Knowledge base


def _article_hash(text: kb.ArticleText) -> str:
    return content_hash(
        {
            "title": text.title,
            "body": text.body,
            "cites": list(text.cites),
            "kw": list(text.keywords),
        }
    )


def _version_event(version: ArticleVersion, actor: Any, kind: str) -> None:
    ledger_append(
        kind=kind,
        actor=actor,
        subject={"article": f"{version.article.slug}.{version.article.lang}"},
        record={
            "version": version.number,
            "status": version.status,
            "content_hash": version.content_hash,
            "reviewer": version.reviewer,
            "reviewed_on": version.reviewed_on,
        },
    )


def _next_number(article: Article) -> int:
    last = article.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def kb_sync(articles: list[kb.ArticleText] | None = None) -> int:
    """Store each reviewed article file whose text is not yet the newest version (a compliance
    officer reviewed the files before they shipped; the front matter names who and when).
    Safe to run again; returns how many versions were added."""
    added = 0
    for text in articles if articles is not None else kb.read_directory():
        article, _created = Article.objects.get_or_create(slug=text.slug, lang=text.lang)
        digest = _article_hash(text)
        if article.versions.filter(content_hash=digest).exists():
            continue
        version = ArticleVersion.objects.create(
            article=article,
            number=_next_number(article),
            title=text.title,
            body=text.body,
            cites=list(text.cites),
            keywords=list(text.keywords),
            status=ArticleVersion.Status.REVIEWED,
            content_hash=digest,
            source=f"file {text.slug}.{text.lang}.md",
            reviewer=text.reviewer,
            reviewed_on=text.reviewed_on,
            review_due=text.review_due,
        )
        _version_event(version, None, "assistant.article_reviewed")
        added += 1
    return added


def _require_editor(user: Any) -> None:
    if not may(user, EDITORS):
        raise EditDenied("forbidden", _("Only compliance officers edit the knowledge base."))


def _check_lang(lang: str) -> None:
    """Articles and conversations exist in the knowledge base's languages only."""
    if lang not in kb.LANGS:
        raise DomainError(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(kb.LANGS)},
            field="lang",
        )


@transaction.atomic
def article_draft(
    *,
    slug: str,
    lang: str,
    title: str,
    body: str,
    cites: list[str],
    keywords: list[str],
    actor: Any,
) -> ArticleVersion:
    """A new draft of an article (new or existing); served only after another officer's
    review."""
    _require_editor(actor)
    _check_lang(lang)
    for field, value in (("title", title), ("body", body)):
        if not value.strip():
            raise DomainError("required", _("This field is required."), field=field)
    if not [c for c in cites if c.strip()]:
        raise DomainError("cites_required", _("Cite at least one law or rule."), field="cites")
    article, _created = Article.objects.get_or_create(slug=slug, lang=lang)
    text = kb.ArticleText(
        slug, lang, title.strip(), body.strip(), tuple(cites), tuple(keywords), _now().date(), ""
    )
    version = ArticleVersion.objects.create(
        article=article,
        number=_next_number(article),
        title=text.title,
        body=text.body,
        cites=[c.strip() for c in cites if c.strip()],
        keywords=[k.strip() for k in keywords if k.strip()],
        status=ArticleVersion.Status.DRAFT,
        content_hash=_article_hash(text),
        written_by=actor,
        source="edit",
    )
    _version_event(version, actor, "assistant.article_drafted")
    return version


@transaction.atomic
def article_review(
    *, version: ArticleVersion, actor: Any, approve: bool, review_due: date | None = None
) -> ArticleVersion:
    """A second compliance officer approves (it is served from now) or rejects a draft."""
    _require_editor(actor)
    version = (
        ArticleVersion.objects.select_for_update().select_related("article").get(pk=version.pk)
    )
    if version.status != ArticleVersion.Status.DRAFT:
        raise ConflictError("not_a_draft", _("Only a draft is reviewed."))
    if version.written_by_id == actor.pk:
        raise EditDenied("own_draft", _("Another compliance officer reviews your draft."))
    version.status = ArticleVersion.Status.REVIEWED if approve else ArticleVersion.Status.REJECTED
    version.reviewed_by = actor
    version.reviewer = actor.get_username()
    version.reviewed_on = _now().date()
    version.review_due = review_due
    version.save(update_fields=["status", "reviewed_by", "reviewer", "reviewed_on", "review_due"])
    _version_event(version, actor, "assistant.article_reviewed")
    return version


# ---------------------------------------------------------------------------------------------
# Conversation and answers


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def conversation_start(*, lang: str) -> tuple[Conversation, str]:
    """A new anonymous conversation and its token (returned once, stored as a digest)."""
    _check_lang(lang)
    token = "dsa_" + secrets.token_urlsafe(32)
    conversation = Conversation.objects.create(
        token_digest=token_digest(token), lang=lang, started_at=timezone.now()
    )
    return conversation, token


def conversation_for(token: str) -> Conversation | None:
    return Conversation.objects.filter(token_digest=token_digest(token)).first()


@dataclass(frozen=True)
class Source:
    slug: str
    title: str
    score: float


@dataclass(frozen=True)
class Answer:
    answer: str
    sources: list[Source]
    confident: bool
    action: str | None = None  # "human" or "balance" when the question asked for one


def _article_url(slug: str, lang: str) -> str:
    return f"/assistant/articles/{slug}/?lang={lang}"


def answer_question(*, question: str, lang: str) -> Answer:
    """The answer to ``question`` from the served articles, in ``lang``: the best article's
    summary quoted with its link, or — below the confidence threshold — "I don't know" with
    the closest articles and the offer of a person."""
    text = question.strip()
    if not text:
        raise DomainError("required", _("Ask a question."), field="question")
    if len(text) > QUESTION_MAX:
        raise DomainError(
            "too_long",
            _("Keep it under %(n)d characters.") % {"n": QUESTION_MAX},
            field="question",
        )
    _check_lang(lang)
    action = detect_action(text)
    found = library()
    if not found.articles:  # a fresh install: serve the reviewed files shipped with the app
        kb_sync()
        found = library()
    ranking = found.index.rank(text)
    sources = []
    for hit in ranking.hits[:3]:
        version = found.articles.get((hit.slug, lang))
        if version is not None:
            sources.append(Source(hit.slug, version.title, hit.score))
    with override(lang):
        if action is Action.HUMAN:
            return Answer(
                _(
                    "I can put you through to a person: verify your identity below, then "
                    "press “Talk to a person”."
                ),
                sources,
                False,
                action.value,
            )
        if action is Action.BALANCE:
            return Answer(
                _("Verify your identity first; then I can show what you owe."),
                sources,
                False,
                action.value,
            )
        if ranking.confident and sources:
            best = found.articles[(sources[0].slug, lang)]
            body = _rephrased(text, best, lang) or kb.summary(best.body)
            more = _("Read more: %(title)s") % {"title": best.title}
            return Answer(f"{body}\n\n{more}", sources, True)
        return Answer(
            _(
                "I'm not sure I understood, and I don't want to guess. These articles may "
                "help; or verify your identity below and talk to a person."
            ),
            sources,
            False,
        )


def _rephrased(question: str, article: ArticleVersion, lang: str) -> str | None:
    """The optional LLM's wording of the article, if it is on and its text passes the same
    content screening as any message to a debtor (CN-CON-01)."""
    if not llm.enabled():
        return None
    text = llm.rephrase(question=question, title=article.title, body=article.body, lang=lang)
    if text is None:
        return None
    verdict = content_check(text=text, kind="chat").screening.verdict
    return text if verdict in (Verdict.ALLOW, Verdict.WARN) else None


@transaction.atomic
def question_answer(*, conversation: Conversation, question: str) -> Answer:
    """Answer inside a conversation; both messages are kept (the transcript a hand-off
    passes on)."""
    answer = answer_question(question=question, lang=conversation.lang)
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(conversation=conversation, sender="debtor", text=question.strip(), at=now),
            Message(
                conversation=conversation,
                sender="assistant",
                text=answer.answer,
                sources=[s.slug for s in answer.sources],
                confident=answer.confident,
                at=now,
            ),
        ]
    )
    return answer


# ---------------------------------------------------------------------------------------------
# Identity


def phone_digest(phone: str) -> str:
    """A keyed hash of the phone number: failures are counted per number without storing it."""
    return hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()


def _digits(value: str, *, length: tuple[int, int], field: str) -> str:
    cleaned = value.replace(" ", "").replace("-", "").strip()
    if not (cleaned.isdigit() and length[0] <= len(cleaned) <= length[1]):
        message = (
            _("Enter the mobile number, 11 digits.")
            if field == "phone"
            else _("Enter the last four characters of your ID number.")
        )
        raise DomainError("invalid", message, field=field)
    return cleaned


def _last4(value: str) -> str:
    cleaned = value.strip().upper()
    if len(cleaned) != 4 or not (
        cleaned[:3].isdigit() and (cleaned[3].isdigit() or cleaned[3] == "X")
    ):
        raise DomainError(
            "invalid", _("Enter the last four characters of your ID number."), field="id_last4"
        )
    return cleaned


def _locked(digest: str, now: datetime) -> bool:
    recent = IdentityChallenge.objects.filter(
        phone_digest=digest, created_at__gte=now - LOCKOUT_WINDOW
    )
    failures = sum(row.failures for row in recent) + sum(
        1 for row in recent if row.customer_id is None
    )
    return failures >= PHONE_FAILURES


@transaction.atomic
def identity_start(*, conversation: Conversation, phone: str, id_last4: str) -> None:
    """Send a one-time code if ``phone`` and ``id_last4`` match a customer with an open case.
    The reply is the same either way, so nobody learns whose number it is."""
    number = _digits(phone, length=(11, 11), field="phone")
    last4 = _last4(id_last4)
    now = timezone.now()
    digest = phone_digest(number)
    if _locked(digest, now):
        raise TooManyAttempts(
            "locked", _("Too many failed attempts. Try again in 30 minutes or call us.")
        )
    if (
        conversation.challenges.filter(created_at__gte=now - LOCKOUT_WINDOW).count()
        >= CHALLENGES_PER_CONVERSATION
    ):
        raise TooManyAttempts("too_many_codes", _("Too many codes requested. Try again later."))
    # The number through its blind index; the ID's last four are compared after decryption.
    match = next(
        (
            phone
            for phone in Phone.objects.filter(number_index=blind("phone", number))
            .filter(customer__cases__status__in=sorted(OPEN))
            .select_related("customer")
            .distinct()
            .order_by("pk")
            if hmac.compare_digest(phone.customer.national_id[-4:].upper(), last4.upper())
        ),
        None,
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    IdentityChallenge.objects.create(
        conversation=conversation,
        phone_digest=digest,
        customer=match.customer if match else None,
        code_digest=token_digest(code) if match else "",
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    if match is not None:
        with override(conversation.lang):
            text = _("Your verification code is %(code)s. It expires in 5 minutes.") % {
                "code": code
            }
        send = sms.gateway()
        transaction.on_commit(lambda: send(number, text))


def identity_confirm(*, conversation: Conversation, code: str) -> Conversation:
    """Check the code; on success the conversation belongs to the customer and their open
    case, and the gate decides this debtor-initiated chat (holds still apply).

    A wrong code is counted in its own transaction before the refusal, so the lockout sees
    it even though the request fails."""
    now = timezone.now()
    wrong = DomainError("wrong_code", _("That code is wrong or has expired."), field="code")
    with transaction.atomic():
        challenge = (
            IdentityChallenge.objects.select_for_update()
            .filter(conversation=conversation, confirmed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if challenge is None:
            raise wrong
        if _locked(challenge.phone_digest, now):
            raise TooManyAttempts(
                "locked", _("Too many failed attempts. Try again in 30 minutes or call us.")
            )
        good = (
            challenge.customer_id is not None
            and challenge.expires_at > now
            and challenge.failures < CODE_TRIES
            and hmac.compare_digest(challenge.code_digest, token_digest(code.strip()))
        )
        if not good:
            challenge.failures += 1
            challenge.save(update_fields=["failures"])
    if not good:
        raise wrong
    return _verified(conversation, challenge, now)


@transaction.atomic
def _verified(
    conversation: Conversation, challenge: IdentityChallenge, now: datetime
) -> Conversation:
    challenge.confirmed_at = now
    challenge.save(update_fields=["confirmed_at"])
    customer_id = challenge.customer_id
    case = (
        Case.objects.filter(customer_id=customer_id, status__in=sorted(OPEN))
        .order_by("-pk")
        .first()
        if customer_id is not None
        else None
    )
    if case is None:
        raise DomainError("wrong_code", _("That code is wrong or has expired."), field="code")
    actor = assistant_user()
    decision = contact_decide(
        case=case,
        proposal=ContactProposal(channel="chat", at=now, initiated_by="debtor"),
        actor=actor,
    )
    conversation.customer_id = challenge.customer_id
    conversation.case = case
    conversation.verified_at = now
    conversation.decision = decision
    conversation.save(update_fields=["customer", "case", "verified_at", "decision"])
    contact_record(
        case=case,
        channel="chat",
        at=now,
        outcome=ContactEvent.Outcome.DEBTOR_REACHED,
        actor=actor,
        initiated_by="debtor",
        conversation=True,
        decision=decision,
    )
    ledger_append(
        kind="assistant.identity_verified",
        actor=actor,
        subject={"case": case.reference, "conversation": conversation.pk},
        record={"decision": decision.pk, "verdict": decision.verdict},
    )
    return conversation


def verified_case(conversation: Conversation, *, gated: bool = True) -> Case:
    """The case a verified conversation may act on; refused before the identity check.

    ``gated``: discussing the debt is a contact, so it also needs the gate to allow this
    debtor-initiated chat — as decided at the identity check and still now (a hold placed since,
    e.g. cease-contact, stops it; the preview is not stored). Reaching a person or complaining
    is the debtor contacting the bank and is never gated."""
    case = conversation.case
    if case is None or conversation.verified_at is None:
        raise NotVerified("not_verified", _("Verify your identity first."))
    if not gated:
        return case
    blocked = NotVerified(
        "contact_blocked",
        _("We cannot discuss this account here right now. Please talk to a person."),
    )
    decision = conversation.decision
    if decision is None or not contact_allowed(decision):
        raise blocked
    now = contact_decide(
        case=case,
        proposal=ContactProposal(channel="chat", at=timezone.now(), initiated_by="debtor"),
        actor=assistant_user(),
        record=False,
    )
    if not contact_allowed(now):
        raise blocked
    return case


# ---------------------------------------------------------------------------------------------
# Self-service and hand-off


def _assignee(case: Case) -> tuple[Any, Team | None]:
    """The case's agent, else the branch's phone team."""
    if case.agent_id is not None:
        return case.agent, case.team
    team = Team.objects.filter(branch_id=case.branch_id, kind=Team.Kind.PHONE).first()
    return None, team


def _task(conversation: Conversation, case: Case, kind: str, details: dict[str, Any]) -> Task:
    now = _now()
    calendar = calendar_in_force()
    agent, team = _assignee(case)
    task = Task.objects.create(
        case=case,
        conversation=conversation,
        kind=kind,
        details=details,
        assignee=agent,
        team=team,
        created_at=now,
        respond_by=office_hours.respond_by(now, lambda day: calendar.is_rest_day(day)[0]),
    )
    ledger_append(
        kind="assistant.task_created",
        actor=assistant_user(),
        subject={"case": case.reference, "task": task.pk},
        record={
            "kind": kind,
            "details_hash": content_hash(details),
            "assignee": agent.employee_number if agent else None,
            "team": team.pk if team else None,
            "respond_by": task.respond_by,
        },
    )
    return task


def _money(value: str, *, field: str) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise DomainError("invalid", _("Enter an amount like 500.00."), field=field) from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError("invalid", _("Enter an amount like 500.00."), field=field)
    return amount


REQUEST_KINDS = frozenset(
    {
        Task.Kind.PLAN,
        Task.Kind.EXTENSION,
        Task.Kind.PROMISE,
        Task.Kind.CALLBACK,
        Task.Kind.VISIT_RESCHEDULE,
    }
)


def _visit_window_check(case: Case, at: datetime) -> None:
    """A rescheduled visit must be one the gate would allow (hours, holidays, frequency)."""
    decision = contact_decide(
        case=case,
        proposal=ContactProposal(channel="visit", at=at, staff_count=2),
        actor=assistant_user(),
        record=False,
    )
    if decision.verdict not in (Verdict.ALLOW.value, Verdict.WARN.value):
        raise DomainError(
            "visit_not_allowed",
            _("We cannot visit then (%(rules)s). Visits are 09:00–17:00 on workdays.")
            % {"rules": ", ".join(decision.rules)},
            field="at",
        )


@transaction.atomic
def request_record(
    *,
    conversation: Conversation,
    kind: str,
    note: str = "",
    amount: str | None = None,
    on: date | None = None,
    at: datetime | None = None,
) -> Task:
    """A request from the verified debtor, recorded as a task for a person: a repayment plan
    or an extension, a promise to pay (``amount`` by ``on``, taken through the plans app), a
    call-back (at ``at``, which
    the debtor asked for, so it counts as debtor-initiated), a visit reschedule (``at`` must
    pass the gate)."""
    case = verified_case(conversation)
    if kind not in REQUEST_KINDS:
        raise DomainError(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(REQUEST_KINDS))},
            field="kind",
        )
    details: dict[str, Any] = {"note": note.strip()[:1000]}
    if kind == Task.Kind.PROMISE:
        if amount is None or on is None:
            raise DomainError(
                "required",
                _("Give the amount and the date."),
                field="amount" if amount is None else "on",
            )
        promise = promise_take(
            case=case,
            amount=_money(amount, field="amount"),
            due_on=on,
            channel="self_service",
            actor=assistant_user(),
        )
        details.update(amount=str(promise.amount), on=on.isoformat(), promise=promise.pk)
    if kind in (Task.Kind.CALLBACK, Task.Kind.VISIT_RESCHEDULE):
        if at is None:
            raise DomainError("required", _("Choose a time."), field="at")
        if at.utcoffset() is None:
            raise DomainError("naive_time", _("Give the time with its UTC offset."), field="at")
        if at < timezone.now():
            raise DomainError("in_past", _("Choose a time from now on."), field="at")
        if kind == Task.Kind.VISIT_RESCHEDULE:
            _visit_window_check(case, at)
        else:
            follow_up = callback_schedule(case=case, due_at=at, actor=assistant_user())
            details["follow_up"] = follow_up.pk
        details.update(at=at.isoformat(), initiated_by="debtor")
    return _task(conversation, case, kind, details)


@transaction.atomic
def hardship_declare(*, conversation: Conversation, note: str) -> Task:
    """Hardship: collection contact pauses (a hold that still lets this chat and letters
    through) and a person reviews it."""
    case = verified_case(conversation)
    if not note.strip():
        raise DomainError("required", _("Tell us briefly what happened."), field="note")
    hold = hold_add(
        customer=case.customer,
        kind="hardship",
        reason="Hardship declared by the debtor in the self-service assistant.",
        actor=assistant_user(),
        allowed_channels=["chat", "letter"],
    )
    return _task(
        conversation, case, Task.Kind.HARDSHIP, {"note": note.strip()[:1000], "hold": hold.pk}
    )


@transaction.atomic
def dispute_declare(*, conversation: Conversation, amount: str, note: str) -> Task:
    """A disputed amount: collection of it stops until it is answered (CN-DISP-01)."""
    case = verified_case(conversation)
    disputed = _money(amount, field="amount")
    if not note.strip():
        raise DomainError("required", _("Tell us why the amount is wrong."), field="note")
    hold = hold_add(
        customer=case.customer,
        kind="dispute",
        reason=f"Amount {disputed} disputed by the debtor in the self-service assistant.",
        actor=assistant_user(),
        allowed_channels=["chat", "letter"],
    )
    return _task(
        conversation,
        case,
        Task.Kind.DISPUTE,
        {"amount": str(disputed), "note": note.strip()[:1000], "hold": hold.pk},
    )


def _transcript(conversation: Conversation) -> str:
    names = {"debtor": _("Debtor"), "assistant": _("Assistant"), "bank": _("Bank")}
    lines = [
        f"[{timezone.localtime(m.at):%H:%M}] {names[m.sender]}: {m.text}"
        for m in conversation.messages.order_by("at", "id")
    ]
    text = "\n".join(lines)
    if len(text) > TRANSCRIPT_MAX:  # keep the latest part: that is what the person answers
        text = "…" + text[-TRANSCRIPT_MAX:]
    return text


def _thread(case: Case, conversation: Conversation, header: str, note: str = "") -> None:
    """The transcript into the case thread, where every branch working the case reads it."""
    with override(settings.LANGUAGE_CODE):
        body = f"{header}\n{_transcript(conversation)}"
        if note.strip():
            body += "\n" + _("Debtor's note: %(note)s") % {"note": note.strip()[:500]}
    case_add_entry(case=case, author=assistant_user(), kind=Entry.Kind.MESSAGE, body=body)


@transaction.atomic
def handoff(*, conversation: Conversation, note: str = "") -> Task:
    """Talk to a person: the transcript goes into the case thread and the case's agent (or the
    branch's phone team) gets a task with the promised response time."""
    case = verified_case(conversation, gated=False)
    with override(settings.LANGUAGE_CODE):
        header = _("Self-service chat handed to a person")
    _thread(case, conversation, header, note)
    conversation.handed_off_at = timezone.now()
    conversation.save(update_fields=["handed_off_at"])
    return _task(conversation, case, Task.Kind.HANDOFF, {"note": note.strip()[:500]})


@transaction.atomic
def follow_up_send(*, conversation: Conversation, text: str, actor: Any) -> Decision:
    """A message the bank starts in the chat (a reminder, a follow-up): the gate decides it as
    a bank-initiated chat and the content screening must pass; only then is it sent."""
    if conversation.case is None:
        raise NotVerified("not_verified", _("The conversation is not linked to a case."))
    screening = content_check(text=text, kind="chat", case=conversation.case)
    if screening.screening.verdict.value not in (Verdict.ALLOW.value, Verdict.WARN.value):
        raise DomainError(
            "content_refused",
            _("The message breaks %(rules)s.") % {"rules": ", ".join(screening.screening.rules)},
            field="text",
        )
    decision = contact_decide(
        case=conversation.case,
        proposal=ContactProposal(channel="chat", at=timezone.now()),
        actor=actor,
    )
    if contact_allowed(decision):
        Message.objects.create(
            conversation=conversation, sender="bank", text=text.strip(), at=timezone.now()
        )
        contact_record(
            case=conversation.case,
            channel="chat",
            at=timezone.now(),
            outcome=ContactEvent.Outcome.DELIVERED,
            actor=actor,
            decision=decision,
        )
    return decision


@transaction.atomic
def plan_choose(*, conversation: Conversation, plan_id: int) -> Plan:
    """The verified debtor accepts one of the plans offered on their case, through the plans
    app (the case moves to "in a plan", the other offers are withdrawn, limitation is
    interrupted); the conversation goes into the case thread with it."""
    case = verified_case(conversation)
    offered = {choice.plan_id for choice in debtor_plans(case) if choice.plan_id is not None}
    if plan_id not in offered:
        raise DomainError("not_offered", _("That plan is not offered to you."), field="plan_id")
    plan = plan_accept(
        plan=Plan.objects.get(pk=plan_id), actor=assistant_user(), via="self_service"
    )
    with override(settings.LANGUAGE_CODE):
        header = _("Repayment plan %(plan)d accepted in the self-service chat") % {"plan": plan.pk}
    _thread(case, conversation, header)
    return plan


@transaction.atomic
def plan_option_request(*, conversation: Conversation, option: int, note: str = "") -> Task:
    """The debtor asks for one of the proposals computed for them; an agent offers it (the
    plans app lets only staff offer), and the debtor accepts it here afterwards."""
    case = verified_case(conversation)
    choices = [c for c in debtor_plans(case) if c.option is not None]
    if not 0 <= option < len(choices):
        raise DomainError("invalid_choice", _("Choose one of the plans shown."), field="option")
    chosen = choices[option]
    details = {
        "note": note.strip()[:1000],
        "option": chosen.name,
        "plan_type": chosen.plan_type,
        "months": chosen.months,
        "first_amount": str(chosen.first_amount),
        "total": str(chosen.total),
    }
    return _task(conversation, case, Task.Kind.PLAN, details)


@transaction.atomic
def task_take(*, task: Task, actor: Any) -> Task:
    """A phone agent takes a request waiting in their team's queue: the case, which nobody
    worked, becomes theirs (through the cases app's assignment, so it shows in the case's
    history), and so does the request."""
    waiting = team_queue(user=actor).select_for_update(of=("self",)).filter(pk=task.pk).first()
    if waiting is None:
        raise ConflictError(
            "not_in_queue", _("This request is no longer waiting in your team's queue.")
        )
    task = waiting
    staff = staff_for(actor)
    case_assign(
        case=task.case,
        agent=staff,
        actor=actor,
        reason=_("Took the debtor's self-service request from the team's queue."),
    )
    task.assignee = staff
    task.save(update_fields=["assignee"])
    ledger_append(
        kind="assistant.task_taken",
        actor=actor,
        subject={"case": task.case.reference, "task": task.pk},
        record={"kind": task.kind, "agent": staff.employee_number if staff else None},
    )
    return task


@transaction.atomic
def task_close(*, task: Task, actor: Any) -> Task:
    """Staff mark a debtor's request as dealt with; only someone who may write notes on the
    case (its agent, its branch's managers…) does."""
    case_get(user=actor, pk=task.case_id, action=CaseAction.NOTE)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status == Task.Status.DONE:
        raise ConflictError("already_done", _("This task is already done."))
    task.status = Task.Status.DONE
    task.save(update_fields=["status"])
    ledger_append(
        kind="assistant.task_closed",
        actor=actor,
        subject={"case": task.case.reference, "task": task.pk},
        record={"kind": task.kind},
    )
    return task


@transaction.atomic
def complaint_file(
    *, conversation: Conversation, category: str, description: str, happened_on: date | None
) -> Filed:
    """The verified debtor files a complaint into the complaints process (oversight), with the
    contact details on file so nothing personal is typed into the chat. It goes to the
    complaint handlers, not to the case's agent (it may be about them); the case reference in
    the text lets a handler link it. Never gated: it is the debtor contacting the bank."""
    case = verified_case(conversation, gated=False)
    phone = case.customer.phones.order_by("-is_primary", "pk").first()
    text = description.strip()
    if not text:
        raise DomainError("required", _("Tell us what happened."), field="description")
    with override(settings.LANGUAGE_CODE):
        about = _("Filed in the self-service chat about case %(case)s.") % {"case": case.reference}
    return complaint_submit(
        category=category,
        name=case.customer.name,
        phone=phone.number if phone is not None else "",
        email="",
        description=f"{text}\n\n{about}",
        happened_on=happened_on,
        language=conversation.lang,
    )


ANONYMOUS_RETENTION_DAYS = 30


@transaction.atomic
def conversations_purge(*, now: datetime | None = None) -> int:
    """Delete chats that never proved who the debtor was and have been quiet for
    ``ANONYMOUS_RETENTION_DAYS``: they serve no collection purpose, and what a stranger typed may
    still be personal (PIPL Art 19: keep no longer than the purpose needs). Verified chats are
    part of the case and follow its retention. Returns how many were deleted."""
    cutoff = (now or _now()) - timedelta(days=ANONYMOUS_RETENTION_DAYS)
    quiet = (
        Conversation.objects.filter(case__isnull=True, customer__isnull=True, started_at__lt=cutoff)
        .exclude(messages__at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    ids = list(quiet)
    Conversation.objects.filter(pk__in=ids).delete()
    return len(ids)
