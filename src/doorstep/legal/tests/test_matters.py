"""Legal matters: the approved hand-off, filing and the end of proceedings restarting the
limitation, reminders, money and documents."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from decimal import Decimal
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from doorstep.cases.models import Case, CaseParticipant
from doorstep.compliance.engine.limitation import EventKind
from doorstep.compliance.selectors import case_limitation
from doorstep.core import crypto
from doorstep.core.errors import ConflictError
from doorstep.core.testing import make_staff
from doorstep.ledger.models import LedgerEntry
from doorstep.legal import selectors, services
from doorstep.legal.models import Document, Matter
from doorstep.legal.tests.conftest import hand_off
from doorstep.oversight.services import approval_decide
from doorstep.staff.models import Role

pytestmark = pytest.mark.django_db


def test_a_hand_off_changes_nothing_on_the_case_until_a_manager_approves(world) -> None:
    matter = services.matter_propose(
        case=world.zhang_case,
        kind="suit",
        claim_amount=Decimal("2000.00"),
        specialist=world.legal_qian,
        reason="No contact for 60 days.",
        actor=world.user("agent_li"),
    )
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"
    assert matter.status == "proposed"
    approval_decide(
        request=matter.approval, approver=world.user("manager_wang"), approve=True, reason="ok"
    )
    case = Case.objects.get(pk=world.zhang_case.pk)
    matter.refresh_from_db()
    assert (case.status, matter.status) == ("legal", "preparing")
    assert CaseParticipant.objects.filter(
        case=case, staff=world.legal_qian, capacity="legal"
    ).exists()


def test_a_rejected_hand_off_leaves_the_case_with_collections(world) -> None:
    matter = services.matter_propose(
        case=world.zhang_case,
        kind="payment_order",
        claim_amount=Decimal("2000.00"),
        specialist=world.legal_qian,
        reason="Try a payment order.",
        actor=world.user("agent_li"),
    )
    approval_decide(
        request=matter.approval,
        approver=world.user("manager_wang"),
        approve=False,
        reason="Give the new plan a month.",
    )
    matter.refresh_from_db()
    assert matter.status == "rejected"
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"


def test_a_pending_suit_stops_the_limitation_and_its_end_restarts_it(world, matter) -> None:
    services.matter_file(
        matter=matter,
        filed_on=date(2026, 7, 10),
        court="杭州市西湖区人民法院",
        court_reference="(2026)浙0106民初1234号",
        actor=world.user("legal_qian"),
    )
    case = Case.objects.get(pk=world.zhang_case.pk)
    [pending] = case_limitation(case, today=date(2026, 11, 25))
    assert pending.result is not None
    assert pending.result.expires is None
    assert pending.result.interrupted_by is not None
    assert pending.result.interrupted_by.kind is EventKind.SUIT

    services.matter_decide(
        matter=matter,
        ended_on=date(2026, 11, 20),
        judgment="Judgment for the bank in full.",
        judgment_amount=Decimal("2000.00"),
        actor=world.user("legal_qian"),
    )
    [restarted] = case_limitation(case, today=date(2026, 11, 25))
    assert restarted.result is not None
    assert restarted.result.interrupted_by is not None
    assert restarted.result.interrupted_by.ended == date(2026, 11, 20)
    assert restarted.result.expires == date(2029, 11, 20)
    assert LedgerEntry.objects.filter(kind="legal.decided").count() == 1


def test_the_proceedings_cannot_end_before_they_were_filed(world, matter) -> None:
    services.matter_file(
        matter=matter,
        filed_on=date(2026, 7, 10),
        court="西湖区人民法院",
        court_reference="",
        actor=world.user("legal_qian"),
    )
    with pytest.raises(Exception, match="It ends after it starts"):
        services.matter_decide(
            matter=matter,
            ended_on=date(2026, 7, 1),
            judgment="x",
            actor=world.user("legal_qian"),
        )
    matter.refresh_from_db()
    assert (matter.status, matter.ended_on) == ("filed", None)


def test_a_matter_cannot_be_filed_before_it_is_approved(world) -> None:
    matter = services.matter_propose(
        case=world.zhang_case,
        kind="suit",
        claim_amount=Decimal("1.00"),
        specialist=world.legal_qian,
        reason="r",
        actor=world.user("agent_li"),
    )
    with pytest.raises(ConflictError):
        services.matter_file(
            matter=matter,
            filed_on=date(2026, 7, 10),
            court="c",
            court_reference="",
            actor=world.user("legal_qian"),
        )
    assert Matter.objects.get(pk=matter.pk).status == "proposed"


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_a_deadline_reminds_the_specialist_once(
    world, matter, django_capture_on_commit_callbacks
) -> None:
    world.legal_qian.user.email = "qian@bank.example"
    world.legal_qian.user.save()
    services.deadline_add(
        matter=matter,
        due_on=date(2026, 12, 10),
        what="Reply to the defence",
        remind_days=7,
        actor=world.user("legal_qian"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_remind(today=date(2026, 12, 2)) == []  # 8 days before
        first = services.deadlines_remind(today=date(2026, 12, 3))
        again = services.deadlines_remind(today=date(2026, 12, 4))
    assert (len(first), again) == (1, [])
    assert [m.to for m in mail.outbox] == [["qian@bank.example"]]
    assert "Reply to the defence" in mail.outbox[0].subject


def test_costs_and_recoveries_add_up_per_matter(world, matter) -> None:
    actor = world.user("legal_qian")
    services.money_add(
        matter=matter,
        kind="cost",
        on=date(2026, 7, 10),
        amount=Decimal("125.00"),
        note="Court fee",
        actor=actor,
    )
    services.money_add(
        matter=matter,
        kind="cost",
        on=date(2026, 7, 11),
        amount=Decimal("800.00"),
        note="Counsel",
        actor=actor,
    )
    services.money_add(
        matter=matter,
        kind="recovery",
        on=date(2026, 11, 1),
        amount=Decimal("1500.50"),
        note="Enforced",
        actor=actor,
    )
    totals = selectors.matter_totals(matter)
    assert (totals.costs, totals.recoveries, totals.net) == (
        Decimal("925.00"),
        Decimal("1500.50"),
        Decimal("575.50"),
    )


def test_a_document_is_stored_encrypted_by_its_hash_and_a_changed_file_is_refused(
    world, matter, tmp_path, settings
) -> None:
    settings.DATA_DIR = tmp_path
    upload = SimpleUploadedFile("起诉状.pdf", b"%PDF-1.4 complaint", content_type="application/pdf")
    document = services.document_upload(
        matter=matter, upload=upload, title="Statement of claim", actor=world.user("legal_qian")
    )
    sha = hashlib.sha256(b"%PDF-1.4 complaint").hexdigest()
    assert (document.sha256, document.size) == (sha, 18)
    assert services.document_bytes(Document.objects.get(pk=document.pk)) == b"%PDF-1.4 complaint"
    entry = LedgerEntry.objects.filter(kind="legal.document").get()
    assert sha in entry.data
    assert not (tmp_path / "legal").exists()  # nothing in clear on disk
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM legal_document WHERE id = %s", [document.pk])
        stored = cursor.fetchone()[0]
    assert crypto.is_ciphertext(stored)
    assert base64.b64encode(b"%PDF-1.4 complaint").decode() not in stored
    Document.objects.filter(pk=document.pk).update(
        content=base64.b64encode(b"%PDF-1.4 altered").decode()
    )
    with pytest.raises(ConflictError, match="does not match"):
        services.document_bytes(Document.objects.get(pk=document.pk))


def test_upgrading_moves_plain_document_files_into_the_database_and_removes_them(
    world, matter, tmp_path, settings
) -> None:
    """A bank upgrading from plain files: each file that still matches its hash is copied,
    encrypted, and only then removed; a file that was altered stays, and is not taken in."""
    settings.DATA_DIR = tmp_path
    documents = []
    for name, data, on_disk in (
        ("a.pdf", b"%PDF-1.4 a", b"%PDF-1.4 a"),
        ("b.pdf", b"%PDF-1.4 b", b"%PDF-1.4 b, altered"),
    ):
        sha = hashlib.sha256(data).hexdigest()
        path = tmp_path / "legal" / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(on_disk)
        documents.append(
            Document.objects.create(
                matter=matter,
                name=name,
                title=name,
                sha256=sha,
                size=len(data),
                content_type="application/pdf",
                uploaded_by=world.user("legal_qian"),
                uploaded_at=timezone.now(),
            )
        )
    editor = SimpleNamespace(connection=connection)
    import_module("doorstep.legal.migrations.0002_encrypted_documents").copy_files(apps, editor)
    import_module("doorstep.legal.migrations.0003_plain_files_removed").remove_plain_files(
        apps, editor
    )
    kept, altered = (Document.objects.get(pk=d.pk) for d in documents)
    assert services.document_bytes(kept) == b"%PDF-1.4 a"
    assert not (tmp_path / "legal" / kept.sha256[:2]).exists()
    assert altered.content == ""
    assert (tmp_path / "legal" / altered.sha256[:2] / altered.sha256).exists()
    with pytest.raises(ConflictError, match="does not match"):
        services.document_bytes(altered)


def test_only_the_matters_own_specialist_or_counsel_sees_it(world, matter) -> None:
    other = make_staff("legal_zheng", Role.LEGAL_SPECIALIST)
    assert list(selectors.matters_visible(user=world.user("legal_qian"))) == [matter]
    assert list(selectors.matters_visible(user=other.user)) == []
    services.counsel_set(
        matter=matter,
        name="郑律师",
        firm="浙江某某律师事务所",
        outside=True,
        user_staff=other,
        actor=world.user("legal_qian"),
    )
    assert list(selectors.matters_visible(user=other.user)) == [matter]
    assert list(selectors.matters_visible(user=world.user("manager_liu"))) == []
    assert list(selectors.matters_visible(user=world.user("manager_wang"))) == [matter]


def test_a_case_already_with_legal_cannot_be_handed_off_again(world, matter) -> None:
    with pytest.raises(ConflictError, match="Only a case being worked"):
        hand_off(world)
    assert Matter.objects.filter(case=world.zhang_case).count() == 1


def test_the_reminder_task_runs_the_deadlines_and_the_guarantee_warnings(world, matter) -> None:
    from doorstep.legal.tasks import legal_reminders

    services.deadline_add(
        matter=matter,
        due_on=date(2026, 12, 10),
        what="Appeal window closes",
        remind_days=10,
        actor=world.user("legal_qian"),
    )
    assert legal_reminders.delay("2026-12-01").get() == {"deadlines": 1, "guarantees": 0}
    assert legal_reminders.delay("2026-12-01").get() == {"deadlines": 0, "guarantees": 0}


def test_a_suit_already_ended_cannot_end_again(world, matter) -> None:
    from doorstep.compliance.services import limitation_proceedings_end

    services.matter_file(
        matter=matter,
        filed_on=date(2026, 7, 10),
        court="c",
        court_reference="",
        actor=world.user("legal_qian"),
    )
    services.matter_decide(
        matter=matter,
        ended_on=date(2026, 8, 1),
        judgment="Withdrawn",
        actor=world.user("legal_qian"),
    )
    [event] = matter.limitation_events.all()
    with pytest.raises(Exception, match="Only a pending suit can end"):
        limitation_proceedings_end(
            event=event, ended_on=date(2026, 9, 1), actor=world.user("legal_qian")
        )
    event.refresh_from_db()
    assert event.ended_on == date(2026, 8, 1)
