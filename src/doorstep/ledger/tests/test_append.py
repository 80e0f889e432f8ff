"""An entry exists exactly when the write it records commits, and holds no personal data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from doorstep_verify.checks import Outcome
from doorstep_verify.merkle import leaf_hash

from doorstep.core.errors import ConflictError
from doorstep.ledger.entries import EntryError, commitment
from doorstep.ledger.models import LedgerEntry, LedgerHead, LedgerNode, LedgerSubject, SubjectSalt
from doorstep.ledger.selectors import current_size, entry_list
from doorstep.ledger.services import (
    LedgerEvent,
    ledger_append,
    ledger_append_many,
    ledger_erase_subject,
    ledger_sign_checkpoint,
)
from doorstep.ledger.verification import ledger_verify


class Boom(Exception):
    pass


def fails_after(*events: LedgerEvent) -> None:
    """A write that appends its entries and then fails, in its own (inner) transaction."""
    with transaction.atomic():
        ledger_append_many(events)
        raise Boom


def status_changed(actor: object = "manager_wang") -> dict[str, object]:
    return {
        "kind": "case.status_changed",
        "actor": actor,
        "subject": {"case": "C260416-0000001"},
        "record": {"from": "active", "to": "promised"},
    }


@pytest.mark.django_db(transaction=True)
def test_an_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(TransactionManagementError, match=r"inside the transaction"):
        ledger_append(**status_changed())  # type: ignore[arg-type]
    assert LedgerEntry.objects.count() == 0
    assert current_size() == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_leaves_its_entry() -> None:
    with transaction.atomic():
        entry = ledger_append(**status_changed())  # type: ignore[arg-type]
    stored = LedgerEntry.objects.get()
    assert (stored.index, stored.kind, stored.data) == (0, "case.status_changed", entry.data)
    assert bytes(stored.leaf_hash) == leaf_hash(stored.data.encode())
    assert current_size() == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_no_entry_node_or_index() -> None:
    with transaction.atomic():
        ledger_append(**status_changed())  # type: ignore[arg-type]
    with pytest.raises(Boom):
        fails_after(
            *(
                LedgerEvent(kind="payment.posted", actor=None, subject={"payment": n}, record={})
                for n in range(5)
            )
        )
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == [0]
    assert LedgerSubject.objects.count() == 1
    assert LedgerNode.objects.count() == 0
    assert LedgerHead.objects.get().size == 1
    with transaction.atomic():
        again = ledger_append(**status_changed())  # type: ignore[arg-type]
    assert again.index == 1  # the rolled-back indexes were handed out again, no gap


def test_a_savepoint_rolled_back_inside_a_larger_write_takes_its_entry_with_it(db) -> None:
    with transaction.atomic():
        ledger_append(**status_changed())  # type: ignore[arg-type]
        with pytest.raises(Boom):
            fails_after(LedgerEvent(**status_changed("agent_li")))  # type: ignore[arg-type]
        ledger_append(**status_changed("manager_liu"))  # type: ignore[arg-type]
    actors = [entry.data.split('"actor":"')[1].split('"')[0] for entry in entry_list()]
    assert actors == ["manager_wang", "manager_liu"]
    assert [e.index for e in entry_list()] == [0, 1]


def test_the_entry_names_the_actor_the_time_and_the_subject(world) -> None:
    with transaction.atomic():
        entry = ledger_append(
            kind="payment.posted",
            actor=world.user("manager_wang"),
            subject={"case": world.zhang_case.reference, "payment": 17},
            record={"amount": Decimal("500.00")},
            at=world.zhang_case.updated_at,
        )
        system = ledger_append(kind="case.synced", actor=None, subject={}, record={})
        staff = ledger_append(kind="case.synced", actor=world.agent_li, subject={}, record={})
    at = timezone.localtime(world.zhang_case.updated_at).isoformat(timespec="milliseconds")
    assert '"actor":"manager_wang"' in entry.data
    assert f'"subject":{{"case":"{world.zhang_case.reference}","payment":"17"}}' in entry.data
    assert '"record":{"amount":"500.00"}' in entry.data
    assert at.endswith("+08:00")
    assert f'"at":"{at}"' in entry.data
    assert '"actor":"system"' in system.data
    assert '"actor":"agent_li"' in staff.data


def test_many_events_get_consecutive_indexes_in_order(db, fill) -> None:
    assert fill(3) == range(3)
    assert fill(4) == range(3, 7)
    with transaction.atomic():
        assert ledger_append_many([]) == range(0)
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == list(range(7))
    subjects = entry_list(subject=("payment", "5")).values_list("index", flat=True)
    assert list(subjects) == [5]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"kind": "not a kind"}, "kind must look like"),
        ({"at": datetime(2026, 6, 30, 9, 0)}, "timezone-aware"),  # noqa: DTZ001
        ({"actor": 42}, "actor must be a user"),
        ({"subject": {"case": None}}, "subject case must be a string"),
        ({"record": {"photo": b"\x89PNG"}}, "bytes is not a JSON value"),
    ],
)
def test_a_bad_event_fails_the_whole_batch(db, fill, bad, problem) -> None:
    fill(2)
    good = {"kind": "payment.posted", "actor": None, "subject": {}, "record": {}}
    events = [LedgerEvent(**good), LedgerEvent(**{**good, **bad})]  # type: ignore[arg-type]
    with pytest.raises(EntryError, match=problem), transaction.atomic():
        ledger_append_many(events)
    assert current_size() == 2


def zhang_visit(world, **record: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    zhang = world.debtor_zhang
    return {
        "kind": "visit.checked_in",
        "actor": world.user("agent_li"),
        "subject": {"case": world.zhang_case.reference, "visit": 1},
        "record": {"outcome": "met_debtor", **record},
        "personal": {
            "customer": zhang.pk,
            "name": zhang.name,
            "national_id": zhang.national_id,
            "phone": [phone.number for phone in zhang.phones.all()],
        },
    }


def test_no_personal_value_appears_in_any_entry(world) -> None:
    zhang = world.debtor_zhang
    with transaction.atomic():
        ledger_append(**zhang_visit(world))
        ledger_append(**zhang_visit(world, note_hash="ab" * 32))
    salt = bytes(SubjectSalt.objects.get(customer_id=zhang.pk).salt)
    phone = zhang.phones.get().number
    for entry in LedgerEntry.objects.all():
        for value in (zhang.name, zhang.national_id, phone):
            assert value not in entry.data
        assert f'"national_id":"{commitment(salt, zhang.national_id)}"' in entry.data
        assert f'"phone":["{commitment(salt, phone)}"]' in entry.data


def test_a_personal_value_copied_into_the_record_is_refused(world) -> None:
    phone = world.debtor_zhang.phones.get().number
    with pytest.raises(EntryError, match="appears in clear"), transaction.atomic():
        ledger_append(**zhang_visit(world, remark=f"called {phone}"))
    assert current_size() == 0


def test_personal_data_needs_the_customer_it_belongs_to(world) -> None:
    event = zhang_visit(world)
    event["personal"] = {"national_id": world.debtor_zhang.national_id}
    with pytest.raises(EntryError, match=r"personal\['customer'\]"), transaction.atomic():
        ledger_append(**event)


def test_erasing_a_customer_unlinks_their_commitments_and_the_log_still_verifies(world) -> None:
    zhang = world.debtor_zhang
    with transaction.atomic():
        ledger_append(**zhang_visit(world))
    ledger_sign_checkpoint()
    before = list(LedgerEntry.objects.values_list("data", flat=True))

    assert ledger_erase_subject(customer_id=zhang.pk, actor=world.user("admin")) is True

    salt = SubjectSalt.objects.get(customer_id=zhang.pk)
    assert (salt.salt, salt.erased_at is not None) == (None, True)
    assert list(LedgerEntry.objects.values_list("data", flat=True))[:1] == before
    erased = LedgerEntry.objects.get(index=1)
    assert erased.kind == "ledger.subject_erased"
    assert f'"subject":{{"customer":"{zhang.pk}"}}' in erased.data
    ledger_sign_checkpoint()
    assert ledger_verify().outcome is Outcome.VERIFIED
    assert ledger_erase_subject(customer_id=zhang.pk) is False
    assert current_size() == 2
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        ledger_append(**zhang_visit(world))
    assert refused.value.code == "subject_erased"
    assert current_size() == 2
