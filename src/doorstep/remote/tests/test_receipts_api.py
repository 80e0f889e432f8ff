"""The gateway's delivery receipts over HTTP: signed with the shared secret, routed to the campaign
message or the promise reminder that carries the reference, each recorded as a contact once."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from doorstep.api import api
from doorstep.compliance.models import ContactEvent
from doorstep.core.testing import AS_OF
from doorstep.plans.models import PromiseReminder
from doorstep.plans.services import promise_reminders_send, promise_take
from doorstep.remote import services
from doorstep.remote.channels import gateway
from doorstep.remote.models import CampaignMessage
from doorstep.remote.tests.conftest import at
from doorstep.remote.tests.factories import late_cases
from doorstep.remote.tests.test_campaigns import SEND_DAY, approved

pytestmark = pytest.mark.django_db

URL = "/api/v1/gateway/receipts"
SECRET = "gateway-receipts-shared-secret-for-the-tests"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def secret(settings):  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_RECEIPT_SECRET = SECRET
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def later(monkeypatch):  # type: ignore[no-untyped-def]
    """The gateway accepts now and reports delivery later, by receipt."""
    monkeypatch.setattr(gateway(), "DELIVERS_AT_ONCE", False)


@pytest.fixture
def message(world, later) -> CampaignMessage:  # type: ignore[no-untyped-def]
    """One SMS of a campaign, accepted by the gateway, its receipt awaited."""
    template = services.template_create(
        code="m2-receipts", name="M2 receipts", channel="sms", actor=world.user("manager_wang")
    )
    late_cases(world.xh, 1)
    campaign = services.campaign_create(
        actor=world.user("manager_wang"),
        name="receipts",
        version=approved(world, template),
        buckets=["M2"],
        scheduled_at=at(SEND_DAY, 10),
    )
    services.campaign_run(campaign=campaign, at=at(SEND_DAY, 10))
    sent = CampaignMessage.objects.get()
    assert sent.status == "sent"
    assert sent.contact_id is None
    return sent


@pytest.fixture
def reminder(world, later) -> PromiseReminder:  # type: ignore[no-untyped-def]
    """debtor_zhang's promise reminder, accepted by the gateway, its receipt awaited."""
    promise_take(
        case=world.zhang_case,
        amount=Decimal("250.00"),
        due_on=date(2026, 7, 2),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    counts = promise_reminders_send(at=datetime.combine(date(2026, 7, 1), time(10), SHANGHAI))
    assert counts["sent"] == 1
    sent = PromiseReminder.objects.get()
    assert sent.gateway_ref
    assert sent.contact_id is None
    return sent


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def receipt(ref: str, *, delivered: bool = True, when: str = "2026-12-01T11:00:00+08:00") -> bytes:
    return json.dumps({"ref": ref, "delivered": delivered, "at": when}).encode()


def post(body: bytes, sign: str | None = None) -> Any:
    headers = {"X-Gateway-Signature": signature(body) if sign is None else sign}
    return Client().post(URL, data=body, content_type="application/json", headers=headers)


def test_a_signed_receipt_marks_a_campaign_message_delivered_and_records_the_contact(
    message,
) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt(message.gateway_ref))

    assert answer.status_code == 200, answer.content
    message.refresh_from_db()
    assert message.status == "delivered"
    contact = ContactEvent.objects.get(pk=message.contact_id)
    assert (contact.channel, contact.outcome) == ("sms", "delivered")
    assert contact.decision_id == message.decision_id
    assert contact.at == at(SEND_DAY, 11)
    assert answer.json() == {
        "ref": message.gateway_ref,
        "kind": "campaign_message",
        "id": message.pk,
        "status": "delivered",
        "contact_id": contact.pk,
    }


def test_a_signed_receipt_for_a_promise_reminder_records_the_contact(reminder) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt(reminder.gateway_ref, when="2026-07-01T10:05:00+08:00"))

    assert answer.status_code == 200, answer.content
    reminder.refresh_from_db()
    assert reminder.status == "delivered"
    contact = ContactEvent.objects.get(pk=reminder.contact_id)
    assert (contact.channel, contact.outcome) == ("sms", "delivered")
    assert contact.decision_id == reminder.decision_id
    assert answer.json()["kind"] == "promise_reminder"
    assert answer.json()["contact_id"] == contact.pk


def test_a_reminder_not_delivered_is_recorded_so(reminder) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt(reminder.gateway_ref, delivered=False, when="2026-07-01T10:05:00Z"))

    assert answer.status_code == 200, answer.content
    reminder.refresh_from_db()
    assert reminder.status == "not_delivered"
    contact = ContactEvent.objects.get(pk=reminder.contact_id)
    assert (contact.outcome, contact.connected) == ("not_delivered", False)
    assert answer.json()["status"] == "not_delivered"


def test_a_campaign_message_not_delivered_is_recorded_so(message) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt(message.gateway_ref, delivered=False))

    assert answer.status_code == 200, answer.content
    message.refresh_from_db()
    assert message.status == "undelivered"
    assert ContactEvent.objects.get(pk=message.contact_id).outcome == "not_delivered"


