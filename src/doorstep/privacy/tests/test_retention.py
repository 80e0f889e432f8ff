"""Retention: only what expired is erased, what a hold needs is kept, the report counts both,
and the ledger still verifies after the erasure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from doorstep_verify.checks import Outcome

from doorstep.cases import services as case_services
from doorstep.compliance.services import hold_add
from doorstep.core.errors import ConflictError
from doorstep.core.testing import make_account, make_customer
from doorstep.ledger.models import SubjectSalt
from doorstep.ledger.services import ledger_append, ledger_sign_checkpoint
from doorstep.ledger.verification import ledger_verify
from doorstep.legal.models import Matter
from doorstep.portfolio.models import Address, Customer, Phone
from doorstep.privacy.models import RetentionItem, RetentionRun
from doorstep.privacy.retention import retention_run

from .conftest import at, close_case

AS_OF = date(2029, 1, 10)  # 2 years after mid-2026 have passed, not after mid-2027


def closed_customer(world, name: str, when, status: str = "closed_settled"):  # type: ignore[no-untyped-def]
    customer = make_customer(name, national_id="110105198001019999", phone="13600000001")
    # Late since April 2026; settled, so its limitation keeps nothing (the debt is paid).
    account = make_account(customer, world.xh, dues=[(date(2026, 4, 15), "1000.00")])
    case = case_services.case_open(customer=customer, accounts=[account], as_of=date(2026, 6, 1))
    close_case(case, when, status)
    return customer


def visit_entry(customer: Customer) -> dict[str, object]:
    return {
        "kind": "visit.checked_in",
        "actor": None,
        "subject": {"visit": customer.pk},
        "record": {"outcome": "met_debtor"},
        "personal": {
            "customer": customer.pk,
            "name": customer.name,
            "national_id": customer.national_id,
        },
    }


@pytest.fixture
def bank(world):  # type: ignore[no-untyped-def]
    """Five customers whose cases closed: one due, one too recent, three held."""
    expired = closed_customer(world, "过期", at(2026, 7, 1))
    recent = closed_customer(world, "新近", at(2027, 6, 1))
    complained = closed_customer(world, "投诉", at(2026, 7, 1))
    hold_add(
        customer=complained,
        kind="complaint",
        reason="complaint about a visit",
        actor=world.user("complaints_sun"),
        starts_at=at(2026, 6, 20),
    )
    # Written off with the card's dues of April 2026 unpaid: the limitation runs into 2029.
    close_case(world.zhang_case, at(2026, 7, 1), "closed_written_off")
    close_case(world.huang_case, at(2026, 7, 1))
    Matter.objects.create(
        reference="L-TEST-1",
        case=world.huang_case,
        kind="suit",
        status="filed",
        claim_amount=Decimal("5000.00"),
        specialist=world.legal_qian,
        proposed_by=world.user("legal_qian"),
        created_at=timezone.now(),
    )
    with transaction.atomic():
        ledger_append(**visit_entry(expired))
        ledger_append(**visit_entry(world.debtor_zhang))
    ledger_sign_checkpoint()
    return {"expired": expired, "recent": recent, "complained": complained}


def test_retention_erases_only_the_expired_and_keeps_what_holds_need(world, bank) -> None:
    run = retention_run(as_of=AS_OF)

    expired = Customer.objects.get(pk=bank["expired"].pk)
    assert (expired.name, expired.national_id, expired.monthly_income) == ("—", "", None)
    assert not Phone.objects.filter(customer=expired).exists()
    address = Address.objects.get(customer=expired)
    assert (address.line, address.latitude, address.city) == ("", None, "杭州市")
    for kept in (bank["recent"], bank["complained"], world.debtor_zhang, world.debtor_huang):
        again = Customer.objects.get(pk=kept.pk)
        assert (again.name, again.national_id) == (kept.name, kept.national_id)
        assert Phone.objects.filter(customer=kept).exists()
    outcomes = dict(RetentionItem.objects.filter(run=run).values_list("customer_id", "outcome"))
    assert outcomes == {
        bank["expired"].pk: "erased",
        bank["complained"].pk: "held",
        world.debtor_zhang.pk: "held",
        world.debtor_huang.pk: "held",
    }
    holds = dict(RetentionItem.objects.filter(run=run).values_list("customer_id", "holds"))
    assert holds[bank["complained"].pk] == ["complaint"]
    assert holds[world.debtor_zhang.pk] == ["limitation"]
    assert holds[world.debtor_huang.pk] == ["litigation"]


def test_the_report_counts_categories_customers_and_the_holds_that_kept_records(
    world, bank
) -> None:
    run = retention_run(as_of=AS_OF)

    run.refresh_from_db()
    assert (run.status, run.total, run.processed) == ("finished", 4, 4)
    assert run.report["customers"] == {"examined": 4, "due": 1, "held": 3, "not_expired": 1}
    assert run.report["categories"]["identity"] == {
        "action": "anonymise",
        "due": 1,
        "done": 1,
        "held": 3,
    }
    assert run.report["categories"]["contact_details"]["action"] == "delete"
    assert {k: v for k, v in run.report["holds"].items() if v} == {
        "complaint": 1,
        "limitation": 1,
        "litigation": 1,
    }


def test_the_ledger_still_verifies_after_an_erasure_and_refuses_new_commitments(
    world, bank
) -> None:
    retention_run(as_of=AS_OF)
    ledger_sign_checkpoint()

    assert ledger_verify().outcome is Outcome.VERIFIED
    salt = SubjectSalt.objects.get(customer_id=bank["expired"].pk)
    assert (salt.salt, salt.erased_at is not None) == (None, True)
    assert SubjectSalt.objects.get(customer_id=world.debtor_zhang.pk).salt is not None
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        ledger_append(**visit_entry(bank["expired"]))
    assert refused.value.code == "subject_erased"


def test_a_dry_run_reports_the_same_and_changes_nothing(world, bank) -> None:
    run = retention_run(as_of=AS_OF, dry_run=True)

    expired = Customer.objects.get(pk=bank["expired"].pk)
    assert expired.name == "过期"
    assert SubjectSalt.objects.get(customer_id=expired.pk).salt is not None
    assert run.report["customers"]["due"] == 1
    assert run.report["categories"]["identity"]["done"] == 0
    assert run.report["categories"]["identity"]["action"] == "would_anonymise"
    assert RetentionItem.objects.get(run=run, customer_id=expired.pk).outcome == "would_erase"


def test_a_second_run_does_not_examine_the_erased_again(world, bank) -> None:
    retention_run(as_of=AS_OF)
    second = retention_run(as_of=AS_OF)

    assert second.report["customers"] == {"examined": 3, "due": 0, "held": 3, "not_expired": 1}


def test_once_the_hold_is_gone_the_next_run_erases(world, bank) -> None:
    Matter.objects.filter(reference="L-TEST-1").update(status="closed")

    retention_run(as_of=AS_OF)

    assert Customer.objects.get(pk=world.debtor_huang.pk).name == "—"


def test_nothing_is_erased_before_two_years_after_the_case_closed(world, bank) -> None:
    run = retention_run(as_of=date(2028, 6, 30))

    assert run.report["customers"]["due"] == 0
    assert Customer.objects.get(pk=bank["expired"].pk).name == "过期"


def test_the_command_reports_progress_and_stores_the_run(world, bank, capsys) -> None:
    call_command("privacy", "retention", "--dry-run", "--as-of", "2029-01-10")

    captured = capsys.readouterr()
    assert "4/4 customers examined" in captured.err
    assert '"due": 1' in captured.out
    assert RetentionRun.objects.get().dry_run is True


def test_the_nightly_beat_entry_runs_the_retention_task(world, bank) -> None:
    from doorstep.worker import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = app.conf.beat_schedule["privacy-retention"]
    task = app.tasks[entry["task"]]

    run_id = task.delay(dry_run=True).get()

    run = RetentionRun.objects.get(pk=run_id)
    assert (run.dry_run, run.status, run.as_of) == (True, "finished", timezone.localdate())
