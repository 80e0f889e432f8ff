"""``doorstep demo load`` and ``logins`` against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings

from doorstep.cases import services as case_services
from doorstep.cases.delinquency import arrears, bucket_moves, combined
from doorstep.cases.models import Assignment, BucketChange, Case, StatusChange
from doorstep.core.views import DEMO_LOGINS
from doorstep.demo import generate
from doorstep.demo.selectors import demo_debtor
from doorstep.demo.services import demo_load, demo_models
from doorstep.demo.staffing import STAFF
from doorstep.demo.writer import check_foreign_keys
from doorstep.ledger.models import LedgerEntry
from doorstep.portfolio.models import Account, Customer, Payment, Statement
from doorstep.portfolio.selectors import histories_for
from doorstep.staff.models import Branch, Role, StaffMember

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
ACCOUNTS = 500


def load(accounts: int = ACCOUNTS, seed: int = 7) -> None:
    call_command(
        "demo",
        "load",
        "--accounts",
        str(accounts),
        "--seed",
        str(seed),
        "--as-of",
        AS_OF.isoformat(),
        stdout=StringIO(),
        stderr=StringIO(),
    )


def dump() -> str:
    """A digest of every row the demo wrote, table by table in primary-key order, and of its
    ledger entries (but the time each was appended)."""
    digest = hashlib.sha256()
    for name, model in demo_models().items():
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model._default_manager.order_by("pk").values_list(*names):
            digest.update(repr((name, row)).encode())
    for index, kind, data in LedgerEntry.objects.values_list("index", "kind", "data"):
        entry = json.loads(data)
        del entry["at"]  # the furnishing's entries carry the moment of the load
        entry["subject"].pop("batch", None)  # and so does the agency placement's batch number
        digest.update(repr((index, kind, entry)).encode())
    return digest.hexdigest()


def test_loading_writes_every_row_the_generator_made() -> None:
    report = demo_load(accounts=ACCOUNTS, seed=7, as_of=AS_OF)
    assert Account.objects.count() == ACCOUNTS == report.rows["account"]
    assert Customer.objects.count() == report.rows["customer"]
    assert Statement.objects.count() == report.rows["statement"]
    assert Payment.objects.count() == report.rows["payment"]
    assert Case.objects.count() == report.rows["case"] > 0
    # The bank's own staff; the outside agency's user comes with the agency (agencies.demo).
    assert StaffMember.objects.exclude(role=Role.AGENCY_USER).count() == len(STAFF)
    assert Branch.objects.count() == 3


def test_the_same_seed_and_day_load_byte_identical_rows() -> None:
    with transaction.atomic():
        load()
        first = dump()
        transaction.set_rollback(True)
    with transaction.atomic():
        load()
        again = dump()
        transaction.set_rollback(True)
    load(seed=8)
    assert first == again != dump()


def test_every_open_case_equals_its_arrears_recomputed_from_the_stored_rows() -> None:
    load()
    open_cases = Case.objects.exclude(status__startswith="closed_").prefetch_related("accounts")
    assert open_cases.count() > 10
    for case in open_cases:
        ids = [a.pk for a in case.accounts.all()]
        histories = list(histories_for(ids, as_of=AS_OF).values())
        now = combined([arrears(h.dues, h.payments, AS_OF) for h in histories], AS_OF)
        assert (case.dpd, case.bucket, case.past_due) == (now.dpd, now.bucket.value, now.past_due)
        assert (
            case.outstanding_principal,
            case.outstanding_interest,
            case.outstanding_penalty,
        ) == (
            now.unpaid_principal,
            now.unpaid_interest,
            now.unpaid_fee,
        )
        assert case.arrears_as_of == AS_OF
        assert now.oldest_unpaid_due is not None
        assert case.opened_on == now.oldest_unpaid_due + timedelta(days=1)
        assert case.reference == case_services.case_reference(
            customer_id=case.customer_id, opened_on=case.opened_on
        )
        history = list(BucketChange.objects.filter(case=case).order_by("on", "id"))
        assert history[0].cause == BucketChange.Cause.OPENED
        assert history[0].on == case.opened_on
        moves = bucket_moves(histories, case.opened_on, AS_OF)
        assert [(h.on, h.to_bucket, h.cause) for h in history[1:]] == [
            (m.on, m.to_bucket.value, m.cause.value) for m in moves
        ]
        assert history[-1].to_bucket == case.bucket
        opening = StatusChange.objects.filter(case=case).order_by("at", "id").first()
        assert opening is not None
        assert (opening.from_status, opening.to_status) == ("", "new")
        assert Assignment.objects.filter(case=case, ended_at__isnull=True).count() == 1


def test_every_customer_with_a_past_due_account_has_one_open_case() -> None:
    load()
    histories = histories_for(Account.objects.values_list("pk", flat=True), as_of=AS_OF)
    late_customers = set(
        Account.objects.filter(
            pk__in=[a for a, h in histories.items() if arrears(h.dues, h.payments, AS_OF).dpd > 0]
        ).values_list("customer_id", flat=True)
    )
    with_open_case = list(
        Case.objects.exclude(status__startswith="closed_").values_list("customer_id", flat=True)
    )
    assert sorted(with_open_case) == sorted(late_customers)
    assert Case.objects.filter(status="closed_cured").exists()


def test_the_nightly_sync_right_after_a_load_finds_nothing_to_do() -> None:
    load()
    before = list(
        Case.objects.order_by("pk").values_list("pk", "status", "dpd", "bucket", "past_due")
    )
    changes = BucketChange.objects.count()
    counts = case_services.cases_sync(as_of=AS_OF)
    still_open = len([c for c in before if not c[1].startswith("closed_")])
    assert counts == {"refreshed": still_open, "cured": 0, "opened": 0, "joined": 0}
    after = list(
        Case.objects.order_by("pk").values_list("pk", "status", "dpd", "bucket", "past_due")
    )
    assert after == before
    assert BucketChange.objects.count() == changes


def test_the_seven_demo_logins_can_sign_in() -> None:
    load()
    for username in DEMO_LOGINS:
        assert Client().login(username=username, password="doorstep-demo"), username
    admin = get_user_model().objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff) == (True, True)


def test_logins_prints_the_seven_demo_logins() -> None:
    load()
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    lines = out.getvalue().splitlines()
    staff = lines[2 : 2 + len(DEMO_LOGINS)]
    assert [line.split()[0] for line in staff] == list(DEMO_LOGINS)
    assert all(line.rstrip().endswith("doorstep-demo") for line in staff)
    assert "manager_wang" in lines[3]
    assert "西湖支行" in lines[3]
    debtor = demo_debtor()
    assert debtor is not None
    assert "/assistant/" in lines[-1]
    assert debtor.phone in lines[-1]
    assert debtor.id_last4 in lines[-1]


def test_logins_without_a_demo_bank_says_to_load_one() -> None:
    with pytest.raises(CommandError, match="demo load"):
        call_command("demo", "logins", stdout=StringIO())


def test_if_empty_skips_a_database_that_holds_a_bank() -> None:
    load()
    customers = Customer.objects.count()
    out = StringIO()
    call_command("demo", "load", "--if-empty", "--accounts", "50", stdout=out, stderr=StringIO())
    assert "skipped" in out.getvalue()
    assert Customer.objects.count() == customers


def test_loading_over_a_bank_is_refused_and_changes_nothing() -> None:
    load()
    customers = Customer.objects.count()
    with pytest.raises(CommandError, match="already holds a bank"):
        load(accounts=50)
    assert Customer.objects.count() == customers


@override_settings(PRODUCTION=True)
def test_production_refuses_the_demo_and_writes_nothing() -> None:
    with pytest.raises(CommandError, match="production"):
        load(accounts=50)
    assert not Branch.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "0"], "between 1 and"),
        (["--seed", "-1"], "seed"),
    ],
)
def test_a_bad_size_or_seed_is_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("demo", "load", *args, stdout=StringIO(), stderr=StringIO())
    assert not Branch.objects.exists()


def test_a_bad_as_of_date_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="--as-of"):
        call_command("demo", "load", "--as-of", "30/06/2026", stdout=StringIO())


def test_ids_follow_rows_already_in_the_database() -> None:
    someone = get_user_model().objects.create_user(username="someone", password="x")
    load(accounts=50)
    assert get_user_model().objects.get(username="admin").pk == someone.pk + 1
    # The sequences moved past the demo's own ids (its staff, then the agency's user).
    agency_user = get_user_model().objects.get(username="agency_liu")
    assert agency_user.pk == someone.pk + 1 + len(STAFF)
    later = get_user_model().objects.create_user(username="later", password="x")
    assert later.pk == agency_user.pk + 1


def test_a_load_of_several_blocks_numbers_rows_without_gaps(monkeypatch) -> None:
    monkeypatch.setattr(generate, "BLOCK_ACCOUNTS", 100)
    load(accounts=250)
    assert list(Account.objects.order_by("pk").values_list("pk", flat=True)) == list(range(1, 251))
    statements = Statement.objects.order_by("pk").values_list("pk", flat=True)
    assert list(statements) == list(range(1, statements.count() + 1))
    assert Case.objects.exists()


def test_the_key_check_finds_a_row_that_points_nowhere() -> None:
    load(accounts=50)
    orphan = Statement.objects.create(
        account_id=10**9,
        statement_date=AS_OF,
        due_date=AS_OF,
        principal_due=1,
        interest_due=0,
        fee_due=0,
        closing_balance=1,
    )
    check_foreign_keys(connection, Account, 1, 50)
    with pytest.raises(IntegrityError, match="account_id points nowhere"):
        check_foreign_keys(connection, Statement, orphan.pk, orphan.pk)
    orphan.delete()  # the test database checks its constraints when the test ends


def test_indexes_dropped_for_the_load_are_built_again() -> None:
    def indexes() -> dict[str, object]:
        with connection.cursor() as cursor:
            return {
                table: sorted(
                    (name, tuple(c["columns"]), c["unique"], c["index"])
                    for name, c in connection.introspection.get_constraints(cursor, table).items()
                )
                for table in (
                    Statement._meta.db_table,
                    Payment._meta.db_table,
                    LedgerEntry._meta.db_table,
                )
            }

    before = indexes()
    load(accounts=50)
    assert indexes() == before
    assert any(name == "payment_account_date" for name, *_ in before["portfolio_payment"])
    assert any(name == "ledger_entry_kind" for name, *_ in before["ledger_ledgerentry"])


@pytest.mark.django_db(transaction=True)
def test_a_load_outside_a_transaction_puts_the_connection_back() -> None:
    def settings_now() -> list[object]:
        if connection.vendor != "sqlite":
            return []
        with connection.cursor() as cursor:
            return [
                cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "cache_size", "foreign_keys")
            ]

    before = settings_now()
    load(accounts=120)
    assert settings_now() == before
    assert Account.objects.count() == 120
    assert Case.objects.exclude(status__startswith="closed_").exists()


def test_rows_generated_in_a_second_process_are_the_same_rows() -> None:
    with transaction.atomic():
        demo_load(accounts=300, seed=7, as_of=AS_OF, background=False)
        here = dump()
        transaction.set_rollback(True)
    demo_load(accounts=300, seed=7, as_of=AS_OF, background=True)
    assert dump() == here


def test_a_failure_in_the_generating_process_stops_the_load(monkeypatch) -> None:
    real = generate.bank

    def failing(**kwargs):  # type: ignore[no-untyped-def]
        blocks = real(**kwargs)
        yield next(blocks)
        raise ValueError("the generator broke")

    monkeypatch.setattr(generate, "bank", failing)
    with pytest.raises(ValueError, match="the generator broke"):
        demo_load(accounts=300, seed=7, as_of=AS_OF, background=True)
    assert StaffMember.objects.count() == len(STAFF)  # the block before the failure stands
    assert not Account.objects.exists()
