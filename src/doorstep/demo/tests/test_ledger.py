"""The demo bank's history in the verifiable ledger: an entry for every payment and every change
to a case, in time order, found by the case's reference, verifiable, and nothing personal."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from doorstep_verify import cli as verify_cli

from doorstep.cases import services
from doorstep.cases.models import (
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.core.testing import build_world
from doorstep.demo.services import demo_load
from doorstep.ledger.models import Checkpoint, LedgerEntry
from doorstep.ledger.selectors import entry_list
from doorstep.portfolio.models import Customer, Payment, Phone

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


@pytest.fixture
def loaded() -> int:
    """A small demo bank; the number of ledger entries its load reported."""
    return demo_load(accounts=500, seed=7, as_of=AS_OF).rows["ledger_entry"]


def entries(*, subject: tuple[str, str] | None = None) -> list[dict[str, object]]:
    return [json.loads(e.data) for e in entry_list(subject=subject)]


def test_after_a_load_the_ledger_is_signed_and_verifies(loaded, tmp_path, log_key) -> None:
    checkpoint = Checkpoint.objects.get()
    history = LedgerEntry.objects.filter(
        Q(kind__startswith="case.") | Q(kind__startswith="payment.")
    )
    assert history.count() == loaded > 0
    assert checkpoint.tree_size == LedgerEntry.objects.count()
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert out.getvalue().endswith("VERIFIED against the trusted key (exit 0)\n")
    export = tmp_path / "ledger.json"
    call_command("ledger", "export", str(export), stdout=StringIO())
    assert verify_cli.main([str(export), "--key", log_key.public_key.hex()]) == 0


def test_every_payment_and_every_change_to_a_case_has_its_entry() -> None:
    loaded = demo_load(accounts=1500, seed=7, as_of=AS_OF).rows["ledger_entry"]  # has transfers
    kinds = Counter(
        kind
        for kind in LedgerEntry.objects.values_list("kind", flat=True)
        if kind.startswith(("case.", "payment."))  # not the furnishing's (test_furnish)
    )
    assert kinds == {
        "payment.posted": Payment.objects.count(),
        "payment.reversed": Payment.objects.filter(reversed_on__isnull=False).count(),
        "case.opened": Case.objects.count(),
        # The opening's bucket, status and (unassigned) assignment are in case.opened.
        "case.bucket_changed": BucketChange.objects.exclude(cause="opened").count(),
        "case.status_changed": StatusChange.objects.exclude(from_status="").count(),
        "case.assigned": Assignment.objects.filter(agent__isnull=False).count(),
        "case.transferred": Transfer.objects.count(),
        "case.participant_added": CaseParticipant.objects.count(),
        "case.entry_added": Entry.objects.count(),
    }
    assert sum(kinds.values()) == loaded
    assert min(kinds.values()) > 0


def test_a_cases_entries_are_found_by_its_reference_in_the_order_they_happened(loaded) -> None:
    cases = Case.objects.prefetch_related("accounts")
    assert cases.count() > 20
    for case in cases:
        found = entries(subject=("case", case.reference))
        assert found[0]["kind"] == "case.opened"
        accounts = sorted(a.external_id for a in case.accounts.all())
        assert found[0]["record"]["accounts"] == accounts
        times = [datetime.fromisoformat(e["at"]) for e in found]
        assert times == sorted(times)
        changes = [e for e in found if not e["kind"].startswith("payment.")]
        assert len(changes) == (
            1
            + case.bucket_changes.exclude(cause="opened").count()
            + case.status_changes.exclude(from_status="").count()
            + case.assignments.filter(agent__isnull=False).count()
            + case.transfers.count()
            + case.participants.count()
            + case.entries.count()
        )
        # A payment is on the case when it was posted while the case was open.
        during = Payment.objects.filter(
            account__in=case.accounts.all(), paid_on__gte=case.opened_on
        )
        if case.closed_at is not None:
            during = during.filter(paid_on__lt=timezone.localdate(case.closed_at))
        posted = [e for e in found if e["kind"] == "payment.posted"]
        assert sorted(e["subject"]["payment"] for e in posted) == sorted(
            during.values_list("external_id", flat=True)
        )
        assert {e["subject"]["account"] for e in posted} <= set(accounts)


def test_each_accounts_payments_are_in_time_order(loaded) -> None:
    by_account: dict[str, list[str]] = {}
    for entry in entries():
        if entry["kind"] == "payment.posted":
            by_account.setdefault(entry["subject"]["account"], []).append(entry["at"])
    assert len(by_account) > 100
    assert all(times == sorted(times) for times in by_account.values())


def test_no_personal_value_or_text_of_a_case_is_in_the_ledger(loaded) -> None:
    clear = {
        *Customer.objects.values_list("national_id", flat=True),
        *Customer.objects.values_list("name", flat=True),
        *Phone.objects.values_list("number", flat=True),
        *Entry.objects.values_list("body", flat=True),
        *StatusChange.objects.exclude(reason="").values_list("reason", flat=True),
    }
    assert len(clear) > 500
    data = "\n".join(LedgerEntry.objects.values_list("data", flat=True))
    # Every debtor's name, note and reason is Chinese, so their entries must be plain ASCII; an
    # outside agency's registration names the company (the bank's counterparty, not a debtor).
    debtors = LedgerEntry.objects.exclude(kind="agency.registered").values_list("data", flat=True)
    assert "\n".join(debtors).isascii()
    assert [value for value in clear if value in data] == []


def shapes() -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Per kind, the names in an entry's envelope, subject and record."""
    found = {}
    for data in LedgerEntry.objects.values_list("data", flat=True):
        entry = json.loads(data)
        found[entry["kind"]] = (sorted(entry), sorted(entry["subject"]), sorted(entry["record"]))
    return found


def test_the_demo_records_what_the_case_services_record() -> None:
    with transaction.atomic():
        world = build_world()
        case = world.zhang_case
        services.case_attach(
            case=case, staff=world.legal_qian, capacity="legal", actor=world.user("manager_wang")
        )
        services.case_add_entry(case=case, author=world.user("agent_li"), kind="note", body="走访")
        services.case_transition(
            case=case, target="promised", actor=world.user("agent_li"), reason="承诺还款"
        )
        services.case_transfer(
            case=case, to_branch=world.bj, actor=world.user("manager_wang"), reason="客户搬家"
        )
        services.cases_refresh(case_ids=[world.huang_case.pk], as_of=date(2026, 8, 31))
        by_services = shapes()
        transaction.set_rollback(True)
    demo_load(accounts=1500, seed=7, as_of=AS_OF)
    by_demo = shapes()
    case_kinds = {kind for kind in by_services if kind.startswith("case.")}
    assert case_kinds == {
        "case.opened",
        "case.bucket_changed",
        "case.assigned",
        "case.status_changed",
        "case.participant_added",
        "case.entry_added",
        "case.transferred",
    }
    assert {kind: by_demo[kind] for kind in case_kinds} == {
        kind: by_services[kind] for kind in case_kinds
    }
