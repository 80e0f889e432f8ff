"""The gate for a planning run: many proposed contacts decided at once.

Three steps, kept apart so the benchmark can time each (``services.contact_decide_batch`` runs
them in one transaction):

1. ``batch_prepare`` reads everything in bulk — the cases, the approved parameter versions, the
   calendar, every customer's facts — in a fixed number of queries per 5,000 cases;
2. ``batch_decide`` runs the engine's ``BatchDecider`` (verdicts and rule ids only, no I/O),
   one decider per parameter version in force at the proposals' times;
3. ``batch_rows`` builds the decision rows; for the proposals where a rule fired it asks the
   engine for the full decision (parameter values, what each rule saw), which the log keeps so
   the explanation can be rendered later in either language.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.models import Case
from doorstep.compliance.engine import (
    BatchDecider,
    Contact,
    Debtor,
    EngineInputError,
    FiredRule,
    Outcome,
    PastContact,
    Proposal,
)
from doorstep.compliance.facts import chunks, customer_facts, home_timezone, lookback
from doorstep.compliance.models import Decision, ParameterVersion
from doorstep.compliance.proposals import PlannedContact, to_contact
from doorstep.compliance.selectors import (
    VersionTimeline,
    approved_versions,
    calendar_in_force,
    version_params,
)
from doorstep.core.errors import DomainError


@dataclass
class Prepared:
    """A planning run read from the database, ready to decide."""

    profile: str
    items: Sequence[PlannedContact]
    contacts: list[Contact]
    cases: dict[int, tuple[int, int]]  # case id → (customer id, branch id)
    versions: list[ParameterVersion]  # the version in force at each contact's time
    proposals: list[Proposal]
    deciders: dict[int, BatchDecider]  # per version id


def engine_error(error: EngineInputError, *, field: str | None = None) -> DomainError:
    """The engine's refusal of a fact, translated, on the field it names."""
    message = _(error.template) % error.params if error.params else _(error.template)
    return DomainError("invalid_fact", message, field=field or error.field)


def _cases(items: Sequence[PlannedContact]) -> dict[int, tuple[int, int]]:
    ids = sorted({item.case_id for item in items})
    found: dict[int, tuple[int, int]] = {}
    for chunk in chunks(ids):
        for pk, customer_id, branch_id in Case.objects.filter(pk__in=chunk).values_list(
            "pk", "customer_id", "branch_id"
        ):
            found[pk] = (customer_id, branch_id)
    for n, item in enumerate(items):
        if item.case_id not in found:
            raise DomainError(
                "unknown_case", _("No case has that id."), field=f"items[{n}].case_id"
            )
    return found


def _check_accounts(items: Sequence[PlannedContact]) -> None:
    """Each proposal's account, when given, is one of its case's accounts."""
    wanted = sorted({item.case_id for item in items if item.proposal.account_id is not None})
    links: set[tuple[int, int]] = set()
    for chunk in chunks(wanted):
        links.update(
            Case.accounts.through.objects.filter(case_id__in=chunk).values_list(
                "case_id", "account_id"
            )
        )
    for n, item in enumerate(items):
        account = item.proposal.account_id
        if account is not None and (item.case_id, account) not in links:
            raise DomainError(
                "account_not_in_case",
                _("That account is not one of the case's accounts."),
                field=f"items[{n}].account_id",
            )


