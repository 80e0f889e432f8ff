"""Templates (screened, versioned, approved through oversight) and campaigns sent through the
gate with exact counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from doorstep.compliance.models import ChannelOptOut, ContactEvent, Hold, LimitationEvent
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_decide
from doorstep.portfolio.models import Phone
from doorstep.remote import services
from doorstep.remote.channels import FakeGateway
from doorstep.remote.models import CampaignMessage, MessageTemplate, TemplateVersion
from doorstep.remote.tests.conftest import at
from doorstep.remote.tests.factories import late_cases

pytestmark = pytest.mark.django_db

SEND_DAY = date(2026, 12, 1)  # a Tuesday after the tests' real today
POLITE = (
    "{debtor_name}您好，您的账户 {reference} 逾期金额 {past_due} 元，"
    "请尽快还款。客服 {bank_contact}。"
)


@pytest.fixture
def sms(world) -> MessageTemplate:  # type: ignore[no-untyped-def]
    return services.template_create(
        code="m2-reminder", name="M2 reminder", channel="sms", actor=world.user("manager_wang")
    )


def approved(world, template: MessageTemplate, body: str = POLITE) -> TemplateVersion:  # type: ignore[no-untyped-def]
    version = services.template_version_propose(
        template=template, body=body, actor=world.user("manager_wang"), reason="Monthly."
    )
    approval_decide(
        request=version.approval,
        approver=world.user("compliance_zhou"),
        approve=True,
        reason="Checked.",
    )
    version.refresh_from_db()
    return version


@pytest.mark.parametrize(
    ("body", "rule", "word"),
    [
        ("{debtor_name}，你这个老赖，再不还钱后果自负。", "CN-CON-01", "老赖"),
        ("{debtor_name}，不还款我们将起诉你。", "CN-LIM-05", "起诉"),
    ],
)
def test_a_template_with_prohibited_wording_cannot_be_proposed(  # type: ignore[no-untyped-def]
    world, sms, body, rule, word
) -> None:
    with pytest.raises(DomainError) as refused:
        services.template_version_propose(
            template=sms, body=body, actor=world.user("manager_wang"), reason="Try."
        )
    assert (refused.value.code, refused.value.field) == ("prohibited_content", "body")
    assert rule in refused.value.message
    assert word in refused.value.message
    assert TemplateVersion.objects.count() == 0
    assert ApprovalRequest.objects.count() == 0


def test_a_letter_must_carry_every_required_field(world) -> None:
    letter = services.template_create(
        code="letter", name="Demand letter", channel="letter", actor=world.user("manager_wang")
    )
    with pytest.raises(DomainError) as refused:
        services.template_version_propose(
            template=letter,
            body="{debtor_name}：您尚欠 {balance} 元。",
            actor=world.user("manager_wang"),
            reason="Letters.",
        )
    assert "CN-LET-01" in refused.value.message
    assert "seal" in refused.value.message
    full = "".join(
        f"{{{name}}}\n"
        for name in (
            "debtor_name",
            "balance",
            "reason",
            "legal_basis",
            "debtor_rights",
            "dispute_channel",
            "bank_contact",
            "seal",
        )
    )
    assert (
        services.template_version_propose(
            template=letter, body=full, actor=world.user("manager_wang"), reason="Letters."
        ).status
        == "pending"
    )


def test_an_unknown_variable_is_refused(world, sms) -> None:
    with pytest.raises(DomainError) as refused:
        services.template_version_propose(
            template=sms, body="{national_id}", actor=world.user("manager_wang"), reason="x"
        )
    assert (refused.value.code, refused.value.field) == ("invalid_variable", "body")


def test_a_version_is_used_only_once_a_compliance_officer_approves_it(world, sms) -> None:
    version = services.template_version_propose(
        template=sms, body=POLITE, actor=world.user("manager_wang"), reason="Monthly."
    )
    assert version.status == "pending"
    with pytest.raises(DomainError):
        services.campaign_create(
            actor=world.user("manager_wang"),
            name="early",
            version=version,
            scheduled_at=at(SEND_DAY, 10),
        )
    with pytest.raises(DomainError):  # the maker never approves their own
        approval_decide(
            request=version.approval,
            approver=world.user("manager_wang"),
            approve=True,
            reason="Checked.",
        )
    approval_decide(
        request=version.approval,
        approver=world.user("compliance_zhou"),
        approve=True,
        reason="Checked.",
    )
    version.refresh_from_db()
    assert version.status == "approved"
    second = services.template_version_propose(
        template=sms, body=POLITE + "谢谢。", actor=world.user("manager_wang"), reason="Polite."
    )
    assert second.number == 2
    assert LedgerEntry.objects.filter(kind="template.approved").count() == 1


def test_a_campaign_counts_sent_blocked_by_rule_and_failed_and_interrupts_limitation(
    world, sms
) -> None:
    version = approved(world, sms)
    cases = late_cases(world.xh, 6)
    since = at(SEND_DAY, 0)
    Hold.objects.create(
        customer=cases[0].customer, kind="cease_contact", starts_at=since, reason="Asked."
    )
    Hold.objects.create(customer=cases[1].customer, kind="dispute", starts_at=since, reason="Fee.")
    Phone.objects.filter(customer=cases[2].customer).update(number="13900009999")  # refused
    Phone.objects.filter(customer=cases[3].customer).update(verification="wrong_number")
    campaign = services.campaign_create(
        actor=world.user("manager_wang"),
        name="M2 June",
        version=version,
        buckets=["M2"],
        scheduled_at=at(SEND_DAY, 10),
    )
    campaign = services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10))
    assert (campaign.targeted, campaign.sent, campaign.blocked, campaign.failed) == (6, 2, 2, 2)
    assert campaign.blocked_by_rule == {"CN-DISP-01": 1, "CN-HOLD-01": 1}
    errors = sorted(CampaignMessage.objects.filter(status="failed").values_list("error", flat=True))
    assert errors == ["no_address", "refused_by_gateway"]
    delivered = CampaignMessage.objects.filter(status="delivered")
    assert {m.case_id for m in delivered} == {cases[4].pk, cases[5].pk}
    events = LimitationEvent.objects.filter(kind="demand_delivered")
    assert {e.account.cases.get().pk for e in events} == {cases[4].pk, cases[5].pk}
    assert {e.on for e in events} == {SEND_DAY}
    assert ContactEvent.objects.filter(channel="sms", outcome="delivered").count() == 2
    # Running it again sends nothing more.
    assert services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10)).sent == 2
    assert CampaignMessage.objects.count() == 6


def test_a_late_delivery_receipt_is_recorded(world, sms, settings) -> None:
    settings.REMOTE_GATEWAY = "doorstep.remote.tests.test_campaigns.AcceptingGateway"
    version = approved(world, sms)
    late_cases(world.xh, 1)
    campaign = services.campaign_create(
        actor=world.user("manager_wang"),
        name="receipts",
        version=version,
        buckets=["M2"],
        scheduled_at=at(SEND_DAY, 10),
    )
    services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10))
    message = CampaignMessage.objects.get()
    assert message.status == "sent"
    services.message_receipt(gateway_ref=message.gateway_ref, delivered=True, at=at(SEND_DAY, 11))
    message.refresh_from_db()
    assert message.status == "delivered"
    assert LimitationEvent.objects.filter(kind="demand_delivered").count() == 1
    with pytest.raises(DomainError) as twice:
        services.message_receipt(
            gateway_ref=message.gateway_ref, delivered=True, at=at(SEND_DAY, 11)
        )
    assert twice.value.status == 409


class AcceptingGateway(FakeGateway):
    """A gateway that accepts now and reports delivery later."""

    DELIVERS_AT_ONCE = False


@pytest.mark.slow
def test_a_campaign_over_ten_thousand_cases_reports_exact_counts(world, sms, settings) -> None:
    # Receipts come later, as from a real gateway: this test is about the counts at sending.
    settings.REMOTE_GATEWAY = "doorstep.remote.tests.test_campaigns.AcceptingGateway"
    version = approved(world, sms)
    cases = late_cases(world.xh, 10_000, phone="138{:04d}0001")
    since = at(SEND_DAY, 0)
    # 600 cease-contact holds, 300 disputes (50 of them on held customers too), 150 opt-outs
    # of SMS (which the cn profile does not block: bank policy keeps SMS), 100 refused
    # numbers, 40 customers without a usable number.
    Hold.objects.bulk_create(
        Hold(customer_id=c.customer_id, kind="cease_contact", starts_at=since, reason="r")
        for c in cases[:600]
    )
    Hold.objects.bulk_create(
        Hold(customer_id=c.customer_id, kind="dispute", starts_at=since, reason="r")
        for c in cases[550:850]
    )
    ChannelOptOut.objects.bulk_create(
        ChannelOptOut(customer_id=c.customer_id, channel="sms", at=since) for c in cases[850:1000]
    )
    Phone.objects.filter(customer_id__in=[c.customer_id for c in cases[1000:1100]]).update(
        number="13800009999"
    )
    Phone.objects.filter(customer_id__in=[c.customer_id for c in cases[1100:1140]]).update(
        verification="disconnected"
    )
    campaign = services.campaign_create(
        actor=world.user("manager_wang"),
        name="everyone",
        version=version,
        buckets=["M2"],
        scheduled_at=at(SEND_DAY, 10),
    )
    campaign = services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10))
    blocked = 850
    failed = 100 + 40
    assert campaign.targeted == 10_000
    assert (campaign.blocked, campaign.failed) == (blocked, failed)
    assert campaign.sent == 10_000 - blocked - failed
    assert campaign.blocked_by_rule == {"CN-HOLD-01": 600, "CN-DISP-01": 300}
    assert CampaignMessage.objects.filter(campaign=campaign).count() == 10_000
    assert CampaignMessage.objects.filter(status="sent").count() == campaign.sent


def test_a_campaign_is_scheduled_by_a_manager_of_its_branch_only(world, sms) -> None:
    version = approved(world, sms)
    with pytest.raises(DomainError) as refused:
        services.campaign_create(
            actor=world.user("manager_liu"),
            name="other",
            version=version,
            branch=world.xh,
            scheduled_at=at(SEND_DAY, 10),
        )
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        services.campaign_create(
            actor=world.user("manager_wang"),
            name="past",
            version=version,
            scheduled_at=at(SEND_DAY - timedelta(days=400), 10),
        )
    assert refused.value.field == "scheduled_at"


def test_an_email_campaign_goes_to_the_addresses_on_file(world) -> None:
    template = services.template_create(
        code="m2-email", name="M2 e-mail", channel="email", actor=world.user("manager_wang")
    )
    version = services.template_version_propose(
        template=template,
        body=POLITE,
        subject="{reference}",
        actor=world.user("manager_wang"),
        reason="Monthly.",
    )
    approval_decide(
        request=version.approval,
        approver=world.user("compliance_zhou"),
        approve=True,
        reason="Checked.",
    )
    version.refresh_from_db()
    cases = late_cases(world.xh, 3)
    for case in cases[:2]:
        customer = case.customer
        customer.email = f"{customer.external_id.lower()}@mail.example.cn"
        customer.save(update_fields=["email"])
    campaign = services.campaign_create(
        actor=world.user("manager_wang"),
        name="M2 e-mail",
        version=version,
        buckets=["M2"],
        scheduled_at=at(SEND_DAY, 10),
    )
    campaign = services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10))
    failed = CampaignMessage.objects.filter(campaign=campaign, status="failed")
    assert [(m.case_id, m.error) for m in failed] == [(cases[2].pk, "no_address")]
    assert campaign.sent == 2
