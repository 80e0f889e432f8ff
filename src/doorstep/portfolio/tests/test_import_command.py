"""``doorstep import``: output, report files and exit codes 0, 1 and 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from doorstep.portfolio.models import Account, Payment
from doorstep.portfolio.tests.files import (
    ACCOUNT_HEADER,
    PAYMENT_HEADER,
    account_row,
    csv_bytes,
)

pytestmark = pytest.mark.django_db


def command(*args: str) -> tuple[int, str, str]:
    """Run the command; return its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), f"{err.getvalue()}{exc}"
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def payments_file(world, tmp_path: Path) -> Path:
    card = world.zhang_case.accounts.get().external_id
    path = tmp_path / "payments.csv"
    path.write_bytes(
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", card, "2026-06-01", "100.00", "", ""],
            ["TX2", card, "2026-06-31", "100.00", "", ""],
            ["TX3", card, "2026-06-02", "50", "", ""],
        )
    )
    return path


def test_a_file_with_rejected_rows_exits_1_and_names_each_problem(payments_file) -> None:
    code, out, err = command("payments", str(payments_file))
    assert code == 1
    assert out.split(" s: ")[1].splitlines()[0] == (
        "2 created, 0 updated, 0 unchanged, 1 rejected."
    )
    assert err.splitlines() == [
        "line 3, paid_on: is not a date in the form YYYY-MM-DD",
        "1 of 3 rows was rejected.",
    ]
    assert Payment.objects.filter(external_id__in=["TX1", "TX3"]).count() == 2


def test_a_clean_file_exits_0_and_says_what_happened(world, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(ACCOUNT_HEADER, account_row()))
    assert command("accounts", str(path))[0] == 0
    code, out, err = command("accounts", str(path))
    assert (code, err) == (0, "")
    assert out.startswith("accounts.csv: 1 row in ")
    assert out.split(" s: ")[1] == "0 created, 0 updated, 1 unchanged, 0 rejected.\n"


def test_an_unusable_file_exits_2_and_stores_nothing(world, tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    path.write_bytes(csv_bytes(["transaction_id", "amount"], ["TX1", "100"]))
    code, _, err = command("payments", str(path))
    assert (code, err) == (
        2,
        "payments.csv: The file lacks the required columns: account_id, paid_on.",
    )
    assert not Payment.objects.filter(external_id="TX1").exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("p.csv", b"account_id\n\xff\xfa\xff\n", "The file's text is neither UTF-8 nor GB18030"),
        ("p.ods", b"x", "“p.ods” is not a CSV (.csv) or Excel (.xlsx) file"),
        ("p.csv", b"", "The file is empty: it has no header row."),
    ],
)
def test_unreadable_files_exit_2(world, tmp_path: Path, name, data, message) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = command("payments", str(path))
    assert code == 2
    assert message in err


def test_a_missing_file_exits_2(world, tmp_path: Path) -> None:
    code, _, err = command("payments", str(tmp_path / "nowhere.csv"))
    assert (code, err) == (2, f"Cannot read {tmp_path / 'nowhere.csv'}: No such file or directory.")


def test_a_dry_run_stores_nothing(payments_file) -> None:
    code, out, _ = command("payments", str(payments_file), "--dry-run")
    assert code == 1
    assert "Dry run: nothing was stored." in out.splitlines()
    assert not Payment.objects.filter(external_id__in=["TX1", "TX3"]).exists()


def test_the_csv_report_lists_every_row(payments_file, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    command("payments", str(payments_file), "--report", str(report))
    with report.open(encoding="utf-8-sig", newline="") as lines:
        assert list(csv.reader(lines)) == [
            ["line", "key", "outcome", "field", "reason"],
            ["2", "TX1", "created", "", ""],
            ["3", "TX2", "rejected", "paid_on", "is not a date in the form YYYY-MM-DD"],
            ["4", "TX3", "created", "", ""],
        ]


def test_the_json_report_has_the_summary_and_every_row(payments_file, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command("payments", str(payments_file), "--report", str(report))
    body = json.loads(report.read_text(encoding="utf-8"))
    assert {k: body[k] for k in ("kind", "created", "rejected", "errors")} == {
        "kind": "payments",
        "created": 2,
        "rejected": 1,
        "errors": [
            {"line": 3, "field": "paid_on", "reason": "is not a date in the form YYYY-MM-DD"}
        ],
    }
    assert body["rows"][1] == {
        "line": 3,
        "key": "TX2",
        "outcome": "rejected",
        "errors": [{"field": "paid_on", "reason": "is not a date in the form YYYY-MM-DD"}],
    }


def test_a_report_must_be_csv_or_json(payments_file, tmp_path: Path) -> None:
    code, _, err = command("payments", str(payments_file), "--report", str(tmp_path / "r.txt"))
    assert (code, err) == (2, "--report must name a .csv or .json file.")


def test_branch_gives_account_rows_without_one_a_branch(world, tmp_path: Path) -> None:
    header = [name for name in ACCOUNT_HEADER if name != "branch"]
    row = [v for n, v in zip(ACCOUNT_HEADER, account_row(), strict=True) if n != "branch"]
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(header, row))
    assert command("accounts", str(path), "--branch", "BJ")[0] == 0
    assert Account.objects.get(external_id="AC-T1").branch == world.bj


def test_branch_is_refused_for_payments(payments_file) -> None:
    code, _, err = command("payments", str(payments_file), "--branch", "XH")
    assert (code, err) == (2, "--branch applies to account imports only.")
