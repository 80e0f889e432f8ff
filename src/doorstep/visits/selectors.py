"""Every read of a visit goes through here, scoped by the reader's role and branch.

A field agent sees the visits they are in the team of; everyone else sees the visits of the
cases ``cases.selectors`` lets them see. Out of scope answers 404 (nobody learns a visit exists);
an action the role may not take on a visit in scope answers 403.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from doorstep.cases.selectors import case_visible
from doorstep.compliance.selectors import active_holds, case_limitation
from doorstep.core.masking import mask_phone
from doorstep.ledger.selectors import entry_list
from doorstep.plans.selectors import case_plan_options
from doorstep.portfolio.models import Account, Guarantor, Payment, Phone
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import BRANCH_ROLES, staff_for
from doorstep.visits.lifecycle import AbortReason, Outcome, Status
from doorstep.visits.models import EvidenceFile, FieldRecord, Visit
from doorstep.visits.outline import (
    CONTINGENCIES,
    EMERGENCY_NUMBER,
    NEVER_SAY,
    OUTLINE,
    Lang,
)
from doorstep.visits.risk import FACTOR_LABELS


class VisitNotFound(Http404):
    pass


class VisitActionDenied(PermissionDenied):
    pass


class VisitAction(StrEnum):
    VIEW = "view"
    FIELD = "field"  # what the team does at the door: en route, check in, outcome, sync
    MANAGE = "manage"  # schedule, cancel, reschedule, sign off the report


def _scope(staff: StaffMember, user: Any) -> QuerySet[Visit]:
    if staff.role == Role.FIELD_AGENT.value:
        return Visit.objects.filter(Q(lead_agent=staff) | Q(second_agent=staff))
    return Visit.objects.filter(case__in=case_visible(user=user).values("pk"))


def visit_visible(*, user: Any) -> QuerySet[Visit]:
    staff = staff_for(user)
    if staff is None:
        return Visit.objects.none()
    return _scope(staff, user)


def visit_can(*, staff: StaffMember, visit: Visit, action: VisitAction) -> bool:
    role = Role(staff.role)
    match action:
        case VisitAction.VIEW:
            return True
        case VisitAction.FIELD:
            return staff.pk in {visit.lead_agent_id, visit.second_agent_id}
        case VisitAction.MANAGE:
            return role is Role.HEAD_OFFICE_ADMIN or (
                role in BRANCH_ROLES and visit.branch_id == staff.branch_id
            )


def visit_get(
    *, user: Any, pk: int, action: VisitAction | tuple[VisitAction, ...] = VisitAction.VIEW
) -> Visit:
    """Load a visit for ``user`` to ``action`` (or any of several); 404 outside their scope,
    403 if not allowed."""
    staff = staff_for(user)
    if staff is None:
        raise VisitNotFound
    visit = (
        _scope(staff, user)
        .select_related("case", "case__customer", "address", "branch", "lead_agent", "second_agent")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise VisitNotFound
    actions = action if isinstance(action, tuple) else (action,)
    if not any(visit_can(staff=staff, visit=visit, action=each) for each in actions):
        raise VisitActionDenied
    return visit


def visits_for_day(*, user: Any, day: date) -> QuerySet[Visit]:
    """The user's visits on ``day`` in route order (cancelled and rescheduled ones left out)."""
    return (
        visit_visible(user=user)
        .filter(scheduled_on=day)
        .exclude(status__in=[Status.CANCELLED.value, Status.RESCHEDULED.value])
        .select_related("case", "case__customer", "address", "lead_agent", "second_agent")
        .order_by("route_position", "planned_arrival", "window_start", "id")
    )


def visit_records(visit: Visit) -> QuerySet[FieldRecord]:
    """The field records of a visit (loaded through ``visit_get``), in device order."""
    return visit.field_records.select_related("agent").order_by("sequence", "id")


# ---------------------------------------------------------------------------------------------
# The briefing


