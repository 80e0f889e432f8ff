"""The nightly sync, from the command line and as Celery tasks (eager without a broker)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from doorstep.cases.models import Case
from doorstep.cases.tasks import cases_sync_all
from doorstep.core.testing import make_account, make_customer

pytestmark = pytest.mark.django_db


def test_the_command_reports_each_branch_and_opens_new_cases(world) -> None:
    chen = make_customer("陈静")
    make_account(chen, world.bj, dues=[(date(2026, 6, 1), "800.00")])
    out = StringIO()
    call_command("cases", "sync", "--as-of", "2026-06-30", stdout=out)
    assert out.getvalue().splitlines() == [
        "BJ: refreshed 1, cured 0, opened 1, joined 0 (as of 2026-06-30)",
        "XH: refreshed 1, cured 0, opened 0, joined 0 (as of 2026-06-30)",
    ]
    assert Case.objects.get(customer=chen).branch == world.bj


def test_the_command_names_a_bad_date() -> None:
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("cases", "sync", "--as-of", "30/06/2026")


def test_the_nightly_task_runs_once_per_branch_and_twice_is_harmless(world) -> None:
    chen = make_customer("陈静")
    make_account(chen, world.xh, dues=[(date(2026, 6, 1), "800.00")])
    assert cases_sync_all.delay("2026-06-30").get() == [world.xh.pk, world.bj.pk]
    cases_sync_all.delay("2026-06-30").get()
    assert Case.objects.filter(customer=chen).count() == 1
    zhang = Case.objects.get(pk=world.zhang_case.pk)
    assert zhang.bucket_changes.count() == 1  # nothing moved between two runs on one day


def test_a_second_late_account_joins_the_open_case(world) -> None:
    second = make_account(world.debtor_zhang, world.xh, dues=[(date(2026, 6, 20), "300.00")])
    call_command("cases", "sync", "--as-of", "2026-06-30", stdout=StringIO())
    case = Case.objects.get(pk=world.zhang_case.pk)
    assert second in case.accounts.all()
    assert case.past_due.to_eng_string() == "2300.00"
