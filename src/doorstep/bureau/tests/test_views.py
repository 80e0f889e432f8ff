"""The credit-reporting page, downloads and certificates through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doorstep.access.models import ExportRecord
from doorstep.bureau import layout
from doorstep.bureau.models import ReportFile
from doorstep.bureau.services import certificate_issue
from doorstep.cases.services import case_transition
from doorstep.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def test_compliance_generates_and_downloads_the_month_file(client, world) -> None:
    client.force_login(world.user("compliance_zhou"))
    assert client.post(reverse("bureau:generate"), {"month": "2026-06"}).status_code == 302
    report = ReportFile.objects.get()
    download = client.get(reverse("bureau:download", args=[report.pk]))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    parsed = layout.parse(download.content.decode("utf-8"))
    assert len(parsed.data) == 2
    assert LedgerEntry.objects.filter(kind="bureau.file_downloaded").count() == 1
    logged = ExportRecord.objects.get()  # the access log's export list, with where from
    assert (logged.category, logged.rows, logged.remote_addr) == ("statutory", 2, "127.0.0.1")
    api = client.get("/api/v1/bureau/files").json()
    assert [(f["month"], f["data_rows"]) for f in api] == [("2026-06", 2)]


def test_an_agent_cannot_reach_the_bureau_file(client, world) -> None:
    client.force_login(world.user("compliance_zhou"))
    client.post(reverse("bureau:generate"), {"month": "2026-06"})
    report = ReportFile.objects.get()
    client.force_login(world.user("agent_li"))
    assert client.get(reverse("bureau:index")).status_code == 403
    assert client.get(reverse("bureau:download", args=[report.pk])).status_code == 403
    assert client.post(reverse("bureau:generate"), {"month": "2026-07"}).status_code == 403
    assert ReportFile.objects.count() == 1


def test_the_certificate_pdf_is_served_to_those_who_see_the_case(client, world) -> None:
    case = case_transition(
        case=world.zhang_case,
        target="closed_settled",
        actor=world.user("manager_wang"),
        reason="Paid in full",
    )
    certificate = certificate_issue(case=case, actor=None)
    client.force_login(world.user("manager_wang"))
    pdf = client.get(reverse("bureau:certificate", args=[certificate.pk]))
    assert (pdf["Content-Type"], pdf.content[:5]) == ("application/pdf", b"%PDF-")
    panel = client.get(reverse("legal:case_panel", args=[case.pk])).content.decode()
    assert certificate.number in panel
    client.force_login(world.user("manager_liu"))
    assert client.get(reverse("bureau:certificate", args=[certificate.pk])).status_code == 404
