"""Complaints that arrive by e-mail: parse a message into what intake needs. Pure (no Django):
standard-library ``email`` only, so a mailbox file and an IMAP fetch share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

BODY_MAX = 4000


@dataclass(frozen=True)
class MailComplaint:
    message_id: str
    name: str
    email: str
    subject: str
    body: str
    sent_at: datetime | None


def parse(raw: bytes) -> MailComplaint:
    """The sender, subject, plain-text body and date of one RFC 5322 message."""
    # The default policy makes the parser build EmailMessage objects (with get_body).
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = parseaddr(str(message.get("From", "")))
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        body = _strip_tags(body)
    try:
        sent = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    if sent is not None and sent.tzinfo is None:
        sent = None  # a date without a zone cannot be placed; receipt time is used instead
    subject = str(message.get("Subject", "")).strip()
    text = "\n\n".join(item for item in (subject, body.strip()) if item)
    return MailComplaint(
        message_id=str(message.get("Message-ID", "")).strip()[:255],
        name=(name or address.partition("@")[0]).strip()[:100],
        email=address.strip(),
        subject=subject,
        body=text[:BODY_MAX],
        sent_at=sent,
    )


def _strip_tags(html: str) -> str:
    from html.parser import HTMLParser

    chunks: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            chunks.append(data)

    Text().feed(html)
    return " ".join(" ".join(chunks).split())
