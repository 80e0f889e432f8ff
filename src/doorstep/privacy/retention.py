"""The retention job: delete or anonymise what no purpose or law needs any more (CN-PI-05),
never before CN-REC-01's two years after the customer's last case closed, and never while a
hold (an open case, a running limitation, litigation, a dispute or complaint) needs it.

``retention_run`` is called by the nightly Celery task and by ``doorstep privacy retention``.
Each customer is erased in its own short transaction (the ledger's lock is held only that
long), so a run can be stopped and run again: it picks up what is still due. The run row keeps
its progress and, at the end, its report: counts per category and the holds that kept records.

Erasure keeps the ledger verifiable: the log itself is never touched; the customer's salt is
erased through ``ledger.services.ledger_erase_subject`` so their commitments can no longer be
linked to them, and that erasure is itself an entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.lifecycle import OPEN as CASE_OPEN
from doorstep.cases.models import Case
from doorstep.compliance.proposals import EARLIEST_YEAR, LATEST_YEAR
from doorstep.core.errors import DomainError
from doorstep.ledger.services import ledger_append, ledger_erase_subject
from doorstep.portfolio.models import Address, Customer, Phone
from doorstep.privacy.catalogue import RETENTION_RULES, HoldKind
from doorstep.privacy.holds import holds_for
from doorstep.privacy.models import RetentionItem, RetentionRun
from doorstep.privacy.periods import Standing, expired
from doorstep.privacy.selectors import RETENTION_RUNNERS, may

ANONYMISED_NAME = "—"
PROGRESS_EVERY = 100

Progress = Callable[[int, int], None]


def _identity(customer: Customer) -> None:
    customer.name = ANONYMISED_NAME
    customer.national_id = ""
    customer.birth_date = None
    customer.gender = Customer.Gender.UNKNOWN
    customer.employer = ""
    customer.occupation = ""


def _financial(customer: Customer) -> None:
    customer.monthly_income = None
    customer.assets_value = None
    customer.assets_description = ""
    customer.household_size = None
    customer.dependants = None
    customer.other_debts_declared = None


def _contact_details(customer_id: int) -> None:
    """Phones deleted; addresses keep only province, city and time zone (visits point at them
    and the limitation counts days in that zone)."""
    Phone.objects.filter(customer_id=customer_id).delete()
    for address in Address.objects.filter(customer_id=customer_id):
        address.district = ""
        address.line = ""
        address.postcode = ""
        address.latitude = None
        address.longitude = None
        address.save()


def erase_customer(customer_id: int, categories: Iterable[str], *, actor: Any = None) -> None:
    """Delete or anonymise ``categories`` of one customer, in one transaction, and log it."""
    wanted = set(categories)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if "identity" in wanted:
            _identity(customer)
        if "financial" in wanted:
            _financial(customer)
        if wanted & {"identity", "financial"}:
            customer.save()  # a full save: encrypted fields and their indexes are rewritten
        if "contact_details" in wanted:
            _contact_details(customer_id)
        ledger_append(
            kind="privacy.retention_erased",
            actor=actor,
            subject={"customer": customer_id},
            record={"categories": sorted(wanted)},
        )
        if "ledger_commitments" in wanted:
            ledger_erase_subject(customer_id=customer_id, actor=actor)


def standings(today: date) -> tuple[list[Standing], int]:
    """Customers whose cases are all closed and not yet erased, with the day the last one
    closed; and how many of them are still inside every retention period."""
    done = RetentionItem.objects.filter(outcome=RetentionItem.Outcome.ERASED).values("customer_id")
    with_open = Case.objects.filter(status__in=sorted(CASE_OPEN)).values("customer_id")
    rows = (
        Case.objects.exclude(customer_id__in=with_open)
        .exclude(customer_id__in=done)
        .values("customer_id")
        .annotate(last=Max("closed_at"))
        .order_by("customer_id")
        .values_list("customer_id", "last")
    )
    zone = timezone.get_current_timezone()
    found, waiting = [], 0
    for customer_id, last in rows:
        if last is None:
            continue
        standing = Standing(customer_id, last.astimezone(zone).date())
        if any(expired(standing, rule, today) for rule in RETENTION_RULES):
            found.append(standing)
        else:
            waiting += 1
    return found, waiting


def retention_run(
    *,
    actor: Any = None,
    dry_run: bool = False,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> RetentionRun:
    """Run retention as of ``as_of`` (today by default): erase what is due, keep what is held,
    store the report. ``dry_run``: the same report, nothing changed."""
    if actor is not None and not may(actor, RETENTION_RUNNERS):
        raise DomainError(
            "forbidden",
            _("Only compliance officers and head-office administrators run retention."),
        )
    today = as_of or timezone.localdate()
    if not EARLIEST_YEAR <= today.year <= LATEST_YEAR:
        raise DomainError(
            "out_of_range",
            _("Give a day from %(first)s to %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            field="as_of",
        )
    run = RetentionRun.objects.create(
        started_at=timezone.now(), dry_run=dry_run, as_of=today, triggered_by=actor
    )
    try:
        _run(run, today, actor, progress)
    except Exception as error:
        run.status = RetentionRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:500]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def _run(run: RetentionRun, today: date, actor: Any, progress: Progress | None) -> None:
    candidates, waiting = standings(today)
    run.total = len(candidates)
    run.save(update_fields=["total"])
    held = holds_for([standing.customer_id for standing in candidates], today)
    categories: dict[str, Counter[str]] = {rule.category: Counter() for rule in RETENTION_RULES}
    hold_counts: Counter[str] = Counter()
    customers: Counter[str] = Counter(examined=len(candidates), not_expired=waiting)
    items = []
    for n, standing in enumerate(candidates, start=1):
        kinds = sorted(held.get(standing.customer_id, set()))
        expired_now = [r.category for r in RETENTION_RULES if expired(standing, r, today)]
        if kinds:
            customers["held"] += 1
            hold_counts.update(str(kind) for kind in kinds)
            for category in expired_now:
                categories[category]["held"] += 1
            outcome = RetentionItem.Outcome.HELD
        else:
            customers["due"] += 1
            for category in expired_now:
                categories[category]["due"] += 1
            if run.dry_run:
                outcome = RetentionItem.Outcome.WOULD_ERASE
            else:
                erase_customer(standing.customer_id, expired_now, actor=actor)
                for category in expired_now:
                    categories[category]["done"] += 1
                outcome = RetentionItem.Outcome.ERASED
        items.append(
            RetentionItem(
                run=run,
                customer_id=standing.customer_id,
                outcome=outcome,
                categories=expired_now,
                holds=[str(kind) for kind in kinds],
                last_closed=standing.last_closed,
            )
        )
        if n % PROGRESS_EVERY == 0 or n == len(candidates):
            RetentionItem.objects.bulk_create(items)
            items = []
            run.processed = n
            run.save(update_fields=["processed"])
            if progress is not None:
                progress(n, len(candidates))
    run.report = {
        "as_of": today.isoformat(),
        "dry_run": run.dry_run,
        "customers": {key: customers[key] for key in ("examined", "due", "held", "not_expired")},
        "categories": {
            rule.category: {
                "action": str(rule.action) if not run.dry_run else f"would_{rule.action}",
                "due": categories[rule.category]["due"],
                "done": categories[rule.category]["done"],
                "held": categories[rule.category]["held"],
            }
            for rule in RETENTION_RULES
        },
        "holds": {str(kind): hold_counts[str(kind)] for kind in HoldKind},
    }
    run.status = RetentionRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["report", "status", "finished_at"])
