"""Reads of compliance: who may do what, the parameters and calendar in force, an account's
limitation, and the decision log scoped by role and branch.

Until a profile's parameters are stored, the engine's defaults are in force as an unsaved
version 1; the gate stores it (``services.seed_version``) before it records a decision.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from doorstep.cases.delinquency import Due, History, Paid, arrears
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, case_can, case_visible
from doorstep.compliance.engine import (
    PROFILES,
    Calendar,
    EventKind,
    Interruption,
    Limitation,
    Obstacle,
    Params,
    YearArrangement,
    default_params,
    explain_limitation,
    get_profile,
    limitation,
    params_from_dict,
    params_to_dict,
)
from doorstep.compliance.engine.explain import Explanation, Lang, render
from doorstep.compliance.engine.model import Citation, Verdict
from doorstep.compliance.engine.packs import PackRun
from doorstep.compliance.engine.params import CnParams
from doorstep.compliance.models import (
    LIMITATION_KIND_CHOICES,
    Approval,
    CalendarArrangement,
    ContactEvent,
    Decision,
    Hold,
    LimitationEvent,
    ParameterVersion,
)
from doorstep.portfolio.models import Account, Payment
from doorstep.portfolio.selectors import histories_for
from doorstep.staff.models import Role
from doorstep.staff.selectors import BRANCH_ROLES, staff_for

# Version 1 of every profile takes effect from here: before any decision could have been made.
SEED_FROM = datetime(2000, 1, 1, tzinfo=UTC)
SEED_REASON = "Engine defaults (rules.md), seeded by the system."

PARAMETER_MAKERS = frozenset({Role.COMPLIANCE_OFFICER})
CALENDAR_LOADERS = frozenset({Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})
PACK_RUNNERS = frozenset({Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR, Role.HEAD_OFFICE_ADMIN})
PARAMETER_READERS = PARAMETER_MAKERS | PACK_RUNNERS
CALENDAR_READERS = CALENDAR_LOADERS | {Role.INTERNAL_AUDITOR}
WHOLE_LOG = frozenset({Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR, Role.HEAD_OFFICE_ADMIN})
LOG_READERS = WHOLE_LOG | BRANCH_ROLES
# Who may lift a hold: the people who answer for the customer's treatment, not the agent.
HOLD_RELEASERS = frozenset(
    {Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN, Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN}
)


def _role(user: Any) -> Role | None:
    staff = staff_for(user)
    return None if staff is None else Role(staff.role)


def may(user: Any, roles: frozenset[Role]) -> bool:
    return _role(user) in roles


def bank_profile() -> str:
    """The bank's profile (``settings.COMPLIANCE_PROFILE``, checked when settings load)."""
    return str(settings.COMPLIANCE_PROFILE)


def ui_language() -> Lang:
    return "zh-hans" if (translation.get_language() or "").startswith("zh") else "en"


# ---------------------------------------------------------------------------------------------
# Parameters


def default_version(profile: str) -> ParameterVersion:
    """Version 1 as it is before anyone stored it: the engine defaults, approved by the system,
    in force from 2000. Unsaved: reads never write (the gate stores it, ``seed_version``)."""
    return ParameterVersion(
        profile=profile,
        number=1,
        params=params_to_dict(default_params(profile)),
        effective_from=SEED_FROM,
        status=Approval.APPROVED,
        reason=SEED_REASON,
    )


def approved_versions(profile: str) -> list[ParameterVersion]:
    """The approved versions of ``profile`` in the order they take effect."""
    return list(
        ParameterVersion.objects.filter(profile=profile, status=Approval.APPROVED).order_by(
            "effective_from", "number"
        )
    )


def version_in_force(profile: str, at: datetime) -> ParameterVersion:
    """The latest approved version whose ``effective_from`` is at or before ``at`` (the engine
    defaults while none is stored)."""
    found = (
        ParameterVersion.objects.filter(
            profile=profile, status=Approval.APPROVED, effective_from__lte=at
        )
        .order_by("-effective_from", "-number")
        .first()
    )
    return found or default_version(profile)


class VersionTimeline:
    """The approved versions of a profile, for picking the one in force at many times."""

    def __init__(self, versions: Sequence[ParameterVersion]) -> None:
        self.versions = list(versions)
        self._starts = [version.effective_from for version in self.versions]

    def at(self, moment: datetime) -> ParameterVersion:
        position = bisect_right(self._starts, moment) - 1
        return self.versions[max(position, 0)]


_params_cache: dict[tuple[str, str], Params] = {}


