"""Writes of privacy records: one function, one transaction, its ledger entry written with it.

- ``notice_publish``: a new version of the privacy notice (both languages).
- ``notice_shown_record``: which version a debtor was shown, when, how.
- ``consent_give`` / ``consent_withdraw``: a consent event with its time, channel and evidence.
  A withdrawal stops what relied on the consent from its time on: the compliance gate's
  CN-PI-05 blocks contacts that rely on it, ``selectors.consent_in_force`` answers False to
  any other processing (a debt sale).

Retention runs are in ``retention``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.compliance.proposals import checked_moment
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.portfolio.models import Customer
from doorstep.privacy.catalogue import CONSENT_PURPOSES
from doorstep.privacy.models import (
    CHANNEL_CHOICES,
    LANGUAGE_CHOICES,
    ConsentEvent,
    Notice,
    NoticeShown,
)
from doorstep.privacy.selectors import (
    CONSENT_RECORDERS,
    NOTICE_PUBLISHERS,
    consent_in_force,
    may,
    notice_in_force,
)
from doorstep.staff.models import Role

TEXT_MAX = 20_000
EVIDENCE_MAX = 200
FUTURE_SLACK = timedelta(minutes=10)


class PrivacyDenied(DomainError):
    status = 403


def _require(user: Any, roles: frozenset[Role], message: str) -> None:
    if user is not None and not may(user, roles):
        raise PrivacyDenied("forbidden", message)


def _choice(value: str, choices: list[tuple[str, Any]], field: str) -> str:
    allowed = [code for code, _label in choices]
    if value not in allowed:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(allowed)},
            field=field,
        )
    return value


def _aware(moment: datetime, field: str) -> datetime:
    checked_moment(moment, field=field)  # an offset, and a year any database can store
    if moment > timezone.now() + FUTURE_SLACK:
        raise DomainError("in_future", _("This cannot be in the future."), field=field)
    return moment


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": limit}, field=field
        )
    return text


@transaction.atomic
def notice_publish(
    *, text_zh: str, text_en: str, actor: Any, effective_from: datetime | None = None
) -> Notice:
    """Publish the next version of the privacy notice; earlier versions stay as they were."""
    _require(actor, NOTICE_PUBLISHERS, _("Only compliance officers publish privacy notices."))
    now = timezone.now()
    zh = _text(text_zh, "text_zh", TEXT_MAX)
    en = _text(text_en, "text_en", TEXT_MAX)
    effective = checked_moment(effective_from or now, field="effective_from")
    latest = Notice.objects.select_for_update().order_by("-version").first()
    notice = Notice.objects.create(
        version=(latest.version + 1) if latest else 1,
        text_zh=zh,
        text_en=en,
        effective_from=effective,
        published_by=actor,
        published_at=now,
        text_hash=content_hash({"zh": zh, "en": en}),
    )
    ledger_append(
        kind="privacy.notice_published",
        actor=actor,
        subject={"notice": notice.version},
        record={"effective_from": effective, "text_hash": notice.text_hash},
    )
    return notice


@transaction.atomic
def notice_shown_record(
    *,
    customer: Customer,
    channel: str,
    actor: Any,
    language: str = "zh-hans",
    notice: Notice | None = None,
    at: datetime | None = None,
    evidence: str = "",
) -> NoticeShown:
    """Record that ``customer`` was shown ``notice`` (the version in force at ``at`` unless
    named) in ``language`` through ``channel``."""
    _require(actor, CONSENT_RECORDERS, _("Only compliance staff record privacy notices."))
    moment = _aware(at or timezone.now(), "at")
    notice = notice or notice_in_force(moment)
    if notice is None:
        raise DomainError("no_notice", _("No privacy notice is published yet."), field="notice")
    shown = NoticeShown.objects.create(
        customer=customer,
        notice=notice,
        language=_choice(language, LANGUAGE_CHOICES, "language"),
        channel=_choice(channel, CHANNEL_CHOICES, "channel"),
        at=moment,
        evidence=evidence.strip()[:EVIDENCE_MAX],
        recorded_by=actor,
    )
    ledger_append(
        kind="privacy.notice_shown",
        actor=actor,
        subject={"customer": customer.pk, "notice": notice.version},
        record={"language": shown.language, "channel": shown.channel, "at": moment},
    )
    return shown


def _consent_event(
    *,
    customer: Customer,
    purpose: str,
    action: str,
    channel: str,
    evidence: str,
    actor: Any,
    at: datetime | None,
    notice: Notice | None,
) -> ConsentEvent:
    _require(actor, CONSENT_RECORDERS, _("Only compliance staff record consents."))
    if purpose not in CONSENT_PURPOSES:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” does not rest on consent; one of: %(choices)s.")
            % {"value": purpose, "choices": ", ".join(CONSENT_PURPOSES)},
            field="purpose",
        )
    moment = _aware(at or timezone.now(), "at")
    # Lock the customer's row: two recorders of the same consent queue here.
    Customer.objects.select_for_update().filter(pk=customer.pk).exists()
    in_force = consent_in_force(customer.pk, purpose, moment)
    if action == ConsentEvent.Action.WITHDRAWN and not in_force:
        raise ConflictError("not_in_force", _("There is no consent in force to withdraw."))
    if action == ConsentEvent.Action.GIVEN and in_force:
        raise ConflictError("already_given", _("This consent is already in force."))
    event = ConsentEvent.objects.create(
        customer=customer,
        purpose=purpose,
        action=action,
        at=moment,
        channel=_choice(channel, CHANNEL_CHOICES, "channel"),
        evidence=_text(evidence, "evidence", EVIDENCE_MAX),
        notice=notice,
        recorded_by=actor,
    )
    ledger_append(
        kind=f"privacy.consent_{action}",
        actor=actor,
        subject={"customer": customer.pk, "consent": event.pk},
        record={
            "purpose": purpose,
            "at": moment,
            "channel": event.channel,
            "evidence_hash": content_hash(event.evidence),
            "notice": notice.version if notice else None,
        },
    )
    return event


@transaction.atomic
def consent_give(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    evidence: str,
    actor: Any,
    at: datetime | None = None,
    notice: Notice | None = None,
) -> ConsentEvent:
    """The debtor gave their separate consent for ``purpose`` after ``notice`` (by default the
    version in force then; none when no notice was published yet, which the customer's page
    shows as a consent without a notice on file)."""
    moment = _aware(at or timezone.now(), "at")
    return _consent_event(
        customer=customer,
        purpose=purpose,
        action=ConsentEvent.Action.GIVEN,
        channel=channel,
        evidence=evidence,
        actor=actor,
        at=moment,
        notice=notice or notice_in_force(moment),
    )


@transaction.atomic
def consent_withdraw(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    evidence: str,
    actor: Any,
    at: datetime | None = None,
) -> ConsentEvent:
    """The debtor withdrew their consent for ``purpose``: from ``at`` on, what relied on it
    stops (collection itself, resting on the contract, goes on — CN-PI-05)."""
    return _consent_event(
        customer=customer,
        purpose=purpose,
        action=ConsentEvent.Action.WITHDRAWN,
        channel=channel,
        evidence=evidence,
        actor=actor,
        at=at,
        notice=None,
    )
