"""The quarterly conduct report: quarters named as regulators name them, figures that match
what happened in the quarter and nothing outside it, files whose digest the ledger keeps, and
only head-office oversight roles issuing it."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, datetime, time, timedelta
from io import BytesIO, StringIO
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.complaints import services as complaints
from doorstep.oversight.complaints.lifecycle import LOCAL
from doorstep.oversight.models import Complaint
from doorstep.oversight.regulator.quarters import BadQuarter, Quarter
from doorstep.oversight.regulator.selectors import regulator_report
from doorstep.oversight.regulator.services import regulator_report_issue
from doorstep.oversight.tests.test_complaints import call_tomorrow, handled, resolved


def test_a_quarter_is_read_as_regulators_write_it() -> None:
    q3 = Quarter.parse("2026Q3")
    assert (q3.first_day, q3.last_day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Quarter.parse(" 2024-q1 ").last_day == date(2024, 3, 31)
    assert str(Quarter(2026, 1).previous()) == "2025Q4"
    assert str(Quarter(2026, 4).next()) == "2027Q1"
    assert Quarter.parse("2026Q4").last_day == date(2026, 12, 31)
    assert Quarter.containing(date(2026, 11, 28)) == Quarter(2026, 4)


@pytest.mark.parametrize("text", ["", "2026", "2026Q5", "Q3 2026", "1999Q1", "2026Q3x"])
def test_a_text_that_is_not_a_quarter_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(BadQuarter):
        Quarter.parse(text)


def file(category: str) -> Complaint:
    return complaints.complaint_submit(
        category=category, name="张伟", phone="13912345678", email="", description="太频繁了。"
    ).complaint


@pytest.fixture
def quarter(world) -> Any:  # type: ignore[no-untyped-def]
    """This quarter: two harassment complaints (one upheld, after which a call is blocked by
    the hold of the other), one privacy complaint, and one complaint of the quarter before."""
    upheld = file("harassment")
    handled(world, upheld)
    resolved(world, upheld)
    held = handled(world, file("harassment"))
    assert held.status != "closed"
    file("privacy")
    earlier = file("service")
    this = Quarter.containing(timezone.localdate())
    middle_of_the_last = this.previous().first_day + timedelta(days=45)
    Complaint.objects.filter(pk=earlier.pk).update(
        received_at=datetime.combine(middle_of_the_last, time(12), tzinfo=LOCAL)
    )
    decision = call_tomorrow(world)
    assert decision.verdict == "block"
    return this


def rows(report: Any, slug: str) -> list[list[Any]]:
    return report.section(slug).rows


@pytest.mark.django_db
def test_the_report_counts_the_quarter_and_nothing_outside_it(world, quarter) -> None:
    report = regulator_report(quarter=quarter)
    summary = dict(rows(report, "summary"))
    assert summary["Complaints received"] == 3
    assert summary["Complaints decided in the quarter"] == 1
    # The upheld one awaits a second person's verification; the earlier one is still open.
    assert summary["Complaints open at the end of the quarter"] == 4
    assert summary["Contacts blocked"] == 1
    by_category = {row[0]: row[1:] for row in rows(report, "complaints_by_category")}
    # received, upheld, partly upheld, not upheld, decided on time
    assert by_category["Harassment (too often, at night)"] == [2, 1, 0, 0, 1]
    assert by_category["Personal information disclosed"] == [1, 0, 0, 0, 0]
    assert "Repayment service" not in by_category
    assert rows(report, "complaints_by_root_cause") == [["Agent conduct", 1]]
    assert ["CN-HOLD-01", 1] in rows(report, "blocked_by_rule")
    calls = next(row for row in rows(report, "contacts_by_channel") if row[0] == "Call")
    assert calls[4] == 1  # the Block column


@pytest.mark.django_db
def test_the_quarter_before_holds_only_its_own_complaint(world, quarter) -> None:
    report = regulator_report(quarter=quarter.previous())
    summary = dict(rows(report, "summary"))
    assert summary["Complaints received"] == 1
    assert summary["Contacts blocked"] == 0


@pytest.mark.django_db
def test_each_issued_file_is_ledgered_with_its_digest(world, quarter) -> None:
    zhou = world.user("compliance_zhou")
    issued = regulator_report_issue(user=zhou, quarter=quarter, format="csv")
    text = issued.content.decode("utf-8-sig")
    lines = list(csv.reader(StringIO(text)))
    assert lines[0] == ["Complaint and collection-conduct report", str(quarter)]
    assert ["Complaints received", "3"] in lines
    entry = LedgerEntry.objects.filter(kind="oversight.regulator_report.issued").get()
    assert issued.sha256 == hashlib.sha256(issued.content).hexdigest()
    assert issued.sha256 in entry.data
    assert str(quarter) in entry.data

    book = regulator_report_issue(user=zhou, quarter=quarter, format="xlsx")
    sheets = load_workbook(BytesIO(book.content)).sheetnames
    assert {"summary", "complaints_by_category", "blocked_by_rule"} <= set(sheets)

    paper = regulator_report_issue(user=zhou, quarter=quarter, format="pdf")
    assert paper.content.startswith(b"%PDF-")
    assert paper.filename == f"conduct-report-{quarter}.pdf"
    assert LedgerEntry.objects.filter(kind="oversight.regulator_report.issued").count() == 3


@pytest.mark.django_db
def test_only_oversight_roles_issue_it_and_a_bad_format_is_named(world, quarter) -> None:
    with pytest.raises(DomainError) as refused:
        regulator_report_issue(user=world.user("manager_wang"), quarter=quarter, format="csv")
    assert refused.value.status == 403
    with pytest.raises(DomainError) as bad:
        regulator_report_issue(user=world.user("auditor_chen"), quarter=quarter, format="doc")
    assert bad.value.field == "format"
    assert not LedgerEntry.objects.filter(kind="oversight.regulator_report.issued").exists()


@pytest.mark.django_db
def test_the_page_the_download_and_the_api(world, quarter, client) -> None:
    client.force_login(world.user("manager_wang"))
    assert client.get("/oversight/regulator/").status_code == 404
    assert client.get(f"/api/v1/oversight/regulator-report?quarter={quarter}").status_code == 403

    client.force_login(world.user("compliance_zhou"))
    page = client.get(f"/oversight/regulator/?quarter={quarter}")
    assert page.status_code == 200
    assert "CN-HOLD-01" in page.content.decode()
    assert client.get("/oversight/regulator/?quarter=2026Q9").status_code == 400
    download = client.get(f"/oversight/regulator/{quarter}.xlsx")
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith(f'conduct-report-{quarter}.xlsx"')
    assert download["X-Content-SHA256"] == hashlib.sha256(download.content).hexdigest()

    answer = client.get(f"/api/v1/oversight/regulator-report?quarter={quarter}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["quarter"] == str(quarter)
    assert [s["slug"] for s in body["sections"]][:2] == ["summary", "complaints_by_category"]
    bad = client.get("/api/v1/oversight/regulator-report?quarter=Q3")
    assert bad.status_code in (400, 422)
    assert "quarter" in str(bad.json())