@pytest.mark.parametrize(
    "sign",
    [
        "",  # no signature
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        "sha256=é" + "0" * 63,  # not even ASCII
    ],
)
def test_a_receipt_without_a_good_signature_is_refused_and_changes_nothing(message, sign) -> None:  # type: ignore[no-untyped-def]
    contacts = ContactEvent.objects.count()

    answer = post(receipt(message.gateway_ref), sign=sign)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "bad_signature"
    message.refresh_from_db()
    assert (message.status, message.contact_id) == ("sent", None)
    assert ContactEvent.objects.count() == contacts


def test_a_signature_of_another_body_or_with_another_secret_is_refused(message) -> None:  # type: ignore[no-untyped-def]
    body = receipt(message.gateway_ref)
    other = receipt(message.gateway_ref, delivered=False)

    assert post(body, sign=signature(other)).status_code == 401
    assert post(body, sign=signature(body, "another-secret")).status_code == 401
    message.refresh_from_db()
    assert message.status == "sent"


def test_without_a_secret_receipts_are_disabled(message, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_RECEIPT_SECRET = ""
    body = receipt(message.gateway_ref)

    disabled = post(body, sign=signature(body, ""))
    assert disabled.status_code == 503
    assert disabled.json()["error"]["code"] == "receipts_disabled"
    assert post(body, sign="").status_code == 401  # unsigned is refused, configured or not
    message.refresh_from_db()
    assert (message.status, message.contact_id) == ("sent", None)


def test_an_unknown_reference_is_404_naming_ref(message) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt("fake-0000000000000000"))

    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "unknown_ref"
    assert list(error["fields"]) == ["ref"]


def test_a_second_receipt_is_409_and_records_nothing_more(message, reminder) -> None:  # type: ignore[no-untyped-def]
    for ref in (message.gateway_ref, reminder.gateway_ref):
        assert post(receipt(ref)).status_code == 200
        contacts = ContactEvent.objects.count()

        again = post(receipt(ref, delivered=False))

        assert again.status_code == 409
        assert again.json()["error"]["code"] == "receipt_twice"
        assert ContactEvent.objects.count() == contacts
    message.refresh_from_db()
    reminder.refresh_from_db()
    assert (message.status, reminder.status) == ("delivered", "delivered")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"ref": "x", "at": "2026-12-01T11:00:00+08:00"}', "delivered"),
        (b'{"delivered": true, "at": "2026-12-01T11:00:00+08:00"}', "ref"),
        (b'{"ref": "", "delivered": true, "at": "2026-12-01T11:00:00+08:00"}', "ref"),
        (b'{"ref": "x", "delivered": "maybe", "at": "2026-12-01T11:00:00+08:00"}', "delivered"),
        (b'{"ref": "x", "delivered": true, "at": "2026-12-01T11:00:00"}', "at"),
        (b'{"ref": "x", "delivered": true, "at": "yesterday"}', "at"),
        (b'{"ref": "x\\u0000", "delivered": true, "at": "2026-12-01T11:00:00Z"}', "ref"),
        (b"[]", "ref"),  # not an object: every field is missing
    ],
)
def test_a_signed_but_malformed_receipt_is_422_naming_the_field(message, body, field) -> None:  # type: ignore[no-untyped-def]
    answer = post(body)

    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["fields"]
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "1970-01-01T00:00:00Z",
        "2026-12-01T11:00:00+16:00",  # Python takes it, PostgreSQL does not
    ],
)
def test_a_receipt_at_an_impossible_time_is_refused_naming_at(message, when) -> None:  # type: ignore[no-untyped-def]
    answer = post(receipt(message.gateway_ref, when=when))

    assert answer.status_code in (400, 422), answer.content
    assert list(answer.json()["error"]["fields"]) == ["at"]
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_signed_body_that_is_not_json_is_400_like_everywhere_in_the_api(message) -> None:  # type: ignore[no-untyped-def]
    answer = post(b'{"ref": "x", "delivered": true,')

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed_body"
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_gateway_is_under_no_per_address_rate_limit(message, settings) -> None:  # type: ignore[no-untyped-def]
    assert not [rule for rule in django_settings.DOORSTEP_RATE_LIMITS if re.match(rule[1], URL)]
    settings.DOORSTEP_RATE_LIMITS_ENABLED = True
    client = Client()
    statuses = {
        client.post(
            URL,
            data=b"{}",
            content_type="application/json",
            headers={"X-Gateway-Signature": signature(b"{}")},
        ).status_code
        for _ in range(100)
    }
    assert statuses == {422}


def test_generated_signed_receipts_get_documented_answers_and_no_server_error(message) -> None:  # type: ignore[no-untyped-def]
    """What ``cases/tests/test_api_fuzz.py`` does for every operation, but past the signature:
    each generated body is signed, and a well-formed one is pointed at the real message (so odd
    ``at`` values reach the services), each call rolled back."""
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    operation = schema["/api/v1/gateway/receipts"]["POST"]
    documented = {int(status) for status in operation.definition.raw["responses"]}
    seen: set[int] = set()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @hypothesis_settings(
            max_examples=60,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            data = case.body
            if isinstance(data, dict) and isinstance(data.get("ref"), str):
                data = {**data, "ref": message.gateway_ref}
            body = data if isinstance(data, bytes) else json.dumps(data).encode()
            with transaction.atomic():
                answer = post(body)
                transaction.set_rollback(True)
            seen.add(answer.status_code)
            assert answer.status_code in documented, (answer.status_code, body, answer.content)

        check()
    assert 200 in seen
    assert 422 in seen
