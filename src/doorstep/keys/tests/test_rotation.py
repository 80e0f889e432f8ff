"""Rotation: mixed keys stay readable, an interrupted rotation resumes, the KEK is rewrapped."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from doorstep.core import crypto
from doorstep.core.testing import make_customer
from doorstep.keys import keyring, rotation
from doorstep.keys.models import DataKey
from doorstep.portfolio.models import Customer, Phone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    keyring.reset()
    yield
    keyring.forget_all()


def key_ids(table: str, column: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
        return {crypto.key_id_of(v) for (v,) in cursor.fetchall() if v}


def people(count: int, start: int = 0) -> list[Customer]:
    return [
        make_customer(f"客户{n}", national_id=f"33010619880412{n:04d}", phone=f"1380571{n:04d}")
        for n in range(start, start + count)
    ]


def current_kek_text(settings) -> str:  # type: ignore[no-untyped-def]
    """The KEK the test database's keys were wrapped with (the configured or the dev one)."""
    return settings.DOORSTEP_KEK or Path(settings.KEK_DEV_FILE).read_text().strip()


class Interrupted(Exception):
    pass


def test_a_rotation_cut_short_leaves_mixed_keys_all_readable_and_resumes() -> None:
    people(5)
    old = keyring.active_key().key_id
    new, started = rotation.rotation_start()
    assert started
    assert keyring.active_key().key_id == new.key_id
    people(2, start=5)  # written during the rotation: under the new key already
    assert key_ids("portfolio_customer", "national_id") == {old, new.key_id}

    def stop_after_first_batch(rows: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        rotation.reencrypt(batch=2, progress=stop_after_first_batch)
    # Mid-way: some rows moved, some not, and every one of them reads.
    mixed = key_ids("portfolio_customer", "national_id")
    assert mixed == {old, new.key_id}
    keyring.forget_all()  # a process that starts now knows no key yet
    assert sorted(c.national_id[-4:] for c in Customer.objects.all()) == [
        f"{n:04d}" for n in range(7)
    ]
    assert Phone.objects.filter(number_index=keyring.blind("phone", "13805710003")).exists()

    again, started = rotation.rotation_start()
    assert (again.key_id, started) == (new.key_id, False)  # resumed, not a third key
    rotation.reencrypt(batch=2)
    assert rotation.rotation_finish(again.created_at, wait=False) == 0
    assert key_ids("portfolio_customer", "national_id") == {new.key_id}
    assert key_ids("portfolio_phone", "number") == {new.key_id}
    states = dict(DataKey.objects.filter(purpose="data").values_list("key_id", "state"))
    assert states == {old: "retired", new.key_id: "active"}
    assert [c.national_id[-4:] for c in Customer.objects.order_by("pk")] == [
        f"{n:04d}" for n in range(7)
    ]


def test_keys_rotate_reports_and_status_counts_values_per_key() -> None:
    people(3)
    out = io.StringIO()
    call_command("keys", "rotate", "--no-wait", stdout=out)
    assert "rows re-encrypted" in out.getvalue()
    assert "old data keys retired" in out.getvalue()
    status = {k.key_id: k for k in rotation.keys_status()}
    active = keyring.active_key().key_id
    # Each customer: the national ID, the income, a phone number and an address line.
    assert status[active].values == 3 * 4
    assert all(k.values == 0 for k in status.values() if k.state == "retired")
    listing = io.StringIO()
    call_command("keys", "status", stdout=listing)
    assert f"{active} active" in listing.getvalue()


def test_rewrapping_under_a_new_kek_keeps_every_value_readable(settings, tmp_path: Path) -> None:
    people(2)
    old_kek = keyring.kek()
    old_text = (
        Path(settings.KEK_DEV_FILE).read_text().strip()
        if not settings.DOORSTEP_KEK
        else (settings.DOORSTEP_KEK)
    )
    new_text = base64.b64encode(bytes(range(32))).decode()
    settings.DOORSTEP_KEK = new_text
    settings.DOORSTEP_KEK_PREVIOUS = [old_text]
    keyring.forget_all()
    assert keyring.kek().key_id != old_kek.key_id
    assert rotation.kek_rotate() == DataKey.objects.count()
    settings.DOORSTEP_KEK_PREVIOUS = []
    keyring.forget_all()
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {keyring.kek().key_id}
    assert sorted(c.national_id for c in Customer.objects.all()) == [
        "330106198804120000",
        "330106198804120001",
    ]
    assert Phone.objects.filter(number_index=keyring.blind("phone", "13805710001")).exists()


class StandInKms:
    """What a bank's KMS hook returns: an object that wraps and unwraps, the KEK inside."""

    key_id = "kms-test-1"

    def __init__(self) -> None:
        self._kek = crypto.LocalKek(bytes([7]) * 32)

    def wrap(self, key: bytes, context: bytes) -> bytes:
        return b"kms:" + self._kek.wrap(key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        assert wrapped.startswith(b"kms:")
        return self._kek.unwrap(wrapped[4:], context)


def test_a_kms_hook_takes_over_from_a_local_kek(settings) -> None:
    customer = people(1)[0]
    settings.DOORSTEP_KEK_PREVIOUS = [current_kek_text(settings)]
    settings.DOORSTEP_KEK_HOOK = "doorstep.keys.tests.test_rotation.StandInKms"
    keyring.forget_all()
    assert rotation.kek_rotate() == 2
    key, _ = rotation.rotation_start()
    assert key.kek_id == "kms-test-1"
    assert bytes(key.wrapped).startswith(b"kms:")
    rotation.reencrypt()
    settings.DOORSTEP_KEK_PREVIOUS = []
    keyring.forget_all()
    assert Customer.objects.get(pk=customer.pk).national_id == "330106198804120000"
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"kms-test-1"}


def test_production_refuses_to_run_without_a_kek(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    settings.DOORSTEP_KEK = None
    settings.DOORSTEP_KEK_HOOK = None
    keyring.forget_all()
    with pytest.raises(ImproperlyConfigured, match="DOORSTEP_KEK"):
        keyring.kek()
