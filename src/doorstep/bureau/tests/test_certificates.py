"""Settlement certificates (结清证明): a PDF with the number, bank, debtor, masked ID,
accounts and date, its hashes ledgered."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from doorstep.bureau.models import Certificate
from doorstep.bureau.services import certificate_issue, certificates_issue_due
from doorstep.cases.services import case_transition
from doorstep.core.errors import ConflictError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def settle(world):  # type: ignore[no-untyped-def]
    return case_transition(
        case=world.zhang_case,
        target="closed_settled",
        actor=world.user("manager_wang"),
        reason="Settled for 1800.00 under the approved discount.",
    )


def test_a_settled_case_gets_a_pdf_certificate_that_reads_back_and_is_ledgered(world) -> None:
    case = settle(world)
    certificate = certificate_issue(case=case, actor=world.user("manager_wang"))
    data = bytes(certificate.pdf)
    assert data.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    account = case.accounts.get().external_id
    for expected in (
        certificate.number,
        "结清证明",
        "杜尔斯特普银行",
        "张伟",
        "330106********1234",
        account,
        certificate.settled_on.isoformat(),
        certificate.facts_hash,
    ):
        assert expected in text
    assert "330106198503071234" not in text
    assert certificate.number == "SC" + case.reference[1:]
    assert certificate.facts_hash == content_hash(certificate.facts)
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    entry = LedgerEntry.objects.get(kind="certificate.issued")
    assert certificate.facts_hash in entry.data
    assert certificate.pdf_sha256 in entry.data


def test_an_open_case_gets_no_certificate(world) -> None:
    with pytest.raises(ConflictError, match="closed settled or cured"):
        certificate_issue(case=world.zhang_case, actor=world.user("manager_wang"))
    assert Certificate.objects.count() == 0


def test_the_task_issues_each_settled_cases_certificate_once(world) -> None:
    case = settle(world)
    assert certificates_issue_due() == ["SC" + case.reference[1:]]
    assert certificates_issue_due() == []
    with pytest.raises(ConflictError, match="already issued"):
        certificate_issue(case=case, actor=None)


def test_the_certificate_and_the_bureau_file_are_encrypted_at_rest(world) -> None:
    from django.db import connection

    from doorstep.bureau.services import report_generate

    report = report_generate(month="2026-06", actor=None)
    certificate = certificate_issue(case=settle(world), actor=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM bureau_reportfile WHERE id = %s", [report.pk])
        [content] = cursor.fetchone()
        cursor.execute(
            "SELECT facts, pdf_base64 FROM bureau_certificate WHERE id = %s", [certificate.pk]
        )
        facts, pdf = cursor.fetchone()
    for raw in (content, facts, pdf):
        assert raw.startswith("e1:")
        assert "张伟" not in raw
    assert "330106198503071234" in report.content  # the bureau needs the full ID
