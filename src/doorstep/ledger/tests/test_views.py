"""The auditor's ledger page, the entries browser, "verify now", and a case's ledger panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from doorstep.ledger.models import LedgerEntry
from doorstep.ledger.services import ledger_append, ledger_sign_checkpoint

pytestmark = pytest.mark.django_db


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def case_event(world: Any, case: Any, kind: str = "case.status_changed") -> None:
    with transaction.atomic():
        ledger_append(
            kind=kind,
            actor=world.user("manager_wang"),
            subject={"case": case.reference},
            record={"from": "active", "to": "promised"},
        )


@pytest.mark.parametrize("name", ["auditor_chen", "compliance_zhou", "admin"])
def test_the_ledger_page_shows_the_log_and_its_heads(world, client, fill, name, log_key) -> None:
    fill(4)
    ledger_sign_checkpoint()
    page = as_user(client, world, name).get("/ledger/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Verifiable ledger" in html
    assert log_key.public_key.hex() in html
    assert log_key.key_id.hex() in html
    assert 'href="/ledger/" aria-current="page"' in html


@pytest.mark.parametrize("name", ["manager_wang", "agent_li", "complaints_sun", "legal_qian"])
def test_other_roles_get_403_and_no_menu_entry(world, client, name) -> None:
    signed_in = as_user(client, world, name)
    assert signed_in.get("/ledger/").status_code == 403
    assert signed_in.get("/ledger/entries/").status_code == 403
    assert signed_in.post("/ledger/verify/").status_code == 403
    assert 'href="/ledger/"' not in signed_in.get("/cases/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/ledger/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_verify_now_shows_the_report(world, client, fill) -> None:
    fill(3)
    ledger_sign_checkpoint()
    auditor = as_user(client, world, "auditor_chen")
    report = auditor.post("/ledger/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "Verified" in report
    assert "every entry hashes to its stored leaf hash (entries: 3)" in report
    LedgerEntry.objects.filter(index=1).update(data="{}")
    report = auditor.post("/ledger/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "Not verified: tampered (exit code 1)" in report
    assert "entry 1: its data hashes to" in report
    page = auditor.post("/ledger/verify/").content.decode()
    assert "Signed tree heads" in page
    assert "Not verified" in page


def test_the_entries_browser_filters_by_kind_and_subject(world, client, fill) -> None:
    fill(3)
    case_event(world, world.zhang_case)
    auditor = as_user(client, world, "auditor_chen")
    everything = auditor.get("/ledger/entries/").content.decode()
    assert "4 entries" in everything
    by_kind = auditor.get("/ledger/entries/?kind=case.status_changed").content.decode()
    assert "1 entry" in by_kind
    assert f"case:{world.zhang_case.reference}" in by_kind
    by_subject = auditor.get("/ledger/entries/?subject=payment:2").content.decode()
    assert "1 entry" in by_subject
    bad = auditor.get("/ledger/entries/?subject=nonsense").content.decode()
    assert "Write the subject as name:id." in bad


def test_the_entries_browser_pages_through_a_long_log(world, client, fill) -> None:
    fill(30)
    auditor = as_user(client, world, "auditor_chen")
    first = auditor.get("/ledger/entries/").content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?page=2" rel="next"' in first
    second = auditor.get("/ledger/entries/?page=2").content.decode()
    assert 'href="?page=1" rel="prev"' in second
    assert 'rel="next"' not in second


def test_a_case_page_loads_its_ledger_panel(world, client) -> None:
    page = as_user(client, world, "agent_li").get(f"/cases/{world.zhang_case.pk}/")
    assert f'hx-get="/ledger/cases/{world.zhang_case.pk}/"' in page.content.decode()


def test_the_case_panel_shows_each_entry_with_its_proof(world, client) -> None:
    case_event(world, world.zhang_case)
    case_event(world, world.huang_case)
    ledger_sign_checkpoint()
    case_event(world, world.zhang_case, kind="payment.posted")
    panel = as_user(client, world, "agent_li").get(f"/ledger/cases/{world.zhang_case.pk}/")
    html = panel.content.decode()
    assert panel.status_code == 200
    assert html.count("<tr>") == 3  # the header and the two entries about this case
    assert "payment.posted" in html
    assert "case.status_changed" in html
    assert "proof-included" in html
    assert "in the checkpoint of 2 entries" in html
    assert "proof-pending" in html
    assert "not in a signed checkpoint yet" in html


def test_a_changed_entry_shows_as_failed_on_its_case(world, client) -> None:
    case_event(world, world.zhang_case)
    ledger_sign_checkpoint()
    LedgerEntry.objects.filter(index=0).update(data="{}")
    html = (
        as_user(client, world, "manager_wang")
        .get(f"/ledger/cases/{world.zhang_case.pk}/")
        .content.decode()
    )
    assert "proof-failed" in html
    assert "does not lead to the root" in html


def test_a_case_outside_the_readers_scope_has_no_panel(world, client) -> None:
    response = as_user(client, world, "agent_li").get(f"/ledger/cases/{world.huang_case.pk}/")
    assert response.status_code == 404
