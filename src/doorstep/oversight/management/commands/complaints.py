"""`doorstep complaints escalate` (the SLA timer) and `doorstep complaints import-mail`
(e-mail complaints from a mailbox file or an IMAP inbox)."""

from __future__ import annotations

import imaplib
import mailbox
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.core.errors import DomainError
from doorstep.oversight.complaints.services import complaints_escalate, complaints_import_mail

IMAP_LOGIN_ENV = "DOORSTEP_IMAP_PASSWORD"


def _mbox(path: Path) -> Iterator[bytes]:
    if not path.is_file():
        raise CommandError(f"{path}: no such mailbox file")
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _imap(host: str, user: str, folder: str) -> Iterator[bytes]:
    """Unseen messages of ``folder`` over IMAPS; fetching marks them seen, and a message seen
    twice is skipped by its Message-ID anyway."""
    password = os.environ.get(IMAP_LOGIN_ENV)
    if not password:
        raise CommandError(f"set {IMAP_LOGIN_ENV} to the mailbox password")
    with imaplib.IMAP4_SSL(host) as client:
        client.login(user, password)
        client.select(folder)
        _status, found = client.search(None, "UNSEEN")
        for number in found[0].split():
            _status, data = client.fetch(number.decode(), "(RFC822)")
            for part in data:
                if isinstance(part, tuple):
                    yield bytes(part[1])


class Command(BaseCommand):
    help = "Complaint maintenance: `escalate`, `import-mail`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("escalate", help="Escalate complaints past a deadline, once per clock.")
        mail = sub.add_parser("import-mail", help="Take in e-mail complaints.")
        source = mail.add_mutually_exclusive_group(required=True)
        source.add_argument("--mbox", type=Path, help="A mailbox file (mbox).")
        source.add_argument("--imap", metavar="HOST", help=f"An IMAPS host ({IMAP_LOGIN_ENV}).")
        mail.add_argument("--imap-user", default="")
        mail.add_argument("--folder", default="INBOX")
        mail.add_argument("--as", dest="username", required=True, help="The staff user importing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "escalate":
            escalated = complaints_escalate()
            listed = ", ".join(escalated) or "none"
            self.stdout.write(f"Escalated {len(escalated)} complaint(s): {listed}")
            return
        actor = get_user_model().objects.filter(username=options["username"]).first()
        if actor is None:
            raise CommandError(f"no user {options['username']!r}")
        if options["mbox"] is not None:
            messages = _mbox(options["mbox"])
        else:
            messages = _imap(options["imap"], options["imap_user"], options["folder"])
        try:
            report = complaints_import_mail(messages=messages, actor=actor)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"Imported {len(report.created)}, already imported {len(report.duplicates)}, "
            f"refused {len(report.refused)}."
        )
        for reference in report.created:
            self.stdout.write(f"  + {reference}")
        for label, reason in report.refused:
            self.stdout.write(f"  ! {label}: {reason}")