def mask_name(name: str) -> str:
    """The surname and a star per other character (``张*``): enough to greet, not to identify."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _lang() -> Lang:
    return "zh-hans" if (translation.get_language() or "").startswith("zh") else "en"


def visit_briefing(visit: Visit) -> dict[str, Any]:
    """What the team reads before the visit (loaded through ``visit_get``): the household as
    known, what is owed and since when, payments, earlier promises, hardship signals, the
    limitation status, three options within the agent's authority, the interview outline,
    the words never to use and the contingency plans. Personal data masked."""
    lang = _lang()
    case = visit.case
    customer = case.customer
    payments = list(
        Payment.objects.filter(account__in=case.accounts.all(), reversed_on__isnull=True)
        .order_by("-paid_on", "-id")
        .values("paid_on", "amount")[:5]
    )
    promises = [
        {**record.payload, "visit": record.visit_id}
        for record in FieldRecord.objects.filter(
            visit__case=case, kind=FieldRecord.Kind.PROMISE
        ).order_by("-captured_at")[:5]
    ]
    hardship = sorted(
        {hold.get_kind_display() for hold in active_holds(case) if hold.kind != "cease_contact"}
    )
    limitation = [
        {
            "account": row.account.external_id[-4:],
            "days_left": row.days_left,
            "time_barred": row.time_barred,
            "explanation": row.explanation,
        }
        for row in case_limitation(case)
    ]
    agent = visit.lead_agent.user if visit.lead_agent is not None else None
    proposals = case_plan_options(
        case=case, user=agent, on=visit.scheduled_on or timezone.localdate()
    )
    return {
        "visit": visit.pk,
        "case": case.reference,
        "debtor": mask_name(customer.name),
        "household": {"size": customer.household_size, "dependants": customer.dependants},
        "owed": {
            "past_due": f"{case.past_due:.2f}",
            "outstanding": f"{case.outstanding_total:.2f}",
            "dpd": case.dpd,
            "bucket": case.bucket,
            "since": case.opened_on.isoformat(),
        },
        "payments": [
            {"on": row["paid_on"].isoformat(), "amount": f"{row['amount']:.2f}"} for row in payments
        ],
        "promises": promises,
        "hardship": [str(label) for label in hardship],
        "limitation": limitation,
        "risk": {
            "score": visit.risk_score,
            "level": visit.risk_level,
            "factors": [
                {**factor, "label": _(FACTOR_LABELS[factor["code"]])}
                for factor in visit.risk_factors
            ],
        },
        "options": [
            {
                "code": slugify(option.name).replace("-", "_"),
                "label": _(option.name),
                "plan_type": option.schedule.terms.plan_type.value,
                "months": option.schedule.terms.months,
                "monthly": f"{max(i.amount for i in option.schedule.instalments):.2f}",
                "total": f"{option.schedule.total:.2f}",
                "affordable": option.affordable,
            }
            for option in proposals.options
        ],
        "plan_link": reverse("cases:detail", args=[case.pk]) + "#plans",
        "outline": [
            {"code": step.code, "title": step.title.get(lang), "wording": step.wording.get(lang)}
            for step in OUTLINE
        ],
        "never_say": [text.get(lang) for text in NEVER_SAY],
        "contingencies": [{"code": code, "text": text.get(lang)} for code, text in CONTINGENCIES],
        "emergency_number": EMERGENCY_NUMBER,
        "tracing": visit_tracing(visit),
    }


# ---------------------------------------------------------------------------------------------
# The visit report and the supervisor's board


def visit_report(visit: Visit) -> dict[str, Any]:
    """The electronic report of a visit (loaded through ``visit_get``): times, GPS, outcome,
    notes, evidence hashes and the ledger entries that prove them. ``fingerprint`` is what the
    sign-off's ledger entry hashes, so the report signed is the report shown."""
    records = list(visit_records(visit))
    entries = list(
        entry_list(subject=("visit", str(visit.pk))).values_list("index", "kind", "leaf_hash")
    )
    fingerprint = {
        "visit": visit.pk,
        "case": visit.case.reference,
        "status": visit.status,
        "outcome": visit.outcome,
        "checked_in_at": visit.checked_in_at.isoformat() if visit.checked_in_at else None,
        "completed_at": visit.completed_at.isoformat() if visit.completed_at else None,
        "distance_m": visit.checkin_distance_m,
        "records": [str(record.client_uuid) for record in records],
        "ledger": [index for index, _, _ in entries],
    }
    return {
        "visit": visit,
        "records": records,
        "notes": [r for r in records if r.kind == FieldRecord.Kind.NOTE],
        "evidence": [r for r in records if r.kind == FieldRecord.Kind.EVIDENCE],
        "promises": [r for r in records if r.kind == FieldRecord.Kind.PROMISE],
        "ledger": [
            {"index": index, "kind": kind, "leaf_hash": bytes(leaf).hex()}
            for index, kind, leaf in entries
        ],
        "fingerprint": fingerprint,
    }


OVERDUE_GRACE = timedelta(minutes=15)  # past the expected time at the door before an alert


@dataclass(frozen=True)
class BoardRow:
    visit: Visit
    last_check_in: datetime | None
    safety_alerts: int
    overdue: bool