def version_params(version: ParameterVersion) -> Params:
    """The engine's parameters of a version, validated; parsed once per process for each set
    of values."""
    key = (version.profile, json.dumps(version.params, sort_keys=True))
    found = _params_cache.get(key)
    if found is None:
        found = _params_cache[key] = params_from_dict(version.profile, version.params)
    return found


@dataclass(frozen=True)
class ParameterField:
    """One parameter as the change form and the diff show it."""

    name: str
    value: Any  # its JSON form
    kind: str  # window, bool, int, targets, days


def parameter_fields(profile: str, values: Mapping[str, Any]) -> list[ParameterField]:
    """The parameters of ``profile`` in the dataclass's order, with ``values`` (JSON form)."""
    defaults = params_to_dict(default_params(profile))
    return [
        ParameterField(name, values.get(name, default), _field_kind(name, default))
        for name, default in defaults.items()
    ]


def _field_kind(name: str, default: Any) -> str:
    if name.endswith("_window"):
        return "window"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    return "targets" if name == "allowed_targets" else "days"


def parameter_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(name, old, new) for every parameter whose value differs."""
    return [(name, old.get(name), value) for name, value in new.items() if old.get(name) != value]


def parameter_history(profile: str) -> list[dict[str, Any]]:
    """Every version of ``profile``, newest first, with its change against its base."""
    versions = list(
        ParameterVersion.objects.filter(profile=profile)
        .select_related("maker__staff", "base", "approval")
        .order_by("-number")
    ) or [default_version(profile)]
    return [
        {
            "version": version,
            "changes": parameter_diff(version.base.params, version.params) if version.base else [],
        }
        for version in versions
    ]


def cn_params_in_force() -> CnParams:
    """The ``cn`` parameters in force now: the limitation rules (PRC law) read them."""
    params = version_params(version_in_force("cn", timezone.now()))
    if not isinstance(params, CnParams):
        raise TypeError("a cn version holds cn parameters")
    return params


# ---------------------------------------------------------------------------------------------
# Calendar


class _CalendarCache:
    """The calendar built from the approved arrangements, kept per process and rebuilt when
    the set of approved arrangements changes (checked with one aggregate query, so another
    process's approval is seen at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._calendar = Calendar()

    def get(self) -> Calendar:
        approved = CalendarArrangement.objects.filter(status=Approval.APPROVED)
        stamp = approved.aggregate(n=Count("id"), last=Max("approved_at"))
        key = (stamp["n"], stamp["last"])
        with self._lock:
            if key != self._key:
                self._calendar = Calendar(arrangements_in_force())
                self._key = key
            return self._calendar

    def clear(self) -> None:
        with self._lock:
            self._key = None


calendar_cache = _CalendarCache()


def arrangements_in_force() -> list[YearArrangement]:
    """The latest approved arrangement of each year, as the engine takes them."""
    latest: dict[int, CalendarArrangement] = {}
    for row in CalendarArrangement.objects.filter(status=Approval.APPROVED).order_by(
        "approved_at", "id"
    ):
        latest[row.year] = row
    return [
        YearArrangement.from_dict(
            {
                "year": row.year,
                "rest_days": row.rest_days,
                "makeup_workdays": row.makeup_workdays,
                "names": row.names,
            }
        )
        for row in latest.values()
    ]


def calendar_in_force() -> Calendar:
    return calendar_cache.get()


# ---------------------------------------------------------------------------------------------
# Limitation


KIND_LABELS = dict(LIMITATION_KIND_CHOICES)


@dataclass(frozen=True)
class AccountLimitation:
    """An account's limitation as the case shows it. ``result`` is None when no period runs
    (nothing past due on a card, no instalment schedule on a loan)."""

    account: Account
    start: date | None
    basis: str  # "oldest_unpaid_due" (cards) or "last_instalment" (loans)
    result: Limitation | None
    days_left: int | None
    warning: int | None
    time_barred: bool
    interrupted_label: str  # what last interrupted it, in words
    interrupted_source: str  # where that came from (a contact, a payment…)
    explanation: str


def limitation_start(
    account: Account, dues: Sequence[Due], paid: Sequence[Paid], today: date
) -> tuple[date | None, str]:
    """CN-LIM-01's start for an account. A card's minimum payments are separate dues, and the
    bank knew of the default when the oldest one still unpaid fell due: its period starts there
    (the earliest-expiring claim, so the safe reading). A loan is one debt paid in instalments:
    its period starts from the last instalment's due date."""
    if account.product == Account.Product.CREDIT_CARD:
        return arrears(dues, paid, today).oldest_unpaid_due, "oldest_unpaid_due"
    if not dues:
        return None, "last_instalment"
    return max(due.due_date for due in dues), "last_instalment"


class _Payment(NamedTuple):
    """A payment as the limitation reads it (a row, not a model: the chart reads thousands)."""

    paid_on: date
    amount: Decimal
    channel: str
    reversed_on: date | None
    external_id: str


def _events(
    account: Account, rows: Sequence[LimitationEvent], payments: Sequence[_Payment]
) -> tuple[list[Interruption | Obstacle], dict[tuple[str, date, date | None], str]]:
    """The engine's events for an account, and what each came from (to name the one that last
    interrupted the period). Payments count as they stand: a debit when the bank took it, a
    part payment otherwise; a reversed payment is no acknowledgement."""
    events: list[Interruption | Obstacle] = []
    sources: dict[tuple[str, date, date | None], str] = {}
    for row in rows:
        if row.kind == "obstacle":
            events.append(Obstacle(row.on, row.ended_on))
            continue
        event = Interruption(EventKind(row.kind), row.on, row.ended_on)
        events.append(event)
        sources.setdefault((event.kind.value, event.on, event.ended), row.source)
    for payment in payments:
        if payment.reversed_on is not None:
            continue
        kind = (
            EventKind.DEBIT
            if payment.channel == Payment.Channel.AUTO_DEBIT
            else EventKind.PART_PAYMENT
        )
        events.append(Interruption(kind, payment.paid_on))
        sources.setdefault(
            (kind.value, payment.paid_on, None), f"{payment.external_id} ¥{payment.amount:,.2f}"
        )
    return events, sources


def case_limitation(case: Case, *, today: date | None = None) -> list[AccountLimitation]:
    """The limitation of every account of a case (loaded through ``case_get``), under the
    ``cn`` parameters in force today (PRC law governs the limitation whatever the contact
    profile) and the stored calendar, with the event that last interrupted it: the one-case
    call of ``limitations_for_cases``."""
    return limitations_for_cases([case], today=today)[case.pk]


def limitations_for_cases(
    cases: Iterable[Case], *, today: date | None = None
) -> dict[int, list[AccountLimitation]]:
    """``case_limitation`` for many cases at once (each already loaded for its reader): their
    accounts, histories, limitation events and payments in a fixed number of queries however
    many cases are asked for, so a caller going over the whole book passes chunks of a few
    thousand. An account in several of the cases is computed once."""
    today = today or timezone.localdate()
    params = cn_params_in_force()
    calendar = calendar_in_force()
    lang = ui_language()
    found: dict[int, list[AccountLimitation]] = {case.pk: [] for case in cases}
    links = (
        Case.accounts.through.objects.filter(case_id__in=list(found))
        .select_related("account")
        .order_by("account__opened_on", "account_id")
    )
    accounts: dict[int, Account] = {}
    of_case: list[tuple[int, int]] = []
    for link in links:
        accounts.setdefault(link.account_id, link.account)
        of_case.append((link.case_id, link.account_id))
    ids = list(accounts)
    histories = histories_for(ids)
    rows: dict[int, list[LimitationEvent]] = {pk: [] for pk in ids}
    for row in LimitationEvent.objects.filter(account_id__in=ids).order_by(
        "account_id", "on", "id"
    ):
        rows[row.account_id].append(row)
    payments: dict[int, list[_Payment]] = {pk: [] for pk in ids}
    for account_id, paid_on, amount, channel, reversed_on, external_id in (
        Payment.objects.filter(account_id__in=ids)
        .order_by("account_id", "paid_on", "id")
        .values_list("account_id", "paid_on", "amount", "channel", "reversed_on", "external_id")
    ):
        payments[account_id].append(_Payment(paid_on, amount, channel, reversed_on, external_id))
    computed = {
        pk: _account_limitation(
            account,
            histories[pk],
            rows[pk],
            payments[pk],
            today=today,
            params=params,
            calendar=calendar,
            lang=lang,
        )
        for pk, account in accounts.items()
    }
    for case_id, account_id in of_case:
        found[case_id].append(computed[account_id])
    return found


def _account_limitation(
    account: Account,
    history: History,
    rows: Sequence[LimitationEvent],
    payments: Sequence[_Payment],
    *,
    today: date,
    params: CnParams,
    calendar: Calendar,
    lang: Lang,
) -> AccountLimitation:
    """One account's limitation from its loaded history, events and payments (no query)."""
    start, basis = limitation_start(account, history.dues, history.payments, today)
    if start is None:
        return AccountLimitation(account, None, basis, None, None, None, False, "", "", "")
    events, sources = _events(account, rows, payments)
    result = limitation(start, events, params=params, calendar=calendar)
    last = result.interrupted_by
    source = sources.get((last.kind.value, last.on, last.ended), "") if last is not None else ""
    return AccountLimitation(
        account=account,
        start=start,
        basis=basis,
        result=result,
        days_left=result.days_left(today),
        warning=result.warning(today, params.limitation_warning_days),
        time_barred=result.time_barred(today),
        interrupted_label=str(KIND_LABELS[last.kind.value]) if last is not None else "",
        interrupted_source=source,
        explanation=explain_limitation(result, lang),
    )


# ---------------------------------------------------------------------------------------------
# Holds and the decision log


def case_holds(case: Case) -> QuerySet[Hold]:
    """The customer's holds that are in force or still to come, then the ended ones."""
    return Hold.objects.filter(customer_id=case.customer_id).select_related(
        "created_by__staff", "released_by__staff"
    )


def can_add_hold(*, user: Any, case: Case) -> bool:
    """Whoever works the case (an agent hearing "stop calling me"), and those who may lift
    holds, may put one on."""
    staff = staff_for(user)
    if staff is None:
        return False
    return staff.role in HOLD_RELEASERS or case_can(staff=staff, case=case, action=CaseAction.NOTE)


def can_release_hold(*, user: Any, case: Case) -> bool:
    """Compliance officers and head-office administrators; managers and branch administrators
    of the case's branch."""
    staff = staff_for(user)
    if staff is None or staff.role not in HOLD_RELEASERS:
        return False
    return staff.role not in BRANCH_ROLES or staff.branch_id == case.branch_id


def active_holds(case: Case, *, at: datetime | None = None) -> list[Hold]:
    moment = at or timezone.now()
    return [
        hold
        for hold in case_holds(case)
        if hold.released_at is None
        and hold.starts_at <= moment
        and (hold.ends_at is None or moment < hold.ends_at)
    ]


def decision_log(*, user: Any) -> QuerySet[Decision]:
    """The decisions ``user`` may read in the log: every branch for compliance officers,
    auditors and head-office administrators, their own branch for managers and branch
    administrators, none for anyone else."""
    staff = staff_for(user)
    decisions = Decision.objects.select_related(
        "case", "branch", "agent", "requested_by__staff", "overridden_by", "version"
    )
    if staff is None or staff.role not in LOG_READERS:
        return decisions.none()
    if staff.role in WHOLE_LOG:
        return decisions
    return decisions.filter(branch=staff.branch)


@dataclass(frozen=True)
class DecisionFilters:
    verdict: str = ""
    rule: str = ""
    agent: int | None = None
    branch: int | None = None
    since: date | None = None
    until: date | None = None
    overridden: bool | None = None


def decision_list(*, user: Any, filters: DecisionFilters) -> QuerySet[Decision]:
    decisions = decision_log(user=user)
    if filters.verdict:
        decisions = decisions.filter(verdict=filters.verdict)
    if filters.rule:
        decisions = decisions.filter(rule_ids__contains=f",{filters.rule},")
    if filters.agent is not None:
        decisions = decisions.filter(agent_id=filters.agent)
    if filters.branch is not None:
        decisions = decisions.filter(branch_id=filters.branch)
    if filters.since is not None:
        decisions = decisions.filter(decided_at__date__gte=filters.since)
    if filters.until is not None:
        decisions = decisions.filter(decided_at__date__lte=filters.until)
    if filters.overridden is not None:
        decisions = decisions.filter(overridden_by__isnull=not filters.overridden)
    return decisions.order_by("-decided_at", "-id")


OUTSIDE_SHOWN = 20


@dataclass(frozen=True)
class OutsideContacts:
    """Bank-initiated contacts recorded without a decision that allowed them."""

    count: int
    latest: list[ContactEvent]


def contacts_outside_decisions(*, user: Any, filters: DecisionFilters) -> OutsideContacts:
    """The contacts flagged ``outside_decision`` that ``user`` may read in the log (the same
    branch scope as the decisions), within the filters' branch, agent and dates; their count
    and the latest few, for the supervisor to follow up."""
    staff = staff_for(user)
    contacts = ContactEvent.objects.filter(outside_decision=True)
    if staff is None or staff.role not in LOG_READERS:
        contacts = contacts.none()
    elif staff.role not in WHOLE_LOG:
        contacts = contacts.filter(case__branch=staff.branch)
    if filters.branch is not None:
        contacts = contacts.filter(case__branch_id=filters.branch)
    if filters.agent is not None:
        contacts = contacts.filter(recorded_by__staff__pk=filters.agent)
    if filters.since is not None:
        contacts = contacts.filter(at__date__gte=filters.since)
    if filters.until is not None:
        contacts = contacts.filter(at__date__lte=filters.until)
    latest = contacts.select_related("case", "recorded_by__staff").order_by("-at", "-id")
    return OutsideContacts(count=contacts.count(), latest=list(latest[:OUTSIDE_SHOWN]))


def decision_get(*, user: Any, pk: int) -> Decision:
    """One decision: from the log, or on a case the user can see (an agent reading why their
    visit was blocked). 404 otherwise."""
    visible = decision_log(user=user) | Decision.objects.filter(case__in=case_visible(user=user))
    found = visible.filter(pk=pk).select_related("case", "customer", "version").first()
    if found is None:
        raise Http404
    return found


def case_decisions(case: Case, *, limit: int = 5) -> list[Decision]:
    """The latest decisions about a case loaded through ``case_get``."""
    return list(
        Decision.objects.filter(case=case)
        .select_related("agent", "requested_by__staff", "overridden_by", "version")
        .order_by("-decided_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class DecisionStats:
    """Blocks, approvals needed and overrides per agent and per rule, for supervisors."""

    by_agent: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]


STOPPED = ("block", "needs_approval")


def decision_stats(decisions: QuerySet[Decision], *, rules: Sequence[str]) -> DecisionStats:
    """Two aggregate queries over ``decisions`` (already filtered): counts per agent, and per
    rule of ``rules`` (each rule a conditional count)."""
    stopped = Q(verdict__in=STOPPED)
    per_agent = (
        decisions.order_by()
        .values("agent_id", "agent__display_name")
        .annotate(
            total=Count("id"),
            blocked=Count("id", filter=Q(verdict="block")),
            needs_approval=Count("id", filter=Q(verdict="needs_approval")),
            overridden=Count("id", filter=stopped & Q(overridden_by__isnull=False)),
        )
        .order_by("-blocked", "agent__display_name")
    )
    by_agent = [dict(row) for row in per_agent]
    measures = {
        "fired": Q(),
        "blocked": Q(verdict="block"),
        "overridden": stopped & Q(overridden_by__isnull=False),
    }
    counts = decisions.order_by().aggregate(
        **{
            f"r{n}_{what}": Count("id", filter=Q(rule_ids__contains=f",{rule},") & condition)
            for n, rule in enumerate(rules)
            for what, condition in measures.items()
        }
    )
    by_rule = [
        {"rule": rule, **{what: counts[f"r{n}_{what}"] for what in measures}}
        for n, rule in enumerate(rules)
        if counts[f"r{n}_fired"]
    ]
    return DecisionStats(by_agent=by_agent, by_rule=by_rule)


def rule_citation(profile: str, rule: str) -> Citation:
    """The article a rule of ``profile`` cites (empty for a rule no longer in the code)."""
    found = next((item for item in get_profile(profile).rules if item.id == rule), None)
    return found.citation if found is not None else Citation(zh="", en="")


def decision_explanations(decision: Decision, lang: Lang | None = None) -> list[Explanation]:
    """One sentence per fired rule of a stored decision, in ``lang`` (the UI's by default),
    rendered from what the rule saw, the parameters it used and the rule's citation."""
    chosen = lang or ui_language()
    return [
        Explanation(
            item["rule"],
            Verdict(item["verdict"]),
            render(
                item["rule"],
                item["facts"],
                item["params"],
                rule_citation(decision.profile, item["rule"]),
                chosen,
            ),
        )
        for item in decision.fired
    ]


# ---------------------------------------------------------------------------------------------
# Scenario packs


def pack_runner(*, versions: Mapping[str, ParameterVersion] | None = None) -> PackRun:
    """A pack run under the parameter version in force now for each profile (or the one given
    for it, pending proposals included) and the stored calendar."""
    now = timezone.now()
    chosen = {
        profile: (versions or {}).get(profile) or version_in_force(profile, now)
        for profile in PROFILES
    }
    return PackRun(
        params={profile: version_params(version) for profile, version in chosen.items()},
        calendar=calendar_in_force(),
        version=",".join(version.label for version in chosen.values()),
    )


def version_named(spec: str, *, default_profile: str) -> ParameterVersion | None:
    """The version ``spec`` names: ``3`` (of ``default_profile``), ``cn:3`` or ``cn-3``."""
    profile, _sep, number = spec.replace("-", ":").rpartition(":")
    if not number.isdigit():
        return None
    return ParameterVersion.objects.filter(
        profile=profile or default_profile, number=int(number)
    ).first()
