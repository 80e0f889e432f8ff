"""The monthly credit-bureau file of the demo bank matches the case states field by field;
corrections after an upheld dispute go out in the next file."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from doorstep.bureau import layout
from doorstep.bureau.models import Correction, ReportFile
from doorstep.bureau.services import correction_record, report_generate
from doorstep.cases.models import Case
from doorstep.core.errors import ConflictError
from doorstep.demo.services import demo_load
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import Complaint
from doorstep.plans.models import Plan

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
MONTH = "2026-06"
SETTLED = {"closed_settled", "closed_cured"}


def test_the_demo_banks_file_matches_every_case_field_by_field() -> None:
    demo_load(accounts=1000, seed=11, as_of=AS_OF, background=False)
    report = report_generate(month=MONTH, actor=None)
    parsed = layout.parse(report.content)
    assert (parsed.header.month, parsed.header.as_of) == (MONTH, AS_OF)
    assert report.sha256 == hashlib.sha256(report.content.encode()).hexdigest()

    rows_of: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in parsed.data:
        rows_of[row["case_reference"]].append(row)
    first = date(2026, 6, 1)
    reported = (
        Case.objects.filter(opened_on__lte=AS_OF)
        .exclude(closed_at__isnull=False, closed_at__date__lt=first)
        .prefetch_related("accounts")
        .select_related("customer")
    )
    assert set(rows_of) == {case.reference for case in reported}
    assert len(rows_of) > 40
    newest_plan = {
        p.case_id: p.status for p in Plan.objects.order_by("case_id", "offered_at", "id")
    }
    statuses = set()
    for case in reported:
        rows = rows_of[case.reference]
        statuses.add(case.status)
        assert sorted(r["account_number"] for r in rows) == sorted(
            a.external_id for a in case.accounts.all()
        )
        for row in rows:
            assert row["case_status"] == case.status
            assert row["name"] == case.customer.name
            assert row["id_number"] == case.customer.national_id
            assert row["customer_number"] == case.customer.external_id
            assert row["plan_status"] == newest_plan.get(case.pk, "")
            account = next(a for a in case.accounts.all() if a.external_id == row["account_number"])
            assert row["account_status"] == account.status
            assert row["bureau_status"] == layout.bureau_status(
                case_status=case.status, account_status=account.status
            )
            closed = timezone.localtime(case.closed_at).date().isoformat() if case.closed_at else ""
            assert row["closed_on"] == closed
        amounts = {
            "overdue_amount": sum(Decimal(r["overdue_amount"]) for r in rows),
            "unpaid_principal": sum(Decimal(r["unpaid_principal"]) for r in rows),
            "unpaid_interest": sum(Decimal(r["unpaid_interest"]) for r in rows),
            "unpaid_fees": sum(Decimal(r["unpaid_fees"]) for r in rows),
        }
        worst = max(rows, key=lambda r: int(r["dpd"]))
        if case.status in SETTLED:
            assert amounts == dict.fromkeys(amounts, Decimal("0.00"))
            assert (worst["dpd"], worst["bureau_status"]) == (
                "0",
                "S" if case.status == "closed_settled" else "C",
            )
        elif not case.is_closed:
            assert case.arrears_as_of == AS_OF
            assert amounts == {
                "overdue_amount": case.past_due,
                "unpaid_principal": case.outstanding_principal,
                "unpaid_interest": case.outstanding_interest,
                "unpaid_fees": case.outstanding_penalty,
            }
            assert (int(worst["dpd"]), worst["bucket"]) == (case.dpd, case.bucket)
    assert {"active", "promised", "in_plan", "legal", "closed_cured"} <= statuses
    assert LedgerEntry.objects.filter(kind="bureau.file").count() == 1


def test_the_command_writes_the_file_and_records_it(tmp_path, world) -> None:
    out = tmp_path / "june.csv"
    call_command("bureau", "report", "--month", MONTH, "--output", str(out), stdout=StringIO())
    report = ReportFile.objects.get()
    assert out.read_bytes().decode("utf-8") == report.content
    parsed = layout.parse(report.content)
    assert sorted(r["case_reference"] for r in parsed.data) == sorted(
        [world.zhang_case.reference, world.huang_case.reference]
    )
    zhang = next(r for r in parsed.data if r["case_reference"] == world.zhang_case.reference)
    assert (zhang["dpd"], zhang["overdue_amount"], zhang["bureau_status"]) == ("76", "2000.00", "D")


def _complaint(world, outcome: str) -> Complaint:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Complaint.objects.create(
        reference=f"CP-{outcome}",
        access_code="x",
        channel="phone",
        category="other",
        complainant_name="张伟",
        description="The bureau shows the wrong amount.",
        customer=world.debtor_zhang,
        case=world.zhang_case,
        received_at=now,
        ack_due_at=now + timedelta(days=1),
        decision_due_at=now + timedelta(days=15),
        outcome=outcome,
    )


def test_an_upheld_dispute_puts_the_corrected_row_in_the_next_file_once(world) -> None:
    june = report_generate(month=MONTH, actor=world.user("admin"))
    account = world.zhang_case.accounts.get()
    correction = correction_record(
        complaint=_complaint(world, "upheld"),
        account=account,
        month=MONTH,
        changes=[("overdue_amount", "1000.00"), ("unpaid_principal", "1000.00")],
        reason="A payment of 1000.00 on 2026-06-20 was posted late.",
        actor=world.user("compliance_zhou"),
    )
    assert correction.changes == [
        ["overdue_amount", "2000.00", "1000.00"],
        ["unpaid_principal", "2000.00", "1000.00"],
    ]
    july = report_generate(month="2026-07", actor=world.user("admin"))
    [fixed] = layout.parse(july.content).corrections
    original = next(
        r for r in layout.parse(june.content).data if r["account_number"] == account.external_id
    )
    assert fixed == {
        **original,
        "record_type": "C",
        "overdue_amount": "1000.00",
        "unpaid_principal": "1000.00",
    }
    assert Correction.objects.get().included_in == july
    august = report_generate(month="2026-08", actor=world.user("admin"))
    assert layout.parse(august.content).corrections == []


def test_a_dispute_not_upheld_corrects_nothing(world) -> None:
    report_generate(month=MONTH, actor=world.user("admin"))
    with pytest.raises(ConflictError, match="Only an upheld dispute"):
        correction_record(
            complaint=_complaint(world, "not_upheld"),
            account=world.zhang_case.accounts.get(),
            month=MONTH,
            changes=[("dpd", "0")],
            reason="r",
            actor=world.user("compliance_zhou"),
        )
    assert Correction.objects.count() == 0


def test_a_tampered_trailer_is_caught_when_the_file_is_read_back(world) -> None:
    report = report_generate(month=MONTH, actor=None)
    lines = report.content.split("\r\n")
    lines[-2] = lines[-2].replace("T,2,", "T,3,")
    with pytest.raises(layout.LayoutError, match="trailer"):
        layout.parse("\r\n".join(lines))


def test_a_written_off_or_charged_off_account_is_reported_written_off_before_anything_else() -> (
    None
):
    assert layout.bureau_status(case_status="closed_written_off", account_status="open") == "W"
    assert layout.bureau_status(case_status="closed_sold", account_status="sold") == "T"
    assert layout.bureau_status(case_status="closed_written_off", account_status="sold") == "T"
    assert layout.bureau_status(case_status="legal", account_status="charged_off") == "W"
    assert layout.bureau_status(case_status="legal", account_status="open") == "L"
    assert layout.bureau_status(case_status="in_plan", account_status="open") == "P"
    assert layout.bureau_status(case_status="promised", account_status="open") == "D"
