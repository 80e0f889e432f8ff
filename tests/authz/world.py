"""The small world the endpoint test calls every endpoint in: the shared cast of
``core.testing`` (two branches, a member of staff in every role, two late debtors), plus an agency
user, specialists attached to zhang's case, a case for the phone agent, and one real object behind
every path parameter the fixture can build through the apps' own services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from doorstep.access.models import AccessAlert
from doorstep.cases import services as case_services
from doorstep.cases.models import Case, CaseParticipant
from doorstep.core.testing import AS_OF, World, build_world, make_account, make_customer, make_staff
from doorstep.reports.charts import CHARTS
from doorstep.staff.models import Role, StaffMember

ANONYMOUS = "anonymous"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Who signs in as each role: the one member of staff of that role in the world.
ACTORS = {
    Role.FIELD_AGENT.value: "agent_li",
    Role.PHONE_AGENT.value: "agent_zhao",
    Role.COLLECTIONS_MANAGER.value: "manager_wang",
    Role.BRANCH_ADMIN.value: "branch_admin_he",
    Role.LEGAL_SPECIALIST.value: "legal_qian",
    Role.FINANCE_SPECIALIST.value: "finance_wu",
    Role.COMPLAINT_HANDLER.value: "complaints_sun",
    Role.COMPLIANCE_OFFICER.value: "compliance_zhou",
    Role.INTERNAL_AUDITOR.value: "auditor_chen",
    Role.HEAD_OFFICE_ADMIN.value: "admin",
    "agency_user": "agency_ma",
}


@dataclass
class AuthzWorld:
    world: World
    staff: dict[str, StaffMember]
    phone_case: Case
    objects: dict[str, Any] = field(default_factory=dict)

    def user(self, principal: str) -> Any:
        return self.staff[principal].user

    def value(self, key: str, principal: str) -> Any:
        """The path parameter value of object ``key`` for ``principal``: each agent gets the
        case assigned to them, everyone else zhang's case (which every specialist is on)."""
        if key == "case" and principal == Role.PHONE_AGENT.value:
            return self.phone_case.pk
        return self.objects[key]


def _attach(world: World) -> None:
    actor = world.user("manager_wang")
    for member, capacity in (
        (world.legal_qian, CaseParticipant.Capacity.LEGAL),
        (world.finance_wu, CaseParticipant.Capacity.FINANCE),
        (world.complaints_sun, CaseParticipant.Capacity.COMPLAINT),
    ):
        case_services.case_attach(
            case=world.zhang_case, staff=member, capacity=capacity, actor=actor
        )


def _phone_case(world: World) -> Case:
    customer = make_customer("李娜", national_id="330106199001011111", phone="13600001111")
    account = make_account(customer, world.xh, dues=[(date(2026, 5, 15), "800.00")])
    case = case_services.case_open(customer=customer, accounts=[account], as_of=AS_OF)
    return case_services.case_assign(
        case=case, agent=world.agent_zhao, actor=world.user("manager_wang")
    )


def _objects(world: World) -> dict[str, Any]:
    """One real object per kind the endpoints take, made through the apps' services."""
    from doorstep.assistant.selectors import library
    from doorstep.assistant.services import kb_sync
    from doorstep.compliance.proposals import ContactProposal
    from doorstep.compliance.services import contact_decide, hold_add, parameters_propose
    from doorstep.oversight.complaints.services import complaint_intake
    from doorstep.oversight.training.services import courses_seed_defaults
    from doorstep.plans.schedule import PlanType, Terms
    from doorstep.plans.services import letter_send, plan_offer, promise_take
    from doorstep.remote.services import template_create, vulnerability_flag
    from doorstep.visits.services import visit_propose

    manager = world.user("manager_wang")
    complaint = complaint_intake(
        actor=world.user("complaints_sun"),
        channel="phone",
        category="harassment",
        name="张伟",
        phone="13912345678",
        email="",
        description="The agent called three times in one evening.",
    ).complaint
    visit = visit_propose(case=world.zhang_case, actor=manager, lead_agent=world.agent_li)
    hold = hold_add(
        customer=world.debtor_zhang, kind="dispute", reason="Disputes the fees", actor=manager
    )
    promise = promise_take(
        case=world.zhang_case,
        amount=Decimal("500.00"),
        due_on=AS_OF + timedelta(days=7),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    letter = letter_send(case=world.zhang_case, actor=manager, on=AS_OF)
    course = courses_seed_defaults()[0]
    version = parameters_propose(
        profile="cn",
        values={"visit_window": "09:00-18:00"},
        effective_from=timezone.now() + timedelta(days=30),
        maker=world.user("compliance_zhou"),
        reason="Later visits in summer.",
    )
    decision = contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal(channel="call", at=datetime(2026, 7, 1, 10, tzinfo=SHANGHAI)),
        actor=world.user("agent_li"),
        record=True,
    )
    plan = plan_offer(
        case=world.zhang_case,
        terms=Terms(plan_type=PlanType.INSTALMENTS, months=6),
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    kb_sync()
    article = next(slug for slug, lang in library().articles if lang == "zh-hans")
    template = template_create(
        code="authz-reminder", name="Reminder", channel="sms", actor=world.user("admin")
    )
    flag = vulnerability_flag(case=world.zhang_case, kind="elderly", actor=world.user("agent_li"))
    alert = AccessAlert.objects.create(
        user=world.user("agent_li"),
        window_start=timezone.now() - timedelta(hours=1),
        window_end=timezone.now(),
        customers=50,
        threshold=50,
    )
    return {
        "case": world.zhang_case.pk,
        "alert": alert.pk,
        "template": template.pk,
        "flag": flag.pk,
        "complaint": complaint.reference,
        "visit": visit.pk,
        "hold": hold.pk,
        "approval": version.approval_id,
        "decision": decision.pk,
        "plan": plan.pk,
        "promise": promise.pk,
        "letter": letter.pk,
        "course": course.code,
        "employee": world.agent_li.employee_number,
        "staff": world.agent_li.pk,
        "profile": "cn",
        "section": "portfolio",
        "chart": next(iter(CHARTS)),
        "article": article,
        "complaint_action": "note",
        "quarter": "2026Q2",
        "customer": world.debtor_zhang.pk,
        "lang": "zh-hans",
        "purpose": "sensitive_whereabouts",
        "report_format": "csv",
        "ledger_index": 0,
        "missing": 2_000_000_000,
        "missing_uuid": "00000000-0000-4000-8000-000000000000",
        "_now": timezone.now(),
        "_time": time(10),
    }


def build_authz_world() -> AuthzWorld:
    world = build_world()
    _attach(world)
    phone_case = _phone_case(world)
    staff = {role: getattr(world, name, None) for role, name in ACTORS.items()}
    staff["agency_user"] = make_staff("agency_ma", Role("agency_user"))
    return AuthzWorld(world=world, staff=staff, phone_case=phone_case, objects=_objects(world))