def batch_prepare(items: Sequence[PlannedContact], *, profile: str) -> Prepared:
    """Everything the decisions need, read in bulk. Refuses the whole run on a bad item,
    naming it (``items[3].at``)."""
    contacts = [to_contact(item.proposal, prefix=f"items[{n}].") for n, item in enumerate(items)]
    cases = _cases(items)
    _check_accounts(items)
    stored = approved_versions(profile)
    if not stored:
        raise ValueError("store version 1 first (services.seed_version)")
    timeline = VersionTimeline(stored)
    versions = [timeline.at(contact.at) for contact in contacts]
    used = {version.pk: version for version in versions}
    window = max((lookback(version_params(v)) for v in used.values()), default=None)
    since = min((contact.at for contact in contacts), default=timezone.now())
    facts = customer_facts(
        [customer for customer, _branch in cases.values()],
        since=since - window if window is not None else since,
        profile=profile,
    )
    home = home_timezone(profile)
    debtors: dict[Hashable, Debtor] = {}
    histories: dict[Hashable, Sequence[PastContact]] = {}
    proposals = []
    for item, contact in zip(items, contacts, strict=True):
        customer_id = cases[item.case_id][0]
        known = facts[customer_id]
        debtor = known.debtor(contact, home)
        key = (customer_id, debtor)
        if key not in debtors:
            debtors[key] = debtor
            histories[key] = known.history
        proposals.append(Proposal(key, contact))
    calendar = calendar_in_force()
    try:
        deciders = {
            pk: BatchDecider(
                debtors=debtors,
                histories=histories,
                profile=profile,
                params=version_params(version),
                calendar=calendar,
                version=version.label,
            )
            for pk, version in used.items()
        }
    except EngineInputError as error:
        raise engine_error(error) from None
    return Prepared(profile, items, contacts, cases, versions, proposals, deciders)


def batch_decide(prepared: Prepared) -> list[Outcome]:
    """The verdict and fired rule ids of every proposal, in order; no I/O."""
    outcomes: list[Outcome | None] = [None] * len(prepared.proposals)
    groups: dict[int, list[int]] = {}
    for position, version in enumerate(prepared.versions):
        groups.setdefault(version.pk, []).append(position)
    try:
        for pk, positions in groups.items():
            decided = prepared.deciders[pk].decide_all(prepared.proposals[p] for p in positions)
            for position, outcome in zip(positions, decided, strict=True):
                outcomes[position] = outcome
    except EngineInputError as error:
        raise engine_error(error) from None
    return [outcome for outcome in outcomes if outcome is not None]


def fired_row(fired: FiredRule) -> dict[str, Any]:
    """What the log keeps of a fired rule: its id, verdict, the parameter values it used and
    what it saw. Its citation is the rule's, attached when the decision is explained."""
    return {
        "rule": fired.rule,
        "verdict": fired.verdict.value,
        "params": dict(fired.params),
        "facts": dict(fired.facts),
    }


def rule_text(rules: Sequence[str]) -> str:
    """``rules`` as ``Decision.rule_ids`` stores them."""
    return f",{','.join(rules)}," if rules else ""


def batch_rows(
    prepared: Prepared, outcomes: Sequence[Outcome], *, actor: Any, run: str = ""
) -> list[Decision]:
    """Unsaved decision rows, the full detail of every fired rule included."""
    now = timezone.now()
    rows = []
    for position, (item, outcome) in enumerate(zip(prepared.items, outcomes, strict=True)):
        contact = prepared.contacts[position]
        version = prepared.versions[position]
        fired: list[dict[str, Any]] = []
        if outcome.rules:
            decision = prepared.deciders[version.pk].decision(prepared.proposals[position])
            fired = [fired_row(rule) for rule in decision.fired]
        customer_id, branch_id = prepared.cases[item.case_id]
        rows.append(
            Decision(
                case_id=item.case_id,
                customer_id=customer_id,
                account_id=item.proposal.account_id,
                branch_id=branch_id,
                channel=contact.channel.value,
                at=contact.at,
                target=contact.target.value,
                staff_count=contact.staff_count,
                consented=contact.consented,
                initiated_by=contact.initiated_by.value,
                verdict=outcome.verdict.value,
                rule_ids=rule_text(outcome.rules),
                fired=fired,
                profile=prepared.profile,
                version=version,
                requested_by=actor,
                agent_id=item.agent_id,
                run=run,
                decided_at=now,
            )
        )
    return rows
