"""Reveals and exports are logged append-only, compliance reads the log, and unusual volume
raises an alert that compliance acknowledges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from doorstep.access.matrix import Category
from doorstep.access.models import AccessAlert, AppendOnly, ExportRecord
from doorstep.access.services import alert_check_user, alerts_check, export_record
from doorstep.access.tasks import alerts_check_task
from doorstep.cases.models import Case, CaseParticipant
from doorstep.cases.services import case_attach, case_open
from doorstep.core.testing import AS_OF, World, make_account, make_customer
from doorstep.portfolio.models import PersonalDataAccess
from doorstep.reports.charts import CHARTS

pytestmark = pytest.mark.django_db


def signed_in(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def reveal(client: Client, case: Case, reason: str = "Calling back about the plan") -> Any:
    return client.post(
        f"/api/v1/cases/{case.pk}/customer/reveal",
        {"reason": reason},
        content_type="application/json",
    )


def log_reveals(world: World, name: str, customers: int) -> None:
    user = world.user(name)
    for index in range(customers):
        customer = make_customer(f"客户{index}", national_id=f"33010619850307{index:04d}")
        PersonalDataAccess.objects.create(
            user=user, customer=customer, fields=["national_id"], reason="x", channel="web"
        )


def test_a_reveal_through_the_api_is_logged_with_who_what_why_and_where(world: World) -> None:
    response = reveal(signed_in(world, "agent_li"), world.zhang_case)
    assert response.status_code == 200
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.customer, row.fields) == (
        world.user("agent_li"),
        world.debtor_zhang,
        ["national_id", "phones"],
    )
    assert (row.reason, row.remote_addr, row.channel) == (
        "Calling back about the plan",
        "127.0.0.1",
        "api",
    )


def test_a_role_the_matrix_denies_a_reveal_gets_403_and_nothing_is_logged(world: World) -> None:
    for name in ("auditor_chen", "finance_wu"):
        case = world.zhang_case
        if name == "finance_wu":
            case_attach(
                case=case,
                staff=world.finance_wu,
                capacity=CaseParticipant.Capacity.FINANCE,
                actor=world.user("manager_wang"),
            )
        assert reveal(signed_in(world, name), case).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_exporting_a_chart_is_logged_and_a_role_without_export_gets_403(world: World) -> None:
    slug = next(iter(CHARTS))
    url = f"/reports/charts/{slug}.xlsx?since=2026-01-01&until=2026-06-30"
    response = signed_in(world, "manager_wang").get(url)
    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert (record.user, record.role, record.category) == (
        world.user("manager_wang"),
        "collections_manager",
        "reports",
    )
    assert record.filters["since"] == "2026-01-01"
    assert record.remote_addr == "127.0.0.1"
    assert signed_in(world, "agent_li").get(url).status_code == 403
    assert ExportRecord.objects.count() == 1


def test_the_logs_refuse_changes_and_deletion_through_the_models(world: World) -> None:
    record = export_record(
        user=world.user("admin"),
        category=Category.REPORTS,
        what="chart x",
        filters={},
        rows=3,
        remote_addr=None,
        channel="web",
    )
    record.rows = 0
    with pytest.raises(AppendOnly):
        record.save()
    with pytest.raises(AppendOnly):
        record.delete()
    with pytest.raises(AppendOnly):
        ExportRecord.objects.filter(pk=record.pk).update(rows=0)
    with pytest.raises(AppendOnly):
        ExportRecord.objects.all().delete()
    assert ExportRecord.objects.get().rows == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_the_logs_in_sql(world: World) -> None:
    reveal(signed_in(world, "agent_li"), world.zhang_case)
    export_record(
        user=world.user("admin"),
        category=Category.REPORTS,
        what="chart x",
        filters={},
        rows=1,
        remote_addr=None,
        channel="web",
    )
    for statement in (
        "UPDATE portfolio_personaldataaccess SET reason = 'nothing'",
        "DELETE FROM portfolio_personaldataaccess",
        "UPDATE access_exportrecord SET rows = 0",
        "DELETE FROM access_exportrecord",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert PersonalDataAccess.objects.get().reason == "Calling back about the plan"


def test_the_fiftieth_customer_within_the_hour_raises_one_alert_at_once(
    world: World, settings: Any
) -> None:
    settings.ACCESS_ALERT_CUSTOMERS = 3
    client = signed_in(world, "admin")
    other = make_customer("王五", national_id="330106198503079999")
    account = make_account(other, world.xh, dues=[(date(2026, 5, 15), "900.00")])
    third = case_open(customer=other, accounts=[account], as_of=AS_OF)
    for case in (world.zhang_case, world.zhang_case, world.huang_case):
        assert reveal(client, case).status_code == 200
    assert not AccessAlert.objects.exists()  # two distinct customers so far
    assert reveal(client, third).status_code == 200
    alert = AccessAlert.objects.get()
    assert (alert.user, alert.customers, alert.threshold) == (world.user("admin"), 3, 3)
    reveal(client, third)
    assert AccessAlert.objects.count() == 1  # one per window


def test_the_periodic_sweep_raises_alerts_only_inside_the_window(world: World) -> None:
    threshold = settings.ACCESS_ALERT_CUSTOMERS
    log_reveals(world, "agent_zhao", threshold)
    log_reveals(world, "agent_sun", threshold - 1)
    assert alerts_check_task() == 1
    assert list(AccessAlert.objects.values_list("user__username", flat=True)) == ["agent_zhao"]
    assert alerts_check() == []  # already alerted in this window
    # Two hours on, the same reveals are outside the window: nothing new.
    later = timezone.now() + timedelta(hours=2)
    assert alerts_check(now=later) == []
    assert alert_check_user(user_id=world.user("agent_zhao").pk, now=later) is None


def test_compliance_reads_the_log_with_filters_and_pages_and_others_get_403(world: World) -> None:
    reveal(signed_in(world, "agent_li"), world.zhang_case)
    reveal(signed_in(world, "manager_liu"), world.huang_case)
    compliance = signed_in(world, "compliance_zhou")
    page = compliance.get("/access/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "agent_li" in text
    assert "manager_liu" in text
    assert "330106198503071234" not in text
    only_li = compliance.get("/access/?username=agent_li").content.decode()
    assert "agent_li" in only_li
    assert "manager_liu" not in only_li
    api = compliance.get("/api/v1/access/log?customer=" + world.debtor_huang.external_id)
    assert api.status_code == 200
    body = api.json()
    assert body["count"] == 1
    assert (body["items"][0]["username"], body["items"][0]["kind"]) == ("manager_liu", "reveal")
    paged = compliance.get("/api/v1/access/log?page_size=1&page=2").json()
    assert (paged["count"], len(paged["items"])) == (2, 1)
    assert signed_in(world, "auditor_chen").get("/access/").status_code == 200
    for name in ("agent_li", "manager_wang", "admin"):
        assert signed_in(world, name).get("/access/").status_code == 403
        assert signed_in(world, name).get("/api/v1/access/log").status_code == 403


def test_the_log_page_lists_reveals_and_exports_newest_first(world: World) -> None:
    reveal(signed_in(world, "agent_li"), world.zhang_case)
    export_record(
        user=world.user("manager_wang"),
        category=Category.REPORTS,
        what="chart recovery",
        filters={"since": "2026-01-01"},
        rows=12,
        remote_addr="10.0.0.9",
        channel="web",
    )
    items = signed_in(world, "compliance_zhou").get("/api/v1/access/log").json()["items"]
    assert [(i["kind"], i["username"], i["rows"]) for i in items] == [
        ("export", "manager_wang", 12),
        ("reveal", "agent_li", 1),
    ]
    exports = signed_in(world, "compliance_zhou").get("/api/v1/access/log?kind=export").json()
    assert [i["what"] for i in exports["items"]] == ["chart recovery"]


def test_compliance_acknowledges_an_alert_once_with_a_note(world: World) -> None:
    log_reveals(world, "agent_zhao", settings.ACCESS_ALERT_CUSTOMERS)
    alert = alerts_check()[0]
    url = f"/api/v1/access/alerts/{alert.pk}/acknowledge"
    auditor = signed_in(world, "auditor_chen")
    assert auditor.post(url, {"note": "looked"}, content_type="application/json").status_code == 403
    compliance = signed_in(world, "compliance_zhou")
    short = compliance.post(url, {"note": " "}, content_type="application/json")
    assert (short.status_code, short.json()["error"]["code"]) == (400, "note_required")
    done = compliance.post(
        url, {"note": "Campaign day, confirmed with manager"}, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["acknowledged_by"] == "compliance_zhou"
    again = compliance.post(url, {"note": "again!"}, content_type="application/json")
    assert again.status_code == 409
    assert compliance.get("/api/v1/access/alerts?open=true").json()["count"] == 0
    assert compliance.get("/api/v1/access/alerts").json()["count"] == 1


def test_the_alerts_page_acknowledges_through_a_form(world: World) -> None:
    log_reveals(world, "agent_zhao", settings.ACCESS_ALERT_CUSTOMERS)
    alert = alerts_check()[0]
    compliance = signed_in(world, "compliance_zhou")
    assert "agent_zhao" in compliance.get("/access/").content.decode()
    response = compliance.post(
        f"/access/alerts/{alert.pk}/acknowledge/", {"note": "Known bulk call day"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.note) == (
        world.user("compliance_zhou"),
        "Known bulk call day",
    )
    assert "Known bulk call day" in compliance.get("/access/alerts/").content.decode()
    assert signed_in(world, "agent_li").get("/access/alerts/").status_code == 403


def test_downloading_the_regulator_report_is_an_export_in_the_log(world: World) -> None:
    response = signed_in(world, "compliance_zhou").get("/oversight/regulator/2026Q2.csv")
    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert (record.user, record.category, record.filters) == (
        world.user("compliance_zhou"),
        "reports",
        {"quarter": "2026Q2", "format": "csv"},
    )
