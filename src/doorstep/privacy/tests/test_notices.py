"""Notice versions: each debtor's shown version recorded with when and the channel, and the
version a consent was given after."""

from __future__ import annotations

import pytest

from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.privacy.models import NoticeShown
from doorstep.privacy.services import consent_give, notice_publish, notice_shown_record

from .conftest import at


def publish(world, when):  # type: ignore[no-untyped-def]
    return notice_publish(
        text_zh="我行为催收目的处理您的个人信息……",
        text_en="We process your personal information to collect the debt…",
        actor=world.user("compliance_zhou"),
        effective_from=when,
    )


def test_the_version_in_force_at_the_time_is_recorded_with_channel_and_language(world) -> None:
    first = publish(world, at(2026, 1, 1))
    second = publish(world, at(2026, 4, 1))

    early = notice_shown_record(
        customer=world.debtor_zhang,
        channel="letter",
        actor=world.user("compliance_zhou"),
        at=at(2026, 3, 10),
    )
    late = notice_shown_record(
        customer=world.debtor_zhang,
        channel="visit",
        language="en",
        actor=world.user("complaints_sun"),
        at=at(2026, 5, 10),
        evidence="visit report V-17",
    )

    assert (first.version, second.version) == (1, 2)
    rows = list(
        NoticeShown.objects.order_by("at").values_list(
            "notice__version", "channel", "language", "at", "evidence"
        )
    )
    assert rows == [
        (1, "letter", "zh-hans", early.at, ""),
        (2, "visit", "en", late.at, "visit report V-17"),
    ]
    assert LedgerEntry.objects.filter(kind="privacy.notice_shown").count() == 2


def test_a_consent_records_the_notice_version_it_was_given_after(world) -> None:
    publish(world, at(2026, 1, 1))

    event = consent_give(
        customer=world.debtor_zhang,
        purpose="transfer_to_buyer",
        channel="branch",
        evidence="form F-9",
        actor=world.user("compliance_zhou"),
        at=at(2026, 2, 1),
    )

    assert event.notice is not None
    assert event.notice.version == 1


def test_nothing_can_be_shown_before_a_notice_is_published(world) -> None:
    with pytest.raises(DomainError) as refused:
        notice_shown_record(
            customer=world.debtor_zhang, channel="sms", actor=world.user("compliance_zhou")
        )
    assert refused.value.code == "no_notice"


def test_only_compliance_officers_publish(world) -> None:
    with pytest.raises(DomainError) as refused:
        notice_publish(text_zh="文", text_en="text", actor=world.user("complaints_sun"))
    assert refused.value.status == 403
