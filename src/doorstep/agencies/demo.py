"""The demo bank's outside agency: 信达催收 with its contract, impact assessment, commission
schedule, a user ``agency_liu`` (password: the demo password) and twenty of manager_wang's
oldest cases placed with it, all through the agency services (and so into the ledger)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from doorstep.agencies import services
from doorstep.agencies.models import Agency
from doorstep.agencies.rules import PlacementRules
from doorstep.core.errors import DomainError
from doorstep.staff.models import Role, StaffMember

AGENCY_LOGIN = "agency_liu"


def demo_agency(*, recorder: Any, as_of: date) -> Agency | None:
    """Set up the demo agency once (a second call finds it and does nothing)."""
    if Agency.objects.filter(code="xinda").exists():
        return None
    today = timezone.localdate()
    agency = services.agency_register(
        actor=recorder,
        code="xinda",
        name="信达催收服务有限公司",
        credit_code="91330100MA2XINDA01",
        contact_name="刘经理",
        contact_phone="057188880000",
        address="杭州市西湖区文三路 500 号",
    )
    services.contract_add(
        actor=recorder,
        agency=agency,
        number="WT-2026-XINDA-001",
        signed_on=today - timedelta(days=40),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        scope="受托对委托案件进行电话及信函催收，不得上门，不得转委托。",
        data_allowed=["addresses", "phones"],
    )
    services.assessment_add(
        actor=recorder,
        agency=agency,
        assessed_on=today - timedelta(days=35),
        conclusion="acceptable",
        risks="受托方人员可能留存或外传债务人信息。",
        measures="身份证号不提供；仅可见委托案件；录音全量留存；每月现场审计。",
    )
    services.schedule_add(
        actor=recorder,
        agency=agency,
        effective_from=today - timedelta(days=30),
        rates={"M4": "12", "M5": "15", "M6": "18", "M6+": "25"},
    )
    # A fixed salt, as for the bank's demo staff: the password is public, the data reproducible.
    user = get_user_model().objects.create(
        username=AGENCY_LOGIN,
        password=make_password(settings.DEMO_PASSWORD, salt="doorstepdemoagency"),
        date_joined=datetime.combine(as_of, time(9), tzinfo=timezone.get_default_timezone()),
    )
    staff = StaffMember.objects.create(
        user=user,
        role=Role.AGENCY_USER,
        display_name="刘敏（信达）",
        employee_number="AG-XINDA-001",
    )
    services.member_add(actor=recorder, agency=agency, staff=staff)
    manager = (
        StaffMember.objects.filter(user__username="manager_wang").select_related("user").first()
    )
    if manager is not None:
        # A demo bank without open cases at that branch places nothing.
        with contextlib.suppress(DomainError):
            services.placement_place(
                actor=manager.user,
                agency=agency,
                rules=PlacementRules(limit=20),
                ends_on=today + timedelta(days=90),
            )
    return agency
