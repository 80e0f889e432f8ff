"""The assistant's writes on the real database with the named cast: identity, self-service,
hand-off, the gate, the knowledge-base review."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.assistant import services
from doorstep.assistant.models import ArticleVersion, Conversation, Message, Task
from doorstep.assistant.selectors import task_list, team_queue
from doorstep.cases.models import Case, Entry
from doorstep.cases.services import case_assign
from doorstep.compliance.models import Hold
from doorstep.compliance.services import hold_add
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.remote.models import FollowUp
from doorstep.remote.selectors import queue

SENT: list[tuple[str, str]] = []
SHANGHAI = ZoneInfo("Asia/Shanghai")


def capture(phone: str, text: str) -> None:
    SENT.append((phone, text))


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> None:
    settings.ASSISTANT_SMS_GATEWAY = "doorstep.assistant.tests.test_services.capture"
    SENT.clear()


def _verified(world: Any, hooks: Any) -> Conversation:
    conversation, _token = services.conversation_start(lang="zh-hans")
    with hooks(execute=True):
        services.identity_start(conversation=conversation, phone="13912345678", id_last4="1234")
    return services.identity_confirm(conversation=conversation, code=last_code())


def last_code() -> str:
    """The one-time code in the last SMS sent, in whichever language it was written."""
    found = re.search(r"\d{6}", SENT[-1][1])
    assert found is not None, SENT[-1][1]
    return found.group()


def test_the_right_phone_id_and_code_link_the_conversation_to_zhangs_case(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    assert SENT[0][0] == "13912345678"
    assert conversation.case == world.zhang_case
    assert conversation.decision is not None
    assert conversation.decision.initiated_by == "debtor"
    entries = LedgerEntry.objects.filter(kind__startswith="assistant.")
    assert [e.kind for e in entries] == ["assistant.identity_verified"]
    assert all("13912345678" not in e.data and "张伟" not in e.data for e in entries)


def test_wrong_details_get_the_same_reply_and_no_code_is_sent(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation, _token = services.conversation_start(lang="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.identity_start(conversation=conversation, phone="13912345678", id_last4="9999")
    assert SENT == []
    with pytest.raises(DomainError) as error:
        services.identity_confirm(conversation=conversation, code="000000")
    assert error.value.code == "wrong_code"
    assert Conversation.objects.get(pk=conversation.pk).case is None


def test_repeated_wrong_codes_lock_the_phone_number_out(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for _attempt in range(2):
        conversation, _token = services.conversation_start(lang="en")
        with django_capture_on_commit_callbacks(execute=True):
            services.identity_start(conversation=conversation, phone="13912345678", id_last4="1234")
        for _wrong in range(3):
            with pytest.raises(DomainError):
                services.identity_confirm(conversation=conversation, code="not-it")
    fresh, _token = services.conversation_start(lang="en")
    with pytest.raises(services.TooManyAttempts) as error:
        services.identity_start(conversation=fresh, phone="13912345678", id_last4="1234")
    assert error.value.status == 429


def test_self_service_is_refused_before_the_identity_check(world: Any) -> None:
    conversation, _token = services.conversation_start(lang="en")
    with pytest.raises(services.NotVerified):
        services.request_record(conversation=conversation, kind="plan")
    assert Task.objects.count() == 0


def test_talking_to_a_person_puts_the_transcript_in_the_thread_and_tasks_the_agent(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    services.question_answer(conversation=conversation, question="停息分期怎么申请")
    task = services.handoff(conversation=conversation, note="请下午联系我")
    assert task.assignee == world.agent_li
    assert task.kind == Task.Kind.HANDOFF
    assert task.respond_by > task.created_at
    entry = Entry.objects.filter(case=world.zhang_case, kind=Entry.Kind.MESSAGE).get()
    assert "停息分期怎么申请" in entry.body
    assert "请下午联系我" in entry.body


def test_declaring_hardship_pauses_collection_but_not_this_chat(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    task = services.hardship_declare(conversation=conversation, note="失业三个月")
    hold = Hold.objects.get(customer=world.debtor_zhang)
    assert hold.kind == "hardship"
    assert hold.allowed_channels == ["chat", "letter"]
    assert task.details["hold"] == hold.pk
    services.request_record(conversation=conversation, kind="plan")  # still served


def test_a_cease_contact_hold_stops_the_chat_about_the_debt(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hold_add(
        customer=world.debtor_zhang,
        kind="cease_contact",
        reason="Asked in writing",
        actor=world.user("manager_wang"),
    )
    conversation = _verified(world, django_capture_on_commit_callbacks)
    assert conversation.decision is not None
    assert conversation.decision.verdict == "block"
    with pytest.raises(services.NotVerified) as error:
        services.request_record(conversation=conversation, kind="plan")
    assert error.value.code == "contact_blocked"


def test_a_visit_can_only_be_rescheduled_into_the_visit_window(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    monday = datetime.now(SHANGHAI).date() + timedelta(days=7 - datetime.now(SHANGHAI).weekday())
    evening = datetime.combine(monday, datetime.min.time(), SHANGHAI).replace(hour=20)
    with pytest.raises(DomainError) as error:
        services.request_record(conversation=conversation, kind="visit_reschedule", at=evening)
    assert error.value.field == "at"
    assert "CN-VISIT-01" in error.value.message
    assert Task.objects.count() == 0


def test_a_promise_to_pay_is_taken_through_the_plans_app(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    with pytest.raises(DomainError) as error:
        services.request_record(conversation=conversation, kind="promise", amount="-5", on=tomorrow)
    assert error.value.field == "amount"
    task = services.request_record(
        conversation=conversation, kind="promise", amount="500.00", on=tomorrow
    )
    assert task.details["amount"] == "500.00"
    promise = world.zhang_case.promises.get()
    assert promise.channel == "self_service"
    assert promise.pk == task.details["promise"]


def test_answers_quote_only_reviewed_articles(world: Any) -> None:
    services.kb_sync()
    draft = services.article_draft(
        slug="being-sued",
        lang="en",
        title="Unreviewed title",
        body="Unreviewed text.",
        cites=["Civil Code, Art 188"],
        keywords=[],
        actor=world.user("compliance_zhou"),
    )
    answer = services.answer_question(question="the bank is suing me in court", lang="en")
    assert "Unreviewed" not in answer.answer
    with pytest.raises(services.EditDenied):
        services.article_review(version=draft, actor=world.user("compliance_zhou"), approve=True)
    with pytest.raises(services.EditDenied):
        services.article_draft(
            slug="x",
            lang="en",
            title="t",
            body="b",
            cites=["c"],
            keywords=[],
            actor=world.user("agent_li"),
        )


def test_a_second_compliance_officer_puts_a_draft_in_service(world: Any) -> None:
    from doorstep.core.testing import make_staff
    from doorstep.staff.models import Role

    services.kb_sync()
    second = make_staff("compliance_ma", Role.COMPLIANCE_OFFICER)
    current = ArticleVersion.objects.get(article__slug="being-sued", article__lang="en")
    draft = services.article_draft(
        slug="being-sued",
        lang="en",
        title="What if I am sued? (revised)",
        body="A revised summary about court.\n\n" + current.body,
        cites=current.cites,
        keywords=current.keywords,
        actor=world.user("compliance_zhou"),
    )
    services.article_review(version=draft, actor=second.user, approve=True)
    answer = services.answer_question(question="I am being sued in court", lang="en")
    assert answer.answer.startswith("A revised summary about court.")
    assert ArticleVersion.objects.get(pk=draft.pk).reviewer == "compliance_ma"


def test_a_bank_started_message_at_night_is_blocked_by_the_gate(
    world: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    night = datetime.now(SHANGHAI).replace(hour=23, minute=0)
    monkeypatch.setattr("doorstep.assistant.services.timezone.now", lambda: night)
    decision = services.follow_up_send(
        conversation=conversation, text="提醒您按约还款。", actor=world.user("agent_zhao")
    )
    assert decision.verdict == "block"
    assert "CN-TIME-01" in decision.rules
    assert not Message.objects.filter(conversation=conversation, sender="bank").exists()


def _offer_the_three_proposals(world: Any) -> list[Any]:
    from django.utils import timezone as django_timezone

    from doorstep.plans.selectors import case_plan_options
    from doorstep.plans.services import plan_offer

    options = case_plan_options(
        case=world.zhang_case, user=world.user("agent_li"), on=django_timezone.localdate()
    ).options
    return [
        plan_offer(case=world.zhang_case, terms=o.schedule.terms, actor=world.user("agent_li"))
        for o in options
    ]


def test_without_offers_the_debtor_sees_the_proposals_and_can_ask_for_one(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.assistant.selectors import debtor_plans

    conversation = _verified(world, django_capture_on_commit_callbacks)
    choices = debtor_plans(world.zhang_case)
    assert choices
    assert all(c.plan_id is None for c in choices)
    task = services.plan_option_request(conversation=conversation, option=0)
    assert task.kind == Task.Kind.PLAN
    assert task.details["total"] == str(choices[0].total)


def test_the_debtor_accepts_an_offered_plan_and_the_case_shows_it_with_the_transcript(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.assistant.selectors import debtor_plans
    from doorstep.plans.models import Plan

    offers = _offer_the_three_proposals(world)
    conversation = _verified(world, django_capture_on_commit_callbacks)
    services.question_answer(conversation=conversation, question="停息分期怎么申请")
    assert {c.plan_id for c in debtor_plans(world.zhang_case)} == {p.pk for p in offers}
    plan = services.plan_choose(conversation=conversation, plan_id=offers[-1].pk)
    assert plan.status == "active"
    assert plan.accepted_via == "self_service"
    assert Plan.objects.filter(case=world.zhang_case, status="withdrawn").count() == len(offers) - 1
    entry = Entry.objects.get(case=world.zhang_case, kind=Entry.Kind.MESSAGE)
    assert "停息分期怎么申请" in entry.body


def test_a_plan_of_another_case_cannot_be_accepted(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError) as error:
        services.plan_choose(conversation=conversation, plan_id=999)
    assert error.value.field == "plan_id"


def test_the_agent_sees_and_closes_the_debtors_request_and_another_branch_cannot(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    conversation = _verified(world, django_capture_on_commit_callbacks)
    task = services.request_record(conversation=conversation, kind="extension", note="下月再还")
    agent = Client()
    agent.force_login(world.user("agent_li"))
    page = agent.get("/assistant/tasks/")
    assert world.zhang_case.reference in page.content.decode()
    outsider = Client()
    outsider.force_login(world.user("agent_sun"))
    assert world.zhang_case.reference not in outsider.get("/assistant/tasks/").content.decode()
    assert outsider.post(f"/assistant/tasks/{task.pk}/done/").status_code == 404
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    agent.post(f"/assistant/tasks/{task.pk}/done/")
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_a_hold_placed_after_the_check_stops_the_chat_but_a_person_is_still_reachable(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    hold_add(
        customer=world.debtor_zhang,
        kind="cease_contact",
        reason="Asked in writing",
        actor=world.user("manager_wang"),
    )
    with pytest.raises(services.NotVerified):
        services.request_record(conversation=conversation, kind="extension")
    task = services.handoff(conversation=conversation)
    assert task.kind == Task.Kind.HANDOFF
    filed = services.complaint_file(
        conversation=conversation,
        category="harassment",
        description="他们半夜打电话",
        happened_on=None,
    )
    assert filed.complaint.complainant_phone == "13912345678"
    assert world.zhang_case.reference in filed.complaint.description
    assert filed.complaint.category == "harassment"


def test_the_case_file_shows_the_debtors_requests_to_those_who_see_the_case(
    world: Any, django_capture_on_commit_callbacks: Any, client: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    conversation = _verified(world, django_capture_on_commit_callbacks)
    services.handoff(conversation=conversation, note="请下午联系我")
    client.force_login(world.user("agent_li"))
    case_page = client.get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert f"/assistant/cases/{world.zhang_case.pk}/tasks/" in case_page
    panel = client.get(f"/assistant/cases/{world.zhang_case.pk}/tasks/")
    assert panel.status_code == 200
    assert "Talk to a person" in panel.content.decode()
    assert "Done</button>" in panel.content.decode()
    client.force_login(world.user("agent_sun"))  # another branch's agent
    assert client.get(f"/assistant/cases/{world.zhang_case.pk}/tasks/").status_code == 404


def test_a_call_back_asked_for_in_the_chat_tops_the_agents_queue_when_due(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _verified(world, django_capture_on_commit_callbacks)
    tomorrow = timezone.localdate() + timedelta(days=1)
    at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 20, 30, tzinfo=SHANGHAI)
    task = services.request_record(conversation=conversation, kind="callback", at=at)
    follow_up = FollowUp.objects.get(pk=task.details["follow_up"])
    assert (follow_up.case, follow_up.kind, follow_up.due_at) == (world.zhang_case, "callback", at)
    assert LedgerEntry.objects.filter(kind="remote.callback_scheduled").exists()
    first = queue(user=world.user("agent_li"), at=at + timedelta(minutes=1))[0]
    assert first.case == world.zhang_case
    assert first.follow_up == follow_up


def test_quiet_anonymous_chats_are_purged_and_verified_ones_kept(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = timezone.now() - timedelta(days=services.ANONYMOUS_RETENTION_DAYS + 1)
    anonymous, _token = services.conversation_start(lang="zh-hans")
    services.question_answer(conversation=anonymous, question="上门催收合法吗")
    still_talking, _token = services.conversation_start(lang="en")
    verified = _verified(world, django_capture_on_commit_callbacks)
    Conversation.objects.filter(pk__in=[anonymous.pk, still_talking.pk, verified.pk]).update(
        started_at=old
    )
    Message.objects.filter(conversation=anonymous).update(at=old)
    assert services.conversations_purge() == 2  # the anonymous one and the empty one
    assert list(Conversation.objects.values_list("pk", flat=True)) == [verified.pk]
    assert not Message.objects.filter(conversation_id=anonymous.pk).exists()
    assert services.conversations_purge() == 0


def test_a_phone_agent_takes_a_request_from_the_team_queue_and_the_case_with_it(
    world: Any, django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    case_assign(case=world.zhang_case, agent=None, actor=world.user("manager_wang"))
    conversation = _verified(world, django_capture_on_commit_callbacks)
    task = services.handoff(conversation=conversation, note="请下午联系我")
    assert (task.assignee, task.team.kind) == (None, "phone")
    zhao = world.user("agent_zhao")
    assert list(team_queue(user=zhao)) == [task]
    assert not task_list(user=zhao).exists()  # the case is nobody's: outside her scope
    assert not team_queue(user=world.user("agent_li")).exists()  # a field agent has no queue

    client.force_login(zhao)
    page = client.get("/assistant/tasks/")
    assert world.zhang_case.reference in page.content.decode()
    client.post(f"/assistant/tasks/{task.pk}/take/")
    task.refresh_from_db()
    case = Case.objects.get(pk=world.zhang_case.pk)
    assert task.assignee.user == zhao
    assert case.agent.user == zhao
    assert list(task_list(user=zhao)) == [task]
    assert LedgerEntry.objects.filter(kind="assistant.task_taken").count() == 1
    assert client.post(f"/assistant/tasks/{task.pk}/take/").status_code == 404  # taken


def test_a_request_taken_meanwhile_is_not_taken_twice(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case_assign(case=world.zhang_case, agent=None, actor=world.user("manager_wang"))
    conversation = _verified(world, django_capture_on_commit_callbacks)
    task = services.handoff(conversation=conversation, note="")
    services.task_take(task=task, actor=world.user("agent_zhao"))
    with pytest.raises(DomainError) as refused:
        services.task_take(task=task, actor=world.user("agent_zhao"))
    assert refused.value.code == "not_in_queue"
