"""E-mail complaints: parsing, and `doorstep complaints import-mail` from a mailbox file,
safe to run twice."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doorstep.oversight.complaints.mail import parse
from doorstep.oversight.complaints.services import complaint_link
from doorstep.oversight.models import Complaint


def message(
    sender: str = "张伟 <zhang@example.com>",
    message_id: str = "<m1@example.com>",
    body: str = "你们的人晚上十一点还打电话。",
    date: str = "Tue, 30 Jun 2026 09:15:00 +0800",
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "complaints@bank.example"
    mail["Subject"] = "投诉催收电话"
    mail["Message-ID"] = message_id
    mail["Date"] = date
    mail.set_content(body)
    return mail


def test_a_message_is_parsed_into_sender_text_and_time() -> None:
    parsed = parse(bytes(message()))
    assert (parsed.name, parsed.email, parsed.message_id) == (
        "张伟",
        "zhang@example.com",
        "<m1@example.com>",
    )
    assert parsed.body.startswith("投诉催收电话\n\n你们的人晚上十一点")
    assert parsed.sent_at is not None
    assert parsed.sent_at.isoformat() == "2026-06-30T09:15:00+08:00"


def test_an_html_only_message_keeps_its_text() -> None:
    mail = message()
    mail.set_content("<p>上门<b>威胁</b></p>", subtype="html")
    assert parse(bytes(mail)).body.endswith("上门 威胁")


@pytest.mark.django_db
def test_import_mail_takes_in_a_mailbox_once(world, tmp_path: Path) -> None:
    path = tmp_path / "complaints.mbox"
    box = mailbox.mbox(path)
    box.add(message())
    box.add(message(sender="<anon@example.com>", message_id="<m2@example.com>"))
    box.add(message(sender="nobody", message_id="<m3@example.com>"))
    box.close()
    out = StringIO()
    call_command(
        "complaints", "import-mail", "--mbox", str(path), "--as", "complaints_sun", stdout=out
    )
    assert "Imported 2, already imported 0, refused 1." in out.getvalue()
    first = Complaint.objects.get(message_id="<m1@example.com>")
    assert (first.channel, first.category, first.complainant_email) == (
        "email",
        "other",
        "zhang@example.com",
    )
    assert first.received_at.isoformat() == "2026-06-30T01:15:00+00:00"
    assert Complaint.objects.get(message_id="<m2@example.com>").complainant_name == "anon"
    again = StringIO()
    call_command(
        "complaints", "import-mail", "--mbox", str(path), "--as", "complaints_sun", stdout=again
    )
    assert "Imported 0, already imported 2, refused 1." in again.getvalue()


@pytest.mark.django_db
def test_linking_corrects_the_category_and_its_clock(world, tmp_path: Path) -> None:
    path = tmp_path / "one.mbox"
    box = mailbox.mbox(path)
    box.add(message())
    box.close()
    call_command(
        "complaints",
        "import-mail",
        "--mbox",
        str(path),
        "--as",
        "complaints_sun",
        stdout=StringIO(),
    )
    complaint = Complaint.objects.get()
    before = complaint.decision_due_at
    complaint = complaint_link(
        complaint=complaint, actor=world.user("complaints_sun"), category="violence_threat"
    )
    assert complaint.category == "violence_threat"
    assert (before - complaint.decision_due_at).days == 8


@pytest.mark.django_db
def test_import_mail_needs_a_staff_user_who_may_take_in(world, tmp_path: Path) -> None:
    path = tmp_path / "empty.mbox"
    mailbox.mbox(path).close()
    with pytest.raises(CommandError):
        call_command("complaints", "import-mail", "--mbox", str(path), "--as", "auditor_chen")
    with pytest.raises(CommandError):
        call_command(
            "complaints", "import-mail", "--mbox", str(tmp_path / "none"), "--as", "complaints_sun"
        )
