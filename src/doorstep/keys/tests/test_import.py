"""``doorstep import`` still stores customers, encrypted and findable by their blind indexes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from doorstep.core import crypto
from doorstep.keys.keyring import blind
from doorstep.portfolio.models import Customer, Phone

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[4] / "docs" / "samples" / "accounts.csv"


def test_the_sample_accounts_file_imports_encrypted_and_twice_changes_nothing(
    world, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    shutil.copy(SAMPLE, path)
    call_command("import", "accounts", str(path), stdout=io.StringIO())
    # The sample writes this number as "+86 139-0571-0002": found however it is written.
    phone = Phone.objects.select_related("customer").get(number_index=blind("phone", "13905710002"))
    assert phone.customer.national_id == "330106197909231815"
    assert phone.customer.monthly_income is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_id, monthly_income FROM portfolio_customer WHERE id = %s",
            [phone.customer_id],
        )
        stored = cursor.fetchone()
    assert all(crypto.is_ciphertext(value) for value in stored)
    assert Customer.objects.get(national_id_index=blind("national_id", "330106197909231815"))

    phones = Phone.objects.count()
    out = io.StringIO()
    call_command("import", "accounts", str(path), stdout=out)
    assert " 0 created, 0 updated" in out.getvalue()
    assert Phone.objects.count() == phones
