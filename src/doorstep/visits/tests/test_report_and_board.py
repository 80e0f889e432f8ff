"""After the visit: the report a manager signs off, the printable briefing, and the
supervisor's board with safety alerts and overdue check-ins."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from doorstep.core.errors import ConflictError
from doorstep.ledger.selectors import entry_list
from doorstep.visits.models import FieldRecord
from doorstep.visits.selectors import visit_board
from doorstep.visits.services import visit_check_in, visit_complete, visit_report_sign_off
from doorstep.visits.tests.conftest import VISIT_DAY, at

DOOR = (Decimal("30.277100"), Decimal("120.130100"))


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def completed(world, scheduled):  # type: ignore[no-untyped-def]
    visit = scheduled()
    visit_check_in(
        visit=visit, actor=world.user("agent_li"), at=at(10), latitude=DOOR[0], longitude=DOOR[1]
    )
    return visit_complete(
        visit=visit, actor=world.user("agent_li"), at=at(10, 30), outcome="met_debtor"
    )


def test_a_manager_signs_the_report_off_once_and_it_is_ledgered(world, completed) -> None:  # type: ignore[no-untyped-def]
    visit = visit_report_sign_off(visit=completed, actor=world.user("manager_wang"))
    assert visit.status == "reported"
    assert visit.report_signed_by == world.user("manager_wang")
    last = entry_list(subject=("visit", str(visit.pk))).last()
    assert '"report_hash"' in last.data
    with pytest.raises(ConflictError):
        visit_report_sign_off(visit=visit, actor=world.user("manager_wang"))


def test_an_agent_cannot_sign_off_their_own_report(client: Client, world, completed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("agent_li"))
    response = client.post(f"/api/v1/visits/{completed.pk}/report/sign-off")
    assert response.status_code == 403
    completed.refresh_from_db()
    assert completed.status == "completed"


def test_the_report_page_shows_the_ledger_proof_and_signs_off(
    client: Client, world, completed
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_wang"))
    page = client.get(f"/field/visits/{completed.pk}/report/")
    assert page.status_code == 200
    assert 'id="ledger-proof"' in page.text
    assert 'id="sign-off"' in page.text
    signed = client.post(f"/field/visits/{completed.pk}/report/", follow=True)
    assert "Report signed off." in signed.text
    completed.refresh_from_db()
    assert completed.status == "reported"


def test_the_printable_briefing_carries_the_outline_and_the_emergency_number(
    client: Client, world, completed
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("agent_li"))
    page = client.get(f"/field/visits/{completed.pk}/briefing/")
    assert page.status_code == 200
    assert "Introduce yourself and the bank" in page.text
    assert "<strong>110</strong>" in page.text
    assert "张伟" not in page.text


def test_another_branchs_manager_gets_404_for_the_report(client: Client, world, completed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_liu"))
    assert client.get(f"/field/visits/{completed.pk}/report/").status_code == 404
    assert client.get(f"/field/visits/{completed.pk}/report.pdf").status_code == 404


def test_the_report_downloads_as_a_pdf_with_its_ledger_proof(
    client: Client, world, completed
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("manager_wang"))
    answer = client.get(f"/field/visits/{completed.pk}/report.pdf")
    assert answer["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(answer.content)).pages)
    assert "Visit report" in text
    assert completed.case.reference in text
    first = entry_list(subject=("visit", str(completed.pk))).first()
    assert bytes(first.leaf_hash).hex()[:40] in text.replace("\n", "")


def test_the_board_shows_safety_alerts_and_overdue_teams(world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    visit_check_in(
        visit=visit, actor=world.user("agent_li"), at=at(10), latitude=DOOR[0], longitude=DOOR[1]
    )
    FieldRecord.objects.create(
        client_uuid="7d1f0a0e-52a5-4c8e-9d1e-0f1f2f3f4f5f",
        visit=visit,
        kind="safety",
        sequence=2,
        captured_at=at(10, 20),
        payload={},
        state="accepted",
        agent=world.agent_li,
        received_at=timezone.now(),
    )
    soon = visit_board(user=world.user("manager_wang"), day=VISIT_DAY, now=at(10, 40))
    late = visit_board(
        user=world.user("manager_wang"), day=VISIT_DAY, now=at(10) + timedelta(minutes=46)
    )
    assert [(row.safety_alerts, row.overdue) for row in soon] == [(1, False)]
    assert [(row.safety_alerts, row.overdue) for row in late] == [(1, True)]
    assert visit_board(user=world.user("manager_liu"), day=VISIT_DAY, now=at(11)) == []


def test_an_unreachable_debtor_gets_a_tracing_list_from_the_banks_own_records(
    world, scheduled
) -> None:  # type: ignore[no-untyped-def]
    from doorstep.core.testing import make_account, make_customer
    from doorstep.portfolio.models import Guarantor
    from doorstep.visits.selectors import visit_tracing

    make_account(world.debtor_zhang, world.xh, product="personal_loan", external_id="AC7777")
    guarantor = make_customer("李娜", national_id="330106199001011111", phone="13600000000")
    Guarantor.objects.create(account=world.zhang_case.accounts.get(), guarantor=guarantor)
    visit = scheduled()
    assert visit_tracing(visit)["unreachable"] is False
    visit_check_in(
        visit=visit, actor=world.user("agent_li"), at=at(10), latitude=DOOR[0], longitude=DOOR[1]
    )
    visit_complete(visit=visit, actor=world.user("agent_li"), at=at(10, 10), outcome="moved")
    tracing = visit_tracing(scheduled())
    assert tracing["unreachable"] is True
    assert [task["code"] for task in tracing["tasks"]] == [
        "other_account",
        "verify_phone",
        "guarantor",
        "never_third_parties",
    ]
    texts = " ".join(task["text"] for task in tracing["tasks"])
    assert "…7777 (Personal loan)" in texts
    assert "139****5678" in texts
    assert "李*" in texts
    assert "13912345678" not in texts