def visit_board(*, user: Any, day: date, now: datetime) -> list[BoardRow]:
    """Today's visits the user may see, with the last check-in, safety alerts and whether the
    team has been at the door longer than expected (the supervisor is alerted)."""
    visits = list(
        visit_visible(user=user)
        .filter(scheduled_on=day)
        .select_related("case", "case__customer", "address", "lead_agent", "second_agent")
        .annotate(
            alerts=Count("field_records", filter=Q(field_records__kind=FieldRecord.Kind.SAFETY))
        )
        .order_by("lead_agent__display_name", "route_position", "id")
    )
    rows = []
    for visit in visits:
        overdue = (
            visit.status == Status.CHECKED_IN.value
            and visit.checked_in_at is not None
            and now - visit.checked_in_at
            > timedelta(minutes=visit.duration_minutes) + OVERDUE_GRACE
        )
        rows.append(
            BoardRow(
                visit=visit,
                last_check_in=visit.checked_in_at,
                safety_alerts=visit.alerts,
                overdue=overdue,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Contact verification and tracing (失联)

UNREACHABLE_NOT_HOME = (
    2  # this many "not home" visits in a row and the debtor counts as unreachable
)


def debtor_unreachable(case_id: int) -> bool:
    """The last visit found the debtor moved or the address not found, or the last visits in a
    row found nobody home."""
    ended = list(
        Visit.objects.filter(case_id=case_id, completed_at__isnull=False)
        .order_by("-completed_at", "-id")
        .values_list("outcome", "abort_reason")[:UNREACHABLE_NOT_HOME]
    )
    if not ended:
        return False
    outcome, abort_reason = ended[0]
    if outcome == Outcome.MOVED or abort_reason == AbortReason.NOT_FOUND:
        return True
    return len(ended) == UNREACHABLE_NOT_HOME and all(
        outcome == Outcome.NOT_HOME for outcome, _abort in ended
    )


def visit_tracing(visit: Visit) -> dict[str, Any]:
    """The tracing task list for a debtor who cannot be reached, from the bank's own records
    only: the debtor's other accounts and products, the phones on file and how far each is
    verified, and the guarantors (a lawful target). Never employers, family or neighbours
    (CN-TGT-01). Personal data masked."""
    case = visit.case
    customer = case.customer
    in_case = set(case.accounts.values_list("pk", flat=True))
    tasks: list[dict[str, str]] = []
    for account in Account.objects.filter(customer=customer).exclude(pk__in=in_case):
        tasks.append(
            {
                "code": "other_account",
                "text": _(
                    "Check recent activity and contact details on account …%(last)s (%(product)s)."
                )
                % {"last": account.external_id[-4:], "product": account.get_product_display()},
            }
        )
    for phone in customer.phones.all():
        if phone.verification != Phone.Verification.VERIFIED:
            tasks.append(
                {
                    "code": "verify_phone",
                    "text": _("Verify phone %(number)s (now: %(status)s).")
                    % {
                        "number": mask_phone(phone.number),
                        "status": phone.get_verification_display(),
                    },
                }
            )
    guarantors = Guarantor.objects.filter(account_id__in=in_case).select_related("guarantor")
    for row in guarantors:
        tasks.append(
            {
                "code": "guarantor",
                "text": _("Contact the guarantor %(name)s, a lawful target.")
                % {"name": mask_name(row.guarantor.name)},
            }
        )
    tasks.append(
        {
            "code": "never_third_parties",
            "text": _("Never ask employers, family or neighbours about the debt (CN-TGT-01)."),
        }
    )
    return {"unreachable": debtor_unreachable(case.pk), "tasks": tasks}


def field_record_for_upload(*, user: Any, client_uuid: Any) -> FieldRecord:
    """An evidence record of a visit ``user`` works in the field (404 otherwise)."""
    record = (
        FieldRecord.objects.select_related("visit__case").filter(client_uuid=client_uuid).first()
    )
    if record is None:
        raise Http404
    visit_get(user=user, pk=record.visit_id, action=VisitAction.FIELD)
    return record


def evidence_file(*, user: Any, visit_pk: int, client_uuid: Any) -> tuple[EvidenceFile, bytes]:
    """The file behind one evidence record of a visit ``user`` may see, decrypted."""
    visit = visit_get(user=user, pk=visit_pk)
    found = (
        EvidenceFile.objects.select_related("record")
        .filter(record__visit=visit, record__client_uuid=client_uuid)
        .first()
    )
    if found is None:
        raise Http404
    return found, base64.b64decode(found.content)
